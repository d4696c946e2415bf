//! Security headers on every response.

use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::Response;

use crate::state::AppState;

const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; \
script-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; \
form-action 'self'; frame-ancestors 'none'; manifest-src 'self'; worker-src 'self'; \
frame-src https://www.youtube-nocookie.com https://player.vimeo.com https://platform.twitter.com";

/// The policy with one more place forms may lead to (a payment page).
pub fn policy_with_form_target(origin: &str) -> String {
    let origin: String = origin
        .chars()
        .filter(|c| !matches!(c, ';' | ',' | ' ' | '\'' | '"'))
        .collect();
    CONTENT_SECURITY_POLICY.replace("form-action 'self'", &format!("form-action 'self' {origin}"))
}

/// The policy for a page that frames pages of this site (the newsroom's email preview).
pub fn policy_with_own_frames() -> String {
    CONTENT_SECURITY_POLICY.replace("frame-src ", "frame-src 'self' ")
}

const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";

/// A site served over https tells browsers to use nothing else for a year.
const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000; includeSubDomains";

pub async fn headers(State(state): State<AppState>, mut response: Response) -> Response {
    let https = state.site.base_url.starts_with("https://");
    let h = response.headers_mut();
    if https {
        h.entry(header::STRICT_TRANSPORT_SECURITY)
            .or_insert(HeaderValue::from_static(STRICT_TRANSPORT_SECURITY));
    }
    let mut set = |name: HeaderName, value: &'static str| {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::REFERRER_POLICY, "strict-origin-when-cross-origin");
    set(HeaderName::from_static("permissions-policy"), PERMISSIONS_POLICY);
    set(HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
    response
}
