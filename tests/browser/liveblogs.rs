//! A reader keeps a live blog open while journalists post from the live desk.

use broadsheet::accounts::Role;

use crate::harness::Browser;
use crate::support::newsroom::{PASSWORD, version_on};
use crate::support::spawn_app;

#[tokio::test]
async fn a_reader_sees_updates_arrive_and_one_who_scrolled_down_gets_a_new_updates_button_instead() {
    let app = spawn_app().await;
    let blog = app.live_blog().await;
    let editor = app.member(Role::Editor).await;
    let desk = Browser::open(&app).await;
    desk.sign_in(&editor.email, PASSWORD).await;
    desk.visit(&format!("/newsroom/articles/{blog}/live")).await;

    let reader = Browser::open(&app).await;
    reader.resize(800, 600).await;
    reader.visit("/world/live").await;
    reader.wait_for_text("#live-entries", "No updates yet", 2).await;

    // Posted from the desk's composer, which stays open and empties itself.
    desk.fill("#e-title", "Polls open").await;
    desk.fill("#e-body", "Queues formed before dawn at the central station.")
        .await;
    desk.click_in_place("#e-key_event").await;
    desk.click_in_place("#composer button[type=submit]").await;
    desk.wait_for_text("#composer-status", "Posted.", 3).await;
    assert_eq!(
        desk.value("#e-body").await,
        "",
        "the composer is ready for the next one"
    );
    desk.wait_for_text("#desk-entries", "Polls open", 3).await;

    // A reader at the top sees it appear in place, and in the key events.
    reader
        .wait_for_text("#live-entries", "Queues formed before dawn", 3)
        .await;
    reader.wait_for_text("#live-top", "Polls open", 2).await;

    // Enough updates to scroll through, then the reader scrolls down.
    for n in 0..12 {
        desk.fill(
            "#e-body",
            &format!("An earlier update, number {n}, with enough words to take up some room on the page."),
        )
        .await;
        desk.click_in_place("#composer button[type=submit]").await;
        desk.wait_until("document.getElementById('e-body').value === ''", 3)
            .await;
    }
    reader.wait_for_text("#live-entries", "number 11", 5).await;
    reader
        .run("window.scrollTo(0, document.body.scrollHeight); return true;")
        .await;
    reader
        .wait_until(
            "document.getElementById('live-entries').getBoundingClientRect().top < 0",
            3,
        )
        .await;
    let before = reader.run("return window.scrollY;").await;

    desk.fill("#e-body", "Turnout passes forty per cent by noon.").await;
    desk.click_in_place("#composer button[type=submit]").await;
    desk.wait_until("document.getElementById('e-body').value === ''", 3)
        .await;
    desk.fill("#e-body", "Counting will start at ten tonight.").await;
    desk.click_in_place("#composer button[type=submit]").await;

    reader.wait_for_text("#live-new button", "2 new updates", 5).await;
    assert_eq!(
        reader.run("return window.scrollY;").await,
        before,
        "the page did not move"
    );
    assert!(
        !reader.text("#live-entries").await.contains("Turnout passes"),
        "they wait behind the button"
    );
    reader.click_in_place("#live-new button").await;
    reader.wait_for_text("#live-entries", "Counting will start", 2).await;
    let first = reader.text("#live-entries .entry:first-child").await;
    assert!(first.contains("Counting will start"), "the newest is on top: {first}");
    desk.close().await;
    reader.close().await;
}

#[tokio::test]
async fn an_update_permalink_opens_the_live_blog_scrolled_to_that_update() {
    let app = spawn_app().await;
    let blog = app.live_blog().await.to_string();
    let (_, writer) = app.signed_in(Role::Writer).await;
    let mut target = String::new();
    for n in 0..25 {
        let response = writer
            .post(
                &format!("/newsroom/articles/{blog}/live"),
                &[(
                    "body",
                    format!("Update {n}: a paragraph long enough to need some room on a phone screen.").as_str(),
                )],
            )
            .await;
        assert_eq!(response.status(), 303);
        if n == 3 {
            target = app.page("/world/live").await.split("id=\"entry-").nth(1).unwrap()[..36].to_owned();
        }
    }
    let reader = Browser::open(&app).await;
    reader.resize(800, 600).await;
    reader.visit(&format!("/world/live/entries/{target}")).await;
    reader
        .wait_until(&format!("location.hash === '#entry-{target}'"), 3)
        .await;
    let visible = reader
        .run(&format!(
            "const r = document.getElementById('entry-{target}').getBoundingClientRect(); \
             return r.top >= 0 && r.top < window.innerHeight;"
        ))
        .await;
    assert_eq!(visible, true, "the update is in view");
    assert!(reader.text(&format!("#entry-{target}")).await.contains("Update 3:"));
    reader.close().await;
}

#[tokio::test]
async fn a_reader_whose_connection_dropped_catches_up_with_edits_and_deletions() {
    let app = spawn_app().await;
    let blog = app.live_blog().await.to_string();
    let desk = format!("/newsroom/articles/{blog}/live");
    {
        let (_, writer) = app.signed_in(Role::Writer).await;
        for body in [
            "Shelling reported near the port.",
            "Power is back in the east of the city.",
        ] {
            assert_eq!(writer.post(&desk, &[("body", body)]).await.status(), 303);
        }
    }
    let ids: Vec<String> = app
        .page("/world/live")
        .await
        .split("id=\"entry-")
        .skip(1)
        .map(|rest| rest[..36].to_owned())
        .collect();
    let (power, shelling) = (ids[0].clone(), ids[1].clone());
    let reader = Browser::open(&app).await;
    reader.visit("/world/live").await;
    reader.wait_for_text("#live-entries", "Shelling reported", 3).await;

    // The site goes away and comes back elsewhere: the reader's page keeps
    // trying its old address while the desk corrects one update and deletes another.
    let home = app.address.trim_start_matches("http://").to_owned();
    let app = app.restart_on("127.0.0.1:0").await;
    {
        let (_, editor) = app.signed_in(Role::Editor).await;
        let form = editor.page(&format!("{desk}/{shelling}")).await;
        let edited = editor
            .post(
                &format!("{desk}/{shelling}"),
                &[
                    ("version", &version_on(&form)),
                    ("body", "Shelling reported near the ferry terminal."),
                ],
            )
            .await;
        assert_eq!(edited.status(), 303);
        assert_eq!(editor.post(&format!("{desk}/{power}/delete"), &[]).await.status(), 303);
        let posted = editor
            .post(&desk, &[("body", "Schools will stay shut tomorrow.")])
            .await;
        assert_eq!(posted.status(), 303);
    }
    let app = app.restart_on(&home).await;

    // Reconnected, the page brings itself up to date without a reload.
    reader
        .wait_for_text("#live-entries", "Schools will stay shut", 15)
        .await;
    reader
        .wait_for_text("#live-entries", "near the ferry terminal", 2)
        .await;
    let shown = reader.text("#live-entries").await;
    assert!(!shown.contains("Power is back"), "the deleted update is gone: {shown}");
    assert!(!shown.contains("near the port."), "the old wording is gone: {shown}");
    reader.close().await;
    drop(app);
}
