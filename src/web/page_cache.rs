//! Rendered public pages kept in memory, so a published article is drawn once
//! and then served from here until something it shows changes.
//!
//! Correctness over cleverness: any change to published content purges every
//! page (`Event::ContentChanged`), and a change seen only on one article's page
//! purges that page; a comment purges the pages that draw that article's
//! comments as they are (its forum pages). A render that started before a
//! purge covering its page is not stored, so a slow render can never put an
//! old page back — and a purge of one article's comments does not hold up
//! renders of every other page.
//!
//! Pages are stored with a strong ETag, a Last-Modified date and brotli and gzip copies,
//! and answered with 304 when the client already has them.
//!
//! Through a database outage the cache is left alone (nobody can change
//! content then), so every page in it keeps being served, with an `Age`
//! header saying how old it is; a page not in it is a quick 503. When the
//! event bus is back, `Event::Resync` empties the cache.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use sha2::{Digest, Sha256};

use super::compress::{Copies, Effort};
use crate::db::Db;
use crate::domain::{ArticleId, Timestamp};
use crate::error::{AppError, AppResult};
use crate::events::{Bus, Event};

/// What a page handler produces before it is cached.
pub struct Rendered {
    status: StatusCode,
    content_type: &'static str,
    body: String,
    last_modified: Option<Timestamp>,
    article: Option<ArticleId>,
    comments_of: Option<ArticleId>,
    location: Option<String>,
    fresh_until: Option<Timestamp>,
}

pub const HTML: &str = "text/html; charset=utf-8";
pub const RSS: &str = "application/rss+xml; charset=utf-8";
pub const ATOM: &str = "application/atom+xml; charset=utf-8";
pub const XML: &str = "application/xml; charset=utf-8";
pub const TEXT: &str = "text/plain; charset=utf-8";

impl Rendered {
    pub fn new(content_type: &'static str, body: String) -> Self {
        Self {
            status: StatusCode::OK,
            content_type,
            body,
            last_modified: None,
            article: None,
            comments_of: None,
            location: None,
            fresh_until: None,
        }
    }

    pub fn html(body: String) -> Self {
        Self::new(HTML, body)
    }

    /// A permanent redirect to the canonical address of a page.
    pub fn moved_to(location: String) -> Self {
        Self {
            status: StatusCode::MOVED_PERMANENTLY,
            location: Some(location),
            ..Self::new(TEXT, String::new())
        }
    }

    pub fn last_modified(mut self, at: Option<Timestamp>) -> Self {
        self.last_modified = at;
        self
    }

    /// Marks the page as the page of this article, so it can be purged alone.
    pub fn of_article(mut self, id: ArticleId) -> Self {
        self.article = Some(id);
        self
    }

    /// The page changes by itself at this moment (a pinned story's time runs
    /// out): it is drawn again after it.
    pub fn fresh_until(mut self, at: Option<Timestamp>) -> Self {
        self.fresh_until = at;
        self
    }

    /// The page as a plain answer, kept nowhere (a preview).
    pub fn into_plain_response(self) -> Response {
        let mut response = Response::new(Body::from(self.body));
        *response.status_mut() = self.status;
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(self.content_type));
        response
    }

    /// Marks the page as drawing this article's comments: any comment change purges it.
    pub fn with_comments_of(mut self, id: ArticleId) -> Self {
        self.comments_of = Some(id);
        self
    }
}

struct CachedPage {
    status: StatusCode,
    content_type: HeaderValue,
    body: Bytes,
    copies: Copies,
    etag: HeaderValue,
    /// The ETag of the brotli copy, then of the gzip copy.
    coded_etags: [HeaderValue; 2],
    last_modified: Option<(i64, HeaderValue)>,
    location: Option<HeaderValue>,
    article: Option<ArticleId>,
    comments_of: Option<ArticleId>,
    /// What a CDN may purge it by.
    surrogate_keys: HeaderValue,
    stored: Instant,
    /// Drawn again after this (see `Rendered::fresh_until`).
    fresh_until: Option<Timestamp>,
}

pub struct PageCache {
    pages: RwLock<Pages>,
    max_pages: usize,
    cache_control: HeaderValue,
    render_timeout: Duration,
    /// Told whether the database can be reached, to mark pages served
    /// through an outage with their age.
    database: Option<Db>,
}

impl PageCache {
    pub fn new(max_pages: usize, cdn_max_age_secs: u32, render_timeout: Duration) -> Self {
        let cache_control = format!("public, max-age=0, must-revalidate, s-maxage={cdn_max_age_secs}");
        Self {
            pages: RwLock::new(Pages::default()),
            max_pages,
            cache_control: HeaderValue::from_str(&cache_control).unwrap_or(HeaderValue::from_static("no-cache")),
            render_timeout,
            database: None,
        }
    }

    /// Follows the reach of this database (see the module notes).
    pub fn watching(mut self, db: Db) -> Self {
        self.database = Some(db);
        self
    }

    /// Answers from the cache, or renders, stores and answers.
    /// `key` must name everything the page depends on (path and page number).
    pub async fn serve<F>(&self, key: String, request: &HeaderMap, render: F) -> AppResult<Response>
    where
        F: Future<Output = AppResult<Rendered>>,
    {
        if let Some(page) = self.get(&key) {
            let mut response = self.respond(&page, request);
            if self.database.as_ref().and_then(Db::unreachable_for).is_some() {
                response
                    .headers_mut()
                    .insert(header::AGE, page.stored.elapsed().as_secs().into());
            }
            return Ok(response);
        }
        let started = self.pages.read().map(|p| p.purges.latest).unwrap_or(0);
        let rendered = tokio::time::timeout(self.render_timeout, render)
            .await
            .map_err(|_| AppError::Timeout)??;
        let page = Arc::new(CachedPage::from(rendered));
        let response = self.respond(&page, request);
        self.insert(key, page, started);
        Ok(response)
    }

    /// Drops what an event makes stale.
    pub fn apply(&self, event: &Event) {
        match event {
            Event::ContentChanged | Event::Resync => self.purge(Scope::Everything),
            Event::ArticleChanged { article } | Event::Entry { article, .. } => self.purge(Scope::Article(*article)),
            // Comment counts on article pages are refreshed in batches by
            // comments::live; the forum's own pages go at once.
            Event::Comment { article, .. } => self.purge(Scope::Comments(*article)),
        }
    }

    /// Keeps the cache in step with events raised on other instances.
    pub fn follow(self: &Arc<Self>, bus: &Bus) {
        let cache = Arc::clone(self);
        let mut events = bus.subscribe();
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(event) => cache.apply(&event),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => cache.apply(&Event::Resync),
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                }
            }
        });
    }

    pub fn len(&self) -> usize {
        self.pages.read().map(|p| p.pages.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn get(&self, key: &str) -> Option<Arc<CachedPage>> {
        let page = self.pages.read().ok()?.pages.get(key).cloned()?;
        match page.fresh_until {
            Some(until) if until <= Timestamp::now() => None,
            _ => Some(page),
        }
    }

    fn insert(&self, key: String, page: Arc<CachedPage>, started: u64) {
        let Ok(mut pages) = self.pages.write() else { return };
        // Checked under the lock that purges take too.
        if pages.purges.covers_since(&page, started) {
            return;
        }
        if pages.pages.len() >= self.max_pages {
            // Make room by dropping an arbitrary tenth; hot pages come straight back.
            let victims: Vec<String> = pages.pages.keys().take(self.max_pages / 10 + 1).cloned().collect();
            for victim in victims {
                pages.pages.remove(&victim);
            }
        }
        pages.pages.insert(key, page);
    }

    fn purge(&self, scope: Scope) {
        if let Ok(mut pages) = self.pages.write() {
            let Pages { pages, purges } = &mut *pages;
            purges.record(scope);
            pages.retain(|_, page| !scope.covers(page));
        }
    }

    fn respond(&self, page: &CachedPage, request: &HeaderMap) -> Response {
        let coded = page.copies.pick(request);
        let etag = match coded {
            Some(("br", _)) => &page.coded_etags[0],
            Some(_) => &page.coded_etags[1],
            None => &page.etag,
        };
        let not_modified = match request.get(header::IF_NONE_MATCH) {
            Some(tags) => etag_matches(tags, page),
            None => match (&page.last_modified, request.get(header::IF_MODIFIED_SINCE)) {
                (Some((modified, _)), Some(since)) => since
                    .to_str()
                    .ok()
                    .and_then(Timestamp::parse_http_date)
                    .is_some_and(|since| *modified <= since.as_seconds()),
                _ => false,
            },
        };
        let mut response = if not_modified {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::NOT_MODIFIED;
            r
        } else {
            let mut r = Response::new(Body::from(coded.map_or(&page.body, |(_, b)| b).clone()));
            *r.status_mut() = page.status;
            r.headers_mut().insert(header::CONTENT_TYPE, page.content_type.clone());
            if let Some((coding, _)) = coded {
                r.headers_mut()
                    .insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
            }
            if let Some(location) = &page.location {
                r.headers_mut().insert(header::LOCATION, location.clone());
            }
            r
        };
        let headers = response.headers_mut();
        headers.insert(header::ETAG, etag.clone());
        headers.insert(header::CACHE_CONTROL, self.cache_control.clone());
        headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        headers.insert("surrogate-key", page.surrogate_keys.clone());
        if let Some((_, value)) = &page.last_modified {
            headers.insert(header::LAST_MODIFIED, value.clone());
        }
        response
    }
}

#[derive(Default)]
struct Pages {
    pages: HashMap<String, Arc<CachedPage>>,
    purges: Purges,
}

/// What a purge drops.
#[derive(Clone, Copy)]
enum Scope {
    Everything,
    Article(ArticleId),
    Comments(ArticleId),
}

impl Scope {
    fn covers(self, page: &CachedPage) -> bool {
        match self {
            Scope::Everything => true,
            Scope::Article(id) => page.article == Some(id),
            Scope::Comments(id) => page.comments_of == Some(id),
        }
    }
}

/// Purges are numbered in order; a render remembers the number current when
/// it began, and its page is stored only if no purge since then covers it.
#[derive(Default)]
struct Purges {
    latest: u64,
    everything: u64,
    articles: HashMap<ArticleId, u64>,
    comments: HashMap<ArticleId, u64>,
}

impl Purges {
    fn record(&mut self, scope: Scope) {
        self.latest += 1;
        match scope {
            Scope::Everything => {
                self.everything = self.latest;
                // Older marks say nothing the last full purge does not.
                self.articles.clear();
                self.comments.clear();
            }
            Scope::Article(id) => {
                self.articles.insert(id, self.latest);
            }
            Scope::Comments(id) => {
                self.comments.insert(id, self.latest);
            }
        }
    }

    fn covers_since(&self, page: &CachedPage, started: u64) -> bool {
        let after = |mark: Option<&u64>| mark.is_some_and(|&n| n > started);
        self.everything > started
            || page.article.is_some_and(|id| after(self.articles.get(&id)))
            || page.comments_of.is_some_and(|id| after(self.comments.get(&id)))
    }
}

impl From<Rendered> for CachedPage {
    fn from(r: Rendered) -> Self {
        let hash = Sha256::digest(r.body.as_bytes());
        let tag: String = hash[..12].iter().map(|b| format!("{b:02x}")).collect();
        let body = Bytes::from(r.body);
        let copies = Copies::of(&body, Effort::Quick);
        let header = |s: String| HeaderValue::from_str(&s).ok();
        CachedPage {
            status: r.status,
            content_type: HeaderValue::from_static(r.content_type),
            etag: header(format!("\"{tag}\"")).unwrap_or(HeaderValue::from_static("\"0\"")),
            coded_etags: [
                header(format!("\"{tag}-br\"")).unwrap_or(HeaderValue::from_static("\"0-br\"")),
                header(format!("\"{tag}-gz\"")).unwrap_or(HeaderValue::from_static("\"0-gz\"")),
            ],
            body,
            copies,
            last_modified: r
                .last_modified
                .and_then(|t| Some((t.as_seconds(), header(t.http_date())?))),
            location: r.location.and_then(header),
            surrogate_keys: match r.article {
                Some(id) => HeaderValue::from_str(&format!("{} {}", super::cdn::SITE_KEY, super::cdn::article_key(id)))
                    .unwrap_or(HeaderValue::from_static(super::cdn::SITE_KEY)),
                None => HeaderValue::from_static(super::cdn::SITE_KEY),
            },
            article: r.article,
            comments_of: r.comments_of,
            stored: Instant::now(),
            fresh_until: r.fresh_until,
        }
    }
}

/// A page matches `If-None-Match` in either of its encodings (weak comparison).
fn etag_matches(tags: &HeaderValue, page: &CachedPage) -> bool {
    let Ok(tags) = tags.to_str() else { return false };
    tags.split(',').map(str::trim).any(|tag| {
        let tag = tag.strip_prefix("W/").unwrap_or(tag);
        tag == "*"
            || tag.as_bytes() == page.etag.as_bytes()
            || page.coded_etags.iter().any(|t| t.as_bytes() == tag.as_bytes())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_render_that_overlaps_a_purge_is_not_stored() {
        let cache = PageCache::new(10, 0, Duration::from_secs(5));
        let render = async {
            cache.apply(&Event::ContentChanged);
            Ok(Rendered::html("old".into()))
        };
        cache.serve("/".into(), &HeaderMap::new(), render).await.unwrap();
        assert!(cache.is_empty());
        cache
            .serve("/".into(), &HeaderMap::new(), async {
                Ok(Rendered::html("new".into()))
            })
            .await
            .unwrap();
        assert_eq!(cache.len(), 1);
    }

    #[tokio::test]
    async fn a_comment_purge_drops_only_the_pages_that_draw_those_comments() {
        let cache = PageCache::new(10, 0, Duration::from_secs(5));
        let (busy, quiet) = (ArticleId::new(), ArticleId::new());
        // A busy forum's comment arrives while a quiet article and the busy forum render.
        let comment = Event::Comment {
            article: busy,
            comment: crate::domain::CommentId::new(),
            change: crate::events::Change::Posted,
        };
        let quiet_page = async {
            cache.apply(&comment);
            Ok(Rendered::html("quiet".into()).of_article(quiet).with_comments_of(quiet))
        };
        cache
            .serve("/quiet".into(), &HeaderMap::new(), quiet_page)
            .await
            .unwrap();
        let busy_forum = async {
            cache.apply(&comment);
            Ok(Rendered::html("busy".into()).of_article(busy).with_comments_of(busy))
        };
        cache
            .serve("/busy/comments".into(), &HeaderMap::new(), busy_forum)
            .await
            .unwrap();
        let busy_story = async { Ok(Rendered::html("story".into()).of_article(busy)) };
        cache
            .serve("/busy".into(), &HeaderMap::new(), busy_story)
            .await
            .unwrap();
        assert!(cache.get("/quiet").is_some(), "another article's page is kept");
        assert!(
            cache.get("/busy/comments").is_none(),
            "the forum drawn before the comment is not"
        );
        cache.apply(&comment);
        assert!(
            cache.get("/busy").is_some(),
            "the story's page waits for its batched refresh"
        );
        assert_eq!(cache.len(), 2);
    }
}
