//! Site (admins): the publication's name, tagline, language, time zone,
//! accent colour and logo. What the settings file or the environment sets
//! is shown and cannot be changed here.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::accounts::CurrentStaff;
use crate::change::Change;
use crate::error::{AppError, AppResult};
use crate::site::identity::{self, FIELDS};
use crate::state::AppState;
use crate::web::form::FormFields;

use super::layout::{Done, NewsroomLayout};

#[derive(Template)]
#[template(path = "newsroom/site.html")]
struct SitePage {
    layout: NewsroomLayout,
    form: FormFields,
    /// Fields the settings file or the environment set.
    fixed: Vec<&'static str>,
    /// (id, alt text) of recent pictures, for the logo.
    pictures: Vec<(String, String)>,
    /// (id, name) of every author, for the default byline.
    authors: Vec<(String, String)>,
    error: Option<(String, String)>,
    /// (field, label, hint) of the text fields.
    rows: &'static [(&'static str, &'static str, &'static str)],
}

const ROWS: &[(&str, &str, &str)] = &[
    ("name", "Name", "shown in the masthead, titles, feeds and email"),
    ("tagline", "Tagline", "one line under the masthead"),
    ("language", "Language", "a language tag such as en-GB"),
    (
        "timezone",
        "Time zone",
        "where times on the site are told, such as Europe/London",
    ),
    (
        "accent",
        "Accent colour",
        "#rrggbb for links, labels and badges, dark enough to read (4.5:1); empty: the built-in red",
    ),
];

impl SitePage {
    fn is_fixed(&self, field: &str) -> bool {
        self.fixed.contains(&field)
    }
}

pub async fn show(
    State(state): State<AppState>,
    who: CurrentStaff,
    Query(done): Query<Done>,
) -> AppResult<Html<String>> {
    let current = state.site.identity();
    let mut form = FormFields::default();
    for field in FIELDS {
        form.set(field, &current.value(field));
    }
    Ok(Html(page(&state, &who, form, None, done.notice()).await?))
}

pub async fn save(State(state): State<AppState>, who: CurrentStaff, form: FormFields) -> AppResult<Response> {
    let fixed = identity::fixed(&state.settings);
    let mut identity = (*state.site.identity()).clone();
    for field in FIELDS.into_iter().filter(|f| !fixed.contains(f)) {
        match identity.set(field, form.get(field)) {
            Ok(()) => {}
            Err(AppError::Invalid { field, message }) => {
                let html = page(&state, &who, form, Some((field, message)), None).await?;
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
            }
            Err(other) => return Err(other),
        }
    }
    if let Some(logo) = identity.logo
        && crate::media::image_view(&state.db, logo).await?.is_none()
    {
        let error = (
            "logo".to_owned(),
            "That picture is no longer stored; choose another.".to_owned(),
        );
        let html = page(&state, &who, form, Some(error), None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    }
    if let Some(author) = identity.author
        && !crate::site::queries::authors(&state.db)
            .await?
            .iter()
            .any(|a| a.id == author)
    {
        let error = (
            "author".to_owned(),
            "That author is no longer on the site; choose another.".to_owned(),
        );
        let html = page(&state, &who, form, Some(error), None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    }
    let mut change = Change::begin(&state, &who).await?;
    identity::save(&mut change, &identity).await?;
    change.commit().await?;
    identity::refresh(&state).await?;
    Ok(Redirect::to("/newsroom/site?done=saved").into_response())
}

async fn page(
    state: &AppState,
    who: &CurrentStaff,
    form: FormFields,
    error: Option<(String, String)>,
    notice: Option<&str>,
) -> AppResult<String> {
    let pictures = crate::media::recent(&state.db, 60).await?;
    let mut pictures: Vec<(String, String)> = pictures.into_iter().map(|(id, alt)| (id.to_string(), alt)).collect();
    for field in ["logo", "share"] {
        let chosen = form.get(field).to_owned();
        if !chosen.is_empty() && !pictures.iter().any(|(id, _)| *id == chosen) {
            pictures.push((chosen, "The picture chosen now".into()));
        }
    }
    Ok(SitePage {
        layout: NewsroomLayout::new(state, who, "Site", "/newsroom/site").with_notice(notice),
        form,
        fixed: identity::fixed(&state.settings),
        pictures,
        authors: crate::site::queries::authors(&state.db)
            .await?
            .into_iter()
            .map(|a| (a.id.to_string(), a.name))
            .collect(),
        error,
        rows: ROWS,
    }
    .render()?)
}
