//! Reader accounts in tests: registering, signing in, reading the outbox.

use std::time::Duration;

use base64::Engine;

use super::TestApp;

pub const READER_PASSWORD: &str = "a reader's long password";

/// A client signed in as a reader (it keeps the reader cookie).
pub struct Reader<'a> {
    pub app: &'a TestApp,
    pub cookie: String,
    pub email: String,
    pub name: String,
}

fn cookie_of(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("broadsheet_reader="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

impl TestApp {
    /// Registers through the form and returns the signed-in reader.
    pub async fn register(&self, name: &str) -> Reader<'_> {
        let email = format!(
            "{}-{}@readers.example",
            name.to_lowercase()
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '.' })
                .collect::<String>()
                .trim_matches('.'),
            uuid::Uuid::now_v7().simple()
        );
        let response = self
            .client
            .post(self.url("/account/register"))
            .header("x-forwarded-for", "unused")
            .form(&[
                ("display_name", name),
                ("email", email.as_str()),
                ("password", READER_PASSWORD),
                ("return_to", "/"),
            ])
            .send()
            .await
            .expect("the registration is answered");
        assert_eq!(response.status(), 303, "registering signs in and redirects");
        let cookie = cookie_of(&response).expect("a reader cookie");
        Reader {
            app: self,
            cookie,
            email,
            name: name.to_owned(),
        }
    }

    /// Signs an existing reader in with their password.
    pub async fn reader_sign_in(&self, email: &str) -> Option<String> {
        let response = self
            .client
            .post(self.url("/account/login"))
            .form(&[("email", email), ("password", READER_PASSWORD)])
            .send()
            .await
            .expect("the sign-in is answered");
        cookie_of(&response)
    }

    /// The text of the newest email to `address`, waiting for the worker to write it.
    pub async fn email_to(&self, address: &str) -> String {
        self.emails_to(address, 1).await.pop().expect("an email")
    }

    /// Waits until at least `count` emails to `address` are in the outbox; newest last.
    pub async fn emails_to(&self, address: &str, count: usize) -> Vec<String> {
        let outbox = self.dir.path().join("outbox");
        for _ in 0..100 {
            let mut found: Vec<(std::time::SystemTime, String)> = Vec::new();
            for entry in std::fs::read_dir(&outbox).into_iter().flatten().flatten() {
                let raw = std::fs::read_to_string(entry.path()).unwrap_or_default();
                if raw.lines().any(|l| l.starts_with("To: ") && l.contains(address)) {
                    let modified = entry
                        .metadata()
                        .and_then(|m| m.modified())
                        .unwrap_or(std::time::UNIX_EPOCH);
                    found.push((modified, decode_body(&raw)));
                }
            }
            if found.len() >= count {
                found.sort_by_key(|(t, _)| *t);
                return found.into_iter().map(|(_, body)| body).collect();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no email to {address} in {}", outbox.display());
    }
}

/// The decoded text of a single-part base64 message.
fn decode_body(raw: &str) -> String {
    let body = raw
        .split("\r\n\r\n")
        .nth(1)
        .or_else(|| raw.split("\n\n").nth(1))
        .unwrap_or("");
    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The first link in an email, as a path on the test site.
pub fn link_in(text: &str) -> String {
    let link = text
        .split_whitespace()
        .find(|w| w.starts_with(super::BASE_URL))
        .expect("a link to the site");
    link.trim_start_matches(super::BASE_URL).to_owned()
}

/// The six-digit code in a sign-in email.
pub fn code_in(text: &str) -> String {
    text.split_whitespace()
        .map(|w| w.trim_end_matches('.'))
        .find(|w| w.len() == 6 && w.chars().all(|c| c.is_ascii_digit()))
        .expect("a code")
        .to_owned()
}

impl Reader<'_> {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.app
            .client
            .get(self.app.url(path))
            .header("cookie", &self.cookie)
            .send()
            .await
            .expect("answered")
    }

    pub async fn page(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.text().await.unwrap()
    }

    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.app
            .client
            .post(self.app.url(path))
            .header("cookie", &self.cookie)
            .form(fields)
            .send()
            .await
            .expect("answered")
    }

    pub async fn me(&self) -> serde_json::Value {
        self.get("/account/me").await.json().await.unwrap()
    }

    /// Posts a comment (or a reply) through the forum form; returns the response.
    pub async fn comment(
        &self,
        article: &broadsheet::domain::ArticleId,
        parent: Option<&str>,
        body: &str,
    ) -> reqwest::Response {
        let article = article.to_string();
        self.post(
            "/comments",
            &[
                ("article", article.as_str()),
                ("parent", parent.unwrap_or("")),
                ("body", body),
                ("return_to", "/world/story/comments"),
            ],
        )
        .await
    }

    /// Posts and returns the new comment's id (from the redirect's anchor).
    pub async fn comment_id(
        &self,
        article: &broadsheet::domain::ArticleId,
        parent: Option<&str>,
        body: &str,
    ) -> String {
        let response = self.comment(article, parent, body).await;
        assert_eq!(response.status(), 303, "the comment is posted");
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        location
            .split("#comment-")
            .nth(1)
            .expect("an anchor to the new comment")
            .to_owned()
    }
}
