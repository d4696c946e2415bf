//! Search: every published story by headline, standfirst and body, kept
//! fresh by the database itself (FTS5 on SQLite, a tsvector on PostgreSQL,
//! both maintained by triggers in the same transaction as the change).

pub mod find;
pub mod page;
pub mod terms;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::get;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/search", get(page::show))
        .route("/search.json", get(page::json))
        // Fresh within seconds of publishing, so kept briefly at most.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=5"),
        ))
}
