//! What an editor writes: an article's content, validated. The newsroom form,
//! the Admin API, revisions and the demo loader all pass through this type.

use serde::{Deserialize, Serialize};

use crate::domain::{ArticleId, AuthorId, ImageId, SectionId, Slug, TagId};

use super::model::{ArticleKind, CommentsMode, Headline};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArticleContent {
    pub slug: Slug,
    pub headline: Headline,
    pub standfirst: String,
    pub body: String,
    pub footnote: String,
    pub section: SectionId,
    #[serde(default)]
    pub featured: bool,
    #[serde(default)]
    pub comments: CommentsMode,
    #[serde(default)]
    pub kind: ArticleKind,
    /// The byline, in order.
    pub authors: Vec<AuthorId>,
    pub tags: Vec<TagId>,
    /// Pictures with the body position each stands at (0 = lead picture).
    pub images: Vec<Placed<ImageId>>,
    /// Related articles with the body position their link box stands at (0 = end).
    pub related: Vec<Placed<ArticleId>>,
}

/// Something placed in the body: it stands after `after` top-level blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placed<T> {
    pub item: T,
    pub after: i64,
}

impl<T> Placed<T> {
    pub fn new(item: T, after: i64) -> Self {
        Self { item, after }
    }
}
