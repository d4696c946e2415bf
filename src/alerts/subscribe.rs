//! What a reader's browser talks to: the key to subscribe with, the topics
//! on offer, saving and changing a subscription, unsubscribing, renewal by
//! the service worker, clicks on an alert, and the preferences page.

use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::accounts::reader_extract::CurrentReader;
use crate::accounts::throttle::{self, Scope};
use crate::api::ApiJson;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::Layout;
use crate::web::client::Client;

use super::store::{self, BrowserSubscription};

#[derive(Debug, Serialize)]
pub struct TopicChoice {
    pub topic: String,
    pub label: String,
}

/// The topics this reader may choose, in the order they are offered.
async fn choices(state: &AppState, signed_in: bool) -> AppResult<Vec<TopicChoice>> {
    let mut out = vec![TopicChoice {
        topic: "breaking".into(),
        label: "Breaking news".into(),
    }];
    for section in crate::site::queries::sections(&state.db).await? {
        out.push(TopicChoice {
            topic: format!("section:{}", section.slug),
            label: format!("{} news", section.name),
        });
    }
    if signed_in {
        out.push(TopicChoice {
            topic: "replies".into(),
            label: "Replies to my comments".into(),
        });
        out.push(TopicChoice {
            topic: "following".into(),
            label: "Comments by readers I follow".into(),
        });
    }
    Ok(out)
}

#[derive(Serialize)]
pub struct Setup {
    #[serde(rename = "publicKey")]
    public_key: String,
    topics: Vec<TopicChoice>,
}

/// The VAPID public key (`applicationServerKey`) and the topics on offer.
pub async fn setup(State(state): State<AppState>, reader: Option<CurrentReader>) -> AppResult<Json<Setup>> {
    Ok(Json(Setup {
        public_key: state.pusher.public_key().to_owned(),
        topics: choices(&state, reader.is_some()).await?,
    }))
}

#[derive(Deserialize)]
pub struct SaveRequest {
    subscription: BrowserSubscription,
    topics: Vec<String>,
}

#[derive(Serialize)]
pub struct Topics {
    topics: Vec<String>,
}

/// Subscriptions one address may save per ten minutes.
pub const SAVES_PER_ADDRESS: i64 = 60;

/// Saves the browser's subscription with the topics chosen (creating or replacing).
pub async fn save(
    State(state): State<AppState>,
    reader: Option<CurrentReader>,
    client: Client,
    ApiJson(request): ApiJson<SaveRequest>,
) -> AppResult<Response> {
    store::check(&request.subscription, state.pusher.allows_private()).await?;
    // Generous enough for a carrier's shared address, not for a script.
    let limit = Scope::new(format!("subscribe:{}", client.ip), SAVES_PER_ADDRESS, 600);
    throttle::take(&state.db, &[limit], "Too many alert subscriptions from your network.").await?;
    let topics = store::check_topics(&state.db, &request.topics, reader.is_some()).await?;
    if topics.is_empty() {
        return Err(AppError::Invalid {
            field: "topics".into(),
            message: "Choose at least one topic, or turn alerts off.".into(),
        });
    }
    store::save(&state.db, &request.subscription, &topics, reader.map(|r| r.reader.id)).await?;
    let topics = topics.iter().map(|t| t.key()).collect();
    Ok((StatusCode::CREATED, Json(Topics { topics })).into_response())
}

#[derive(Deserialize)]
pub struct EndpointRequest {
    endpoint: String,
}

/// The topics a browser's subscription follows (404: not subscribed here).
pub async fn lookup(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<EndpointRequest>,
) -> AppResult<Json<Topics>> {
    let topics = store::topics_of(&state.db, &request.endpoint)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(Topics { topics }))
}

pub async fn remove(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<EndpointRequest>,
) -> AppResult<StatusCode> {
    if store::remove(&state.db, &request.endpoint).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound)
    }
}

#[derive(Deserialize)]
pub struct RenewRequest {
    old_endpoint: String,
    subscription: BrowserSubscription,
}

/// The browser replaced its subscription (`pushsubscriptionchange`).
pub async fn renew(State(state): State<AppState>, ApiJson(request): ApiJson<RenewRequest>) -> AppResult<StatusCode> {
    store::check(&request.subscription, state.pusher.allows_private()).await?;
    if store::renew(&state.db, &request.old_endpoint, &request.subscription).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound)
    }
}

/// A reader opened an alert (reported by the service worker).
pub async fn click(State(state): State<AppState>, Path(id): Path<crate::domain::AlertId>) -> AppResult<StatusCode> {
    if super::model::clicked(&state.db, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound)
    }
}

/// The service worker, served from the root so it may handle the whole site.
pub async fn service_worker(State(state): State<AppState>) -> Response {
    let script = include_str!("../../static/sw.js").replace("__ICON__", &state.assets.url("icon-192.png"));
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        script,
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "alerts/preferences.html")]
struct PreferencesPage {
    layout: Layout,
    topics: Vec<TopicChoice>,
    signed_in: bool,
}

/// Alert preferences: which topics, or off. Tied to this browser's subscription.
pub async fn preferences(State(state): State<AppState>, reader: Option<CurrentReader>) -> AppResult<Html<String>> {
    let mut layout = Layout::load(&state, "Alerts", "Choose the news alerts this browser gets.", "/alerts").await?;
    layout.canonical = None;
    layout.noindex = true;
    let signed_in = reader.is_some();
    Ok(Html(
        PreferencesPage {
            layout,
            topics: choices(&state, signed_in).await?,
            signed_in,
        }
        .render()?,
    ))
}
