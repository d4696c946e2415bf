//! The test harness shared by the HTTP and browser suites: start the real
//! application on a random port against a fresh database of its own.
//!
//! The database comes from `BROADSHEET_TEST_DATABASE`: unset or `sqlite`
//! gives a SQLite file in a temporary folder; a `postgres://` URL names a
//! server on which each test creates its own database and drops it after.

#![allow(dead_code, reason = "each test binary uses a different part of the harness")]

pub mod exports;
pub mod faults;
pub mod fixtures;
pub mod newsroom;
pub mod push;
pub mod readers;
pub mod smtp_sink;
pub mod sse;
pub mod stripe;

use std::path::PathBuf;

use broadsheet::config::{Secret, Settings};
use broadsheet::{AppState, Application};
use tempfile::TempDir;

/// The public address test sites believe they have (canonical links, feeds).
pub const BASE_URL: &str = "https://news.example";

pub struct TestApp {
    pub address: String,
    pub database_url: String,
    pub state: AppState,
    pub client: reqwest::Client,
    pub dir: TempDir,
    database: Option<PostgresDatabase>,
    pub settings: Settings,
    running: Option<Running>,
}

/// The serving task, and how to ask it to stop.
struct Running {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

/// Builds and serves the application; returns its address and state.
async fn start(settings: Settings) -> (String, AppState, Running) {
    let app = Application::build(settings).await.expect("the application starts");
    let port = app.port();
    let state = app.state();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    (format!("http://127.0.0.1:{port}"), state, Running { stop, task })
}

/// A site with nothing in it yet.
pub async fn spawn_app() -> TestApp {
    spawn(false).await
}

/// A site with the demo content loaded, as `cargo run` shows it.
pub async fn spawn_app_with_demo() -> TestApp {
    spawn(true).await
}

/// The database settings a test run uses (a fresh SQLite file, or a fresh PostgreSQL database).
pub fn test_database(dir: &TempDir) -> (String, Option<PostgresDatabase>) {
    match std::env::var("BROADSHEET_TEST_DATABASE")
        .ok()
        .filter(|v| v != "sqlite" && !v.is_empty())
    {
        None => (format!("sqlite://{}", dir.path().join("broadsheet.db").display()), None),
        Some(server) => {
            let database = PostgresDatabase::create(&server);
            (database.url.clone(), Some(database))
        }
    }
}

pub fn settings_for(dir: &TempDir, database_url: String, demo: bool) -> Settings {
    let mut settings = Settings::default();
    settings.server.bind = "127.0.0.1:0".into();
    settings.database.url = Secret::new(database_url);
    settings.database.max_connections = 5;
    settings.media.dir = dir.path().join("media");
    settings.demo.load_when_empty = demo;
    settings.site.base_url = BASE_URL.into();
    settings.mail.outbox_dir = dir.path().join("outbox");
    // Every test reader comes from 127.0.0.1.
    settings.community.registrations_per_address_per_hour = 1_000;
    settings
}

/// A site with settings changed by `configure`.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_configured(false, configure).await
}

async fn spawn(demo: bool) -> TestApp {
    spawn_configured(demo, |_| {}).await
}

async fn spawn_configured(demo: bool, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let (url, database) = test_database(&dir);
    let mut settings = settings_for(&dir, url.clone(), demo);
    configure(&mut settings);
    let (address, state, running) = start(settings.clone()).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client");
    settings.demo.load_when_empty = false;
    TestApp {
        address,
        database_url: url,
        state,
        client,
        dir,
        database,
        settings,
        running: Some(running),
    }
}

impl TestApp {
    /// Whether the tests run on PostgreSQL, where several instances can share one database.
    pub fn on_postgres(&self) -> bool {
        self.database_url.starts_with("postgres")
    }

    /// Another instance of the same site on the same database (PostgreSQL), as
    /// behind a load balancer. It shares this app's folders.
    pub async fn second_instance(&self) -> TestApp {
        let (address, state, running) = start(self.settings.clone()).await;
        TestApp {
            address,
            database_url: self.database_url.clone(),
            state,
            client: self.client.clone(),
            dir: tempfile::tempdir().expect("a temporary folder"),
            database: None,
            settings: self.settings.clone(),
            running: Some(running),
        }
    }

    /// Stops serving the way a deployment does (requests and jobs wind down), keeping the data.
    pub async fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            let _ = running.stop.send(());
            running
                .task
                .await
                .expect("the server task ends")
                .expect("the server stops cleanly");
        }
    }

    /// The same site started again on its database, as after a deployment (on a new port).
    pub async fn restart(self) -> TestApp {
        self.restart_on("127.0.0.1:0").await
    }

    /// The same site started again on its database, listening on `bind` (`host:port`).
    pub async fn restart_on(mut self, bind: &str) -> TestApp {
        self.stop().await;
        let mut settings = self.settings.clone();
        settings.server.bind = bind.into();
        let (address, state, running) = start(settings).await;
        TestApp {
            address,
            state,
            running: Some(running),
            ..self
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("the request is answered")
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut request = self.client.get(self.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.expect("the request is answered")
    }

    /// Posts a form as a visitor with no session.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .expect("the request is answered")
    }

    /// The page's HTML, asserting it was served with 200.
    pub async fn page(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.text().await.expect("a body")
    }

    pub fn media_dir(&self) -> PathBuf {
        self.dir.path().join("media")
    }
}

/// A PostgreSQL database made for one test and dropped when the test ends.
pub struct PostgresDatabase {
    server: String,
    name: String,
    pub url: String,
}

impl PostgresDatabase {
    fn create(server: &str) -> Self {
        let name = format!("broadsheet_test_{}", uuid::Uuid::now_v7().simple());
        let server = server.trim_end_matches('/').to_owned();
        admin(&server, &format!("CREATE DATABASE {name}"));
        let base = server.rsplit_once('/').map(|(base, _)| base).unwrap_or(&server);
        Self {
            url: format!("{base}/{name}"),
            server,
            name,
        }
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        admin(
            &self.server,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}

/// Runs one statement on the server's maintenance database, outside any test runtime.
fn admin(server: &str, statement: &str) {
    let server = server.to_owned();
    let statement = statement.to_owned();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&server)
                .await
                .unwrap_or_else(|e| panic!("PostgreSQL at {server} is reachable: {e}"));
            sqlx::raw_sql(sqlx::AssertSqlSafe(statement.clone()))
                .execute(&mut conn)
                .await
                .unwrap_or_else(|e| panic!("{statement}: {e}"));
        });
    })
    .join()
    .expect("the admin statement ran");
}

/// Undoes percent-encoding, as a browser reads a query string.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The value a response sets for one cookie, as `name=value`.
pub fn cookie_set(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}
