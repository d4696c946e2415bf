//! Articles: how they are stored, read, rendered and shown on their own page.

pub mod body;
mod jsonld;
pub mod model;
mod page;
pub mod queries;
pub mod view;
pub mod write;

pub use model::{Article, Headline, Status, Story, StoryFilter};
pub use view::StoryCard;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/{section}/{slug}", get(page::show))
}
