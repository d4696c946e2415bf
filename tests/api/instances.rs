//! Several instances on one PostgreSQL behave as one site. (On SQLite there
//! is one instance per database by design, so these tests have nothing to
//! check there and say so.)

use std::time::Duration;

use broadsheet::accounts::Role;
use broadsheet::articles::Status;
use broadsheet::db::sql;
use broadsheet::domain::Timestamp;
use futures_util::StreamExt;

use crate::support::fixtures::ArticleSpec;
use crate::support::push::PushService;
use crate::support::{spawn_app, spawn_app_with};

#[tokio::test]
async fn a_comment_posted_through_one_instance_reaches_readers_connected_to_another() {
    let a = spawn_app().await;
    if !a.on_postgres() {
        eprintln!("single-instance SQLite: nothing to share between instances");
        return;
    }
    let b = a.second_instance().await;
    let article = a.story().await;
    let ada = a.register("Ada").await;
    let mut stream = b
        .client
        .get(b.url(&format!("/live/comments/{article}")))
        .send()
        .await
        .unwrap()
        .bytes_stream();
    // Let the stream attach before posting.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let id = ada.comment_id(&article, None, "Through instance A").await;

    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    while !seen.contains(&id) {
        let chunk = tokio::time::timeout_at(deadline, stream.next())
            .await
            .expect("the comment reaches instance B")
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(seen.contains("Through instance A"));
    assert!(b.page("/world/story/comments").await.contains("Through instance A"));
}

#[tokio::test]
async fn a_story_published_through_one_instance_shows_on_the_other_at_once() {
    let a = spawn_app().await;
    if !a.on_postgres() {
        eprintln!("single-instance SQLite: nothing to share between instances");
        return;
    }
    let b = a.second_instance().await;
    let world = a.section("world", "World").await;
    assert!(
        !b.page("/").await.contains("Harbour reopens"),
        "B has drawn and kept its front page"
    );
    let mut spec = ArticleSpec::new("harbour-reopens", world);
    spec.headline = "Harbour reopens after the storm".into();
    a.publish(spec).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
    while !b.page("/").await.contains("Harbour reopens") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "B's front page is not stale for long"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        b.page("/world/harbour-reopens")
            .await
            .contains("Harbour reopens after the storm")
    );
}

#[tokio::test]
async fn a_scheduled_story_is_published_once_though_two_instances_watch_the_clock() {
    let a = spawn_app().await;
    if !a.on_postgres() {
        eprintln!("single-instance SQLite: nothing to share between instances");
        return;
    }
    let b = a.second_instance().await;
    let world = a.section("world", "World").await;
    let mut spec = ArticleSpec::new("at-dawn", world);
    spec.status = Status::Scheduled;
    spec.published_at = Some(Timestamp::now().plus_seconds(1));
    let id = a.publish(spec).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(6);
    while b.get("/world/at-dawn").await.status() != 200 {
        assert!(tokio::time::Instant::now() < deadline, "published at its time");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let publications = sql("SELECT COUNT(*) FROM audit_log WHERE action = 'published' AND target_id = $1")
        .bind(id.to_string())
        .fetch_count(&a.state.db)
        .await
        .unwrap();
    assert_eq!(publications, 1, "one instance published it, once");
}

#[tokio::test]
async fn an_alert_sent_through_one_instance_reaches_each_subscriber_once_while_both_deliver() {
    let a = spawn_app_with(|s| s.alerts.allow_private_endpoints = true).await;
    if !a.on_postgres() {
        eprintln!("single-instance SQLite: nothing to share between instances");
        return;
    }
    let b = a.second_instance().await;
    let push = PushService::start().await;
    let mut subscribers = Vec::new();
    for n in 0..40 {
        let (id, subscription) = push.subscribe(&[]);
        let app = if n % 2 == 0 { &a } else { &b };
        app.subscribe_push(&subscription, &["breaking"]).await;
        subscribers.push(id);
    }
    let (_, editor) = a.signed_in(Role::Editor).await;
    editor.send_alert("Both instances at work", "breaking").await;
    b.state.wake.now();
    push.wait_for(40).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    for subscriber in subscribers {
        assert_eq!(
            push.received_by(subscriber).len(),
            1,
            "subscriber {subscriber} got it once"
        );
    }
}
