//! Faults the site must serve through: a PostgreSQL outage (a private server
//! the test stops and starts), a full disk under SQLite (a small tmpfs), a
//! shutdown with a stalled upload in flight, and a comment sent twice.

use std::time::{Duration, Instant};

use broadsheet::config::Secret;
use broadsheet::db::sql;

use crate::support::faults::{PrivatePostgres, SmallDisk, postgres_run};
use crate::support::{spawn_app, spawn_app_with};

/// Asks until `path` answers `status`, for at most `within`.
async fn until_status(app: &crate::support::TestApp, path: &str, status: u16, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        if app.get(path).await.status() == status {
            return;
        }
        assert!(Instant::now() < deadline, "{path} answers {status} within {within:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn through_a_postgresql_outage_cached_pages_stay_up_the_rest_is_a_quick_503_and_all_catches_up() {
    if !postgres_run() {
        eprintln!("SKIPPED on the SQLite run: this test stops a PostgreSQL server of its own");
        return;
    }
    let Some(server) = PrivatePostgres::start() else { return };
    let url = server.url();
    let a = spawn_app_with(|s| s.database.url = Secret::new(url.clone())).await;
    let b = a.second_instance().await;
    let article = a.story().await;
    let reader = a.register("Ola").await;
    assert_eq!(
        a.get("/world/story").await.status(),
        200,
        "the article is drawn and cached"
    );
    let mut live = b.events(&format!("/live/comments/{article}")).await;

    server.stop();
    let cached = a.get("/world/story").await;
    assert_eq!(cached.status(), 200, "a cached page is served through the outage");
    // The first query to fail marks the server out of reach; from then on
    // a page not in the cache is answered at once.
    let _ = a.get("/world").await;
    let asked = Instant::now();
    let missing = a.get("/world").await;
    assert!(
        asked.elapsed() < Duration::from_secs(1),
        "answered in {:?}",
        asked.elapsed()
    );
    assert_eq!(missing.status(), 503);
    assert!(missing.headers().contains_key("retry-after"));
    let cached = a.get("/world/story").await;
    assert_eq!(cached.status(), 200, "the cache was not emptied by the outage");
    assert!(
        cached.headers().contains_key("age"),
        "a page served through an outage says how old it is"
    );
    assert_eq!(a.get("/readyz").await.status(), 503);

    let refused = reader
        .comment(&article, None, "Written while the database was away")
        .await;
    assert_eq!(refused.status(), 503);
    assert!(refused.headers().contains_key("retry-after"));
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("Written while the database was away"),
        "the reader's text comes back with the error"
    );

    server.resume();
    until_status(&a, "/readyz", 200, Duration::from_secs(20)).await;
    until_status(&b, "/readyz", 200, Duration::from_secs(20)).await;
    live.next("resync", Duration::from_secs(20)).await;
    let posted = reader.comment_id(&article, None, "Back again").await;
    let event = live.next("comment", Duration::from_secs(10)).await;
    assert_eq!(
        event["id"],
        posted.as_str(),
        "the other instance hears of new comments again"
    );
    assert_eq!(
        a.get("/world").await.status(),
        200,
        "pages are drawn again without a restart"
    );
}

#[tokio::test]
async fn after_a_full_disk_under_sqlite_writes_work_again_without_a_restart() {
    if postgres_run() {
        eprintln!("SKIPPED on the PostgreSQL run: this test fills the disk under a SQLite file");
        return;
    }
    let Some(disk) = SmallDisk::mount(24) else { return };
    let file = disk.path().join("broadsheet.db");
    let app = spawn_app_with(|s| s.database.url = Secret::new(format!("sqlite://{}", file.display()))).await;
    let article = app.story().await;
    let reader = app.register("Ines").await;
    reader.comment_id(&article, None, "Before the disk filled").await;

    let filler = disk.fill();
    let long = "A comment long enough to need a new page in the database. ".repeat(60);
    let mut refused = 0;
    for n in 0..20 {
        let response = reader.comment(&article, None, &format!("{n} {long}")).await;
        assert_ne!(response.status(), 500, "a full disk is not a crash");
        if response.status() == 503 {
            refused += 1;
        }
    }
    assert!(refused > 0, "with the disk full, some writes are refused");
    assert_eq!(
        app.get("/readyz").await.status(),
        503,
        "a database that cannot write is not ready"
    );

    std::fs::remove_file(filler).unwrap();
    until_status(&app, "/readyz", 200, Duration::from_secs(5)).await;
    // Every pooled connection must be clean: several writes in a row, by a
    // new reader (within the comment rate limit).
    let reader = app.register("Jon").await;
    for n in 0..4 {
        let response = reader
            .comment(&article, None, &format!("After the disk was freed, {n}"))
            .await;
        assert_eq!(response.status(), 303, "write {n} after space returned");
    }
    let after = sql("SELECT COUNT(*) FROM comments WHERE body LIKE 'After the disk was freed%'")
        .fetch_count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(after, 4);
}

#[tokio::test]
async fn a_stalled_upload_does_not_hold_a_shutdown_past_its_deadline() {
    let mut app = spawn_app_with(|s| s.server.shutdown_grace_secs = 1).await;
    let cookie = app.signed_in(broadsheet::accounts::Role::Editor).await.1.cookie.clone();
    // Headers and the start of a large body, then nothing more.
    let mut socket = tokio::net::TcpStream::connect(app.address.trim_start_matches("http://"))
        .await
        .unwrap();
    let head = format!(
        "POST /newsroom/images HTTP/1.1\r\nHost: localhost\r\nCookie: {}\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 5000000\r\n\r\n--x\r\n",
        cookie
    );
    tokio::io::AsyncWriteExt::write_all(&mut socket, head.as_bytes())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let asked = Instant::now();
    tokio::time::timeout(Duration::from_secs(10), app.stop())
        .await
        .expect("the site stops within seconds");
    assert!(
        asked.elapsed() < Duration::from_secs(8),
        "stopped after {:?}",
        asked.elapsed()
    );
    drop(socket);
}

#[tokio::test]
async fn a_comment_sent_twice_with_the_same_form_is_written_once() {
    let app = spawn_app().await;
    let article = app.story().await;
    let reader = app.register("Tove").await;
    let form = reader.page("/world/story/comments").await;
    let key = form
        .split("name=\"key\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the comment form carries a key")
        .to_owned();
    let article_id = article.to_string();
    let send = |body: &'static str| {
        let (article_id, key) = (article_id.clone(), key.clone());
        let reader = &reader;
        async move {
            reader
                .post(
                    "/comments",
                    &[
                        ("article", article_id.as_str()),
                        ("parent", ""),
                        ("body", body),
                        ("key", key.as_str()),
                        ("return_to", "/world/story/comments"),
                    ],
                )
                .await
        }
    };
    let (first, second) = tokio::join!(send("Only once, please"), send("Only once, please"));
    assert_eq!((first.status().as_u16(), second.status().as_u16()), (303, 303));
    assert_eq!(
        first.headers()["location"],
        second.headers()["location"],
        "both answers name one comment"
    );
    let again = send("Only once, please").await;
    assert_eq!(again.headers()["location"], first.headers()["location"]);
    let count = sql("SELECT COUNT(*) FROM comments WHERE body = 'Only once, please'")
        .fetch_count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(count, 1);

    // The same form used for other words is a new comment, not lost.
    let other = send("Something else entirely").await;
    assert_eq!(other.status(), 303);
    assert_ne!(other.headers()["location"], first.headers()["location"]);
}

#[tokio::test]
async fn a_demo_load_cut_short_by_a_full_disk_leaves_nothing_and_loads_whole_next_time() {
    if postgres_run() {
        eprintln!("SKIPPED on the PostgreSQL run: this test fills the disk under a SQLite file and its pictures");
        return;
    }
    let Some(disk) = SmallDisk::mount(48) else { return };
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", disk.path().join("broadsheet.db").display());
    let mut settings = crate::support::settings_for(&dir, url, true);
    settings.media.dir = disk.path().join("media");
    let count = |state: broadsheet::state::AppState| async move {
        let n = sql("SELECT COUNT(*) FROM articles")
            .fetch_count(&state.db)
            .await
            .unwrap();
        state.db.close().await;
        n
    };
    // The database exists (migrated), then the disk fills, with a little room left.
    let mut empty = settings.clone();
    empty.demo.load_when_empty = false;
    assert_eq!(
        count(broadsheet::startup::prepare(empty.clone()).await.unwrap()).await,
        0
    );
    let filler = disk.fill();
    let full = std::fs::metadata(&filler).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&filler)
        .unwrap()
        .set_len(full - 1024 * 1024)
        .unwrap();

    assert!(
        broadsheet::startup::Application::build(settings.clone()).await.is_err(),
        "the demo does not fit"
    );
    std::fs::remove_file(filler).unwrap();
    assert_eq!(
        std::fs::read_dir(disk.path().join("media")).map_or(0, |d| d.count()),
        0,
        "no pictures of a load cut short are left behind"
    );
    assert_eq!(
        count(broadsheet::startup::prepare(empty.clone()).await.unwrap()).await,
        0,
        "nothing of a load cut short is kept"
    );

    let app = broadsheet::startup::Application::build(settings)
        .await
        .expect("the demo loads");
    let loaded = count(app.state()).await;
    assert_eq!(
        loaded as usize,
        std::fs::read_dir("src/demo/content/articles").unwrap().count()
    );
}
