//! Background work kept in the database: a job is written in the same
//! transaction as the change that needs it, so it is never lost, and done by
//! a worker in every instance. On PostgreSQL instances claim jobs with
//! `FOR UPDATE SKIP LOCKED`, so each job goes to one instance; a job whose
//! worker died is claimed again when its lease runs out.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{Notify, Semaphore};

use crate::db::{Backend, Conn, Db, DbError, sql};
use crate::domain::Timestamp;
use crate::state::AppState;

/// How long a claimed job is reserved for its worker.
const LEASE_SECS: i64 = 120;
/// After this many failed attempts a job is given up (and its error kept).
const MAX_ATTEMPTS: i64 = 8;
const POLL: Duration = Duration::from_millis(500);
/// Jobs one instance runs at once.
const RUNNING: usize = 32;
/// How long a stopping instance waits for its jobs to reach a checkpoint.
const DRAIN: Duration = Duration::from_secs(20);

/// How a job run ended, when it did not fail.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    Done,
    /// Progress is saved; run again (at this time, or at once).
    Later(Option<Timestamp>),
    /// It can never succeed (a recipient the mail server refuses for good):
    /// finished with this reason kept, not tried again.
    GaveUp(String),
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Job {
    pub id: uuid::Uuid,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
}

/// Queues work to run at `run_at` (now, unless later).
pub async fn enqueue<'c>(
    conn: impl Into<Conn<'c>>,
    kind: &str,
    payload: &impl Serialize,
    run_at: Option<Timestamp>,
) -> anyhow::Result<uuid::Uuid> {
    let id = uuid::Uuid::now_v7();
    let now = Timestamp::now();
    sql("INSERT INTO jobs (id, kind, payload, run_at, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(kind)
        .bind(serde_json::to_string(payload)?)
        .bind(run_at.unwrap_or(now))
        .bind(now)
        .execute(conn)
        .await?;
    Ok(id)
}

/// Claims due jobs for this instance.
async fn claim(db: &Db, limit: usize) -> Result<Vec<Job>, DbError> {
    let now = Timestamp::now();
    // PostgreSQL: skip rows another instance is claiming. SQLite has one writer at a time.
    let lock = match db.backend() {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let mut tx = db.begin().await?;
    let jobs = sql(format!(
        "UPDATE jobs SET locked_until = $1, attempts = attempts + 1
         WHERE id IN (SELECT id FROM jobs
                      WHERE done_at IS NULL AND run_at <= $2 AND (locked_until IS NULL OR locked_until < $2)
                      ORDER BY run_at LIMIT $3 {lock})
         RETURNING id, kind, payload, attempts"
    ))
    .bind(now.plus_seconds(LEASE_SECS))
    .bind(now)
    .bind(limit as i64)
    .fetch_all(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(jobs)
}

/// Keeps a long job's claim while it makes progress.
pub async fn extend_lease(db: &Db, job: uuid::Uuid) -> Result<(), DbError> {
    sql("UPDATE jobs SET locked_until = $1 WHERE id = $2")
        .bind(Timestamp::now().plus_seconds(LEASE_SECS))
        .bind(job)
        .execute(db)
        .await?;
    Ok(())
}

/// Runs `work` every `period` for the life of the process (a clock-driven
/// task such as publishing scheduled articles); a failure is logged as
/// `what` and tried again at the next tick, and the loop ends with the database.
pub fn every<F, Fut>(state: AppState, period: Duration, what: &'static str, work: F)
where
    F: Fn(AppState) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<(), crate::error::AppError>> + Send,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match work(state.clone()).await {
                Ok(()) => {}
                // Shutting down: nothing more to do from this instance.
                Err(_) if state.db.is_closed() => break,
                Err(err) => tracing::warn!(error = format!("{err:#}"), "{what}"),
            }
        }
    });
}

/// How often a job holding its lease through long work renews it.
const LEASE_RENEWAL: Duration = Duration::from_secs(LEASE_SECS as u64 / 4);

/// Runs `work` (one batch of a long job) while keeping `job`'s claim: the
/// lease is renewed as it goes, so however slow the far end is, no other
/// worker takes the job and sends the batch again meanwhile.
pub async fn holding_lease<T>(
    db: &Db,
    job: uuid::Uuid,
    work: impl std::future::Future<Output = T>,
) -> Result<T, DbError> {
    extend_lease(db, job).await?;
    tokio::pin!(work);
    loop {
        tokio::select! {
            out = &mut work => return Ok(out),
            () = tokio::time::sleep(LEASE_RENEWAL) => extend_lease(db, job).await?,
        }
    }
}

async fn finish(db: &Db, job: &Job, outcome: anyhow::Result<Step>) -> Result<(), DbError> {
    let now = Timestamp::now();
    match outcome {
        Ok(Step::Done) => {
            sql("UPDATE jobs SET done_at = $1, locked_until = NULL WHERE id = $2")
                .bind(now)
                .bind(job.id)
                .execute(db)
                .await?;
        }
        Ok(Step::Later(at)) => {
            // Not a failure: the attempt is given back.
            sql("UPDATE jobs SET locked_until = NULL, run_at = $1, attempts = attempts - 1 WHERE id = $2")
                .bind(at.unwrap_or(now))
                .bind(job.id)
                .execute(db)
                .await?;
        }
        Ok(Step::GaveUp(reason)) => {
            tracing::warn!(job = %job.id, kind = job.kind, reason, "a job cannot succeed and is not tried again");
            sql("UPDATE jobs SET done_at = $1, locked_until = NULL, last_error = $2 WHERE id = $3")
                .bind(now)
                .bind(reason)
                .bind(job.id)
                .execute(db)
                .await?;
        }
        Err(err) => {
            let error = format!("{err:#}");
            let gave_up = job.attempts >= MAX_ATTEMPTS;
            tracing::warn!(job = %job.id, kind = job.kind, attempts = job.attempts, gave_up, error, "a job failed");
            // Exponential backoff: 2, 4, 8 … seconds, at most an hour.
            let delay = 2i64.saturating_pow(job.attempts.clamp(1, 11) as u32).min(3600);
            sql("UPDATE jobs SET last_error = $1, locked_until = NULL, run_at = $2, done_at = $3 WHERE id = $4")
                .bind(error)
                .bind(now.plus_seconds(delay))
                .bind(gave_up.then_some(now))
                .bind(job.id)
                .execute(db)
                .await?;
        }
    }
    Ok(())
}

/// Wakes this instance's worker when it queues something, and tells long
/// jobs when the instance is stopping so they save their progress and yield.
#[derive(Clone)]
pub struct Wake {
    notify: Arc<Notify>,
    stopping: Arc<AtomicBool>,
    running: Arc<Semaphore>,
}

impl Default for Wake {
    fn default() -> Self {
        Self {
            notify: Arc::default(),
            stopping: Arc::default(),
            running: Arc::new(Semaphore::new(RUNNING)),
        }
    }
}

impl Wake {
    pub fn now(&self) {
        self.notify.notify_one();
    }

    /// Whether a long job should checkpoint and hand back its work.
    pub fn stopping(&self) -> bool {
        self.stopping.load(Ordering::Relaxed)
    }

    /// Stops claiming jobs and waits (a while) for running ones to reach a checkpoint.
    pub async fn stop(&self) {
        self.stopping.store(true, Ordering::Relaxed);
        self.notify.notify_one();
        let all = u32::try_from(RUNNING).unwrap_or(u32::MAX);
        let _ = tokio::time::timeout(DRAIN, self.running.acquire_many(all)).await;
    }
}

/// Runs jobs for the life of the process, at most `RUNNING` at once.
pub fn spawn_worker(state: AppState) {
    tokio::spawn(async move {
        while !state.wake.stopping() {
            let free = state.wake.running.available_permits();
            if free > 0 {
                match claim(&state.db, free).await {
                    Ok(jobs) if !jobs.is_empty() => {
                        for job in jobs {
                            let Ok(permit) = state.wake.running.clone().try_acquire_owned() else {
                                break;
                            };
                            let state = state.clone();
                            tokio::spawn(async move {
                                let outcome = run(&state, &job).await;
                                if let Err(err) = finish(&state.db, &job, outcome).await {
                                    tracing::warn!(error = %err, "could not record a job's outcome");
                                }
                                drop(permit);
                                state.wake.now();
                            });
                        }
                        continue;
                    }
                    Ok(_) => {}
                    Err(err) => tracing::warn!(error = %err, "could not claim jobs"),
                }
            }
            let _ = tokio::time::timeout(POLL, state.wake.notify.notified()).await;
        }
    });
}

/// Does one job, by kind.
async fn run(state: &AppState, job: &Job) -> anyhow::Result<Step> {
    match job.kind.as_str() {
        crate::mail::JOB => crate::mail::send_queued(state, &job.payload).await,
        crate::alerts::fanout::JOB => crate::alerts::fanout::run_shard(state, job).await,
        crate::newsletters::fanout::JOB => crate::newsletters::fanout::run_shard(state, job).await,
        crate::newsletters::retry::JOB => crate::newsletters::retry::run(state, job).await,
        crate::alerts::retry::JOB => crate::alerts::retry::run(state, job).await,
        crate::alerts::personal::JOB => crate::alerts::personal::run(state, &job.payload)
            .await
            .map(|()| Step::Done),
        other => anyhow::bail!("no worker knows the job kind {other:?}"),
    }
}
