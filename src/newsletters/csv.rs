//! Subscribers in and out as CSV: `email,name,newsletters,consent_date`
//! (newsletters by their address, several separated by spaces or `;`).
//! An import never subscribes a row without a consent date, nor an
//! address on the suppression list; running it again changes nothing.

use std::io::Read;
use std::path::Path;
use std::sync::atomic::Ordering;

use anyhow::Context;
use serde::Deserialize;

use crate::audit::Actor;
use crate::change::Change;
use crate::db::sql;
use crate::domain::{Email, NewsletterId, Timestamp};
use crate::imports::progress::{Bar, Counters};
use crate::state::AppState;

use super::model;
use super::subscribers;

#[derive(Debug, Deserialize)]
struct Row {
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    newsletters: String,
    #[serde(default, alias = "consent_at", alias = "consent")]
    consent_date: String,
}

#[derive(Debug, Default)]
pub struct Summary {
    pub rows: u64,
    pub subscribed: u64,
    pub suppressed: u64,
    /// Row number (1 is the first after the header) and why it was left out.
    pub skipped: Vec<(u64, String)>,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "Rows read: {}", self.rows)?;
        writeln!(f, "Subscribed (or already subscribed): {}", self.subscribed)?;
        writeln!(f, "On the suppression list, left out: {}", self.suppressed)?;
        writeln!(f, "Skipped: {}", self.skipped.len())?;
        for (row, why) in self.skipped.iter().take(50) {
            writeln!(f, "  row {row}: {why}")?;
        }
        if self.skipped.len() > 50 {
            writeln!(f, "  … and {} more", self.skipped.len() - 50)?;
        }
        Ok(())
    }
}

/// A consent date as written in exports: RFC 3339, or a plain date (midnight UTC).
fn consent(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    Timestamp::parse(text).ok().or_else(|| {
        let date: jiff::civil::Date = text.parse().ok()?;
        Timestamp::parse(&format!("{date}T00:00:00Z")).ok()
    })
}

/// Rows committed together.
const CHUNK: usize = 500;

pub async fn import(state: &AppState, file: &Path, progress: bool) -> anyhow::Result<Summary> {
    let total = std::fs::metadata(file)
        .with_context(|| format!("reading {}", file.display()))?
        .len();
    let mut text = String::new();
    std::fs::File::open(file)
        .with_context(|| format!("opening {}", file.display()))?
        .read_to_string(&mut text)
        .with_context(|| format!("{} is not UTF-8 text", file.display()))?;
    let newsletters = model::all(&state.db).await?;
    let counters = Counters::default();
    let bar = Bar::counting("Importing", "subscribers", total, counters.clone(), progress);
    let mut reader = ::csv::ReaderBuilder::new()
        .trim(::csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader.headers().context("reading the header row")?.clone();
    if !headers.iter().any(|h| h.eq_ignore_ascii_case("email")) {
        anyhow::bail!(
            "the first row must name the columns, with at least \"email\" (email,name,newsletters,consent_date)"
        );
    }
    let mut summary = Summary::default();
    let mut change = Change::begin(state, Actor::system("Subscriber import")).await?;
    let mut in_change = 0;
    let mut records = reader.deserialize::<Row>();
    let mut row_number = 0u64;
    while let Some(record) = records.next() {
        row_number += 1;
        summary.rows += 1;
        counters
            .bytes
            .store(records.reader().position().byte(), Ordering::Relaxed);
        let row = match record {
            Ok(row) => row,
            Err(e) => {
                summary.skipped.push((row_number, format!("cannot be read: {e}")));
                continue;
            }
        };
        let Ok(email) = Email::parse(&row.email) else {
            summary
                .skipped
                .push((row_number, format!("{:?} is not an email address", row.email)));
            continue;
        };
        let Some(consent_at) = consent(&row.consent_date) else {
            summary
                .skipped
                .push((row_number, "no consent date (YYYY-MM-DD or RFC 3339)".into()));
            continue;
        };
        let mut wanted: Vec<NewsletterId> = Vec::new();
        let mut unknown = Vec::new();
        for slug in row.newsletters.split([' ', ';', ',', '|']).filter(|s| !s.is_empty()) {
            match newsletters.iter().find(|n| n.slug == slug) {
                Some(n) => wanted.push(n.id),
                None => unknown.push(slug.to_owned()),
            }
        }
        if !unknown.is_empty() || wanted.is_empty() {
            let why = if unknown.is_empty() {
                "no newsletter named".to_owned()
            } else {
                format!("no newsletter at {}", unknown.join(", "))
            };
            summary.skipped.push((row_number, why));
            continue;
        }
        if subscribers::is_suppressed(&mut change, email.as_str()).await? {
            summary.suppressed += 1;
            continue;
        }
        subscribers::join(&mut change, &email, &row.name, None, consent_at, "import", &wanted)
            .await
            .map_err(|e| anyhow::anyhow!("row {row_number}: {}", e.report().detail))?;
        summary.subscribed += 1;
        counters.posts.fetch_add(1, Ordering::Relaxed);
        in_change += 1;
        if in_change == CHUNK {
            change.commit().await?;
            change = Change::begin(state, Actor::system("Subscriber import")).await?;
            in_change = 0;
        }
    }
    change.commit().await?;
    counters.bytes.store(total, Ordering::Relaxed);
    bar.finish().await;
    Ok(summary)
}

#[derive(sqlx::FromRow)]
struct Out {
    email: String,
    name: String,
    consent_at: Timestamp,
    slugs: String,
}

/// Every subscriber with their newsletters, in the import's format.
pub async fn export(state: &AppState, out: impl std::io::Write) -> anyhow::Result<u64> {
    let mut writer = ::csv::Writer::from_writer(out);
    writer.write_record(["email", "name", "newsletters", "consent_date"])?;
    let mut after = String::new();
    let mut count = 0;
    loop {
        let rows: Vec<Out> = sql("SELECT s.email, s.name, s.consent_at,
                 COALESCE((SELECT STRING_AGG(n.slug, ' ') FROM newsletter_subscriptions t
                           JOIN newsletters n ON n.id = t.newsletter_id WHERE t.subscriber_id = s.id), '') AS slugs
             FROM newsletter_subscribers s WHERE s.email > $1 ORDER BY s.email LIMIT 1000")
        .bind(&after)
        .fetch_all(&state.db)
        .await?;
        let Some(last) = rows.last() else {
            break;
        };
        after = last.email.clone();
        for row in &rows {
            writer.write_record([&row.email, &row.name, &row.slugs, &row.consent_at.rfc3339()])?;
            count += 1;
        }
    }
    writer.flush()?;
    Ok(count)
}
