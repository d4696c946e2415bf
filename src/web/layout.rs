//! What every page's frame needs: masthead, section navigation, head metadata
//! and asset links. Templates extend `base.html`, which reads this.

use crate::error::AppResult;
use crate::site;
use crate::state::AppState;

#[derive(Clone, Debug)]
pub struct Layout {
    pub site_name: String,
    pub tagline: String,
    pub language: String,
    pub title: String,
    pub description: String,
    /// Absolute canonical URL; absent on pages search engines should skip.
    pub canonical: Option<String>,
    pub noindex: bool,
    pub nav: Vec<NavLink>,
    pub feeds: Vec<FeedLink>,
    pub css: String,
    pub js: String,
    pub favicon: String,
    pub year: i16,
}

#[derive(Clone, Debug)]
pub struct NavLink {
    pub name: String,
    pub url: String,
    pub current: bool,
}

#[derive(Clone, Debug)]
pub struct FeedLink {
    pub title: String,
    pub url: String,
    pub kind: &'static str,
}

impl Layout {
    /// A page at `path` (used for the canonical link and to mark the current section).
    pub async fn load(state: &AppState, title: &str, description: &str, path: &str) -> AppResult<Self> {
        let sections = site::queries::sections(&state.db).await?;
        let mut layout = Self::bare(state, title, description);
        layout.canonical = Some(state.site.url(path));
        let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
        layout.nav = sections
            .into_iter()
            .map(|s| NavLink {
                current: s.slug == first,
                url: format!("/{}", s.slug),
                name: s.name,
            })
            .collect();
        Ok(layout)
    }

    /// A frame that needs no database, for error pages.
    pub fn bare(state: &AppState, title: &str, description: &str) -> Self {
        let site = &state.site;
        let title = if title.is_empty() {
            site.name.clone()
        } else {
            format!("{title} | {}", site.name)
        };
        Self {
            site_name: site.name.clone(),
            tagline: site.tagline.clone(),
            language: site.language.clone(),
            title,
            description: description.to_owned(),
            canonical: None,
            noindex: false,
            nav: Vec::new(),
            feeds: vec![FeedLink {
                title: format!("{} – latest news", site.name),
                url: "/rss.xml".into(),
                kind: "application/rss+xml",
            }],
            css: state.assets.url("site.css"),
            js: state.assets.url("site.js"),
            favicon: state.assets.url("favicon.svg"),
            year: jiff::ZonedDateTime::now().year(),
        }
    }

    pub fn with_feeds(mut self, title: &str, base: &str) -> Self {
        self.feeds = vec![
            FeedLink {
                title: format!("{title} (RSS)"),
                url: format!("{base}/rss.xml"),
                kind: "application/rss+xml",
            },
            FeedLink {
                title: format!("{title} (Atom)"),
                url: format!("{base}/atom.xml"),
                kind: "application/atom+xml",
            },
        ];
        self
    }
}
