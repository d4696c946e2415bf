//! Breaking-news alerts by Web Push, with no third-party service: readers'
//! subscriptions and topics (`store`, `subscribe`), message encryption
//! (`crypto`, RFC 8291) and VAPID (`vapid`, RFC 8292), delivery to push
//! services (`send`, RFC 8030) over our own HTTP/2 client (`http2`), the
//! fan-out as database jobs (`fanout`, `retry`), pushes about a reader's own
//! conversations (`personal`), and the newsroom's alert desk (`desk`).

pub mod crypto;
pub mod desk;
pub mod fanout;
pub mod http2;
pub mod model;
pub mod personal;
pub mod retry;
pub mod send;
pub mod store;
pub mod subscribe;
pub mod vapid;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sw.js", get(subscribe::service_worker))
        .route("/alerts", get(subscribe::preferences))
        .route("/alerts/setup", get(subscribe::setup))
        .route("/alerts/subscriptions", post(subscribe::save))
        .route("/alerts/subscriptions/lookup", post(subscribe::lookup))
        .route("/alerts/subscriptions/remove", post(subscribe::remove))
        .route("/alerts/subscriptions/renew", post(subscribe::renew))
        .route("/alerts/{id}/click", post(subscribe::click))
        .route("/newsroom/alerts", get(desk::show_desk).post(desk::create))
        .route("/newsroom/alerts/{id}", get(desk::show))
        .route("/newsroom/alerts/{id}/stats", get(desk::stats))
        .route("/newsroom/alerts/{id}/approve", post(desk::approve))
        .route("/newsroom/alerts/{id}/cancel", post(desk::cancel))
        .route("/newsroom/alerts/{id}/correction", post(desk::correct))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        ))
}
