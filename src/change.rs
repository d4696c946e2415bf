//! One change to the site, made whole: its writes, its audit line and the
//! events it raises are committed together or not at all. Every domain's
//! write API runs inside a [`Change`], so a crash can never leave a change
//! without its audit line, nor announce a change that was rolled back.
//!
//! Events reach other instances by PostgreSQL `NOTIFY` sent inside the
//! transaction (PostgreSQL delivers it only if the transaction commits);
//! this instance's page cache, the CDN and open live pages hear of them
//! right after the commit.
//!
//! On SQLite the transaction holds the database's write lock from the
//! start (`BEGIN IMMEDIATE`), so every write belonging to the change goes
//! through it: starting a second transaction while one is open would wait
//! on itself.

use crate::audit::{self, Actor, Target};
use crate::db::{Conn, Db, DbError, Tx};
use crate::events::Event;
use crate::state::AppState;

pub struct Change {
    state: AppState,
    tx: Tx,
    actor: Actor,
    /// Said of every audit line that gives no detail of its own ("through the Admin API").
    channel: &'static str,
    events: Vec<Event>,
    /// Whether the change queued background work, so the job worker is woken after it.
    queued_work: bool,
}

impl Change {
    /// Starts a change made by `actor`.
    pub async fn begin(state: &AppState, actor: impl Into<Actor>) -> Result<Self, DbError> {
        Ok(Self {
            tx: state.db.begin().await?,
            state: state.clone(),
            actor: actor.into(),
            channel: "",
            events: Vec::new(),
            queued_work: false,
        })
    }

    /// Names the way the change came in, for its audit lines.
    pub fn through(mut self, channel: &'static str) -> Self {
        self.channel = channel;
        self
    }

    /// From here on the change is made by `actor` (someone who joined within it).
    pub fn act_as(&mut self, actor: Actor) {
        self.actor = actor;
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The database, for reads that need not see this change's own writes.
    pub fn db(&self) -> &Db {
        &self.state.db
    }

    /// Records what the actor did, in this change.
    pub async fn audit(&mut self, action: &str, target: Target<'_>, detail: &str) -> Result<(), DbError> {
        let detail = if detail.is_empty() { self.channel } else { detail };
        audit::record(&mut self.tx, &self.actor, action, target, detail).await
    }

    /// Announces something readers or other instances must hear of, once the change commits.
    pub fn announce(&mut self, event: Event) {
        if !self.events.contains(&event) {
            self.events.push(event);
        }
    }

    /// Says the change queued jobs (mail, alert fan-out): the worker starts on them after the commit.
    pub fn queued_work(&mut self) {
        self.queued_work = true;
    }

    /// Makes the change permanent and tells everyone who listens.
    pub async fn commit(mut self) -> anyhow::Result<()> {
        for event in &self.events {
            self.state.events.notify_in(&mut self.tx, event).await?;
        }
        self.tx.commit().await?;
        for event in &self.events {
            self.state.pages.apply(event);
            self.state.cdn.purge(event);
            self.state.events.deliver_here(event.clone());
        }
        if self.queued_work {
            self.state.wake.now();
        }
        Ok(())
    }
}

impl<'c> From<&'c mut Change> for Conn<'c> {
    fn from(change: &'c mut Change) -> Self {
        Conn::from(&mut change.tx)
    }
}
