//! Draws errors: an HTML page in the site's layout for browsers, an RFC 9457
//! `application/problem+json` body for API clients.

use askama::Template;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use crate::error::AppError;
use crate::error::ErrorReport;
use crate::state::AppState;
use crate::web::Layout;
use crate::web::form::{FormFields, MAX_FORM_BYTES};

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    report: ErrorReport,
}

pub async fn render_errors(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let json = wants_json(request.headers(), request.uri().path());
    let readable = matches!(*request.method(), Method::GET | Method::HEAD);
    let uri = request.uri().clone();
    // A form's text is held here too, so that if anything on our side fails
    // (even before the handler reads the form) the error page gives it back.
    let mut sent = None;
    if *request.method() == Method::POST && is_form(request.headers()) {
        let (parts, body) = request.into_parts();
        let bytes = match axum::body::to_bytes(body, MAX_FORM_BYTES + 1).await {
            Ok(bytes) => bytes,
            Err(_) => {
                let too_large = AppError::TooLarge(format!(
                    "The form is larger than the {} MB limit, or stopped arriving.",
                    MAX_FORM_BYTES / (1024 * 1024)
                ));
                return html_page(&state, too_large.report()).await;
            }
        };
        sent = Some(bytes.clone());
        request = Request::from_parts(parts, axum::body::Body::from(bytes));
    }
    let mut response = next.run(request).await;
    let Some(mut report) = response.extensions_mut().remove::<ErrorReport>() else {
        return response;
    };
    if let Some(bytes) = sent.filter(|_| report.status.is_server_error()) {
        report.kept = FormFields::parse(&bytes).typed();
    }
    if readable && report.status == StatusCode::NOT_FOUND {
        // An address from before the site moved here (see imports).
        match crate::site::redirects::find(&state.db, uri.path()).await {
            Ok(Some(location)) => {
                return (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, location)]).into_response();
            }
            Ok(None) => {}
            Err(err) => tracing::warn!("looking up an old address: {err}"),
        }
    }
    let mut drawn = if json {
        problem_json(&report)
    } else {
        html_page(&state, report).await
    };
    // Keep what the error itself set (Retry-After, WWW-Authenticate, …).
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            drawn.headers_mut().entry(name).or_insert_with(|| value.clone());
        }
    }
    drawn
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    drawn
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

fn wants_json(headers: &HeaderMap, path: &str) -> bool {
    path.starts_with("/api/") || super::wants_json(headers)
}

fn problem_json(report: &ErrorReport) -> Response {
    let mut body = serde_json::json!({
        "type": "about:blank",
        "title": report.title,
        "status": report.status.as_u16(),
        "detail": report.detail,
    });
    if let Some(field) = &report.field {
        body["field"] = serde_json::Value::String(field.clone());
    }
    let mut response = (report.status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

async fn html_page(state: &AppState, report: ErrorReport) -> Response {
    // The navigation needs the database; if that is what failed, draw without it.
    let mut layout = match Layout::load(state, report.title, "", "/").await {
        Ok(layout) => layout,
        Err(_) => Layout::bare(state, report.title, ""),
    };
    layout.canonical = None;
    layout.noindex = true;
    let status = report.status;
    match (ErrorPage { layout, report }).render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(err) => {
            tracing::error!(%err, "the error page itself failed to render");
            (status, "Something went wrong.").into_response()
        }
    }
}
