//! An alert as the newsroom writes it, and how it is started: counted,
//! split into shard jobs, and queued in the same transaction.

use serde::Serialize;

use anyhow::Context;

use crate::audit::Target;
use crate::change::Change;
use crate::db::{Db, DbError, sql};
use crate::domain::{AlertId, ArticleId, Timestamp};
use crate::error::AppError;

use super::store::{SHARDS, Topic};

pub const URGENCIES: [&str; 4] = ["very-low", "low", "normal", "high"];
const MAX_TITLE: usize = 120;
const MAX_BODY: usize = 300;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Alert {
    pub id: AlertId,
    pub article_id: Option<ArticleId>,
    pub title: String,
    pub body: String,
    pub url: String,
    pub image_url: String,
    pub topic: String,
    pub urgency: String,
    pub ttl_secs: i64,
    pub replaces: String,
    pub follow_up_of: Option<AlertId>,
    pub status: String,
    pub created_by: Option<crate::domain::StaffId>,
    pub created_by_name: String,
    pub approved_by_name: String,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub first_delivered_at: Option<Timestamp>,
    pub queued: i64,
    pub delivered: i64,
    pub failed: i64,
    pub removed: i64,
    pub clicks: i64,
}

const COLUMNS: &str = "id, article_id, title, body, url, image_url, topic, urgency, ttl_secs, replaces, follow_up_of,
    status, created_by, created_by_name, approved_by_name, created_at, sent_at, finished_at, first_delivered_at,
    queued, delivered, failed, removed, clicks";

/// What the browser's service worker receives (encrypted), as JSON.
#[derive(Debug, Serialize)]
pub struct Payload<'a> {
    pub id: String,
    pub title: &'a str,
    pub body: &'a str,
    pub url: &'a str,
    pub image: &'a str,
    pub tag: &'a str,
}

impl Alert {
    pub fn payload(&self) -> Vec<u8> {
        serde_json::to_vec(&Payload {
            id: self.id.to_string(),
            title: &self.title,
            body: &self.body,
            url: &self.url,
            image: &self.image_url,
            tag: &self.replaces,
        })
        .unwrap_or_default()
    }

    pub fn is_breaking(&self) -> bool {
        self.topic == "breaking"
    }
}

pub async fn by_id(db: &Db, id: AlertId) -> Result<Option<Alert>, DbError> {
    sql(format!("SELECT {COLUMNS} FROM alerts WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// What one push service did with an alert's messages so far.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ServiceFigures {
    pub service: String,
    pub delivered: i64,
    /// Deferred (429, 5xx, no connection) and tried again later.
    pub retried: i64,
    /// Refused for good (400, 413, a bad key).
    pub refused: i64,
    /// Sent and never answered: counted as failed, not sent again.
    pub unanswered: i64,
    /// The subscription was gone (404, 410) and has been dropped.
    pub gone: i64,
}

/// An alert's figures by push service, the busiest first.
pub async fn by_service(db: &Db, id: AlertId) -> Result<Vec<ServiceFigures>, DbError> {
    let rows: Vec<(String, String, i64)> =
        sql("SELECT service, outcome, count FROM alert_service_outcomes WHERE alert_id = $1 ORDER BY service")
            .bind(id)
            .fetch_all(db)
            .await?;
    let mut services: Vec<ServiceFigures> = Vec::new();
    for (service, outcome, count) in rows {
        if services.last().is_none_or(|s| s.service != service) {
            services.push(ServiceFigures {
                service,
                ..ServiceFigures::default()
            });
        }
        let figures = services.last_mut().expect("just pushed");
        match outcome.as_str() {
            "delivered" => figures.delivered += count,
            "retried" => figures.retried += count,
            "refused" => figures.refused += count,
            "unanswered" => figures.unanswered += count,
            "gone" => figures.gone += count,
            _ => {}
        }
    }
    let total = |s: &ServiceFigures| s.delivered + s.retried + s.refused + s.unanswered + s.gone;
    services.sort_by_key(|s| std::cmp::Reverse(total(s)));
    Ok(services)
}

pub async fn recent(db: &Db, limit: i64) -> Result<Vec<Alert>, DbError> {
    sql(format!(
        "SELECT {COLUMNS} FROM alerts ORDER BY created_at DESC LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(db)
    .await
}

/// An alert as written, before it is checked.
#[derive(Debug, Default)]
pub struct Draft {
    pub article_id: Option<ArticleId>,
    pub title: String,
    pub body: String,
    pub url: String,
    pub image_url: String,
    pub topic: String,
    pub urgency: String,
    pub ttl_secs: i64,
    pub follow_up_of: Option<AlertId>,
    pub replaces: Option<String>,
}

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

impl Draft {
    pub async fn check(&mut self, db: &Db) -> Result<(), AppError> {
        self.title = self.title.trim().to_owned();
        self.body = self.body.trim().to_owned();
        if self.title.is_empty() || self.title.chars().count() > MAX_TITLE {
            return Err(invalid(
                "title",
                format!("An alert's title has 1 to {MAX_TITLE} characters."),
            ));
        }
        if self.body.is_empty() || self.body.chars().count() > MAX_BODY {
            return Err(invalid(
                "body",
                format!("An alert's text has 1 to {MAX_BODY} characters."),
            ));
        }
        if !URGENCIES.contains(&self.urgency.as_str()) {
            return Err(invalid("urgency", "Choose an urgency: very low, low, normal or high."));
        }
        match Topic::parse(&self.topic) {
            Some(topic) if !topic.personal() => {
                super::store::check_topics(db, std::slice::from_ref(&self.topic), false).await?;
            }
            _ => {
                return Err(invalid(
                    "topic",
                    "Choose who gets this alert: breaking news or a section.",
                ));
            }
        }
        if !(60..=7 * 24 * 3600).contains(&self.ttl_secs) {
            return Err(invalid(
                "ttl",
                "An alert is kept by push services for between a minute and a week.",
            ));
        }
        if !self.url.starts_with('/') || self.url.starts_with("//") {
            return Err(invalid("url", "An alert links to a page of this site."));
        }
        if !self.image_url.is_empty() && !self.image_url.starts_with('/') && !self.image_url.starts_with("https://") {
            return Err(invalid(
                "image",
                "The picture must be on this site or an https address.",
            ));
        }
        Ok(())
    }
}

/// Writes a checked draft for the change's actor; it goes out at once
/// (when the change commits) unless it waits for approval.
pub async fn create(change: &mut Change, draft: &Draft, needs_approval: bool) -> anyhow::Result<AlertId> {
    let id = AlertId::new();
    let now = Timestamp::now();
    let by = change.actor().clone();
    sql(
        "INSERT INTO alerts (id, article_id, title, body, url, image_url, topic, urgency, ttl_secs, replaces,
             follow_up_of, status, created_by, created_by_name, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(id)
    .bind(draft.article_id)
    .bind(&draft.title)
    .bind(&draft.body)
    .bind(&draft.url)
    .bind(&draft.image_url)
    .bind(&draft.topic)
    .bind(&draft.urgency)
    .bind(draft.ttl_secs)
    // The push-service Topic: at most 32 URL-safe characters.
    .bind(draft.replaces.clone().unwrap_or_else(|| id.0.simple().to_string()))
    .bind(draft.follow_up_of)
    .bind(if needs_approval { "awaiting_approval" } else { "draft" })
    .bind(by.id)
    .bind(&by.name)
    .bind(now)
    .execute(&mut *change)
    .await
    .context("writing an alert")?;
    let action = if needs_approval {
        "wrote an alert for approval"
    } else {
        start(change, id).await?;
        "sent an alert"
    };
    change.audit(action, Target::new("alert", id, &draft.title), "").await?;
    Ok(id)
}

/// Counts the audience and queues one fan-out job per shard.
async fn start(change: &mut Change, id: AlertId) -> anyhow::Result<()> {
    change.queued_work();
    let now = Timestamp::now();
    // A follow-up counts only those who could have had the original (see fanout).
    let (topic, subscribed_by): (String, Option<Timestamp>) =
        sql("SELECT a.topic, o.sent_at FROM alerts a LEFT JOIN alerts o ON o.id = a.follow_up_of WHERE a.id = $1")
            .bind(id)
            .fetch_one(&mut *change)
            .await?;
    let queued = match subscribed_by {
        // Everyone on the topic: counted from its index alone, which stays
        // quick at a million subscriptions (the join below does not).
        None => {
            sql("SELECT COUNT(*) FROM push_topics WHERE topic = $1")
                .bind(&topic)
                .fetch_count(&mut *change)
                .await?
        }
        Some(original_sent) => {
            sql(
                "SELECT COUNT(*) FROM push_topics t JOIN push_subscriptions s ON s.id = t.subscription_id
                 WHERE t.topic = $1 AND s.created_at <= $2",
            )
            .bind(&topic)
            .bind(original_sent)
            .fetch_count(&mut *change)
            .await?
        }
    };
    sql("UPDATE alerts SET status = 'sending', sent_at = $1, queued = $2 WHERE id = $3")
        .bind(now)
        .bind(queued)
        .bind(id)
        .execute(&mut *change)
        .await?;
    for shard in 0..SHARDS {
        sql("INSERT INTO alert_shards (alert_id, shard) VALUES ($1, $2)")
            .bind(id)
            .bind(shard)
            .execute(&mut *change)
            .await?;
        crate::jobs::enqueue(
            &mut *change,
            super::fanout::JOB,
            &super::fanout::ShardJob { alert: id, shard },
            None,
        )
        .await?;
    }
    Ok(())
}

/// A second editor (the change's actor) approves an alert that was
/// waiting; it goes out when the change commits. False when it was not waiting.
pub async fn approve(change: &mut Change, alert: &Alert) -> anyhow::Result<bool> {
    let by = change.actor().name.clone();
    let changed = sql("UPDATE alerts SET approved_by_name = $1 WHERE id = $2 AND status = 'awaiting_approval'")
        .bind(by)
        .bind(alert.id)
        .execute(&mut *change)
        .await
        .with_context(|| format!("approving alert {}", alert.id))?;
    if changed == 1 {
        start(change, alert.id).await?;
        change
            .audit("approved an alert", Target::new("alert", alert.id, &alert.title), "")
            .await?;
    }
    Ok(changed == 1)
}

/// Withdraws an alert still waiting for approval; false when it was not waiting.
pub async fn cancel(change: &mut Change, alert: &Alert) -> anyhow::Result<bool> {
    let changed = sql("UPDATE alerts SET status = 'cancelled' WHERE id = $1 AND status = 'awaiting_approval'")
        .bind(alert.id)
        .execute(&mut *change)
        .await
        .with_context(|| format!("cancelling alert {}", alert.id))?;
    if changed == 1 {
        change
            .audit("cancelled an alert", Target::new("alert", alert.id, &alert.title), "")
            .await?;
    }
    Ok(changed == 1)
}

/// Marks the alert sent once every shard is done and no retry is waiting.
pub async fn finish_if_done(db: &Db, id: AlertId) -> Result<(), DbError> {
    let finished: Option<(i64, i64, i64, String)> = sql("UPDATE alerts SET status = 'sent', finished_at = $1
         WHERE id = $2 AND status = 'sending'
           AND NOT EXISTS (SELECT 1 FROM alert_shards WHERE alert_id = $2 AND done_at IS NULL)
           AND NOT EXISTS (SELECT 1 FROM push_retries WHERE alert_id = $2)
         RETURNING delivered, failed, removed, title")
    .bind(Timestamp::now())
    .bind(id)
    .fetch_optional(db)
    .await?;
    if let Some((delivered, failed, removed, title)) = finished {
        tracing::info!(alert = %id, title, delivered, failed, removed, "an alert finished sending");
    }
    Ok(())
}

pub async fn clicked(db: &Db, id: AlertId) -> Result<bool, DbError> {
    Ok(sql("UPDATE alerts SET clicks = clicks + 1 WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?
        == 1)
}
