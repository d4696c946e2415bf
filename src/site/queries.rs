//! Reading and writing sections, tags and authors.

use crate::db::{Conn, Db, is_unique_violation, sql};
use crate::domain::{AuthorId, ImageId, SectionId, Slug, TagId, Timestamp};
use crate::error::AppError;

use super::model::{Author, RESERVED_SLUGS, Section, Tag};

/// All sections in navigation order.
pub async fn sections(db: &Db) -> Result<Vec<Section>, sqlx::Error> {
    sql("SELECT id, slug, name, description, position FROM sections ORDER BY position, name")
        .fetch_all(db)
        .await
}

pub async fn section_by_slug(db: &Db, slug: &str) -> Result<Option<Section>, sqlx::Error> {
    sql("SELECT id, slug, name, description, position FROM sections WHERE slug = $1")
        .bind(slug)
        .fetch_optional(db)
        .await
}

pub async fn tag_by_slug(db: &Db, slug: &str) -> Result<Option<Tag>, sqlx::Error> {
    sql("SELECT id, slug, name FROM tags WHERE slug = $1")
        .bind(slug)
        .fetch_optional(db)
        .await
}

pub async fn author_by_slug(db: &Db, slug: &str) -> Result<Option<Author>, sqlx::Error> {
    sql("SELECT id, slug, name, job_title, bio, photo_id FROM authors WHERE slug = $1")
        .bind(slug)
        .fetch_optional(db)
        .await
}

/// Authors with at least one published article, for the sitemap.
pub async fn published_authors(db: &Db) -> Result<Vec<Author>, sqlx::Error> {
    sql("SELECT id, slug, name, job_title, bio, photo_id FROM authors au
         WHERE EXISTS (SELECT 1 FROM article_authors aa JOIN articles a ON a.id = aa.article_id
                       WHERE aa.author_id = au.id AND a.status = 'published')
         ORDER BY name")
    .fetch_all(db)
    .await
}

pub struct NewSection<'a> {
    pub slug: Slug,
    pub name: &'a str,
    pub description: &'a str,
    pub position: i64,
}

pub async fn create_section(db: &Db, new: NewSection<'_>) -> Result<SectionId, AppError> {
    if RESERVED_SLUGS.contains(&new.slug.as_str()) {
        return Err(AppError::Invalid {
            field: "slug".into(),
            message: format!("\"{}\" is used by the site itself; choose another slug.", new.slug),
        });
    }
    let id = SectionId::new();
    let now = Timestamp::now();
    sql(
        "INSERT INTO sections (id, slug, name, description, position, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(id)
    .bind(&new.slug)
    .bind(new.name)
    .bind(new.description)
    .bind(new.position)
    .bind(now)
    .execute(db)
    .await
    .map_err(|e| slug_taken(e, "section"))?;
    Ok(id)
}

/// The tag with this slug, created with `name` if it does not exist yet.
pub async fn ensure_tag<'c>(conn: impl Into<Conn<'c>>, slug: &Slug, name: &str) -> Result<TagId, sqlx::Error> {
    let (id,): (TagId,) = sql("INSERT INTO tags (id, slug, name, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (slug) DO UPDATE SET slug = excluded.slug
         RETURNING id")
    .bind(TagId::new())
    .bind(slug)
    .bind(name)
    .bind(Timestamp::now())
    .fetch_one(conn)
    .await?;
    Ok(id)
}

pub struct NewAuthor<'a> {
    pub slug: Slug,
    pub name: &'a str,
    pub job_title: &'a str,
    pub bio: &'a str,
    pub photo: Option<ImageId>,
}

pub async fn create_author(db: &Db, new: NewAuthor<'_>) -> Result<AuthorId, AppError> {
    let id = AuthorId::new();
    let now = Timestamp::now();
    sql(
        "INSERT INTO authors (id, slug, name, job_title, bio, photo_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(id)
    .bind(&new.slug)
    .bind(new.name)
    .bind(new.job_title)
    .bind(new.bio)
    .bind(new.photo)
    .bind(now)
    .execute(db)
    .await
    .map_err(|e| slug_taken(e, "author"))?;
    Ok(id)
}

/// A duplicate slug is the writer's to fix, not a server failure.
pub fn slug_taken(err: sqlx::Error, what: &str) -> AppError {
    if is_unique_violation(&err) {
        AppError::Invalid {
            field: "slug".into(),
            message: format!("Another {what} already uses this slug."),
        }
    } else {
        err.into()
    }
}

pub async fn section_by_id(db: &Db, id: SectionId) -> Result<Section, sqlx::Error> {
    sql("SELECT id, slug, name, description, position FROM sections WHERE id = $1")
        .bind(id)
        .fetch_one(db)
        .await
}

/// Every author, by name (for bylines in the newsroom).
pub async fn authors(db: &Db) -> Result<Vec<Author>, sqlx::Error> {
    sql("SELECT id, slug, name, job_title, bio, photo_id FROM authors ORDER BY name")
        .fetch_all(db)
        .await
}

pub async fn tags(db: &Db) -> Result<Vec<Tag>, sqlx::Error> {
    sql("SELECT id, slug, name FROM tags ORDER BY name").fetch_all(db).await
}
