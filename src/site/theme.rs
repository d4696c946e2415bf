//! `/theme.css`: the newsroom's accent colour as a stylesheet (the content
//! security policy allows no inline styles). Its address carries a
//! fingerprint, so a browser keeps it until the colour changes.

use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::layout::theme_version;

#[derive(serde::Deserialize)]
pub struct Version {
    #[serde(default)]
    v: String,
}

pub async fn show(State(state): State<AppState>, Query(asked): Query<Version>) -> AppResult<Response> {
    let css = state.site.identity().theme_css().ok_or(AppError::NotFound)?;
    let cache = if asked.v == theme_version(&css) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        css,
    )
        .into_response())
}
