//! The homepage: the lead story, the latest news, then each section's newest stories.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use crate::articles::{StoryCard, StoryFilter, queries};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::{Layout, Rendered};

use super::queries as site_queries;

const LATEST: i64 = 6;
const PER_SECTION: i64 = 4;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    lead: Option<StoryCard>,
    latest: Vec<StoryCard>,
    sections: Vec<SectionBlock>,
    newsletter: Option<crate::newsletters::pages::Offer>,
}

struct SectionBlock {
    name: String,
    url: String,
    stories: Vec<StoryCard>,
}

pub async fn show(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    state.pages.serve("/".into(), &headers, render(&state)).await
}

async fn render(state: &AppState) -> AppResult<Rendered> {
    let db = &state.db;
    let site = &state.site;
    let lead = queries::lead(db).await?;
    let lead_id = lead.as_ref().map(|s| s.id);
    let latest = queries::stories(db, StoryFilter::All, LATEST + 1, 0)
        .await?
        .iter()
        .filter(|s| Some(s.id) != lead_id)
        .take(LATEST as usize)
        .map(|s| StoryCard::new(site, s))
        .collect();
    // One more than shown per section, so dropping the lead still leaves enough.
    let per_section = queries::latest_per_section(db, PER_SECTION + 1).await?;
    let sections = site_queries::sections(db)
        .await?
        .into_iter()
        .map(|section| SectionBlock {
            url: format!("/{}", section.slug),
            stories: per_section
                .iter()
                .filter(|s| s.section_slug == section.slug && Some(s.id) != lead_id)
                .take(PER_SECTION as usize)
                .map(|s| StoryCard::new(site, s))
                .collect(),
            name: section.name,
        })
        .filter(|block| !block.stories.is_empty())
        .collect();
    let last_change = queries::last_change(db, StoryFilter::All).await?;
    let layout = Layout::load(state, "", &site.tagline, "/").await?;
    let page = HomePage {
        layout,
        lead: lead.as_ref().map(|s| StoryCard::new(site, s)),
        latest,
        sections,
        newsletter: crate::newsletters::pages::offer_for(db, None).await?,
    };
    Ok(Rendered::html(page.render()?).last_modified(last_change))
}
