//! What a reader does to one comment: like, edit, delete, report.
//! Each works as a plain form and, for the page script, as JSON.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Json, Redirect, Response};
use serde::Serialize;

use crate::accounts::reader_extract::CurrentReader;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::Layout;
use crate::web::form::FormFields;

use super::forum::{forum_anchor, status_page};
use super::model::{CommentId, MAX_CHARS};
use super::{queries, view, write};

#[derive(Serialize)]
struct Liked {
    liked: bool,
    likes: i64,
}

pub async fn like(
    State(state): State<AppState>,
    who: CurrentReader,
    headers: HeaderMap,
    Path(id): Path<CommentId>,
) -> AppResult<Response> {
    let (liked, likes) = write::toggle_like(&state, &who.reader, id).await?;
    if crate::web::wants_json(&headers) {
        return Ok(Json(Liked { liked, likes }).into_response());
    }
    let comment = queries::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    Ok(Redirect::to(&forum_anchor(&state, &comment).await?).into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    who: CurrentReader,
    headers: HeaderMap,
    Path(id): Path<CommentId>,
) -> AppResult<Response> {
    let comment = write::remove(&state, &who.reader, id).await?;
    if crate::web::wants_json(&headers) {
        return Ok(Json(serde_json::json!({ "removed": id })).into_response());
    }
    Ok(Redirect::to(&forum_anchor(&state, &comment).await?).into_response())
}

#[derive(Template)]
#[template(path = "comments/edit.html")]
struct EditPage {
    layout: Layout,
    id: CommentId,
    body: String,
    error: Option<String>,
    max_chars: usize,
    minutes: i64,
}

async fn edit_page(state: &AppState, id: CommentId, body: String, error: Option<String>) -> AppResult<String> {
    let mut layout = Layout::load(state, "Edit your comment", "", "/").await?;
    layout.noindex = true;
    layout.canonical = None;
    Ok(EditPage {
        layout,
        id,
        body,
        error,
        max_chars: MAX_CHARS,
        minutes: state.settings.community.edit_window_secs / 60,
    }
    .render()?)
}

pub async fn edit_form(
    State(state): State<AppState>,
    who: CurrentReader,
    Path(id): Path<CommentId>,
) -> AppResult<Html<String>> {
    let comment = queries::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if comment.reader_id != Some(who.reader.id) {
        return Err(AppError::Forbidden("You can only change your own comments.".into()));
    }
    Ok(Html(edit_page(&state, id, comment.body, None).await?))
}

#[derive(Serialize)]
struct Edited {
    id: CommentId,
    html: String,
}

pub async fn edit(
    State(state): State<AppState>,
    who: CurrentReader,
    headers: HeaderMap,
    Path(id): Path<CommentId>,
    form: FormFields,
) -> AppResult<Response> {
    match write::edit(&state, &who.reader, id, form.get("body")).await {
        Ok(comment) => {
            if crate::web::wants_json(&headers) {
                return Ok(Json(Edited {
                    id,
                    html: view::single(&state.site, &comment)?,
                })
                .into_response());
            }
            Ok(Redirect::to(&forum_anchor(&state, &comment).await?).into_response())
        }
        Err(err) if crate::web::wants_json(&headers) => Err(err),
        Err(err @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let status = err.status();
            let html = edit_page(&state, id, form.get("body").to_owned(), Some(err.report().detail)).await?;
            Ok(status_page(status, html))
        }
        Err(err) => Err(err),
    }
}

#[derive(Template)]
#[template(path = "comments/report.html")]
struct ReportPage {
    layout: Layout,
    id: CommentId,
    excerpt: String,
    reasons: &'static [(&'static str, &'static str)],
    error: Option<String>,
    done: bool,
}

async fn report_page(state: &AppState, id: CommentId, error: Option<String>, done: bool) -> AppResult<String> {
    let comment = queries::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let mut layout = Layout::load(state, "Report a comment", "", "/").await?;
    layout.noindex = true;
    layout.canonical = None;
    Ok(ReportPage {
        layout,
        id,
        excerpt: comment.body.chars().take(300).collect(),
        reasons: write::REPORT_REASONS,
        error,
        done,
    }
    .render()?)
}

pub async fn report_form(State(state): State<AppState>, Path(id): Path<CommentId>) -> AppResult<Html<String>> {
    Ok(Html(report_page(&state, id, None, false).await?))
}

pub async fn report(
    State(state): State<AppState>,
    who: CurrentReader,
    headers: HeaderMap,
    Path(id): Path<CommentId>,
    form: FormFields,
) -> AppResult<Response> {
    match write::report(&state, &who.reader, id, form.get("reason"), form.get("detail")).await {
        Ok(()) if crate::web::wants_json(&headers) => Ok(Json(serde_json::json!({ "reported": id })).into_response()),
        Ok(()) => Ok(Html(report_page(&state, id, None, true).await?).into_response()),
        Err(err) if crate::web::wants_json(&headers) => Err(err),
        Err(err @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let status = err.status();
            Ok(status_page(
                status,
                report_page(&state, id, Some(err.report().detail), false).await?,
            ))
        }
        Err(err) => Err(err),
    }
}
