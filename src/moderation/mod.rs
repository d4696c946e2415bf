//! Moderation (moderators and admins, in the newsroom): queues of reported
//! and held comments and recent decisions, approve / reject / feature with
//! keyboard shortcuts, the filters that hold comments, and sanctions on
//! readers. Every decision is written to the audit log.

mod filters;
mod queue;
mod readers;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/newsroom/moderation", get(queue::show))
        .route("/newsroom/moderation/comments/{id}/{decision}", post(queue::decide))
        .route("/newsroom/moderation/filters", get(filters::show).post(filters::save))
        .route("/newsroom/moderation/readers/{id}", get(readers::show))
        .route("/newsroom/moderation/readers/{id}/sanction", post(readers::sanction))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}
