//! Standing pages (admins): About, Contact, Privacy… written with the
//! article body's Markdown, kept with every version, published at `/{slug}`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::accounts::CurrentStaff;
use crate::articles::revisions::{DiffLine, diff};
use crate::change::Change;
use crate::domain::{PageId, Slug};
use crate::error::{AppError, AppResult};
use crate::site::pages::write::{self, PageText, SaveError};
use crate::site::pages::{self, Page, PageRevision};
use crate::state::AppState;
use crate::web::form::FormFields;

use super::layout::{Done, NewsroomLayout};

#[derive(Template)]
#[template(path = "newsroom/pages.html")]
struct PagesList {
    layout: NewsroomLayout,
    pages: Vec<Page>,
}

/// Someone else's newer save: who, and how it differs, field by field.
type Conflict = (String, Vec<(&'static str, Vec<DiffLine>)>);

#[derive(Template)]
#[template(path = "newsroom/page_editor.html")]
struct PageEditor {
    layout: NewsroomLayout,
    /// The page being edited; none for a new one.
    page: Option<Page>,
    form: FormFields,
    error: Option<(String, String)>,
    conflict: Option<Conflict>,
    /// Each saved version, with when it was saved in words.
    revisions: Vec<(PageRevision, String)>,
}

impl PageEditor {
    fn checked(&self) -> bool {
        self.form.get("published") == "on"
    }
}

pub async fn list(
    State(state): State<AppState>,
    who: CurrentStaff,
    Query(done): Query<Done>,
) -> AppResult<Html<String>> {
    let layout = NewsroomLayout::new(&state, &who, "Pages", "/newsroom/pages").with_notice(done.notice());
    Ok(Html(
        PagesList {
            layout,
            pages: pages::all(&state.db).await?,
        }
        .render()?,
    ))
}

pub async fn new(State(state): State<AppState>, who: CurrentStaff) -> AppResult<Html<String>> {
    Ok(Html(
        editor(&state, &who, None, FormFields::default(), Problem::None, None).await?,
    ))
}

/// `?version=N` fills the form with that revision, to restore it by saving.
#[derive(serde::Deserialize)]
pub struct Opened {
    #[serde(default)]
    done: String,
    version: Option<i64>,
}

pub async fn edit(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(id): Path<PageId>,
    Query(opened): Query<Opened>,
) -> AppResult<Html<String>> {
    let page = pages::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let mut form = fields_of(&page.title, &page.description, &page.body, page.published);
    if let Some(version) = opened.version {
        let revisions = pages::revisions(&state.db, id).await?;
        let old = revisions
            .iter()
            .find(|r| r.version == version)
            .ok_or(AppError::NotFound)?;
        form = fields_of(&old.title, &old.description, &old.body, old.published);
    }
    form.set("version", &page.version.to_string());
    let notice = super::layout::notice_for(&opened.done);
    Ok(Html(
        editor(&state, &who, Some(page), form, Problem::None, notice).await?,
    ))
}

pub async fn create(State(state): State<AppState>, who: CurrentStaff, form: FormFields) -> AppResult<Response> {
    let slug_text = match form.get("slug").trim() {
        "" => Slug::suggest(form.get("title"))
            .map(|s| s.to_string())
            .unwrap_or_default(),
        typed => typed.to_owned(),
    };
    let outcome = async {
        let slug = Slug::parse(&slug_text).map_err(|e| AppError::Invalid {
            field: "slug".into(),
            message: e.to_string(),
        })?;
        let text = text_of(&form)?;
        let mut change = Change::begin(&state, &who).await?;
        let id = write::create(&mut change, &slug, &text).await?;
        change.commit().await?;
        Ok::<_, AppError>(id)
    }
    .await;
    match outcome {
        Ok(id) => Ok(Redirect::to(&format!("/newsroom/pages/{id}?done=created")).into_response()),
        Err(AppError::Invalid { field, message }) => refused(&state, &who, None, form, (field, message)).await,
        Err(other) => Err(other),
    }
}

pub async fn update(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(id): Path<PageId>,
    form: FormFields,
) -> AppResult<Response> {
    let page = pages::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let text = match text_of(&form) {
        Ok(text) => text,
        Err(AppError::Invalid { field, message }) => {
            return refused(&state, &who, Some(page), form, (field, message)).await;
        }
        Err(other) => return Err(other),
    };
    let expected: i64 = form.get("version").parse().map_err(|_| AppError::Invalid {
        field: "version".into(),
        message: "The form lost track of the version it started from; open the page again.".into(),
    })?;
    let mut change = Change::begin(&state, &who).await?;
    match write::update(&mut change, id, expected, &text).await {
        Ok(_) => {
            change.commit().await?;
            Ok(Redirect::to(&format!("/newsroom/pages/{id}?done=saved")).into_response())
        }
        Err(SaveError::Conflict(current)) => {
            drop(change);
            let by = pages::revisions(&state.db, id)
                .await?
                .first()
                .and_then(|r| r.by.clone())
                .unwrap_or_else(|| "Someone".into());
            let fields = vec![
                ("Title", diff(&current.title, &text.title)),
                ("Description", diff(&current.description, &text.description)),
                ("Text", diff(&current.body, &text.body)),
            ];
            let mut form = form;
            form.set("version", &current.version.to_string());
            let html = editor(&state, &who, Some(*current), form, Problem::Conflict(by, fields), None).await?;
            Ok((StatusCode::CONFLICT, Html(html)).into_response())
        }
        Err(SaveError::Failed(AppError::Invalid { field, message })) => {
            drop(change);
            refused(&state, &who, Some(page), form, (field, message)).await
        }
        Err(SaveError::Failed(err)) => Err(err),
    }
}

fn fields_of(title: &str, description: &str, body: &str, published: bool) -> FormFields {
    let mut form = FormFields::default();
    form.set("title", title);
    form.set("description", description);
    form.set("body", body);
    if published {
        form.set("published", "on");
    }
    form
}

fn text_of(form: &FormFields) -> Result<PageText, AppError> {
    PageText::new(
        form.get("title"),
        form.get("description"),
        form.get("body"),
        form.get("published") == "on",
    )
}

async fn refused(
    state: &AppState,
    who: &CurrentStaff,
    page: Option<Page>,
    form: FormFields,
    error: (String, String),
) -> AppResult<Response> {
    let html = editor(state, who, page, form, Problem::Invalid(error), None).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
}

/// What went wrong with a save, shown above the form.
enum Problem {
    None,
    Invalid((String, String)),
    Conflict(String, Vec<(&'static str, Vec<DiffLine>)>),
}

async fn editor(
    state: &AppState,
    who: &CurrentStaff,
    page: Option<Page>,
    form: FormFields,
    problem: Problem,
    notice: Option<&str>,
) -> AppResult<String> {
    let title = if page.is_some() { "Edit page" } else { "New page" };
    let (error, conflict) = match problem {
        Problem::None => (None, None),
        Problem::Invalid(error) => (Some(error), None),
        Problem::Conflict(by, fields) => (None, Some((by, fields))),
    };
    let revisions = match &page {
        Some(p) => pages::revisions(&state.db, p.id)
            .await?
            .into_iter()
            .map(|r| {
                let when = state.site.long_time(r.created_at);
                (r, when)
            })
            .collect(),
        None => Vec::new(),
    };
    Ok(PageEditor {
        layout: NewsroomLayout::new(state, who, title, "/newsroom/pages").with_notice(notice),
        page,
        form,
        error,
        conflict,
        revisions,
    }
    .render()?)
}
