//! What machines read: RSS 2.0 and Atom feeds (site-wide, per section, and
//! a live blog's entries),
//! sitemaps (an index, pages, articles in chunks, and a Google News sitemap
//! of the last 48 hours) and robots.txt. All are cached like pages.

mod news;
mod robots;
mod sitemaps;
mod syndication;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/rss.xml", get(syndication::site_rss))
        .route("/atom.xml", get(syndication::site_atom))
        .route("/{section}/rss.xml", get(syndication::section_rss))
        .route("/{section}/atom.xml", get(syndication::section_atom))
        .route("/{section}/{slug}/atom.xml", get(syndication::live_blog_atom))
        .route("/sitemap.xml", get(sitemaps::index))
        .route("/sitemaps/{file}", get(sitemaps::part))
        .route("/news-sitemap.xml", get(news::sitemap))
        .route("/robots.txt", get(robots::show))
}
