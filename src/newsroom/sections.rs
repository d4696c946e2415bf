//! Sections (admins): the site's top-level navigation.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::accounts::CurrentStaff;
use crate::change::Change;
use crate::domain::{SectionId, Slug};
use crate::error::{AppError, AppResult};
use crate::site::Section;
use crate::site::queries;
use crate::site::write::{self, NewSection};
use crate::state::AppState;
use crate::web::form::FormFields;

use super::layout::{Done, NewsroomLayout};

#[derive(Template)]
#[template(path = "newsroom/sections.html")]
struct SectionsPage {
    layout: NewsroomLayout,
    sections: Vec<Section>,
    form: FormFields,
    error: Option<(String, String)>,
}

async fn page(
    state: &AppState,
    who: &CurrentStaff,
    form: FormFields,
    error: Option<(String, String)>,
    notice: Option<&str>,
) -> AppResult<String> {
    let layout = NewsroomLayout::new(state, who, "Sections", "/newsroom/sections").with_notice(notice);
    Ok(SectionsPage {
        layout,
        sections: queries::sections(&state.db).await?,
        form,
        error,
    }
    .render()?)
}

pub async fn show(
    State(state): State<AppState>,
    who: CurrentStaff,
    Query(done): Query<Done>,
) -> AppResult<Html<String>> {
    Ok(Html(
        page(&state, &who, FormFields::default(), None, done.notice()).await?,
    ))
}

pub async fn create(State(state): State<AppState>, who: CurrentStaff, form: FormFields) -> AppResult<Response> {
    let name = form.get("name").trim();
    let slug_text = if form.get("slug").trim().is_empty() {
        Slug::suggest(name).map(|s| s.to_string()).unwrap_or_default()
    } else {
        form.get("slug").trim().to_owned()
    };
    let outcome = match (name.is_empty(), Slug::parse(&slug_text)) {
        (true, _) => Err(AppError::Invalid {
            field: "name".into(),
            message: "Give the section a name.".into(),
        }),
        (false, Err(e)) => Err(AppError::Invalid {
            field: "slug".into(),
            message: e.to_string(),
        }),
        (false, Ok(slug)) => {
            let position = queries::sections(&state.db).await?.len() as i64;
            let mut change = Change::begin(&state, &who).await?;
            let new = NewSection {
                slug,
                name,
                description: form.get("description").trim(),
                position,
            };
            match write::create_section(&mut change, new).await {
                Ok(_) => change.commit().await.map_err(AppError::from),
                Err(err) => Err(err),
            }
        }
    };
    match outcome {
        Ok(()) => Ok(Redirect::to("/newsroom/sections?done=created").into_response()),
        Err(AppError::Invalid { field, message }) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Html(page(&state, &who, form, Some((field, message)), None).await?),
        )
            .into_response()),
        Err(other) => Err(other),
    }
}

pub async fn update(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(id): Path<SectionId>,
    form: FormFields,
) -> AppResult<Response> {
    let name = form.get("name").trim();
    if name.is_empty() {
        return Err(AppError::Invalid {
            field: "name".into(),
            message: "A section needs a name.".into(),
        });
    }
    let position: i64 = form.get("position").trim().parse().map_err(|_| AppError::Invalid {
        field: "position".into(),
        message: "The position is a whole number (0 comes first).".into(),
    })?;
    let mut change = Change::begin(&state, &who).await?;
    write::update_section(&mut change, id, name, form.get("description").trim(), position).await?;
    change.commit().await?;
    Ok(Redirect::to("/newsroom/sections?done=updated").into_response())
}
