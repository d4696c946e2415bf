//! The picture library: recent uploads and an upload form.

use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::accounts::CurrentStaff;
use crate::db::sql;
use crate::domain::{ImageId, Timestamp};
use crate::error::{AppError, AppResult};
use crate::media::{self, ImageText};
use crate::state::AppState;
use crate::web::form::{FormFields, MultipartForm};

use super::layout::{Done, NewsroomLayout};
use crate::media::MAX_PICTURE_BYTES;

#[derive(Template)]
#[template(path = "newsroom/images.html")]
struct ImagesPage {
    layout: NewsroomLayout,
    pictures: Vec<Picture>,
    form: FormFields,
    error: Option<String>,
}

struct Picture {
    id: ImageId,
    src: String,
    alt: String,
    caption: String,
    credit: String,
    size: String,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: ImageId,
    alt: String,
    caption: String,
    credit: String,
    width: i64,
    height: i64,
    #[allow(dead_code, reason = "selected for ordering")]
    created_at: Timestamp,
}

async fn page(
    state: &AppState,
    who: &CurrentStaff,
    form: FormFields,
    error: Option<String>,
    notice: Option<&str>,
) -> AppResult<String> {
    let rows: Vec<Row> = sql("SELECT id, alt, caption, credit, width, height, created_at FROM images ORDER BY created_at DESC, id DESC LIMIT 60")
        .fetch_all(&state.db)
        .await?;
    let pictures = rows
        .into_iter()
        .map(|r| Picture {
            src: media::variant_path(r.id, 320),
            size: format!("{}×{}", r.width, r.height),
            id: r.id,
            alt: r.alt,
            caption: r.caption,
            credit: r.credit,
        })
        .collect();
    let layout = NewsroomLayout::new(state, who, "Pictures", "/newsroom/images").with_notice(notice);
    Ok(ImagesPage {
        layout,
        pictures,
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

pub async fn upload(State(state): State<AppState>, who: CurrentStaff, multipart: Multipart) -> AppResult<Response> {
    let submission = MultipartForm::read(multipart, MAX_PICTURE_BYTES).await;
    let form = submission.fields;
    let outcome = match (submission.upload_error, submission.upload) {
        (Some(err), _) => Err(err),
        (None, None) => Err(AppError::Invalid {
            field: "picture".into(),
            message: "Choose a picture file to upload.".into(),
        }),
        (None, Some(upload)) => {
            let text = ImageText {
                alt: form.get("alt"),
                caption: form.get("caption"),
                credit: form.get("credit"),
            };
            let by = media::Uploader {
                actor: (&who).into(),
                channel: "",
                state: &state,
            };
            media::store(by, &upload.bytes, text).await
        }
    };
    match outcome.map_err(AppError::noted) {
        Ok(_) => Ok(Redirect::to("/newsroom/images?done=uploaded").into_response()),
        Err(err) => {
            let status = match &err {
                AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
                other => other.status(),
            };
            let message = err.report().detail;
            Ok((status, Html(page(&state, &who, form, Some(message), None).await?)).into_response())
        }
    }
}
