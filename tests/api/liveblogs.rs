//! Live blogs: the desk posts, edits, pins and deletes entries; open pages
//! hear of every change at once; the page, its structured data, its feed,
//! permalinks and search follow; followers get an alert for key events.

use std::time::Duration;

use broadsheet::accounts::Role;

use crate::support::newsroom::{Session, version_on};
use crate::support::push::PushService;
use crate::support::{spawn_app, spawn_app_with};

const SOON: Duration = Duration::from_secs(3);

/// Posts an update through the desk's form; returns the new entry's id.
async fn post_entry(session: &Session<'_>, blog: &str, fields: &[(&str, &str)]) -> String {
    let response = session
        .app
        .client
        .post(session.app.url(&format!("/newsroom/articles/{blog}/live")))
        .header("cookie", &session.cookie)
        .header("accept", "application/json")
        .form(fields)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "the update is posted");
    let posted: serde_json::Value = response.json().await.unwrap();
    posted["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn updates_posted_at_the_desk_appear_newest_first_with_key_events_and_the_pinned_one_on_top() {
    let app = spawn_app().await;
    let blog = app.live_blog().await.to_string();
    let (_, editor) = app.signed_in(Role::Editor).await;
    assert!(app.page("/world/live").await.contains("No updates yet"));

    post_entry(
        &editor,
        &blog,
        &[("body", "Good morning, and welcome."), ("pinned", "on")],
    )
    .await;
    post_entry(
        &editor,
        &blog,
        &[
            ("title", "Bridge reopens to traffic"),
            ("body", "Engineers declared the crossing safe."),
            ("key_event", "on"),
        ],
    )
    .await;
    post_entry(
        &editor,
        &blog,
        &[("body", "Queues are forming on the western approach.")],
    )
    .await;

    let page = app.page("/world/live").await;
    let queues = page.find("Queues are forming").unwrap();
    let bridge = page.rfind("Engineers declared").unwrap();
    let welcome = page.rfind("Good morning, and welcome.").unwrap();
    assert!(queues < bridge && bridge < welcome, "newest first");
    let top = page
        .split("id=\"live-top\"")
        .nth(1)
        .unwrap()
        .split("id=\"live-entries\"")
        .next()
        .unwrap();
    assert!(
        top.contains("Pinned") && top.contains("Good morning"),
        "the pinned update stands on top"
    );
    assert!(top.contains("Key events") && top.contains("Bridge reopens to traffic"));
    assert!(page.contains("<span class=\"live-badge\">Live</span>"));

    let json_ld = page
        .split("application/ld+json\">")
        .nth(1)
        .unwrap()
        .split("</script>")
        .next()
        .unwrap();
    let data: serde_json::Value = serde_json::from_str(json_ld).unwrap();
    assert_eq!(data["@type"], "LiveBlogPosting");
    assert_eq!(data["coverageStartTime"], "2024-12-16T06:04:00Z");
    assert!(data.get("coverageEndTime").is_none(), "still running");
    let updates = data["liveBlogUpdate"].as_array().unwrap();
    assert_eq!(updates.len(), 3);
    assert_eq!(updates[1]["headline"], "Bridge reopens to traffic");
    assert_eq!(updates[1]["@type"], "BlogPosting");

    let feed = app.page("/world/live/atom.xml").await;
    assert!(feed.find("Queues are forming").unwrap() < feed.find("Bridge reopens to traffic").unwrap());
    assert_eq!(feed.matches("<entry>").count(), 3);
}

#[tokio::test]
async fn open_pages_hear_of_new_edited_and_deleted_updates_at_once() {
    let app = spawn_app().await;
    let blog = app.live_blog().await.to_string();
    let (_, editor) = app.signed_in(Role::Editor).await;
    let page = app.page("/world/live").await;
    let stream = format!("/live/entries/{blog}");
    assert!(page.contains(&format!("data-live=\"{stream}\"")), "the page listens");
    let mut events = app.events(&stream).await;

    let id = post_entry(
        &editor,
        &blog,
        &[("body", "Sirens in the city centre."), ("key_event", "on")],
    )
    .await;
    let posted = events.next("entry", SOON).await;
    assert_eq!(posted["change"], "posted");
    assert_eq!(posted["id"], id);
    assert!(posted["html"].as_str().unwrap().contains("Sirens in the city centre."));
    assert!(posted["top"].as_str().unwrap().contains("Key events"));
    assert_eq!(posted["count"], 1);

    let edit = editor.page(&format!("/newsroom/articles/{blog}/live/{id}")).await;
    let response = editor
        .post(
            &format!("/newsroom/articles/{blog}/live/{id}"),
            &[
                ("version", &version_on(&edit)),
                ("body", "Sirens in the city centre; the all-clear followed."),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let edited = events.next("entry", SOON).await;
    assert_eq!(edited["change"], "edited");
    assert!(edited["html"].as_str().unwrap().contains("the all-clear followed"));
    assert!(
        !edited["top"].as_str().unwrap().contains("Key events"),
        "no longer a key event"
    );

    let response = editor
        .post(&format!("/newsroom/articles/{blog}/live/{id}/delete"), &[])
        .await;
    assert_eq!(response.status(), 303);
    let removed = events.next("entry", SOON).await;
    assert_eq!(removed["change"], "removed");
    assert_eq!(removed["count"], 0);
    assert!(
        !app.page("/world/live").await.contains("all-clear"),
        "the cached page was dropped"
    );
}

#[tokio::test]
async fn a_permalink_opens_the_page_that_holds_the_update_even_when_it_has_moved_to_an_older_page() {
    let app = spawn_app().await;
    let blog = app.live_blog().await.to_string();
    let (_, writer) = app.signed_in(Role::Writer).await;
    let first = post_entry(&writer, &blog, &[("body", "The very first update.")]).await;
    for n in 0..30 {
        post_entry(&writer, &blog, &[("body", &format!("Update number {n}."))]).await;
    }
    let latest = post_entry(&writer, &blog, &[("body", "The latest update.")]).await;

    let response = app.get(&format!("/world/live/entries/{latest}")).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], format!("/world/live#entry-{latest}"));
    let response = app.get(&format!("/world/live/entries/{first}")).await;
    assert_eq!(
        response.headers()["location"],
        format!("/world/live?page=2#entry-{first}")
    );

    let second = app.page("/world/live?page=2").await;
    assert!(second.contains(&format!("id=\"entry-{first}\"")));
    assert!(second.contains("Newer updates"));
    assert!(
        !second.contains("data-live=\"/live/entries/"),
        "older pages do not stream"
    );
    assert!(
        second.contains("<link rel=\"canonical\" href=\"https://news.example/world/live?page=2\">"),
        "an older page names itself as canonical"
    );
    assert!(app.page("/world/live").await.contains("Older updates"));
    assert_eq!(app.get("/world/live?page=9").await.status(), 404, "past the last page");
    assert_eq!(app.get("/world/live/entries/not-an-id").await.status(), 404);
}

#[tokio::test]
async fn the_desk_keeps_the_text_of_a_refused_update_and_detects_concurrent_edits() {
    let app = spawn_app().await;
    let blog = app.live_blog().await.to_string();
    let (_, writer) = app.signed_in(Role::Writer).await;

    let response = writer
        .post(
            &format!("/newsroom/articles/{blog}/live"),
            &[("title", "A title kept"), ("body", "   ")],
        )
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("its text is empty"));
    assert!(page.contains("A title kept"), "what was typed stays");

    let huge = "x".repeat(20_001);
    let response = writer
        .post(&format!("/newsroom/articles/{blog}/live"), &[("body", huge.as_str())])
        .await;
    assert_eq!(response.status(), 422);

    let id = post_entry(&writer, &blog, &[("body", "Original words.")]).await;
    let form = writer.page(&format!("/newsroom/articles/{blog}/live/{id}")).await;
    let version = version_on(&form);
    let first = writer
        .post(
            &format!("/newsroom/articles/{blog}/live/{id}"),
            &[("version", &version), ("body", "Words of the first editor.")],
        )
        .await;
    assert_eq!(first.status(), 303);
    let second = writer
        .post(
            &format!("/newsroom/articles/{blog}/live/{id}"),
            &[("version", &version), ("body", "Words of the second editor.")],
        )
        .await;
    assert_eq!(second.status(), 409);
    let page = second.text().await.unwrap();
    assert!(page.contains("Words of the second editor."), "kept");
    assert!(page.contains("Words of the first editor."), "shows what it says now");
    assert!(
        app.page("/world/live").await.contains("Words of the first editor."),
        "nothing overwritten"
    );

    // A story has no desk.
    let story = app
        .publish(crate::support::fixtures::ArticleSpec::new(
            "plain",
            app.section("uk", "UK").await,
        ))
        .await;
    let response = writer
        .post(&format!("/newsroom/articles/{story}/live"), &[("body", "Hello")])
        .await;
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn an_ended_live_blog_says_so_stops_streaming_and_takes_no_more_updates() {
    let app = spawn_app().await;
    let blog = app.live_blog().await.to_string();
    let (_, writer) = app.signed_in(Role::Writer).await;
    let (_, editor) = app.signed_in(Role::Editor).await;
    post_entry(&writer, &blog, &[("body", "Last word from the scene.")]).await;
    let mut events = app.events(&format!("/live/entries/{blog}")).await;
    let running = r#"<span class="live-badge">Live</span> <a href="/world/live">"#;
    assert!(
        app.page("/").await.contains(running),
        "the front page marks a running live blog"
    );
    assert!(app.page("/world").await.contains(running), "and so does its section");

    let refused = writer
        .post(&format!("/newsroom/articles/{blog}/live/end"), &[("ended", "on")])
        .await;
    assert_eq!(refused.status(), 403, "ending a blog is an editor's call");
    let response = editor
        .post(&format!("/newsroom/articles/{blog}/live/end"), &[("ended", "on")])
        .await;
    assert_eq!(response.status(), 303);
    events.next("resync", SOON).await;

    let page = app.page("/world/live").await;
    assert!(page.contains("This live blog has ended"));
    assert!(!page.contains("data-live=\"/live/entries/"));
    assert!(!page.contains("live-badge"));
    assert!(
        !app.page("/").await.contains("live-badge"),
        "an ended blog is no longer marked live"
    );
    let json_ld = page
        .split("application/ld+json\">")
        .nth(1)
        .unwrap()
        .split("</script>")
        .next()
        .unwrap();
    let data: serde_json::Value = serde_json::from_str(json_ld).unwrap();
    assert!(data["coverageEndTime"].is_string());

    let response = writer
        .post(&format!("/newsroom/articles/{blog}/live"), &[("body", "Too late.")])
        .await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("has ended"));
}

#[tokio::test]
async fn search_finds_a_live_blog_by_its_updates_and_forgets_deleted_ones() {
    let app = spawn_app().await;
    let blog = app.live_blog().await.to_string();
    let (_, writer) = app.signed_in(Role::Writer).await;
    let found = |body: serde_json::Value| body["results"].as_array().unwrap().len();
    let search =
        async |q: &str| -> serde_json::Value { app.get(&format!("/search.json?q={q}")).await.json().await.unwrap() };
    assert_eq!(found(search("zeppelin").await), 0);
    let id = post_entry(&writer, &blog, &[("body", "A zeppelin drifted over the harbour.")]).await;
    let results = search("zeppelin").await;
    assert_eq!(found(results.clone()), 1);
    assert!(results["results"][0]["url"].as_str().unwrap().ends_with("/world/live"));
    let snippet = results["results"][0]["snippet_html"].as_str().unwrap();
    assert!(
        snippet.contains("<mark>zeppelin</mark>"),
        "the snippet shows the update: {snippet}"
    );
    writer
        .post(&format!("/newsroom/articles/{blog}/live/{id}/delete"), &[])
        .await;
    assert_eq!(found(search("zeppelin").await), 0);
}

#[tokio::test]
async fn readers_following_a_live_blog_get_an_alert_for_each_new_key_event_once() {
    let app = spawn_app_with(|s| s.alerts.allow_private_endpoints = true).await;
    let blog = app.live_blog().await.to_string();
    let push = PushService::start().await;
    let (follower, subscription) = push.subscribe(&[]);
    let (_, breaking_only) = push.subscribe(&[]);
    app.subscribe_push(&subscription, &[&format!("liveblog:{blog}")]).await;
    app.subscribe_push(&breaking_only, &["breaking"]).await;
    let (_, editor) = app.signed_in(Role::Editor).await;
    post_entry(&editor, &blog, &[("body", "Not a key event.")]).await;
    let key = post_entry(
        &editor,
        &blog,
        &[
            ("title", "Ceasefire announced"),
            ("body", "Both sides confirmed it."),
            ("key_event", "on"),
        ],
    )
    .await;

    let received = push.wait_for(1).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].subscriber, follower);
    assert_eq!(received[0].message["title"], "Front line live: the day's updates");
    assert_eq!(received[0].message["body"], "Ceasefire announced");
    assert_eq!(received[0].message["url"], format!("/world/live/entries/{key}"));

    // Editing the key event again does not alert twice.
    let form = editor.page(&format!("/newsroom/articles/{blog}/live/{key}")).await;
    editor
        .post(
            &format!("/newsroom/articles/{blog}/live/{key}"),
            &[
                ("version", &version_on(&form)),
                ("title", "Ceasefire announced"),
                ("body", "Both sides confirmed it at noon."),
                ("key_event", "on"),
            ],
        )
        .await;
    // Nor does unmarking and marking it again.
    for key_event in ["", "on"] {
        let form = editor.page(&format!("/newsroom/articles/{blog}/live/{key}")).await;
        let response = editor
            .post(
                &format!("/newsroom/articles/{blog}/live/{key}"),
                &[
                    ("version", &version_on(&form)),
                    ("body", "Both sides confirmed it."),
                    ("key_event", key_event),
                ],
            )
            .await;
        assert_eq!(response.status(), 303);
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(push.received().len(), 1);
}

#[tokio::test]
async fn an_update_posted_through_one_instance_reaches_readers_connected_to_another() {
    let a = spawn_app().await;
    if !a.on_postgres() {
        eprintln!("single-instance SQLite: nothing to share between instances");
        return;
    }
    let b = a.second_instance().await;
    let blog = a.live_blog().await.to_string();
    let (_, writer) = a.signed_in(Role::Writer).await;
    assert!(b.page("/world/live").await.contains("No updates yet"));
    let mut events = b.events(&format!("/live/entries/{blog}")).await;
    post_entry(&writer, &blog, &[("body", "Posted through instance A.")]).await;
    let posted = events.next("entry", SOON).await;
    assert!(posted["html"].as_str().unwrap().contains("Posted through instance A."));
    assert!(
        b.page("/world/live").await.contains("Posted through instance A."),
        "no stale page on B"
    );
}

#[tokio::test]
async fn a_writer_changes_only_their_own_updates_and_leaves_pins_and_key_events_to_editors() {
    let app = spawn_app().await;
    let blog = app.live_blog().await.to_string();
    let (_, editor) = app.signed_in(Role::Editor).await;
    let (_, writer) = app.signed_in(Role::Writer).await;
    let editors = post_entry(&editor, &blog, &[("body", "The editor own words.")]).await;
    let own = post_entry(&writer, &blog, &[("body", "The writer first draft.")]).await;

    // Their own update: edited and deleted like any journalist's.
    let form = writer.page(&format!("/newsroom/articles/{blog}/live/{own}")).await;
    let edited = writer
        .post(
            &format!("/newsroom/articles/{blog}/live/{own}"),
            &[("version", &version_on(&form)), ("body", "The writer better words.")],
        )
        .await;
    assert_eq!(edited.status(), 303);

    // The editor's: neither edited, deleted nor pinned, and nothing changes.
    let form = editor.page(&format!("/newsroom/articles/{blog}/live/{editors}")).await;
    let hijack = writer
        .post(
            &format!("/newsroom/articles/{blog}/live/{editors}"),
            &[("version", &version_on(&form)), ("body", "Words put in another mouth.")],
        )
        .await;
    assert_eq!(hijack.status(), 403);
    assert!(
        hijack.text().await.unwrap().contains("Words put in another mouth."),
        "their text is kept"
    );
    for action in ["delete", "pin"] {
        let refused = writer
            .post(
                &format!("/newsroom/articles/{blog}/live/{editors}/{action}"),
                &[("pinned", "on")],
            )
            .await;
        assert_eq!(refused.status(), 403, "{action}");
    }

    // A key event alerts the blog's followers: that follows the alert permission.
    let key = writer
        .post(
            &format!("/newsroom/articles/{blog}/live"),
            &[
                ("title", "Breaking"),
                ("body", "A key event from a writer"),
                ("key_event", "on"),
            ],
        )
        .await;
    assert_eq!(key.status(), 403);
    let page = key.text().await.unwrap();
    assert!(
        page.contains("A key event from a writer"),
        "the composer keeps the text"
    );
    assert!(page.contains("ask an editor"));
    let desk = writer.page(&format!("/newsroom/articles/{blog}/live")).await;
    assert!(!desk.contains("id=\"e-key_event\""), "no key-event box for writers");

    let public = app.page("/world/live").await;
    assert!(public.contains("The editor own words."));
    assert!(public.contains("The writer better words."));
    assert!(!public.contains("Words put in another mouth."));
    assert!(!public.contains("A key event from a writer"));
}
