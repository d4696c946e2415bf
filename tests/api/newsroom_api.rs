//! The Content API (key auth, read-only) and the Admin API (token auth, per role).

use broadsheet::accounts::Role;
use serde_json::{Value, json};

use crate::support::fixtures::ArticleSpec;
use crate::support::newsroom::{png, secret_on};
use crate::support::{BASE_URL, TestApp, spawn_app};

async fn content_key(app: &TestApp) -> String {
    let (_, admin) = app.signed_in(Role::Admin).await;
    let page = admin
        .post("/newsroom/api-keys", &[("name", "Partner app")])
        .await
        .text()
        .await
        .unwrap();
    secret_on(&page)
}

async fn call(app: &TestApp, method: reqwest::Method, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

#[tokio::test]
async fn the_content_api_needs_a_key_and_lists_only_published_articles() {
    let app = spawn_app().await;
    let world = app.section("world", "World").await;
    let author = app.author("namita-singh", "Namita Singh").await;
    let mut spec = ArticleSpec::new("public-story", world);
    spec.authors = vec![author];
    spec.body = "A *published* paragraph.".into();
    app.publish(spec).await;
    let mut draft = ArticleSpec::new("secret-draft", world);
    draft.status = broadsheet::articles::Status::Draft;
    draft.published_at = None;
    app.publish(draft).await;

    let anonymous = app.get("/api/v1/content/articles").await;
    assert_eq!(anonymous.status(), 401);
    assert_eq!(anonymous.headers()["content-type"], "application/problem+json");
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");

    let key = content_key(&app).await;
    let (status, list) = call(&app, reqwest::Method::GET, "/api/v1/content/articles", &key, None).await;
    assert_eq!(status, 200);
    assert_eq!(list["total"], 1);
    assert_eq!(list["articles"][0]["slug"], "public-story");
    assert_eq!(list["articles"][0]["url"], format!("{BASE_URL}/world/public-story"));

    let (status, detail) = call(
        &app,
        reqwest::Method::GET,
        "/api/v1/content/articles/public-story",
        &key,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(detail["authors"][0]["name"], "Namita Singh");
    assert_eq!(detail["body_html"], "<p>A <em>published</em> paragraph.</p>\n");
    let (status, _) = call(
        &app,
        reqwest::Method::GET,
        "/api/v1/content/articles/secret-draft",
        &key,
        None,
    )
    .await;
    assert_eq!(status, 404);

    let (status, sections) = call(&app, reqwest::Method::GET, "/api/v1/content/sections", &key, None).await;
    assert_eq!(status, 200);
    assert_eq!(sections[0]["slug"], "world");
    let (status, problem) = call(
        &app,
        reqwest::Method::GET,
        "/api/v1/content/articles?section=nowhere",
        &key,
        None,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(problem["field"], "section");
}

#[tokio::test]
async fn a_revoked_key_stops_working() {
    let app = spawn_app().await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let page = admin
        .post("/newsroom/api-keys", &[("name", "Old app")])
        .await
        .text()
        .await
        .unwrap();
    let key = secret_on(&page);
    let id = page
        .split("action=\"/newsroom/api-keys/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();

    assert_eq!(
        call(&app, reqwest::Method::GET, "/api/v1/content/tags", &key, None)
            .await
            .0,
        200
    );
    admin.post(&format!("/newsroom/api-keys/{id}/revoke"), &[]).await;
    assert_eq!(
        call(&app, reqwest::Method::GET, "/api/v1/content/tags", &key, None)
            .await
            .0,
        401
    );
}

#[tokio::test]
async fn the_admin_api_writes_drafts_as_a_writer_and_publishes_as_an_editor() {
    let app = spawn_app().await;
    app.section("world", "World").await;
    app.author("kit-adler", "Kit Adler").await;
    let (_, writer) = app.signed_in(Role::Writer).await;
    let writer_token = writer.api_token().await;
    let (_, editor) = app.signed_in(Role::Editor).await;
    let editor_token = editor.api_token().await;

    let (status, created) = call(
        &app,
        reqwest::Method::POST,
        "/api/v1/admin/articles",
        &writer_token,
        Some(json!({ "headline": "Written by a script", "body": "Paragraph.", "section": "world", "authors": ["kit-adler"], "tags": ["Automation"] })),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["status"], "draft");
    assert_eq!(created["slug"], "written-by-a-script");
    assert_eq!(created["authors"][0], "kit-adler");
    let id = created["id"].as_str().unwrap().to_owned();

    let (status, problem) = call(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/admin/articles/{id}/publish"),
        &writer_token,
        None,
    )
    .await;
    assert_eq!(status, 403, "{problem}");
    assert_eq!(app.get("/world/written-by-a-script").await.status(), 404);

    let (status, published) = call(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/admin/articles/{id}/publish"),
        &editor_token,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(published["status"], "published");
    assert_eq!(published["url"], format!("{BASE_URL}/world/written-by-a-script"));
    assert!(
        app.page("/world/written-by-a-script")
            .await
            .contains("Written by a script")
    );
}

#[tokio::test]
async fn a_stale_version_is_a_conflict_and_a_bad_field_is_named() {
    let app = spawn_app().await;
    app.section("world", "World").await;
    let (_, editor) = app.signed_in(Role::Editor).await;
    let token = editor.api_token().await;
    let (_, created) = call(
        &app,
        reqwest::Method::POST,
        "/api/v1/admin/articles",
        &token,
        Some(json!({ "headline": "Versioned", "section": "world" })),
    )
    .await;
    let path = format!("/api/v1/admin/articles/{}", created["id"].as_str().unwrap());

    let (status, saved) = call(
        &app,
        reqwest::Method::PATCH,
        &path,
        &token,
        Some(json!({ "version": 1, "standfirst": "First change." })),
    )
    .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["version"], 2);
    assert_eq!(saved["headline"], "Versioned", "fields not sent are kept");

    let (status, problem) = call(
        &app,
        reqwest::Method::PATCH,
        &path,
        &token,
        Some(json!({ "version": 1, "standfirst": "Late change." })),
    )
    .await;
    assert_eq!(status, 409);
    assert!(problem["detail"].as_str().unwrap().contains("version 2"));

    let (status, problem) = call(
        &app,
        reqwest::Method::PATCH,
        &path,
        &token,
        Some(json!({ "version": 2, "slug": "Not A Slug" })),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(problem["field"], "slug");

    let (status, problem) = call(
        &app,
        reqwest::Method::PATCH,
        &path,
        &token,
        Some(json!({ "version": 2, "colour": "red" })),
    )
    .await;
    assert_eq!(status, 400);
    assert!(problem["detail"].as_str().unwrap().contains("colour"));

    let (status, problem) = call(
        &app,
        reqwest::Method::POST,
        &format!("{path}/schedule"),
        &token,
        Some(json!({ "at": "yesterday" })),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(problem["field"], "at");
    let (status, scheduled) = call(
        &app,
        reqwest::Method::POST,
        &format!("{path}/schedule"),
        &token,
        Some(json!({ "at": "2099-01-01T09:00:00Z" })),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(scheduled["status"], "scheduled");
    assert_eq!(scheduled["published_at"], "2099-01-01T09:00:00Z");
}

#[tokio::test]
async fn pictures_upload_through_the_admin_api_and_non_pictures_are_refused() {
    let app = spawn_app().await;
    let (_, editor) = app.signed_in(Role::Editor).await;
    let token = editor.api_token().await;
    let upload = |bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new()
            .text("alt", "A test card")
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name("card.png"));
        app.client
            .post(app.url("/api/v1/admin/images"))
            .bearer_auth(&token)
            .multipart(form)
            .send()
    };

    let response = upload(png(1000, 600)).await.unwrap();
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["widths"], json!([320, 640, 960, 1000]));
    let path = body["url"].as_str().unwrap().trim_start_matches(BASE_URL).to_owned();
    assert_eq!(app.get(&path).await.status(), 200);

    let refused = upload(b"%PDF-1.7 not a picture".to_vec()).await.unwrap();
    assert_eq!(refused.status(), 415);
    assert_eq!(refused.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn the_openapi_document_describes_every_served_path() {
    let app = spawn_app().await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let token = admin.api_token().await;

    let spec: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();

    assert_eq!(spec["openapi"], "3.1.0");
    let paths = spec["paths"].as_object().unwrap();
    assert!(paths.len() >= 11);
    let id = "00000000-0000-7000-8000-000000000000";
    for (path, operations) in paths {
        for method in operations.as_object().unwrap().keys() {
            let concrete = path.replace("{id}", id).replace("{slug}", "nothing");
            let method: reqwest::Method = method.to_uppercase().parse().unwrap();
            let response = app
                .client
                .request(method.clone(), app.url(&concrete))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            assert!(status != 405, "{method} {path} is served");
            let body = response.text().await.unwrap();
            if status == 404 {
                assert!(
                    body.contains("\"title\":\"Page not found\""),
                    "{method} {path} is a route, answering a problem"
                );
            }
        }
    }
}
