//! The donate flow in a real browser: the appeal in an article, the support
//! form, Stripe Checkout (a local stand-in), the thank-you page, the ledger
//! updated by the webhook, and the appeal hidden afterwards.

use broadsheet::db::sql;

use crate::harness::Browser;
use crate::support::spawn_app_with;
use crate::support::stripe::{self, FakeStripe};

#[tokio::test]
async fn a_reader_donates_from_an_article_and_is_not_asked_again() {
    let fake = FakeStripe::start().await;
    let origin = fake.origin.clone();
    let app = spawn_app_with(|s| {
        s.donations.stripe_secret_key = broadsheet::config::Secret::new(stripe::SECRET_KEY.into());
        s.donations.stripe_webhook_secret = broadsheet::config::Secret::new(stripe::WEBHOOK_SECRET.into());
        s.donations.stripe_api_base = origin.clone();
        s.donations.checkout_origin = origin;
        s.donations.appeal_after_paragraph = 1;
    })
    .await;
    fake.deliver_to(app.url("/stripe/webhook"));
    app.story().await;
    let browser = Browser::open(&app).await;

    browser.visit("/world/story").await;
    assert_eq!(
        browser
            .run("return document.querySelector('[data-appeal]').hidden")
            .await,
        false
    );
    // The appeal's button is legible (axe checks its contrast).
    browser.assert_accessible().await;
    browser.click("[data-appeal] a.button").await;
    assert_eq!(browser.path().await, "/support");
    browser.assert_accessible().await;
    browser.click_in_place("input[name=frequency][value=once]").await;
    browser.click_in_place("input[name=amount][value='2500']").await;
    browser.fill("#message", "From a reader in Leeds").await;
    browser.click(".support__form button[type=submit]").await;

    // Stripe's Checkout page (the stand-in), then back to the site.
    assert!(browser.path().await.starts_with("/pay/cs_test_"), "at Checkout");
    browser.click("#pay").await;
    browser.wait_for_path("/support/thanks").await;
    browser
        .wait_for_text("main", "Your donation of £25 keeps our journalism free", 5)
        .await;

    let (status, message): (String, String) = sql("SELECT status, message FROM donations")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(
        (status.as_str(), message.as_str()),
        ("paid", "From a reader in Leeds"),
        "the webhook updated the ledger"
    );

    browser.visit("/world/story").await;
    browser
        .wait_until("document.querySelector('[data-appeal]').hidden", 5)
        .await;
    browser.close().await;
}
