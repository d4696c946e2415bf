//! Several instances on one PostgreSQL behave as one site. (On SQLite there
//! is one instance per database by design, so these tests have nothing to
//! check there and say so.)

use std::time::Duration;

use futures_util::StreamExt;

use crate::support::spawn_app;

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
