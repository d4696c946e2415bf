//! What a comment is.

use serde::{Deserialize, Serialize};

use crate::domain::{ArticleId, Timestamp};

/// Comment ids are UUIDv7 too; the thread path is made of them.
pub use crate::domain::CommentId;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Shown to everyone.
    Visible,
    /// Waiting for a moderator (pre-moderated article, or caught by a filter).
    Held,
    /// Turned down by a moderator.
    Rejected,
    /// Deleted by its author (or with their account).
    Removed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Visible => "visible",
            Status::Held => "held",
            Status::Rejected => "rejected",
            Status::Removed => "removed",
        }
    }

    pub fn parse(s: &str) -> Self {
        match s {
            "visible" => Status::Visible,
            "held" => Status::Held,
            "rejected" => Status::Rejected,
            _ => Status::Removed,
        }
    }
}

/// A comment with its author's public name, as threads load it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Comment {
    pub id: CommentId,
    pub article_id: ArticleId,
    pub reader_id: Option<crate::domain::ReaderId>,
    pub parent_id: Option<CommentId>,
    pub root_id: CommentId,
    pub path: String,
    pub depth: i64,
    pub body: String,
    pub status: String,
    pub held_reason: String,
    pub featured: bool,
    pub likes: i64,
    pub created_at: Timestamp,
    pub edited_at: Option<Timestamp>,
    pub author_name: Option<String>,
    /// The name an imported comment was signed with, when its writer has no account here.
    pub guest_name: String,
}

impl Comment {
    /// Where the comment stands in its thread.
    pub fn place(&self) -> super::rows::Place {
        super::rows::Place {
            parent: self.parent_id,
            root: self.root_id,
            path: self.path.clone(),
            depth: self.depth,
        }
    }

    pub fn status(&self) -> Status {
        Status::parse(&self.status)
    }

    pub fn author(&self) -> &str {
        match self.author_name.as_deref().filter(|_| self.reader_id.is_some()) {
            Some(name) => name,
            None if !self.guest_name.is_empty() => &self.guest_name,
            None => "Deleted reader",
        }
    }
}

/// The columns of [`Comment`]: the comment and its author's name.
pub const COMMENT_SELECT: &str = "SELECT c.id, c.article_id, c.reader_id, c.parent_id, c.root_id, c.path, c.depth, c.body, \
    c.status, c.held_reason, c.featured, c.likes, c.created_at, c.edited_at, r.display_name AS author_name, \
    c.guest_name FROM comments c LEFT JOIN readers r ON r.id = c.reader_id";

/// A comment as a reader's data export shows it.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct CommentExport {
    pub id: CommentId,
    pub article_headline: String,
    pub body: String,
    pub status: String,
    pub created_at: Timestamp,
    pub edited_at: Option<Timestamp>,
}

/// A like or a report a reader made, as their data export shows it.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ActExport {
    pub comment_id: CommentId,
    pub article_headline: String,
    /// A report's reason; empty for a like.
    pub reason: String,
    pub created_at: Timestamp,
}

/// Longest comment accepted, in characters.
pub const MAX_CHARS: usize = 5_000;
/// Replies are drawn this many levels deep; deeper ones continue on their own page.
pub const SHOWN_DEPTH: i64 = 3;
/// Threads never nest deeper than this.
pub const MAX_DEPTH: i64 = 12;
