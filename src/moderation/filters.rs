//! The comment filters, as moderators edit them.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::accounts::CurrentStaff;
use crate::change::Change;
use crate::comments::filters::Filters;
use crate::error::{AppError, AppResult};
use crate::newsroom::layout::{Done, NewsroomLayout};
use crate::state::AppState;
use crate::web::form::FormFields;

#[derive(Template)]
#[template(path = "newsroom/filters.html")]
struct FiltersPage {
    layout: NewsroomLayout,
    banned: String,
    suspect: String,
    filters: Filters,
}

pub async fn show(
    State(state): State<AppState>,
    who: CurrentStaff,
    axum::extract::Query(done): axum::extract::Query<Done>,
) -> AppResult<Html<String>> {
    let filters = Filters::load(&state.db).await?;
    let layout =
        NewsroomLayout::new(&state, &who, "Comment filters", "/newsroom/moderation").with_notice(done.notice());
    Ok(Html(
        FiltersPage {
            layout,
            banned: filters.banned_words.join("\n"),
            suspect: filters.suspect_words.join("\n"),
            filters,
        }
        .render()?,
    ))
}

fn words(text: &str) -> Vec<String> {
    let mut words: Vec<String> = text
        .lines()
        .map(|l| l.trim().to_lowercase())
        .filter(|l| !l.is_empty())
        .collect();
    words.sort();
    words.dedup();
    words
}

fn number(form: &FormFields, field: &str, min: i64, max: i64) -> Result<i64, AppError> {
    form.get(field)
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| AppError::Invalid {
            field: field.into(),
            message: format!("Give a whole number from {min} to {max}."),
        })
}

pub async fn save(State(state): State<AppState>, who: CurrentStaff, form: FormFields) -> AppResult<Response> {
    let filters = Filters {
        banned_words: words(form.get("banned_words")),
        suspect_words: words(form.get("suspect_words")),
        max_links: number(&form, "max_links", 0, 50)? as usize,
        new_account_hours: number(&form, "new_account_hours", 0, 24 * 365)?,
        per_minute: number(&form, "per_minute", 1, 1000)?,
    };
    let mut change = Change::begin(&state, &who).await?;
    filters.save(&mut change).await?;
    change.commit().await?;
    Ok(Redirect::to("/newsroom/moderation/filters?done=saved").into_response())
}
