//! API credentials: Content API keys (read-only, made by admins for other
//! systems) and personal Admin API tokens (each acts as the staff member who
//! made it). Only their hashes are stored; the secret is shown once.

use anyhow::Context;

use crate::audit::Target;
use crate::change::Change;
use crate::db::{Db, sql};
use crate::domain::{StaffId, Timestamp};
use crate::error::AppError;

use super::secrets;
use super::staff::{self, Staff};

/// A key or token as listed (never its secret).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Listed {
    pub id: uuid::Uuid,
    pub name: String,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

/// A key or token just made: its id, and the secret shown once.
pub struct Made {
    pub id: uuid::Uuid,
    pub secret: String,
}

pub async fn content_keys(db: &Db) -> Result<Vec<Listed>, AppError> {
    Ok(
        sql("SELECT id, name, created_at, revoked_at FROM content_api_keys ORDER BY created_at DESC")
            .fetch_all(db)
            .await
            .context("listing Content API keys")?,
    )
}

pub async fn create_content_key(change: &mut Change, name: &str) -> Result<Made, AppError> {
    let secret = format!("bsc_{}", secrets::token());
    let id = uuid::Uuid::now_v7();
    let by = change.actor().id;
    sql("INSERT INTO content_api_keys (id, name, key_hash, created_by, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(name)
        .bind(secrets::hash(&secret))
        .bind(by)
        .bind(Timestamp::now())
        .execute(&mut *change)
        .await
        .context("creating a Content API key")?;
    change
        .audit("created a Content API key", Target::new("api_key", id, name), "")
        .await?;
    Ok(Made { id, secret })
}

pub async fn revoke_content_key(change: &mut Change, id: uuid::Uuid) -> Result<(), AppError> {
    sql("UPDATE content_api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(Timestamp::now())
        .bind(id)
        .execute(&mut *change)
        .await
        .with_context(|| format!("revoking Content API key {id}"))?;
    change
        .audit("revoked a Content API key", Target::new("api_key", id, ""), "")
        .await?;
    Ok(())
}

/// Whether a live Content API key has this hash.
pub async fn content_key_exists(db: &Db, key_hash: &str) -> Result<bool, AppError> {
    let keys = sql("SELECT COUNT(*) FROM content_api_keys WHERE key_hash = $1 AND revoked_at IS NULL")
        .bind(key_hash)
        .fetch_count(db)
        .await
        .context("checking a Content API key")?;
    Ok(keys > 0)
}

pub async fn tokens_of(db: &Db, staff: StaffId) -> Result<Vec<Listed>, AppError> {
    Ok(sql(
        "SELECT id, name, created_at, revoked_at FROM admin_api_tokens WHERE staff_id = $1 ORDER BY created_at DESC",
    )
    .bind(staff)
    .fetch_all(db)
    .await
    .context("listing Admin API tokens")?)
}

/// A personal Admin API token for the change's actor.
pub async fn create_token(change: &mut Change, staff: StaffId, name: &str) -> Result<Made, AppError> {
    let secret = format!("bsa_{}", secrets::token());
    let id = uuid::Uuid::now_v7();
    sql("INSERT INTO admin_api_tokens (id, staff_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(staff)
        .bind(name)
        .bind(secrets::hash(&secret))
        .bind(Timestamp::now())
        .execute(&mut *change)
        .await
        .context("creating an Admin API token")?;
    change
        .audit("created an Admin API token", Target::new("api_token", id, name), "")
        .await?;
    Ok(Made { id, secret })
}

/// Revokes one of `staff`'s own tokens.
pub async fn revoke_token(change: &mut Change, staff: StaffId, id: uuid::Uuid) -> Result<(), AppError> {
    sql("UPDATE admin_api_tokens SET revoked_at = $1 WHERE id = $2 AND staff_id = $3 AND revoked_at IS NULL")
        .bind(Timestamp::now())
        .bind(id)
        .bind(staff)
        .execute(&mut *change)
        .await
        .with_context(|| format!("revoking Admin API token {id}"))?;
    change
        .audit("revoked an Admin API token", Target::new("api_token", id, ""), "")
        .await?;
    Ok(())
}

/// The enabled staff member a live Admin API token acts for, noting its use.
pub async fn staff_for_token(db: &Db, token_hash: &str) -> Result<Option<Staff>, AppError> {
    let found: Option<(StaffId,)> =
        sql("SELECT staff_id FROM admin_api_tokens WHERE token_hash = $1 AND revoked_at IS NULL")
            .bind(token_hash)
            .fetch_optional(db)
            .await
            .context("looking up an Admin API token")?;
    let Some((id,)) = found else { return Ok(None) };
    let Some(row) = staff::by_id(db, id).await.context("loading a token's staff member")? else {
        return Ok(None);
    };
    if row.disabled_at.is_some() {
        return Ok(None);
    }
    sql("UPDATE admin_api_tokens SET last_used_at = $1 WHERE token_hash = $2")
        .bind(Timestamp::now())
        .bind(token_hash)
        .execute(db)
        .await
        .context("noting an Admin API token's use")?;
    Ok(Some(Staff::try_from(row)?))
}
