//! The homepage: the front the newsroom published, or until it does, the
//! lead story, what is live, the latest news, then each section's newest.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use crate::articles::{StoryFilter, queries};
use crate::domain::Timestamp;
use crate::error::AppResult;
use crate::fronts::{self, FilledContainer, FrontLayout, Kind};
use crate::state::AppState;
use crate::web::{Layout, Rendered};

use super::queries as site_queries;

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub layout: Layout,
    pub containers: Vec<FilledContainer>,
    pub newsletter: Option<crate::newsletters::pages::Offer>,
    /// Drawn for an editor before publishing: a banner says so.
    pub preview: bool,
}

pub async fn show(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    state.pages.serve("/".into(), &headers, render(&state)).await
}

/// The layout readers see at `/`.
pub async fn layout(state: &AppState) -> AppResult<FrontLayout> {
    Ok(match fronts::store::published(&state.db, "/").await? {
        Some(layout) => layout,
        None => FrontLayout::automatic_home(&site_queries::sections(&state.db).await?),
    })
}

async fn render(state: &AppState) -> AppResult<Rendered> {
    let front = layout(state).await?;
    let now = Timestamp::now();
    let last_change = queries::last_change(&state.db, StoryFilter::All).await?;
    let page = draw(state, &front, now, false).await?;
    Ok(page.last_modified(last_change).fresh_until(front.next_expiry(now)))
}

/// The homepage drawn from `front` (published, or a draft to preview).
pub async fn draw(state: &AppState, front: &FrontLayout, now: Timestamp, preview: bool) -> AppResult<Rendered> {
    let mut layout = Layout::load(state, "", &state.site.tagline(), "/").await?;
    layout.noindex = preview;
    let page = HomePage {
        layout,
        containers: fronts::fill(&state.db, &state.site, front, now).await?,
        newsletter: crate::newsletters::pages::offer_for(&state.db, None).await?,
        preview,
    };
    Ok(Rendered::html(page.render()?))
}
