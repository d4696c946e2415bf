//! Storing a picture: decode (by content, never by file name), refuse what
//! is too large, resize once into the served widths and save as JPEG.
//! Re-encoding drops every metadata block, EXIF location included.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use anyhow::Context;
use image::{DynamicImage, ImageFormat, ImageReader, Limits, RgbImage, imageops::FilterType};

use crate::audit::{Actor, Target};
use crate::change::Change;
use crate::db::sql;
use crate::domain::{ImageId, Timestamp};
use crate::error::AppError;
use crate::state::AppState;

/// The largest picture file accepted, from the newsroom or the Admin API.
pub const MAX_PICTURE_BYTES: usize = 20 * 1024 * 1024;

/// The widths pictures are served at; a picture is never enlarged.
pub const WIDTHS: &[u32] = &[320, 640, 960, 1280, 1920];
const MAX_DIMENSION: u32 = 12_000;
const MAX_PIXELS: u64 = 50_000_000;
const JPEG_QUALITY: u8 = 82;

/// The words that go with a picture.
pub struct ImageText<'a> {
    pub alt: &'a str,
    pub caption: &'a str,
    pub credit: &'a str,
}

/// Who stores a picture, and how it came in (for the audit log).
pub struct Uploader<'a> {
    pub actor: Actor,
    /// "through the Admin API", or empty.
    pub channel: &'static str,
    pub state: &'a AppState,
}

/// Stores an uploaded file after checking what it really is.
pub async fn store(by: Uploader<'_>, bytes: &[u8], text: ImageText<'_>) -> Result<ImageId, AppError> {
    let bytes = bytes.to_vec();
    let picture = tokio::task::spawn_blocking(move || decode(&bytes).map(|p| p.to_rgb8()))
        .await
        .context("the decoding task stopped")??;
    store_picture(by, picture, text).await
}

/// Stores a picture already in memory: its files first, then its row and
/// audit line in one change (resizing never holds the database).
pub async fn store_picture(by: Uploader<'_>, picture: RgbImage, text: ImageText<'_>) -> Result<ImageId, AppError> {
    if text.alt.trim().is_empty() {
        return Err(AppError::Invalid {
            field: "alt".into(),
            message: "Describe the picture for readers who cannot see it (alt text is required).".into(),
        });
    }
    let id = ImageId::new();
    let folder = by.state.settings.media.dir.join(id.to_string());
    let (width, height, widths) = tokio::task::spawn_blocking(move || resize_and_save(&picture, &folder))
        .await
        .context("the resizing task stopped")??;
    let mut change = Change::begin(by.state, by.actor).await?.through(by.channel);
    let row = Stored {
        id,
        alt: text.alt.trim().to_owned(),
        caption: text.caption.trim().to_owned(),
        credit: text.credit.trim().to_owned(),
        width: i64::from(width),
        height: i64::from(height),
        widths: widths.iter().map(u32::to_string).collect::<Vec<_>>().join(" "),
    };
    restore(&mut change, &row).await?;
    change
        .audit("uploaded a picture", Target::new("image", id, &row.alt), "")
        .await?;
    change.commit().await?;
    Ok(id)
}

/// A picture's row, as stored (and as a site's export carries it; its files are under media/<id>/).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct Stored {
    pub id: ImageId,
    pub alt: String,
    pub caption: String,
    pub credit: String,
    pub width: i64,
    pub height: i64,
    /// The widths its files were saved at, space separated.
    pub widths: String,
}

/// Records a picture whose files are already in the media folder; false
/// when it was there already.
pub async fn restore(change: &mut Change, row: &Stored) -> Result<bool, AppError> {
    let added = sql(
        "INSERT INTO images (id, alt, caption, credit, width, height, widths, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING",
    )
    .bind(row.id)
    .bind(&row.alt)
    .bind(&row.caption)
    .bind(&row.credit)
    .bind(row.width)
    .bind(row.height)
    .bind(&row.widths)
    .bind(Timestamp::now())
    .execute(&mut *change)
    .await
    .with_context(|| format!("recording picture {}", row.id))?;
    Ok(added == 1)
}

fn resize_and_save(picture: &RgbImage, folder: &Path) -> Result<(u32, u32, Vec<u32>), AppError> {
    let (width, height) = (picture.width(), picture.height());
    std::fs::create_dir_all(folder).with_context(|| format!("creating {}", folder.display()))?;
    let mut widths: Vec<u32> = WIDTHS.iter().copied().filter(|w| *w < width).collect();
    widths.push(width.min(*WIDTHS.last().unwrap_or(&width)));
    widths.dedup();
    for &w in &widths {
        let h = ((u64::from(height) * u64::from(w)) / u64::from(width).max(1)).max(1) as u32;
        let resized = if w == width {
            picture.clone()
        } else {
            // Through DynamicImage so the optimised copy in the image crate runs.
            DynamicImage::ImageRgb8(picture.clone())
                .resize_exact(w, h, FilterType::Triangle)
                .to_rgb8()
        };
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY)
            .encode_image(&resized)
            .context("encoding a JPEG")?;
        write_atomically(&folder.join(format!("{w}.jpg")), &jpeg)?;
    }
    Ok((width, height, widths))
}

/// Decodes by content, refusing what is not a picture (415), what is damaged
/// (400) and what would take too much memory to open (413).
fn decode(bytes: &[u8]) -> Result<DynamicImage, AppError> {
    let reader = || {
        ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| AppError::BadRequest(format!("The file could not be read: {e}")))
    };
    let probe = reader()?;
    if !matches!(
        probe.format(),
        Some(ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)
    ) {
        return Err(AppError::UnsupportedMediaType(
            "The file is not a picture we can use: upload a JPEG, PNG or WebP image.".into(),
        ));
    }
    let damaged = |e: image::ImageError| AppError::BadRequest(format!("The picture is damaged or incomplete ({e})."));
    let (w, h) = probe.into_dimensions().map_err(damaged)?;
    if w > MAX_DIMENSION || h > MAX_DIMENSION || u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(AppError::TooLarge(format!(
            "The picture is {w}×{h} pixels; the most we accept is {MAX_DIMENSION} pixels a side and {} million pixels in all.",
            MAX_PIXELS / 1_000_000
        )));
    }
    let mut reader = reader()?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_PIXELS * 4);
    reader.limits(limits);
    reader.decode().map_err(damaged)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp: PathBuf = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("moving {} into place", path.display()))?;
    Ok(())
}
