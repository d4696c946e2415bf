//! Actions on an article outside the editor form: corrections and updates,
//! unpublishing, sending a story in review back to its writer.

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

/// The longest note an editor can send back with a story.
const MAX_SEND_BACK_NOTE: usize = 2000;

/// Returns a story in review to draft, with a note for its writer (shown
/// on the story in the editor until it is submitted again).
pub async fn send_back(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(id): Path<ArticleId>,
    form: FormFields,
) -> AppResult<Response> {
    let note = form.get("note").trim().replace("\r\n", "\n");
    if note.is_empty() || note.chars().count() > MAX_SEND_BACK_NOTE {
        return Err(AppError::BadRequest(format!(
            "Tell the writer what to change, in 1 to {MAX_SEND_BACK_NOTE} characters."
        )));
    }
    let mut change = Change::begin(&state, &who).await?;
    workflow::apply_with_note(&mut change, id, Transition::SendBack, &note).await?;
    change.commit().await?;
    Ok(Redirect::to(&format!("/newsroom/articles/{id}/edit?done=sent-back")).into_response())
}
