//! The application state every handler can reach. Cloning it is one atomic
//! increment, which matters on the hot path where every layer takes a copy.

use std::ops::Deref;
use std::sync::{Arc, RwLock};

pub use crate::site::identity::Identity;

use crate::config::Settings;
use crate::db::Db;
use crate::domain::Timestamp;
use crate::events::Bus;
use crate::web::assets::Assets;
use crate::web::page_cache::PageCache;

#[derive(Clone)]
pub struct AppState(Arc<Services>);

pub struct Services {
    pub db: Db,
    pub site: Site,
    pub settings: Settings,
    pub pages: Arc<PageCache>,
    pub assets: Assets,
    pub events: Bus,
    pub mailer: crate::mail::Mailer,
    /// Hands newsletter editions to the mail relay.
    pub newsletter_sender: Arc<crate::newsletters::send::Sender>,
    /// Open live-comment streams on this instance.
    pub live: crate::comments::live::CommentStreams,
    /// Requests counted for `/metrics`.
    pub metrics: crate::ops::metrics::Metrics,
    /// Open live-blog streams on this instance.
    pub live_entries: crate::web::live::Hub,
    /// Wakes this instance's job worker, and tells its jobs when it stops.
    pub wake: crate::jobs::Wake,
    /// Delivers Web Push messages.
    pub pusher: crate::alerts::send::Pusher,
    /// Stripe's API, for donations.
    pub stripe: crate::donations::stripe::Stripe,
    /// Purges a CDN in front of the site.
    pub cdn: crate::web::cdn::Cdn,
}

impl AppState {
    pub fn new(services: Services) -> Self {
        Self(Arc::new(services))
    }

    /// A handle that does not keep the application alive (for background listeners).
    pub fn downgrade(&self) -> std::sync::Weak<Services> {
        Arc::downgrade(&self.0)
    }

    /// The application, if it is still running.
    pub fn upgrade(weak: &std::sync::Weak<Services>) -> Option<Self> {
        weak.upgrade().map(Self)
    }
}

impl Deref for AppState {
    type Target = Services;
    fn deref(&self) -> &Services {
        &self.0
    }
}

/// Facts about the publication that pages, feeds and JSON-LD share. Its
/// identity (name, tagline, language, time zone, look) can be changed in the
/// newsroom while the site runs, so it is read through these methods.
pub struct Site {
    pub base_url: String,
    identity: RwLock<Arc<Identity>>,
}

impl Site {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        Ok(Self {
            base_url: settings.base_url().to_owned(),
            identity: RwLock::new(Arc::new(Identity::from_settings(&settings.site)?)),
        })
    }

    /// The identity pages are drawn with now.
    pub fn identity(&self) -> Arc<Identity> {
        self.identity
            .read()
            .map(|i| Arc::clone(&i))
            .unwrap_or_else(|e| Arc::clone(&e.into_inner()))
    }

    /// Puts a new identity in place (read from the database after a change).
    pub fn set_identity(&self, identity: Identity) {
        match self.identity.write() {
            Ok(mut current) => *current = Arc::new(identity),
            Err(e) => *e.into_inner() = Arc::new(identity),
        }
    }

    pub fn name(&self) -> String {
        self.identity().name.clone()
    }

    pub fn tagline(&self) -> String {
        self.identity().tagline.clone()
    }

    pub fn language(&self) -> String {
        self.identity().language.clone()
    }

    pub fn timezone(&self) -> jiff::tz::TimeZone {
        self.identity().timezone.clone()
    }

    /// An absolute URL for a path on this site.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// "Monday 16 December 2024 06:04 GMT", in the site's time zone.
    pub fn long_time(&self, ts: Timestamp) -> String {
        ts.jiff()
            .to_zoned_datetime(self.timezone())
            .strftime("%A %-d %B %Y %H:%M %Z")
            .to_string()
    }

    /// "06:04", in the site's time zone.
    pub fn clock(&self, ts: Timestamp) -> String {
        ts.jiff()
            .to_zoned_datetime(self.timezone())
            .strftime("%H:%M")
            .to_string()
    }

    /// "06:04, 16 December", in the site's time zone.
    pub fn clock_and_day(&self, ts: Timestamp) -> String {
        ts.jiff()
            .to_zoned_datetime(self.timezone())
            .strftime("%H:%M, %-d %B")
            .to_string()
    }

    /// "16 December 2024", in the site's time zone.
    pub fn short_date(&self, ts: Timestamp) -> String {
        ts.jiff()
            .to_zoned_datetime(self.timezone())
            .strftime("%-d %B %Y")
            .to_string()
    }
}

impl AppState {
    /// Call after a write readers can see: this instance drops stale pages at
    /// once, the CDN is asked to drop them too, and the other instances hear
    /// of it through the event bus.
    pub async fn content_changed(&self, event: crate::events::Event) -> anyhow::Result<()> {
        self.pages.apply(&event);
        self.cdn.purge(&event);
        self.events.publish(event).await
    }
}
