//! One helper layer over WebDriver so a browser test reads like the reader's
//! story: `visit`, `click`, `text`, `screenshot`, `assert_accessible`.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use crate::support::TestApp;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

pub struct Browser {
    client: Client,
    _driver: Driver,
    _profile: tempfile::TempDir,
    base: String,
}

impl Browser {
    /// Starts chromedriver and a fresh headless Chromium pointed at `app`,
    /// as a reader who has blocked this site's notifications: the alerts
    /// prompt, which floats over the foot of the window for a reader who has
    /// not decided, stays away (the alerts tests open a browser that allows them).
    pub async fn open(app: &TestApp) -> Self {
        Self::open_with(
            app,
            json!({ "profile.default_content_setting_values.notifications": 2 }),
            &[],
        )
        .await
    }

    /// A browser whose system asks for dark colours (`prefers-color-scheme: dark`).
    pub async fn open_in_dark(app: &TestApp) -> Self {
        Self::open_with(
            app,
            json!({ "profile.default_content_setting_values.notifications": 2 }),
            &["--force-dark-mode"],
        )
        .await
    }

    /// A browser whose reader has already allowed this site's notifications
    /// (the permission a real reader grants in the browser's own dialog).
    pub async fn open_with_notifications_allowed(app: &TestApp) -> Self {
        Self::open_with(
            app,
            json!({ "profile.default_content_setting_values.notifications": 1 }),
            &[],
        )
        .await
    }

    async fn open_with(app: &TestApp, prefs: Value, extra: &[&str]) -> Self {
        let chromium = std::env::var("BROADSHEET_CHROMIUM").unwrap_or_else(|_| CHROMIUM.into());
        let chromedriver = std::env::var("BROADSHEET_CHROMEDRIVER").unwrap_or_else(|_| CHROMEDRIVER.into());
        let port = free_port();
        let driver = Driver({
            use std::os::unix::process::CommandExt;
            Command::new(&chromedriver)
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                // Its own process group, so the browser it starts can be killed with it.
                .process_group(0)
                .spawn()
                .unwrap_or_else(|e| panic!("{chromedriver} starts (run scripts/setup to install it): {e}"))
        });
        let webdriver = format!("http://127.0.0.1:{port}");
        wait_until_ready(&webdriver).await;
        let profile = tempfile::tempdir().expect("a browser profile folder");
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,900",
        ];
        let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        args.extend(extra.iter().map(|a| a.to_string()));
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chromium, "args": args, "prefs": prefs },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&webdriver)
            .await
            .expect("a browser session");
        Self {
            client,
            _driver: driver,
            _profile: profile,
            base: app.address.clone(),
        }
    }

    pub async fn visit(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .expect("the page opens");
    }

    pub async fn path(&self) -> String {
        self.client
            .current_url()
            .await
            .expect("a current URL")
            .path()
            .to_owned()
    }

    /// Clicks a link or button that loads a page, and waits for the new page.
    pub async fn click(&self, css: &str) {
        self.run("window.__broadsheetOldPage = true; return true;").await;
        self.click_in_place(css).await;
        for _ in 0..200 {
            let loaded = self
                .run("return window.__broadsheetOldPage === undefined && document.readyState === 'complete';")
                .await;
            if loaded == true {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("clicking {css} did not load a page within 10 seconds");
    }

    /// Clicks something that changes the current page without loading another.
    pub async fn click_in_place(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} is on the page: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("{css} can be clicked: {e}"));
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let field = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} is on the page: {e}"));
        field.clear().await.expect("the field clears");
        field.send_keys(text).await.expect("typing works");
    }

    pub async fn choose(&self, css: &str, value: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} is on the page: {e}"))
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("{value} can be chosen in {css}: {e}"));
    }

    /// Chooses a file for a file input.
    pub async fn attach(&self, css: &str, file: &std::path::Path) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} is on the page: {e}"))
            .send_keys(&file.display().to_string())
            .await
            .expect("the file is chosen");
    }

    /// Sets a field's value directly (for inputs whose typing depends on the browser's locale).
    pub async fn set_value(&self, css: &str, value: &str) {
        self.client
            .execute(
                "document.querySelector(arguments[0]).value = arguments[1];",
                vec![Value::String(css.into()), Value::String(value.into())],
            )
            .await
            .expect("the value is set");
    }

    pub async fn has(&self, css: &str) -> bool {
        !self
            .client
            .find_all(Locator::Css(css))
            .await
            .expect("a search")
            .is_empty()
    }

    /// The value of a form field.
    pub async fn value(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} is on the page: {e}"))
            .prop("value")
            .await
            .expect("a value")
            .unwrap_or_default()
    }

    /// Types keys into whatever has the focus (keyboard shortcuts).
    pub async fn press(&self, keys: &str) {
        self.run("window.__broadsheetOldPage = true; return true;").await;
        self.client
            .active_element()
            .await
            .expect("a focused element")
            .send_keys(keys)
            .await
            .expect("keys are typed");
    }

    /// Waits (up to `seconds`) until `css` holds `text`; returns how long it took.
    pub async fn wait_for_text(&self, css: &str, text: &str, seconds: u64) -> Duration {
        let started = std::time::Instant::now();
        let script = "const e = document.querySelector(arguments[0]); return e ? e.textContent : '';";
        loop {
            let found = self
                .client
                .execute(script, vec![Value::String(css.into())])
                .await
                .expect("the page can be read");
            if found.as_str().is_some_and(|t| t.contains(text)) {
                return started.elapsed();
            }
            assert!(
                started.elapsed() < Duration::from_secs(seconds),
                "{css} did not show {text:?} within {seconds} s"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Waits (up to `seconds`) until a script returns true.
    pub async fn wait_until(&self, condition: &str, seconds: u64) {
        let started = std::time::Instant::now();
        while self.run(&format!("return Boolean({condition});")).await != true {
            assert!(
                started.elapsed() < Duration::from_secs(seconds),
                "{condition} did not become true within {seconds} s"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Registers a reader through the registration page, coming back to `return_to`.
    pub async fn register(&self, name: &str, email: &str, return_to: &str) {
        self.visit(&format!("/account/register?return_to={return_to}")).await;
        self.fill("#display_name", name).await;
        self.fill("#email", email).await;
        self.fill("#password", crate::support::readers::READER_PASSWORD).await;
        self.click("button[type=submit]").await;
        self.wait_for_path(return_to.split('?').next().unwrap_or(return_to))
            .await;
    }

    /// Signs a staff member in through the newsroom's sign-in page.
    pub async fn sign_in(&self, email: &str, password: &str) {
        self.visit("/newsroom/login").await;
        self.fill("#email", email).await;
        self.fill("#password", password).await;
        self.click("button[type=submit]").await;
        self.wait_for_path("/newsroom").await;
    }

    /// Waits (up to five seconds) until the browser is at `path`.
    pub async fn wait_for_path(&self, path: &str) {
        for _ in 0..100 {
            if self.path().await == path {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(self.path().await, path, "the browser did not arrive");
    }

    pub async fn text(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} is on the page: {e}"))
            .text()
            .await
            .expect("its text")
    }

    pub async fn texts(&self, css: &str) -> Vec<String> {
        let mut out = Vec::new();
        for element in self.client.find_all(Locator::Css(css)).await.expect("a search") {
            out.push(element.text().await.expect("its text"));
        }
        out
    }

    /// Runs `script` in every page this browser opens from now on, before the page's own scripts.
    pub async fn before_each_page(&self, script: &str) {
        let command = Chromium {
            cmd: "Page.addScriptToEvaluateOnNewDocument",
            params: json!({ "source": script }),
        };
        self.client.issue_cmd(command).await.expect("Chromium takes the script");
    }

    pub async fn run(&self, script: &str) -> Value {
        self.client.execute(script, Vec::new()).await.expect("the script runs")
    }

    pub async fn resize(&self, width: u32, height: u32) {
        self.client
            .set_window_size(width, height)
            .await
            .expect("the window resizes");
    }

    /// Saves a PNG of the window under target/screenshots and returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("a screenshot");
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join("..")
            .join("screenshots");
        std::fs::create_dir_all(&dir).expect("the screenshots folder");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("the screenshot is saved");
        path
    }

    /// How many A4 pages the current page prints on.
    pub async fn printed_pages(&self) -> usize {
        let pdf = self
            .client
            .print(fantoccini::wd::PrintConfiguration::default())
            .await
            .expect("the page prints");
        let text = String::from_utf8_lossy(&pdf);
        // Each page object says "/Type /Page"; the page tree says "/Type /Pages".
        text.matches("/Type /Page").count() - text.matches("/Type /Pages").count()
    }

    /// Runs axe-core on the current page and fails on any violation.
    pub async fn assert_accessible(&self) {
        let axe = std::fs::read_to_string(axe_path()).expect("axe-core is installed (run scripts/setup)");
        self.client
            .execute(&format!("{axe}\nreturn true;"), Vec::new())
            .await
            .expect("axe-core loads");
        let report = self
            .client
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                // target-size (WCAG 2.2's 24 px) is off in axe by default; Lighthouse counts it.
                axe.run(document, { rules: { "target-size": { enabled: true } } }).then(
                    result => done(result.violations.map(v => ({
                        id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))
                    }))),
                    error => done([{ id: "axe-error", help: String(error) }]));"#,
                Vec::new(),
            )
            .await
            .expect("axe-core runs");
        let violations = report.as_array().cloned().unwrap_or_default();
        assert!(
            violations.is_empty(),
            "accessibility violations on {}:\n{}",
            self.path().await,
            serde_json::to_string_pretty(&violations).unwrap_or_default()
        );
    }

    /// Ends the session; chromedriver and the browser go with the `Driver`.
    pub async fn close(self) {
        let Browser { client, .. } = self;
        let _ = client.close().await;
    }
}

/// The chromedriver process; dropping it kills it and the browser it started,
/// even when a test fails half-way.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-s", "KILL", "--", &group]).status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn axe_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("node_modules/axe-core/axe.min.js")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

async fn wait_until_ready(webdriver: &str) {
    let client = reqwest::Client::new();
    for _ in 0..100 {
        if let Ok(response) = client.get(format!("{webdriver}/status")).send().await
            && response.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("chromedriver did not start at {webdriver}");
}

/// A Chrome DevTools Protocol command, sent through chromedriver.
#[derive(Debug)]
struct Chromium {
    cmd: &'static str,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Chromium {
    fn endpoint(
        &self,
        base: &reqwest::Url,
        session: Option<&str>,
    ) -> Result<reqwest::Url, <reqwest::Url as std::str::FromStr>::Err> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &reqwest::Url) -> (axum::http::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (axum::http::Method::POST, Some(body.to_string()))
    }
}
