//! API credentials: a Content API key (read-only) or an Admin API token
//! (acts as the staff member who made it, with that member's role), both
//! sent as `Authorization: Bearer …` and stored only as hashes.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use crate::accounts::staff::Staff;
use crate::accounts::{CurrentStaff, api_keys, secrets};
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
        if api_keys::content_key_exists(&state.db, &hash).await? || staff_for(state, &hash).await?.is_some() {
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
            waiting_for_review: None,
        }))
    }
}

async fn staff_for(state: &AppState, token_hash: &str) -> Result<Option<Staff>, AppError> {
    api_keys::staff_for_token(&state.db, token_hash).await
}
