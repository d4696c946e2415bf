//! What an editor writes: an article's content, validated. The newsroom form,
//! the Admin API, revisions and the demo loader all pass through this type.

use serde::{Deserialize, Serialize};

use crate::db::DbError;
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

/// What an article's content refers to, by the names people and scripts
/// use: the section's slug, the tags' names, the authors' slugs and the
/// related articles' slugs (each with its place).
#[derive(Clone, Debug, Default)]
pub struct Names {
    pub section: String,
    pub tags: Vec<String>,
    pub authors: Vec<String>,
    pub related: Vec<(String, i64)>,
}

impl ArticleContent {
    pub async fn names(&self, db: &crate::db::Db) -> Result<Names, DbError> {
        use crate::db::sql;
        let section: Option<(String,)> = sql("SELECT slug FROM sections WHERE id = $1")
            .bind(self.section)
            .fetch_optional(db)
            .await?;
        let mut names = Names {
            section: section.map(|(slug,)| slug).unwrap_or_default(),
            ..Names::default()
        };
        for tag in &self.tags {
            let row: Option<(String,)> = sql("SELECT name FROM tags WHERE id = $1")
                .bind(*tag)
                .fetch_optional(db)
                .await?;
            names.tags.extend(row.map(|(name,)| name));
        }
        for author in &self.authors {
            let row: Option<(String,)> = sql("SELECT slug FROM authors WHERE id = $1")
                .bind(*author)
                .fetch_optional(db)
                .await?;
            names.authors.extend(row.map(|(slug,)| slug));
        }
        for link in &self.related {
            let row: Option<(String,)> = sql("SELECT slug FROM articles WHERE id = $1")
                .bind(link.item)
                .fetch_optional(db)
                .await?;
            names.related.extend(row.map(|(slug,)| (slug, link.after)));
        }
        Ok(names)
    }
}
