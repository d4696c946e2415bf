//! Fronts (editors): the homepage and each section's front, built from
//! containers; stories are placed in slots by choosing or dragging them,
//! with the front's own headline, standfirst, picture and kicker; a draft is
//! previewed before it is published.

mod editor;
mod form;

pub use editor::{act, edit, preview};

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;

use crate::accounts::CurrentStaff;
use crate::error::{AppError, AppResult};
use crate::fronts::store;
use crate::site::{Section, queries};
use crate::state::AppState;

use super::layout::{Done, NewsroomLayout};

/// A front the newsroom can edit: the homepage (`home`) or a section's (its slug).
pub struct Front {
    pub key: String,
    /// Its public address, which is also how it is stored.
    pub path: String,
    pub name: String,
    pub section: Option<Section>,
}

impl Front {
    pub async fn find(state: &AppState, key: &str) -> AppResult<Self> {
        if key == "home" {
            return Ok(Self {
                key: key.into(),
                path: "/".into(),
                name: "Homepage".into(),
                section: None,
            });
        }
        let section = queries::section_by_slug(&state.db, key)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(Self {
            key: key.into(),
            path: format!("/{}", section.slug),
            name: format!("{} front", section.name),
            section: Some(section),
        })
    }
}

#[derive(Template)]
#[template(path = "newsroom/fronts.html")]
struct FrontsList {
    layout: NewsroomLayout,
    /// (key, name, public path, what state it is in)
    fronts: Vec<(String, String, String, &'static str)>,
}

pub async fn list(
    State(state): State<AppState>,
    who: CurrentStaff,
    Query(done): Query<Done>,
) -> AppResult<Html<String>> {
    let mut keys = vec![("home".to_owned(), "Homepage".to_owned(), "/".to_owned())];
    keys.extend(
        queries::sections(&state.db)
            .await?
            .into_iter()
            .map(|s| (s.slug.clone(), format!("{} front", s.name), format!("/{}", s.slug))),
    );
    let mut fronts = Vec::new();
    for (key, name, path) in keys {
        let status = match store::load(&state.db, &path).await? {
            None => "automatic",
            Some(s) if s.published_version == Some(s.version) => "published",
            Some(s) if s.published_version.is_some() => "published, with unpublished changes",
            Some(_) => "draft, not published",
        };
        fronts.push((key, name, path, status));
    }
    let layout = NewsroomLayout::new(&state, &who, "Fronts", "/newsroom/fronts").with_notice(done.notice());
    Ok(Html(FrontsList { layout, fronts }.render()?))
}
