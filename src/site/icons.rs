//! Browser and home-screen icons made from the newsroom's logo:
//! `/favicon.png` (32 px) and `/apple-touch-icon.png` (180 px), the logo
//! fitted into a white square. Without a logo, the built-in icon is used.

use std::io::Cursor;

use anyhow::Context;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use image::imageops::FilterType;
use image::{ImageFormat, Rgba, RgbaImage};

use crate::db::sql;
use crate::domain::ImageId;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub async fn favicon(State(state): State<AppState>) -> AppResult<Response> {
    icon(&state, 32).await
}

pub async fn touch_icon(State(state): State<AppState>) -> AppResult<Response> {
    icon(&state, 180).await
}

async fn icon(state: &AppState, size: u32) -> AppResult<Response> {
    let logo = state.site.identity().logo.ok_or(AppError::NotFound)?;
    let (widths,): (String,) = sql("SELECT widths FROM images WHERE id = $1")
        .bind(logo)
        .fetch_optional(&state.db)
        .await
        .context("finding the logo")?
        .ok_or(AppError::NotFound)?;
    // The smallest stored width that still has detail to spare.
    let width = widths
        .split_whitespace()
        .filter_map(|w| w.parse::<u32>().ok())
        .find(|w| *w >= size * 2)
        .or_else(|| widths.split_whitespace().filter_map(|w| w.parse().ok()).next_back())
        .ok_or(AppError::NotFound)?;
    let file = state
        .settings
        .media
        .dir
        .join(logo.to_string())
        .join(format!("{width}.jpg"));
    let png = tokio::task::spawn_blocking(move || square(&file, size))
        .await
        .context("making an icon")??;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("image/png")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400")),
        ],
        png,
    )
        .into_response())
}

/// The picture at `file` fitted, centred, into a white `size` square, as PNG.
fn square(file: &std::path::Path, size: u32) -> anyhow::Result<Vec<u8>> {
    let picture = image::open(file).with_context(|| format!("reading {}", file.display()))?;
    let fitted = picture.resize(size, size, FilterType::Lanczos3).to_rgba8();
    let mut canvas = RgbaImage::from_pixel(size, size, Rgba([255, 255, 255, 255]));
    let (x, y) = ((size - fitted.width()) / 2, (size - fitted.height()) / 2);
    image::imageops::overlay(&mut canvas, &fitted, i64::from(x), i64::from(y));
    let mut out = Cursor::new(Vec::new());
    canvas.write_to(&mut out, ImageFormat::Png).context("writing an icon")?;
    Ok(out.into_inner())
}

/// The query that makes icon addresses change with the logo.
pub fn version(logo: ImageId) -> String {
    logo.to_string()
}
