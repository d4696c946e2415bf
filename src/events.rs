//! Changes that other parts of the system, and other instances, react to:
//! cached pages are dropped when content changes, live pages are told about
//! new comments and entries.
//!
//! On SQLite there is one instance and the bus is an in-process broadcast.
//! On PostgreSQL each event is also sent with `NOTIFY`, and every instance
//! `LISTEN`s, so an event raised on one instance reaches all of them.

use serde::{Deserialize, Serialize};
use sqlx::postgres::PgListener;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::db::{Conn, Db, Tx, sql};
use crate::domain::{ArticleId, CommentId, EntryId};

const CHANNEL: &str = "broadsheet_events";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// Published content changed: every page that lists or links articles may be stale.
    ContentChanged,
    /// Events may have been missed (this instance lost the bus and is back,
    /// or fell behind): every cached page and every live stream catches up.
    Resync,
    /// Only this article's own page changed.
    ArticleChanged { article: ArticleId },
    /// A comment appeared, changed or went away on an article.
    Comment {
        article: ArticleId,
        comment: CommentId,
        change: Change,
    },
    /// A live-blog entry appeared, changed or went away.
    Entry {
        article: ArticleId,
        entry: EntryId,
        change: Change,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
/// What happened to a comment or a live-blog entry.
pub enum Change {
    Posted,
    Edited,
    Removed,
    /// A comment's likes went up or down (nothing else about it changed).
    Liked,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
struct Envelope {
    origin: Uuid,
    event: Event,
}

#[derive(Clone)]
pub struct Bus {
    db: Db,
    origin: Uuid,
    local: broadcast::Sender<Event>,
}

impl Bus {
    /// Connects the bus; on PostgreSQL this starts listening for other instances.
    pub async fn start(db: Db) -> anyhow::Result<Self> {
        let (local, _) = broadcast::channel(1024);
        let bus = Self {
            db,
            origin: Uuid::now_v7(),
            local,
        };
        if let Db::Postgres(pool, _) = &bus.db {
            let mut listener = PgListener::connect_with(pool).await?;
            listener.listen(CHANNEL).await?;
            let bus = bus.clone();
            tokio::spawn(async move { bus.relay(listener).await });
        }
        Ok(bus)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.local.subscribe()
    }

    /// Raises an event here at once and, on PostgreSQL, on every other instance.
    pub async fn publish(&self, event: Event) -> anyhow::Result<()> {
        self.deliver_here(event.clone());
        if matches!(self.db, Db::Postgres(..)) {
            self.notify(&self.db, &event).await?;
        }
        Ok(())
    }

    /// On PostgreSQL, queues the event for the other instances inside a
    /// transaction: they hear of it only if the transaction commits.
    pub async fn notify_in(&self, tx: &mut Tx, event: &Event) -> anyhow::Result<()> {
        if matches!(tx, Tx::Postgres(_)) {
            self.notify(tx, event).await?;
        }
        Ok(())
    }

    async fn notify<'c>(&self, conn: impl Into<Conn<'c>>, event: &Event) -> anyhow::Result<()> {
        let payload = serde_json::to_string(&Envelope {
            origin: self.origin,
            event: event.clone(),
        })?;
        sql("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(payload)
            .execute(conn)
            .await?;
        Ok(())
    }

    /// Raises an event on this instance only (its subscribers: live pages, the page cache).
    pub fn deliver_here(&self, event: Event) {
        let _ = self.local.send(event);
    }

    /// Hands other instances' events to this one. When the connection
    /// drops, nothing is announced while it is down (cached pages keep
    /// being served through a database outage); once it is back, whatever
    /// was sent meanwhile is lost, so a `Resync` follows.
    async fn relay(self, mut listener: PgListener) {
        loop {
            match listener.try_recv().await {
                Ok(Some(notification)) => match serde_json::from_str::<Envelope>(notification.payload()) {
                    Ok(envelope) if envelope.origin == self.origin => {}
                    Ok(envelope) => {
                        let _ = self.local.send(envelope.event);
                    }
                    Err(err) => tracing::warn!(%err, "ignoring a malformed event"),
                },
                // The pool is closing (shutdown): let go of the connection so it can.
                Err(sqlx::Error::PoolClosed) => break,
                lost => {
                    if let Err(err) = lost {
                        tracing::warn!(%err, "event listener failed; reconnecting");
                    } else {
                        tracing::warn!("event listener lost its connection; reconnecting");
                    }
                    let Some(back) = self.reconnect().await else { break };
                    listener = back;
                    tracing::info!("event listener reconnected; live pages and cached pages catch up");
                    let _ = self.local.send(Event::Resync);
                }
            }
        }
    }

    /// A new listener, tried every half second (up to every 5 s) until the
    /// server answers; `None` when the process is stopping.
    async fn reconnect(&self) -> Option<PgListener> {
        let Db::Postgres(pool, _) = &self.db else { return None };
        let mut wait = std::time::Duration::from_millis(500);
        loop {
            if pool.is_closed() {
                return None;
            }
            match PgListener::connect_with(pool).await {
                Ok(mut listener) => match listener.listen(CHANNEL).await {
                    Ok(()) => return Some(listener),
                    Err(err) => tracing::debug!(%err, "the event listener could not listen yet"),
                },
                Err(err) => tracing::debug!(%err, "the event listener could not connect yet"),
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(std::time::Duration::from_secs(5));
        }
    }
}
