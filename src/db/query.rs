//! One query type for both databases: SQL text plus bound arguments, run on a
//! pool or inside a transaction of either backend.

use std::borrow::Cow;
use std::sync::Arc;

use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, FromRow, PgConnection, PgPool, SqliteConnection, SqlitePool};
use uuid::Uuid;

use super::{Db, DbError, Reach, Tx};
use crate::domain::Timestamp;

/// A value bound to a `$n` parameter. `None` binds a typed NULL.
#[derive(Clone, Debug)]
pub enum Arg {
    Text(Option<String>),
    Int(Option<i64>),
    Bool(Option<bool>),
    Uuid(Option<Uuid>),
    Time(Option<Timestamp>),
    Bytes(Option<Vec<u8>>),
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(Some(v.to_owned()))
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(Some(v))
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(Some(v.clone()))
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Arg::Text(v)
    }
}
impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(Some(v))
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::Int(v)
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Bool(Some(v))
    }
}
impl From<Uuid> for Arg {
    fn from(v: Uuid) -> Self {
        Arg::Uuid(Some(v))
    }
}
impl From<Option<Uuid>> for Arg {
    fn from(v: Option<Uuid>) -> Self {
        Arg::Uuid(v)
    }
}
impl From<Option<bool>> for Arg {
    fn from(v: Option<bool>) -> Self {
        Arg::Bool(v)
    }
}
impl From<Vec<u8>> for Arg {
    fn from(v: Vec<u8>) -> Self {
        Arg::Bytes(Some(v))
    }
}

/// Rows that decode from either database; `#[derive(sqlx::FromRow)]` gives this.
pub trait Record: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> Record for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}

/// Where a query runs: a pool, or the connection of an open transaction.
pub enum Conn<'c> {
    SqlitePool(&'c SqlitePool),
    PgPool(&'c PgPool, &'c Arc<Reach>),
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

impl<'c> From<&'c Db> for Conn<'c> {
    fn from(db: &'c Db) -> Self {
        match db {
            Db::Sqlite(pool) => Conn::SqlitePool(pool),
            Db::Postgres(pool, reach) => Conn::PgPool(pool, reach),
        }
    }
}

impl<'c> From<&'c mut Tx> for Conn<'c> {
    fn from(tx: &'c mut Tx) -> Self {
        match tx {
            Tx::Sqlite(tx) => Conn::Sqlite(tx),
            Tx::Postgres(tx) => Conn::Postgres(tx),
        }
    }
}

impl Conn<'_> {
    /// The same connection for one more query, keeping this handle for the next.
    pub fn reborrow(&mut self) -> Conn<'_> {
        match self {
            Conn::SqlitePool(pool) => Conn::SqlitePool(pool),
            Conn::PgPool(pool, reach) => Conn::PgPool(pool, reach),
            Conn::Sqlite(conn) => Conn::Sqlite(conn),
            Conn::Postgres(conn) => Conn::Postgres(conn),
        }
    }
}

/// Starts a query. The text is fixed SQL written in this code base; values
/// always travel as bound arguments, never spliced into the text.
pub fn sql(text: impl Into<Cow<'static, str>>) -> Query {
    Query {
        text: text.into(),
        args: Vec::new(),
    }
}

#[must_use = "a query does nothing until it is run"]
pub struct Query {
    text: Cow<'static, str>,
    args: Vec<Arg>,
}

/// Binds our arguments onto a sqlx query of either backend.
macro_rules! bind_all {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for arg in $args {
            q = match arg {
                Arg::Text(v) => q.bind(v),
                Arg::Int(v) => q.bind(v),
                Arg::Bool(v) => q.bind(v),
                Arg::Uuid(v) => q.bind(v),
                Arg::Time(v) => q.bind(v),
                Arg::Bytes(v) => q.bind(v),
            };
        }
        q
    }};
}

/// Runs `$method` on the query built by `$make` for whichever backend `$conn` is.
macro_rules! run {
    ($self:ident, $conn:expr, $make:ident, $method:ident) => {{
        let Query { text, args } = $self;
        let statement = text.clone();
        let text = AssertSqlSafe(text);
        let ran = match $conn.into() {
            Conn::SqlitePool(pool) => {
                bind_all!(sqlx::$make::<sqlx::Sqlite, _>(text), args)
                    .$method(pool)
                    .await
            }
            Conn::PgPool(_, reach) if reach.is_down() => Err(super::reach::unreachable_error()),
            Conn::PgPool(pool, reach) => bind_all!(sqlx::$make::<sqlx::Postgres, _>(text), args)
                .$method(pool)
                .await
                .inspect_err(|e| reach.saw(e, pool)),
            Conn::Sqlite(conn) => {
                bind_all!(sqlx::$make::<sqlx::Sqlite, _>(text), args)
                    .$method(conn)
                    .await
            }
            Conn::Postgres(conn) => {
                bind_all!(sqlx::$make::<sqlx::Postgres, _>(text), args)
                    .$method(conn)
                    .await
            }
        };
        ran.map_err(|e| DbError::new(statement, e))
    }};
}

impl Query {
    pub fn bind(mut self, arg: impl Into<Arg>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub async fn fetch_all<'c, T: Record>(self, conn: impl Into<Conn<'c>>) -> Result<Vec<T>, DbError> {
        run!(self, conn, query_as, fetch_all)
    }

    pub async fn fetch_optional<'c, T: Record>(self, conn: impl Into<Conn<'c>>) -> Result<Option<T>, DbError> {
        run!(self, conn, query_as, fetch_optional)
    }

    pub async fn fetch_one<'c, T: Record>(self, conn: impl Into<Conn<'c>>) -> Result<T, DbError> {
        run!(self, conn, query_as, fetch_one)
    }

    /// Runs a statement and returns how many rows it changed.
    pub async fn execute<'c>(self, conn: impl Into<Conn<'c>>) -> Result<u64, DbError> {
        let Query { text, args } = self;
        let statement = text.clone();
        let text = AssertSqlSafe(text);
        let ran = match conn.into() {
            Conn::SqlitePool(pool) => bind_all!(sqlx::query::<sqlx::Sqlite>(text), args)
                .execute(pool)
                .await
                .map(|done| done.rows_affected()),
            Conn::PgPool(_, reach) if reach.is_down() => Err(super::reach::unreachable_error()),
            Conn::PgPool(pool, reach) => bind_all!(sqlx::query::<sqlx::Postgres>(text), args)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
                .inspect_err(|e| reach.saw(e, pool)),
            Conn::Sqlite(conn) => bind_all!(sqlx::query::<sqlx::Sqlite>(text), args)
                .execute(conn)
                .await
                .map(|done| done.rows_affected()),
            Conn::Postgres(conn) => bind_all!(sqlx::query::<sqlx::Postgres>(text), args)
                .execute(conn)
                .await
                .map(|done| done.rows_affected()),
        };
        ran.map_err(|e| DbError::new(statement, e))
    }

    /// A single `BIGINT` value, such as a `COUNT(*)`.
    pub async fn fetch_count<'c>(self, conn: impl Into<Conn<'c>>) -> Result<i64, DbError> {
        let (count,): (i64,) = self.fetch_one(conn).await?;
        Ok(count)
    }
}

/// `WHERE` clauses assembled from optional filters, numbering the
/// parameters as they are added. Clauses are fixed SQL from this code base
/// with `{}` where the value goes; values are always bound.
#[derive(Default)]
pub struct Conditions {
    clauses: Vec<String>,
    args: Vec<Arg>,
}

impl Conditions {
    pub fn new() -> Self {
        Self::default()
    }

    /// A clause without a value, e.g. `a.status = 'published'`.
    pub fn fixed(&mut self, clause: &str) -> &mut Self {
        self.clauses.push(clause.to_owned());
        self
    }

    /// A clause with one value in place of `{}`.
    pub fn with(&mut self, clause: &str, arg: impl Into<Arg>) -> &mut Self {
        self.args.push(arg.into());
        self.clauses
            .push(clause.replace("{}", &format!("${}", self.args.len())));
        self
    }

    /// The next free parameter number, for LIMIT/OFFSET after the conditions.
    pub fn next_param(&self) -> usize {
        self.args.len() + 1
    }

    /// ` WHERE a AND b`, or nothing.
    pub fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }

    /// Binds the conditions' values onto a query whose text used [`Conditions::sql`].
    pub fn bind_to(&self, mut query: Query) -> Query {
        for arg in &self.args {
            query = query.bind(arg.clone());
        }
        query
    }
}

/// A `LIKE` pattern matching `text` anywhere, with `%` and `_` taken literally
/// (use with `ESCAPE '\'`).
pub fn contains_pattern(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{}%", escaped.to_lowercase())
}
