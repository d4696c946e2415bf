//! Live comments: every open forum page holds a server-sent-events stream
//! for its article. A comment change is announced on the event bus (so it
//! reaches every instance), drawn once per instance, and sent to that
//! instance's open pages. Article pages show the comment count in their
//! cached HTML; those pages are refreshed in batches, at most every few
//! seconds, so a busy thread does not keep re-rendering the article.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::response::IntoResponse;
use serde::Serialize;
use tokio::sync::broadcast;

use crate::domain::{ArticleId, CommentId};
use crate::events::{Change, Event};
use crate::state::AppState;
use crate::web::live::{Hub, Message};

use super::queries;
use super::view;

/// How often article pages with changed comment counts are refreshed.
const COUNT_REFRESH: Duration = Duration::from_secs(3);

/// Open forum pages on this instance, and articles whose comment count changed.
#[derive(Default)]
pub struct CommentStreams {
    pub hub: Hub,
    recounted: Mutex<HashSet<ArticleId>>,
}

#[derive(Serialize)]
struct CommentMessage {
    change: Change,
    id: CommentId,
    parent: Option<CommentId>,
    depth: i64,
    html: String,
    count: i64,
    likes: i64,
}

/// Follows comment events for the life of the process.
pub fn spawn(state: AppState) {
    let mut events = state.events.subscribe();
    let listener = state.clone();
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(Event::Comment {
                    article,
                    comment,
                    change,
                }) => {
                    mark_recounted(&listener, article);
                    if let Some(channel) = listener.live.hub.watched(article) {
                        match message(&listener, article, comment, change).await {
                            Ok(message) => {
                                let _ = channel.send(Arc::new(message));
                            }
                            Err(err) => tracing::warn!(error = %err, "could not draw a live comment"),
                        }
                    }
                }
                Ok(Event::ArticleChanged { article }) => {
                    if let Some(channel) = listener.live.hub.watched(article) {
                        let _ = channel.send(Arc::new(Message::resync()));
                    }
                }
                // Comments may have been missed: every open page reloads them.
                Ok(Event::Resync) | Err(broadcast::error::RecvError::Lagged(_)) => listener.live.hub.resync_all(),
                Ok(_) => {}
                Err(broadcast::error::RecvError::Closed) => break,
            }
        }
    });
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(COUNT_REFRESH);
        loop {
            tick.tick().await;
            let articles: Vec<ArticleId> = {
                let mut recounted = state.live.recounted.lock().unwrap_or_else(|e| e.into_inner());
                recounted.drain().collect()
            };
            for article in articles {
                state.pages.apply(&Event::ArticleChanged { article });
            }
            state.live.hub.forget_unwatched();
        }
    });
}

fn mark_recounted(state: &AppState, article: ArticleId) {
    state
        .live
        .recounted
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(article);
}

async fn message(state: &AppState, article: ArticleId, comment: CommentId, change: Change) -> anyhow::Result<Message> {
    let (count,): (i64,) = crate::db::sql("SELECT comment_count FROM articles WHERE id = $1")
        .bind(article)
        .fetch_one(&state.db)
        .await?;
    let found = queries::by_id(&state.db, comment).await?;
    let (html, parent, depth) = match (&found, change) {
        (Some(c), Change::Posted | Change::Edited) => (view::single(&state.site, c)?, c.parent_id, c.depth),
        (Some(c), Change::Removed | Change::Liked) => (String::new(), c.parent_id, c.depth),
        (None, _) => (String::new(), None, 0),
    };
    let likes = found.as_ref().map_or(0, |c| c.likes);
    let data = serde_json::to_string(&CommentMessage {
        change,
        id: comment,
        parent,
        depth,
        html,
        count,
        likes,
    })?;
    Ok(Message { kind: "comment", data })
}

/// Tells open pages of an article to reload its comments (after bulk changes).
pub async fn announce_article(state: &AppState, article: ArticleId) {
    if let Err(err) = state.content_changed(Event::ArticleChanged { article }).await {
        tracing::warn!(error = format!("{err:#}"), "could not announce a comment change");
    }
}

/// `GET /live/comments/{article}`: the event stream an open forum page listens to.
pub async fn stream(State(state): State<AppState>, Path(article): Path<ArticleId>) -> impl IntoResponse {
    state.live.hub.stream(article)
}
