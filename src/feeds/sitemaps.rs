//! sitemap.xml: an index pointing at a sitemap of pages and at the articles
//! in chunks (a sitemap may hold at most 50,000 addresses).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;

use crate::articles::{StoryFilter, queries};
use crate::domain::Timestamp;
use crate::error::{AppError, AppResult};
use crate::site;
use crate::state::AppState;
use crate::web::Rendered;
use crate::web::page_cache::XML;

const ARTICLES_PER_SITEMAP: i64 = 10_000;

#[derive(Template)]
#[template(path = "feeds/sitemap_index.xml")]
struct SitemapIndex {
    sitemaps: Vec<Entry>,
}

#[derive(Template)]
#[template(path = "feeds/sitemap.xml")]
struct Sitemap {
    urls: Vec<Entry>,
}

struct Entry {
    loc: String,
    lastmod: Option<String>,
}

pub async fn index(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    state
        .pages
        .serve("/sitemap.xml".into(), &headers, async {
            let total = queries::count(&state.db, StoryFilter::All).await?;
            let last_change = queries::last_change(&state.db, StoryFilter::All).await?;
            let lastmod = last_change.map(Timestamp::rfc3339);
            let chunks = ((total + ARTICLES_PER_SITEMAP - 1) / ARTICLES_PER_SITEMAP).max(1);
            let mut sitemaps = vec![Entry {
                loc: state.site.url("/sitemaps/pages.xml"),
                lastmod: lastmod.clone(),
            }];
            sitemaps.extend((1..=chunks).map(|n| Entry {
                loc: state.site.url(&format!("/sitemaps/articles-{n}.xml")),
                lastmod: lastmod.clone(),
            }));
            Ok(Rendered::new(XML, SitemapIndex { sitemaps }.render()?).last_modified(last_change))
        })
        .await
}

/// `/sitemaps/pages.xml` or `/sitemaps/articles-N.xml`.
pub async fn part(State(state): State<AppState>, Path(file): Path<String>, headers: HeaderMap) -> AppResult<Response> {
    let chunk = match file.as_str() {
        "pages.xml" => None,
        other => Some(
            other
                .strip_prefix("articles-")
                .and_then(|rest| rest.strip_suffix(".xml"))
                .and_then(|n| n.parse::<i64>().ok())
                .filter(|n| *n >= 1)
                .ok_or(AppError::NotFound)?,
        ),
    };
    state
        .pages
        .serve(format!("/sitemaps/{file}"), &headers, async {
            let urls = match chunk {
                None => pages(&state).await?,
                Some(n) => {
                    let entries =
                        queries::sitemap_page(&state.db, ARTICLES_PER_SITEMAP, (n - 1) * ARTICLES_PER_SITEMAP).await?;
                    if entries.is_empty() && n > 1 {
                        return Err(AppError::NotFound);
                    }
                    entries
                        .iter()
                        .map(|e| Entry {
                            loc: state.site.url(&e.path()),
                            lastmod: Some(e.updated_at.rfc3339()),
                        })
                        .collect()
                }
            };
            Ok(Rendered::new(XML, Sitemap { urls }.render()?))
        })
        .await
}

async fn pages(state: &AppState) -> AppResult<Vec<Entry>> {
    let site = &state.site;
    let entry = |path: String| Entry {
        loc: site.url(&path),
        lastmod: None,
    };
    let mut urls = vec![entry("/".into())];
    urls.extend(
        site::queries::sections(&state.db)
            .await?
            .into_iter()
            .map(|s| entry(format!("/{}", s.slug))),
    );
    urls.extend(
        site::queries::published_authors(&state.db)
            .await?
            .into_iter()
            .map(|a| entry(a.path())),
    );
    urls.extend(site::pages::published(&state.db).await?.into_iter().map(|p| Entry {
        loc: site.url(&p.path()),
        lastmod: Some(p.updated_at.rfc3339()),
    }));
    Ok(urls)
}
