//! /search (a page) and /search.json: the query, filters, results with
//! highlighted snippets, pages, and a helpful answer when nothing matches.

use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::Html;
use serde::{Deserialize, Serialize};

use crate::domain::Timestamp;
use crate::error::AppResult;
use crate::site::Section;
use crate::state::AppState;
use crate::web::html::SafeHtml;
use crate::web::{Layout, TimeView};

use super::find::{self, Filters, MAX_PAGE};
use super::terms;

/// Longer queries are cut here (a search box is not a document).
const MAX_QUERY_CHARS: usize = 200;

#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    section: String,
    #[serde(default)]
    author: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    page: String,
}

pub struct Hit {
    pub headline: String,
    pub url: String,
    pub section: String,
    pub time: TimeView,
    pub snippet: SafeHtml,
}

struct Outcome {
    query: String,
    hits: Vec<Hit>,
    page: i64,
    more: bool,
    /// The query had words to look for.
    searched: bool,
}

/// A date from a date field, at the start of that day in the site's zone.
fn day_start(state: &AppState, text: &str, plus_days: i64) -> Option<Timestamp> {
    let date = jiff::civil::Date::strptime("%Y-%m-%d", text.trim()).ok()?;
    let zoned = date.to_zoned_datetime(state.site.timezone()).ok()?;
    let zoned = zoned.checked_add(jiff::Span::new().days(plus_days)).ok()?;
    Some(Timestamp::from_micros(zoned.timestamp().as_microsecond()))
}

async fn search(state: &AppState, query: &SearchQuery) -> AppResult<Outcome> {
    let text: String = query.q.chars().take(MAX_QUERY_CHARS).collect();
    let terms = terms::parse(&text);
    let page = query.page.trim().parse::<i64>().unwrap_or(1).clamp(1, MAX_PAGE);
    if terms.is_empty() {
        return Ok(Outcome {
            query: text,
            hits: Vec::new(),
            page,
            more: false,
            searched: false,
        });
    }
    let filters = Filters {
        section: Some(query.section.trim().to_owned()).filter(|s| !s.is_empty()),
        author: Some(query.author.trim().to_owned()).filter(|s| !s.is_empty()),
        from: day_start(state, &query.from, 0),
        to: day_start(state, &query.to, 1),
    };
    let (rows, more) = find::run(&state.db, &terms, &filters, page).await?;
    let hits = rows
        .into_iter()
        .map(|row| Hit {
            url: row.path(),
            snippet: row.snippet_html(),
            time: TimeView::long(&state.site, row.published_at),
            section: row.section_name,
            headline: row.headline,
        })
        .collect();
    Ok(Outcome {
        query: text,
        hits,
        page,
        more,
        searched: true,
    })
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    layout: Layout,
    query: String,
    section: String,
    author: String,
    from: String,
    to: String,
    sections: Vec<Section>,
    hits: Vec<Hit>,
    page: i64,
    searched: bool,
    previous: Option<String>,
    next: Option<String>,
}

fn page_link(query: &SearchQuery, page: i64) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    out.append_pair("q", &query.q);
    for (name, value) in [
        ("section", &query.section),
        ("author", &query.author),
        ("from", &query.from),
        ("to", &query.to),
    ] {
        if !value.is_empty() {
            out.append_pair(name, value);
        }
    }
    out.append_pair("page", &page.to_string());
    format!("/search?{}", out.finish())
}

pub async fn show(State(state): State<AppState>, Query(query): Query<SearchQuery>) -> AppResult<Html<String>> {
    let outcome = search(&state, &query).await?;
    let title = if outcome.searched {
        format!("Search: {}", outcome.query)
    } else {
        "Search".to_owned()
    };
    let mut layout = Layout::load(&state, &title, "Search every story.", "/search").await?;
    layout.canonical = None;
    layout.noindex = true;
    let page = SearchPage {
        layout,
        previous: (outcome.page > 1).then(|| page_link(&query, outcome.page - 1)),
        next: (outcome.more && outcome.page < MAX_PAGE).then(|| page_link(&query, outcome.page + 1)),
        query: outcome.query,
        section: query.section.clone(),
        author: query.author.clone(),
        from: query.from.clone(),
        to: query.to.clone(),
        sections: crate::site::queries::sections(&state.db).await?,
        hits: outcome.hits,
        page: outcome.page,
        searched: outcome.searched,
    };
    Ok(Html(page.render()?))
}

#[derive(Serialize)]
pub struct JsonHit {
    headline: String,
    url: String,
    section: String,
    published: String,
    snippet_html: String,
}

#[derive(Serialize)]
pub struct JsonResults {
    query: String,
    page: i64,
    next_page: Option<i64>,
    results: Vec<JsonHit>,
}

pub async fn json(State(state): State<AppState>, Query(query): Query<SearchQuery>) -> AppResult<Json<JsonResults>> {
    let outcome = search(&state, &query).await?;
    Ok(Json(JsonResults {
        next_page: (outcome.more && outcome.page < MAX_PAGE).then_some(outcome.page + 1),
        query: outcome.query,
        page: outcome.page,
        results: outcome
            .hits
            .into_iter()
            .map(|h| JsonHit {
                headline: h.headline,
                url: state.site.url(&h.url),
                section: h.section,
                published: h.time.iso,
                snippet_html: h.snippet.as_str().to_owned(),
            })
            .collect(),
    }))
}
