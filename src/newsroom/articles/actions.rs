//! Actions on an article outside the editor form: corrections and updates,
//! unpublishing.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use crate::accounts::CurrentStaff;
use crate::articles::notes::{self, NoteKind};
use crate::articles::workflow::{self, Transition};
use crate::change::Change;
use crate::domain::ArticleId;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::form::FormFields;

/// Adds a dated correction or update that shows openly on the article.
pub async fn add_note(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(id): Path<ArticleId>,
    form: FormFields,
) -> AppResult<Response> {
    let kind = NoteKind::parse(form.get("kind"))
        .ok_or_else(|| AppError::BadRequest("Choose whether the note is a correction or an update.".into()))?;
    let mut change = Change::begin(&state, &who).await?;
    notes::add(&mut change, id, kind, form.get("note")).await?;
    change.commit().await?;
    Ok(Redirect::to(&format!("/newsroom/articles/{id}/edit?done=noted")).into_response())
}

/// Takes a published or scheduled article off the site (back to draft).
pub async fn unpublish(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(id): Path<ArticleId>,
) -> AppResult<Response> {
    let mut change = Change::begin(&state, &who).await?;
    workflow::apply(&mut change, id, Transition::Unpublish).await?;
    change.commit().await?;
    Ok(Redirect::to(&format!("/newsroom/articles/{id}/edit?done=unpublished")).into_response())
}
