//! Breaking-news alerts by Web Push, with no third-party service: readers'
//! subscriptions and topics (`store`, `subscribe`), message encryption
//! (`crypto`, RFC 8291) and VAPID (`vapid`, RFC 8292), delivery to push
//! services (`send`, RFC 8030) over HTTP/2 connections kept per service (`http2`), the
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

use axum::http::{HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::accounts::Permission;
use crate::http::Access::{Public, Staff};
use crate::http::Routes;
use crate::state::AppState;

pub fn routes(state: &AppState) -> Routes {
    Routes::new(state)
        .get("/sw.js", Public, subscribe::service_worker)
        .get("/alerts", Public, subscribe::preferences)
        .get("/alerts/setup", Public, subscribe::setup)
        .post("/alerts/subscriptions", Public, subscribe::save)
        .post("/alerts/subscriptions/lookup", Public, subscribe::lookup)
        .post("/alerts/subscriptions/remove", Public, subscribe::remove)
        .post("/alerts/subscriptions/renew", Public, subscribe::renew)
        .post("/alerts/{id}/click", Public, subscribe::click)
        .get("/newsroom/alerts", Staff(Permission::SendAlerts), desk::show_desk)
        .post("/newsroom/alerts", Staff(Permission::SendAlerts), desk::create)
        .get("/newsroom/alerts/{id}", Staff(Permission::SendAlerts), desk::show)
        .get(
            "/newsroom/alerts/{id}/stats",
            Staff(Permission::SendAlerts),
            desk::stats,
        )
        .post(
            "/newsroom/alerts/{id}/approve",
            Staff(Permission::SendAlerts),
            desk::approve,
        )
        .post(
            "/newsroom/alerts/{id}/cancel",
            Staff(Permission::SendAlerts),
            desk::cancel,
        )
        .post(
            "/newsroom/alerts/{id}/correction",
            Staff(Permission::SendAlerts),
            desk::correct,
        )
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        ))
}
