//! Live blogs: an article kind whose page carries timestamped entries,
//! newest first, that stream to open pages (`live`), with the pinned entry
//! and key events on top (`view`), posted from the newsroom's live desk
//! (`desk`, `write`), listed in the blog's own feed, found by search, and
//! announced by alert to followers when a key event is posted.

pub mod desk;
pub mod entries;
pub mod live;
pub mod view;
pub mod write;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    let desk = Router::new()
        .route("/newsroom/articles/{id}/live", get(desk::show).post(desk::post))
        .route("/newsroom/articles/{id}/live/end", post(desk::end))
        .route(
            "/newsroom/articles/{id}/live/{entry}",
            get(desk::edit_form).post(desk::update),
        )
        .route("/newsroom/articles/{id}/live/{entry}/pin", post(desk::pin))
        .route("/newsroom/articles/{id}/live/{entry}/delete", post(desk::delete))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    Router::new()
        .route("/live/entries/{article}", get(live::stream))
        .route("/{section}/{slug}/entries/{entry}", get(view::open_entry))
        .merge(desk)
}
