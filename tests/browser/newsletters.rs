//! A reader signs up for a newsletter from under a story, confirms by the
//! emailed link, gets the edition through a real relay (Postfix's
//! smtp-sink) and leaves from the link in the email.

use broadsheet::accounts::Role;

use crate::harness::Browser;
use crate::support::readers::link_in;
use crate::support::smtp_sink::Sink;
use crate::support::{BASE_URL, spawn_app_with};

#[tokio::test]
async fn a_reader_signs_up_under_a_story_confirms_gets_the_edition_and_leaves() {
    let sink = Sink::start().await;
    let relay = sink.url();
    let app = spawn_app_with(move |s| s.newsletters.smtp_url = broadsheet::config::Secret::new(relay)).await;
    app.story().await;
    let (_, desk) = app.signed_in(Role::Editor).await;
    let created = desk
        .post(
            "/newsroom/newsletters",
            &[
                ("name", "Morning Briefing"),
                ("description", "The news before breakfast."),
                ("frequency", "Every weekday"),
            ],
        )
        .await;
    let newsletter = created.headers()["location"]
        .to_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();

    let browser = Browser::open(&app).await;
    browser.visit("/world/story").await;
    assert!(
        browser
            .text(".newsletter-signup")
            .await
            .contains("Get Morning Briefing by email")
    );
    browser.assert_accessible().await;
    browser.fill("#newsletter-email", "reader@readers.example").await;
    browser.click(".newsletter-signup button[type=submit]").await;
    assert_eq!(browser.path().await, "/newsletters/morning-briefing");
    browser.wait_for_text("main", "we have emailed you a link", 5).await;

    let link = link_in(&app.email_to("reader@readers.example").await);
    browser.visit(&link).await;
    browser.click("main button[type=submit]").await;
    browser.wait_for_text("main", "You are signed up", 5).await;

    let written = desk
        .post(
            &format!("/newsroom/newsletters/{newsletter}/editions"),
            &[("subject", "Good morning"), ("body", "The talks resume at noon.")],
        )
        .await;
    let edition = written.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/newsroom/editions/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(
        desk.post(&format!("/newsroom/editions/{edition}/send"), &[])
            .await
            .status(),
        303
    );
    let taken = sink.wait_for(1).await;
    let (text, _) = taken[0].bodies();
    assert!(text.contains("The talks resume at noon."));
    let leave = text
        .split_whitespace()
        .find(|w| w.starts_with(&format!("{BASE_URL}/newsletters/leave/")))
        .expect("an unsubscribe link in the email");

    browser.visit(leave.trim_start_matches(BASE_URL)).await;
    browser.assert_accessible().await;
    browser.click("main button[type=submit]").await;
    browser
        .wait_for_text("main", "You will get no more Morning Briefing emails", 5)
        .await;
    let page = desk.page(&format!("/newsroom/newsletters/{newsletter}")).await;
    assert!(page.contains("0 subscribers"), "{page}");
    browser.close().await;
}
