//! A section front: `/{section}`.

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
    listing::serve(&state, &headers, &format!("/{slug}"), page, async {
        let section = queries::section_by_slug(&state.db, &slug)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(Listing {
            filter: StoryFilter::Section(section.id),
            path: format!("/{}", section.slug),
            kicker: "Section",
            heading: section.name,
            intro: section.description,
            profile: None,
            has_feeds: true,
        })
    })
    .await
}
