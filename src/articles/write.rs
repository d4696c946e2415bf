//! Writing articles. The demo loader uses this today; the newsroom builds on it.

use crate::db::{Db, sql};
use crate::domain::{ArticleId, AuthorId, ImageId, SectionId, Slug, TagId, Timestamp};
use crate::error::AppError;
use crate::site::queries::slug_taken;

use super::model::{Headline, Status};

pub struct NewArticle {
    pub slug: Slug,
    pub headline: Headline,
    pub standfirst: String,
    pub body: String,
    pub footnote: String,
    pub section: SectionId,
    pub status: Status,
    pub published_at: Option<Timestamp>,
    /// The last change readers can see; defaults to the publication time.
    pub updated_at: Option<Timestamp>,
    pub featured: bool,
    pub authors: Vec<AuthorId>,
    pub tags: Vec<TagId>,
    /// Pictures with the body position each stands at (0 = lead picture).
    pub images: Vec<(ImageId, i64)>,
}

pub async fn create(db: &Db, new: NewArticle) -> Result<ArticleId, AppError> {
    if new.status == Status::Published && new.published_at.is_none() {
        return Err(AppError::Invalid {
            field: "published_at".into(),
            message: "A published article needs its publication time.".into(),
        });
    }
    let id = ArticleId::new();
    let now = Timestamp::now();
    let updated_at = new.updated_at.or(new.published_at).unwrap_or(now);
    let mut tx = db.begin().await?;
    sql(
        "INSERT INTO articles (id, slug, status, headline, standfirst, body, footnote, section_id, featured,
            published_at, updated_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(id)
    .bind(&new.slug)
    .bind(new.status.as_str())
    .bind(new.headline.as_str())
    .bind(new.standfirst.trim())
    .bind(new.body)
    .bind(new.footnote.trim())
    .bind(new.section)
    .bind(new.featured)
    .bind(new.published_at)
    .bind(updated_at)
    .bind(now)
    .execute(&mut tx)
    .await
    .map_err(|e| slug_taken(e, "article"))?;
    for (position, author) in new.authors.iter().enumerate() {
        sql("INSERT INTO article_authors (article_id, author_id, position) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(*author)
            .bind(position as i64)
            .execute(&mut tx)
            .await?;
    }
    for tag in &new.tags {
        sql("INSERT INTO article_tags (article_id, tag_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(*tag)
            .execute(&mut tx)
            .await?;
    }
    for (ordinal, (image, position)) in new.images.iter().enumerate() {
        sql("INSERT INTO article_images (article_id, image_id, position, ordinal) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(*image)
            .bind(*position)
            .bind(ordinal as i64)
            .execute(&mut tx)
            .await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Replaces the article's related links (each with the body position its box stands at).
pub async fn set_related(db: &Db, article: ArticleId, related: &[(ArticleId, i64)]) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    sql("DELETE FROM article_related WHERE article_id = $1")
        .bind(article)
        .execute(&mut tx)
        .await?;
    for (other, position) in related {
        if *other == article {
            return Err(AppError::Invalid {
                field: "related".into(),
                message: "An article cannot be related to itself.".into(),
            });
        }
        sql("INSERT INTO article_related (article_id, related_id, position) VALUES ($1, $2, $3)")
            .bind(article)
            .bind(*other)
            .bind(*position)
            .execute(&mut tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Any article at all? (The demo content loads only into an empty site.)
pub async fn any(db: &Db) -> Result<bool, sqlx::Error> {
    Ok(sql("SELECT COUNT(*) FROM articles").fetch_count(db).await? > 0)
}
