//! Getting into the newsroom without an admin typing anyone's password: a
//! forgotten password reset from an emailed link, and an invitation that is
//! emailed, sent again and accepted, each clicked through in a real browser.

use broadsheet::accounts::Role;

use crate::harness::Browser;
use crate::support::newsroom::PASSWORD;
use crate::support::readers::link_in;
use crate::support::{BASE_URL, spawn_app};

#[tokio::test]
async fn a_staff_member_who_forgot_their_password_sets_a_new_one_from_the_emailed_link() {
    let app = spawn_app().await;
    let member = app.member(Role::Writer).await;
    let new_password = "a brand new passphrase";
    let browser = Browser::open(&app).await;

    browser.visit("/newsroom/login").await;
    browser.click("a[href='/newsroom/password/forgot']").await;
    assert_eq!(browser.text("h1").await, "Forgotten your password?");
    browser.assert_accessible().await;
    browser.fill("#email", &member.email).await;
    browser.click("button[type=submit]").await;
    assert_eq!(browser.text("h1").await, "Check your email");
    assert!(
        browser
            .text("[role=status]")
            .await
            .contains("a link to choose a new password is on its way"),
        "the page says the link is on its way"
    );

    let link = link_in(&app.email_to(&member.email).await);
    assert!(link.starts_with("/newsroom/password/reset/"), "{link}");
    browser.visit(&link).await;
    assert_eq!(browser.text("h1").await, "Choose a new password");
    browser.assert_accessible().await;
    browser.fill("#password", new_password).await;
    browser.click("button[type=submit]").await;

    assert_eq!(browser.path().await, "/newsroom/login");
    assert_eq!(
        browser.text(".nr-notice").await,
        "Your new password is set. Sign in with it."
    );
    browser.fill("#email", &member.email).await;
    browser.fill("#password", new_password).await;
    browser.click("button[type=submit]").await;
    browser.wait_for_path("/newsroom").await;
    assert!(
        browser.text(".nr-header__who").await.contains("Test writer"),
        "signed in as themselves"
    );

    // The link works once: opened again, it says so at once, before any password is typed.
    browser.visit(&link).await;
    assert_eq!(browser.text("h1").await, "This link has expired");
    assert!(!browser.has("#password").await);
    browser.close().await;
}

#[tokio::test]
async fn an_invitation_is_emailed_sent_again_and_accepted_in_the_browser() {
    let app = spawn_app().await;
    let admin = app.member(Role::Admin).await;
    let desk = Browser::open(&app).await;
    desk.sign_in(&admin.email, PASSWORD).await;
    desk.click("a[href='/newsroom/staff']").await;
    assert_eq!(desk.text("h1").await, "Staff");
    desk.assert_accessible().await;

    desk.fill("#i-name", "Kit Adler").await;
    desk.fill("#i-email", "kit@news.example").await;
    desk.choose("#i-role", "editor").await;
    desk.click("form[action='/newsroom/staff/invite'] button[type=submit]")
        .await;
    assert!(
        desk.text(".nr-notice")
            .await
            .starts_with("Invitation created and emailed to them."),
        "the admin is told it went"
    );
    let email = app.email_to("kit@news.example").await;
    assert!(email.contains("Hello Kit Adler"), "{email}");
    let first = link_in(&email);
    assert!(first.starts_with("/newsroom/invite/"), "{first}");
    assert_eq!(
        desk.text("#invite-link").await,
        format!("{BASE_URL}{first}"),
        "the admin sees the link that was emailed"
    );
    assert!(
        desk.text("#invitations").await.contains("kit@news.example"),
        "the invitation is listed as waiting"
    );
    desk.assert_accessible().await;

    desk.click("#invitations form[action$='/resend'] button").await;
    assert!(
        desk.text(".nr-notice").await.starts_with("Sent again with a new link"),
        "the admin is told it went again"
    );
    let emails = app.emails_to("kit@news.example", 2).await;
    let second = link_in(emails.last().expect("a second email"));
    assert_ne!(first, second, "a new link is sent");
    assert_eq!(desk.text("#invite-link").await, format!("{BASE_URL}{second}"));

    let invitee = Browser::open(&app).await;
    invitee.visit(&first).await;
    assert!(
        invitee
            .text("main")
            .await
            .contains("This invitation has been used or has expired."),
        "the first link is dead"
    );
    assert!(!invitee.has("#password").await, "no join form behind a dead link");

    invitee.visit(&second).await;
    assert_eq!(invitee.text("h1").await, "Join the newsroom");
    assert!(invitee.text("main").await.contains("kit@news.example"));
    assert_eq!(invitee.value("#name").await, "Kit Adler");
    invitee.assert_accessible().await;
    invitee.fill("#password", "kit's own long passphrase").await;
    invitee.click("button[type=submit]").await;
    invitee.wait_for_path("/newsroom").await;
    let who = invitee.text(".nr-header__who").await;
    assert!(who.contains("Kit Adler") && who.contains("(editor)"), "{who}");

    desk.visit("/newsroom/staff").await;
    assert!(
        desk.text("table.nr-table tbody").await.contains("kit@news.example"),
        "the new member is listed"
    );
    assert!(!desk.has("#invitations").await, "no invitation waits any more");
    invitee.close().await;
    desk.close().await;
}
