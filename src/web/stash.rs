//! Forms kept when their session had ended, so that what someone typed is
//! waiting for them after they sign in again.

use crate::accounts::secrets;
use crate::db::{Db, sql};
use crate::domain::Timestamp;
use crate::web::form::FormFields;

const KEEP_SECS: i64 = 24 * 3600;

/// Keeps `fields` for the page at `path`; the returned token fetches them once.
pub async fn keep(db: &Db, path: &str, fields: &FormFields) -> anyhow::Result<String> {
    let token = secrets::token();
    let now = Timestamp::now();
    sql("DELETE FROM stashed_forms WHERE created_at < $1")
        .bind(now.plus_seconds(-KEEP_SECS))
        .execute(db)
        .await?;
    sql("INSERT INTO stashed_forms (token_hash, path, fields, created_at) VALUES ($1, $2, $3, $4)")
        .bind(secrets::hash(&token))
        .bind(path)
        .bind(serde_json::to_string(fields)?)
        .bind(now)
        .execute(db)
        .await?;
    Ok(token)
}

/// The fields kept for `path` under `token`, removed as they are handed back.
pub async fn take(db: &Db, path: &str, token: &str) -> anyhow::Result<Option<FormFields>> {
    let hash = secrets::hash(token);
    let row: Option<(String, String)> = sql("SELECT path, fields FROM stashed_forms WHERE token_hash = $1")
        .bind(&hash)
        .fetch_optional(db)
        .await?;
    let Some((kept_for, fields)) = row else { return Ok(None) };
    if kept_for != path {
        return Ok(None);
    }
    sql("DELETE FROM stashed_forms WHERE token_hash = $1")
        .bind(hash)
        .execute(db)
        .await?;
    Ok(Some(serde_json::from_str(&fields)?))
}
