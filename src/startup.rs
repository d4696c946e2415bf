//! Building the application from settings: open and migrate the database,
//! load the demo content into an empty site, bind the listener.

use std::future::{Future, IntoFuture};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::config::Settings;
use crate::db::{self, Db};
use crate::events::Bus;
use crate::state::{AppState, Services, Site};
use crate::web::assets::Assets;
use crate::web::page_cache::PageCache;
use crate::{demo, http};

pub struct Application {
    listener: TcpListener,
    port: u16,
    state: AppState,
    /// Keeps a restore from replacing the SQLite file while this serves.
    _serving: Option<std::fs::File>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let serving = crate::ops::backup::serving_lock(&settings.database)?;
        // Taken first: a port in use is said at once, not after migrations and the demo load.
        let bind = settings.server.bind.clone();
        let listener = TcpListener::bind(&bind)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {bind}: {e}"))?;
        let state = prepare(settings).await?;
        if state.settings.demo.load_when_empty {
            demo::load_if_empty(&state).await.context("loading the demo content")?;
        }
        crate::articles::scheduler::spawn(state.clone());
        crate::newsletters::schedule::spawn(state.clone());
        crate::jobs::spawn_worker(state.clone());
        crate::comments::live::spawn(state.clone());
        crate::liveblogs::live::spawn(state.clone());
        crate::liveblogs::live::spawn_sweeper(state.clone());
        let port = listener.local_addr()?.port();
        Ok(Self {
            listener,
            port,
            state,
            _serving: serving,
        })
    }

    /// The port actually bound (useful when the settings asked for port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> AppState {
        self.state.clone()
    }

    /// Serves until `shutdown` completes, then lets requests in flight
    /// finish for `server.shutdown_grace_secs` at most, and closes.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let router = http::router(self.state.clone());
        let router = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        let state = self.state.clone();
        let jobs: Arc<std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>> = Arc::default();
        let stopping_jobs = Arc::clone(&jobs);
        let (began, drain_began) = tokio::sync::oneshot::channel::<()>();
        let shutdown = async move {
            shutdown.await;
            // Live streams never end by themselves: end them so the requests can.
            state.live.hub.close_all();
            state.live_entries.close_all();
            // Long jobs (an alert's fan-out) save their progress for the next
            // start while the requests drain.
            let wake = state.wake.clone();
            *stopping_jobs.lock().unwrap_or_else(|e| e.into_inner()) =
                Some(tokio::spawn(async move { wake.stop().await }));
            let _ = began.send(());
        };
        let grace = Duration::from_secs(self.state.settings.server.shutdown_grace_secs);
        let serving = axum::serve(self.listener, router)
            .with_graceful_shutdown(shutdown)
            .into_future();
        let deadline = async move {
            match drain_began.await {
                Ok(()) => tokio::time::sleep(grace).await,
                Err(_) => std::future::pending().await,
            }
        };
        tokio::select! {
            served = serving => served.context("serving HTTP")?,
            () = deadline => tracing::warn!(
                seconds = grace.as_secs(),
                "requests were still open at the shutdown deadline; closing them"
            ),
        }
        let stopping = jobs.lock().unwrap_or_else(|e| e.into_inner()).take();
        match stopping {
            Some(handle) => {
                let _ = handle.await;
            }
            None => self.state.wake.stop().await,
        }
        // A request cut at the deadline may still hold a connection.
        let _ = tokio::time::timeout(Duration::from_secs(5), self.state.db.close()).await;
        Ok(())
    }
}

/// Everything but the listener: the database (migrated), the event bus and
/// the caches. Commands that do not serve (`migrate`, `demo`) use this too.
pub async fn prepare(settings: Settings) -> anyhow::Result<AppState> {
    // One TLS implementation for the whole process (SMTP, push services, Stripe).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let db: Db = db::connect(&settings.database).await?;
    db::migrate(&db).await.context("migrating the database")?;
    std::fs::create_dir_all(&settings.media.dir).map_err(|e| {
        anyhow::anyhow!(
            "cannot create the media directory {}: {e}",
            settings.media.dir.display()
        )
    })?;
    let identity = crate::site::identity::load(&db, &settings)
        .await
        .context("loading the site's identity")?;
    let mailer = crate::mail::Mailer::from_settings(&settings.mail, &identity.name)?;
    let site = Site::from_settings(&settings)?;
    site.set_identity(identity);
    let events = Bus::start(db.clone()).await.context("starting the event bus")?;
    let pages = Arc::new(
        PageCache::new(
            settings.cache.max_pages,
            settings.cache.cdn_max_age_secs,
            std::time::Duration::from_secs(settings.server.request_timeout_secs),
        )
        .watching(db.clone()),
    );
    pages.follow(&events);
    let newsletter_sender = crate::newsletters::send::Sender::from_settings(&settings)?;
    let vapid = crate::alerts::vapid::Vapid::load(&db, &settings.alerts)
        .await
        .context("loading the VAPID key")?;
    let pusher = crate::alerts::send::Pusher::new(&settings.alerts, vapid)?;
    let stripe = crate::donations::stripe::Stripe::new(&settings.donations)?;
    let cdn = crate::web::cdn::Cdn::from_settings(&settings.cache)?;
    let state = AppState::new(Services {
        db,
        site,
        settings,
        pages,
        assets: Assets::embedded(),
        events,
        mailer,
        newsletter_sender,
        live: crate::comments::live::CommentStreams::default(),
        live_entries: crate::web::live::Hub::default(),
        metrics: crate::ops::metrics::Metrics::default(),
        wake: crate::jobs::Wake::default(),
        pusher,
        stripe,
        cdn,
    });
    crate::site::identity::follow(&state, &state.events);
    Ok(state)
}
