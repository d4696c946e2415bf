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

use axum::http::{HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::accounts::Permission;
use crate::http::Access::{Public, Staff};
use crate::http::Routes;
use crate::state::AppState;

pub fn routes(state: &AppState) -> Routes {
    let desk = Routes::new(state)
        .get(
            "/newsroom/articles/{id}/live",
            Staff(Permission::WriteArticles),
            desk::show,
        )
        .post(
            "/newsroom/articles/{id}/live",
            Staff(Permission::WriteArticles),
            desk::post,
        )
        .post(
            "/newsroom/articles/{id}/live/end",
            Staff(Permission::PublishArticles),
            desk::end,
        )
        .get(
            "/newsroom/articles/{id}/live/{entry}",
            Staff(Permission::WriteArticles),
            desk::edit_form,
        )
        .post(
            "/newsroom/articles/{id}/live/{entry}",
            Staff(Permission::WriteArticles),
            desk::update,
        )
        .post(
            "/newsroom/articles/{id}/live/{entry}/pin",
            Staff(Permission::PublishArticles),
            desk::pin,
        )
        .post(
            "/newsroom/articles/{id}/live/{entry}/delete",
            Staff(Permission::WriteArticles),
            desk::delete,
        )
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    Routes::new(state)
        .get("/live/entries/{article}", Public, live::stream)
        .get("/{section}/{slug}/entries/{entry}", Public, view::open_entry)
        .merge(desk)
}
