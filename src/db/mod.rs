//! The database: embedded SQLite by default, PostgreSQL for several instances.
//!
//! Every query is written once in SQL both databases accept (`$1` parameters,
//! `BIGINT`, `BOOLEAN`, `UUID`, `TIMESTAMPTZ`, `ON CONFLICT`, `RETURNING`) and
//! run through [`Query`]. The few places where the dialects differ match on
//! [`Backend`] and say so.

mod connect;
mod error;
mod migrate;
mod query;
mod reach;

pub use connect::{connect, sqlite_file};
pub use error::{DbError, is_unavailable};
pub use migrate::migrate;
pub use query::{Arg, Conditions, Conn, Query, Record, contains_pattern, sql};
pub use reach::Reach;

use std::sync::Arc;

use sqlx::{PgPool, Postgres, Sqlite, SqlitePool};

/// A handle on the pool; cheap to clone. PostgreSQL's carries whether the
/// server can be reached (see [`Reach`]).
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool, Arc<Reach>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// An open transaction; dropped without `commit` it rolls back.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Db {
    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(..) => Backend::Postgres,
        }
    }

    /// Starts a transaction. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`): a transaction that reads and then writes could
    /// otherwise fail to upgrade its lock while another writer holds it.
    pub async fn begin(&self) -> Result<Tx, DbError> {
        let begun = match self {
            Db::Sqlite(pool) => pool.begin_with("BEGIN IMMEDIATE").await.map(Tx::Sqlite),
            Db::Postgres(_, reach) if reach.is_down() => Err(reach::unreachable_error()),
            Db::Postgres(pool, reach) => pool.begin().await.map(Tx::Postgres).inspect_err(|e| reach.saw(e, pool)),
        };
        begun.map_err(|e| DbError::new("BEGIN", e))
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(pool) => pool.close().await,
            Db::Postgres(pool, _) => pool.close().await,
        }
    }

    /// How long the database server has been out of reach, if it is
    /// (only a PostgreSQL server can be).
    pub fn unreachable_for(&self) -> Option<std::time::Duration> {
        match self {
            Db::Sqlite(_) => None,
            Db::Postgres(_, reach) => reach.down_for(),
        }
    }

    /// Whether the pool was closed (the process is shutting down).
    pub fn is_closed(&self) -> bool {
        match self {
            Db::Sqlite(pool) => pool.is_closed(),
            Db::Postgres(pool, _) => pool.is_closed(),
        }
    }
}

impl Tx {
    pub async fn commit(self) -> Result<(), DbError> {
        let committed = match self {
            Tx::Sqlite(tx) => tx.commit().await,
            Tx::Postgres(tx) => tx.commit().await,
        };
        committed.map_err(|e| DbError::new("COMMIT", e))
    }
}

/// True when the error is a unique-constraint violation, so callers can turn
/// it into a field error where the write happens.
pub fn is_unique_violation(err: &DbError) -> bool {
    err.is_unique_violation()
}
