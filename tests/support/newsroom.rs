//! Staff accounts and signed-in newsroom sessions for tests.

use broadsheet::accounts::staff::{self, NewStaff};
use broadsheet::accounts::{Role, password};

use super::TestApp;

pub const PASSWORD: &str = "correct horse battery staple";

pub struct Member {
    pub id: broadsheet::domain::StaffId,
    pub email: String,
}

/// A browser-like client signed in to the newsroom (it keeps the session cookie).
pub struct Session<'a> {
    pub app: &'a TestApp,
    pub cookie: String,
}

impl TestApp {
    pub async fn member(&self, role: Role) -> Member {
        let email = format!("{}-{}@news.example", role, uuid::Uuid::now_v7().simple());
        let name = format!("Test {role}");
        let mut change = self.change().await;
        let created = staff::create(
            &mut change,
            NewStaff {
                email: broadsheet::domain::Email::parse(&email).unwrap(),
                name: &name,
                role,
                password: password::Hashed::new(PASSWORD).await.unwrap(),
            },
        )
        .await
        .expect("the staff member is created");
        change.commit().await.unwrap();
        Member { id: created.id, email }
    }

    /// Signs in through the login form and returns the session.
    pub async fn sign_in(&self, member: &Member) -> Session<'_> {
        let response = self
            .client
            .post(self.url("/newsroom/login"))
            .form(&[
                ("email", member.email.as_str()),
                ("password", PASSWORD),
                ("next", "/newsroom"),
            ])
            .send()
            .await
            .expect("the sign-in is answered");
        assert_eq!(response.status(), 303, "signing in redirects");
        let cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .expect("a session cookie")
            .to_owned();
        Session { app: self, cookie }
    }

    /// A new staff member of this role, signed in.
    pub async fn signed_in(&self, role: Role) -> (Member, Session<'_>) {
        let member = self.member(role).await;
        let session = self.sign_in(&member).await;
        (member, session)
    }
}

impl Session<'_> {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.app
            .client
            .get(self.app.url(path))
            .header("cookie", &self.cookie)
            .send()
            .await
            .expect("the request is answered")
    }

    pub async fn page(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.text().await.expect("a body")
    }

    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.app
            .client
            .post(self.app.url(path))
            .header("cookie", &self.cookie)
            .form(fields)
            .send()
            .await
            .expect("the request is answered")
    }

    /// Posts a multipart form, as the article editor does.
    pub async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, Vec<u8>)>,
    ) -> reqwest::Response {
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in fields {
            form = form.text(name.to_string(), value.to_string());
        }
        if let Some((name, bytes)) = file {
            form = form.part(
                name.to_string(),
                reqwest::multipart::Part::bytes(bytes).file_name("upload.bin"),
            );
        }
        self.app
            .client
            .post(self.app.url(path))
            .header("cookie", &self.cookie)
            .multipart(form)
            .send()
            .await
            .expect("the request is answered")
    }

    /// Saves a new draft through the editor and returns its id.
    pub async fn draft(&self, section: broadsheet::domain::SectionId, headline: &str) -> broadsheet::domain::ArticleId {
        let section = section.to_string();
        let response = self
            .post_multipart(
                "/newsroom/articles",
                &[
                    ("headline", headline),
                    ("body", "First paragraph."),
                    ("section", &section),
                    ("action", "save"),
                ],
                None,
            )
            .await;
        assert_eq!(response.status(), 303, "the draft is saved");
        let location = response.headers()["location"].to_str().unwrap();
        location
            .trim_start_matches("/newsroom/articles/")
            .split('/')
            .next()
            .unwrap()
            .parse()
            .expect("the editor's address names the article")
    }

    /// Creates a personal Admin API token through the account page.
    pub async fn api_token(&self) -> String {
        let page = self
            .post("/newsroom/account/tokens", &[("name", "test script")])
            .await
            .text()
            .await
            .unwrap();
        secret_on(&page)
    }
}

/// The one-time secret shown on a key or token page.
/// The `version` an edit form was drawn at.
pub fn version_on(page: &str) -> String {
    page.split("name=\"version\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}

pub fn secret_on(page: &str) -> String {
    page.split("<code id=\"new-secret\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("a secret on the page")
        .to_owned()
}

/// A small PNG picture.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 120])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    picture.write_to(&mut out, image::ImageFormat::Png).expect("a PNG");
    out.into_inner()
}
