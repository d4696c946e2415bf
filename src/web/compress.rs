//! Compressed copies of bytes that are served many times (the page cache's
//! pages, the static files), made once, and the choice among them for a
//! request. Answers drawn per request are compressed by the HTTP layer instead.

use axum::http::{HeaderMap, header};
use bytes::Bytes;
use std::io::Write;

/// How hard to work on a copy: at start, once per file, the best there is;
/// for a page drawn while readers wait, a level that costs about a millisecond.
#[derive(Clone, Copy)]
pub enum Effort {
    Best,
    Quick,
}

/// A brotli and a gzip copy (none for bytes too small to gain).
#[derive(Clone, Default)]
pub struct Copies {
    pub br: Option<Bytes>,
    pub gzip: Option<Bytes>,
}

impl Copies {
    pub fn of(bytes: &[u8], effort: Effort) -> Self {
        if bytes.len() < 1024 {
            return Self::default();
        }
        let (quality, level) = match effort {
            Effort::Best => (11, 9),
            Effort::Quick => (5, 6),
        };
        Self {
            br: brotli(bytes, quality),
            gzip: gzip(bytes, level),
        }
    }

    /// The copy this request takes, brotli first: its coding and bytes.
    pub fn pick(&self, request: &HeaderMap) -> Option<(&'static str, &Bytes)> {
        [("br", &self.br), ("gzip", &self.gzip)]
            .into_iter()
            .find_map(|(coding, copy)| copy.as_ref().filter(|_| accepts(request, coding)).map(|b| (coding, b)))
    }
}

fn gzip(bytes: &[u8], level: u32) -> Option<Bytes> {
    let mut encoder =
        flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 3), flate2::Compression::new(level));
    encoder.write_all(bytes).ok()?;
    encoder.finish().ok().map(Bytes::from)
}

fn brotli(bytes: &[u8], quality: i32) -> Option<Bytes> {
    let mut out = Vec::with_capacity(bytes.len() / 4);
    let params = ::brotli::enc::BrotliEncoderParams {
        quality,
        ..Default::default()
    };
    ::brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).ok()?;
    Some(out.into())
}

/// Whether the request's `Accept-Encoding` takes this content coding (named,
/// or by `*`, and not refused with `q=0`).
pub fn accepts(request: &HeaderMap, wanted: &str) -> bool {
    let Some(accept) = request.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    accept.split(',').any(|item| {
        let mut parts = item.split(';').map(str::trim);
        let coding = parts.next().unwrap_or("");
        let refused = parts.any(|p| {
            p.strip_prefix("q=")
                .and_then(|q| q.parse::<f32>().ok())
                .is_some_and(|q| q == 0.0)
        });
        (coding.eq_ignore_ascii_case(wanted) || coding == "*") && !refused
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn asking(accept: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(accept).unwrap());
        map
    }

    #[test]
    fn brotli_is_preferred_and_a_refused_coding_is_never_sent() {
        let copies = Copies::of(
            "<p>The same words, again and again.</p>".repeat(100).as_bytes(),
            Effort::Quick,
        );
        assert_eq!(copies.pick(&asking("gzip, br")).unwrap().0, "br");
        assert_eq!(copies.pick(&asking("br;q=0, gzip")).unwrap().0, "gzip");
        assert_eq!(copies.pick(&asking("gzip;q=0, deflate")), None);
        assert_eq!(copies.pick(&HeaderMap::new()), None);
        assert!(copies.br.unwrap().len() < copies.gzip.unwrap().len());
    }
}
