//! The HTTP APIs under `/api/v1`: a read-only Content API (key auth) and an
//! Admin API (token auth, acting as a staff member), JSON in and out, errors
//! as `application/problem+json` naming the failing field. The OpenAPI
//! document is served at `/api/v1/openapi.json`.

mod admin;
pub mod auth;
mod content;
mod openapi;

use axum::extract::{DefaultBodyLimit, FromRequest, Request};
use serde::de::DeserializeOwned;

use crate::accounts::Permission;
use crate::error::AppError;
use crate::http::Access::{ContentKey, Public, Token};
use crate::http::Routes;
use crate::state::AppState;

pub fn routes(state: &AppState) -> Routes {
    Routes::new(state)
        .get("/api/v1/openapi.json", Public, openapi::document)
        .get("/api/v1/content/articles", ContentKey, content::articles)
        .get("/api/v1/content/articles/{slug}", ContentKey, content::article)
        .get("/api/v1/content/sections", ContentKey, content::sections)
        .get("/api/v1/content/tags", ContentKey, content::tags)
        .get("/api/v1/content/authors", ContentKey, content::authors)
        .post(
            "/api/v1/admin/articles",
            Token(Permission::WriteArticles),
            admin::create,
        )
        .get(
            "/api/v1/admin/articles/{id}",
            Token(Permission::WriteArticles),
            admin::show,
        )
        .patch(
            "/api/v1/admin/articles/{id}",
            Token(Permission::WriteArticles),
            admin::update,
        )
        .post(
            "/api/v1/admin/articles/{id}/schedule",
            Token(Permission::PublishArticles),
            admin::schedule,
        )
        .post(
            "/api/v1/admin/articles/{id}/publish",
            Token(Permission::PublishArticles),
            admin::publish,
        )
        .post(
            "/api/v1/admin/articles/{id}/unpublish",
            Token(Permission::PublishArticles),
            admin::unpublish,
        )
        .post(
            "/api/v1/admin/images",
            Token(Permission::WriteArticles),
            admin::upload_image,
        )
        .layer(DefaultBodyLimit::max(crate::media::MAX_PICTURE_BYTES + 1024 * 1024))
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
