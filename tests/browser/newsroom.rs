use std::time::Duration;

use broadsheet::accounts::Role;

use crate::harness::Browser;
use crate::support::newsroom::{PASSWORD, png};
use crate::support::spawn_app;

/// `datetime-local` value for `seconds` from now, in the site's time zone.
fn local_in(seconds: i64) -> String {
    broadsheet::domain::Timestamp::now()
        .plus_seconds(seconds)
        .jiff()
        .to_zoned_datetime(jiff::tz::TimeZone::get("Europe/London").unwrap())
        .strftime("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

#[tokio::test]
async fn an_editor_writes_an_article_with_a_picture_schedules_it_a_minute_ahead_and_it_goes_live_at_its_time() {
    let app = spawn_app().await;
    let world = app.section("world", "World").await;
    let author = app.author("namita-singh", "Namita Singh").await;
    let editor = app.member(Role::Editor).await;
    let picture = app.dir.path().join("harbour.png");
    std::fs::write(&picture, png(1200, 700)).unwrap();
    let browser = Browser::open(&app).await;

    browser.sign_in(&editor.email, PASSWORD).await;
    browser.click("a[href='/newsroom/articles/new']").await;
    browser
        .fill("#field-headline", "Night ferry returns to the northern isles")
        .await;
    browser
        .fill("#field-standfirst", "The service resumes after a winter of repairs.")
        .await;
    browser
        .fill(
            "#field-body",
            "The first sailing left at 10pm.\n\nPassengers cheered on the quay.",
        )
        .await;
    browser.choose("#field-section", &world.to_string()).await;
    browser.choose("#author-1", &author.to_string()).await;
    browser.fill("#field-tags", "Transport, Islands").await;
    browser
        .fill("#field-picture_alt", "A ferry leaving a lit harbour at night")
        .await;
    browser
        .fill(
            "#field-picture_caption",
            "The ferry leaves on its first sailing since March.",
        )
        .await;
    browser.fill("#field-picture_credit", "Staff photographer").await;
    browser.attach("#picture", &picture).await;
    browser.click("button[value=save]").await;

    assert_eq!(browser.text(".nr-notice").await, "Saved.");
    assert!(browser.has(".nr-picture img").await, "the picture is attached");
    browser.set_value("#publish-at", &local_in(60)).await;
    browser.click("button[value=schedule]").await;
    assert_eq!(browser.text(".nr-notice").await, "Scheduled.");
    let path = "/world/night-ferry-returns-to-the-northern-isles";
    assert_eq!(app.get(path).await.status(), 404, "not public before its time");

    let mut waited = 0;
    while app.get(path).await.status() != 200 {
        assert!(waited < 90, "published within 90 seconds");
        tokio::time::sleep(Duration::from_secs(1)).await;
        waited += 1;
    }
    assert!(waited >= 50, "not published early ({waited} s)");
    browser.visit(path).await;
    assert_eq!(browser.text("h1").await, "Night ferry returns to the northern isles");
    assert_eq!(
        browser.text("figcaption").await,
        "The ferry leaves on its first sailing since March. (Staff photographer)"
    );
    browser.screenshot("newsroom-scheduled-article").await;
    browser.close().await;
}

#[tokio::test]
async fn two_editors_saving_one_article_get_a_conflict_and_nothing_is_lost() {
    let app = spawn_app().await;
    let world = app.section("world", "World").await;
    let alice = app.member(Role::Editor).await;
    let bob = app.member(Role::Editor).await;
    let first = Browser::open(&app).await;
    let second = Browser::open(&app).await;
    first.sign_in(&alice.email, PASSWORD).await;
    second.sign_in(&bob.email, PASSWORD).await;
    first.visit("/newsroom/articles/new").await;
    first.fill("#field-headline", "Budget talks stall").await;
    first.choose("#field-section", &world.to_string()).await;
    first.fill("#field-body", "Talks stalled on Tuesday.").await;
    first.click("button[value=save]").await;
    let edit = first.path().await;

    second.visit(&edit).await;
    first.fill("#field-body", "Talks stalled on Tuesday night.").await;
    first.click("button[value=save]").await;
    assert_eq!(first.text(".nr-notice").await, "Saved.");
    second.fill("#field-body", "Talks collapsed on Tuesday.").await;
    second.click("button[value=save]").await;

    assert!(
        second
            .text("#conflict-heading")
            .await
            .contains("Someone else saved this article")
    );
    assert!(
        second
            .text("#conflict")
            .await
            .contains("Talks stalled on Tuesday night."),
        "their version is shown"
    );
    assert_eq!(
        second.value("#field-body").await,
        "Talks collapsed on Tuesday.",
        "mine is still in the form"
    );
    second.screenshot("newsroom-conflict").await;
    second.click("button[value=save]").await;
    assert_eq!(
        second.text(".nr-notice").await,
        "Saved.",
        "a deliberate second save goes through"
    );
    first.close().await;
    second.close().await;
}

#[tokio::test]
async fn a_writer_cannot_publish_but_can_submit_for_review() {
    let app = spawn_app().await;
    let world = app.section("world", "World").await;
    let writer = app.member(Role::Writer).await;
    let browser = Browser::open(&app).await;
    browser.sign_in(&writer.email, PASSWORD).await;

    browser.visit("/newsroom/articles/new").await;
    browser.fill("#field-headline", "Writer's first draft").await;
    assert_eq!(
        browser.value("#field-slug").await,
        "writers-first-draft",
        "a slug is suggested as the headline is typed"
    );
    browser.choose("#field-section", &world.to_string()).await;
    assert!(
        !browser.has("button[value=publish]").await,
        "no Publish button for writers"
    );
    assert!(
        !browser.has("button[value=schedule]").await,
        "no Schedule button either"
    );
    browser.click("button[value=submit]").await;

    assert_eq!(browser.text(".nr-notice").await, "Submitted for review.");
    assert_eq!(browser.text(".nr-status").await, "In review");
    assert_eq!(app.get("/world/writers-first-draft").await.status(), 404);
    browser.close().await;
}

#[tokio::test]
async fn the_sign_in_page_and_the_editor_pass_axe_core() {
    let app = spawn_app().await;
    app.section("world", "World").await;
    let editor = app.member(Role::Editor).await;
    let browser = Browser::open(&app).await;

    browser.visit("/newsroom/login").await;
    browser.assert_accessible().await;
    browser.sign_in(&editor.email, PASSWORD).await;
    for path in [
        "/newsroom",
        "/newsroom/articles/new",
        "/newsroom/images",
        "/newsroom/account",
    ] {
        browser.visit(path).await;
        browser.assert_accessible().await;
    }
    browser.close().await;
}
