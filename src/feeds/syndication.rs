//! RSS 2.0 and Atom feeds of the newest stories.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;

use crate::articles::{ArticleKind, StoryFilter, queries};
use crate::domain::Timestamp;
use crate::error::{AppError, AppResult};
use crate::liveblogs;
use crate::media::ImageView;
use crate::site;
use crate::state::AppState;
use crate::web::Rendered;
use crate::web::page_cache::{ATOM, RSS};

const ITEMS: i64 = 30;

#[derive(Clone, Copy)]
enum Format {
    Rss,
    Atom,
}

struct Feed {
    title: String,
    description: String,
    /// The page the feed mirrors, absolute.
    link: String,
    /// The feed's own address, absolute.
    self_url: String,
    language: String,
    updated: Timestamp,
    items: Vec<Item>,
}

struct Item {
    title: String,
    url: String,
    summary: String,
    section: String,
    authors: Vec<String>,
    published: Timestamp,
    updated: Timestamp,
    image: Option<String>,
}

#[derive(Template)]
#[template(path = "feeds/rss.xml")]
struct RssFeed {
    feed: Feed,
}

#[derive(Template)]
#[template(path = "feeds/atom.xml")]
struct AtomFeed {
    feed: Feed,
}

pub async fn site_rss(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    serve(state, headers, None, Format::Rss).await
}

pub async fn site_atom(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    serve(state, headers, None, Format::Atom).await
}

pub async fn section_rss(
    State(state): State<AppState>,
    Path(section): Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    serve(state, headers, Some(section), Format::Rss).await
}

pub async fn section_atom(
    State(state): State<AppState>,
    Path(section): Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    serve(state, headers, Some(section), Format::Atom).await
}

async fn serve(state: AppState, headers: HeaderMap, section: Option<String>, format: Format) -> AppResult<Response> {
    let file = match format {
        Format::Rss => "rss.xml",
        Format::Atom => "atom.xml",
    };
    let base = section.as_ref().map(|s| format!("/{s}")).unwrap_or_default();
    let key = format!("{base}/{file}");
    state
        .pages
        .serve(key.clone(), &headers, async {
            let feed = build(&state, section.as_deref(), &base, &key).await?;
            let updated = feed.updated;
            let rendered = match format {
                Format::Rss => Rendered::new(RSS, RssFeed { feed }.render()?),
                Format::Atom => Rendered::new(ATOM, AtomFeed { feed }.render()?),
            };
            Ok(rendered.last_modified(Some(updated)))
        })
        .await
}

/// `/{section}/{slug}/atom.xml`: a live blog's newest entries.
pub async fn live_blog_atom(
    State(state): State<AppState>,
    Path((section, slug)): Path<(String, String)>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let key = format!("/{section}/{slug}/atom.xml");
    state
        .pages
        .serve(key.clone(), &headers, async {
            let blog = queries::published_by_slug(&state.db, &slug)
                .await?
                .filter(|a| a.kind() == ArticleKind::LiveBlog)
                .ok_or(AppError::NotFound)?;
            let path = liveblogs::view::blog_path(&state.db, blog.id).await?;
            if path != format!("/{section}/{slug}") {
                return Err(AppError::NotFound);
            }
            let home = site::queries::section_by_id(&state.db, blog.section_id).await?;
            let latest = liveblogs::entries::latest(&state.db, blog.id, ITEMS).await?;
            let ids: Vec<crate::domain::EntryId> = latest.iter().map(|e| e.id).collect();
            let mut authors = liveblogs::entries::authors_of(&state.db, &ids).await?;
            let site = &state.site;
            let items = latest
                .iter()
                .map(|e| {
                    let view =
                        liveblogs::view::EntryView::new(site, &path, e, &authors.remove(&e.id).unwrap_or_default());
                    Item {
                        title: view.label,
                        url: site.url(&view.permalink),
                        summary: view.text,
                        section: home.name.clone(),
                        authors: view.authors.into_iter().map(|(name, _)| name).collect(),
                        published: e.posted_at,
                        updated: e.updated_at,
                        image: view.figure.map(|f| site.url(&f.image.largest)),
                    }
                })
                .collect();
            let feed = Feed {
                title: format!("{} – {}", site.name(), blog.headline),
                description: blog.standfirst.clone(),
                link: site.url(&path),
                self_url: site.url(&key),
                language: site.language(),
                updated: blog.updated_at,
                items,
            };
            Ok(Rendered::new(ATOM, AtomFeed { feed }.render()?)
                .last_modified(Some(blog.updated_at))
                .of_article(blog.id))
        })
        .await
}

async fn build(state: &AppState, section: Option<&str>, base: &str, self_path: &str) -> AppResult<Feed> {
    let db = &state.db;
    let site = &state.site;
    let (filter, title, description) = match section {
        None => (
            StoryFilter::All,
            format!("{} – latest news", site.name()),
            site.tagline(),
        ),
        Some(slug) => {
            let section = site::queries::section_by_slug(db, slug)
                .await?
                .ok_or(AppError::NotFound)?;
            let description = if section.description.is_empty() {
                format!("The latest {} news from {}", section.name, site.name())
            } else {
                section.description
            };
            (
                StoryFilter::Section(section.id),
                format!("{} – {}", site.name(), section.name),
                description,
            )
        }
    };
    let stories = queries::stories(db, filter, ITEMS, 0).await?;
    let ids: Vec<_> = stories.iter().map(|s| s.id).collect();
    let mut bylines = queries::bylines(db, &ids).await?;
    let updated = queries::last_change(db, filter).await?.unwrap_or_else(Timestamp::now);
    let items = stories
        .into_iter()
        .map(|s| Item {
            title: s.headline.clone(),
            url: site.url(&s.path()),
            summary: s.standfirst.clone(),
            section: s.section_name.clone(),
            authors: bylines.remove(&s.id).unwrap_or_default(),
            published: s.published_at,
            updated: s.updated_at,
            image: match (&s.image_id, &s.image_widths) {
                (Some(id), Some(widths)) => Some(site.url(&ImageView::new(*id, "", 0, 0, widths).largest)),
                _ => None,
            },
        })
        .collect();
    Ok(Feed {
        title,
        description,
        link: site.url(if base.is_empty() { "/" } else { base }),
        self_url: site.url(self_path),
        language: site.language(),
        updated,
        items,
    })
}
