//! The newsroom's live desk (`/newsroom/articles/{id}/live`): a compact
//! composer that stays open at the top, the entries below with edit, pin
//! and delete, and the switch that ends the live blog. Several journalists
//! can post at once; the list follows everyone's posts live.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Serialize;

use crate::accounts::{CurrentStaff, Permission};
use crate::articles::{Article, Status};
use crate::db::sql;
use crate::domain::{ArticleId, EntryId, ImageId};
use crate::error::{AppError, AppResult};
use crate::newsroom::layout::{Done, NewsroomLayout};
use crate::state::AppState;
use crate::web::form::FormFields;

use super::entries::{self, Entry};
use super::view;
use super::write::{self, EditError, EntryDraft};

/// Entries listed on the desk.
const LISTED: i64 = 100;

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct Row {
    pub id: String,
    pub clock: String,
    pub label: String,
    pub key_event: bool,
    pub pinned: bool,
    pub authors: String,
    /// Whether this journalist may edit or delete it.
    pub editable: bool,
}

/// What the journalist's role lets them do on the desk (`write::may_write` decides).
pub struct Rights {
    pub edit_all: bool,
    pub mark_key_events: bool,
}

impl Rights {
    fn of(who: &CurrentStaff) -> Self {
        Self {
            edit_all: who.can(Permission::PublishArticles),
            mark_key_events: who.can(Permission::SendAlerts),
        }
    }
}

#[derive(Template)]
#[template(path = "newsroom/liveblog.html")]
struct DeskPage {
    layout: NewsroomLayout,
    blog: Article,
    public_url: Option<String>,
    form: FormFields,
    error: Option<(String, String)>,
    authors: Vec<Choice>,
    pictures: Vec<Choice>,
    rows: Vec<Row>,
    count: i64,
    rights: Rights,
}

#[derive(Template)]
#[template(path = "newsroom/liveblog_entry.html")]
struct EntryPage {
    layout: NewsroomLayout,
    blog: Article,
    entry_id: String,
    version: i64,
    form: FormFields,
    error: Option<(String, String)>,
    authors: Vec<Choice>,
    pictures: Vec<Choice>,
    /// Someone saved first: what the entry says now.
    conflict: Option<String>,
    rights: Rights,
}

impl DeskPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.error.as_ref().filter(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }
}

impl EntryPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.error.as_ref().filter(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }
}

async fn authors(state: &AppState, form: &FormFields) -> AppResult<Vec<Choice>> {
    let chosen = form.all("author");
    Ok(crate::site::queries::authors(&state.db)
        .await?
        .into_iter()
        .map(|a| {
            let value = a.id.to_string();
            Choice {
                selected: chosen.contains(&value.as_str()),
                value,
                label: a.name,
            }
        })
        .collect())
}

async fn pictures(state: &AppState, form: &FormFields) -> AppResult<Vec<Choice>> {
    let rows: Vec<(ImageId, String, String)> =
        sql("SELECT id, alt, caption FROM images ORDER BY created_at DESC, id DESC LIMIT 40")
            .fetch_all(&state.db)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(id, alt, caption)| Choice {
            selected: form.get("image") == id.to_string(),
            value: id.to_string(),
            label: if caption.is_empty() { alt } else { caption },
        })
        .collect())
}

async fn desk(
    state: &AppState,
    who: &CurrentStaff,
    blog: Article,
    form: FormFields,
    error: Option<(String, String)>,
    notice: Option<&str>,
) -> AppResult<String> {
    let db = &state.db;
    let path = view::blog_path(db, blog.id).await?;
    let listed: Vec<Entry> = entries::latest(db, blog.id, LISTED).await?;
    let ids: Vec<EntryId> = listed.iter().map(|e| e.id).collect();
    let mut names = entries::authors_of(db, &ids).await?;
    let rights = Rights::of(who);
    let rows = listed
        .iter()
        .map(|e| Row {
            id: e.id.to_string(),
            clock: state.site.clock(e.posted_at),
            label: e.label(),
            key_event: e.key_event,
            pinned: e.pinned,
            editable: rights.edit_all || e.posted_by == Some(who.staff.id),
            authors: names
                .remove(&e.id)
                .unwrap_or_default()
                .into_iter()
                .map(|a| a.name)
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect();
    let layout = NewsroomLayout::new(state, who, &format!("Live: {}", blog.headline), "/newsroom").with_notice(notice);
    let authors = authors(state, &form).await?;
    let pictures = pictures(state, &form).await?;
    Ok(DeskPage {
        layout,
        public_url: (blog.status() == Status::Published).then_some(path),
        form,
        error,
        authors,
        pictures,
        rows,
        count: entries::count(db, blog.id).await?,
        rights,
        blog,
    }
    .render()?)
}

/// The composer starts signed by the journalist's own author profile (or
/// the site's default byline when they have none).
fn fresh_form(state: &AppState, who: &CurrentStaff) -> FormFields {
    let mut form = FormFields::default();
    if let Some(author) = who.staff.author_id.or(state.site.identity().author) {
        form.push("author", &author.to_string());
    }
    form
}

fn draft_from(form: &FormFields) -> Result<EntryDraft, AppError> {
    let image = match form.get("image").trim() {
        "" => None,
        text => Some(text.parse().map_err(|_| AppError::Invalid {
            field: "image".into(),
            message: "Choose the picture from the list.".into(),
        })?),
    };
    let mut authors = Vec::new();
    for value in form.all("author").into_iter().filter(|v| !v.is_empty()) {
        let id = value.parse().map_err(|_| AppError::Invalid {
            field: "authors".into(),
            message: "Choose the update's authors from the list.".into(),
        })?;
        if !authors.contains(&id) {
            authors.push(id);
        }
    }
    Ok(EntryDraft {
        title: form.get("title").to_owned(),
        body: form.get("body").to_owned(),
        key_event: form.get("key_event") == "on",
        pinned: form.get("pinned") == "on",
        image,
        authors,
    })
}

fn desk_url(blog: ArticleId, done: &str) -> String {
    format!("/newsroom/articles/{blog}/live?done={done}")
}

pub async fn show(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(id): Path<ArticleId>,
    Query(done): Query<Done>,
) -> AppResult<Html<String>> {
    let blog = write::live_blog(&state, id).await?;
    let notice = match done.done.as_str() {
        "posted" => Some("Posted. It is live on the page."),
        "edited" => Some("The update is saved."),
        "deleted" => Some("The update is deleted."),
        "pinned" => Some("Pinned above the other updates."),
        "unpinned" => Some("Unpinned."),
        "ended" => Some("The live blog has ended; readers see that it is closed."),
        "reopened" => Some("The live blog is running again."),
        _ => done.notice(),
    };
    Ok(Html(
        desk(&state, &who, blog, fresh_form(&state, &who), None, notice).await?,
    ))
}

#[derive(Serialize)]
struct Posted {
    id: EntryId,
    permalink: String,
}

/// `POST /newsroom/articles/{id}/live`: posts an update.
pub async fn post(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(id): Path<ArticleId>,
    headers: HeaderMap,
    form: FormFields,
) -> AppResult<Response> {
    let blog = write::live_blog(&state, id).await?;
    let result = match draft_from(&form) {
        Ok(draft) => write::post(&state, &who, &blog, draft).await,
        Err(err) => Err(err),
    };
    match result {
        Ok(entry) if crate::web::wants_json(&headers) => {
            let permalink = view::permalink(&state.db, &blog, entry.id).await?;
            Ok((
                StatusCode::CREATED,
                axum::Json(Posted {
                    id: entry.id,
                    permalink,
                }),
            )
                .into_response())
        }
        Ok(_) => Ok(Redirect::to(&desk_url(id, "posted")).into_response()),
        Err(err) if crate::web::wants_json(&headers) => Err(err),
        Err(err @ (AppError::Invalid { .. } | AppError::Forbidden(_))) => {
            // The journalist's words stay in the composer, with what to fix.
            let status = err.status();
            let page = desk(&state, &who, blog, form, Some(field_error(err)), None).await?;
            Ok((status, Html(page)).into_response())
        }
        Err(err) => Err(err),
    }
}

async fn entry_page(
    state: &AppState,
    who: &CurrentStaff,
    blog: Article,
    entry: &Entry,
    form: FormFields,
    error: Option<(String, String)>,
    conflict: Option<String>,
) -> AppResult<String> {
    let layout = NewsroomLayout::new(state, who, "Edit a live update", "/newsroom");
    let authors = authors(state, &form).await?;
    let pictures = pictures(state, &form).await?;
    Ok(EntryPage {
        layout,
        entry_id: entry.id.to_string(),
        version: entry.version,
        form,
        error,
        authors,
        pictures,
        conflict,
        rights: Rights::of(who),
        blog,
    }
    .render()?)
}

async fn stored_form(state: &AppState, entry: &Entry) -> AppResult<FormFields> {
    let mut form = FormFields::default();
    form.push("title", &entry.title);
    form.push("body", &entry.body);
    if entry.key_event {
        form.push("key_event", "on");
    }
    if entry.pinned {
        form.push("pinned", "on");
    }
    if let Some(image) = entry.image_id {
        form.push("image", &image.to_string());
    }
    for author in entries::author_ids(&state.db, entry.id).await? {
        form.push("author", &author.to_string());
    }
    Ok(form)
}

async fn find(state: &AppState, blog: &Article, entry: EntryId) -> AppResult<Entry> {
    entries::by_id(&state.db, entry)
        .await?
        .filter(|e| e.article_id == blog.id)
        .ok_or(AppError::NotFound)
}

/// A problem to show beside the form: a field's, or a refusal shown at the text.
fn field_error(err: AppError) -> (String, String) {
    match err {
        AppError::Invalid { field, message } => (field, message),
        other => ("body".to_owned(), other.report().detail),
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path((id, entry)): Path<(ArticleId, EntryId)>,
) -> AppResult<Html<String>> {
    let blog = write::live_blog(&state, id).await?;
    let entry = find(&state, &blog, entry).await?;
    let form = stored_form(&state, &entry).await?;
    Ok(Html(entry_page(&state, &who, blog, &entry, form, None, None).await?))
}

pub async fn update(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path((id, entry)): Path<(ArticleId, EntryId)>,
    form: FormFields,
) -> AppResult<Response> {
    let blog = write::live_blog(&state, id).await?;
    let version: i64 = form.get("version").parse().unwrap_or(0);
    let result = match draft_from(&form) {
        Ok(draft) => write::edit(&state, &who, &blog, entry, version, draft).await,
        Err(err) => Err(EditError::Failed(err)),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&desk_url(id, "edited")).into_response()),
        Err(EditError::Conflict(current)) => {
            // Their text stays in the form; the version moves on so saving again overwrites knowingly.
            let now = format!("{}\n\n{}", current.title, current.body).trim().to_owned();
            let page = entry_page(&state, &who, blog, &current, form, None, Some(now)).await?;
            Ok((StatusCode::CONFLICT, Html(page)).into_response())
        }
        Err(EditError::Failed(err @ (AppError::Invalid { .. } | AppError::Forbidden(_)))) => {
            let status = err.status();
            let current = find(&state, &blog, entry).await?;
            let mut page_entry = current.clone();
            page_entry.version = version;
            let page = entry_page(&state, &who, blog, &page_entry, form, Some(field_error(err)), None).await?;
            Ok((status, Html(page)).into_response())
        }
        Err(EditError::Failed(err)) => Err(err),
    }
}

pub async fn delete(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path((id, entry)): Path<(ArticleId, EntryId)>,
) -> AppResult<Redirect> {
    let blog = write::live_blog(&state, id).await?;
    write::delete(&state, &who, &blog, entry).await?;
    Ok(Redirect::to(&desk_url(id, "deleted")))
}

pub async fn pin(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path((id, entry)): Path<(ArticleId, EntryId)>,
    form: FormFields,
) -> AppResult<Redirect> {
    let blog = write::live_blog(&state, id).await?;
    let pinned = form.get("pinned") == "on";
    write::set_pinned(&state, &who, &blog, entry, pinned).await?;
    Ok(Redirect::to(&desk_url(id, if pinned { "pinned" } else { "unpinned" })))
}

pub async fn end(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(id): Path<ArticleId>,
    form: FormFields,
) -> AppResult<Redirect> {
    let blog = write::live_blog(&state, id).await?;
    let ended = form.get("ended") == "on";
    write::set_ended(&state, &who, &blog, ended).await?;
    Ok(Redirect::to(&desk_url(id, if ended { "ended" } else { "reopened" })))
}
