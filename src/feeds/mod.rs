//! What machines read: RSS 2.0 and Atom feeds (site-wide, per section, and
//! a live blog's entries),
//! sitemaps (an index, pages, articles in chunks, and a Google News sitemap
//! of the last 48 hours) and robots.txt. All are cached like pages.

mod news;
mod robots;
mod sitemaps;
mod syndication;

use crate::http::Access::Public;
use crate::http::Routes;
use crate::state::AppState;

pub fn routes(state: &AppState) -> Routes {
    Routes::new(state)
        .get("/rss.xml", Public, syndication::site_rss)
        .get("/atom.xml", Public, syndication::site_atom)
        .get("/{section}/rss.xml", Public, syndication::section_rss)
        .get("/{section}/atom.xml", Public, syndication::section_atom)
        .get("/{section}/{slug}/atom.xml", Public, syndication::live_blog_atom)
        .get("/sitemap.xml", Public, sitemaps::index)
        .get("/sitemaps/{file}", Public, sitemaps::part)
        .get("/news-sitemap.xml", Public, news::sitemap)
        .get("/robots.txt", Public, robots::show)
}
