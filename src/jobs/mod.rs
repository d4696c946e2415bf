//! Background work kept in the database: a job is written in the same
//! transaction as the change that needs it, so it is never lost, and done by
//! a worker in every instance. On PostgreSQL instances claim jobs with
//! `FOR UPDATE SKIP LOCKED`, so each job goes to one instance; a job whose
//! worker died is claimed again when its lease runs out.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::Notify;

use crate::db::{Backend, Conn, Db, sql};
use crate::domain::Timestamp;
use crate::state::AppState;

/// How long a claimed job is reserved for its worker.
const LEASE_SECS: i64 = 120;
/// After this many failed attempts a job is given up (and its error kept).
const MAX_ATTEMPTS: i64 = 8;
const POLL: Duration = Duration::from_millis(500);
const BATCH: i64 = 20;

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
async fn claim(db: &Db) -> Result<Vec<Job>, sqlx::Error> {
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
    .bind(BATCH)
    .fetch_all(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(jobs)
}

async fn finish(db: &Db, job: &Job, outcome: anyhow::Result<()>) -> Result<(), sqlx::Error> {
    let now = Timestamp::now();
    match outcome {
        Ok(()) => {
            sql("UPDATE jobs SET done_at = $1, locked_until = NULL WHERE id = $2")
                .bind(now)
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

/// Wakes the worker at once when this instance queues something.
#[derive(Clone, Default)]
pub struct Wake(Arc<Notify>);

impl Wake {
    pub fn now(&self) {
        self.0.notify_one();
    }
}

/// Runs jobs for the life of the process.
pub fn spawn_worker(state: AppState) {
    tokio::spawn(async move {
        loop {
            match claim(&state.db).await {
                Ok(jobs) if !jobs.is_empty() => {
                    let runs = jobs.into_iter().map(|job| {
                        let state = state.clone();
                        async move {
                            let outcome = run(&state, &job).await;
                            if let Err(err) = finish(&state.db, &job, outcome).await {
                                tracing::warn!(error = %err, "could not record a job's outcome");
                            }
                        }
                    });
                    futures_util::future::join_all(runs).await;
                    continue;
                }
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "could not claim jobs"),
            }
            let _ = tokio::time::timeout(POLL, state.wake.0.notified()).await;
        }
    });
}

/// Does one job, by kind.
async fn run(state: &AppState, job: &Job) -> anyhow::Result<()> {
    match job.kind.as_str() {
        crate::mail::JOB => crate::mail::send_queued(state, &job.payload).await,
        other => anyhow::bail!("no worker knows the job kind {other:?}"),
    }
}
