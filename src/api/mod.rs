//! The HTTP APIs under `/api/v1`: a read-only Content API (key auth) and an
//! Admin API (token auth, acting as a staff member), JSON in and out, errors
//! as `application/problem+json` naming the failing field. The OpenAPI
//! document is served at `/api/v1/openapi.json`.

mod admin;
mod auth;
mod content;
mod openapi;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, Request};
use axum::routing::{get, post};
use serde::de::DeserializeOwned;

use crate::error::AppError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi::document))
        .route("/api/v1/content/articles", get(content::articles))
        .route("/api/v1/content/articles/{slug}", get(content::article))
        .route("/api/v1/content/sections", get(content::sections))
        .route("/api/v1/content/tags", get(content::tags))
        .route("/api/v1/content/authors", get(content::authors))
        .route("/api/v1/admin/articles", post(admin::create))
        .route("/api/v1/admin/articles/{id}", get(admin::show).patch(admin::update))
        .route("/api/v1/admin/articles/{id}/schedule", post(admin::schedule))
        .route("/api/v1/admin/articles/{id}/publish", post(admin::publish))
        .route("/api/v1/admin/articles/{id}/unpublish", post(admin::unpublish))
        .route("/api/v1/admin/images", post(admin::upload_image))
        .layer(DefaultBodyLimit::max(
            crate::newsroom::articles::save::MAX_PICTURE_BYTES + 1024 * 1024,
        ))
}

/// A JSON body whose problems come back as readable problem+json errors.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(AppError::BadRequest(format!(
                "The JSON body is not valid: {}",
                rejection.body_text()
            ))),
        }
    }
}
