//! What an editor or a script submits for an article, before it is checked.
//! The newsroom's form and the Admin API's JSON both arrive as an
//! [`ArticleInput`]; [`ArticleInput::resolve`] lays it over what is stored
//! and checks it into [`ArticleContent`], naming every problem at its field.
//! Sections and authors are named by slug (or id), related articles by
//! slug, tags by name (new ones are created with the article).

use serde::Deserialize;

use crate::change::Change;
use crate::db::{Conn, Db, DbError, sql};
use crate::domain::{ArticleId, AuthorId, ImageId, SectionId, Slug, TagId};
use crate::error::{FieldErrors, Refused};
use crate::site;

use super::content::{ArticleContent, Placed};
use super::model::{ArticleKind, CommentsMode, Headline};

/// The longest standfirst, in characters: it is one sentence.
pub const MAX_STANDFIRST: usize = 400;
/// The longest body, in bytes.
pub const MAX_BODY: usize = 200_000;
/// The longest tag name, in characters.
pub const MAX_TAG: usize = 60;

/// Fields left out keep what is stored (or are empty for a new article).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticleInput {
    /// The version the change is based on; required when changing an article.
    pub version: Option<i64>,
    pub headline: Option<String>,
    pub standfirst: Option<String>,
    pub body: Option<String>,
    pub footnote: Option<String>,
    /// Made from the headline when empty.
    pub slug: Option<String>,
    /// The section's slug (or id).
    pub section: Option<String>,
    /// Tag names.
    pub tags: Option<Vec<String>>,
    /// Author slugs (or ids), in byline order.
    pub authors: Option<Vec<String>>,
    pub images: Option<Vec<PlacedImage>>,
    pub related: Option<Vec<PlacedArticle>>,
    pub featured: Option<bool>,
    pub comments: Option<CommentsMode>,
    pub kind: Option<ArticleKind>,
}

/// A picture from the library, standing after `after` paragraphs (0: the lead picture).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlacedImage {
    pub id: ImageId,
    #[serde(default)]
    pub after: i64,
}

/// A related article by its slug, its link standing after `after` paragraphs (0: at the end).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlacedArticle {
    pub slug: String,
    #[serde(default)]
    pub after: i64,
}

/// Whether new tags are created, or left out (a preview writes nothing).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tags {
    Create,
    LeaveOut,
}

impl ArticleInput {
    /// Checks the input laid over `base` (what is stored, or None for a new
    /// article), creating new tags within the change.
    pub async fn resolve(self, change: &mut Change, base: Option<&ArticleContent>) -> Result<ArticleContent, Refused> {
        let db = change.db().clone();
        let (content, new_tags) = self.check(&db, base, Tags::Create).await?;
        let mut content = content;
        for (slug, name) in new_tags {
            let id = site::write::ensure_tag(&mut *change, &slug, &name).await?;
            if !content.tags.contains(&id) {
                content.tags.push(id);
            }
        }
        Ok(content)
    }

    /// The same checks without writing anything: tags not created yet are left out.
    pub async fn preview(self, db: &Db, base: Option<&ArticleContent>) -> Result<ArticleContent, Refused> {
        Ok(self.check(db, base, Tags::LeaveOut).await?.0)
    }

    async fn check(
        self,
        db: &Db,
        base: Option<&ArticleContent>,
        tags: Tags,
    ) -> Result<(ArticleContent, Vec<(Slug, String)>), Refused> {
        let mut errors = FieldErrors::default();
        let headline_text = self
            .headline
            .clone()
            .or_else(|| base.map(|b| b.headline.as_str().to_owned()))
            .unwrap_or_default();
        let headline = Headline::parse(&headline_text).map_err(|e| errors.absorb(e)).ok();
        let slug = match (self.slug.as_deref().map(str::trim), base) {
            (Some(text), _) if !text.is_empty() => {
                Slug::parse(text).map_err(|e| errors.add("slug", e.to_string())).ok()
            }
            (None, Some(base)) => Some(base.slug.clone()),
            _ => {
                let suggested = Slug::suggest(&headline_text);
                if suggested.is_none() && headline.is_some() {
                    errors.add(
                        "slug",
                        "Write a slug: the headline has no letters or digits to make one from.",
                    );
                }
                suggested
            }
        };
        let standfirst = pick(self.standfirst, base.map(|b| &b.standfirst)).trim().to_owned();
        if standfirst.chars().count() > MAX_STANDFIRST {
            errors.add(
                "standfirst",
                format!("Keep the standfirst to {MAX_STANDFIRST} characters: it is one sentence."),
            );
        }
        let body = pick(self.body, base.map(|b| &b.body)).replace("\r\n", "\n");
        if body.len() > MAX_BODY {
            errors.add("body", "The body is longer than 200,000 characters.");
        }
        let footnote = pick(self.footnote, base.map(|b| &b.footnote)).trim().to_owned();

        let section = match &self.section {
            Some(named) => section_named(db, named.trim()).await?,
            None => base.map(|b| b.section),
        };
        if section.is_none() {
            errors.add("section", "Choose the section the article belongs to.");
        }

        let authors = match &self.authors {
            Some(named) => {
                let mut ids: Vec<AuthorId> = Vec::new();
                for name in named.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
                    match author_named(db, name).await? {
                        Some(id) if !ids.contains(&id) => ids.push(id),
                        Some(_) => {}
                        None => errors.add("authors", format!("There is no author \"{name}\".")),
                    }
                }
                ids
            }
            None => base.map(|b| b.authors.clone()).unwrap_or_default(),
        };

        let images = match &self.images {
            Some(placed) => {
                let mut images: Vec<Placed<ImageId>> = Vec::new();
                for picture in placed {
                    if picture.after < 0 {
                        errors.add(
                            "images",
                            "Each picture's position must be a whole number, 0 for the lead picture.",
                        );
                    } else if !exists(db, "SELECT COUNT(*) FROM images WHERE id = $1", picture.id).await? {
                        errors.add("images", "That picture is not in the library.");
                    } else if !images.iter().any(|p| p.item == picture.id) {
                        images.push(Placed::new(picture.id, picture.after));
                    }
                }
                images
            }
            None => base.map(|b| b.images.clone()).unwrap_or_default(),
        };

        let related = match &self.related {
            Some(placed) => {
                let mut related = Vec::new();
                for link in placed.iter().filter(|l| !l.slug.trim().is_empty()) {
                    let slug = link.slug.trim();
                    let found: Option<(ArticleId,)> = sql("SELECT id FROM articles WHERE slug = $1")
                        .bind(slug)
                        .fetch_optional(db)
                        .await?;
                    match found {
                        None => errors.add("related", format!("There is no article with the slug \"{slug}\".")),
                        Some(_) if link.after < 0 => errors.add(
                            "related",
                            "A related link's position must be a whole number (0 puts it at the end).",
                        ),
                        Some((id,)) => related.push(Placed::new(id, link.after)),
                    }
                }
                related
            }
            None => base.map(|b| b.related.clone()).unwrap_or_default(),
        };

        let mut tag_ids: Vec<TagId> = Vec::new();
        let mut new_tags = Vec::new();
        match &self.tags {
            Some(names) => {
                for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
                    match Slug::suggest(name) {
                        Some(slug) if name.chars().count() <= MAX_TAG => {
                            match site::queries::tag_by_slug(db, slug.as_str()).await? {
                                Some(tag) if !tag_ids.contains(&tag.id) => tag_ids.push(tag.id),
                                Some(_) => {}
                                None if tags == Tags::Create => new_tags.push((slug, name.to_owned())),
                                None => {}
                            }
                        }
                        _ => errors.add(
                            "tags",
                            format!("\"{name}\" cannot be a tag: use letters or digits, {MAX_TAG} characters at most."),
                        ),
                    }
                }
            }
            None => tag_ids = base.map(|b| b.tags.clone()).unwrap_or_default(),
        }

        let (Some(headline), Some(slug), Some(section), true) = (headline, slug, section, errors.is_empty()) else {
            return Err(Refused::Fields(errors));
        };
        let content = ArticleContent {
            slug,
            headline,
            standfirst,
            body,
            footnote,
            section,
            featured: self.featured.or(base.map(|b| b.featured)).unwrap_or(false),
            comments: self.comments.or(base.map(|b| b.comments)).unwrap_or_default(),
            kind: self.kind.or(base.map(|b| b.kind)).unwrap_or_default(),
            authors,
            tags: tag_ids,
            images,
            related,
        };
        Ok((content, new_tags))
    }
}

/// The given text, or what is stored, or nothing.
fn pick(given: Option<String>, stored: Option<&String>) -> String {
    given.or_else(|| stored.cloned()).unwrap_or_default()
}

async fn exists<'c>(
    conn: impl Into<Conn<'c>>,
    query: &'static str,
    id: impl Into<crate::db::Arg>,
) -> Result<bool, DbError> {
    Ok(sql(query).bind(id).fetch_count(conn).await? > 0)
}

/// A section by slug, or by id (as the newsroom's form sends it).
async fn section_named(db: &Db, named: &str) -> Result<Option<SectionId>, DbError> {
    if let Ok(id) = named.parse::<SectionId>() {
        return Ok(exists(db, "SELECT COUNT(*) FROM sections WHERE id = $1", id)
            .await?
            .then_some(id));
    }
    Ok(site::queries::section_by_slug(db, named).await?.map(|s| s.id))
}

/// An author by slug, or by id (as the newsroom's form sends it).
async fn author_named(db: &Db, named: &str) -> Result<Option<AuthorId>, DbError> {
    if let Ok(id) = named.parse::<AuthorId>() {
        return Ok(exists(db, "SELECT COUNT(*) FROM authors WHERE id = $1", id)
            .await?
            .then_some(id));
    }
    Ok(site::queries::author_by_slug(db, named).await?.map(|a| a.id))
}
