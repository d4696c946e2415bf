//! Opening the database named by `database.url`, with one clear error line
//! when it cannot be opened or reached.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, bail};
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::Db;
use crate::config::DatabaseSettings;

/// The database file a `sqlite://` address names; `None` for PostgreSQL.
pub fn sqlite_file(settings: &DatabaseSettings) -> Option<&Path> {
    let url = settings.url.expose();
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .map(Path::new)
}

pub async fn connect(settings: &DatabaseSettings) -> anyhow::Result<Db> {
    let url = settings.url.expose();
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        connect_postgres(url, settings.max_connections).await
    } else if let Some(path) = sqlite_file(settings) {
        connect_sqlite(path, settings.max_connections, settings.sqlite_mmap_mb).await
    } else {
        bail!("database.url must start with sqlite:// or postgres://")
    }
}

async fn connect_sqlite(path: &Path, max_connections: u32, mmap_mb: u64) -> anyhow::Result<Db> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&dir)
        .map_err(|e| anyhow::anyhow!("cannot create the data directory {}: {e}", dir.display()))?;
    // Durability: a killed process loses nothing it acknowledged (WAL, FULL sync).
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
        .with_context(|| format!("the SQLite path {} is not usable", path.display()))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        // Reading through memory-mapped pages instead of copying each page into
        // every connection's small cache doubles search throughput on a large
        // archive; off by default, as the mapped file then counts in the
        // process's resident memory (once per connection), though it is the
        // kernel's shared, reclaimable page cache.
        .pragma("mmap_size", (mmap_mb << 20).to_string());
    let pool = SqlitePoolOptions::new()
        .max_connections(max_connections)
        .min_connections(1)
        // A COMMIT that fails (a full disk) can leave SQLite's transaction
        // rolled back while the driver still counts it open; such a
        // connection would refuse every later transaction. A dropped
        // transaction's rollback is queued on the connection, so let it run
        // first, then keep the connection only if no transaction is left.
        .after_release(|conn, _| {
            Box::pin(async move {
                if conn.is_in_transaction() {
                    conn.ping().await?;
                }
                Ok(!conn.is_in_transaction())
            })
        })
        .connect_with(options)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the SQLite database {}: {}", path.display(), describe(&e)))?;
    // Opening succeeds on a read-only directory; writing is what fails, so try it now.
    sqlx::query("CREATE TABLE IF NOT EXISTS _broadsheet_write_check (x INTEGER); DROP TABLE _broadsheet_write_check;")
        .execute(&pool)
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "the SQLite database {} is not writable: {}",
                path.display(),
                describe(&e)
            )
        })?;
    Ok(Db::Sqlite(pool))
}

async fn connect_postgres(url: &str, max_connections: u32) -> anyhow::Result<Db> {
    let options = PgConnectOptions::from_str(url).context("database.url is not a valid PostgreSQL URL")?;
    let target = format!(
        "{}:{}/{}",
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or("postgres")
    );
    let pool = PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
        .map_err(|e| anyhow::anyhow!("cannot reach PostgreSQL at {target}: {}", describe(&e)))?;
    Ok(Db::Postgres(pool, super::Reach::new()))
}

/// The database's own message, without sqlx's wrapping.
fn describe(err: &sqlx::Error) -> String {
    match err {
        sqlx::Error::Database(db) => db.message().to_owned(),
        sqlx::Error::Io(io) => io.to_string(),
        other => other.to_string(),
    }
}
