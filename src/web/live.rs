//! Live pages: open pages hold a server-sent-events stream per article, and
//! a hub per kind of stream (comments, live-blog entries) hands each message
//! drawn on this instance to every page open here. Messages are drawn once
//! per instance, not once per reader.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::Stream;
use tokio::sync::broadcast;

use crate::domain::ArticleId;

/// What an open page is sent: an SSE event name and its JSON data.
#[derive(Debug)]
pub struct Message {
    pub kind: &'static str,
    pub data: String,
}

impl Message {
    /// Tells a page to reload what it shows (it missed messages, or the article changed).
    pub fn resync() -> Self {
        Self {
            kind: "resync",
            data: "{}".into(),
        }
    }
}

/// The open streams of one kind on this instance, by article.
#[derive(Default)]
pub struct Hub {
    channels: Mutex<HashMap<ArticleId, broadcast::Sender<Arc<Message>>>>,
    closed: std::sync::atomic::AtomicBool,
}

impl Hub {
    pub fn subscribe(&self, article: ArticleId) -> broadcast::Receiver<Arc<Message>> {
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        if self.closed.load(std::sync::atomic::Ordering::Acquire) {
            // Shutting down: a stream opened now ends at once.
            return broadcast::channel(1).1;
        }
        channels
            .entry(article)
            .or_insert_with(|| broadcast::channel(256).0)
            .subscribe()
    }

    /// The channel of an article someone is watching on this instance.
    pub fn watched(&self, article: ArticleId) -> Option<broadcast::Sender<Arc<Message>>> {
        let channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        channels.get(&article).filter(|s| s.receiver_count() > 0).cloned()
    }

    /// Open streams on this instance (for metrics and the benchmarks).
    pub fn connections(&self) -> usize {
        let channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        channels.values().map(|s| s.receiver_count()).sum()
    }

    /// Ends every open stream, for a shutdown: an open stream would otherwise
    /// keep its connection, and the process, alive. Pages reconnect (to
    /// another instance, or this one restarted) and catch up.
    pub fn close_all(&self) {
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        self.closed.store(true, std::sync::atomic::Ordering::Release);
        channels.clear();
    }

    /// Tells every open page here to reload what it shows: events may have
    /// been missed (the bus was cut, or this instance fell behind).
    pub fn resync_all(&self) {
        let channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        for channel in channels.values() {
            let _ = channel.send(Arc::new(Message::resync()));
        }
    }

    /// Drops the channels of articles nobody watches any more.
    pub fn forget_unwatched(&self) {
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        channels.retain(|_, s| s.receiver_count() > 0);
    }

    /// The event stream of one open page.
    pub fn stream(&self, article: ArticleId) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>> + use<>> {
        let receiver = self.subscribe(article);
        let events = futures_util::stream::unfold(receiver, |mut receiver| async move {
            let event = match receiver.recv().await {
                Ok(message) => SseEvent::default().event(message.kind).data(&message.data),
                // Too slow to keep up: the page reloads what it shows instead.
                Err(broadcast::error::RecvError::Lagged(_)) => SseEvent::default().event("resync").data("{}"),
                Err(broadcast::error::RecvError::Closed) => return None,
            };
            Some((Ok(event), receiver))
        });
        Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
    }
}
