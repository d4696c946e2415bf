//! robots.txt: everything public may be crawled; the sitemaps are named.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use crate::error::AppResult;
use crate::state::AppState;
use crate::web::Rendered;
use crate::web::page_cache::TEXT;

pub async fn show(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    state
        .pages
        .serve("/robots.txt".into(), &headers, async {
            let site = &state.site;
            let body = format!(
                "User-agent: *\nAllow: /\nDisallow: /newsroom/\nDisallow: /api/\nDisallow: /account/\n\nSitemap: {}\nSitemap: {}\n",
                site.url("/sitemap.xml"),
                site.url("/news-sitemap.xml"),
            );
            Ok(Rendered::new(TEXT, body))
        })
        .await
}
