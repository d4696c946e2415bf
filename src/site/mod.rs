//! Site structure: sections, tags and authors, and the pages that list
//! stories by them, the homepage included.

mod author;
pub mod home;
pub mod icons;
pub mod identity;
mod listing;
pub mod menus;
pub mod model;
pub mod pages;
pub mod queries;
pub mod redirects;
pub mod section;
pub mod settings;
mod tag;
mod theme;
pub mod write;

pub use model::{Author, RESERVED_SLUGS, Section, Tag};

use crate::http::Access::Public;
use crate::http::Routes;
use crate::state::AppState;

pub fn routes(state: &AppState) -> Routes {
    Routes::new(state)
        .get("/", Public, home::show)
        .get("/theme.css", Public, theme::show)
        .get("/favicon.png", Public, icons::favicon)
        .get("/apple-touch-icon.png", Public, icons::touch_icon)
        .get("/{section}", Public, section::show)
        .get("/tag/{slug}", Public, tag::show)
        .get("/author/{slug}", Public, author::show)
}
