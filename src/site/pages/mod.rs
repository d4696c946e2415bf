//! Standing pages that are not news (About, Contact, Privacy, Terms, the
//! corrections policy): written in the newsroom with revisions, served at
//! `/{slug}` where no section is, and listed in the sitemap.

pub mod show;
pub mod write;

use crate::db::{Db, DbError, sql};
use crate::domain::{PageId, Timestamp};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Page {
    pub id: PageId,
    pub slug: String,
    pub title: String,
    pub description: String,
    /// Markdown, drawn as an article body is.
    pub body: String,
    pub published: bool,
    pub version: i64,
    pub updated_at: Timestamp,
}

impl Page {
    pub fn path(&self) -> String {
        format!("/{}", self.slug)
    }
}

/// One saved version of a page.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PageRevision {
    pub version: i64,
    pub title: String,
    pub description: String,
    pub body: String,
    pub published: bool,
    pub by: Option<String>,
    pub created_at: Timestamp,
}

const COLUMNS: &str = "id, slug, title, description, body, published, version, updated_at";

/// Every page, published or not, by title (for the newsroom).
pub async fn all(db: &Db) -> Result<Vec<Page>, DbError> {
    sql(format!("SELECT {COLUMNS} FROM pages ORDER BY title"))
        .fetch_all(db)
        .await
}

/// Published pages, for the sitemap and the menu editor.
pub async fn published(db: &Db) -> Result<Vec<Page>, DbError> {
    sql(format!("SELECT {COLUMNS} FROM pages WHERE published ORDER BY title"))
        .fetch_all(db)
        .await
}

pub async fn by_id(db: &Db, id: PageId) -> Result<Option<Page>, DbError> {
    sql(format!("SELECT {COLUMNS} FROM pages WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn by_slug(db: &Db, slug: &str) -> Result<Option<Page>, DbError> {
    sql(format!("SELECT {COLUMNS} FROM pages WHERE slug = $1"))
        .bind(slug)
        .fetch_optional(db)
        .await
}

/// A page's saved versions, newest first.
pub async fn revisions(db: &Db, id: PageId) -> Result<Vec<PageRevision>, DbError> {
    sql(
        "SELECT r.version, r.title, r.description, r.body, r.published, s.name AS by, r.created_at
         FROM page_revisions r LEFT JOIN staff s ON s.id = r.staff_id
         WHERE r.page_id = $1 ORDER BY r.version DESC",
    )
    .bind(id)
    .fetch_all(db)
    .await
}
