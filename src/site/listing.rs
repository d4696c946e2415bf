//! The page shape shared by section, tag and author pages: a heading, an
//! introduction and a paginated list of stories.

use std::future::Future;

use askama::Template;
use axum::http::HeaderMap;
use axum::response::Response;

use crate::articles::{StoryCard, StoryFilter, queries};
use crate::error::AppResult;
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

async fn render(state: &AppState, listing: Listing, page: PageNumber) -> AppResult<Rendered> {
    let total = queries::count(&state.db, listing.filter).await?;
    let pagination = Pagination::new(&listing.path, page, total)?;
    let stories = queries::stories(&state.db, listing.filter, PAGE_SIZE, page.offset()).await?;
    let last_change = queries::last_change(&state.db, listing.filter).await?;
    let title = if page.0 > 1 {
        format!("{} – page {} of {}", listing.heading, page.0, pagination.last)
    } else {
        listing.heading.clone()
    };
    let canonical_path = format!("{}{}", listing.path, page.key_suffix());
    let mut layout = Layout::load(state, &title, &listing.intro, &canonical_path).await?;
    if listing.has_feeds {
        layout = layout.with_feeds(&format!("{} – {}", state.site.name, listing.heading), &listing.path);
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
    };
    Ok(Rendered::html(page.render()?).last_modified(last_change))
}
