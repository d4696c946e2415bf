//! Load generator for bench/comments.sh and bench/liveblog.sh: live readers
//! on one page while comments (or live-blog updates) are posted, measuring
//! post-to-delivery latency on every connection, then comment writes per
//! second. Talks to a running Broadsheet over HTTP only, like browsers do.
//!
//!   live_load comments BASE_URL ARTICLE_PATH ADMIN_EMAIL ADMIN_PASSWORD [readers] [seconds]
//!   live_load entries BASE_URL LIVE_BLOG_PATH ADMIN_EMAIL ADMIN_PASSWORD [readers] [seconds]

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::sync::Mutex;

type Deliveries = Arc<Mutex<HashMap<String, Vec<Instant>>>>;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args: Vec<String> = std::env::args().collect();
    anyhow::ensure!(
        args.len() >= 6 && ["comments", "entries", "seed"].contains(&args[1].as_str()),
        "usage: live_load comments|entries BASE_URL PAGE_PATH ADMIN_EMAIL ADMIN_PASSWORD [readers] [seconds]\n       \
         live_load seed BASE_URL PAGE_PATH ADMIN_EMAIL ADMIN_PASSWORD COMMENTS"
    );
    let base = args[2].trim_end_matches('/').to_owned();
    let page_path = args[3].clone();
    let readers: usize = args.get(6).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let seconds: u64 = args.get(7).and_then(|a| a.parse().ok()).unwrap_or(10);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(2000)
        .build()?;
    let staff = sign_in(&client, &base, &args[4], &args[5]).await?;
    if args[1] == "entries" {
        let page = client.get(format!("{base}{page_path}")).send().await?.text().await?;
        let blog = attribute(&page, "id=\"live-entries\" data-article=\"")
            .ok_or_else(|| anyhow::anyhow!("no live blog at {page_path}"))?;
        let stream = format!("{base}/live/entries/{blog}");
        let post_url = format!("{base}/newsroom/articles/{blog}/live");
        return deliveries(&client, &stream, readers, seconds, "live updates", |n| {
            let body = format!("Live load update {n}: a short paragraph of the kind a reporter posts from the scene.");
            post_json(&client, &post_url, &staff, vec![("body".to_owned(), body)])
        })
        .await;
    }

    lift_posting_limit(&client, &base, &staff).await?;
    let forum = client
        .get(format!("{base}{page_path}/comments"))
        .send()
        .await?
        .text()
        .await?;
    let article = attribute(&forum, "data-article=\"").ok_or_else(|| anyhow::anyhow!("no forum at {page_path}"))?;
    let posters = register_posters(&client, &base, 32).await?;
    if args[1] == "seed" {
        return seed(&client, &base, &article, &posters, readers).await;
    }

    // Phase 1: delivery latency to many open pages.
    let stream = format!("{base}/live/comments/{article}");
    deliveries(&client, &stream, readers, seconds, "comments", |n| {
        let poster = posters[(n as usize) % posters.len()].clone();
        let body = format!("Live load comment {n}");
        let client = client.clone();
        let base = base.clone();
        let article = article.clone();
        async move { post(&client, &base, &poster, &article, &body).await }
    })
    .await?;

    // Phase 2: sustained comment writes, as fast as 32 concurrent posters go.
    let done = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let failed = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..32usize {
        let client = client.clone();
        let base = base.clone();
        let poster = posters[worker % posters.len()].clone();
        let article = article.clone();
        let done = done.clone();
        let failed = failed.clone();
        tasks.push(tokio::spawn(async move {
            let mut i = 0;
            while started.elapsed() < Duration::from_secs(seconds) {
                match post(&client, &base, &poster, &article, &format!("Write load {worker}-{i}")).await {
                    Some(_) => done.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
                    None => failed.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
                };
                i += 1;
            }
        }));
    }
    for task in tasks {
        task.await?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let writes = done.load(std::sync::atomic::Ordering::Relaxed) as f64;
    println!(
        "comment writes: {writes:.0} in {elapsed:.1} s = {:.0}/s, failed {} (goal >= 500/s on SQLite)",
        writes / elapsed,
        failed.load(std::sync::atomic::Ordering::Relaxed)
    );
    Ok(())
}

async fn listen(client: reqwest::Client, url: String, deliveries: Deliveries) {
    let Ok(response) = client.get(&url).send().await else {
        return;
    };
    let mut stream = response.bytes_stream();
    let mut buffer = String::new();
    while let Some(Ok(chunk)) = stream.next().await {
        let now = Instant::now();
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            if let Some(id) = event.split("\"id\":\"").nth(1).and_then(|r| r.split('"').next()) {
                deliveries.lock().await.entry(id.to_owned()).or_default().push(now);
            }
        }
    }
}

/// Fills a forum the way a busy story's fills: 8 at a time, taking turns among 32 posters, two
/// comments in five starting a thread and the rest replying to an earlier
/// comment (a recent one more often). Prints one poster's cookie, to read
/// the forum signed in.
async fn seed(
    client: &reqwest::Client,
    base: &str,
    article: &str,
    posters: &[String],
    total: usize,
) -> anyhow::Result<()> {
    let posted = Arc::new(tokio::sync::Mutex::new(Vec::<String>::new()));
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (client, base, article) = (client.clone(), base.to_owned(), article.to_owned());
        let posters = posters.to_vec();
        let (posted, next) = (posted.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if n >= total {
                    break;
                }
                let parent = {
                    let ids = posted.lock().await;
                    // A cheap, repeatable spread: n's digits pick the kind and the parent.
                    (n % 5 >= 2 && !ids.is_empty()).then(|| {
                        let back = (n * 7919) % ids.len().min(if n % 2 == 0 { 40 } else { usize::MAX });
                        ids[ids.len() - 1 - back].clone()
                    })
                };
                let body =
                    format!("Seeded comment {n}: a reader's view of the story, a sentence or two long, as most are.");
                let mut form = vec![
                    ("article", article.as_str()),
                    ("body", body.as_str()),
                    ("return_to", "/"),
                ];
                if let Some(parent) = &parent {
                    form.push(("parent", parent.as_str()));
                }
                let form: Vec<(String, String)> =
                    form.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
                // Posters take turns (each stays under the per-reader rate); a refusal is tried again.
                let poster = &posters[n % posters.len()];
                for _ in 0..3 {
                    if let Some(id) = post_json(&client, &format!("{base}/comments"), poster, form.clone()).await {
                        posted.lock().await.push(id);
                        break;
                    }
                }
            }
        }));
    }
    for task in tasks {
        task.await?;
    }
    let count = posted.lock().await.len();
    eprintln!("seeded {count} comments in {:.1} s", started.elapsed().as_secs_f64());
    // A few refusals (a reply chosen below the deepest level, a filter) do not spoil a reading test.
    anyhow::ensure!(
        count * 100 >= total * 99,
        "only {count} of {total} comments were posted"
    );
    println!("{}", posters[0]);
    Ok(())
}

async fn post(client: &reqwest::Client, base: &str, cookie: &str, article: &str, body: &str) -> Option<String> {
    let form = [("article", article), ("body", body), ("return_to", "/")];
    let form = form.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    post_json(client, &format!("{base}/comments"), cookie, form).await
}

/// Opens `readers` streams, posts at 20 a second for `seconds`, and prints
/// the post-to-delivery latency over every connection.
async fn deliveries<F, Fut>(
    client: &reqwest::Client,
    stream_url: &str,
    readers: usize,
    seconds: u64,
    what: &str,
    mut post_one: F,
) -> anyhow::Result<()>
where
    F: FnMut(u64) -> Fut,
    Fut: Future<Output = Option<String>>,
{
    let deliveries: Deliveries = Arc::default();
    let mut streams = Vec::new();
    for _ in 0..readers {
        let client = client.clone();
        let url = stream_url.to_owned();
        let deliveries = deliveries.clone();
        streams.push(tokio::spawn(async move { listen(client, url, deliveries).await }));
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut sent: Vec<(String, Instant)> = Vec::new();
    let rate = 20u64;
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed() < Duration::from_secs(seconds) {
        let at = Instant::now();
        if let Some(id) = post_one(n).await {
            sent.push((id, at));
        }
        n += 1;
        let next = started + Duration::from_millis(n * 1000 / rate);
        tokio::time::sleep_until(next.into()).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let delivered = deliveries.lock().await;
    let mut latencies: Vec<f64> = Vec::new();
    let mut missing = 0usize;
    for (id, at) in &sent {
        let times = delivered.get(id).map(Vec::as_slice).unwrap_or(&[]);
        missing += readers.saturating_sub(times.len());
        latencies.extend(times.iter().map(|t| t.duration_since(*at).as_secs_f64() * 1000.0));
    }
    latencies.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or(f64::NAN)
    };
    println!("live readers: {readers}, {what} posted: {} at {rate}/s", sent.len());
    println!(
        "deliveries: {} (missing {missing}), post-to-delivery p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (goal p99 < 200 ms)",
        latencies.len(),
        pct(0.50),
        pct(0.99),
        pct(1.0)
    );
    drop(delivered);
    for stream in streams {
        stream.abort();
    }
    Ok(())
}

fn attribute(html: &str, prefix: &str) -> Option<String> {
    html.split(prefix).nth(1)?.split('"').next().map(str::to_owned)
}

async fn post_json(client: &reqwest::Client, url: &str, cookie: &str, form: Vec<(String, String)>) -> Option<String> {
    let response = client
        .post(url)
        .header("cookie", cookie)
        .header("accept", "application/json")
        .form(&form)
        .send()
        .await
        .ok()?;
    if !response.status().is_success() {
        return None;
    }
    let json: serde_json::Value = response.json().await.ok()?;
    json["id"].as_str().map(str::to_owned)
}

async fn register_posters(client: &reqwest::Client, base: &str, count: usize) -> anyhow::Result<Vec<String>> {
    let mut cookies = Vec::new();
    for n in 0..count {
        let email = format!("load-{n}-{}@bench.example", uuid::Uuid::now_v7().simple());
        let response = client
            .post(format!("{base}/account/register"))
            .form(&[
                ("display_name", format!("Load {n}").as_str()),
                ("email", &email),
                ("password", "a long bench password"),
            ])
            .send()
            .await?;
        let cookie = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("broadsheet_reader="))
            .and_then(|v| v.split(';').next())
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "registration refused ({}); raise community.registrations_per_address_per_hour",
                    response.status()
                )
            })?;
        cookies.push(cookie.to_owned());
    }
    Ok(cookies)
}

/// Signs in as an admin and raises the per-reader posting limit for the run.
/// Signs in to the newsroom; returns the session cookie.
async fn sign_in(client: &reqwest::Client, base: &str, email: &str, password: &str) -> anyhow::Result<String> {
    let response = client
        .post(format!("{base}/newsroom/login"))
        .form(&[("email", email), ("password", password)])
        .send()
        .await?;
    Ok(response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .ok_or_else(|| anyhow::anyhow!("could not sign in as {email}"))?
        .to_owned())
}

async fn lift_posting_limit(client: &reqwest::Client, base: &str, cookie: &str) -> anyhow::Result<()> {
    let saved = client
        .post(format!("{base}/newsroom/moderation/filters"))
        .header("cookie", cookie)
        .form(&[
            ("banned_words", ""),
            ("suspect_words", ""),
            ("max_links", "2"),
            ("new_account_hours", "0"),
            ("per_minute", "1000"),
        ])
        .send()
        .await?;
    anyhow::ensure!(
        saved.status().is_redirection(),
        "could not change the filters: {}",
        saved.status()
    );
    Ok(())
}
