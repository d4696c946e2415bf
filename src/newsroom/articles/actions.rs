//! Actions on an article outside the editor form: corrections and updates,
//! unpublishing.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use crate::accounts::CurrentStaff;
use crate::articles::notes::{self, NoteKind};
use crate::articles::workflow::{self, Transition};
use crate::articles::{Status, queries};
use crate::audit::Actor;
use crate::domain::ArticleId;
use crate::error::{AppError, AppResult};
use crate::events::Event;
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
    notes::add(&state.db, id, kind, form.get("note"), &Actor::from(&who.staff)).await?;
    let article = queries::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if article.status() == Status::Published {
        state.content_changed(Event::ContentChanged).await?;
    }
    Ok(Redirect::to(&format!("/newsroom/articles/{id}/edit?done=noted")).into_response())
}

/// Takes a published or scheduled article off the site (back to draft).
pub async fn unpublish(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(id): Path<ArticleId>,
) -> AppResult<Response> {
    workflow::apply(&state.db, id, Transition::Unpublish, &Actor::from(&who.staff)).await?;
    state.content_changed(Event::ContentChanged).await?;
    Ok(Redirect::to(&format!("/newsroom/articles/{id}/edit?done=unpublished")).into_response())
}
