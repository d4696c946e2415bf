//! Articles: how they are stored, written, versioned, scheduled, read,
//! rendered and shown on their own page.

pub mod body;
pub mod content;
mod jsonld;
pub mod model;
pub mod notes;
pub mod page;
pub mod queries;
pub mod revisions;
pub mod scheduler;
pub mod view;
pub mod workflow;
pub mod write;

pub use content::{ArticleContent, Placed};
pub use model::{Article, ArticleKind, CommentsMode, Headline, Status, Story, StoryFilter};
pub use view::StoryCard;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/{section}/{slug}", get(page::show))
}
