//! API credentials: a Content API key (read-only) or an Admin API token
//! (acts as the staff member who made it, with that member's role), both
//! sent as `Authorization: Bearer …` and stored only as hashes.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use crate::accounts::staff::{self, Staff};
use crate::accounts::{CurrentStaff, secrets};
use crate::db::sql;
use crate::domain::Timestamp;
use crate::error::AppError;
use crate::state::AppState;

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// A caller with a live Content API key (or an Admin API token, which may read too).
#[derive(Clone, Copy)]
pub struct ContentReader;

impl FromRequestParts<AppState> for ContentReader {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if parts.extensions.get::<ContentReader>().is_some() {
            return Ok(ContentReader);
        }
        let token = bearer(parts).ok_or(AppError::Unauthorized)?;
        let hash = secrets::hash(token);
        let keys = sql("SELECT COUNT(*) FROM content_api_keys WHERE key_hash = $1 AND revoked_at IS NULL")
            .bind(&hash)
            .fetch_count(&state.db)
            .await?;
        if keys > 0 || staff_for(state, &hash).await?.is_some() {
            Ok(ContentReader)
        } else {
            Err(AppError::Unauthorized)
        }
    }
}

/// The staff member an Admin API token acts for.
#[derive(Clone)]
pub struct ApiStaff(pub CurrentStaff);

impl FromRequestParts<AppState> for ApiStaff {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // The route's access check may have found them already.
        if let Some(found) = parts.extensions.get::<ApiStaff>() {
            return Ok(found.clone());
        }
        let token = bearer(parts).ok_or(AppError::Unauthorized)?;
        let hash = secrets::hash(token);
        let staff = staff_for(state, &hash).await?.ok_or(AppError::Unauthorized)?;
        Ok(ApiStaff(CurrentStaff {
            staff,
            session: format!("api-token:{hash}"),
        }))
    }
}

async fn staff_for(state: &AppState, token_hash: &str) -> Result<Option<Staff>, AppError> {
    let found: Option<(crate::domain::StaffId,)> =
        sql("SELECT staff_id FROM admin_api_tokens WHERE token_hash = $1 AND revoked_at IS NULL")
            .bind(token_hash)
            .fetch_optional(&state.db)
            .await?;
    let Some((id,)) = found else { return Ok(None) };
    let Some(row) = staff::by_id(&state.db, id).await? else {
        return Ok(None);
    };
    if row.disabled_at.is_some() {
        return Ok(None);
    }
    sql("UPDATE admin_api_tokens SET last_used_at = $1 WHERE token_hash = $2")
        .bind(Timestamp::now())
        .bind(token_hash)
        .execute(&state.db)
        .await?;
    Ok(Some(Staff::try_from(row)?))
}
