//! Storing a picture: decode (by content, never by file name), refuse what
//! is too large, resize once into the served widths and save as JPEG and WebP.
//! Re-encoding drops every metadata block, EXIF location included.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;

use anyhow::Context;
use image::{DynamicImage, ImageFormat, ImageReader, Limits, RgbImage, imageops::FilterType};
use tokio::sync::{Semaphore, SemaphorePermit};

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
    check_alt(&text)?;
    let turn = take_turn().await?;
    let bytes = bytes.to_vec();
    let (picture, size) = tokio::task::spawn_blocking(move || {
        let decoded = decode(&bytes)?;
        drop(bytes);
        Ok::<_, AppError>((fit(&decoded), (decoded.width(), decoded.height())))
    })
    .await
    .context("the decoding task stopped")??;
    save(by, turn, picture, size, text).await
}

/// Stores a picture already in memory (the demo loader's), its row and
/// audit line inside the caller's change.
pub async fn store_picture(
    change: &mut Change,
    state: &AppState,
    picture: RgbImage,
    text: ImageText<'_>,
) -> Result<ImageId, AppError> {
    check_alt(&text)?;
    let turn = take_turn().await?;
    let size = picture.dimensions();
    let picture = tokio::task::spawn_blocking(move || fit(&DynamicImage::ImageRgb8(picture)))
        .await
        .context("the resizing task stopped")?;
    let files = write_files(state, turn, picture, size).await?;
    let row = files.row(size, text);
    restore_and_audit(change, &row).await.map_err(|e| files.discard(e))?;
    Ok(row.id)
}

fn check_alt(text: &ImageText<'_>) -> Result<(), AppError> {
    if text.alt.trim().is_empty() {
        return Err(AppError::Invalid {
            field: "alt".into(),
            message: "Describe the picture for readers who cannot see it (alt text is required).".into(),
        });
    }
    Ok(())
}

/// Pictures decoded or resized at once: one for each two cores, so a burst
/// of large uploads cannot take every core (or gigabytes) from the pages.
static WORKERS: LazyLock<Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    Semaphore::new((cores / 2).max(1))
});
/// How long an upload waits for a picture worker before it is told to try again.
const TURN_WAIT: Duration = Duration::from_secs(20);

pub(super) async fn take_turn() -> Result<SemaphorePermit<'static>, AppError> {
    match tokio::time::timeout(TURN_WAIT, WORKERS.acquire()).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => Err(AppError::Unavailable {
            message: "Other pictures are being processed just now. Please send this one again in a minute.".into(),
            retry_after_secs: 30,
        }),
    }
}

/// Saves a picture's files first, then its row and audit line in one change
/// (resizing never holds the database). `size` is the picture as it came in.
async fn save(
    by: Uploader<'_>,
    turn: SemaphorePermit<'static>,
    picture: RgbImage,
    size: (u32, u32),
    text: ImageText<'_>,
) -> Result<ImageId, AppError> {
    let files = write_files(by.state, turn, picture, size).await?;
    let row = files.row(size, text);
    let recorded = async {
        let mut change = Change::begin(by.state, by.actor).await?.through(by.channel);
        restore_and_audit(&mut change, &row).await?;
        change.commit().await?;
        Ok::<_, AppError>(row.id)
    };
    recorded.await.map_err(|e| files.discard(e))
}

/// A picture's files, written under `media/<id>/`.
struct Files {
    id: ImageId,
    folder: PathBuf,
    widths: Vec<u32>,
}

impl Files {
    fn row(&self, size: (u32, u32), text: ImageText<'_>) -> Stored {
        Stored {
            id: self.id,
            alt: text.alt.trim().to_owned(),
            caption: text.caption.trim().to_owned(),
            credit: text.credit.trim().to_owned(),
            width: i64::from(size.0),
            height: i64::from(size.1),
            widths: self.widths.iter().map(u32::to_string).collect::<Vec<_>>().join(" "),
        }
    }

    /// Files without a row are nobody's: they go when the row could not be written.
    fn discard(&self, err: AppError) -> AppError {
        let _ = std::fs::remove_dir_all(&self.folder);
        err
    }
}

async fn write_files(
    state: &AppState,
    turn: SemaphorePermit<'static>,
    picture: RgbImage,
    size: (u32, u32),
) -> Result<Files, AppError> {
    let id = ImageId::new();
    let folder = state.settings.media.dir.join(id.to_string());
    let written = folder.clone();
    let widths = tokio::task::spawn_blocking(move || resize_and_save(&picture, size.0, &written))
        .await
        .context("the resizing task stopped")
        .map_err(AppError::from)
        .and_then(|saved| saved);
    drop(turn);
    match widths {
        Ok(widths) => Ok(Files { id, folder, widths }),
        Err(err) => {
            let _ = std::fs::remove_dir_all(&folder);
            Err(err)
        }
    }
}

async fn restore_and_audit(change: &mut Change, row: &Stored) -> Result<(), AppError> {
    restore(change, row).await?;
    change
        .audit("uploaded a picture", Target::new("image", row.id, &row.alt), "")
        .await?;
    Ok(())
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

/// The picture at the largest width served, never enlarged. A picture
/// far larger is first averaged down to twice that width (one cheap pass
/// over its pixels), then filtered, so a 50-megapixel upload costs about
/// what a 2-megapixel one does after decoding.
fn fit(picture: &DynamicImage) -> RgbImage {
    let largest = *WIDTHS.last().unwrap_or(&1920);
    let (width, height) = (picture.width(), picture.height());
    if width <= largest {
        return picture.to_rgb8();
    }
    let height_at = |w: u32| ((u64::from(height) * u64::from(w)) / u64::from(width)).max(1) as u32;
    let reduced;
    let source = if width > 2 * largest {
        reduced = picture.thumbnail_exact(2 * largest, height_at(2 * largest));
        &reduced
    } else {
        picture
    };
    source
        .resize_exact(largest, height_at(largest), FilterType::Triangle)
        .to_rgb8()
}

/// Writes the served widths of a picture `original_width` wide, from its
/// copy at the largest width (see [`fit`]).
fn resize_and_save(picture: &RgbImage, original_width: u32, folder: &Path) -> Result<Vec<u32>, AppError> {
    let (width, height) = (picture.width(), picture.height());
    std::fs::create_dir_all(folder).with_context(|| format!("creating {}", folder.display()))?;
    let mut widths: Vec<u32> = WIDTHS.iter().copied().filter(|w| *w < original_width).collect();
    widths.push(width);
    widths.dedup();
    for &w in &widths {
        let h = ((u64::from(height) * u64::from(w)) / u64::from(width).max(1)).max(1) as u32;
        let resized;
        let file = if w == width {
            picture
        } else {
            resized = image::imageops::resize(picture, w, h, FilterType::Triangle);
            &resized
        };
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY)
            .encode_image(file)
            .context("encoding a JPEG")?;
        write_atomically(&folder.join(format!("{w}.jpg")), &jpeg)?;
        write_atomically(&folder.join(format!("{w}.webp")), &super::webp::encode(file))?;
    }
    Ok(widths)
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
    let damaged = |e: image::ImageError| {
        match e {
        image::ImageError::Limits(_) => AppError::TooLarge(
            "The picture would take too much memory to open; save it smaller (or with 8 bits a channel) and upload it again."
                .into(),
        ),
        e => AppError::BadRequest(format!("The picture is damaged or incomplete ({e}).")),
    }
    };
    let cut_short = || {
        AppError::BadRequest("The picture is incomplete: the file ends before the image does. Upload it again.".into())
    };
    if probe.format() == Some(ImageFormat::Jpeg) && !jpeg_is_complete(bytes) {
        return Err(cut_short());
    }
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

/// Whether a JPEG's image data runs on to its end-of-image marker. The JPEG
/// decoder fills a file cut short with grey rather than failing, so a
/// picture truncated in transfer would be stored half blank. This walks the
/// marker segments (an embedded thumbnail lives inside one and is skipped
/// whole) and the entropy-coded scans, where 0xFF is followed by 0x00, a
/// restart marker or more 0xFF unless a real marker begins. Stray bytes
/// between segments are passed over, as decoders do.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let len = bytes.len();
    let mut i = 2;
    loop {
        while i < len && bytes[i] != 0xFF {
            i += 1;
        }
        while i < len && bytes[i] == 0xFF {
            i += 1;
        }
        let Some(&marker) = bytes.get(i) else { return false };
        i += 1;
        match marker {
            0xD9 => return true,
            0x01 | 0xD0..=0xD8 => continue,
            _ => {
                let Some(length) = bytes.get(i..i + 2) else {
                    return false;
                };
                i += usize::from(u16::from_be_bytes([length[0], length[1]]));
                if marker == 0xDA {
                    loop {
                        match bytes.get(i..i + 2) {
                            None => return false,
                            Some([0xFF, next]) if !matches!(next, 0x00 | 0xD0..=0xD7 | 0xFF) => break,
                            Some(_) => i += 1,
                        }
                    }
                }
            }
        }
    }
}

pub(super) fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    // Named for this write alone: two writers of one file never share it.
    let tmp: PathBuf = path.with_extension(format!("{}.tmp", uuid::Uuid::now_v7().simple()));
    if let Err(err) = std::fs::write(&tmp, bytes) {
        let _ = std::fs::remove_file(&tmp);
        return Err(err).with_context(|| format!("writing {}", tmp.display()));
    }
    std::fs::rename(&tmp, path).with_context(|| format!("moving {} into place", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(format: ImageFormat) -> Vec<u8> {
        let picture = RgbImage::from_fn(300, 200, |x, y| {
            image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x * y) % 239) as u8])
        });
        let mut bytes = Vec::new();
        DynamicImage::ImageRgb8(picture)
            .write_to(&mut Cursor::new(&mut bytes), format)
            .unwrap();
        bytes
    }

    #[test]
    fn a_picture_cut_short_is_refused_whatever_its_format() {
        for format in [ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::WebP] {
            let whole = encoded(format);
            assert!(decode(&whole).is_ok(), "{format:?} whole");
            let cut = &whole[..whole.len() / 3];
            match decode(cut) {
                Err(AppError::BadRequest(message)) => assert!(message.contains("incomplete"), "{format:?}: {message}"),
                other => panic!(
                    "{format:?} cut to a third: {:?}",
                    other.map(|p| (p.width(), p.height()))
                ),
            }
        }
    }

    #[test]
    fn a_jpeg_with_an_embedded_thumbnail_or_bytes_after_its_end_is_whole() {
        let jpeg = encoded(ImageFormat::Jpeg);
        let thumbnail = encoded(ImageFormat::Jpeg);
        // An APP1 segment carrying a complete JPEG (end marker included),
        // as cameras embed one, right after the start-of-image marker.
        let mut with_thumbnail = jpeg[..2].to_vec();
        with_thumbnail.extend_from_slice(&[0xFF, 0xE1]);
        with_thumbnail.extend_from_slice(&((thumbnail.len() + 2) as u16).to_be_bytes());
        with_thumbnail.extend_from_slice(&thumbnail);
        with_thumbnail.extend_from_slice(&jpeg[2..]);
        assert!(jpeg_is_complete(&with_thumbnail));
        let cut = with_thumbnail.len() - jpeg.len() / 2;
        assert!(
            !jpeg_is_complete(&with_thumbnail[..cut]),
            "the thumbnail's end is not the picture's"
        );

        let mut trailing = jpeg.clone();
        trailing.extend_from_slice(b"\xFF\xDA motion photo data that follows the picture");
        assert!(jpeg_is_complete(&trailing));
        assert!(decode(&trailing).is_ok());
    }

    #[test]
    fn a_very_large_picture_is_brought_to_the_largest_served_width() {
        let big = DynamicImage::ImageRgb8(RgbImage::new(5000, 3000));
        let fitted = fit(&big);
        assert_eq!(fitted.dimensions(), (1920, 1152));
        let small = DynamicImage::ImageRgb8(RgbImage::new(800, 600));
        assert_eq!(fit(&small).dimensions(), (800, 600));
        let folder = tempfile::tempdir().unwrap();
        let widths = resize_and_save(&fitted, 5000, folder.path()).unwrap();
        assert_eq!(widths, vec![320, 640, 960, 1280, 1920]);
        assert!(folder.path().join("320.jpg").exists());
    }
}
