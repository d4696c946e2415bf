//! Deliveries a push service deferred (429, 5xx): tried again after its
//! Retry-After, or with a growing wait, by one job per alert.

use serde::{Deserialize, Serialize};

use crate::db::{Backend, Tx, sql};
use crate::domain::{AlertId, Timestamp};
use crate::jobs::{Job, Step};
use crate::state::AppState;

use super::model;
use super::send::Target;

pub const JOB: &str = "alert_retry";
const BATCH: i64 = 500;
const LOCK_SECS: i64 = 120;

#[derive(Debug, Serialize, Deserialize)]
struct RetryJob {
    alert: AlertId,
}

/// Makes sure a retry job is waiting for the alert, due at its earliest retry.
pub async fn schedule(tx: &mut Tx, alert: AlertId) -> anyhow::Result<()> {
    let payload = serde_json::to_string(&RetryJob { alert })?;
    let waiting = sql("SELECT COUNT(*) FROM jobs WHERE kind = $1 AND payload = $2 AND done_at IS NULL")
        .bind(JOB)
        .bind(&payload)
        .fetch_count(&mut *tx)
        .await?;
    if waiting == 0 {
        let (due,): (Timestamp,) = sql("SELECT MIN(next_attempt_at) FROM push_retries WHERE alert_id = $1")
            .bind(alert)
            .fetch_one(&mut *tx)
            .await?;
        crate::jobs::enqueue(&mut *tx, JOB, &RetryJob { alert }, Some(due)).await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Due {
    id: uuid::Uuid,
    endpoint: String,
    p256dh: String,
    auth: String,
    attempts: i64,
}

pub async fn run(state: &AppState, job: &Job) -> anyhow::Result<Step> {
    let task: RetryJob = serde_json::from_str(&job.payload)?;
    let db = &state.db;
    let Some(alert) = model::by_id(db, task.alert).await? else {
        return Ok(Step::Done);
    };
    let payload = alert.payload();
    let lock = match db.backend() {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    loop {
        if state.wake.stopping() {
            return Ok(Step::Later(None));
        }
        let now = Timestamp::now();
        let token = now.plus_seconds(LOCK_SECS);
        let mut tx = db.begin().await?;
        sql(format!(
            "UPDATE push_retries SET locked_until = $1
             WHERE alert_id = $2 AND subscription_id IN (
                 SELECT subscription_id FROM push_retries
                 WHERE alert_id = $2 AND next_attempt_at <= $3 AND (locked_until IS NULL OR locked_until < $3)
                 LIMIT $4 {lock})"
        ))
        .bind(token)
        .bind(alert.id)
        .bind(now)
        .bind(BATCH)
        .execute(&mut tx)
        .await?;
        let due: Vec<Due> = sql(
            "SELECT s.id, s.endpoint, s.p256dh, s.auth, r.attempts FROM push_retries r
             JOIN push_subscriptions s ON s.id = r.subscription_id
             WHERE r.alert_id = $1 AND r.locked_until = $2",
        )
        .bind(alert.id)
        .bind(token)
        .fetch_all(&mut tx)
        .await?;
        tx.commit().await?;
        if due.is_empty() {
            break;
        }
        let targets = due
            .into_iter()
            .map(|d| {
                let target = Target {
                    id: d.id,
                    endpoint: d.endpoint,
                    p256dh: d.p256dh,
                    auth: d.auth,
                };
                (target, d.attempts)
            })
            .collect();
        let results = super::fanout::deliver_with_attempts(state, &alert, &payload, targets).await;
        let mut tx = db.begin().await?;
        super::fanout::record(&mut tx, &alert, &results, true).await?;
        tx.commit().await?;
    }
    let (next,): (Option<Timestamp>,) = sql("SELECT MIN(next_attempt_at) FROM push_retries WHERE alert_id = $1")
        .bind(alert.id)
        .fetch_one(db)
        .await?;
    match next {
        Some(at) => Ok(Step::Later(Some(at))),
        None => {
            model::finish_if_done(db, alert.id).await?;
            Ok(Step::Done)
        }
    }
}
