//! The page shape shared by section, tag and author pages: a heading, an
//! introduction and a paginated list of stories.

use std::future::Future;

use askama::Template;
use axum::http::HeaderMap;
use axum::response::Response;

use crate::articles::{StoryCard, StoryFilter, queries};
use crate::domain::Timestamp;
use crate::error::AppResult;
use crate::fronts::{self, FilledContainer, FrontLayout, Kind};
use crate::media::ImageView;
use crate::state::AppState;
use crate::web::paging::PAGE_SIZE;
use crate::web::{Layout, PageNumber, Pagination, Rendered};

#[derive(Template)]
#[template(path = "listing.html")]
struct ListingPage {
    layout: Layout,
    kicker: &'static str,
    heading: String,
    intro: String,
    profile: Option<Profile>,
    stories: Vec<StoryCard>,
    pagination: Pagination,
    /// A section's front offers its own newsletter (or the first).
    newsletter: Option<crate::newsletters::pages::Offer>,
    /// An edited section front's containers, above the list (first page only).
    containers: Vec<FilledContainer>,
    preview: bool,
}

/// An author's photo and job title, shown above their stories.
pub struct Profile {
    pub photo: Option<ImageView>,
    pub job_title: String,
}

pub struct Listing {
    pub filter: StoryFilter,
    /// The listing's own address, e.g. `/world`.
    pub path: String,
    pub kicker: &'static str,
    pub heading: String,
    pub intro: String,
    pub profile: Option<Profile>,
    /// Whether the list has its own RSS and Atom feeds at `{path}/rss.xml`.
    pub has_feeds: bool,
    /// An edited front drawn above the first page (a section's), and whether it is a preview.
    pub front: Option<(FrontLayout, bool)>,
}

/// Serves page `page` of a listing at `path`; `describe` looks up what the
/// listing is (and fails with 404 when there is no such section, tag or author).
pub async fn serve(
    state: &AppState,
    headers: &HeaderMap,
    path: &str,
    page: PageNumber,
    describe: impl Future<Output = AppResult<Listing>>,
) -> AppResult<Response> {
    let key = format!("{path}{}", page.key_suffix());
    state
        .pages
        .serve(key, headers, async { render(state, describe.await?, page).await })
        .await
}

pub async fn render(state: &AppState, listing: Listing, page: PageNumber) -> AppResult<Rendered> {
    let total = queries::count(&state.db, listing.filter).await?;
    let pagination = Pagination::new(&listing.path, page, total)?;
    let mut stories = queries::stories(&state.db, listing.filter, PAGE_SIZE, page.offset()).await?;
    let (containers, preview) = match (&listing.front, page.0) {
        (Some((front, preview)), 1) => (
            fronts::fill(&state.db, &state.site, front, Timestamp::now()).await?,
            *preview,
        ),
        _ => (Vec::new(), false),
    };
    // A story the front above shows is not listed again under it.
    let shown: std::collections::HashSet<&str> = containers
        .iter()
        .flat_map(|c| c.cards.iter().map(|card| card.url.as_str()))
        .collect();
    stories.retain(|s| !shown.contains(s.path().as_str()));
    let last_change = queries::last_change(&state.db, listing.filter).await?;
    let title = if page.0 > 1 {
        format!("{} – page {} of {}", listing.heading, page.0, pagination.last)
    } else {
        listing.heading.clone()
    };
    let canonical_path = format!("{}{}", listing.path, page.key_suffix());
    let mut layout = Layout::load(state, &title, &listing.intro, &canonical_path).await?;
    layout.noindex = preview;
    if listing.has_feeds {
        layout = layout.with_feeds(&format!("{} – {}", state.site.name(), listing.heading), &listing.path);
    }
    let newsletter = match listing.filter {
        StoryFilter::Section(_) if page.0 == 1 => {
            crate::newsletters::pages::offer_for(&state.db, Some(listing.path.trim_start_matches('/'))).await?
        }
        _ => None,
    };
    let page = ListingPage {
        newsletter,
        layout,
        kicker: listing.kicker,
        heading: listing.heading,
        intro: listing.intro,
        profile: listing.profile,
        stories: stories.iter().map(|s| StoryCard::new(&state.site, s)).collect(),
        pagination,
        containers,
        preview,
    };
    Ok(Rendered::html(page.render()?).last_modified(last_change))
}
