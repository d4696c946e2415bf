//! Articles: how they are stored, written, versioned, scheduled, read,
//! rendered and shown on their own page.

pub mod body;
pub mod content;
pub mod embeds;
pub mod input;
mod jsonld;
pub mod model;
pub mod notes;
pub mod page;
pub mod queries;
pub mod revisions;
pub mod rights;
pub mod scheduler;
pub mod view;
pub mod workflow;
pub mod write;

pub use content::{ArticleContent, Placed};
pub use model::{Article, ArticleKind, CommentsMode, Headline, Status, Story, StoryFilter};
pub use view::StoryCard;

use crate::http::Access::Public;
use crate::http::Routes;
use crate::state::AppState;

pub fn routes(state: &AppState) -> Routes {
    Routes::new(state).get("/{section}/{slug}", Public, page::show)
}
