//! A topic page: `/tag/{slug}`.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;

use crate::articles::StoryFilter;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::PageNumber;

use super::listing::{self, Listing};
use super::queries;

pub async fn show(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    page: PageNumber,
    headers: HeaderMap,
) -> AppResult<Response> {
    let key = format!("/tag/{slug}{}", page.key_suffix());
    state
        .pages
        .serve(key, &headers, async {
            let tag = queries::tag_by_slug(&state.db, &slug)
                .await?
                .ok_or(AppError::NotFound)?;
            let path = format!("/tag/{}", tag.slug);
            let listing = Listing {
                filter: StoryFilter::Tag(tag.id),
                path: &path,
                kicker: "Topic",
                intro: format!("The latest news and analysis on {}.", tag.name),
                heading: tag.name,
                profile: None,
                has_feeds: false,
            };
            listing::render(&state, listing, page).await
        })
        .await
}
