//! WebP copies of a picture's served widths, offered to browsers beside the
//! JPEGs (about a third smaller at the same look). They are written with the
//! JPEGs when a picture is stored; for pictures stored before there were
//! any, a missing copy is made from the JPEG of the same width on its first
//! request and kept.

use std::path::PathBuf;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use image::RgbImage;

use crate::domain::ImageId;
use crate::state::AppState;

use super::store::{take_turn, write_atomically};

const QUALITY: f32 = 75.0;

pub(super) fn encode(picture: &RgbImage) -> Vec<u8> {
    ::webp::Encoder::from_rgb(picture.as_raw(), picture.width(), picture.height())
        .encode(QUALITY)
        .to_vec()
}

/// `/{id}/{width}.webp` → the picture and width it names.
fn named(path: &str) -> Option<(ImageId, u32)> {
    let (id, file) = path.trim_start_matches('/').split_once('/')?;
    let width = file.strip_suffix(".webp")?.parse().ok()?;
    Some((id.parse().ok()?, width))
}

/// What the media files fall back to when a file is not there: a WebP copy
/// whose JPEG is there is made now; anything else is not found.
pub async fn make_missing(State(state): State<AppState>, uri: Uri) -> Response {
    let Some((id, width)) = named(uri.path()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let folder = PathBuf::from(&state.settings.media.dir).join(id.to_string());
    let jpeg = folder.join(format!("{width}.jpg"));
    if !tokio::fs::try_exists(&jpeg).await.unwrap_or(false) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let Ok(_turn) = take_turn().await else {
        return (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "5")]).into_response();
    };
    let made = tokio::task::spawn_blocking(move || {
        let picture = image::open(&jpeg)?.to_rgb8();
        let bytes = encode(&picture);
        write_atomically(&folder.join(format!("{width}.webp")), &bytes)?;
        Ok::<_, anyhow::Error>(bytes)
    })
    .await;
    match made {
        Ok(Ok(bytes)) => {
            let mut response = Response::new(Body::from(bytes));
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/webp"));
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            );
            response
        }
        failed => {
            let error = match failed {
                Ok(Err(err)) => format!("{err:#}"),
                Err(err) => err.to_string(),
                Ok(Ok(_)) => String::new(),
            };
            tracing::warn!(picture = %id, width, error, "could not make a WebP copy");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_picture_id_and_a_width_name_a_copy() {
        let id = ImageId::new();
        assert_eq!(named(&format!("/{id}/640.webp")), Some((id, 640)));
        assert_eq!(named(&format!("/{id}/640.jpg")), None);
        assert_eq!(named("/../etc/640.webp"), None);
        assert_eq!(named(&format!("/{id}/../640.webp")), None);
    }
}
