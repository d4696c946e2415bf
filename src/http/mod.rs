//! The whole HTTP surface: every domain's routes merged, with the layers
//! that apply to all of them. Routes are added only through [`Routes`],
//! each with the [`Access`] it needs.

//!
//! There is no site-wide timeout layer: a page served from the cache costs
//! microseconds, and a per-request timer measurably slows the hot path. The
//! work that can be slow (rendering a page, a newsroom action) carries its
//! own timeout where it happens.

pub mod access;
pub mod outbound;
pub mod routes;

use std::any::Any;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Request};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use tower_http::CompressionLevel;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::csrf::{CsrfLayer, ProtectionError};
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::error::AppError;
use crate::state::AppState;
use crate::{
    accounts, alerts, api, articles, comments, donations, feeds, liveblogs, media, moderation, newsletters, newsroom,
    ops, search, site, web,
};

pub use access::{Access, Caller, Verdict};
pub use routes::{Routes, Rule};

/// Every domain's routes, merged.
fn all_routes(state: &AppState) -> Routes {
    Routes::new(state)
        .merge(site::routes(state))
        .merge(articles::routes(state))
        .merge(feeds::routes(state))
        .merge(media::routes(state))
        .merge(newsroom::routes(state))
        .merge(api::routes(state))
        .merge(accounts::pages::routes(state))
        .merge(comments::routes(state))
        .merge(moderation::routes(state))
        .merge(alerts::routes(state))
        .merge(donations::routes(state))
        .merge(newsletters::routes(state))
        .merge(search::routes(state))
        .merge(liveblogs::routes(state))
        .merge(ops::routes(state))
        .get("/static/{file}", Access::Public, web::assets::serve)
}

/// Every route the site answers, with the access each needs.
pub fn route_table(state: &AppState) -> Vec<Rule> {
    all_routes(state).rules().to_vec()
}

pub fn router(state: AppState) -> Router {
    let pages: Router = all_routes(&state)
        .into_router()
        .fallback(not_found)
        // Innermost first: a panic becomes an error report, which is then drawn as a page.
        .layer(CatchPanicLayer::custom(panic_to_error))
        .layer(CsrfLayer::new().with_rejection_response(cross_site_refused as fn(ProtectionError) -> Response))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            web::errors::render_errors,
        ))
        .with_state(state.clone());
    let old = site::redirects::OldAddresses {
        pages: pages.clone(),
        db: state.db.clone(),
    };
    pages
        .layer(middleware::from_fn_with_state(old, site::redirects::old_addresses))
        .layer(middleware::map_response_with_state(
            state.clone(),
            web::security::headers,
        ))
        // Answers not already compressed (the page cache and the assets keep
        // their own compressed copies) are compressed for clients that take
        // brotli or gzip, at a level that costs little per answer; event
        // streams and pictures are left alone.
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(4)))
        .layer(middleware::from_fn_with_state(state.clone(), ops::metrics::record))
        // Every log line written while answering carries the request's id, which
        // the response repeats (one sent by a load balancer is kept).
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request<Body>| {
            let id = request
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            tracing::info_span!("request", method = %request.method(), uri = %request.uri(), request_id = id)
        }))
        // A body that stalls (a slow-loris upload) is given up rather than
        // holding its request, and a shutdown, open.
        .layer(RequestBodyTimeoutLayer::new(std::time::Duration::from_secs(
            state.settings.server.body_idle_timeout_secs,
        )))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(NewRequestId))
}

/// A fresh id for a request that arrives without one.
#[derive(Clone, Copy)]
struct NewRequestId;

impl MakeRequestId for NewRequestId {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&uuid::Uuid::now_v7().simple().to_string())
            .ok()
            .map(RequestId::new)
    }
}

async fn not_found() -> AppError {
    AppError::NotFound
}

/// Forms posted from another site are refused (checked by `Sec-Fetch-Site` and `Origin`).
fn cross_site_refused(_: ProtectionError) -> Response {
    AppError::Forbidden(
        "This form was sent from another website, so it was refused. Go back and send it from this site.".into(),
    )
    .into_response()
}

fn panic_to_error(cause: Box<dyn Any + Send + 'static>) -> Response {
    let message = cause
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| cause.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    AppError::Internal(anyhow::anyhow!("handler panicked: {message}")).into_response()
}
