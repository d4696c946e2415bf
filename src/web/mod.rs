//! Cross-cutting web pieces every domain uses: the page cache, the layout,
//! error pages, security headers, paging, assets and safe HTML.

pub mod assets;
pub mod cdn;
pub mod client;
pub mod compress;
pub mod errors;
pub mod form;
pub mod html;
pub mod layout;
pub mod live;
pub mod page_cache;
pub mod paging;
pub mod security;
pub mod stash;

pub use html::{SafeHtml, ScriptJson};
pub use layout::Layout;
pub use page_cache::Rendered;
pub use paging::{PageNumber, Pagination};

/// Whether the client asked for JSON (the page script, API clients) rather
/// than a page: errors and confirmations are then answered in JSON.
pub fn wants_json(headers: &axum::http::HeaderMap) -> bool {
    let accept = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    (accept.contains("application/json") || accept.contains("application/problem+json"))
        && !accept.contains("text/html")
}

/// A moment shown to readers: machine-readable and in words.
#[derive(Clone, Debug)]
pub struct TimeView {
    /// RFC 3339, for `<time datetime>`.
    pub iso: String,
    /// In the site's time zone, e.g. "Monday 16 December 2024 06:04 GMT".
    pub text: String,
}

impl TimeView {
    pub fn long(site: &crate::state::Site, ts: crate::domain::Timestamp) -> Self {
        Self {
            iso: ts.rfc3339(),
            text: site.long_time(ts),
        }
    }

    /// A card's time: the clock and the day for a story of the last day
    /// ("06:04, 7 December": still true when the page is read tomorrow),
    /// the date for older ones.
    pub fn card(site: &crate::state::Site, ts: crate::domain::Timestamp) -> Self {
        let fresh = crate::domain::Timestamp::now().as_seconds() - ts.as_seconds() < 24 * 3600;
        Self {
            iso: ts.rfc3339(),
            text: if fresh {
                site.clock_and_day(ts)
            } else {
                site.short_date(ts)
            },
        }
    }
}

/// `path` when it is a path on this site that is safe to send a browser to:
/// it starts with a single `/` and holds no backslash, whitespace or control
/// character (browsers drop tabs and newlines and read `/\` or `/\t/` as
/// the start of another host's address).
pub fn local_path(path: &str) -> Option<&str> {
    let mut chars = path.chars();
    let first_two = (chars.next(), chars.next());
    let local = first_two.0 == Some('/')
        && first_two.1 != Some('/')
        && !path.chars().any(|c| c == '\\' || c.is_whitespace() || c.is_control());
    local.then_some(path)
}

/// Percent-encodes a value for a query string.
pub fn urlencode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_plain_paths_on_this_site_are_local() {
        for path in ["/", "/world/a-story", "/comments/1?x=1#c", "/account?return_to=%2F"] {
            assert_eq!(super::local_path(path), Some(path), "{path:?}");
        }
        for path in [
            "",
            "world",
            "//evil.invalid/x",
            "/\\evil.invalid",
            "/\t/evil.invalid/x",
            "/\n/evil.invalid",
            "/ok\r\nSet-Cookie: x=1",
            "https://evil.invalid/x/comments",
            "/\u{2028}/evil.invalid",
        ] {
            assert_eq!(super::local_path(path), None, "{path:?}");
        }
    }
}
