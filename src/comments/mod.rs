//! The commenting forum: threaded comments under each article, likes,
//! reports, following readers, notifications, and live updates to open pages.

pub mod actions;
pub mod filters;
pub mod forum;
pub mod live;
pub mod model;
pub mod notifications;
pub mod profile;
pub mod queries;
pub mod text;
pub mod view;
pub mod write;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/{section}/{slug}/comments", get(forum::forum))
        .route("/comments", post(forum::post))
        .route("/comments/{id}", get(forum::thread))
        .route("/comments/{id}/like", post(actions::like))
        .route("/comments/{id}/delete", post(actions::delete))
        .route("/comments/{id}/edit", get(actions::edit_form).post(actions::edit))
        .route("/comments/{id}/report", get(actions::report_form).post(actions::report))
        .route("/live/comments/{article}", get(live::stream))
        .route("/readers/{id}", get(profile::show))
        .route("/readers/{id}/follow", post(profile::follow))
        .route("/readers/{id}/unfollow", post(profile::unfollow))
        .route("/account/notifications", get(notifications::inbox))
        .route("/account/notifications/read", post(notifications::mark_read))
        // Drawn per reader, so never stored by a browser or CDN.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        ))
}
