//! Moving in: `broadsheet import wordpress FILE.xml` and `broadsheet import
//! ghost FILE.json`. Each reader streams its export in a thread of its own
//! and hands over one post at a time, in the shape below; [`apply`] writes
//! each post with everything that belongs to it in one transaction, so a
//! failure never leaves half an article. What an import created is
//! remembered by its id in the export: running it again updates, never
//! duplicates.

mod apply;
pub mod archive;
mod fetch;
mod ghost;
pub mod html;
pub mod progress;
mod shortcodes;
mod sniff;
mod summary;
mod wordpress;
mod xml;

use std::path::{Path, PathBuf};

pub use summary::Summary;

use crate::articles::Status;
use crate::domain::Timestamp;
use crate::events::Event;
use crate::state::AppState;

/// Which platform the export comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    WordPress,
    Ghost,
    /// A folder written by `broadsheet export`.
    Broadsheet,
}

/// What `broadsheet import` was asked to do.
pub struct Request<'a> {
    pub platform: Platform,
    /// The export file (for a Broadsheet export, its folder).
    pub file: &'a Path,
    /// Where the export's pictures are (an uploads folder, or the site's root).
    pub media: Option<PathBuf>,
    /// Names the site the export comes from, when the export cannot say
    /// (`--source`): records are found again by their ids within it.
    pub source: Option<String>,
    /// Fetch pictures not found in `media` from their addresses on the old site.
    pub download: bool,
    /// Let those fetches reach private and local addresses (an old site on
    /// the newsroom's own network); refused otherwise, like every fetch.
    pub allow_private: bool,
    /// Draw a progress bar on standard error (when it is a terminal).
    pub progress: bool,
}

/// Imports an export into the site. On a malformed file, what came before
/// the fault stays imported and the error names the line and the reason.
pub async fn run(state: &AppState, request: Request<'_>) -> anyhow::Result<Summary> {
    sniff::check(request.file, request.platform)?;
    let fetch = match request.download && request.platform != Platform::Broadsheet {
        true => Some(fetch::Fetcher::new(request.allow_private)?),
        false => None,
    };
    let mut importer = apply::Importer::new(state, request.media.clone(), fetch);
    let outcome = match request.platform {
        Platform::WordPress => wordpress::import(&mut importer, &request).await,
        Platform::Ghost => ghost::import(&mut importer, &request).await,
        Platform::Broadsheet => archive::import(&mut importer, &request).await,
    };
    let summary = importer.finish();
    if summary.changed() {
        state.content_changed(Event::ContentChanged).await?;
    }
    match outcome {
        Ok(()) => Ok(summary),
        Err(err) => Err(err.context(format!(
            "the import stopped; before that: {}. Fix the file and run the import again: what is \
             already in is updated, not duplicated",
            summary.one_line()
        ))),
    }
}

/// Runs `read` in a thread of its own, handing what it sends to `take` one
/// at a time (a bounded channel, so memory holds a few records whatever the
/// file's size). The first error from either side stops both: a reader whose
/// records are no longer taken is told by its `send` failing.
async fn stream<T: Send + 'static>(
    read: impl FnOnce(tokio::sync::mpsc::Sender<T>) -> anyhow::Result<()> + Send + 'static,
    mut take: impl AsyncFnMut(T) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let (sender, mut records) = tokio::sync::mpsc::channel(16);
    let reader = tokio::task::spawn_blocking(move || read(sender));
    while let Some(record) = records.recv().await {
        if let Err(err) = take(record).await {
            drop(records);
            let _ = reader.await;
            return Err(err);
        }
    }
    reader.await?
}

/// A post as every reader hands it over.
#[derive(Clone, Debug, Default)]
pub struct Post {
    /// Its id in the export.
    pub key: String,
    pub title: String,
    pub slug: String,
    pub standfirst: String,
    /// Markdown.
    pub body: String,
    pub status: Option<Status>,
    pub published_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
    pub authors: Vec<Person>,
    pub section: Option<Term>,
    pub tags: Vec<Term>,
    pub pictures: Vec<Picture>,
    /// Addresses it had on the old site.
    pub old_paths: Vec<String>,
    pub comments: Vec<OldComment>,
    pub comments_closed: bool,
    pub featured: bool,
    /// Remarks for the summary ("private post imported as a draft").
    pub remarks: Vec<String>,
}

impl Post {
    /// How the summary names it: `post 12 "Title"`.
    pub fn label(&self) -> String {
        let title: String = self.title.chars().take(60).collect();
        format!("post {} \"{}\"", self.key, title)
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Person {
    pub key: String,
    pub name: String,
    pub slug: String,
    pub bio: String,
    pub photo: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Term {
    pub slug: String,
    pub name: String,
    pub description: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Picture {
    /// Its address on the old site.
    pub src: String,
    pub alt: String,
    pub caption: String,
    pub credit: String,
    /// Body blocks before it (0: the lead picture).
    pub after: i64,
    /// The full-size original's address, when `src` is a resized copy of it.
    pub original: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct OldComment {
    pub key: String,
    pub parent: Option<String>,
    pub name: String,
    /// Plain text.
    pub text: String,
    pub at: Timestamp,
    /// Approved on the old site; otherwise it waits for a moderator here.
    pub approved: bool,
}

/// The path of an address: "https://x.org/2023/05/a/?p=1" → "/2023/05/a/".
pub fn path_of(url: &str) -> Option<String> {
    let rest = match url.find("://") {
        Some(at) => &url[at + 3..],
        None => url,
    };
    let start = rest.find('/')?;
    let path = rest[start..].split(['?', '#']).next().unwrap_or("/");
    Some(path.to_owned())
}

/// Reads a date as exports write it: RFC 3339, or "2023-05-12 10:00:00" in UTC.
pub fn parse_date(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if text.is_empty() || text.starts_with("0000") {
        return None;
    }
    Timestamp::parse(text)
        .ok()
        .or_else(|| Timestamp::parse(&format!("{}Z", text.replacen(' ', "T", 1))).ok())
}

/// An upload's name without the size WordPress adds to its resized copies:
/// "photo-300x200" → "photo".
pub fn original_stem(stem: &str) -> &str {
    let sized = |size: &str| {
        size.split_once('x').is_some_and(|(w, h)| {
            !w.is_empty() && !h.is_empty() && w.chars().chain(h.chars()).all(|c| c.is_ascii_digit())
        })
    };
    match stem.rsplit_once('-') {
        Some((base, size)) if sized(size) => base,
        _ => stem,
    }
}

/// Undoes %-escapes (WordPress stores non-Latin slugs that way).
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((high * 16 + low) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_dates_and_escapes() {
        assert_eq!(path_of("https://x.org/2023/05/a/?p=1").as_deref(), Some("/2023/05/a/"));
        assert_eq!(path_of("__GHOST_URL__/a/").as_deref(), Some("/a/"));
        assert_eq!(
            parse_date("2023-05-12 10:00:00").map(|t| t.rfc3339()),
            parse_date("2023-05-12T10:00:00.000Z").map(|t| t.rfc3339())
        );
        assert!(parse_date("0000-00-00 00:00:00").is_none());
        assert_eq!(percent_decode("%d0%ba%d0%b8%d1%97%d0%b2-2"), "київ-2");
        assert_eq!(percent_decode("100%"), "100%");
    }
}
