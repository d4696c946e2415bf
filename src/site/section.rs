//! A section front, `/{section}`; where no section has the slug, the
//! newsroom's page of that name (About, Privacy…).

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;

use crate::articles::StoryFilter;
use crate::domain::Timestamp;
use crate::error::AppResult;
use crate::fronts::{self, FrontLayout};
use crate::state::AppState;
use crate::web::{PageNumber, Rendered};

use super::listing::{self, Listing};
use super::{Section, pages, queries};

pub async fn show(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    page: PageNumber,
    headers: HeaderMap,
) -> AppResult<Response> {
    let key = format!("/{slug}{}", page.key_suffix());
    state
        .pages
        .serve(key, &headers, async {
            let Some(section) = queries::section_by_slug(&state.db, &slug).await? else {
                return pages::show::render(&state, &slug).await;
            };
            let front = fronts::store::published(&state.db, &format!("/{slug}")).await?;
            let fresh_until = front.as_ref().and_then(|f| f.next_expiry(Timestamp::now()));
            Ok(draw(&state, section, page, front.map(|f| (f, false)))
                .await?
                .fresh_until(fresh_until))
        })
        .await
}

/// A section's page `page`, under its edited front if it has one (or a draft to preview).
pub async fn draw(
    state: &AppState,
    section: Section,
    page: PageNumber,
    front: Option<(FrontLayout, bool)>,
) -> AppResult<Rendered> {
    let listing = Listing {
        filter: StoryFilter::Section(section.id),
        path: format!("/{}", section.slug),
        kicker: "Section",
        heading: section.name,
        intro: section.description,
        profile: None,
        has_feeds: true,
        front,
    };
    listing::render(state, listing, page).await
}
