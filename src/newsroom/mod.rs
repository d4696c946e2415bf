//! The newsroom (`/newsroom`): where staff sign in, write, edit, schedule,
//! publish and correct articles, manage pictures, sections, tags, authors and
//! staff, and read the audit log. Every route checks the signed-in person's
//! role (see `accounts::Permission`).

mod account;
mod api_keys;
pub mod articles;
mod audit_log;
mod authors;
mod images;
pub mod layout;
mod login;
mod sections;
mod staff;
mod tags;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::state::AppState;

use self::articles::{actions, editor, history, list, preview, save};

pub use login::secure as secure_cookies;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/newsroom", get(list::show))
        .route("/newsroom/login", get(login::form).post(login::submit))
        .route("/newsroom/logout", post(login::logout))
        .route("/newsroom/account", get(account::show))
        .route("/newsroom/account/sessions", post(account::end_session))
        .route(
            "/newsroom/account/tokens",
            get(api_keys::tokens).post(api_keys::create_token),
        )
        .route("/newsroom/account/tokens/{id}/revoke", post(api_keys::revoke_token))
        .route("/newsroom/articles/new", get(editor::new))
        .route("/newsroom/articles", post(save::create))
        .route("/newsroom/articles/preview", post(preview::show))
        .route("/newsroom/articles/{id}", post(save::update))
        .route("/newsroom/articles/{id}/edit", get(editor::edit))
        .route("/newsroom/articles/{id}/history", get(history::list))
        .route("/newsroom/articles/{id}/history/{version}", get(history::show))
        .route(
            "/newsroom/articles/{id}/history/{version}/restore",
            post(history::restore),
        )
        .route("/newsroom/articles/{id}/notes", post(actions::add_note))
        .route("/newsroom/articles/{id}/unpublish", post(actions::unpublish))
        .route("/newsroom/images", get(images::show).post(images::upload))
        .route("/newsroom/sections", get(sections::show).post(sections::create))
        .route("/newsroom/sections/{id}", post(sections::update))
        .route("/newsroom/tags", get(tags::show))
        .route("/newsroom/tags/{id}", post(tags::rename))
        .route("/newsroom/authors", get(authors::show).post(authors::create))
        .route("/newsroom/authors/{id}", post(authors::update))
        .route("/newsroom/staff", get(staff::show))
        .route("/newsroom/staff/invite", post(staff::invite))
        .route("/newsroom/staff/{id}", post(staff::update))
        .route("/newsroom/invite/{token}", get(staff::accept_form).post(staff::accept))
        .route("/newsroom/audit", get(audit_log::show))
        .route(
            "/newsroom/api-keys",
            get(api_keys::content_keys).post(api_keys::create_content_key),
        )
        .route("/newsroom/api-keys/{id}/revoke", post(api_keys::revoke_content_key))
        // Pictures come through here; the upload reader enforces its own, named limit.
        .layer(DefaultBodyLimit::max(save::MAX_PICTURE_BYTES + 1024 * 1024))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}
