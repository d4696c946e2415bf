//! Settings the newsroom changes while the site runs (the appeal's words,
//! the comment filters, the generated push key), kept as named values in
//! one table. Each domain names its own key and owns its value's format;
//! this is the one way they are read and written.

use anyhow::Context;

use crate::db::{Conn, sql};
use crate::domain::Timestamp;
use crate::error::AppError;

/// The stored value of a setting, if it was ever set.
pub async fn get<'c>(conn: impl Into<Conn<'c>>, key: &str) -> Result<Option<String>, AppError> {
    let row: Option<(String,)> = sql("SELECT value FROM site_settings WHERE key = $1")
        .bind(key)
        .fetch_optional(conn)
        .await
        .with_context(|| format!("reading the setting {key}"))?;
    Ok(row.map(|(value,)| value))
}

/// Every stored setting whose key starts with `prefix`, as (key, value), in one read.
pub async fn with_prefix(db: &crate::db::Db, prefix: &str) -> Result<Vec<(String, String)>, AppError> {
    let rows: Vec<(String, String)> = sql("SELECT key, value FROM site_settings WHERE key LIKE $1")
        .bind(format!("{prefix}%"))
        .fetch_all(db)
        .await
        .with_context(|| format!("reading the settings {prefix}*"))?;
    Ok(rows)
}

/// Sets a value, replacing what was there.
pub async fn put<'c>(conn: impl Into<Conn<'c>>, key: &str, value: &str) -> Result<(), AppError> {
    sql("INSERT INTO site_settings (key, value, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
    .bind(key)
    .bind(value)
    .bind(Timestamp::now())
    .execute(conn)
    .await
    .with_context(|| format!("writing the setting {key}"))?;
    Ok(())
}

/// Sets a value unless one is there already, and returns the one that is
/// (instances starting together: the first one written wins).
pub async fn put_once<'c>(conn: impl Into<Conn<'c>>, key: &str, value: &str) -> Result<String, AppError> {
    let mut conn = conn.into();
    sql("INSERT INTO site_settings (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING")
        .bind(key)
        .bind(value)
        .bind(Timestamp::now())
        .execute(conn.reborrow())
        .await
        .with_context(|| format!("writing the setting {key}"))?;
    get(conn, key)
        .await?
        .with_context(|| format!("the setting {key} vanished"))
        .map_err(AppError::from)
}
