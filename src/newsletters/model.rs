//! Newsletters and their editions as the rest of the code reads them.

use crate::db::{Db, DbError, sql};
use crate::domain::{EditionId, NewsletterId, Timestamp};

/// A newsletter as stored, and as a site's export carries it (its
/// subscribers travel separately, with their consent dates).
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct Newsletter {
    pub id: NewsletterId,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub frequency: String,
    pub sender_name: String,
    pub sender_address: String,
    pub reply_to: String,
    pub position: i64,
    pub retired_at: Option<Timestamp>,
    /// When editions are built by themselves (see `schedule`); exports
    /// from before schedules existed have none.
    #[serde(default)]
    pub schedule_days: String,
    #[serde(default)]
    pub schedule_at: String,
    #[serde(default = "every_section")]
    pub schedule_from: String,
    #[serde(default)]
    pub schedule_review: bool,
    #[serde(default)]
    pub next_edition_at: Option<Timestamp>,
    /// Links in its emails go through our redirect, which counts clicks per link.
    #[serde(default)]
    pub count_clicks: bool,
    /// The words each new edition starts from (its default template).
    #[serde(default)]
    pub template: String,
}

fn every_section() -> String {
    "all".into()
}

const NEWSLETTER_COLUMNS: &str = "id, slug, name, description, frequency, sender_name, sender_address, reply_to,
    position, retired_at, schedule_days, schedule_at, schedule_from, schedule_review, next_edition_at, count_clicks, template";

impl Newsletter {
    pub fn path(&self) -> String {
        format!("/newsletters/{}", self.slug)
    }

    /// Its schedule, when it has a valid one.
    pub fn schedule(&self) -> Option<super::schedule::Schedule> {
        super::schedule::Schedule::parse(&self.schedule_days, &self.schedule_at)
            .ok()
            .flatten()
    }
}

/// The newsletters readers are offered, in the newsroom's order.
pub async fn offered(db: &Db) -> Result<Vec<Newsletter>, DbError> {
    sql(format!(
        "SELECT {NEWSLETTER_COLUMNS} FROM newsletters WHERE retired_at IS NULL ORDER BY position, name"
    ))
    .fetch_all(db)
    .await
}

/// Every newsletter, retired ones last.
pub async fn all(db: &Db) -> Result<Vec<Newsletter>, DbError> {
    sql(format!(
        "SELECT {NEWSLETTER_COLUMNS} FROM newsletters ORDER BY retired_at IS NOT NULL, position, name"
    ))
    .fetch_all(db)
    .await
}

/// Newsletters whose next scheduled edition is due at `now`.
pub async fn due(db: &Db, now: Timestamp) -> Result<Vec<Newsletter>, DbError> {
    sql(format!(
        "SELECT {NEWSLETTER_COLUMNS} FROM newsletters WHERE next_edition_at <= $1 AND retired_at IS NULL
         ORDER BY next_edition_at LIMIT 20"
    ))
    .bind(now)
    .fetch_all(db)
    .await
}

pub async fn by_slug(db: &Db, slug: &str) -> Result<Option<Newsletter>, DbError> {
    sql(format!("SELECT {NEWSLETTER_COLUMNS} FROM newsletters WHERE slug = $1"))
        .bind(slug)
        .fetch_optional(db)
        .await
}

pub async fn by_id(db: &Db, id: NewsletterId) -> Result<Option<Newsletter>, DbError> {
    sql(format!("SELECT {NEWSLETTER_COLUMNS} FROM newsletters WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Edition {
    pub id: EditionId,
    pub number: i64,
    pub newsletter_id: NewsletterId,
    pub subject: String,
    pub preheader: String,
    pub body: String,
    pub with_appeal: bool,
    pub status: String,
    pub revision: i64,
    pub created_by_name: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub sent_at: Option<Timestamp>,
    pub first_sent_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub queued: i64,
    pub sent: i64,
    pub deferred: i64,
    pub failed: i64,
    pub bounced: i64,
    pub complaints: i64,
    pub unsubscribed: i64,
    /// The due time it was built for, when the schedule built it.
    pub scheduled_for: Option<Timestamp>,
}

pub const EDITION_COLUMNS: &str = "id, number, newsletter_id, subject, preheader, body, with_appeal, status, revision,
    created_by_name, created_at, updated_at, sent_at, first_sent_at, finished_at, queued, sent, deferred, failed,
    bounced, complaints, unsubscribed, scheduled_for";

impl Edition {
    /// Whether it has gone out (or is going): its words can no longer change.
    pub fn is_out(&self) -> bool {
        self.status != "draft"
    }

    /// The edition's page in the public archive.
    pub fn archive_path(&self, newsletter: &Newsletter) -> String {
        format!("/newsletters/{}/{}", newsletter.slug, self.number)
    }

    /// Recipients not yet settled (sent, failed or on hold).
    pub fn remaining(&self) -> i64 {
        (self.queued - self.sent - self.failed).max(0)
    }
}

pub async fn edition(db: &Db, id: EditionId) -> Result<Option<Edition>, DbError> {
    sql(format!("SELECT {EDITION_COLUMNS} FROM editions WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn edition_by_number(db: &Db, number: i64) -> Result<Option<Edition>, DbError> {
    sql(format!("SELECT {EDITION_COLUMNS} FROM editions WHERE number = $1"))
        .bind(number)
        .fetch_optional(db)
        .await
}

/// A newsletter's editions, newest first.
pub async fn editions_of(db: &Db, newsletter: NewsletterId, limit: i64) -> Result<Vec<Edition>, DbError> {
    sql(format!(
        "SELECT {EDITION_COLUMNS} FROM editions WHERE newsletter_id = $1 ORDER BY created_at DESC LIMIT $2"
    ))
    .bind(newsletter)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// A newsletter's editions that went out, newest first: its public archive.
pub async fn archive_of(db: &Db, newsletter: NewsletterId, limit: i64) -> Result<Vec<Edition>, DbError> {
    sql(format!(
        "SELECT {EDITION_COLUMNS} FROM editions WHERE newsletter_id = $1 AND sent_at IS NOT NULL
         ORDER BY sent_at DESC LIMIT $2"
    ))
    .bind(newsletter)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// When the newsletter's latest edition was made, if it has one.
pub async fn last_edition_at(db: &Db, newsletter: NewsletterId) -> Result<Option<Timestamp>, DbError> {
    let row: Option<(Timestamp,)> =
        sql("SELECT created_at FROM editions WHERE newsletter_id = $1 ORDER BY created_at DESC LIMIT 1")
            .bind(newsletter)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(at,)| at))
}

/// How many confirmed subscribers a newsletter has.
pub async fn subscriber_count(db: &Db, newsletter: NewsletterId) -> Result<i64, DbError> {
    sql("SELECT COUNT(*) FROM newsletter_subscriptions WHERE newsletter_id = $1")
        .bind(newsletter)
        .fetch_count(db)
        .await
}
