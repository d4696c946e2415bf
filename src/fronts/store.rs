//! The one way fronts are read and written: a draft saved over the version
//! the editor started from, each version kept, publishing audited and
//! announced so every instance draws the front again at once.

use anyhow::Context;

use crate::audit::Target;
use crate::change::Change;
use crate::db::{Db, sql};
use crate::domain::Timestamp;
use crate::error::AppError;
use crate::events::Event;

use super::layout::FrontLayout;

/// A front as stored: the draft being edited and what readers see.
pub struct Stored {
    pub draft: FrontLayout,
    pub version: i64,
    pub published: Option<FrontLayout>,
    pub published_version: Option<i64>,
}

/// One saved version of a front.
#[derive(sqlx::FromRow)]
pub struct FrontRevision {
    pub version: i64,
    pub by: Option<String>,
    pub created_at: Timestamp,
}

fn parse(json: &str, path: &str) -> Result<FrontLayout, AppError> {
    Ok(serde_json::from_str(json).with_context(|| format!("reading the stored front {path}"))?)
}

/// The front at `path` ("/" or "/world"), if it was ever edited.
pub async fn load(db: &Db, path: &str) -> Result<Option<Stored>, AppError> {
    let row: Option<(String, i64, Option<String>, Option<i64>)> =
        sql("SELECT draft, version, published, published_version FROM fronts WHERE path = $1")
            .bind(path)
            .fetch_optional(db)
            .await
            .with_context(|| format!("loading the front {path}"))?;
    let Some((draft, version, published, published_version)) = row else {
        return Ok(None);
    };
    Ok(Some(Stored {
        draft: parse(&draft, path)?,
        version,
        published: published.map(|p| parse(&p, path)).transpose()?,
        published_version,
    }))
}

/// What readers see at `path`: the published layout, if there is one.
pub async fn published(db: &Db, path: &str) -> Result<Option<FrontLayout>, AppError> {
    Ok(load(db, path).await?.and_then(|s| s.published))
}

/// Saved versions, newest first.
pub async fn revisions(db: &Db, path: &str) -> Result<Vec<FrontRevision>, AppError> {
    Ok(sql("SELECT r.version, s.name AS by, r.created_at FROM front_revisions r
            LEFT JOIN staff s ON s.id = r.staff_id WHERE r.path = $1 ORDER BY r.version DESC LIMIT 30")
    .bind(path)
    .fetch_all(db)
    .await
    .context("listing a front's versions")?)
}

/// One saved version's layout.
pub async fn revision(db: &Db, path: &str, version: i64) -> Result<Option<FrontLayout>, AppError> {
    let row: Option<(String,)> = sql("SELECT layout FROM front_revisions WHERE path = $1 AND version = $2")
        .bind(path)
        .bind(version)
        .fetch_optional(db)
        .await
        .context("loading a front's version")?;
    row.map(|(json,)| parse(&json, path)).transpose()
}

/// Saves the draft over `expected_version` (0 for a front never edited);
/// returns the new version, or `Conflict` when someone saved in between.
pub async fn save_draft(
    change: &mut Change,
    path: &str,
    name: &str,
    layout: &FrontLayout,
    expected_version: i64,
) -> Result<i64, AppError> {
    let json = serde_json::to_string(layout).context("writing a front's layout")?;
    let version = expected_version + 1;
    let now = Timestamp::now();
    let saved = if expected_version == 0 {
        sql("INSERT INTO fronts (path, draft, version, updated_at) VALUES ($1, $2, 1, $3) ON CONFLICT (path) DO NOTHING")
            .bind(path)
            .bind(&json)
            .bind(now)
            .execute(&mut *change)
            .await
    } else {
        sql("UPDATE fronts SET draft = $1, version = $2, updated_at = $3 WHERE path = $4 AND version = $5")
            .bind(&json)
            .bind(version)
            .bind(now)
            .bind(path)
            .bind(expected_version)
            .execute(&mut *change)
            .await
    }
    .with_context(|| format!("saving the front {path}"))?;
    if saved == 0 {
        return Err(AppError::Conflict(
            "Someone else saved this front while you were editing it. Your changes are below, not saved: \
             save again to put them over theirs, or reload to see theirs."
                .into(),
        ));
    }
    let staff = change.actor().id;
    sql("INSERT INTO front_revisions (path, version, layout, staff_id, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(path)
        .bind(version)
        .bind(&json)
        .bind(staff)
        .bind(now)
        .execute(&mut *change)
        .await
        .context("keeping a front's version")?;
    change
        .audit(
            "saved a draft of a front",
            Target::new("front", path, name),
            &format!("version {version}"),
        )
        .await?;
    Ok(version)
}

/// Makes the draft at `version` what readers see, on every instance at once.
pub async fn publish(change: &mut Change, path: &str, name: &str, version: i64) -> Result<(), AppError> {
    let published = sql(
        "UPDATE fronts SET published = draft, published_version = version, updated_at = $1
         WHERE path = $2 AND version = $3",
    )
    .bind(Timestamp::now())
    .bind(path)
    .bind(version)
    .execute(&mut *change)
    .await
    .with_context(|| format!("publishing the front {path}"))?;
    if published == 0 {
        return Err(AppError::Conflict(
            "Someone else saved this front since you opened it; look at their version before publishing.".into(),
        ));
    }
    change
        .audit(
            "published a front",
            Target::new("front", path, name),
            &format!("version {version}"),
        )
        .await?;
    change.announce(Event::ContentChanged);
    Ok(())
}

/// A front as a site's export carries it: the draft and what readers see.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct FrontRow {
    pub path: String,
    pub draft: FrontLayout,
    pub published: Option<FrontLayout>,
}

/// Every edited front, for an export.
pub async fn all(db: &Db) -> Result<Vec<FrontRow>, AppError> {
    let paths: Vec<(String,)> = sql("SELECT path FROM fronts ORDER BY path")
        .fetch_all(db)
        .await
        .context("listing the fronts")?;
    let mut rows = Vec::new();
    for (path,) in paths {
        if let Some(stored) = load(db, &path).await? {
            rows.push(FrontRow {
                path,
                draft: stored.draft,
                published: stored.published,
            });
        }
    }
    Ok(rows)
}

/// Puts an exported front in place as its first version; true when it was
/// new (a front already edited here is left as it is).
pub async fn restore<'c>(conn: impl Into<crate::db::Conn<'c>>, row: &FrontRow) -> Result<bool, AppError> {
    let mut conn = conn.into();
    let draft = serde_json::to_string(&row.draft).context("writing a front's layout")?;
    let published = row
        .published
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .context("writing a front's layout")?;
    let now = Timestamp::now();
    let added = sql(
        "INSERT INTO fronts (path, draft, version, published, published_version, updated_at)
         VALUES ($1, $2, 1, $3, $4, $5) ON CONFLICT (path) DO NOTHING",
    )
    .bind(&row.path)
    .bind(&draft)
    .bind(published.clone())
    .bind(published.as_ref().map(|_| 1i64))
    .bind(now)
    .execute(conn.reborrow())
    .await
    .context("restoring a front")?;
    if added > 0 {
        sql("INSERT INTO front_revisions (path, version, layout, created_at) VALUES ($1, 1, $2, $3)")
            .bind(&row.path)
            .bind(&draft)
            .bind(now)
            .execute(conn)
            .await
            .context("keeping a restored front's version")?;
    }
    Ok(added > 0)
}
