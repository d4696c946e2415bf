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
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Review => "review",
            Status::Scheduled => "scheduled",
            Status::Published => "published",
        }
    }
}

/// A headline: one line of 1 to 200 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Headline(String);

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
    pub published_at: Option<Timestamp>,
    pub updated_at: Timestamp,
    pub version: i64,
}

/// A published article as it appears in lists: enough for a story card.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Story {
    pub id: ArticleId,
    pub slug: String,
    pub headline: String,
    pub standfirst: String,
    pub published_at: Timestamp,
    pub updated_at: Timestamp,
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
