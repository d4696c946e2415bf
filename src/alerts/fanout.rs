//! Sending one alert to everyone who follows its topic. The work is split
//! into shard jobs in the database; each walks its shard's subscriptions in
//! id order, a batch at a time, and records how far it got after every
//! batch. A stopping instance finishes its batch and hands the job back, so a
//! restart carries on where it stopped; several instances on PostgreSQL take
//! different shards. A batch cut off by a crash is skipped, never repeated:
//! no reader gets the same alert twice.

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use crate::db::{Db, Tx, sql};
use crate::domain::{AlertId, Timestamp};
use crate::jobs::{Job, Step};
use crate::state::AppState;

use super::model::{self, Alert};
use super::send::{Message, Outcome, Target};

pub const JOB: &str = "alert_fanout";

#[derive(Debug, Serialize, Deserialize)]
pub struct ShardJob {
    pub alert: AlertId,
    pub shard: i64,
}

#[derive(sqlx::FromRow)]
struct Progress {
    after_id: Option<uuid::Uuid>,
    pending_to: Option<uuid::Uuid>,
    done_at: Option<Timestamp>,
}

pub async fn run_shard(state: &AppState, job: &Job) -> anyhow::Result<Step> {
    let task: ShardJob = serde_json::from_str(&job.payload)?;
    let db = &state.db;
    let Some(alert) = model::by_id(db, task.alert).await? else {
        return Ok(Step::Done);
    };
    let payload = alert.payload();
    let batch = state.settings.alerts.batch_size.max(1) as i64;
    // "Sent in error" goes to the readers the original could reach: not to
    // subscriptions made after it went out.
    let subscribed_by = match alert.follow_up_of {
        Some(original) => model::by_id(db, original).await?.and_then(|o| o.sent_at),
        None => None,
    }
    .unwrap_or_else(|| Timestamp::now().plus_seconds(365 * 24 * 3600));
    loop {
        let progress: Progress =
            sql("SELECT after_id, pending_to, done_at FROM alert_shards WHERE alert_id = $1 AND shard = $2")
                .bind(alert.id)
                .bind(task.shard)
                .fetch_one(db)
                .await?;
        if progress.done_at.is_some() {
            return Ok(Step::Done);
        }
        let after = progress.after_id.unwrap_or_default();
        if let Some(pending) = progress.pending_to {
            skip_interrupted(db, &alert, task.shard, after, pending).await?;
            continue;
        }
        if state.wake.stopping() {
            return Ok(Step::Later(None));
        }
        let targets: Vec<Target> = sql("SELECT s.id, s.endpoint, s.p256dh, s.auth FROM push_topics t
             JOIN push_subscriptions s ON s.id = t.subscription_id
             WHERE t.topic = $1 AND t.shard = $2 AND t.subscription_id > $3 AND s.created_at <= $5
             ORDER BY t.subscription_id LIMIT $4")
        .bind(&alert.topic)
        .bind(task.shard)
        .bind(after)
        .bind(batch)
        .bind(subscribed_by)
        .fetch_all(db)
        .await?;
        let Some(last) = targets.last().map(|t| t.id) else {
            sql("UPDATE alert_shards SET done_at = $1 WHERE alert_id = $2 AND shard = $3")
                .bind(Timestamp::now())
                .bind(alert.id)
                .bind(task.shard)
                .execute(db)
                .await?;
            model::finish_if_done(db, alert.id).await?;
            return Ok(Step::Done);
        };
        // Written before sending: if this instance dies mid-batch, the batch
        // is not sent again. Taken only from where this run read the shard,
        // so a second job on the same shard finds it taken and leaves it.
        let claimed = sql("UPDATE alert_shards SET pending_to = $1
             WHERE alert_id = $2 AND shard = $3 AND pending_to IS NULL AND done_at IS NULL
               AND (after_id = $4 OR (after_id IS NULL AND $5))")
        .bind(last)
        .bind(alert.id)
        .bind(task.shard)
        .bind(progress.after_id)
        .bind(progress.after_id.is_none())
        .execute(db)
        .await?;
        if claimed == 0 {
            return Ok(Step::Done);
        }
        // Slow push services can make a batch outlast the job's lease.
        let results = crate::jobs::holding_lease(db, job.id, deliver(state, &alert, &payload, targets)).await?;
        let mut tx = db.begin().await?;
        record(&mut tx, &alert, &results, false).await?;
        let moved = sql("UPDATE alert_shards SET after_id = $1, pending_to = NULL
             WHERE alert_id = $2 AND shard = $3 AND pending_to = $1")
        .bind(last)
        .bind(alert.id)
        .bind(task.shard)
        .execute(&mut tx)
        .await?;
        if moved == 0 {
            // Another run counted this batch as cut off; its figures stand (dropping tx rolls back ours).
            tracing::warn!(alert = %alert.id, shard = task.shard, "an alert batch was taken over while it was sent");
            return Ok(Step::Done);
        }
        tx.commit().await?;
    }
}

/// A batch that was being sent when its instance died: counted as failed, not resent.
async fn skip_interrupted(
    db: &Db,
    alert: &Alert,
    shard: i64,
    after: uuid::Uuid,
    pending: uuid::Uuid,
) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    let lost = sql(
        "SELECT COUNT(*) FROM push_topics WHERE topic = $1 AND shard = $2 AND subscription_id > $3 AND subscription_id <= $4",
    )
    .bind(&alert.topic)
    .bind(shard)
    .bind(after)
    .bind(pending)
    .fetch_count(&mut tx)
    .await?;
    sql("UPDATE alerts SET failed = failed + $1 WHERE id = $2")
        .bind(lost)
        .bind(alert.id)
        .execute(&mut tx)
        .await?;
    sql("UPDATE alert_shards SET after_id = $1, pending_to = NULL WHERE alert_id = $2 AND shard = $3")
        .bind(pending)
        .bind(alert.id)
        .bind(shard)
        .execute(&mut tx)
        .await?;
    tx.commit().await?;
    tracing::warn!(alert = %alert.id, shard, lost, "skipped a batch an earlier run may have sent in part");
    Ok(())
}

/// One delivery's result.
pub struct Delivery {
    pub subscription: uuid::Uuid,
    /// Its push service, as the figures name it.
    pub service: &'static str,
    pub outcome: Outcome,
    pub at: Timestamp,
    /// Attempts made before this one.
    pub attempts: i64,
}

/// Sends the alert to each target, many at once (each push service bounds its own share).
pub async fn deliver(state: &AppState, alert: &Alert, payload: &[u8], targets: Vec<Target>) -> Vec<Delivery> {
    deliver_with_attempts(state, alert, payload, targets.into_iter().map(|t| (t, 0)).collect()).await
}

pub async fn deliver_with_attempts(
    state: &AppState,
    alert: &Alert,
    payload: &[u8],
    targets: Vec<(Target, i64)>,
) -> Vec<Delivery> {
    let message = Message {
        payload,
        ttl_secs: alert.ttl_secs,
        urgency: &alert.urgency,
        topic: Some(&alert.replaces),
    };
    let in_flight = state.settings.alerts.concurrency_per_service.max(1);
    let message = &message;
    let batches: Vec<Vec<Delivery>> =
        futures_util::stream::iter(targets)
            // Encrypted a few at a time here, then posted together on the push
            // client's thread: one hand-off per batch, and their requests leave
            // in one write rather than one write per message.
            .chunks(PREPARED_TOGETHER)
            .map(|chunk| async move {
                // The refused settle here; the rest once their push services answer.
                let (mut sent, mut prepared, mut deliveries) = (Vec::new(), Vec::new(), Vec::new());
                for (target, attempts) in chunk {
                    match state.pusher.prepare(&target, message) {
                        Ok(ready) => {
                            sent.push((target.id, ready.service(), attempts));
                            prepared.push(ready);
                        }
                        Err(outcome) => deliveries.push(Delivery {
                            subscription: target.id,
                            service: super::send::service_of_endpoint(&target.endpoint),
                            outcome,
                            at: Timestamp::now(),
                            attempts,
                        }),
                    }
                }
                let outcomes = state.pusher.post_all(prepared, message).await;
                let at = Timestamp::now();
                deliveries.extend(sent.into_iter().zip(outcomes).map(
                    |((subscription, service, attempts), outcome)| Delivery {
                        subscription,
                        service,
                        outcome,
                        at,
                        attempts,
                    },
                ));
                deliveries
            })
            .buffer_unordered(in_flight.div_ceil(PREPARED_TOGETHER))
            .collect()
            .await;
    batches.into_iter().flatten().collect()
}

/// Messages encrypted before their requests go out together.
const PREPARED_TOGETHER: usize = 32;

/// After this many tries a delivery the push service kept deferring counts as failed.
const MAX_ATTEMPTS: i64 = 5;
/// After this many tries to a push service whose name leads only to refused
/// addresses, its subscription is dropped (a name can be wrong for a moment).
const MISDIRECTED_ATTEMPTS: i64 = 2;

/// Counts the results on the alert, drops gone subscriptions and books retries.
pub async fn record(tx: &mut Tx, alert: &Alert, results: &[Delivery], from_retries: bool) -> anyhow::Result<()> {
    let (mut delivered, mut failed, mut removed) = (0i64, 0i64, 0i64);
    let mut first: Option<Timestamp> = None;
    let mut by_service: std::collections::BTreeMap<(&str, &str), i64> = Default::default();
    for result in results {
        let mut label = result.outcome.label();
        let mut settled = true;
        match &result.outcome {
            Outcome::Delivered => {
                delivered += 1;
                first = Some(first.map_or(result.at, |f| f.min(result.at)));
            }
            Outcome::Gone => {
                removed += 1;
                sql("DELETE FROM push_subscriptions WHERE id = $1")
                    .bind(result.subscription)
                    .execute(&mut *tx)
                    .await?;
            }
            Outcome::Failed(why) => {
                failed += 1;
                tracing::warn!(alert = %alert.id, subscription = %result.subscription, why, "an alert could not be delivered");
            }
            Outcome::Unanswered(why) => {
                failed += 1;
                tracing::warn!(
                    alert = %alert.id,
                    subscription = %result.subscription,
                    why,
                    "an alert got no answer after it was sent; not sent again, as it may have arrived"
                );
            }
            Outcome::Misdirected(why) if result.attempts + 1 >= MISDIRECTED_ATTEMPTS => {
                removed += 1;
                label = "gone";
                tracing::warn!(alert = %alert.id, subscription = %result.subscription, why, "a subscription whose push service leads nowhere we send to is dropped");
                sql("DELETE FROM push_subscriptions WHERE id = $1")
                    .bind(result.subscription)
                    .execute(&mut *tx)
                    .await?;
            }
            Outcome::Retry(_) | Outcome::Misdirected(_) => {
                let after = match &result.outcome {
                    Outcome::Retry(after) => *after,
                    _ => None,
                };
                let attempts = result.attempts + 1;
                if attempts >= MAX_ATTEMPTS {
                    failed += 1;
                } else {
                    settled = false;
                    // The service's Retry-After when it gave one, else 2, 4, 8 … seconds.
                    let wait = after.map_or(1i64 << attempts, |s| s as i64).clamp(1, 3600);
                    sql(
                        "INSERT INTO push_retries (alert_id, subscription_id, attempts, next_attempt_at)
                         VALUES ($1, $2, $3, $4)
                         ON CONFLICT (alert_id, subscription_id)
                         DO UPDATE SET attempts = excluded.attempts, next_attempt_at = excluded.next_attempt_at,
                             locked_until = NULL",
                    )
                    .bind(alert.id)
                    .bind(result.subscription)
                    .bind(attempts)
                    .bind(Timestamp::now().plus_seconds(wait))
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        *by_service.entry((result.service, label)).or_default() += 1;
        if settled && from_retries && label != "gone" {
            sql("DELETE FROM push_retries WHERE alert_id = $1 AND subscription_id = $2")
                .bind(alert.id)
                .bind(result.subscription)
                .execute(&mut *tx)
                .await?;
        }
    }
    sql(
        "UPDATE alerts SET delivered = delivered + $1, failed = failed + $2, removed = removed + $3,
             first_delivered_at = COALESCE(first_delivered_at, $4)
         WHERE id = $5",
    )
    .bind(delivered)
    .bind(failed)
    .bind(removed)
    .bind(first)
    .bind(alert.id)
    .execute(&mut *tx)
    .await?;
    for ((service, outcome), count) in by_service {
        sql("INSERT INTO alert_service_outcomes (alert_id, service, outcome, count) VALUES ($1, $2, $3, $4)
             ON CONFLICT (alert_id, service, outcome) DO UPDATE SET count = alert_service_outcomes.count + excluded.count")
        .bind(alert.id)
        .bind(service)
        .bind(outcome)
        .bind(count)
        .execute(&mut *tx)
        .await?;
    }
    if results
        .iter()
        .any(|r| matches!(r.outcome, Outcome::Retry(_) | Outcome::Misdirected(_)))
    {
        super::retry::schedule(tx, alert.id).await?;
    }
    Ok(())
}
