//! Tools for bench/search.sh: a generated archive and a query load.
//!
//!   search_bench seed DATABASE_URL COUNT     write COUNT published articles (indexed by the database as written)
//!   search_bench query BASE_URL SECONDS      search for random words over 8 connections; latency percentiles
//!   search_bench rate BASE_URL SECONDS QPS   the same words at a fixed rate (one request every 1/QPS s, however
//!                                            slow the answers), latency counted from when each was due
//!
//! The seeder also times publishing one more article with and without the
//! search index's triggers doing their work (drafts are not indexed).

use std::time::{Duration, Instant};

use broadsheet::config::{DatabaseSettings, Secret};
use broadsheet::db::{self, Db, sql};
use broadsheet::domain::Timestamp;

/// Generated stories draw words from a 50,000-word vocabulary with a
/// Zipf-like (log-uniform) frequency, as text does; queries ask for content
/// words (ranks 100 to 5,000), as readers do.
const VOCABULARY: f64 = 50_000.0;
const SYLLABLES: [&str; 24] = [
    "ka", "to", "ri", "ne", "mo", "sa", "lu", "pe", "di", "fo", "ga", "hu", "ji", "ke", "la", "mi", "no", "pa", "qu",
    "re", "si", "tu", "va", "zo",
];

fn word_at(mut rank: usize) -> String {
    let mut word = String::new();
    loop {
        word.push_str(SYLLABLES[rank % SYLLABLES.len()]);
        rank /= SYLLABLES.len();
        if rank == 0 {
            break;
        }
    }
    word
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn unit(&mut self) -> f64 {
        (self.next() % 1_000_000) as f64 / 1_000_000.0
    }
    fn word(&mut self) -> String {
        word_at((VOCABULARY.powf(self.unit()) - 1.0) as usize)
    }
    fn query_word(&mut self) -> String {
        word_at(100 + (self.next() % 4_900) as usize)
    }
    fn sentence(&mut self, words: usize) -> String {
        (0..words).map(|_| self.word()).collect::<Vec<_>>().join(" ")
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("seed") if args.len() == 3 => seed(&args[1], args[2].parse()?).await,
        Some("query") if args.len() == 3 => query(&args[1], args[2].parse()?).await,
        Some("rate") if args.len() == 4 => rate(&args[1], args[2].parse()?, args[3].parse()?).await,
        _ => anyhow::bail!(
            "usage: search_bench seed DATABASE_URL COUNT | query BASE_URL SECONDS | rate BASE_URL SECONDS QPS"
        ),
    }
}

async fn insert(db: &Db, rng: &mut Rng, section: uuid::Uuid, n: usize, status: &str) -> anyhow::Result<()> {
    let now = Timestamp::now();
    let headline = rng.sentence(7);
    let standfirst = rng.sentence(18);
    let body = (0..8).map(|_| rng.sentence(60)).collect::<Vec<_>>().join("\n\n");
    sql("INSERT INTO articles (id, slug, status, headline, standfirst, body, section_id, published_at, updated_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8)")
    .bind(uuid::Uuid::now_v7())
    .bind(format!("story-{n}-{}", rng.next() % 1_000_000))
    .bind(status)
    .bind(headline)
    .bind(standfirst)
    .bind(body)
    .bind(section)
    .bind(now.plus_seconds(-((n as i64) * 600)))
    .execute(db)
    .await?;
    Ok(())
}

async fn seed(url: &str, count: usize) -> anyhow::Result<()> {
    let db = db::connect(&DatabaseSettings {
        url: Secret::new(url.to_owned()),
        max_connections: 2,
        ..DatabaseSettings::default()
    })
    .await?;
    db::migrate(&db).await?;
    let section = uuid::Uuid::now_v7();
    sql("INSERT INTO sections (id, slug, name, description, position, created_at, updated_at) VALUES ($1, 'news', 'News', '', 1, $2, $2)")
        .bind(section)
        .bind(Timestamp::now())
        .execute(&db)
        .await?;
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let started = Instant::now();
    for chunk in (0..count).collect::<Vec<_>>().chunks(500) {
        let mut tx = db.begin().await?;
        for n in chunk {
            let now = Timestamp::now();
            sql("INSERT INTO articles (id, slug, status, headline, standfirst, body, section_id, published_at, updated_at, created_at)
                 VALUES ($1, $2, 'published', $3, $4, $5, $6, $7, $7, $8)")
            .bind(uuid::Uuid::now_v7())
            .bind(format!("story-{n}"))
            .bind(rng.sentence(7))
            .bind(rng.sentence(18))
            .bind((0..8).map(|_| rng.sentence(60)).collect::<Vec<_>>().join("\n\n"))
            .bind(section)
            .bind(now.plus_seconds(-((*n as i64) * 600)))
            .bind(now)
            .execute(&mut tx)
            .await?;
        }
        tx.commit().await?;
    }
    println!(
        "wrote and indexed {count} articles in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // The cost on publish: one article at a time, indexed (published) or not (draft).
    for (status, label) in [
        ("draft", "a draft (not indexed)"),
        ("published", "a published article (indexed)"),
    ] {
        let started = Instant::now();
        for n in 0..200 {
            insert(&db, &mut rng, section, count + n, status).await?;
        }
        println!(
            "writing {label}: {:.2} ms each",
            started.elapsed().as_secs_f64() * 1000.0 / 200.0
        );
    }
    Ok(())
}

async fn query(base: &str, seconds: u64) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut workers = Vec::new();
    for w in 0..8u64 {
        let client = client.clone();
        let base = base.to_owned();
        workers.push(tokio::spawn(async move {
            let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (w + 1));
            let mut times = Vec::new();
            while Instant::now() < deadline {
                let started = Instant::now();
                if let Some(took) = search(&client, &base, &mut rng, started).await {
                    times.push(took);
                }
            }
            times
        }));
    }
    let mut all = Vec::new();
    for worker in workers {
        all.extend(worker.await?);
    }
    println!(
        "queries: {} in {seconds} s ({:.0}/s over 8 connections)",
        all.len(),
        all.len() as f64 / seconds as f64
    );
    report(all);
    Ok(())
}

/// One random query; the time from `due` to the whole answer, if it succeeded.
async fn search(client: &reqwest::Client, base: &str, rng: &mut Rng, due: Instant) -> Option<Duration> {
    let words = 1 + (rng.next() % 3) as usize;
    let q = (0..words).map(|_| rng.query_word()).collect::<Vec<_>>().join(" ");
    let response = client
        .get(format!("{base}/search.json?q={}", q.replace(' ', "+")))
        .send()
        .await
        .ok()?;
    if !response.status().is_success() {
        return None;
    }
    response.bytes().await.ok()?;
    Some(due.elapsed())
}

/// Requests sent on a fixed schedule, each on its own task, so a slow answer
/// does not delay the next question (the latency a reader sees at that load).
async fn rate(base: &str, seconds: u64, qps: u64) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let interval = Duration::from_secs_f64(1.0 / qps.max(1) as f64);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for n in 0..seconds * qps {
        let due = start + interval * n as u32;
        tokio::time::sleep_until(due.into()).await;
        let (client, base) = (client.clone(), base.to_owned());
        let mut rng = Rng(rng.next() | 1);
        tasks.push(tokio::spawn(async move { search(&client, &base, &mut rng, due).await }));
    }
    let mut all = Vec::new();
    let mut failed = 0;
    for task in tasks {
        match task.await? {
            Some(took) => all.push(took),
            None => failed += 1,
        }
    }
    println!("queries: {} at {qps}/s for {seconds} s ({failed} failed)", all.len());
    report(all);
    Ok(())
}

fn report(mut all: Vec<Duration>) {
    all.sort();
    let pick = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)].as_secs_f64() * 1000.0;
    println!(
        "latency p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        pick(0.5),
        pick(0.9),
        pick(0.99),
        pick(1.0)
    );
}
