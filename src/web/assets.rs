//! The site's own CSS, JavaScript and icons: embedded in the binary and
//! served under fingerprinted names (`site.3f9a2b1c.css`) cached for a year.
//! Text files are compressed once, at start, with brotli and with gzip, and
//! sent in the best coding the client takes.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::compress::{Copies, Effort};
use crate::error::AppError;
use crate::state::AppState;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
    /// The same bytes brotli-compressed and gzipped (text files only).
    copies: Copies,
    /// `name` with the content hash before the extension.
    fingerprinted: String,
}

pub struct Assets {
    assets: Vec<Asset>,
}

const FILES: &[(&str, &str, &[u8])] = &[
    (
        "site.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/site.css"),
    ),
    (
        "site.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/site.js"),
    ),
    (
        "newsroom.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/newsroom.css"),
    ),
    (
        "newsroom.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/newsroom.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../../static/favicon.svg"),
    ),
    ("logo.png", "image/png", include_bytes!("../../static/logo.png")),
    ("icon-192.png", "image/png", include_bytes!("../../static/icon-192.png")),
];

impl Assets {
    pub fn embedded() -> Self {
        let assets = FILES
            .iter()
            .map(|(name, content_type, bytes)| {
                let hash = Sha256::digest(bytes);
                let short: String = hash[..4].iter().map(|b| format!("{b:02x}")).collect();
                let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
                let text = content_type.starts_with("text/") || content_type.starts_with("image/svg");
                Asset {
                    name,
                    content_type,
                    bytes,
                    copies: if text {
                        Copies::of(bytes, Effort::Best)
                    } else {
                        Copies::default()
                    },
                    fingerprinted: format!("{stem}.{short}.{ext}"),
                }
            })
            .collect();
        Self { assets }
    }

    /// The URL path of an asset by its plain name, e.g. `/static/site.3f9a2b1c.css`.
    pub fn url(&self, name: &str) -> String {
        self.assets
            .iter()
            .find(|a| a.name == name)
            .map(|a| format!("/static/{}", a.fingerprinted))
            .unwrap_or_else(|| {
                debug_assert!(false, "no embedded asset named {name}");
                format!("/static/{name}")
            })
    }
}

/// Serves `/static/{file}`. An exact fingerprint is cached for a year; an old
/// fingerprint (a page from before a deploy) gets today's file, cached briefly.
pub async fn serve(
    State(state): State<AppState>,
    Path(file): Path<String>,
    request: HeaderMap,
) -> Result<Response, AppError> {
    let assets = &state.assets.assets;
    let (asset, exact) = match assets.iter().find(|a| a.fingerprinted == file) {
        Some(asset) => (asset, true),
        None => {
            let plain = plain_name(&file);
            let asset = assets.iter().find(|a| a.name == plain).ok_or(AppError::NotFound)?;
            (asset, false)
        }
    };
    let cache = if exact {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    let coded = asset.copies.pick(&request);
    let body = match coded {
        Some((_, bytes)) => Body::from(bytes.clone()),
        None => Body::from(asset.bytes),
    };
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if asset.copies.gzip.is_some() {
        headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
    if let Some((coding, _)) = coded {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    }
    Ok(response)
}

/// `site.0123abcd.css` → `site.css`; `site.css` stays as it is.
fn plain_name(file: &str) -> String {
    let parts: Vec<&str> = file.split('.').collect();
    match parts.as_slice() {
        [stem, hash, ext] if hash.len() == 8 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => format!("{stem}.{ext}"),
        _ => file.to_owned(),
    }
}
