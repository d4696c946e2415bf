//! Sending one edition to everyone on its newsletter. As with alerts, the
//! work is split into shard jobs in the database; each walks its shard's
//! subscribers in id order, a batch at a time, and saves how far it got
//! after every batch. A stopping instance finishes its batch and hands the
//! job back; a paused edition's jobs stop at the next batch; several
//! instances on PostgreSQL take different shards. A batch cut off by a
//! crash is counted as failed and skipped, never repeated: no one gets the
//! same edition twice.

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use crate::audit::Actor;
use crate::change::Change;
use crate::db::{Db, sql};
use crate::domain::{EditionId, SubscriberId, Timestamp};
use crate::jobs::{Job, Step};
use crate::state::AppState;

use super::links::Signer;
use super::model::{self, Edition, Newsletter};
use super::render::{self, Parts};
use super::send::{Letter, Outcome};
use super::subscribers::{self, Reason};

pub const JOB: &str = "newsletter_send";

#[derive(Debug, Serialize, Deserialize)]
pub struct ShardJob {
    pub edition: EditionId,
    pub shard: i64,
}

#[derive(sqlx::FromRow)]
struct Progress {
    after_id: Option<uuid::Uuid>,
    pending_to: Option<uuid::Uuid>,
    done_at: Option<Timestamp>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Recipient {
    pub id: SubscriberId,
    pub email: String,
    pub name: String,
}

/// Everything one edition's messages share, drawn once per job run.
pub struct Sending {
    pub newsletter: Newsletter,
    pub edition: Edition,
    subject: String,
    parts: Parts,
    signer: Signer,
    from: lettre::message::Mailbox,
    reply_to: Option<lettre::message::Mailbox>,
    list_id: String,
}

impl Sending {
    pub async fn load(state: &AppState, edition: Edition) -> anyhow::Result<Option<Self>> {
        let Some(newsletter) = model::by_id(&state.db, edition.newsletter_id).await? else {
            return Ok(None);
        };
        let composed = render::compose(state, &newsletter, &edition, true)
            .await
            .map_err(|e| anyhow::anyhow!("drawing the edition: {e}"))?;
        let signer = Signer::load(&state.db)
            .await
            .map_err(|e| anyhow::anyhow!("loading the link key: {e}"))?;
        let host = state
            .site
            .base_url
            .split("://")
            .nth(1)
            .unwrap_or("localhost")
            .split(['/', ':'])
            .next()
            .unwrap_or("localhost")
            .to_owned();
        Ok(Some(Self {
            from: state.newsletter_sender.from_for(&newsletter),
            reply_to: newsletter.reply_to.parse().ok(),
            list_id: format!(
                "{} <{}.{host}>",
                newsletter.name.replace(['<', '>'], ""),
                newsletter.slug
            ),
            newsletter,
            edition,
            subject: composed.subject.clone(),
            parts: composed.parts(),
            signer,
        }))
    }
}

pub async fn run_shard(state: &AppState, job: &Job) -> anyhow::Result<Step> {
    let task: ShardJob = serde_json::from_str(&job.payload)?;
    let db = &state.db;
    let Some(edition) = model::edition(db, task.edition).await? else {
        return Ok(Step::Done);
    };
    let Some(sending) = Sending::load(state, edition).await? else {
        return Ok(Step::Done);
    };
    let edition = &sending.edition;
    let sent_at = edition.sent_at.unwrap_or_else(Timestamp::now);
    let batch = state.settings.newsletters.batch_size.max(1) as i64;
    loop {
        let progress: Progress =
            sql("SELECT after_id, pending_to, done_at FROM edition_shards WHERE edition_id = $1 AND shard = $2")
                .bind(edition.id)
                .bind(task.shard)
                .fetch_one(db)
                .await?;
        if progress.done_at.is_some() {
            return Ok(Step::Done);
        }
        let after = progress.after_id.unwrap_or_default();
        if let Some(pending) = progress.pending_to {
            skip_interrupted(state, edition, task.shard, after, pending).await?;
            continue;
        }
        if state.wake.stopping() {
            return Ok(Step::Later(None));
        }
        let (status,): (String,) = sql("SELECT status FROM editions WHERE id = $1")
            .bind(edition.id)
            .fetch_one(db)
            .await?;
        if status != "sending" {
            // Paused: resuming queues this shard again, from here.
            return Ok(Step::Done);
        }
        let recipients: Vec<Recipient> = sql(format!(
            "SELECT s.id, s.email, s.name {AUDIENCE} AND t.subscriber_id > $4 ORDER BY t.subscriber_id LIMIT $5"
        ))
        .bind(edition.newsletter_id)
        .bind(task.shard)
        .bind(sent_at)
        .bind(after)
        .bind(batch)
        .fetch_all(db)
        .await?;
        let Some(last) = recipients.last().map(|r| r.id.0) else {
            sql("UPDATE edition_shards SET done_at = $1 WHERE edition_id = $2 AND shard = $3")
                .bind(Timestamp::now())
                .bind(edition.id)
                .bind(task.shard)
                .execute(db)
                .await?;
            finish_if_done(db, edition.id).await?;
            return Ok(Step::Done);
        };
        // Written before sending: if this instance dies mid-batch, the batch
        // is not sent again. Taken only from where this run read the shard,
        // so a second job on the same shard (a resume racing a pause) finds
        // it taken and leaves it to the first.
        let claimed = sql("UPDATE edition_shards SET pending_to = $1
             WHERE edition_id = $2 AND shard = $3 AND pending_to IS NULL AND done_at IS NULL
               AND (after_id = $4 OR (after_id IS NULL AND $5))")
        .bind(last)
        .bind(edition.id)
        .bind(task.shard)
        .bind(progress.after_id)
        .bind(progress.after_id.is_none())
        .execute(db)
        .await?;
        if claimed == 0 {
            return Ok(Step::Done);
        }
        // A slow relay (or a rate ceiling) can make a batch outlast the job's lease.
        let delivering = deliver(state, &sending, recipients.into_iter().map(|r| (r, 0)).collect());
        let results = crate::jobs::holding_lease(db, job.id, delivering).await?;
        let mut change = Change::begin(state, Actor::system("newsletter sending")).await?;
        record(&mut change, &sending, &results, false).await?;
        if progress.after_id.is_none() {
            // The shard's whole audience, counted once its first batch has gone.
            sql(format!(
                "UPDATE editions SET queued = queued + (SELECT COUNT(*) {AUDIENCE}) WHERE id = $4"
            ))
            .bind(edition.newsletter_id)
            .bind(task.shard)
            .bind(sent_at)
            .bind(edition.id)
            .execute(&mut change)
            .await?;
        }
        let moved = sql("UPDATE edition_shards SET after_id = $1, pending_to = NULL
             WHERE edition_id = $2 AND shard = $3 AND pending_to = $1")
        .bind(last)
        .bind(edition.id)
        .bind(task.shard)
        .execute(&mut change)
        .await?;
        if moved == 0 {
            // Another run counted this batch as cut off; its figures stand (dropping the change rolls back ours).
            tracing::warn!(edition = %edition.id, shard = task.shard, "a newsletter batch was taken over while it was sent");
            return Ok(Step::Done);
        }
        change.commit().await?;
    }
}

/// Who in one shard gets an edition: on the newsletter when it went out, and
/// not suppressed. Binds $1 newsletter, $2 shard, $3 the edition's sending time.
const AUDIENCE: &str = "FROM newsletter_subscriptions t JOIN newsletter_subscribers s ON s.id = t.subscriber_id
     WHERE t.newsletter_id = $1 AND t.shard = $2 AND t.created_at <= $3
       AND NOT EXISTS (SELECT 1 FROM newsletter_suppressions x WHERE x.email = s.email)";

/// A batch that was being sent when its instance died: counted as failed, not resent.
async fn skip_interrupted(
    state: &AppState,
    edition: &Edition,
    shard: i64,
    after: uuid::Uuid,
    pending: uuid::Uuid,
) -> anyhow::Result<()> {
    let mut tx = state.db.begin().await?;
    let lost = sql(format!(
        "SELECT COUNT(*) {AUDIENCE} AND t.subscriber_id > $4 AND t.subscriber_id <= $5"
    ))
    .bind(edition.newsletter_id)
    .bind(shard)
    .bind(edition.sent_at.unwrap_or_else(Timestamp::now))
    .bind(after)
    .bind(pending)
    .fetch_count(&mut tx)
    .await?;
    let moved = sql("UPDATE edition_shards SET after_id = $1, pending_to = NULL
         WHERE edition_id = $2 AND shard = $3 AND pending_to = $1")
    .bind(pending)
    .bind(edition.id)
    .bind(shard)
    .execute(&mut tx)
    .await?;
    if moved == 0 {
        // Another run settled it first.
        return Ok(());
    }
    sql("UPDATE editions SET failed = failed + $1 WHERE id = $2")
        .bind(lost)
        .bind(edition.id)
        .execute(&mut tx)
        .await?;
    tx.commit().await?;
    tracing::warn!(edition = %edition.id, shard, lost, "skipped a newsletter batch an earlier run may have sent in part");
    Ok(())
}

pub struct Delivery {
    pub recipient: Recipient,
    pub outcome: Outcome,
    /// Tries made before this one.
    pub attempts: i64,
}

/// Sends each recipient their copy, as many at once as the relay's connections allow.
pub async fn deliver(state: &AppState, sending: &Sending, recipients: Vec<(Recipient, i64)>) -> Vec<Delivery> {
    let sender = &state.newsletter_sender;
    sender.book(&state.db, recipients.len()).await;
    futures_util::stream::iter(recipients)
        .map(|(recipient, attempts)| async move {
            let leave = state
                .site
                .url(&sending.signer.leave_path(recipient.id, sending.newsletter.id));
            let leave = format!("{leave}?e={}", sending.edition.number);
            let manage = state.site.url(&sending.signer.manage_path(recipient.id));
            let letter = Letter {
                subject: &sending.subject,
                parts: &sending.parts,
                from: &sending.from,
                reply_to: sending.reply_to.as_ref(),
                to: &recipient.email,
                to_name: &recipient.name,
                return_path: sender.return_path(&sending.signer.verp_tag(recipient.id, sending.edition.number)),
                leave: &leave,
                manage: &manage,
                list_id: &sending.list_id,
            };
            let outcome = sender.send(&letter).await;
            Delivery {
                recipient,
                outcome,
                attempts,
            }
        })
        .buffer_unordered(sender.parallel())
        .collect()
        .await
}

/// After this many tries a recipient the relay kept deferring counts as failed.
const MAX_ATTEMPTS: i64 = 5;

/// Counts the results on the edition, suppresses refused mailboxes and books retries.
pub async fn record(
    change: &mut Change,
    sending: &Sending,
    results: &[Delivery],
    from_retries: bool,
) -> anyhow::Result<()> {
    let edition = &sending.edition;
    let retry_after = change.state().settings.newsletters.retry_after_secs.clamp(1, 3600) as i64;
    let (mut sent, mut failed, mut deferred_now, mut settled_retries) = (0i64, 0i64, 0i64, 0i64);
    for result in results {
        let mut settled = true;
        match &result.outcome {
            Outcome::Sent => sent += 1,
            Outcome::Refused { why, mailbox } => {
                failed += 1;
                tracing::warn!(edition = %edition.id, to = result.recipient.email, why, "the relay refused a newsletter message");
                if *mailbox {
                    subscribers::suppress(change, &result.recipient.email, Reason::HardBounce, why).await?;
                }
            }
            Outcome::Unanswered(why) => {
                failed += 1;
                tracing::warn!(
                    edition = %edition.id,
                    to = result.recipient.email,
                    why,
                    "a newsletter message got no answer once sent; not sent again, as it may have arrived"
                );
            }
            Outcome::Deferred(why) => {
                let attempts = result.attempts + 1;
                if attempts >= MAX_ATTEMPTS {
                    failed += 1;
                    tracing::warn!(edition = %edition.id, to = result.recipient.email, why, "a newsletter message was deferred too often and is given up");
                } else {
                    settled = false;
                    if !from_retries {
                        deferred_now += 1;
                    }
                    sql(
                        "INSERT INTO edition_retries (edition_id, subscriber_id, attempts, next_attempt_at)
                         VALUES ($1, $2, $3, $4)
                         ON CONFLICT (edition_id, subscriber_id)
                         DO UPDATE SET attempts = excluded.attempts, next_attempt_at = excluded.next_attempt_at,
                             locked_until = NULL",
                    )
                    .bind(edition.id)
                    .bind(result.recipient.id)
                    .bind(attempts)
                    // 1, 2, 4, 8 minutes by default.
                    .bind(Timestamp::now().plus_seconds(retry_after << (attempts - 1)))
                    .execute(&mut *change)
                    .await?;
                }
            }
        }
        if settled && from_retries {
            settled_retries += 1;
            sql("DELETE FROM edition_retries WHERE edition_id = $1 AND subscriber_id = $2")
                .bind(edition.id)
                .bind(result.recipient.id)
                .execute(&mut *change)
                .await?;
        }
    }
    sql(
        "UPDATE editions SET sent = sent + $1, failed = failed + $2, deferred = deferred + $3 - $4,
             first_sent_at = CASE WHEN $1 > 0 THEN COALESCE(first_sent_at, $5) ELSE first_sent_at END
         WHERE id = $6",
    )
    .bind(sent)
    .bind(failed)
    .bind(deferred_now)
    .bind(settled_retries)
    .bind(Timestamp::now())
    .bind(edition.id)
    .execute(&mut *change)
    .await?;
    if deferred_now > 0 {
        super::retry::schedule(change, edition.id).await?;
    }
    Ok(())
}

/// Marks the edition sent once every shard is done and no retry waits.
pub async fn finish_if_done(db: &Db, id: EditionId) -> anyhow::Result<()> {
    sql("UPDATE editions SET status = 'sent', finished_at = $1
         WHERE id = $2 AND status = 'sending'
           AND NOT EXISTS (SELECT 1 FROM edition_shards WHERE edition_id = $2 AND done_at IS NULL)
           AND NOT EXISTS (SELECT 1 FROM edition_retries WHERE edition_id = $2)")
    .bind(Timestamp::now())
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}
