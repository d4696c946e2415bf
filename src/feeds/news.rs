//! The Google News sitemap: articles published in the last 48 hours.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use crate::articles::queries;
use crate::domain::Timestamp;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::Rendered;
use crate::web::page_cache::XML;

const WINDOW_SECS: i64 = 48 * 3600;

#[derive(Template)]
#[template(path = "feeds/news_sitemap.xml")]
struct NewsSitemap {
    publication: String,
    language: String,
    articles: Vec<NewsEntry>,
}

struct NewsEntry {
    loc: String,
    title: String,
    published: String,
}

pub async fn sitemap(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    // The window moves with the clock, so this page is cached per hour at most.
    let hour = Timestamp::now().as_seconds() / 3600;
    state
        .pages
        .serve(format!("/news-sitemap.xml#{hour}"), &headers, async {
            let since = Timestamp::now().plus_seconds(-WINDOW_SECS);
            let entries = queries::published_since(&state.db, since).await?;
            let page = NewsSitemap {
                publication: state.site.name(),
                // Google wants an ISO 639 code: "en" from "en-GB".
                language: state.site.language().split('-').next().unwrap_or("en").to_lowercase(),
                articles: entries
                    .iter()
                    .map(|e| NewsEntry {
                        loc: state.site.url(&e.path()),
                        title: e.headline.clone(),
                        published: e.published_at.rfc3339(),
                    })
                    .collect(),
            };
            Ok(Rendered::new(XML, page.render()?))
        })
        .await
}
