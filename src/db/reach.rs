//! Whether PostgreSQL can be reached. While it cannot, every query would
//! wait out the pool's acquire timeout (seconds) before failing; instead the
//! first failure marks the server unreachable, later queries fail at once
//! (the request becomes a 503 with `Retry-After`, or a cached page), and one
//! probe a second clears the mark as soon as the server answers.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use sqlx::PgPool;

/// How often an unreachable server is tried again.
const PROBE_EVERY: Duration = Duration::from_secs(1);
/// How long one probe may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

static START: LazyLock<Instant> = LazyLock::new(Instant::now);

#[derive(Debug, Default)]
pub struct Reach {
    /// Milliseconds since [`START`] when the server stopped answering; 0 while it answers.
    down_since: AtomicI64,
    probing: AtomicBool,
}

impl Reach {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// How long the server has been out of reach, if it is.
    pub fn down_for(&self) -> Option<Duration> {
        match self.down_since.load(Ordering::Acquire) {
            0 => None,
            since => Some(Duration::from_millis((now_ms() - since).max(0) as u64)),
        }
    }

    pub fn is_down(&self) -> bool {
        self.down_since.load(Ordering::Acquire) != 0
    }

    /// Looks at a failed query: a server that cannot be reached is marked
    /// so, and probed until it answers.
    pub fn saw(self: &Arc<Self>, err: &sqlx::Error, pool: &PgPool) {
        if !cannot_reach(err, pool) {
            return;
        }
        let _ = self
            .down_since
            .compare_exchange(0, now_ms().max(1), Ordering::AcqRel, Ordering::Acquire);
        if self.probing.swap(true, Ordering::AcqRel) {
            return;
        }
        tracing::warn!(error = %err, "PostgreSQL cannot be reached; answering from the page cache and with 503 until it can");
        let reach = Arc::clone(self);
        let pool = pool.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(PROBE_EVERY).await;
                if pool.is_closed() {
                    break;
                }
                let probe = tokio::time::timeout(PROBE_TIMEOUT, sqlx::query("SELECT 1").execute(&pool)).await;
                if matches!(probe, Ok(Ok(_))) {
                    let down = reach.down_for().unwrap_or_default();
                    reach.down_since.store(0, Ordering::Release);
                    tracing::info!(seconds = down.as_secs(), "PostgreSQL answers again");
                    break;
                }
            }
            reach.probing.store(false, Ordering::Release);
        });
    }
}

fn now_ms() -> i64 {
    START.elapsed().as_millis() as i64
}

/// True when the error says the server is out of reach, not that a query
/// was wrong: the connection failed or broke, the server is shutting down
/// or starting, or no connection could be had although the pool had room
/// for one (a full pool under load is not an outage).
fn cannot_reach(err: &sqlx::Error, pool: &PgPool) -> bool {
    match err {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) => true,
        sqlx::Error::PoolTimedOut => pool.size() < pool.options().get_max_connections(),
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
        _ => false,
    }
}

/// The error a query gets without trying while the server is out of reach.
pub fn unreachable_error() -> sqlx::Error {
    sqlx::Error::Io(std::io::Error::new(
        std::io::ErrorKind::NotConnected,
        "PostgreSQL did not answer a moment ago; not trying again until it does",
    ))
}
