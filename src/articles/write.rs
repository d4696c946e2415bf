//! Writing articles: creating them and saving new versions of their content.
//! Every save is checked against the version the editor started from, so a
//! concurrent edit is reported as a conflict instead of being overwritten,
//! and every save is kept as a revision.

use anyhow::Context;

use crate::audit::Target;
use crate::change::Change;
use crate::db::{Conn, Db, DbError, sql};
use crate::domain::{ArticleId, Timestamp};
use crate::error::AppError;
use crate::events::Event;
use crate::site::write::slug_taken;

use super::content::{ArticleContent, Placed};
use super::model::{ARTICLE_COLUMNS, Article, Status};
use super::revisions;

pub struct NewArticle {
    pub content: ArticleContent,
    pub status: Status,
    pub published_at: Option<Timestamp>,
    /// The last change readers can see; defaults to the publication time.
    pub updated_at: Option<Timestamp>,
}

fn check_dates(new: &NewArticle) -> Result<(), AppError> {
    if matches!(new.status, Status::Published | Status::Scheduled) && new.published_at.is_none() {
        return Err(AppError::Invalid {
            field: "published_at".into(),
            message: "A published or scheduled article needs its publication time.".into(),
        });
    }
    Ok(())
}

/// Creates an article: a new draft, or one brought in whole (the demo, an import).
pub async fn create(change: &mut Change, new: &NewArticle) -> Result<ArticleId, AppError> {
    let id = ArticleId::new();
    create_with_id(change, id, new).await?;
    Ok(id)
}

/// As [`create`], keeping an id the article already has (a site's export).
pub async fn create_with_id(change: &mut Change, id: ArticleId, new: &NewArticle) -> Result<(), AppError> {
    check_dates(new)?;
    let now = Timestamp::now();
    let updated_at = new.updated_at.or(new.published_at).unwrap_or(now);
    let c = &new.content;
    let actor = change.actor().clone();
    content_binds(
        c,
        "INSERT INTO articles (slug, headline, standfirst, body, footnote, section_id, featured, comments, kind,
            id, status, published_at, updated_at, created_at, created_by, ever_published)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
            .to_owned(),
    )
    .bind(id)
    .bind(new.status.as_str())
    .bind(new.published_at)
    .bind(updated_at)
    .bind(now)
    .bind(actor.id)
    .bind(new.status == Status::Published)
    .execute(&mut *change)
    .await
    .map_err(|e| slug_taken(e, "article"))?;
    write_children(change, id, c).await?;
    revisions::record(&mut *change, id, 1, c, &actor).await?;
    change
        .audit("created", Target::new("article", id, c.headline.as_str()), "")
        .await?;
    if new.status == Status::Published {
        change.announce(Event::ContentChanged);
    }
    Ok(())
}

/// Puts content, state and dates in place whatever was there (an import
/// bringing an article up to date with its source), as a new version.
pub async fn replace(change: &mut Change, id: ArticleId, new: &NewArticle) -> Result<(), AppError> {
    check_dates(new)?;
    let c = &new.content;
    let updated_at = new.updated_at.or(new.published_at).unwrap_or_else(Timestamp::now);
    let (version,): (i64,) = content_binds(
        c,
        format!(
            "UPDATE articles SET {CONTENT_SET}, status = $10, published_at = $11, updated_at = $12,
            ever_published = (ever_published OR $13), version = version + 1
         WHERE id = $14 RETURNING version",
        ),
    )
    .bind(new.status.as_str())
    .bind(new.published_at)
    .bind(updated_at)
    .bind(new.status == Status::Published)
    .bind(id)
    .fetch_one(&mut *change)
    .await
    .map_err(|e| slug_taken(e, "article"))?;
    write_children(change, id, c).await?;
    let actor = change.actor().clone();
    revisions::record(&mut *change, id, version, c, &actor).await?;
    change
        .audit("replaced", Target::new("article", id, c.headline.as_str()), "")
        .await?;
    change.announce(Event::ContentChanged);
    Ok(())
}

/// Why a save did not happen.
#[derive(Debug)]
pub enum SaveError {
    /// Someone saved since `expected_version`: here is what is stored now.
    Conflict(Box<Article>),
    Failed(AppError),
}

impl<E: Into<AppError>> From<E> for SaveError {
    fn from(err: E) -> Self {
        SaveError::Failed(err.into())
    }
}

/// How a save is written in the audit log: what was done, and any detail.
pub type Logged<'a> = (&'a str, &'a str);

/// Saves new content over `expected_version` and returns the new version;
/// `logged` names it in the audit log (("saved", ""), ("restored a revision", "version 3")).
pub async fn save(
    change: &mut Change,
    id: ArticleId,
    expected_version: i64,
    content: &ArticleContent,
    logged: Logged<'_>,
) -> Result<i64, SaveError> {
    let current: Article = sql(format!("SELECT {ARTICLE_COLUMNS} FROM articles WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *change)
        .await
        .with_context(|| format!("loading article {id} to save it"))?
        .ok_or(AppError::NotFound)?;
    if current.version != expected_version {
        return Err(SaveError::Conflict(Box::new(current)));
    }
    if current.ever_published && current.slug != content.slug.as_str() {
        return Err(SaveError::Failed(AppError::Invalid {
            field: "slug".into(),
            message: "The slug cannot change once the article has been published: its address is already out there."
                .into(),
        }));
    }
    let now = Timestamp::now();
    // Readers see a change to a live article as an update.
    let public = current.status() == Status::Published;
    let updated_at = if public { now } else { current.updated_at };
    let version = expected_version + 1;
    // The row was read in this transaction, which holds the write lock on
    // SQLite and this row's version check on PostgreSQL.
    let changed = content_binds(
        content,
        format!("UPDATE articles SET {CONTENT_SET}, updated_at = $10, version = $11 WHERE id = $12 AND version = $13"),
    )
    .bind(updated_at)
    .bind(version)
    .bind(id)
    .bind(expected_version)
    .execute(&mut *change)
    .await
    .map_err(|e| slug_taken(e, "article"))?;
    if changed == 0 {
        // Another save won the race between our read and this write.
        let current = super::queries::by_id(change.db(), id)
            .await
            .with_context(|| format!("reloading article {id} after a lost race"))?
            .ok_or(AppError::NotFound)?;
        return Err(SaveError::Conflict(Box::new(current)));
    }
    write_children(change, id, content).await?;
    let actor = change.actor().clone();
    revisions::record(&mut *change, id, version, content, &actor).await?;
    change
        .audit(
            logged.0,
            Target::new("article", id, content.headline.as_str()),
            logged.1,
        )
        .await?;
    if public {
        change.announce(Event::ContentChanged);
    }
    Ok(version)
}

/// Puts back dates an export carries: when a live blog ended, and the last
/// change readers saw (which saving would otherwise move to now).
pub async fn restore_dates(
    change: &mut Change,
    id: ArticleId,
    live_ended_at: Option<Timestamp>,
    updated_at: Timestamp,
) -> Result<(), AppError> {
    sql("UPDATE articles SET live_ended_at = $1, updated_at = $2 WHERE id = $3")
        .bind(live_ended_at)
        .bind(updated_at)
        .bind(id)
        .execute(&mut *change)
        .await
        .with_context(|| format!("restoring the dates of article {id}"))?;
    Ok(())
}

/// Adds related links to an article (an export's links, once every article they point at is in).
pub async fn add_related(change: &mut Change, id: ArticleId, links: &[Placed<ArticleId>]) -> Result<(), AppError> {
    for link in links {
        sql(
            "INSERT INTO article_related (article_id, related_id, position) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(link.item)
        .bind(link.after)
        .execute(&mut *change)
        .await
        .with_context(|| format!("linking article {id} to {}", link.item))?;
    }
    if !links.is_empty() {
        change.announce(Event::ArticleChanged { article: id });
    }
    Ok(())
}

/// A published article was touched by something shown on it (a live-blog
/// update): readers see it as updated.
pub async fn touch(change: &mut Change, id: ArticleId, at: Timestamp) -> Result<(), AppError> {
    sql("UPDATE articles SET updated_at = $1 WHERE id = $2 AND status = 'published'")
        .bind(at)
        .bind(id)
        .execute(&mut *change)
        .await
        .with_context(|| format!("marking article {id} updated"))?;
    Ok(())
}

/// Ends a live blog ("This live blog has ended"), or opens it again.
pub async fn set_live_ended(change: &mut Change, id: ArticleId, ended: Option<Timestamp>) -> Result<(), AppError> {
    sql("UPDATE articles SET live_ended_at = $1 WHERE id = $2")
        .bind(ended)
        .bind(id)
        .execute(&mut *change)
        .await
        .with_context(|| format!("ending live blog {id}"))?;
    change.announce(Event::ArticleChanged { article: id });
    change.announce(Event::ContentChanged);
    Ok(())
}

/// Sets the count of visible comments shown with an article.
pub async fn set_comment_count<'c>(conn: impl Into<Conn<'c>>, id: ArticleId, count: i64) -> Result<(), AppError> {
    sql("UPDATE articles SET comment_count = $1 WHERE id = $2")
        .bind(count)
        .bind(id)
        .execute(conn)
        .await
        .with_context(|| format!("setting the comment count of article {id}"))?;
    Ok(())
}

/// Moves the count of visible comments shown with an article.
pub async fn count_comments<'c>(conn: impl Into<Conn<'c>>, id: ArticleId, delta: i64) -> Result<(), AppError> {
    sql("UPDATE articles SET comment_count = comment_count + $1 WHERE id = $2")
        .bind(delta)
        .bind(id)
        .execute(conn)
        .await
        .with_context(|| format!("counting the comments of article {id}"))?;
    Ok(())
}

/// The columns an editor's content sets, as `$1` to `$9` of [`content_binds`]
/// (an INSERT names the same columns first, in this order).
const CONTENT_SET: &str = "slug = $1, headline = $2, standfirst = $3, body = $4, footnote = $5, section_id = $6, \
    featured = $7, comments = $8, kind = $9";

fn content_binds(c: &ArticleContent, text: String) -> crate::db::Query {
    sql(text)
        .bind(&c.slug)
        .bind(c.headline.as_str())
        .bind(c.standfirst.trim())
        .bind(c.body.as_str())
        .bind(c.footnote.trim())
        .bind(c.section)
        .bind(c.featured)
        .bind(c.comments.as_str())
        .bind(c.kind.as_str())
}

/// Replaces byline, tags, pictures and related links with the content's.
async fn write_children(change: &mut Change, id: ArticleId, content: &ArticleContent) -> Result<(), AppError> {
    for table in ["article_authors", "article_tags", "article_images", "article_related"] {
        sql(format!("DELETE FROM {table} WHERE article_id = $1"))
            .bind(id)
            .execute(&mut *change)
            .await?;
    }
    for (position, author) in content.authors.iter().enumerate() {
        sql("INSERT INTO article_authors (article_id, author_id, position) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(*author)
            .bind(position as i64)
            .execute(&mut *change)
            .await?;
    }
    for tag in &content.tags {
        sql("INSERT INTO article_tags (article_id, tag_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(*tag)
            .execute(&mut *change)
            .await?;
    }
    for (ordinal, Placed { item, after }) in content.images.iter().enumerate() {
        sql(
            "INSERT INTO article_images (article_id, image_id, position, ordinal) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(*item)
        .bind(*after)
        .bind(ordinal as i64)
        .execute(&mut *change)
        .await?;
    }
    for Placed { item, after } in &content.related {
        if *item == id {
            return Err(AppError::Invalid {
                field: "related".into(),
                message: "An article cannot be related to itself.".into(),
            });
        }
        sql(
            "INSERT INTO article_related (article_id, related_id, position) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(*item)
        .bind(*after)
        .execute(&mut *change)
        .await?;
    }
    Ok(())
}

/// The stored content of an article, as an editor would start from.
pub async fn content_of(db: &Db, article: &Article) -> Result<ArticleContent, AppError> {
    let authors: Vec<(crate::domain::AuthorId,)> =
        sql("SELECT author_id FROM article_authors WHERE article_id = $1 ORDER BY position")
            .bind(article.id)
            .fetch_all(db)
            .await?;
    let tags: Vec<(crate::domain::TagId,)> = sql(
        "SELECT t.id FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE at.article_id = $1 ORDER BY t.name",
    )
    .bind(article.id)
    .fetch_all(db)
    .await?;
    let images: Vec<(crate::domain::ImageId, i64)> =
        sql("SELECT image_id, position FROM article_images WHERE article_id = $1 ORDER BY position, ordinal")
            .bind(article.id)
            .fetch_all(db)
            .await?;
    let related: Vec<(ArticleId, i64)> =
        sql("SELECT related_id, position FROM article_related WHERE article_id = $1 ORDER BY position")
            .bind(article.id)
            .fetch_all(db)
            .await?;
    Ok(ArticleContent {
        slug: crate::domain::Slug::parse(&article.slug).map_err(|e| AppError::Internal(e.into()))?,
        headline: super::Headline::parse(&article.headline)?,
        standfirst: article.standfirst.clone(),
        body: article.body.clone(),
        footnote: article.footnote.clone(),
        section: article.section_id,
        featured: article.featured,
        comments: super::CommentsMode::parse(&article.comments).unwrap_or_default(),
        kind: article.kind(),
        authors: authors.into_iter().map(|(a,)| a).collect(),
        tags: tags.into_iter().map(|(t,)| t).collect(),
        images: images.into_iter().map(|(i, p)| Placed::new(i, p)).collect(),
        related: related.into_iter().map(|(r, p)| Placed::new(r, p)).collect(),
    })
}

/// Any article at all? (The demo content loads only into an empty site.)
pub async fn any(db: &Db) -> Result<bool, DbError> {
    Ok(sql("SELECT COUNT(*) FROM articles").fetch_count(db).await? > 0)
}
