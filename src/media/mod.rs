//! Pictures: stored once, resized into the widths the site serves, and sent
//! from `media.dir` with long-lived caching (a changed picture gets a new id).

mod store;
mod view;
mod webp;

pub use store::{ImageText, MAX_PICTURE_BYTES, Stored, Uploader, WIDTHS, restore, store, store_picture};
pub use view::{Figure, FigureView, ImageView, image_view, recent, words_of};

use axum::http::{HeaderValue, header};
use tower_http::services::ServeDir;
use tower_http::services::fs::ServeFileSystemResponseBody;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::http::{Access, Routes};
use crate::state::AppState;

pub fn routes(state: &AppState) -> Routes {
    let files = ServeDir::new(&state.settings.media.dir)
        .call_fallback_on_method_not_allowed(false)
        .fallback(axum::routing::get(webp::make_missing).with_state(state.clone()));
    Routes::new(state).files(
        "/media",
        Access::Public,
        tower::ServiceBuilder::new()
            // A picture's files never change (a new picture gets a new id),
            // but a missing one may yet appear: only files are kept for a year.
            .layer(SetResponseHeaderLayer::if_not_present(
                header::CACHE_CONTROL,
                |response: &axum::http::Response<ServeFileSystemResponseBody>| {
                    let status = response.status();
                    Some(HeaderValue::from_static(
                        if status.is_client_error() || status.is_server_error() {
                            "no-store"
                        } else {
                            "public, max-age=31536000, immutable"
                        },
                    ))
                },
            ))
            .service(files),
    )
}

/// The URL path of one stored width of a picture (JPEG).
pub fn variant_path(id: crate::domain::ImageId, width: i64) -> String {
    format!("/media/{id}/{width}.jpg")
}

/// The URL path of the same width's WebP copy.
pub fn webp_path(id: crate::domain::ImageId, width: i64) -> String {
    format!("/media/{id}/{width}.webp")
}
