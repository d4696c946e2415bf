//! Search: every published story by headline, standfirst and body, kept
//! fresh by the database itself (FTS5 on SQLite, a tsvector on PostgreSQL,
//! both maintained by triggers in the same transaction as the change).

pub mod find;
pub mod page;
pub mod terms;

use axum::http::{HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::http::Access::Public;
use crate::http::Routes;
use crate::state::AppState;

pub fn routes(state: &AppState) -> Routes {
    Routes::new(state)
        .get("/search", Public, page::show)
        .get("/search.json", Public, page::json)
        // Fresh within seconds of publishing, so kept briefly at most.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=5"),
        ))
}
