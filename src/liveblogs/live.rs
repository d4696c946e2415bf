//! Live entries: every open first page of a running live blog holds a
//! server-sent-events stream. An entry change is announced on the event bus
//! (so it reaches every instance), drawn once per instance with the summary
//! above the entries, and sent to that instance's open pages.

use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use serde::Serialize;
use tokio::sync::broadcast;

use crate::domain::{ArticleId, EntryId};
use crate::events::{Change, Event};
use crate::state::AppState;
use crate::web::live::Message;

use super::entries;
use super::view::{self, EntryHtml, TopHtml};

#[derive(Serialize)]
struct EntryMessage {
    change: Change,
    id: EntryId,
    /// The entry as HTML (empty when removed).
    html: String,
    /// The pinned entry and key events, as HTML.
    top: String,
    count: i64,
}

/// Follows entry events for the life of the process.
pub fn spawn(state: AppState) {
    let mut events = state.events.subscribe();
    tokio::spawn(async move {
        loop {
            let (article, message) = match events.recv().await {
                Ok(Event::Entry { article, entry, change }) => {
                    if state.live_entries.watched(article).is_none() {
                        continue;
                    }
                    match message(&state, article, entry, change).await {
                        Ok(message) => (article, message),
                        Err(err) => {
                            tracing::warn!(error = format!("{err:#}"), "could not draw a live update");
                            (article, Message::resync())
                        }
                    }
                }
                Ok(Event::ArticleChanged { article }) => (article, Message::resync()),
                // Entries may have been missed: every open live blog reloads them.
                Ok(Event::Resync) | Err(broadcast::error::RecvError::Lagged(_)) => {
                    state.live_entries.resync_all();
                    continue;
                }
                Ok(_) => continue,
                Err(broadcast::error::RecvError::Closed) => break,
            };
            if let Some(channel) = state.live_entries.watched(article) {
                let _ = channel.send(Arc::new(message));
            }
        }
    });
}

/// Drops channels nobody listens to, now and then.
pub fn spawn_sweeper(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(30));
        loop {
            tick.tick().await;
            state.live_entries.forget_unwatched();
        }
    });
}

async fn message(state: &AppState, article: ArticleId, entry: EntryId, change: Change) -> anyhow::Result<Message> {
    let path = view::blog_path(&state.db, article).await?;
    let found = entries::by_id(&state.db, entry).await?;
    let html = match (found, change) {
        (Some(entry), Change::Posted | Change::Edited) => {
            let view = view::draw_one(state, &path, &entry).await?;
            EntryHtml { entry: &view }.render()?
        }
        _ => String::new(),
    };
    let top = view::top(state, article, &path).await?;
    let data = serde_json::to_string(&EntryMessage {
        change,
        id: entry,
        html,
        top: TopHtml { top: &top }.render()?,
        count: entries::count(&state.db, article).await?,
    })?;
    Ok(Message { kind: "entry", data })
}

/// `GET /live/entries/{article}`: the event stream an open live blog listens to.
pub async fn stream(State(state): State<AppState>, Path(article): Path<ArticleId>) -> impl IntoResponse {
    state.live_entries.stream(article)
}
