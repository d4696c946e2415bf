//! A published page as readers see it: `/{slug}` where no section is.

use askama::Template;

use crate::articles::body;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{Layout, Rendered, SafeHtml};

#[derive(Template)]
#[template(path = "page.html")]
struct StandingPage {
    layout: Layout,
    title: String,
    body: Vec<SafeHtml>,
    updated: String,
}

/// The page at `/{slug}`, or 404 when there is none (or it is not published).
pub async fn render(state: &AppState, slug: &str) -> AppResult<Rendered> {
    let page = super::by_slug(&state.db, slug)
        .await?
        .filter(|p| p.published)
        .ok_or(AppError::NotFound)?;
    let layout = Layout::load(state, &page.title, &page.description, &page.path()).await?;
    let html = StandingPage {
        layout,
        body: body::blocks(&page.body),
        updated: state.site.short_date(page.updated_at),
        title: page.title,
    }
    .render()?;
    Ok(Rendered::html(html).last_modified(Some(page.updated_at)))
}
