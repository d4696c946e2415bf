//! The one way sections, tags and authors are written: created, changed and
//! brought back from an export, each with its audit line and the
//! announcement that every page listing them is stale.

use anyhow::Context;

use crate::audit::Target;
use crate::change::Change;
use crate::db::{Conn, DbError, sql};
use crate::domain::{AuthorId, ImageId, SectionId, Slug, TagId, Timestamp};
use crate::error::AppError;
use crate::events::Event;

use super::model::RESERVED_SLUGS;

/// A duplicate slug is the writer's to fix, not a server failure.
pub fn slug_taken(err: DbError, what: &str) -> AppError {
    if err.is_unique_violation() {
        AppError::Invalid {
            field: "slug".into(),
            message: format!("Another {what} already uses this slug."),
        }
    } else {
        AppError::Internal(anyhow::Error::new(err).context(format!("writing a {what}")))
    }
}

pub struct NewSection<'a> {
    pub slug: Slug,
    pub name: &'a str,
    pub description: &'a str,
    pub position: i64,
}

pub async fn create_section(change: &mut Change, new: NewSection<'_>) -> Result<SectionId, AppError> {
    let page_there = count(
        (&mut *change).into(),
        "SELECT COUNT(*) FROM pages WHERE slug = $1",
        new.slug.as_str(),
    )
    .await?;
    if page_there > 0 {
        return Err(AppError::Invalid {
            field: "slug".into(),
            message: format!("The page /{} already has this address; choose another slug.", new.slug),
        });
    }
    if RESERVED_SLUGS.contains(&new.slug.as_str()) {
        return Err(AppError::Invalid {
            field: "slug".into(),
            message: format!("\"{}\" is used by the site itself; choose another slug.", new.slug),
        });
    }
    let id = SectionId::new();
    let added = restore_section(
        &mut *change,
        &SectionRow {
            id,
            slug: new.slug.to_string(),
            name: new.name.to_owned(),
            description: new.description.to_owned(),
            position: new.position,
        },
    )
    .await?;
    if !added {
        return Err(AppError::Conflict("That section was just created.".into()));
    }
    recorded(change, 1, "created a section", Target::new("section", id, new.name)).await?;
    Ok(id)
}

pub async fn update_section(
    change: &mut Change,
    id: SectionId,
    name: &str,
    description: &str,
    position: i64,
) -> Result<(), AppError> {
    let changed = sql("UPDATE sections SET name = $1, description = $2, position = $3, updated_at = $4 WHERE id = $5")
        .bind(name)
        .bind(description)
        .bind(position)
        .bind(Timestamp::now())
        .bind(id)
        .execute(&mut *change)
        .await
        .with_context(|| format!("updating section {id}"))?;
    recorded(change, changed, "updated a section", Target::new("section", id, name)).await
}

/// A section as stored (and as a site's export carries it).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct SectionRow {
    pub id: SectionId,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub position: i64,
}

/// Puts a section in place under its id, updating it if it is there; true when it was new.
pub async fn restore_section<'c>(conn: impl Into<Conn<'c>>, row: &SectionRow) -> Result<bool, AppError> {
    let mut conn = conn.into();
    let before = count(conn.reborrow(), "SELECT COUNT(*) FROM sections WHERE id = $1", row.id).await?;
    sql(
        "INSERT INTO sections (id, slug, name, description, position, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)
         ON CONFLICT (id) DO UPDATE SET slug = excluded.slug, name = excluded.name,
            description = excluded.description, position = excluded.position",
    )
    .bind(row.id)
    .bind(&row.slug)
    .bind(&row.name)
    .bind(&row.description)
    .bind(row.position)
    .bind(Timestamp::now())
    .execute(conn)
    .await
    .map_err(|e| slug_taken(e, "section"))?;
    Ok(before == 0)
}

/// The tag with this slug, created with `name` if it does not exist yet.
pub async fn ensure_tag<'c>(conn: impl Into<Conn<'c>>, slug: &Slug, name: &str) -> Result<TagId, AppError> {
    let (id,): (TagId,) = sql("INSERT INTO tags (id, slug, name, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (slug) DO UPDATE SET slug = excluded.slug
         RETURNING id")
    .bind(TagId::new())
    .bind(slug)
    .bind(name)
    .bind(Timestamp::now())
    .fetch_one(conn)
    .await
    .with_context(|| format!("finding or creating tag {slug}"))?;
    Ok(id)
}

pub async fn rename_tag(change: &mut Change, id: TagId, name: &str) -> Result<(), AppError> {
    let changed = sql("UPDATE tags SET name = $1 WHERE id = $2")
        .bind(name)
        .bind(id)
        .execute(&mut *change)
        .await
        .with_context(|| format!("renaming tag {id}"))?;
    recorded(change, changed, "renamed a tag", Target::new("tag", id, name)).await
}

/// Puts a tag in place under its id; true when it was new.
pub async fn restore_tag<'c>(conn: impl Into<Conn<'c>>, id: TagId, slug: &str, name: &str) -> Result<bool, AppError> {
    let mut conn = conn.into();
    let before = count(conn.reborrow(), "SELECT COUNT(*) FROM tags WHERE id = $1", id).await?;
    sql("INSERT INTO tags (id, slug, name, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET slug = excluded.slug, name = excluded.name")
    .bind(id)
    .bind(slug)
    .bind(name)
    .bind(Timestamp::now())
    .execute(conn)
    .await
    .map_err(|e| slug_taken(e, "tag"))?;
    Ok(before == 0)
}

pub struct NewAuthor<'a> {
    pub slug: Slug,
    pub name: &'a str,
    pub job_title: &'a str,
    pub bio: &'a str,
    pub photo: Option<ImageId>,
}

pub async fn create_author(change: &mut Change, new: NewAuthor<'_>) -> Result<AuthorId, AppError> {
    let id = AuthorId::new();
    let row = AuthorRow {
        id,
        slug: new.slug.to_string(),
        name: new.name.to_owned(),
        job_title: new.job_title.to_owned(),
        bio: new.bio.to_owned(),
        photo: new.photo,
    };
    let added = sql(
        "INSERT INTO authors (id, slug, name, job_title, bio, photo_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(row.id)
    .bind(&row.slug)
    .bind(&row.name)
    .bind(&row.job_title)
    .bind(&row.bio)
    .bind(row.photo)
    .bind(Timestamp::now())
    .execute(&mut *change)
    .await
    .map_err(|e| slug_taken(e, "author"))?;
    recorded(change, added, "created an author", Target::new("author", id, new.name)).await?;
    Ok(id)
}

/// What an author's profile says; a photo left out keeps the one there is.
pub struct AuthorProfile<'a> {
    pub name: &'a str,
    pub job_title: &'a str,
    pub bio: &'a str,
    pub photo: Option<ImageId>,
}

pub async fn update_author(change: &mut Change, id: AuthorId, profile: AuthorProfile<'_>) -> Result<(), AppError> {
    let changed = sql(
        "UPDATE authors SET name = $1, job_title = $2, bio = $3, photo_id = COALESCE($4, photo_id), updated_at = $5
         WHERE id = $6",
    )
    .bind(profile.name)
    .bind(profile.job_title)
    .bind(profile.bio)
    .bind(profile.photo)
    .bind(Timestamp::now())
    .bind(id)
    .execute(&mut *change)
    .await
    .with_context(|| format!("updating author {id}"))?;
    recorded(
        change,
        changed,
        "updated an author",
        Target::new("author", id, profile.name),
    )
    .await
}

/// An author as stored (and as a site's export carries it).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct AuthorRow {
    pub id: AuthorId,
    pub slug: String,
    pub name: String,
    pub job_title: String,
    pub bio: String,
    pub photo: Option<ImageId>,
}

/// Puts an author in place under its id, updating it if it is there; true when it was new.
pub async fn restore_author<'c>(conn: impl Into<Conn<'c>>, row: &AuthorRow) -> Result<bool, AppError> {
    let mut conn = conn.into();
    let before = count(conn.reborrow(), "SELECT COUNT(*) FROM authors WHERE id = $1", row.id).await?;
    sql(
        "INSERT INTO authors (id, slug, name, job_title, bio, photo_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
         ON CONFLICT (id) DO UPDATE SET slug = excluded.slug, name = excluded.name,
            job_title = excluded.job_title, bio = excluded.bio, photo_id = excluded.photo_id",
    )
    .bind(row.id)
    .bind(&row.slug)
    .bind(&row.name)
    .bind(&row.job_title)
    .bind(&row.bio)
    .bind(row.photo)
    .bind(Timestamp::now())
    .execute(conn)
    .await
    .map_err(|e| slug_taken(e, "author"))?;
    Ok(before == 0)
}

/// Ends a write that touched `rows` rows: none means the thing is gone;
/// otherwise it gets its audit line and every page listing it is stale.
async fn recorded(change: &mut Change, rows: u64, action: &str, target: Target<'_>) -> Result<(), AppError> {
    if rows == 0 {
        return Err(AppError::NotFound);
    }
    change.audit(action, target, "").await?;
    change.announce(Event::ContentChanged);
    Ok(())
}

async fn count(conn: Conn<'_>, query: &'static str, id: impl Into<crate::db::Arg>) -> Result<i64, AppError> {
    Ok(sql(query)
        .bind(id)
        .fetch_count(conn)
        .await
        .context("looking for an existing row")?)
}
