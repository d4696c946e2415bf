//! Pictures as pages show them: `src`, `srcset`, intrinsic size and words.

use crate::db::DbError;
use crate::domain::ImageId;

use super::{variant_path, webp_path};

/// A picture with where it stands in an article body.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Figure {
    pub id: ImageId,
    pub alt: String,
    pub caption: String,
    pub credit: String,
    pub width: i64,
    pub height: i64,
    pub widths: String,
    pub position: i64,
}

#[derive(Clone, Debug)]
pub struct ImageView {
    pub src: String,
    pub srcset: String,
    /// The same widths as WebP.
    pub webp_srcset: String,
    pub width: i64,
    pub height: i64,
    pub alt: String,
    /// Path of the widest stored copy, for social cards and JSON-LD.
    pub largest: String,
}

impl ImageView {
    /// `widths` is the stored list, e.g. "320 640 960".
    pub fn new(id: ImageId, alt: &str, width: i64, height: i64, widths: &str) -> Self {
        let mut stored: Vec<i64> = widths.split_whitespace().filter_map(|w| w.parse().ok()).collect();
        stored.sort_unstable();
        let default = stored
            .iter()
            .copied()
            .find(|w| *w >= 640)
            .or(stored.last().copied())
            .unwrap_or(width);
        let set = |path: fn(ImageId, i64) -> String| {
            stored
                .iter()
                .map(|w| format!("{} {w}w", path(id, *w)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        Self {
            src: variant_path(id, default),
            srcset: set(variant_path),
            webp_srcset: set(webp_path),
            width,
            height,
            alt: alt.to_owned(),
            largest: variant_path(id, stored.last().copied().unwrap_or(default)),
        }
    }
}

#[derive(Clone, Debug)]
pub struct FigureView {
    pub image: ImageView,
    pub caption: String,
    pub credit: String,
    /// The first picture on a page loads at once; the rest wait until scrolled near.
    pub lazy: bool,
}

impl FigureView {
    pub fn new(figure: &Figure, lazy: bool) -> Self {
        Self {
            image: ImageView::new(figure.id, &figure.alt, figure.width, figure.height, &figure.widths),
            caption: figure.caption.clone(),
            credit: figure.credit.clone(),
            lazy,
        }
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
struct ImageRow {
    id: ImageId,
    alt: String,
    width: i64,
    height: i64,
    widths: String,
}

/// One stored picture, ready to show.
pub async fn image_view(db: &crate::db::Db, id: ImageId) -> Result<Option<ImageView>, DbError> {
    let row: Option<ImageRow> = crate::db::sql("SELECT id, alt, width, height, widths FROM images WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await?;
    Ok(row.map(|r| ImageView::new(r.id, &r.alt, r.width, r.height, &r.widths)))
}

/// A picture's alt text and caption, for the newsroom's lists.
pub async fn words_of(db: &crate::db::Db, id: ImageId) -> Result<Option<(String, String)>, DbError> {
    crate::db::sql("SELECT alt, caption FROM images WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
}

/// The newest stored pictures and their alt text, for pickers in the newsroom.
pub async fn recent(db: &crate::db::Db, limit: i64) -> Result<Vec<(ImageId, String)>, DbError> {
    crate::db::sql("SELECT id, alt FROM images ORDER BY created_at DESC, id DESC LIMIT $1")
        .bind(limit)
        .fetch_all(db)
        .await
}
