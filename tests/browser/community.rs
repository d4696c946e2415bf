use std::time::Duration;

use broadsheet::accounts::Role;

use crate::harness::Browser;
use crate::support::spawn_app;

const FORUM: &str = "/world/story/comments";

#[tokio::test]
async fn two_readers_converse_live_follow_each_other_and_a_moderator_removes_a_comment() {
    let app = spawn_app().await;
    let article = app.story().await;
    let a = Browser::open(&app).await;
    let b = Browser::open(&app).await;

    // B is already reading the forum.
    b.register("Bo Reader", "bo@readers.example", FORUM).await;

    // A starts writing while signed out, registers from the page, and keeps the text.
    a.visit(FORUM).await;
    a.fill("#comment-body", "Kyiv's estimate of 11,000 troops is striking.")
        .await;
    a.click(".forum__form-actions a[href^='/account/register']").await;
    a.fill("#display_name", "Ana Reader").await;
    a.fill("#email", "ana@readers.example").await;
    a.fill("#password", crate::support::readers::READER_PASSWORD).await;
    a.click("button[type=submit]").await;
    a.wait_for_path(FORUM).await;
    a.wait_for_text("#account-links", "Ana Reader", 5).await;
    assert_eq!(
        a.value("#comment-body").await,
        "Kyiv's estimate of 11,000 troops is striking.",
        "the half-written comment survived"
    );
    a.click_in_place(".forum__form button[type=submit]").await;

    // B sees it arrive without reloading.
    let took = b
        .wait_for_text("#comment-list", "Kyiv's estimate of 11,000 troops", 5)
        .await;
    assert!(took < Duration::from_secs(3), "live within seconds ({took:?})");
    b.wait_for_text("#comment-count", "(1 comment)", 2).await;

    // B replies in place, under the comment.
    b.click_in_place("#comment-list .comment__reply").await;
    b.fill(
        ".forum__form--reply textarea",
        "Agreed, and it matches the casualty reports.",
    )
    .await;
    b.click_in_place(".forum__form--reply button[type=submit]").await;
    b.wait_for_text("#comment-list .comments--replies", "Agreed, and it matches", 5)
        .await;
    assert_eq!(b.path().await, FORUM, "the reply was posted without leaving the page");

    // A's header announces it; the inbox says who replied.
    a.visit("/").await;
    a.wait_for_text("#inbox-link", "Notifications (1)", 5).await;
    a.click("#inbox-link").await;
    assert!(a.text("#inbox").await.contains("Bo Reader replied to your comment"));

    // A follows B and hears of B's next comment.
    a.visit(FORUM).await;
    a.click("a.comment__author[href^='/readers/']:not([href$='ana'])").await;
    if a.text("h1").await != "Bo Reader" {
        a.visit(FORUM).await;
        let links = a.run("return Array.from(document.querySelectorAll('a.comment__author')).map(l => [l.textContent, l.getAttribute('href')]);").await;
        let href = links.as_array().unwrap().iter().find(|l| l[0] == "Bo Reader").unwrap()[1]
            .as_str()
            .unwrap()
            .to_owned();
        a.visit(&href).await;
    }
    a.click("#follow-button").await;
    assert!(a.text("#follow-button").await.starts_with("Unfollow"));
    b.visit(FORUM).await;
    b.fill("#comment-body", "A separate point about the drones.").await;
    b.click_in_place(".forum__form button[type=submit]").await;
    b.wait_for_text("#comment-list", "A separate point about the drones.", 5)
        .await;
    a.visit("/account/notifications").await;
    assert!(a.text("#inbox").await.contains("Bo Reader, whom you follow, commented"));

    // Both have the forum open; a moderator rejects A's comment and it goes from both.
    a.visit(FORUM).await;
    b.visit(FORUM).await;
    let (id,): (uuid::Uuid,) = broadsheet::db::sql("SELECT id FROM comments WHERE body LIKE 'Kyiv%'")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let (_, moderator) = app.signed_in(Role::Moderator).await;
    let _ = article;
    assert_eq!(
        moderator
            .post(&format!("/newsroom/moderation/comments/{id}/reject"), &[])
            .await
            .status(),
        303
    );
    for browser in [&a, &b] {
        browser
            .wait_until(
                "!document.getElementById('comment-list').textContent.includes(\"Kyiv's estimate\")",
                5,
            )
            .await;
    }
    a.screenshot("forum-after-moderation").await;
    a.close().await;
    b.close().await;
}

/// The story's own page carries the conversation: a signed-in reader posts
/// and replies there without leaving it.
#[tokio::test]
async fn a_reader_comments_and_replies_under_the_story_without_leaving_it() {
    let app = spawn_app().await;
    let article = app.story().await;
    let cai = app.register("Cai Reader").await;
    let first = cai.comment_id(&article, None, "The first word on the assault.").await;

    let dee = Browser::open(&app).await;
    dee.register("Dee Reader", "dee@readers.example", "/world/story").await;
    dee.wait_for_path("/world/story").await;
    dee.wait_for_text("#account-links", "Dee Reader", 5).await;
    assert!(
        dee.text("#comments #comment-list")
            .await
            .contains("The first word on the assault.")
    );
    assert!(
        !dee.has("[data-signed-out]:not([hidden])").await,
        "no sign-in hint for a signed-in reader"
    );

    dee.fill("#comment-body", "Posted from the story itself.").await;
    dee.click_in_place("#comments .forum__form button[type=submit]").await;
    dee.wait_for_text("#comment-list", "Posted from the story itself.", 5)
        .await;
    assert_eq!(
        dee.value("#comment-body").await,
        "",
        "the box is emptied for the next comment"
    );

    dee.click_in_place(&format!("#comment-{first} > .comment__card .comment__reply"))
        .await;
    dee.fill(&format!("#reply-to-{first}"), "And a reply, in place.").await;
    dee.click_in_place(&format!("#comment-{first} .forum__form--reply button[type=submit]"))
        .await;
    dee.wait_for_text(
        &format!("#comment-{first} .comments--replies"),
        "And a reply, in place.",
        5,
    )
    .await;
    assert_eq!(dee.path().await, "/world/story", "never left the story");
    assert!(!dee.has(".forum__form--reply").await, "the reply box closed");
    dee.assert_accessible().await;

    // It is a reply for real: Cai is told.
    let inbox = cai.get("/account/notifications").await.text().await.unwrap();
    assert!(inbox.contains("Dee Reader replied to your comment"), "{inbox}");
    dee.close().await;
}

#[tokio::test]
async fn a_reader_who_has_scrolled_sees_a_new_comments_button_instead_of_a_jump() {
    let app = spawn_app().await;
    let article = app.story().await;
    let writers = [
        app.register("One").await,
        app.register("Two").await,
        app.register("Three").await,
        app.register("Four").await,
        app.register("Five").await,
    ];
    for n in 0..20 {
        writers[n % 5]
            .comment_id(
                &article,
                None,
                &format!("An earlier comment, number {n}, long enough to take some room on the page."),
            )
            .await;
    }
    let reader = Browser::open(&app).await;
    reader.resize(800, 600).await;
    reader.visit(FORUM).await;
    reader
        .run("window.scrollTo(0, document.body.scrollHeight); return true;")
        .await;
    reader
        .wait_until(
            "document.getElementById('comment-list').getBoundingClientRect().top < 0",
            3,
        )
        .await;
    let before = reader.run("return window.scrollY;").await;

    let late = app.register("Late").await;
    late.comment_id(&article, None, "A brand-new comment").await;

    reader.wait_for_text("#new-comments button", "1 new comment", 5).await;
    assert_eq!(
        reader.run("return window.scrollY;").await,
        before,
        "the page did not move"
    );
    assert!(
        !reader.text("#comment-list").await.contains("A brand-new comment"),
        "it waits behind the button"
    );
    reader.click_in_place("#new-comments button").await;
    reader.wait_for_text("#comment-list", "A brand-new comment", 2).await;
    assert_eq!(
        reader
            .run("return document.getElementById('new-comments').hidden;")
            .await,
        true
    );
    reader.close().await;
}

#[tokio::test]
async fn markup_in_comments_and_names_stays_inert_in_the_browser() {
    let app = spawn_app().await;
    let article = app.story().await;
    let payloads = [
        "<script>window.__xss = 1</script>",
        "<img src=x onerror=\"window.__xss = 2\">",
        "\"><svg onload=\"window.__xss = 3\">",
        "<a href=\"javascript:window.__xss = 4\">click</a>",
        "https://x.org/\"onmouseover=\"window.__xss=5\"",
    ];
    let evil = app.register("<img src=y onerror=\"window.__xss = 6\">").await;
    let other = app.register("Plain Name").await;
    for (n, payload) in payloads.iter().enumerate() {
        let author = if n % 2 == 0 { &evil } else { &other };
        author.comment_id(&article, None, payload).await;
    }
    let browser = Browser::open(&app).await;

    browser.visit(FORUM).await;
    browser.run("for (const a of document.querySelectorAll('#comment-list a')) { a.dispatchEvent(new MouseEvent('mouseover', { bubbles: true })); } return true;").await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    assert_eq!(
        browser.run("return window.__xss === undefined;").await,
        true,
        "no payload ran"
    );
    let text = browser.text("#comment-list").await;
    for payload in payloads {
        assert!(
            text.contains(payload.trim_start_matches("https://x.org/")),
            "{payload} is shown as text"
        );
    }
    assert!(
        text.contains("<img src=y onerror=\"window.__xss = 6\">"),
        "the name is shown as text"
    );
    browser.assert_accessible().await;
    browser.close().await;
}

#[tokio::test]
async fn a_moderator_clears_the_held_queue_with_keyboard_shortcuts() {
    let app = spawn_app().await;
    let article = app.story().await;
    broadsheet::db::sql("UPDATE articles SET comments = 'premoderated' WHERE id = $1")
        .bind(article)
        .execute(&app.state.db)
        .await
        .unwrap();
    let ada = app.register("Ada").await;
    ada.comment(&article, None, "Please approve me").await;
    ada.comment(&article, None, "Please reject me").await;
    let moderator = app.member(Role::Moderator).await;
    let browser = Browser::open(&app).await;
    browser.visit("/newsroom/login").await;
    browser.fill("#email", &moderator.email).await;
    browser.fill("#password", crate::support::newsroom::PASSWORD).await;
    browser.click("button[type=submit]").await;
    browser.wait_for_path("/newsroom/moderation").await;

    browser.visit("/newsroom/moderation?queue=held").await;
    browser.assert_accessible().await;
    assert!(
        browser
            .text("#queue .nr-queue__item:first-child")
            .await
            .contains("Please approve me")
    );
    browser.press("a").await;
    browser.wait_for_text(".nr-notice", "Approved", 5).await;
    browser.press("r").await;
    browser.wait_for_text(".nr-notice", "Rejected", 5).await;
    assert!(browser.has("#queue-empty").await, "the queue is empty");

    let forum = app.page(FORUM).await;
    assert!(forum.contains("Please approve me") && !forum.contains("Please reject me"));
    browser.close().await;
}
