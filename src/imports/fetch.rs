//! Fetching an old site's pictures from their addresses, for an import
//! given no media folder (or one without some pictures): bounded in size
//! and time, public addresses only (as every request the site makes, see
//! [`crate::http::outbound`]), and checked like an upload once here.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;

use crate::http::outbound::{PublicOnly, literal_host_is_public, refused_address};
use crate::media::MAX_PICTURE_BYTES;

pub struct Fetcher {
    client: reqwest::Client,
    allow_private: bool,
}

impl Fetcher {
    pub fn new(allow_private: bool) -> anyhow::Result<Self> {
        let mut builder = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("Broadsheet/", env!("CARGO_PKG_VERSION"), " (import)"));
        builder = if allow_private {
            builder.redirect(reqwest::redirect::Policy::limited(5))
        } else {
            // Each hop of a redirect is held to the same rule as the first address.
            builder
                .dns_resolver(Arc::new(PublicOnly))
                .redirect(reqwest::redirect::Policy::custom(|attempt| {
                    if attempt.previous().len() >= 5 {
                        attempt.error("more than 5 redirects")
                    } else if literal_host_is_public(attempt.url()) {
                        attempt.follow()
                    } else {
                        attempt.error("a redirect to a private or local address")
                    }
                }))
        };
        Ok(Self {
            client: builder.build()?,
            allow_private,
        })
    }

    /// The bytes at `address`, or why they cannot be had (for the summary).
    pub async fn get(&self, address: &str) -> Result<Vec<u8>, String> {
        let url = Url::parse(address).map_err(|_| "its address is not a full URL".to_owned())?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("its address is not http(s) ({})", url.scheme()));
        }
        if !self.allow_private && !literal_host_is_public(&url) {
            return Err("its address is a private or local one (see --allow-private-addresses)".into());
        }
        let mut response = self.client.get(url).send().await.map_err(|err| describe(&err))?;
        if !response.status().is_success() {
            return Err(format!("the old site answered {}", response.status()));
        }
        let too_large = || format!("it is larger than {} MB", MAX_PICTURE_BYTES / (1024 * 1024));
        if response.content_length().is_some_and(|n| n > MAX_PICTURE_BYTES as u64) {
            return Err(too_large());
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|err| describe(&err))? {
            if bytes.len() + chunk.len() > MAX_PICTURE_BYTES {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }
}

fn describe(err: &reqwest::Error) -> String {
    if let Some(refused) = refused_address(err) {
        return format!("{refused} (see --allow-private-addresses)");
    }
    if err.is_timeout() {
        return "fetching it took too long".into();
    }
    let mut text = err.to_string();
    let mut cause = std::error::Error::source(err);
    while let Some(inner) = cause {
        text = format!("{text}: {inner}");
        cause = inner.source();
    }
    format!("it could not be fetched ({text})")
}
