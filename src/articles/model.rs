//! What an article is.

use serde::{Deserialize, Serialize};

use crate::domain::{ArticleId, ImageId, SectionId, Timestamp};
use crate::error::AppError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    Review,
    Scheduled,
    Published,
}

impl Status {
    pub fn parse(s: &str) -> Option<Self> {
        [Status::Draft, Status::Review, Status::Scheduled, Status::Published]
            .into_iter()
            .find(|st| st.as_str() == s)
    }

    /// How the newsroom names the state.
    pub fn label(self) -> &'static str {
        match self {
            Status::Draft => "Draft",
            Status::Review => "In review",
            Status::Scheduled => "Scheduled",
            Status::Published => "Published",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Review => "review",
            Status::Scheduled => "scheduled",
            Status::Published => "published",
        }
    }
}

/// A plain story, or a live blog that carries timestamped entries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArticleKind {
    #[default]
    Story,
    LiveBlog,
}

impl ArticleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ArticleKind::Story => "story",
            ArticleKind::LiveBlog => "liveblog",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [ArticleKind::Story, ArticleKind::LiveBlog]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// A headline: one line of 1 to 200 characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Headline(String);

impl TryFrom<String> for Headline {
    type Error = AppError;
    fn try_from(value: String) -> Result<Self, AppError> {
        Self::parse(&value)
    }
}

impl From<Headline> for String {
    fn from(h: Headline) -> String {
        h.0
    }
}

/// Whether readers may comment, and whether comments wait for a moderator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CommentsMode {
    #[default]
    Open,
    Closed,
    Premoderated,
}

impl CommentsMode {
    pub const ALL: [CommentsMode; 3] = [CommentsMode::Open, CommentsMode::Premoderated, CommentsMode::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            CommentsMode::Open => "open",
            CommentsMode::Closed => "closed",
            CommentsMode::Premoderated => "premoderated",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

impl Headline {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(input: &str) -> Result<Self, AppError> {
        let text = input.trim();
        let invalid = |message: String| AppError::Invalid {
            field: "headline".into(),
            message,
        };
        if text.is_empty() {
            return Err(invalid("A headline is required.".into()));
        }
        if text.chars().count() > Self::MAX_CHARS {
            return Err(invalid(format!(
                "A headline can be at most {} characters.",
                Self::MAX_CHARS
            )));
        }
        if text.contains(['\n', '\r']) {
            return Err(invalid("A headline is a single line.".into()));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An article as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Article {
    pub id: ArticleId,
    pub slug: String,
    pub kind: String,
    pub status: String,
    pub headline: String,
    pub standfirst: String,
    pub body: String,
    pub footnote: String,
    pub section_id: SectionId,
    pub featured: bool,
    pub comments: String,
    pub published_at: Option<Timestamp>,
    pub updated_at: Timestamp,
    pub version: i64,
    pub ever_published: bool,
    pub created_by: Option<crate::domain::StaffId>,
    /// Visible comments.
    pub comment_count: i64,
    /// When a live blog was closed ("This live blog has ended").
    pub live_ended_at: Option<Timestamp>,
}

impl Article {
    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Draft)
    }

    pub fn kind(&self) -> ArticleKind {
        ArticleKind::parse(&self.kind).unwrap_or_default()
    }
}

/// The columns of [`Article`], for queries that load one.
pub const ARTICLE_COLUMNS: &str = "id, slug, kind, status, headline, standfirst, body, footnote, section_id, featured, \
    comments, published_at, updated_at, version, ever_published, created_by, comment_count, live_ended_at";

/// A published article as it appears in lists: enough for a story card.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Story {
    pub id: ArticleId,
    pub slug: String,
    pub headline: String,
    pub standfirst: String,
    pub published_at: Timestamp,
    pub updated_at: Timestamp,
    /// A live blog still running.
    pub live: bool,
    pub section_slug: String,
    pub section_name: String,
    pub image_id: Option<ImageId>,
    pub image_alt: Option<String>,
    pub image_width: Option<i64>,
    pub image_height: Option<i64>,
    pub image_widths: Option<String>,
}

impl Story {
    pub fn path(&self) -> String {
        format!("/{}/{}", self.section_slug, self.slug)
    }
}

/// Which published stories a list shows.
#[derive(Clone, Copy, Debug)]
pub enum StoryFilter {
    All,
    Section(SectionId),
    Tag(crate::domain::TagId),
    Author(crate::domain::AuthorId),
}
