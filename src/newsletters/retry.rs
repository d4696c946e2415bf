//! Recipients the relay deferred (a 4xx answer, or no connection at all):
//! tried again after a growing wait, by one job per edition.

use serde::{Deserialize, Serialize};

use crate::audit::Actor;
use crate::change::Change;
use crate::db::{Backend, sql};
use crate::domain::{EditionId, Timestamp};
use crate::jobs::{Job, Step};
use crate::state::AppState;

use super::fanout::{self, Recipient, Sending};
use super::model;

pub const JOB: &str = "newsletter_retry";
const BATCH: i64 = 500;
/// How long recipients taken for a retry stay taken. One still taken after
/// that was being sent when its instance died: it may have gone, so it is
/// counted as failed rather than sent again.
const LOCK_SECS: i64 = 3600;

#[derive(Debug, Serialize, Deserialize)]
struct RetryJob {
    edition: EditionId,
}

/// Makes sure a retry job is waiting for the edition, due at its earliest retry.
pub async fn schedule(change: &mut Change, edition: EditionId) -> anyhow::Result<()> {
    let payload = serde_json::to_string(&RetryJob { edition })?;
    let waiting = sql("SELECT COUNT(*) FROM jobs WHERE kind = $1 AND payload = $2 AND done_at IS NULL")
        .bind(JOB)
        .bind(&payload)
        .fetch_count(&mut *change)
        .await?;
    if waiting == 0 {
        let (due,): (Timestamp,) = sql("SELECT MIN(next_attempt_at) FROM edition_retries WHERE edition_id = $1")
            .bind(edition)
            .fetch_one(&mut *change)
            .await?;
        crate::jobs::enqueue(&mut *change, JOB, &RetryJob { edition }, Some(due)).await?;
        change.queued_work();
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Due {
    id: crate::domain::SubscriberId,
    email: String,
    name: String,
    attempts: i64,
}

pub async fn run(state: &AppState, job: &Job) -> anyhow::Result<Step> {
    let task: RetryJob = serde_json::from_str(&job.payload)?;
    let db = &state.db;
    let Some(edition) = model::edition(db, task.edition).await? else {
        return Ok(Step::Done);
    };
    let Some(sending) = Sending::load(state, edition).await? else {
        return Ok(Step::Done);
    };
    let lock = match db.backend() {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    loop {
        if state.wake.stopping() {
            return Ok(Step::Later(None));
        }
        let now = Timestamp::now();
        let (status,): (String,) = sql("SELECT status FROM editions WHERE id = $1")
            .bind(sending.edition.id)
            .fetch_one(db)
            .await?;
        if status == "paused" {
            return Ok(Step::Later(Some(now.plus_seconds(60))));
        }
        let token = now.plus_seconds(LOCK_SECS);
        let mut tx = db.begin().await?;
        let cut_off =
            sql("DELETE FROM edition_retries WHERE edition_id = $1 AND locked_until IS NOT NULL AND locked_until < $2")
                .bind(sending.edition.id)
                .bind(now)
                .execute(&mut tx)
                .await?;
        // Readers who left, or whose address was suppressed, since the first try are no longer due a copy.
        let gone = sql(
            "DELETE FROM edition_retries WHERE edition_id = $1 AND subscriber_id IN (
                 SELECT r.subscriber_id FROM edition_retries r JOIN newsletter_subscribers s ON s.id = r.subscriber_id
                 WHERE r.edition_id = $1 AND (
                     NOT EXISTS (SELECT 1 FROM newsletter_subscriptions t
                                 WHERE t.subscriber_id = s.id AND t.newsletter_id = $2)
                     OR EXISTS (SELECT 1 FROM newsletter_suppressions x WHERE x.email = s.email)))",
        )
        .bind(sending.edition.id)
        .bind(sending.edition.newsletter_id)
        .execute(&mut tx)
        .await?;
        if cut_off + gone > 0 {
            sql("UPDATE editions SET failed = failed + $1, queued = queued - $2, deferred = deferred - $1 - $2 WHERE id = $3")
                .bind(cut_off as i64)
                .bind(gone as i64)
                .bind(sending.edition.id)
                .execute(&mut tx)
                .await?;
        }
        sql(format!(
            "UPDATE edition_retries SET locked_until = $1
             WHERE edition_id = $2 AND subscriber_id IN (
                 SELECT subscriber_id FROM edition_retries
                 WHERE edition_id = $2 AND next_attempt_at <= $3 AND locked_until IS NULL
                 LIMIT $4 {lock})"
        ))
        .bind(token)
        .bind(sending.edition.id)
        .bind(now)
        .bind(BATCH)
        .execute(&mut tx)
        .await?;
        let due: Vec<Due> = sql("SELECT s.id, s.email, s.name, r.attempts FROM edition_retries r
             JOIN newsletter_subscribers s ON s.id = r.subscriber_id
             WHERE r.edition_id = $1 AND r.locked_until = $2")
        .bind(sending.edition.id)
        .bind(token)
        .fetch_all(&mut tx)
        .await?;
        tx.commit().await?;
        if due.is_empty() {
            break;
        }
        let recipients = due
            .into_iter()
            .map(|d| {
                let recipient = Recipient {
                    id: d.id,
                    email: d.email,
                    name: d.name,
                };
                (recipient, d.attempts)
            })
            .collect();
        let results = fanout::deliver(state, &sending, recipients).await;
        let mut change = Change::begin(state, Actor::system("newsletter sending")).await?;
        fanout::record(&mut change, &sending, &results, true).await?;
        change.commit().await?;
    }
    let (next,): (Option<Timestamp>,) = sql("SELECT MIN(next_attempt_at) FROM edition_retries WHERE edition_id = $1")
        .bind(sending.edition.id)
        .fetch_one(db)
        .await?;
    match next {
        Some(at) => Ok(Step::Later(Some(at))),
        None => {
            fanout::finish_if_done(db, sending.edition.id).await?;
            Ok(Step::Done)
        }
    }
}
