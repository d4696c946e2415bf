//! Abuse that looks harmless: forms kept for strangers or in bulk, redirects
//! that leave the site, and limits raced by parallel requests. Each case is
//! a payload or a race that once got through.

use std::sync::Arc;

use broadsheet::accounts::Role;
use broadsheet::db::sql;
use tokio::sync::Barrier;

use crate::support::fixtures::ArticleSpec;
use crate::support::newsroom::{PASSWORD, version_on};
use crate::support::readers::READER_PASSWORD;
use crate::support::{TestApp, cookie_set, percent_decode, spawn_app, spawn_app_with};

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// The restore token in a sign-in redirect, if the form was kept.
fn restore_token(location: &str) -> Option<String> {
    let decoded = location.replace("%3F", "?").replace("%3D", "=").replace("%23", "#");
    decoded
        .split("restore=")
        .nth(1)
        .map(|t| t.split(['&', '#', '%']).next().unwrap().to_owned())
}

async fn kept_forms(app: &TestApp) -> i64 {
    sql("SELECT COUNT(*) FROM stashed_forms")
        .fetch_count(&app.state.db)
        .await
        .unwrap()
}

/// The article editor's form posted with no session at all.
async fn anonymous_save(app: &TestApp, path: &str, headline: &str, body: &str) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .text("headline", headline.to_owned())
        .text("body", body.to_owned())
        .text("action", "publish");
    app.client.post(app.url(path)).multipart(form).send().await.unwrap()
}

#[tokio::test]
async fn a_strangers_kept_form_is_never_shown_to_an_editor() {
    let app = spawn_app().await;
    let world = app.section("world", "World").await;
    let published = app.publish(ArticleSpec::new("talks", world)).await;
    let (_, editor) = app.signed_in(Role::Editor).await;

    let response = anonymous_save(
        &app,
        &format!("/newsroom/articles/{published}"),
        "Planted headline",
        "Planted text.",
    )
    .await;
    assert_eq!(response.status(), 303);
    let token = restore_token(&location(&response)).expect("the stranger's own browser may get it back");

    let page = editor
        .page(&format!("/newsroom/articles/{published}/edit?restore={token}"))
        .await;
    assert!(
        !page.contains("Planted headline"),
        "the editor sees the article, not the stranger's form"
    );
    assert!(!page.contains("Everything you had written is kept"));
}

#[tokio::test]
async fn an_editor_whose_session_lapsed_gets_their_text_back_and_nobody_else_does() {
    let app = spawn_app().await;
    let world = app.section("world", "World").await;
    let draft_id = app.publish(ArticleSpec::new("long-read", world)).await;
    let member = app.member(Role::Editor).await;
    let editor = app.sign_in(&member).await;
    let version = version_on(&editor.page(&format!("/newsroom/articles/{draft_id}/edit")).await);
    // The session runs out while they write.
    sql("UPDATE sessions SET expires_at = $1 WHERE account_id = $2")
        .bind(broadsheet::domain::Timestamp::now().plus_seconds(-60))
        .bind(member.id)
        .execute(&app.state.db)
        .await
        .unwrap();

    let form = reqwest::multipart::Form::new()
        .text("headline", "Long read, rewritten")
        .text("standfirst", "A sentence.")
        .text("body", "An afternoon of writing.")
        .text("section", world.to_string())
        .text("version", version)
        .text("action", "save");
    let response = app
        .client
        .post(app.url(&format!("/newsroom/articles/{draft_id}")))
        .header("cookie", &editor.cookie)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert!(
        cookie_set(&response, "broadsheet_kept").is_none(),
        "kept for the member, not the browser"
    );
    let token = restore_token(&location(&response)).expect("kept");
    let next = format!("/newsroom/articles/{draft_id}/edit?restore={token}");

    let (_, colleague) = app.signed_in(Role::Editor).await;
    assert!(!colleague.page(&next).await.contains("An afternoon of writing."));
    let again = app.sign_in(&member).await;
    assert!(again.page(&next).await.contains("An afternoon of writing."));
}

#[tokio::test]
async fn kept_forms_are_bounded_in_size_per_owner_and_per_address() {
    let app = spawn_app().await;
    let world = app.section("world", "World").await;
    let article = app.publish(ArticleSpec::new("story", world)).await;

    let huge = "x".repeat(600 * 1024);
    let response = anonymous_save(&app, "/newsroom/articles", "Huge", &huge).await;
    assert_eq!(response.status(), 303);
    assert_eq!(restore_token(&location(&response)), None, "too large to keep");
    assert_eq!(kept_forms(&app).await, 0);

    // One browser keeps its newest few; one address keeps a bounded number an hour.
    let mut cookie = String::new();
    for n in 0..8 {
        let response = app
            .client
            .post(app.url("/comments"))
            .header("cookie", &cookie)
            .form(&[
                ("article", article.to_string().as_str()),
                ("body", &format!("Draft number {n}")),
                ("return_to", "/world/story/comments"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303);
        if let Some(value) = cookie_set(&response, "broadsheet_kept") {
            cookie = value;
        }
    }
    assert_eq!(kept_forms(&app).await, 5, "one browser keeps its five newest forms");
    for n in 0..40 {
        app.client
            .post(app.url("/comments"))
            .form(&[
                ("article", article.to_string().as_str()),
                ("body", &format!("Flood {n}")),
                ("return_to", "/world/story/comments"),
            ])
            .send()
            .await
            .unwrap();
    }
    assert!(kept_forms(&app).await <= 30, "one address keeps at most 30 an hour");
}

/// Ways of writing another site's address that browsers follow.
const AWAY: &[&str] = &[
    "//evil.invalid/x",
    "/\\evil.invalid/x",
    "/\t/evil.invalid/x",
    "/\n/evil.invalid/x",
    "https://evil.invalid/x/comments",
    "\\\\evil.invalid",
    "/%09/evil.invalid",
];

fn stays_on_site(location: &str) -> bool {
    location.starts_with('/') && !location.starts_with("//") && !location.contains('\\') && !location.contains('\t')
}

#[tokio::test]
async fn redirects_never_leave_the_site() {
    let app = spawn_app().await;
    let world = app.section("world", "World").await;
    let article = app.publish(ArticleSpec::new("story", world)).await;
    let reader = app.register("Ada").await;

    for away in AWAY {
        let sign_in = app
            .client
            .post(app.url("/account/login"))
            .form(&[
                ("email", reader.email.as_str()),
                ("password", READER_PASSWORD),
                ("return_to", away),
            ])
            .send()
            .await
            .unwrap();
        let cookie = cookie_set(&sign_in, "broadsheet_reader").expect("signed in");
        let signed_in_get = app
            .client
            .get(app.url(&format!(
                "/account/login?return_to={}",
                broadsheet::web::urlencode(away)
            )))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        let sign_out = app
            .client
            .post(app.url("/account/logout"))
            .header("cookie", &cookie)
            .form(&[("return_to", away)])
            .send()
            .await
            .unwrap();
        let comment = app
            .client
            .post(app.url("/comments"))
            .form(&[
                ("article", article.to_string().as_str()),
                ("body", "Hi"),
                ("return_to", away),
            ])
            .send()
            .await
            .unwrap();
        for (what, response) in [
            ("signed-in GET /account/login", signed_in_get),
            ("POST /account/login", sign_in),
            ("POST /account/logout", sign_out),
            ("POST /comments", comment),
        ] {
            assert_eq!(response.status(), 303, "{what} with {away:?}");
            let to = location(&response);
            let to = if what == "POST /comments" {
                percent_decode(to.split("return_to=").nth(1).unwrap())
            } else {
                to
            };
            assert!(stays_on_site(&to), "{what} with {away:?} sent the browser to {to:?}");
        }
    }
}

/// Sends `count` copies of a form at the same moment.
async fn all_at_once(app: &TestApp, count: usize, path: &str, fields: Vec<(String, String)>) -> Vec<u16> {
    let barrier = Arc::new(Barrier::new(count));
    let mut tasks = Vec::new();
    for n in 0..count {
        let barrier = barrier.clone();
        let client = app.client.clone();
        let url = app.url(path);
        let fields: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| (k.clone(), v.replace("{n}", &n.to_string())))
            .collect();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            client.post(url).form(&fields).send().await.unwrap().status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    statuses
}

fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[tokio::test]
async fn parallel_guesses_cannot_outrun_the_sign_in_limits() {
    let app = spawn_app().await;
    let reader = app.register("Ada").await;
    let member = app.member(Role::Editor).await;

    let guesses = all_at_once(
        &app,
        40,
        "/account/login",
        pairs(&[("email", &reader.email), ("password", "wrong guess {n}")]),
    )
    .await;
    let checked = guesses.iter().filter(|s| **s == 401).count();
    assert!(
        checked <= 5,
        "{checked} of 40 parallel guesses were checked: {guesses:?}"
    );
    assert_eq!(guesses.iter().filter(|s| **s == 429).count(), 40 - checked);

    let guesses = all_at_once(
        &app,
        30,
        "/newsroom/login",
        pairs(&[("email", &member.email), ("password", "wrong guess {n}")]),
    )
    .await;
    let checked = guesses.iter().filter(|s| **s == 401).count();
    assert!(
        checked <= 5,
        "{checked} of 30 parallel staff guesses were checked: {guesses:?}"
    );
    let _ = PASSWORD;
}

#[tokio::test]
async fn parallel_registrations_from_one_address_stop_at_the_limit() {
    let app = spawn_app_with(|s| s.community.registrations_per_address_per_hour = 5).await;

    let statuses = all_at_once(
        &app,
        20,
        "/account/register",
        pairs(&[
            ("display_name", "Reader {n}"),
            ("email", "reader{n}@readers.example"),
            ("password", READER_PASSWORD),
        ]),
    )
    .await;

    let opened = sql("SELECT COUNT(*) FROM readers")
        .fetch_count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(opened, 5, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 15);
}

#[tokio::test]
async fn invented_methods_do_not_grow_the_metrics() {
    let app = spawn_app().await;
    let before = app.get("/metrics").await.text().await.unwrap().len();

    for n in 0..200 {
        let method = reqwest::Method::from_bytes(format!("INVENTED{n}").as_bytes()).unwrap();
        app.client.request(method, app.url("/")).send().await.unwrap();
    }

    let text = app.get("/metrics").await.text().await.unwrap();
    assert!(!text.contains("INVENTED"), "no series named after an invented method");
    assert!(text.contains("method=\"OTHER\""));
    assert!(
        text.len() < before + 8 * 1024,
        "the metrics grew from {before} to {} bytes",
        text.len()
    );
}

#[tokio::test]
async fn small_leaks_stay_closed() {
    let app = spawn_app_with(|s| s.site.base_url = "https://news.example".into()).await;

    let page = app.get("/").await;
    assert_eq!(
        page.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains",
        "a site on https says so"
    );
    let missing = app.get("/media/0190b6d6-0000-7000-8000-000000000000/960.jpg").await;
    assert_eq!(missing.status(), 404);
    assert_ne!(
        missing.headers()["cache-control"].to_str().unwrap(),
        "public, max-age=31536000, immutable",
        "a missing picture is not cached for a year"
    );
    let big = "x".repeat(3 * 1024 * 1024);
    let form = app
        .client
        .post(app.url("/account/login"))
        .form(&[("email", "a@b.example"), ("password", big.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 413, "a form over the limit is too large, not malformed");
}

#[tokio::test]
async fn the_account_forms_cannot_flood_someone_elses_inbox() {
    let app = spawn_app().await;
    let reader = app.register("Buy cheap pills at spam.example").await;

    let mut statuses = Vec::new();
    for _ in 0..10 {
        let response = reader
            .post(
                "/account/email",
                &[("new_email", "victim@elsewhere.example"), ("password", READER_PASSWORD)],
            )
            .await;
        statuses.push(response.status().as_u16());
    }

    assert_eq!(statuses.iter().filter(|s| **s == 303).count(), 3, "{statuses:?}");
    assert!(statuses[3..].iter().all(|s| *s == 429), "{statuses:?}");
    let sent = app.emails_to("victim@elsewhere.example", 3).await;
    assert!(
        sent.iter().all(|text| !text.contains("spam.example")),
        "nothing the reader chose reaches an address not shown to be theirs"
    );
}

#[tokio::test]
async fn push_subscriptions_need_a_real_key_and_cannot_be_made_in_bulk() {
    let app = spawn_app_with(|s| s.alerts.allow_private_endpoints = true).await;
    app.story().await;
    let push = crate::support::push::PushService::start().await;
    let (_, mut subscription) = push.subscribe(&[]);
    let save = |subscription: serde_json::Value| {
        app.client
            .post(app.url("/alerts/subscriptions"))
            .header("accept", "application/json")
            .json(&serde_json::json!({ "subscription": subscription, "topics": ["breaking"] }))
            .send()
    };

    let mut off_curve = subscription.clone();
    let mut point = vec![4u8];
    point.extend_from_slice(&[1u8; 64]);
    off_curve["keys"]["p256dh"] = base64_url(&point).into();
    let refused = save(off_curve).await.unwrap();
    assert_eq!(refused.status(), 422);
    let text = refused.text().await.unwrap();
    assert!(text.contains("on the curve"), "{text}");

    let mut statuses = Vec::new();
    for n in 0..70 {
        subscription["endpoint"] =
            format!("{}/push/bulk-{n}", push.endpoint(0).rsplit_once("/push/").unwrap().0).into();
        statuses.push(save(subscription.clone()).await.unwrap().status().as_u16());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 60, "{statuses:?}");
    assert!(statuses[60..].iter().all(|s| *s == 429), "{statuses:?}");
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
