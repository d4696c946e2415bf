//! Tools for bench/alerts.sh: one alert fanned out to many subscriptions.
//!
//!   alert_fanout seed DATABASE_URL COUNT SINK_URL   write COUNT subscriptions to the breaking topic
//!   alert_fanout sink PORT [http1]                  a push service that takes every message (201),
//!                                                   over HTTP/2 in the clear (or HTTP/1.1)
//!   alert_fanout send BASE_URL EMAIL PASSWORD       send one alert as an editor, follow it to the end
//!   alert_fanout encrypt SECONDS                    messages encrypted per second on every core, nothing else
//!
//! The HTTP/2 sink verifies each alert's VAPID token and decrypts one message
//! in a thousand (all of them would double the crypto being measured); the
//! tests decrypt every one.

mod h2_sink;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use broadsheet::config::{DatabaseSettings, Secret};
use broadsheet::db::{self, sql};
use broadsheet::domain::Timestamp;

/// A real browser key (RFC 8291's example): every message still gets its own key agreement.
const P256DH: &str = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";
/// Its private key (from the same example), so the sink can open a sample of messages.
const PRIVATE: &str = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("seed") if args.len() == 4 => seed(&args[1], args[2].parse()?, &args[3]).await,
        Some("sink") if args.len() == 2 => h2_sink::serve(args[1].parse()?, browser()?).await,
        Some("sink") if args.len() == 3 && args[2] == "http1" => sink(args[1].parse()?).await,
        Some("send") if args.len() == 4 => send(&args[1], &args[2], &args[3]).await,
        Some("encrypt") if args.len() == 2 => encrypt(args[1].parse()?),
        _ => anyhow::bail!(
            "usage: alert_fanout seed DATABASE_URL COUNT SINK_URL | sink PORT [http1] | send BASE_URL EMAIL PASSWORD | encrypt SECONDS"
        ),
    }
}

/// The example browser, with its private key.
fn browser() -> anyhow::Result<h2_sink::Browser> {
    let decode = |b64: &str| base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, b64);
    Ok(h2_sink::Browser {
        secret: p256::SecretKey::from_slice(&decode(PRIVATE)?)?,
        public: decode(P256DH)?,
        auth: decode(AUTH)?,
    })
}

async fn seed(url: &str, count: usize, sink: &str) -> anyhow::Result<()> {
    let started = Instant::now();
    let db = db::connect(&DatabaseSettings {
        url: Secret::new(url.to_owned()),
        max_connections: 2,
        ..DatabaseSettings::default()
    })
    .await?;
    db::migrate(&db).await?;
    let now = Timestamp::now();
    const BATCH: usize = 1000;
    for start in (0..count).step_by(BATCH) {
        let rows: Vec<(uuid::Uuid, i64)> = (start..count.min(start + BATCH))
            .map(|i| (uuid::Uuid::now_v7(), (i % 16) as i64))
            .collect();
        let mut subscriptions = String::from(
            "INSERT INTO push_subscriptions (id, endpoint, p256dh, auth, shard, created_at, updated_at) VALUES ",
        );
        let mut topics = String::from("INSERT INTO push_topics (topic, shard, subscription_id) VALUES ");
        for i in 0..rows.len() {
            let sep = if i > 0 { "," } else { "" };
            // $1 is the shared timestamp.
            let p = i * 3;
            subscriptions.push_str(&format!(
                "{sep}(${}, ${}, '{P256DH}', '{AUTH}', ${}, $1, $1)",
                p + 2,
                p + 3,
                p + 4
            ));
            topics.push_str(&format!("{sep}('breaking', ${}, ${})", i * 2 + 1, i * 2 + 2));
        }
        let mut insert = sql(subscriptions).bind(now);
        let mut link = sql(topics);
        for (i, (id, shard)) in rows.iter().enumerate() {
            insert = insert.bind(*id).bind(format!("{sink}/{}", start + i)).bind(*shard);
            link = link.bind(*shard).bind(*id);
        }
        let mut tx = db.begin().await?;
        insert.execute(&mut tx).await?;
        link.execute(&mut tx).await?;
        tx.commit().await?;
    }
    println!(
        "seeded {count} subscriptions in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The HTTP/1.1 sink (hyper's server).
async fn sink(port: u16) -> anyhow::Result<()> {
    let received = Arc::new(AtomicU64::new(0));
    let counter = received.clone();
    let router = axum::Router::new().route(
        "/{*rest}",
        axum::routing::post(move |body: axum::body::Bytes| {
            let counter = counter.clone();
            async move {
                // A push service refuses what is not an aes128gcm record of the right shape.
                if body.len() < 21 + 65 + 17 {
                    return axum::http::StatusCode::BAD_REQUEST;
                }
                counter.fetch_add(1, Ordering::Relaxed);
                axum::http::StatusCode::CREATED
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    axum::serve(listener, router).await?;
    Ok(())
}

async fn send(base: &str, email: &str, password: &str) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let response = client
        .post(format!("{base}/newsroom/login"))
        .form(&[("email", email), ("password", password)])
        .send()
        .await?;
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .ok_or_else(|| anyhow::anyhow!("could not sign in as {email}"))?
        .to_owned();
    let started = Instant::now();
    let response = client
        .post(format!("{base}/newsroom/alerts"))
        .header("cookie", &cookie)
        .form(&[
            ("title", "Benchmark alert"),
            ("body", "One alert to every subscription."),
            ("url", "/"),
            ("image", ""),
            ("topic", "breaking"),
            ("urgency", "high"),
            ("ttl", "3600"),
        ])
        .send()
        .await?;
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| anyhow::anyhow!("the alert was not accepted: {}", response.status()))?
        .to_owned();
    let mut last_print = Instant::now();
    loop {
        let stats: serde_json::Value = client
            .get(format!("{base}{location}/stats"))
            .header("cookie", &cookie)
            .send()
            .await?
            .json()
            .await?;
        let delivered = stats["delivered"].as_i64().unwrap_or(0);
        if stats["status"] == "sent" {
            let seconds = started.elapsed().as_secs_f64();
            println!("queued: {}", stats["queued"]);
            println!(
                "delivered: {delivered}, failed: {}, removed: {}",
                stats["failed"], stats["removed"]
            );
            println!("first subscriber reached after: {} ms", stats["first_delivery_ms"]);
            println!("send to last delivery: {seconds:.1} s");
            println!("alerts per second, end to end: {:.0}", delivered as f64 / seconds);
            return Ok(());
        }
        if last_print.elapsed() > Duration::from_secs(5) {
            eprintln!(
                "  … {delivered} delivered after {:.0} s",
                started.elapsed().as_secs_f64()
            );
            last_print = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The fan-out's ceiling on this machine: each core doing only what every
/// message needs cryptographically (a fresh key pair, the key agreement, the
/// key derivation and AES-GCM), with no HTTP, no database and no sink.
fn encrypt(seconds: u64) -> anyhow::Result<()> {
    let decode = |b64: &str| base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, b64);
    let (browser_public, auth) = (decode(P256DH)?, decode(AUTH)?);
    let payload = br#"{"title":"Breaking: a headline of ordinary length","body":"A standfirst-sized line of text for the alert.","url":"/world/a-story"}"#;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let until = Instant::now() + Duration::from_secs(seconds);
    let total: u64 = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..cores)
            .map(|_| {
                scope.spawn(|| {
                    let rng = ring::rand::SystemRandom::new();
                    let mut done = 0u64;
                    while Instant::now() < until {
                        broadsheet::alerts::crypto::encrypt(payload, &browser_public, &auth, &rng)
                            .expect("the example key is valid");
                        done += 1;
                    }
                    done
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().expect("a worker finishes")).sum()
    });
    println!(
        "messages encrypted per second ({cores} cores): {}",
        total / seconds.max(1)
    );
    Ok(())
}
