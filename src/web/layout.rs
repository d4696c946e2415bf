//! What every page's frame needs: masthead, section navigation, head metadata
//! and asset links. Templates extend `base.html`, which reads this.

use crate::error::AppResult;
use crate::media::{ImageView, image_view};
use crate::site;
use crate::site::menus::{self, Menu, MenuItem};
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
    pub footer: Vec<NavLink>,
    pub feeds: Vec<FeedLink>,
    pub css: String,
    /// The newsroom's accent colour, as a stylesheet of its own.
    pub theme: Option<String>,
    /// The logo drawn in the masthead in place of the name.
    pub logo: Option<ImageView>,
    pub js: String,
    pub favicon: String,
    /// Icons made from the newsroom's logo: the version in their addresses.
    pub icons: Option<String>,
    pub year: i16,
}

#[derive(Clone, Debug)]
pub struct NavLink {
    pub name: String,
    pub url: String,
    pub current: bool,
}

/// A short fingerprint of the theme stylesheet, so its address changes with it.
pub fn theme_version(css: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(css.as_bytes())[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl NavLink {
    /// A menu's link on the page at `path`: current when it leads there, or
    /// to the section the page is in (a story in World marks "World").
    fn to(item: MenuItem, path: &str) -> Self {
        let first = |p: &str| {
            p.trim_start_matches('/')
                .split(['/', '?'])
                .next()
                .unwrap_or("")
                .to_owned()
        };
        let section_like = item.link.len() > 1 && item.link[1..].chars().all(|c| c != '/' && c != '?');
        Self {
            current: !path.is_empty() && (item.link == path || (section_like && first(&item.link) == first(path))),
            url: item.link,
            name: item.label,
        }
    }
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
        let mut layout = Self::bare(state, title, description);
        layout.canonical = Some(state.site.url(path));
        let mut main = menus::stored(&state.db, Menu::Main).await?;
        if main.is_empty() {
            main = site::queries::sections(&state.db)
                .await?
                .into_iter()
                .map(|s| MenuItem {
                    link: format!("/{}", s.slug),
                    label: s.name,
                })
                .collect();
        }
        let footer = menus::stored(&state.db, Menu::Footer).await?;
        if !footer.is_empty() {
            layout.footer = footer.into_iter().map(|item| NavLink::to(item, path)).collect();
        }
        layout.nav = main.into_iter().map(|item| NavLink::to(item, path)).collect();
        if let Some(logo) = state.site.identity().logo {
            layout.logo = image_view(&state.db, logo).await?;
        }
        Ok(layout)
    }

    /// A frame that needs no database, for error pages.
    pub fn bare(state: &AppState, title: &str, description: &str) -> Self {
        let site = &state.site;
        let theme = site
            .identity()
            .theme_css()
            .map(|css| format!("/theme.css?v={}", theme_version(&css)));
        let title = if title.is_empty() {
            site.name()
        } else {
            format!("{title} | {}", site.name())
        };
        Self {
            site_name: site.name(),
            tagline: site.tagline(),
            language: site.language(),
            title,
            description: description.to_owned(),
            canonical: None,
            noindex: false,
            nav: Vec::new(),
            footer: menus::default_footer()
                .into_iter()
                .map(|item| NavLink::to(item, ""))
                .collect(),
            feeds: vec![FeedLink {
                title: format!("{} – latest news", site.name()),
                url: "/rss.xml".into(),
                kind: "application/rss+xml",
            }],
            css: state.assets.url("site.css"),
            theme,
            logo: None,
            js: state.assets.url("site.js"),
            favicon: state.assets.url("favicon.svg"),
            icons: site.identity().logo.map(site::icons::version),
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
