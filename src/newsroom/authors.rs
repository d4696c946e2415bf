//! Author profiles (editors and admins): name, job title, bio and photo,
//! shown on author pages and in bylines.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::accounts::CurrentStaff;
use crate::change::Change;
use crate::domain::{AuthorId, ImageId, Slug};
use crate::error::{AppError, AppResult};
use crate::media::{self, ImageText};
use crate::site::queries;
use crate::site::write::{self, AuthorProfile, NewAuthor};
use crate::state::AppState;
use crate::web::form::{FormFields, MultipartForm};

use super::layout::{Done, NewsroomLayout};
use crate::media::MAX_PICTURE_BYTES;

#[derive(Template)]
#[template(path = "newsroom/authors.html")]
struct AuthorsPage {
    layout: NewsroomLayout,
    authors: Vec<Row>,
    form: FormFields,
    error: Option<String>,
}

struct Row {
    id: AuthorId,
    slug: String,
    name: String,
    job_title: String,
    bio: String,
    photo: Option<String>,
}

async fn page(
    state: &AppState,
    who: &CurrentStaff,
    form: FormFields,
    error: Option<String>,
    notice: Option<&str>,
) -> AppResult<String> {
    let authors = queries::authors(&state.db)
        .await?
        .into_iter()
        .map(|a| Row {
            photo: a.photo_id.map(|p| media::variant_path(p, 320)),
            id: a.id,
            slug: a.slug,
            name: a.name,
            job_title: a.job_title,
            bio: a.bio,
        })
        .collect();
    let layout = NewsroomLayout::new(state, who, "Authors", "/newsroom/authors").with_notice(notice);
    Ok(AuthorsPage {
        layout,
        authors,
        form,
        error,
    }
    .render()?)
}

pub async fn show(
    State(state): State<AppState>,
    who: CurrentStaff,
    Query(done): Query<Done>,
) -> AppResult<Html<String>> {
    Ok(Html(
        page(&state, &who, FormFields::default(), None, done.notice()).await?,
    ))
}

/// The photo in the submission, if any, stored as a picture.
async fn photo(
    state: &AppState,
    who: &CurrentStaff,
    submission: &mut MultipartForm,
    name: &str,
) -> Result<Option<ImageId>, AppError> {
    if let Some(err) = submission.upload_error.take() {
        return Err(err);
    }
    match submission.upload.take() {
        None => Ok(None),
        Some(upload) => {
            let alt = format!("Portrait of {name}");
            let text = ImageText {
                alt: &alt,
                caption: "",
                credit: "",
            };
            let by = media::Uploader {
                actor: who.into(),
                channel: "",
                state,
            };
            Ok(Some(media::store(by, &upload.bytes, text).await?))
        }
    }
}

fn check(form: &FormFields) -> Result<(), AppError> {
    let name = form.get("name").trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::Invalid {
            field: "name".into(),
            message: "An author's name has 1 to 100 characters.".into(),
        });
    }
    if form.get("bio").chars().count() > 2000 {
        return Err(AppError::Invalid {
            field: "bio".into(),
            message: "Keep the bio under 2,000 characters.".into(),
        });
    }
    Ok(())
}

pub async fn create(State(state): State<AppState>, who: CurrentStaff, multipart: Multipart) -> AppResult<Response> {
    let mut submission = MultipartForm::read(multipart, MAX_PICTURE_BYTES).await;
    let form = submission.fields.clone();
    let outcome = async {
        check(&form)?;
        let name = form.get("name").trim();
        let slug = match form.get("slug").trim() {
            "" => Slug::suggest(name).ok_or_else(|| AppError::Invalid {
                field: "slug".into(),
                message: "Write a slug for the author's page.".into(),
            })?,
            text => Slug::parse(text).map_err(|e| AppError::Invalid {
                field: "slug".into(),
                message: e.to_string(),
            })?,
        };
        let photo = photo(&state, &who, &mut submission, name).await?;
        let new = NewAuthor {
            slug,
            name,
            job_title: form.get("job_title").trim(),
            bio: form.get("bio").trim(),
            photo,
        };
        let mut change = Change::begin(&state, &who).await?;
        write::create_author(&mut change, new).await?;
        change.commit().await.map_err(AppError::from)
    }
    .await;
    match outcome {
        Ok(()) => Ok(Redirect::to("/newsroom/authors?done=created").into_response()),
        Err(err) => {
            let status = if matches!(err, AppError::Invalid { .. }) {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                err.status()
            };
            let message = err.report().detail;
            Ok((status, Html(page(&state, &who, form, Some(message), None).await?)).into_response())
        }
    }
}

pub async fn update(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(id): Path<AuthorId>,
    multipart: Multipart,
) -> AppResult<Response> {
    let mut submission = MultipartForm::read(multipart, MAX_PICTURE_BYTES).await;
    let form = submission.fields.clone();
    check(&form)?;
    let name = form.get("name").trim();
    let photo = photo(&state, &who, &mut submission, name).await?;
    let mut change = Change::begin(&state, &who).await?;
    let profile = AuthorProfile {
        name,
        job_title: form.get("job_title").trim(),
        bio: form.get("bio").trim(),
        photo,
    };
    write::update_author(&mut change, id, profile).await?;
    change.commit().await?;
    Ok(Redirect::to("/newsroom/authors?done=updated").into_response())
}
