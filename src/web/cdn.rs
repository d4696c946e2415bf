//! A CDN in front of the site: every cached page names what it shows in a
//! `Surrogate-Key` header (`site` on every page, `article-<id>` on an
//! article's own pages), and when content changes the instance that changed
//! it asks the CDN to drop those keys: a `POST` to `cache.cdn_purge_url` with
//! the keys in a `Surrogate-Key` header, as Fastly's purge-by-key API takes
//! them (other CDNs' purge endpoints, or a small adapter, accept the same).

use std::time::Duration;

use crate::config::CacheSettings;
use crate::events::Event;

/// The key every cached page carries.
pub const SITE_KEY: &str = "site";

pub fn article_key(article: crate::domain::ArticleId) -> String {
    format!("article-{article}")
}

/// The keys an event makes stale, if any.
pub fn stale_keys(event: &Event) -> Option<String> {
    match event {
        Event::ContentChanged => Some(SITE_KEY.to_owned()),
        Event::ArticleChanged { article } | Event::Entry { article, .. } => Some(article_key(*article)),
        // Each instance purged the CDN for its own changes when it made them.
        Event::Comment { .. } | Event::Resync => None,
    }
}

#[derive(Clone)]
pub struct Cdn {
    purge: Option<Purge>,
}

#[derive(Clone)]
struct Purge {
    client: reqwest::Client,
    url: String,
    auth_header: String,
    token: String,
}

impl Cdn {
    pub fn from_settings(settings: &CacheSettings) -> anyhow::Result<Self> {
        let url = settings.cdn_purge_url.trim();
        if url.is_empty() {
            return Ok(Self { purge: None });
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .build()?;
        Ok(Self {
            purge: Some(Purge {
                client,
                url: url.to_owned(),
                auth_header: settings.cdn_purge_auth_header.trim().to_owned(),
                token: settings.cdn_purge_token.expose().clone(),
            }),
        })
    }

    /// Asks the CDN to drop what `event` made stale, in the background; a
    /// failed purge is retried once, then logged (pages expire by s-maxage anyway).
    pub fn purge(&self, event: &Event) {
        let (Some(purge), Some(keys)) = (self.purge.clone(), stale_keys(event)) else {
            return;
        };
        tokio::spawn(async move {
            for attempt in 0..2 {
                let mut request = purge.client.post(&purge.url).header("Surrogate-Key", &keys);
                if !purge.auth_header.is_empty() && !purge.token.is_empty() {
                    request = request.header(purge.auth_header.as_str(), &purge.token);
                }
                match request.send().await {
                    Ok(response) if response.status().is_success() => return,
                    Ok(response) => tracing::warn!(status = %response.status(), %keys, "the CDN refused a purge"),
                    Err(err) => tracing::warn!(%err, %keys, "the CDN purge did not get through"),
                }
                if attempt == 0 {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        });
    }
}
