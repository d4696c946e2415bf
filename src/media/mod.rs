//! Pictures: stored once, resized into the widths the site serves, and sent
//! from `media.dir` with long-lived caching (a changed picture gets a new id).

mod store;
mod view;

pub use store::{ImageText, WIDTHS, store, store_picture};
pub use view::{Figure, FigureView, ImageView, image_view, words_of};

use std::path::Path;

use axum::Router;
use axum::http::{HeaderValue, header};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::state::AppState;

pub fn router(media_dir: &Path) -> Router<AppState> {
    let files = ServeDir::new(media_dir).call_fallback_on_method_not_allowed(false);
    Router::new().nest_service(
        "/media",
        tower::ServiceBuilder::new()
            .layer(SetResponseHeaderLayer::if_not_present(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ))
            .service(files),
    )
}

/// The URL path of one stored width of a picture.
pub fn variant_path(id: crate::domain::ImageId, width: i64) -> String {
    format!("/media/{id}/{width}.jpg")
}
