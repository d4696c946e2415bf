//! The Admin API: create, update, schedule, publish and unpublish articles,
//! upload pictures. Each call acts as the staff member who owns the token,
//! with the same role checks and the same validation as the newsroom.

use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::articles::input::ArticleInput;
use crate::articles::rights::{may_edit, may_read};
use crate::articles::workflow::{self, Transition};
use crate::articles::write::{self, NewArticle, SaveError};
use crate::articles::{Article, Status, queries};
use crate::audit::Actor;
use crate::change::Change;
use crate::db::sql;
use crate::domain::{ArticleId, Timestamp};
use crate::error::{AppError, AppResult};
use crate::media::MAX_PICTURE_BYTES;
use crate::media::{self, ImageText, Uploader, WIDTHS};
use crate::state::AppState;
use crate::web::form::MultipartForm;

use super::ApiJson;
use super::auth::ApiStaff;

#[derive(Serialize)]
pub struct ArticleOut {
    id: String,
    status: &'static str,
    version: i64,
    slug: String,
    headline: String,
    standfirst: String,
    body: String,
    footnote: String,
    section: String,
    tags: Vec<String>,
    authors: Vec<String>,
    featured: bool,
    comments: String,
    published_at: Option<String>,
    updated_at: String,
    /// The public address, once published.
    url: Option<String>,
}

async fn out(state: &AppState, article: &Article) -> AppResult<ArticleOut> {
    let content = write::content_of(&state.db, article).await?;
    let names = content.names(&state.db).await?;
    Ok(ArticleOut {
        id: article.id.to_string(),
        status: article.status().as_str(),
        version: article.version,
        slug: article.slug.clone(),
        headline: article.headline.clone(),
        standfirst: article.standfirst.clone(),
        body: article.body.clone(),
        footnote: article.footnote.clone(),
        url: (article.status() == Status::Published)
            .then(|| state.site.url(&format!("/{}/{}", names.section, article.slug))),
        section: names.section,
        tags: names.tags,
        authors: names.authors,
        featured: article.featured,
        comments: article.comments.clone(),
        published_at: article.published_at.map(Timestamp::rfc3339),
        updated_at: article.updated_at.rfc3339(),
    })
}

async fn load(state: &AppState, id: ArticleId) -> AppResult<Article> {
    queries::by_id(&state.db, id).await?.ok_or(AppError::NotFound)
}

/// Changes made through the API say so in the audit log.
const CHANNEL: &str = "through the Admin API";

/// `POST /api/v1/admin/articles`: a new draft.
pub async fn create(
    State(state): State<AppState>,
    ApiStaff(who): ApiStaff,
    ApiJson(input): ApiJson<ArticleInput>,
) -> AppResult<Response> {
    let mut change = Change::begin(&state, &who).await?.through(CHANNEL);
    let content = input.resolve(&mut change, None).await?;
    let new = NewArticle {
        content,
        status: Status::Draft,
        published_at: None,
        updated_at: None,
    };
    let id = write::create(&mut change, &new).await?;
    change.commit().await?;
    let article = load(&state, id).await?;
    let location = format!("/api/v1/admin/articles/{id}");
    let mut response = (StatusCode::CREATED, Json(out(&state, &article).await?)).into_response();
    if let Ok(value) = location.parse() {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// `GET /api/v1/admin/articles/{id}`: an article as stored now (a writer's
/// own work, or anyone's once published; editors see everything).
pub async fn show(
    State(state): State<AppState>,
    ApiStaff(who): ApiStaff,
    Path(id): Path<ArticleId>,
) -> AppResult<Json<ArticleOut>> {
    let article = load(&state, id).await?;
    may_read(&who, &article)?;
    Ok(Json(out(&state, &article).await?))
}

/// `PATCH /api/v1/admin/articles/{id}`: change the given fields of `version`.
pub async fn update(
    State(state): State<AppState>,
    ApiStaff(who): ApiStaff,
    Path(id): Path<ArticleId>,
    ApiJson(input): ApiJson<ArticleInput>,
) -> AppResult<Json<ArticleOut>> {
    let article = load(&state, id).await?;
    may_edit(&who, &article)?;
    let version = input.version.ok_or_else(|| AppError::Invalid {
        field: "version".into(),
        message: "Send the version you are changing (from GET), so concurrent edits are detected.".into(),
    })?;
    let stored = write::content_of(&state.db, &article).await?;
    let mut change = Change::begin(&state, &who).await?.through(CHANNEL);
    let content = input.resolve(&mut change, Some(&stored)).await?;
    match write::save(&mut change, id, version, &content, ("saved", "")).await {
        Ok(_) => {}
        Err(SaveError::Conflict(current)) => {
            return Err(AppError::Conflict(format!(
                "Version {version} is no longer current: the article is at version {}. Fetch it again and reapply your change.",
                current.version
            )));
        }
        Err(SaveError::Failed(err)) => return Err(err),
    }
    change.commit().await?;
    Ok(Json(out(&state, &load(&state, id).await?).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleInput {
    /// RFC 3339, e.g. 2024-12-16T06:04:00Z.
    pub at: String,
}

async fn transition(
    state: &AppState,
    who: &crate::accounts::CurrentStaff,
    id: ArticleId,
    transition: Transition,
) -> AppResult<Json<ArticleOut>> {
    let mut change = Change::begin(state, who).await?.through(CHANNEL);
    workflow::apply(&mut change, id, transition).await?;
    change.commit().await?;
    Ok(Json(out(state, &load(state, id).await?).await?))
}

pub async fn schedule(
    State(state): State<AppState>,
    ApiStaff(who): ApiStaff,
    Path(id): Path<ArticleId>,
    ApiJson(input): ApiJson<ScheduleInput>,
) -> AppResult<Json<ArticleOut>> {
    let at = Timestamp::parse(&input.at).map_err(|_| AppError::Invalid {
        field: "at".into(),
        message: "Give the time in RFC 3339 form, e.g. 2024-12-16T06:04:00Z.".into(),
    })?;
    transition(&state, &who, id, Transition::Schedule(at)).await
}

pub async fn publish(
    State(state): State<AppState>,
    ApiStaff(who): ApiStaff,
    Path(id): Path<ArticleId>,
) -> AppResult<Json<ArticleOut>> {
    transition(&state, &who, id, Transition::Publish).await
}

pub async fn unpublish(
    State(state): State<AppState>,
    ApiStaff(who): ApiStaff,
    Path(id): Path<ArticleId>,
) -> AppResult<Json<ArticleOut>> {
    transition(&state, &who, id, Transition::Unpublish).await
}

#[derive(Serialize)]
pub struct ImageOut {
    id: String,
    url: String,
    widths: Vec<u32>,
}

/// `POST /api/v1/admin/images`: multipart with `file`, `alt`, `caption`, `credit`.
pub async fn upload_image(
    State(state): State<AppState>,
    ApiStaff(who): ApiStaff,
    multipart: Multipart,
) -> AppResult<Response> {
    let submission = MultipartForm::read(multipart, MAX_PICTURE_BYTES).await;
    if let Some(err) = submission.upload_error {
        return Err(err);
    }
    let upload = submission.upload.ok_or_else(|| AppError::Invalid {
        field: "file".into(),
        message: "Send the picture as a file part named \"file\".".into(),
    })?;
    let form = submission.fields;
    let text = ImageText {
        alt: form.get("alt"),
        caption: form.get("caption"),
        credit: form.get("credit"),
    };
    let by = Uploader {
        actor: Actor::from(&who),
        channel: CHANNEL,
        state: &state,
    };
    let id = media::store(by, &upload.bytes, text).await?;
    let (widths,): (String,) = sql("SELECT widths FROM images WHERE id = $1")
        .bind(id)
        .fetch_one(&state.db)
        .await?;
    let widths: Vec<u32> = widths.split_whitespace().filter_map(|w| w.parse().ok()).collect();
    let largest = widths.last().copied().unwrap_or(WIDTHS[0]);
    let body = ImageOut {
        id: id.to_string(),
        url: state.site.url(&media::variant_path(id, i64::from(largest))),
        widths,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}
