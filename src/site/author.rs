//! An author's page: `/author/{slug}` with their bio, photo and stories.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;

use crate::articles::StoryFilter;
use crate::error::{AppError, AppResult};
use crate::media::image_view;
use crate::state::AppState;
use crate::web::PageNumber;

use super::listing::{self, Listing, Profile};
use super::queries;

pub async fn show(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    page: PageNumber,
    headers: HeaderMap,
) -> AppResult<Response> {
    listing::serve(&state, &headers, &format!("/author/{slug}"), page, async {
        let author = queries::author_by_slug(&state.db, &slug)
            .await?
            .ok_or(AppError::NotFound)?;
        let photo = match author.photo_id {
            Some(id) => image_view(&state.db, id).await?,
            None => None,
        };
        Ok(Listing {
            filter: StoryFilter::Author(author.id),
            path: author.path(),
            kicker: "Author",
            heading: author.name,
            intro: author.bio,
            profile: Some(Profile {
                photo,
                job_title: author.job_title,
            }),
            has_feeds: false,
            front: None,
        })
    })
    .await
}
