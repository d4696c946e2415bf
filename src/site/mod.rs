//! Site structure: sections, tags and authors, and the pages that list
//! stories by them, the homepage included.

mod author;
mod home;
mod listing;
pub mod model;
pub mod queries;
pub mod redirects;
mod section;
mod tag;

pub use model::{Author, RESERVED_SLUGS, Section, Tag};

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home::show))
        .route("/{section}", get(section::show))
        .route("/tag/{slug}", get(tag::show))
        .route("/author/{slug}", get(author::show))
}
