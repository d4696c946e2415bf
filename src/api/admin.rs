//! The Admin API: create, update, schedule, publish and unpublish articles,
//! upload pictures. Each call acts as the staff member who owns the token,
//! with the same role checks and the same validation as the newsroom.

use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::articles::rights::{may_edit, may_read};
use crate::articles::workflow::{self, Transition};
use crate::articles::write::{self, NewArticle, SaveError};
use crate::articles::{Article, Status, queries};
use crate::audit::{self, Actor, Target};
use crate::db::sql;
use crate::domain::{ArticleId, Timestamp};
use crate::error::{AppError, AppResult};
use crate::events::Event;
use crate::media::{self, ImageText, WIDTHS};
use crate::newsroom::articles::form::{FieldErrors, from_content, to_content};
use crate::newsroom::articles::save::MAX_PICTURE_BYTES;
use crate::site;
use crate::state::AppState;
use crate::web::form::{FormFields, MultipartForm};

use super::ApiJson;
use super::auth::ApiStaff;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticleInput {
    /// Required when updating: the version the change is based on.
    pub version: Option<i64>,
    pub headline: Option<String>,
    pub standfirst: Option<String>,
    pub body: Option<String>,
    pub footnote: Option<String>,
    pub slug: Option<String>,
    /// Section slug.
    pub section: Option<String>,
    /// Tag names.
    pub tags: Option<Vec<String>>,
    /// Author slugs, in byline order.
    pub authors: Option<Vec<String>>,
    pub images: Option<Vec<PlacedImage>>,
    pub related: Option<Vec<PlacedArticle>>,
    pub featured: Option<bool>,
    /// open, premoderated or closed.
    pub comments: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlacedImage {
    pub id: String,
    #[serde(default)]
    pub after: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlacedArticle {
    pub slug: String,
    #[serde(default)]
    pub after: i64,
}

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

/// The input laid over the form fields of what is stored (or an empty form).
async fn overlay(state: &AppState, mut form: FormFields, input: &ArticleInput) -> AppResult<FormFields> {
    let invalid = |field: &str, message: String| AppError::Invalid {
        field: field.into(),
        message,
    };
    for (name, value) in [
        ("headline", &input.headline),
        ("standfirst", &input.standfirst),
        ("body", &input.body),
        ("footnote", &input.footnote),
        ("slug", &input.slug),
        ("comments", &input.comments),
    ] {
        if let Some(value) = value {
            form.set(name, value);
        }
    }
    if let Some(featured) = input.featured {
        form.set("featured", if featured { "on" } else { "" });
    }
    if let Some(slug) = &input.section {
        let section = site::queries::section_by_slug(&state.db, slug)
            .await?
            .ok_or_else(|| invalid("section", format!("There is no section \"{slug}\".")))?;
        form.set("section", &section.id.to_string());
    }
    if let Some(tags) = &input.tags {
        form.set("tags", &tags.join(", "));
    }
    if let Some(authors) = &input.authors {
        let mut kept = FormFields::from_pairs(form.pairs().iter().filter(|(k, _)| k != "author").cloned().collect());
        for slug in authors {
            let author = site::queries::author_by_slug(&state.db, slug)
                .await?
                .ok_or_else(|| invalid("authors", format!("There is no author \"{slug}\".")))?;
            kept.push("author", &author.id.to_string());
        }
        form = kept;
    }
    if let Some(images) = &input.images {
        let mut kept = FormFields::from_pairs(
            form.pairs()
                .iter()
                .filter(|(k, _)| k != "image_id" && k != "image_after")
                .cloned()
                .collect(),
        );
        for image in images {
            kept.push("image_id", &image.id);
            kept.push("image_after", &image.after.to_string());
        }
        form = kept;
    }
    if let Some(related) = &input.related {
        let mut kept = FormFields::from_pairs(
            form.pairs()
                .iter()
                .filter(|(k, _)| k != "related_slug" && k != "related_after")
                .cloned()
                .collect(),
        );
        for link in related {
            kept.push("related_slug", &link.slug);
            kept.push("related_after", &link.after.to_string());
        }
        form = kept;
    }
    Ok(form)
}

/// The first field problem, as an API error naming the field.
fn first_error(errors: FieldErrors) -> AppError {
    match errors.0.into_iter().next() {
        Some((field, message)) => AppError::Invalid { field, message },
        None => AppError::BadRequest("The article is not valid.".into()),
    }
}

async fn out(state: &AppState, article: &Article) -> AppResult<ArticleOut> {
    let content = write::content_of(&state.db, article).await?;
    let form = from_content(&state.db, &content).await?;
    let section = site::queries::section_by_id(&state.db, article.section_id).await?;
    let mut authors = Vec::new();
    for id in &content.authors {
        let row: Option<(String,)> = sql("SELECT slug FROM authors WHERE id = $1")
            .bind(*id)
            .fetch_optional(&state.db)
            .await?;
        authors.extend(row.map(|(slug,)| slug));
    }
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
            .then(|| state.site.url(&format!("/{}/{}", section.slug, article.slug))),
        section: section.slug,
        tags: form
            .get("tags")
            .split(", ")
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
        authors,
        featured: article.featured,
        comments: article.comments.clone(),
        published_at: article.published_at.map(Timestamp::rfc3339),
        updated_at: article.updated_at.rfc3339(),
    })
}

async fn load(state: &AppState, id: ArticleId) -> AppResult<Article> {
    queries::by_id(&state.db, id).await?.ok_or(AppError::NotFound)
}

/// `POST /api/v1/admin/articles`: a new draft.
pub async fn create(
    State(state): State<AppState>,
    ApiStaff(who): ApiStaff,
    ApiJson(input): ApiJson<ArticleInput>,
) -> AppResult<Response> {
    let form = overlay(&state, FormFields::default(), &input).await?;
    let content = to_content(&state.db, &form).await.map_err(first_error)?;
    let actor = Actor::from(&who.staff);
    let new = NewArticle {
        content,
        status: Status::Draft,
        published_at: None,
        updated_at: None,
    };
    let id = write::create(&state.db, new, &actor).await?;
    let article = load(&state, id).await?;
    audit::record(
        &state.db,
        &actor,
        "created",
        Target::new("article", id, &article.headline),
        "through the Admin API",
    )
    .await?;
    let location = format!("/api/v1/admin/articles/{id}");
    let mut response = (StatusCode::CREATED, Json(out(&state, &article).await?)).into_response();
    if let Ok(value) = location.parse() {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// `GET /api/v1/admin/articles/{id}`: any article, whatever its state.
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
    let stored = from_content(&state.db, &write::content_of(&state.db, &article).await?).await?;
    let form = overlay(&state, stored, &input).await?;
    let content = to_content(&state.db, &form).await.map_err(first_error)?;
    let actor = Actor::from(&who.staff);
    match write::save(&state.db, id, version, &content, &actor).await {
        Ok(_) => {}
        Err(SaveError::Conflict(current)) => {
            return Err(AppError::Conflict(format!(
                "Version {version} is no longer current: the article is at version {}. Fetch it again and reapply your change.",
                current.version
            )));
        }
        Err(SaveError::Failed(err)) => return Err(err),
    }
    audit::record(
        &state.db,
        &actor,
        "saved",
        Target::new("article", id, content.headline.as_str()),
        "through the Admin API",
    )
    .await?;
    if article.status() == Status::Published {
        state.content_changed(Event::ContentChanged).await?;
    }
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
    let article = workflow::apply(&state.db, id, transition, &Actor::from(&who.staff)).await?;
    state.content_changed(Event::ContentChanged).await?;
    Ok(Json(out(state, &article).await?))
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
    let id = media::store(&state.db, &state.settings.media.dir, &upload.bytes, text).await?;
    who.audit(
        &state.db,
        "uploaded a picture",
        Target::new("image", id, form.get("alt")),
        "through the Admin API",
    )
    .await?;
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
