//! Site structure: sections, tags and authors, and the pages that list
//! stories by them, the homepage included.

mod author;
pub mod home;
mod listing;
pub mod menus;
pub mod model;
pub mod pages;
pub mod queries;
pub mod redirects;
pub mod section;
pub mod settings;
mod tag;
pub mod write;

pub use model::{Author, RESERVED_SLUGS, Section, Tag};

use crate::http::Access::Public;
use crate::http::Routes;
use crate::state::AppState;

pub fn routes(state: &AppState) -> Routes {
    Routes::new(state)
        .get("/", Public, home::show)
        .get("/{section}", Public, section::show)
        .get("/tag/{slug}", Public, tag::show)
        .get("/author/{slug}", Public, author::show)
}
