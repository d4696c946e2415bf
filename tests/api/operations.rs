//! What operators and their tools read: probes and Prometheus metrics.

use broadsheet::accounts::Role;

use crate::support::spawn_app;

#[tokio::test]
async fn health_and_readiness_probes_answer_plainly() {
    let app = spawn_app().await;
    let live = app.get("/healthz").await;
    assert_eq!(live.status(), 200);
    assert_eq!(live.headers()["cache-control"], "no-store");
    assert_eq!(live.text().await.unwrap(), "ok\n");
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200, "the database answers");
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_keeps_one_from_the_load_balancer() {
    let app = spawn_app().await;
    let first = app.get("/healthz").await.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let second = app.get("/healthz").await.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(first.len(), 32);
    assert_ne!(first, second, "one id per request");
    let kept = app.get_with("/no/such/page", &[("x-request-id", "lb-1234")]).await;
    assert_eq!(kept.headers()["x-request-id"], "lb-1234");
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_show_live_streams_jobs_and_alerts() {
    let app = spawn_app().await;
    let blog = app.live_blog().await;
    // Signed in first: a new member's byline is new content, which empties the page cache.
    let (_, _editor) = app.signed_in(Role::Editor).await;
    for _ in 0..3 {
        assert_eq!(app.get("/world/live").await.status(), 200);
    }
    assert_eq!(app.get("/no/such/page/here").await.status(), 404);
    let _stream = app.events(&format!("/live/entries/{blog}")).await;

    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = response.text().await.unwrap();
    let line = |prefix: &str| -> String {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no line starting {prefix} in\n{text}"))
            .to_owned()
    };
    assert!(
        line(r#"broadsheet_http_requests_total{method="GET",route="/{section}/{slug}",status="200"}"#).ends_with(" 3"),
        "three article requests, counted by route pattern"
    );
    assert!(line(r#"broadsheet_http_requests_total{method="GET",route="unmatched",status="404"}"#).ends_with(" 1"));
    assert!(
        line(r#"broadsheet_http_request_duration_seconds_count{method="GET",route="/{section}/{slug}",status="200"}"#)
            .ends_with(" 3")
    );
    assert!(line(r#"broadsheet_http_request_duration_seconds_bucket{method="GET",route="/{section}/{slug}",status="200",le="+Inf"}"#).ends_with(" 3"));
    assert!(line(r#"broadsheet_live_connections{stream="liveblog"}"#).ends_with(" 1"));
    assert!(
        line("broadsheet_page_cache_pages")
            .split(' ')
            .nth(1)
            .unwrap()
            .parse::<f64>()
            .unwrap()
            >= 1.0
    );
    line(r#"broadsheet_alert_messages_total{outcome="delivered"}"#);
    line(r#"broadsheet_db_pool_connections{state="idle"}"#);
    assert!(text.contains("# TYPE broadsheet_jobs_queued gauge"));
}

/// The site's lead story and its picture, as another site serves them.
async fn same_story(original: &crate::support::TestApp, copy: &crate::support::TestApp, picture: &str) {
    let page = copy.page("/world/story").await;
    let before = original.page("/world/story").await;
    for words in [
        "Headline of story",
        "The second paragraph.",
        "The harbour",
        &picture[..20],
    ] {
        assert!(before.contains(words) && page.contains(words), "{words} is on both");
    }
    let response = copy.get(picture).await;
    assert_eq!(response.status(), 200, "the picture came along");
}

async fn site_with_a_picture(app: &crate::support::TestApp) -> String {
    let world = app.section("world", "World").await;
    let picture = app.picture("A harbour at dawn", "The harbour", "Staff").await;
    let mut spec = crate::support::fixtures::ArticleSpec::new("story", world);
    spec.images = vec![(picture, 0)];
    app.publish(spec).await;
    broadsheet::media::variant_path(picture, 320)
}

#[tokio::test]
async fn a_backup_taken_while_the_site_serves_restores_into_another_site_with_everything() {
    let original = spawn_app().await;
    if original.on_postgres() {
        eprintln!("PostgreSQL: see the pg_dump round trip");
        return;
    }
    let picture = site_with_a_picture(&original).await;
    let folder = original.dir.path().join("backup-1");
    let copied = broadsheet::ops::backup::backup(&original.settings, &folder)
        .await
        .unwrap();
    assert!(copied.media_files > 0);
    let again = broadsheet::ops::backup::backup(&original.settings, &folder)
        .await
        .unwrap_err();
    assert!(again.to_string().contains("not empty"), "{again}");

    let mut copy = spawn_app().await;
    let running = broadsheet::ops::backup::restore(&copy.settings, &folder, true)
        .await
        .unwrap_err();
    assert!(running.to_string().contains("stop it before restoring"), "{running}");
    copy.stop().await;
    let refused = broadsheet::ops::backup::restore(&copy.settings, &folder, false)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("--replace"), "{refused}");
    broadsheet::ops::backup::restore(&copy.settings, &folder, true)
        .await
        .unwrap();
    let copy = copy.restart().await;
    same_story(&original, &copy, &picture).await;

    let broken = original.dir.path().join("broken");
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::write(broken.join("broadsheet.db"), b"not a database at all").unwrap();
    assert!(
        broadsheet::ops::backup::restore(&copy.settings, &broken, true)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_postgresql_site_survives_the_documented_pg_dump_and_pg_restore_round_trip() {
    let original = spawn_app().await;
    if !original.on_postgres() {
        eprintln!("SQLite: see the backup command's round trip");
        return;
    }
    let picture = site_with_a_picture(&original).await;
    let dump = original.dir.path().join("site.dump");
    let status = std::process::Command::new("pg_dump")
        .args(["--format=custom", "--no-owner", "--file"])
        .arg(&dump)
        .arg(&original.database_url)
        .status()
        .expect("pg_dump runs");
    assert!(status.success());

    let mut copy = spawn_app().await;
    copy.stop().await;
    let status = std::process::Command::new("pg_restore")
        .args(["--clean", "--if-exists", "--no-owner", "--dbname"])
        .arg(&copy.database_url)
        .arg(&dump)
        .status()
        .expect("pg_restore runs");
    assert!(status.success());
    let media = |app: &crate::support::TestApp| app.settings.media.dir.clone();
    copy_dir(&media(&original), &media(&copy));
    let copy = copy.restart().await;
    same_story(&original, &copy, &picture).await;
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

#[tokio::test]
async fn a_request_in_flight_when_the_site_stops_is_answered_and_its_write_kept() {
    let mut app = spawn_app().await;
    let section = app.section("world", "World").await;
    let cookie = app.signed_in(Role::Editor).await.1.cookie.clone();
    // A large picture keeps the server busy resizing it for a while.
    let mut form = reqwest::multipart::Form::new();
    for (name, value) in [
        ("headline", "Harbour reopens during the deployment"),
        ("standfirst", "It was saved while the site stopped."),
        ("body", "The harbour reopened."),
        ("section", &section.to_string()),
        ("picture_alt", "Boats at dawn"),
        ("action", "save"),
    ] {
        form = form.text(name.to_owned(), value.to_owned());
    }
    let picture = crate::support::newsroom::png(4000, 3000);
    form = form.part("picture", reqwest::multipart::Part::bytes(picture).file_name("big.png"));
    let sent = app
        .client
        .post(app.url("/newsroom/articles"))
        .header("cookie", cookie)
        .multipart(form)
        .send();
    let in_flight = tokio::spawn(sent);
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    app.stop().await;
    let response = in_flight.await.unwrap().expect("answered, not cut off");
    assert_eq!(response.status(), 303, "the save finished");

    let app = app.restart().await;
    let (saved, pictures): (i64, i64) = broadsheet::db::sql(
        "SELECT COUNT(*), (SELECT COUNT(*) FROM article_images) FROM articles
         WHERE headline = 'Harbour reopens during the deployment'",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(
        (saved, pictures),
        (1, 1),
        "the acknowledged write is there after the restart"
    );
}

#[tokio::test]
async fn stopping_ends_open_live_streams_so_the_process_can_exit() {
    let mut app = spawn_app().await;
    let blog = app.live_blog().await;
    let mut entries = app.events(&format!("/live/entries/{blog}")).await;
    let mut comments = app.events(&format!("/live/comments/{blog}")).await;
    tokio::time::timeout(std::time::Duration::from_secs(10), app.stop())
        .await
        .expect("the site stops although readers have live pages open");
    let soon = std::time::Duration::from_secs(2);
    assert!(entries.ends(soon).await && comments.ends(soon).await, "the streams end");
}

/// The real binary, serving `url` on `port` from `dir`.
fn serve(dir: &tempfile::TempDir, url: &str, port: u16) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_broadsheet"))
        .arg("serve")
        .current_dir(dir.path())
        .env("BROADSHEET_DATABASE__URL", url)
        .env("BROADSHEET_SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("BROADSHEET_MEDIA__DIR", dir.path().join("media"))
        .env("BROADSHEET_MAIL__OUTBOX_DIR", dir.path().join("outbox"))
        .env("BROADSHEET_DEMO__LOAD_WHEN_EMPTY", "false")
        .env("BROADSHEET_COMMUNITY__REGISTRATIONS_PER_ADDRESS_PER_HOUR", "100000")
        .env("BROADSHEET_LOG__LEVEL", "error")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("the binary starts")
}

async fn until_ready(client: &reqwest::Client, base: &str) {
    for _ in 0..300 {
        if let Ok(response) = client.get(format!("{base}/readyz")).send().await
            && response.status() == 200
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the site did not come up");
}

#[tokio::test]
async fn a_kill_9_while_readers_register_loses_no_acknowledged_account() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let (url, _database) = crate::support::test_database(&dir);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut site = serve(&dir, &url, port);
    until_ready(&client, &base).await;

    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut writers = Vec::new();
    for writer in 0..4 {
        let (client, base, acknowledged) = (client.clone(), base.clone(), acknowledged.clone());
        writers.push(tokio::spawn(async move {
            for n in 0.. {
                let email = format!("reader-{writer}-{n}@readers.example");
                let form = [
                    ("display_name", "Night Reader"),
                    ("email", email.as_str()),
                    ("password", "correct horse battery"),
                    ("return_to", "/"),
                ];
                match client.post(format!("{base}/account/register")).form(&form).send().await {
                    Ok(response) if response.status() == 303 => acknowledged.lock().unwrap().push(email),
                    Ok(response) => panic!("registration answered {}", response.status()),
                    Err(_) => break, // the process is gone
                }
            }
        }));
    }
    while acknowledged.lock().unwrap().len() < 12 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    site.kill().unwrap(); // SIGKILL: no shutdown, no flush
    site.wait().unwrap();
    for writer in writers {
        writer.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();

    let mut site = serve(&dir, &url, port);
    until_ready(&client, &base).await;
    let settings = crate::support::settings_for(&dir, url.clone(), false);
    let db = broadsheet::db::connect(&settings.database).await.unwrap();
    for email in &acknowledged {
        let found = broadsheet::db::sql("SELECT COUNT(*) FROM readers WHERE email = $1")
            .bind(email.as_str())
            .fetch_count(&db)
            .await
            .unwrap();
        assert_eq!(found, 1, "{email} was acknowledged, so it survived the kill");
    }
    site.kill().unwrap();
    site.wait().unwrap();
}
