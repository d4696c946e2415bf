//! The one way pages are written: each save checked against the version the
//! editor started from, kept as a revision, audited, and announced so every
//! page that shows it (the page itself, menus, the sitemap) is drawn again.

use anyhow::Context;

use crate::audit::Target;
use crate::change::Change;
use crate::db::{DbError, sql};
use crate::domain::{PageId, Slug, Timestamp};
use crate::error::AppError;
use crate::events::Event;
use crate::site::RESERVED_SLUGS;

use super::Page;

/// What the editor sends: line endings are made `\n` here, so a diff
/// between two saves marks only the lines that changed.
pub struct PageText {
    pub title: String,
    pub description: String,
    pub body: String,
    pub published: bool,
}

impl PageText {
    pub fn new(title: &str, description: &str, body: &str, published: bool) -> Result<Self, AppError> {
        let title = title.trim();
        if title.is_empty() {
            return Err(AppError::Invalid {
                field: "title".into(),
                message: "Give the page a title.".into(),
            });
        }
        Ok(Self {
            title: title.to_owned(),
            description: description.trim().to_owned(),
            body: body.replace("\r\n", "\n"),
            published,
        })
    }
}

pub enum SaveError {
    /// Someone saved since the editor opened the page: here is what is stored now.
    Conflict(Box<Page>),
    Failed(AppError),
}

impl<E: Into<AppError>> From<E> for SaveError {
    fn from(err: E) -> Self {
        Self::Failed(err.into())
    }
}

/// Creates a page at `/{slug}`; the slug may not be a section's or the site's own.
pub async fn create(change: &mut Change, slug: &Slug, text: &PageText) -> Result<PageId, AppError> {
    let taken_by_section = sql("SELECT COUNT(*) FROM sections WHERE slug = $1")
        .bind(slug)
        .fetch_count(&mut *change)
        .await
        .context("checking the page's address against the sections")?;
    if RESERVED_SLUGS.contains(&slug.as_str()) || taken_by_section > 0 {
        return Err(AppError::Invalid {
            field: "slug".into(),
            message: format!("/{slug} is already a section or part of the site itself; choose another address."),
        });
    }
    let id = PageId::new();
    let now = Timestamp::now();
    sql(
        "INSERT INTO pages (id, slug, title, description, body, published, version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7)",
    )
    .bind(id)
    .bind(slug)
    .bind(&text.title)
    .bind(&text.description)
    .bind(&text.body)
    .bind(text.published)
    .bind(now)
    .execute(&mut *change)
    .await
    .map_err(|e| crate::site::write::slug_taken(e, "page"))?;
    finish(change, id, 1, text, "created a page").await?;
    Ok(id)
}

/// Saves `text` over `expected_version`; returns the new version.
pub async fn update(change: &mut Change, id: PageId, expected_version: i64, text: &PageText) -> Result<i64, SaveError> {
    let version = expected_version + 1;
    let saved = sql(
        "UPDATE pages SET title = $1, description = $2, body = $3, published = $4, version = $5,
            updated_at = $6
         WHERE id = $7 AND version = $8",
    )
    .bind(&text.title)
    .bind(&text.description)
    .bind(&text.body)
    .bind(text.published)
    .bind(version)
    .bind(Timestamp::now())
    .bind(id)
    .bind(expected_version)
    .execute(&mut *change)
    .await
    .with_context(|| format!("saving page {id}"))?;
    if saved == 0 {
        let current = super::by_id(change.db(), id).await?.ok_or(AppError::NotFound)?;
        return Err(SaveError::Conflict(Box::new(current)));
    }
    finish(change, id, version, text, "saved a page").await?;
    Ok(version)
}

async fn finish(change: &mut Change, id: PageId, version: i64, text: &PageText, action: &str) -> Result<(), AppError> {
    let staff = change.actor().id;
    sql(
        "INSERT INTO page_revisions (page_id, version, title, description, body, published, staff_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(version)
    .bind(&text.title)
    .bind(&text.description)
    .bind(&text.body)
    .bind(text.published)
    .bind(staff)
    .bind(Timestamp::now())
    .execute(&mut *change)
    .await
    .map_err(|e: DbError| anyhow::Error::new(e).context("keeping the page's revision"))?;
    let state = if text.published { "published" } else { "draft" };
    change
        .audit(
            action,
            Target::new("page", id, &text.title),
            &format!("version {version}, {state}"),
        )
        .await?;
    change.announce(Event::ContentChanged);
    Ok(())
}

/// A page as a site's export carries it.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct PageRow {
    pub id: PageId,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub body: String,
    pub published: bool,
    pub updated_at: Timestamp,
}

impl From<Page> for PageRow {
    fn from(p: Page) -> Self {
        Self {
            id: p.id,
            slug: p.slug,
            title: p.title,
            description: p.description,
            body: p.body,
            published: p.published,
            updated_at: p.updated_at,
        }
    }
}

/// Puts an exported page in place under its id, as its first version;
/// true when it was new (a page already there is left as it is).
pub async fn restore<'c>(conn: impl Into<crate::db::Conn<'c>>, row: &PageRow) -> Result<bool, AppError> {
    let mut conn = conn.into();
    let added = sql(
        "INSERT INTO pages (id, slug, title, description, body, published, version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7) ON CONFLICT (id) DO NOTHING",
    )
    .bind(row.id)
    .bind(&row.slug)
    .bind(&row.title)
    .bind(&row.description)
    .bind(&row.body)
    .bind(row.published)
    .bind(row.updated_at)
    .execute(conn.reborrow())
    .await
    .map_err(|e| crate::site::write::slug_taken(e, "page"))?;
    if added > 0 {
        sql(
            "INSERT INTO page_revisions (page_id, version, title, description, body, published, created_at)
             VALUES ($1, 1, $2, $3, $4, $5, $6)",
        )
        .bind(row.id)
        .bind(&row.title)
        .bind(&row.description)
        .bind(&row.body)
        .bind(row.published)
        .bind(row.updated_at)
        .execute(conn)
        .await
        .context("keeping a restored page's revision")?;
    }
    Ok(added > 0)
}
