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
pub mod rows;
pub mod text;
pub mod view;
pub mod write;

use axum::http::{HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::http::Access::{Public, Reader, ReaderKeepingForm};
use crate::http::Routes;
use crate::state::AppState;

pub fn routes(state: &AppState) -> Routes {
    Routes::new(state)
        .get("/{section}/{slug}/comments", Public, forum::forum)
        .post("/comments", ReaderKeepingForm, forum::post)
        .get("/comments/{id}", Public, forum::thread)
        .post("/comments/{id}/like", Reader, actions::like)
        .post("/comments/{id}/delete", Reader, actions::delete)
        .get("/comments/{id}/edit", Reader, actions::edit_form)
        .post("/comments/{id}/edit", Reader, actions::edit)
        .get("/comments/{id}/report", Reader, actions::report_form)
        .post("/comments/{id}/report", Reader, actions::report)
        .get("/live/comments/{article}", Public, live::stream)
        .get("/readers/{id}", Public, profile::show)
        .post("/readers/{id}/follow", Reader, profile::follow)
        .post("/readers/{id}/unfollow", Reader, profile::unfollow)
        .get("/account/notifications", Reader, notifications::inbox)
        .post("/account/notifications/read", Reader, notifications::mark_read)
        // Drawn per reader, so never stored by a browser or CDN.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        ))
}
