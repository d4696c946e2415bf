//! Live blogs as readers see them: entries drawn once (the same HTML for the
//! page and for the live stream), the summary at the top (the pinned entry
//! and the key events), and entry permalinks.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use crate::articles::{Article, body, queries};
use crate::db::{Db, DbError, sql};
use crate::domain::{ArticleId, EntryId};
use crate::error::{AppError, AppResult};
use crate::media::FigureView;
use crate::site::Author;
use crate::state::{AppState, Site};
use crate::web::{SafeHtml, TimeView};

use super::entries::{self, Entry};

#[derive(Clone, Debug)]
pub struct EntryView {
    pub id: String,
    pub permalink: String,
    pub posted: TimeView,
    /// "06:04", in the site's time zone.
    pub clock: String,
    pub title: String,
    pub body: SafeHtml,
    pub figure: Option<FigureView>,
    pub authors: Vec<(String, String)>,
    pub key_event: bool,
    pub edited: bool,
    /// The title, or the start of the text (for headlines in structured data and feeds).
    pub label: String,
    /// The text without markup.
    pub text: String,
    pub updated_iso: String,
}

/// Entries changed within this many seconds of posting are not marked edited.
const EDIT_GRACE_SECS: i64 = 60;

impl EntryView {
    pub fn new(site: &Site, blog_path: &str, entry: &Entry, authors: &[Author]) -> Self {
        let html: String = body::blocks(&entry.body).iter().map(SafeHtml::as_str).collect();
        Self {
            id: entry.id.to_string(),
            permalink: format!("{blog_path}/entries/{}", entry.id),
            posted: TimeView::long(site, entry.posted_at),
            clock: site.clock(entry.posted_at),
            title: entry.title.clone(),
            body: SafeHtml::trusted(html),
            figure: entry.figure().map(|f| FigureView::new(&f, true)),
            authors: authors.iter().map(|a| (a.name.clone(), a.path())).collect(),
            key_event: entry.key_event,
            edited: entry.updated_at.as_seconds() - entry.posted_at.as_seconds() > EDIT_GRACE_SECS,
            label: entry.label(),
            text: body::plain_text(&entry.body),
            updated_iso: entry.updated_at.rfc3339(),
        }
    }
}

/// One entry as HTML: the page includes the same template.
#[derive(Template)]
#[template(path = "liveblogs/entry.html")]
pub struct EntryHtml<'a> {
    pub entry: &'a EntryView,
}

#[derive(Clone, Debug)]
pub struct KeyEventLink {
    pub label: String,
    pub href: String,
    pub clock: String,
    pub iso: String,
}

/// What stands above the entries: the pinned entry and the key events.
#[derive(Clone, Debug, Default)]
pub struct LiveTop {
    pub pinned: Option<EntryView>,
    pub key_events: Vec<KeyEventLink>,
}

#[derive(Template)]
#[template(path = "liveblogs/top.html")]
pub struct TopHtml<'a> {
    pub top: &'a LiveTop,
}

/// The live part of a live blog's page.
#[derive(Clone, Debug)]
pub struct LiveView {
    pub article: String,
    /// The pinned entry and key events (first page only), drawn as the stream draws them.
    pub top: SafeHtml,
    pub entries: Vec<EntryView>,
    pub ended: Option<TimeView>,
    pub page: u32,
    pub newer_url: Option<String>,
    pub older_url: Option<String>,
    /// The live stream, on the first page of a running blog only.
    pub stream_url: Option<String>,
    pub feed_url: String,
    pub count: i64,
    /// The alert topic for readers who follow this blog.
    pub topic: String,
}

impl LiveView {
    /// The entries page `page` of a live blog, or `None` past the last page.
    pub async fn load(state: &AppState, blog: &Article, blog_path: &str, page: u32) -> AppResult<Option<Self>> {
        let db = &state.db;
        let site = &state.site;
        let rows = entries::page(db, blog.id, page).await?;
        let count = entries::count(db, blog.id).await?;
        if page > 1 && rows.is_empty() {
            return Ok(None);
        }
        let entries = draw_all(db, site, blog_path, &rows).await?;
        let top = if page == 1 {
            top(state, blog.id, blog_path).await?
        } else {
            LiveTop::default()
        };
        let top = SafeHtml::trusted(TopHtml { top: &top }.render()?);
        let pages = (count + entries::PAGE_SIZE - 1) / entries::PAGE_SIZE;
        let page_url = |n: u32| {
            if n == 1 {
                blog_path.to_owned()
            } else {
                format!("{blog_path}?page={n}")
            }
        };
        Ok(Some(Self {
            article: blog.id.to_string(),
            top,
            entries,
            ended: blog.live_ended_at.map(|t| TimeView::long(site, t)),
            page,
            newer_url: (page > 1).then(|| page_url(page - 1)),
            older_url: (i64::from(page) < pages).then(|| page_url(page + 1)),
            stream_url: (page == 1 && blog.live_ended_at.is_none()).then(|| format!("/live/entries/{}", blog.id)),
            feed_url: format!("{blog_path}/atom.xml"),
            count,
            topic: crate::alerts::store::Topic::LiveBlog(blog.id).key(),
        }))
    }
}

async fn draw_all(db: &Db, site: &Site, blog_path: &str, rows: &[Entry]) -> AppResult<Vec<EntryView>> {
    let ids: Vec<EntryId> = rows.iter().map(|e| e.id).collect();
    let mut authors = entries::authors_of(db, &ids).await?;
    Ok(rows
        .iter()
        .map(|e| EntryView::new(site, blog_path, e, &authors.remove(&e.id).unwrap_or_default()))
        .collect())
}

/// The summary above the entries, as it is now.
pub async fn top(state: &AppState, blog: ArticleId, blog_path: &str) -> AppResult<LiveTop> {
    let db = &state.db;
    let pinned = match entries::pinned(db, blog).await? {
        Some(entry) => draw_all(db, &state.site, blog_path, std::slice::from_ref(&entry))
            .await?
            .pop(),
        None => None,
    };
    let key_events = entries::key_events(db, blog)
        .await?
        .iter()
        .map(|e| KeyEventLink {
            label: e.label(),
            href: format!("{blog_path}/entries/{}", e.id),
            clock: state.site.clock(e.posted_at),
            iso: e.posted_at.rfc3339(),
        })
        .collect();
    Ok(LiveTop { pinned, key_events })
}

/// One entry drawn for the live stream, with its authors.
pub async fn draw_one(state: &AppState, blog_path: &str, entry: &Entry) -> AppResult<EntryView> {
    let views = draw_all(&state.db, &state.site, blog_path, std::slice::from_ref(entry)).await?;
    views.into_iter().next().ok_or(AppError::NotFound)
}

/// `/{section}/{slug}` of a live blog.
pub async fn blog_path(db: &Db, blog: ArticleId) -> Result<String, DbError> {
    let (section, slug): (String, String) =
        sql("SELECT s.slug, a.slug FROM articles a JOIN sections s ON s.id = a.section_id WHERE a.id = $1")
            .bind(blog)
            .fetch_one(db)
            .await?;
    Ok(format!("/{section}/{slug}"))
}

/// The address that opens the live blog at one entry.
pub async fn permalink(db: &Db, blog: &Article, entry: EntryId) -> Result<String, DbError> {
    Ok(format!("{}/entries/{entry}", blog_path(db, blog.id).await?))
}

/// `GET /{section}/{slug}/entries/{entry}`: the page the entry is on, scrolled to it.
pub async fn open_entry(
    State(state): State<AppState>,
    Path((section, slug, entry)): Path<(String, String, String)>,
) -> AppResult<Response> {
    let blog = queries::published_by_slug(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let path = blog_path(&state.db, blog.id).await?;
    let id: EntryId = entry.parse().map_err(|_| AppError::NotFound)?;
    let entry = entries::by_id(&state.db, id)
        .await?
        .filter(|e| e.article_id == blog.id)
        .ok_or(AppError::NotFound)?;
    if path != format!("/{section}/{slug}") {
        return Ok(Redirect::permanent(&format!("{path}/entries/{id}")).into_response());
    }
    let page = entries::page_of(&state.db, &entry).await?;
    let target = if page == 1 {
        format!("{path}#entry-{id}")
    } else {
        format!("{path}?page={page}#entry-{id}")
    };
    Ok(Redirect::to(&target).into_response())
}
