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
    listing::serve(&state, &headers, &format!("/tag/{slug}"), page, async {
        let tag = queries::tag_by_slug(&state.db, &slug)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(Listing {
            filter: StoryFilter::Tag(tag.id),
            path: format!("/tag/{}", tag.slug),
            kicker: "Topic",
            intro: format!("The latest news and analysis on {}.", tag.name),
            heading: tag.name,
            profile: None,
            has_feeds: false,
            front: None,
        })
    })
    .await
}
