//! Reading and writing sections, tags and authors.

use crate::db::{Db, DbError, sql};
use crate::domain::SectionId;

use super::model::{Author, Section, Tag};

/// All sections in navigation order.
pub async fn sections(db: &Db) -> Result<Vec<Section>, DbError> {
    sql("SELECT id, slug, name, description, position FROM sections ORDER BY position, name")
        .fetch_all(db)
        .await
}

pub async fn section_by_slug(db: &Db, slug: &str) -> Result<Option<Section>, DbError> {
    sql("SELECT id, slug, name, description, position FROM sections WHERE slug = $1")
        .bind(slug)
        .fetch_optional(db)
        .await
}

pub async fn tag_by_slug(db: &Db, slug: &str) -> Result<Option<Tag>, DbError> {
    sql("SELECT id, slug, name FROM tags WHERE slug = $1")
        .bind(slug)
        .fetch_optional(db)
        .await
}

pub async fn author_by_slug(db: &Db, slug: &str) -> Result<Option<Author>, DbError> {
    sql("SELECT id, slug, name, job_title, bio, photo_id FROM authors WHERE slug = $1")
        .bind(slug)
        .fetch_optional(db)
        .await
}

/// Authors with at least one published article, for the sitemap.
pub async fn published_authors(db: &Db) -> Result<Vec<Author>, DbError> {
    sql("SELECT id, slug, name, job_title, bio, photo_id FROM authors au
         WHERE EXISTS (SELECT 1 FROM article_authors aa JOIN articles a ON a.id = aa.article_id
                       WHERE aa.author_id = au.id AND a.status = 'published')
         ORDER BY name")
    .fetch_all(db)
    .await
}

pub async fn section_by_id(db: &Db, id: SectionId) -> Result<Section, DbError> {
    sql("SELECT id, slug, name, description, position FROM sections WHERE id = $1")
        .bind(id)
        .fetch_one(db)
        .await
}

/// Every author, by name (for bylines in the newsroom).
pub async fn authors(db: &Db) -> Result<Vec<Author>, DbError> {
    sql("SELECT id, slug, name, job_title, bio, photo_id FROM authors ORDER BY name")
        .fetch_all(db)
        .await
}

pub async fn tags(db: &Db) -> Result<Vec<Tag>, DbError> {
    sql("SELECT id, slug, name FROM tags ORDER BY name").fetch_all(db).await
}
