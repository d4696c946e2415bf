//! Donations against a local stand-in for Stripe: the support form, Checkout
//! Sessions, signed webhooks (replayed, out of order, forged, stale),
//! refunds, failed monthly payments, receipts, the newsroom's reports.

use broadsheet::accounts::Role;
use broadsheet::db::sql;
use serde_json::Value;

use crate::support::stripe::{self, FakeStripe, now};
use crate::support::{TestApp, spawn_app_with};

async fn donating_app() -> (TestApp, FakeStripe) {
    let fake = FakeStripe::start().await;
    let origin = fake.origin.clone();
    let app = spawn_app_with(|s| {
        s.donations.stripe_secret_key = broadsheet::config::Secret::new(stripe::SECRET_KEY.into());
        s.donations.stripe_webhook_secret = broadsheet::config::Secret::new(stripe::WEBHOOK_SECRET.into());
        s.donations.stripe_api_base = origin.clone();
        s.donations.checkout_origin = origin;
    })
    .await;
    fake.deliver_to(app.url("/stripe/webhook"));
    (app, fake)
}

/// Submits the support form; returns the response.
async fn give(app: &TestApp, fields: &[(&str, &str)]) -> reqwest::Response {
    app.client.post(app.url("/support")).form(fields).send().await.unwrap()
}

/// Gives and follows to Checkout; returns the session id.
async fn checkout(app: &TestApp, fields: &[(&str, &str)]) -> String {
    let response = give(app, fields).await;
    assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    location.rsplit('/').next().unwrap().to_owned()
}

async fn count(app: &TestApp, query: &'static str) -> i64 {
    sql(query).fetch_count(&app.state.db).await.unwrap()
}

async fn status_of(app: &TestApp, donation: &str) -> String {
    let id: uuid::Uuid = donation.parse().unwrap();
    let (status,): (String,) = sql("SELECT status FROM donations WHERE id = $1")
        .bind(id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    status
}

async fn net_received(app: &TestApp) -> i64 {
    let (net,): (i64,) =
        sql("SELECT CAST(COALESCE(SUM(amount_minor - refunded_minor), 0) AS BIGINT) FROM donation_payments")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    net
}

#[tokio::test]
async fn a_one_off_gift_goes_through_checkout_and_the_webhook_records_it_once() {
    let (app, fake) = donating_app().await;
    let article = app.story().await.to_string();
    let page = app.get("/support").await;
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains(&format!("form-action 'self' {}", fake.origin)), "{csp}");

    let session = checkout(
        &app,
        &[
            ("frequency", "once"),
            ("amount", "1000"),
            ("cover_fees", "on"),
            ("message", "Keep going"),
            ("from", &article),
        ],
    )
    .await;
    let sent = fake.session(&session);
    assert_eq!(sent["mode"], "payment");
    assert_eq!(sent["submit_type"], "donate");
    assert_eq!(
        sent["line_items[0][price_data][unit_amount]"], "1035",
        "£10 plus 1.5% and 20p"
    );
    assert_eq!(sent["line_items[0][price_data][currency]"], "gbp");
    assert!(sent["success_url"].ends_with("/support/thanks?session_id={CHECKOUT_SESSION_ID}"));
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM donations WHERE status = 'pending'").await,
        1
    );

    let (event, ids) = fake.completed(&session, now(), "donor@readers.example");
    let response = fake.send(&event).await;
    assert_eq!(response.status(), 200);
    assert_eq!(status_of(&app, &ids.donation).await, "paid");
    assert_eq!(net_received(&app).await, 1035);
    let receipt = app.email_to("donor@readers.example").await;
    assert!(receipt.contains("£10.35"), "{receipt}");

    // A replay changes nothing: one payment, one receipt.
    let replay: Value = fake.send(&event).await.json().await.unwrap();
    assert_eq!(replay["replay"], true);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM donation_payments").await, 1);
    assert_eq!(app.emails_to("donor@readers.example", 1).await.len(), 1);

    // The reader comes back to a thank-you page that hides the appeal for a while.
    let thanks = app.get(&format!("/support/thanks?session_id={session}")).await;
    assert!(
        thanks.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .starts_with("broadsheet_donated=1")
    );
    let text = thanks.text().await.unwrap();
    assert!(text.contains("Thank you") && text.contains("£10.35"), "{text}");

    // Refunded in part, then in full: the ledger follows, and the status says so.
    let intent = ids.payment_intent.clone().unwrap();
    fake.send(&fake.refunded(&intent, 1035, 500, now())).await;
    assert_eq!(net_received(&app).await, 535);
    fake.send(&fake.refunded(&intent, 1035, 1035, now() + 1)).await;
    assert_eq!(net_received(&app).await, 0);
    assert_eq!(status_of(&app, &ids.donation).await, "refunded");

    // The gift is attributed to the article the reader came from.
    let (from,): (Option<uuid::Uuid>,) = sql("SELECT article_id FROM donations")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(from.map(|a| a.to_string()), Some(article));
}

#[tokio::test]
async fn monthly_giving_is_paid_fails_is_cancelled_and_managed_through_the_portal() {
    let (app, fake) = donating_app().await;
    let session = checkout(&app, &[("frequency", "monthly"), ("amount", "500")]).await;
    let sent = fake.session(&session);
    assert_eq!(sent["mode"], "subscription");
    assert_eq!(sent["line_items[0][price_data][recurring][interval]"], "month");
    assert!(sent.contains_key("subscription_data[metadata][donation_id]"));

    let t = now() - 3600;
    let (event, ids) = fake.completed(&session, t, "monthly@readers.example");
    fake.send(&event).await;
    fake.send(&fake.invoice("invoice.paid", &ids, "in_first", t + 1, "monthly@readers.example"))
        .await;
    assert_eq!(status_of(&app, &ids.donation).await, "active");
    let receipt = app.email_to("monthly@readers.example").await;
    assert!(
        receipt.contains("monthly donation of £5") && receipt.contains("/support/manage?token="),
        "{receipt}"
    );

    // The receipt's link opens Stripe's customer portal for this donor.
    let token = receipt
        .split("token=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let portal = app.get(&format!("/support/manage?token={token}")).await;
    assert_eq!(portal.status(), 303);
    assert_eq!(
        portal.headers()["location"],
        format!("{}/portal/{}", fake.origin, ids.customer).as_str()
    );
    assert_eq!(app.get("/support/manage?token=nonsense").await.status(), 404);

    // A failed payment, then a successful retry, then cancellation.
    fake.send(&fake.invoice(
        "invoice.payment_failed",
        &ids,
        "in_second",
        t + 100,
        "monthly@readers.example",
    ))
    .await;
    assert_eq!(status_of(&app, &ids.donation).await, "past_due");
    fake.send(&fake.invoice("invoice.paid", &ids, "in_second", t + 200, "monthly@readers.example"))
        .await;
    assert_eq!(status_of(&app, &ids.donation).await, "active");
    assert_eq!(net_received(&app).await, 1000);
    fake.send(&fake.subscription_deleted(&ids, t + 300)).await;
    assert_eq!(status_of(&app, &ids.donation).await, "cancelled");

    let (_, editor) = app.signed_in(Role::Editor).await;
    let report = editor.page("/newsroom/donations").await;
    assert!(report.contains("£10"), "the month's total: {report}");
    assert!(report.contains("100.0%"), "one monthly donor of one lost: {report}");
    assert!(report.contains("<dd id=\"failed-30\">1</dd>"), "{report}");
}

#[tokio::test]
async fn events_in_any_order_give_the_same_ledger_which_can_be_derived_again() {
    let (app, fake) = donating_app().await;
    let monthly = checkout(&app, &[("frequency", "monthly"), ("amount", "1000")]).await;
    let once = checkout(&app, &[("frequency", "once"), ("amount", "2500")]).await;
    let t = now() - 600;
    let (m_completed, m) = fake.completed(&monthly, t, "a@readers.example");
    let (o_completed, o) = fake.completed(&once, t, "b@readers.example");
    let intent = o.payment_intent.clone().unwrap();
    // Cancellation, the refund and the invoice arrive before the checkout they belong to.
    let events = [
        fake.subscription_deleted(&m, t + 50),
        fake.invoice("invoice.paid", &m, "in_1", t + 1, "a@readers.example"),
        fake.refunded(&intent, 2500, 2500, t + 20),
        m_completed,
        o_completed,
    ];
    for event in &events {
        assert_eq!(fake.send(event).await.status(), 200);
    }
    assert_eq!(
        status_of(&app, &m.donation).await,
        "cancelled",
        "a late checkout event does not revive it"
    );
    assert_eq!(status_of(&app, &o.donation).await, "refunded");
    assert_eq!(net_received(&app).await, 1000);

    let (_, admin) = app.signed_in(Role::Admin).await;
    assert_eq!(admin.post("/newsroom/donations/rebuild", &[]).await.status(), 303);
    assert_eq!(status_of(&app, &m.donation).await, "cancelled");
    assert_eq!(status_of(&app, &o.donation).await, "refunded");
    assert_eq!(net_received(&app).await, 1000);

    // Unknown event types are acknowledged and ignored.
    let other = fake.event(
        "customer.created",
        now(),
        serde_json::json!({ "id": "cus_other", "object": "customer" }),
    );
    assert_eq!(fake.send(&other).await.status(), 200);
    assert_eq!(net_received(&app).await, 1000);
}

#[tokio::test]
async fn webhooks_without_a_valid_fresh_signature_are_refused_and_store_nothing() {
    let (app, fake) = donating_app().await;
    let session = checkout(&app, &[("frequency", "once"), ("amount", "1000")]).await;
    let (event, ids) = fake.completed(&session, now(), "x@readers.example");
    let unsigned = app
        .client
        .post(app.url("/stripe/webhook"))
        .header("content-type", "application/json")
        .body(event.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 400);
    assert_eq!(fake.send_signed(&event, "whsec_wrong", now()).await.status(), 400);
    assert_eq!(
        fake.send_signed(&event, stripe::WEBHOOK_SECRET, now() - 3600)
            .await
            .status(),
        400,
        "stale"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM stripe_events").await, 0);
    assert_eq!(status_of(&app, &ids.donation).await, "pending");
    assert_eq!(fake.send(&event).await.status(), 200);
    assert_eq!(status_of(&app, &ids.donation).await, "paid");
}

#[tokio::test]
async fn bad_amounts_and_an_unreachable_stripe_get_clear_answers_and_record_nothing() {
    let (app, fake) = donating_app().await;
    for (fields, expected) in [
        (
            vec![("frequency", "once"), ("custom_amount", "0.50")],
            "smallest donation we can take is £1",
        ),
        (
            vec![("frequency", "once"), ("custom_amount", "20000")],
            "largest donation we can take online is £10000",
        ),
        (
            vec![("frequency", "once"), ("custom_amount", "ten pounds")],
            "write one such as 12 or 12.50",
        ),
        (
            vec![("frequency", "once"), ("amount", "1000"), ("currency", "usd")],
            "in GBP only",
        ),
        (
            vec![("frequency", "weekly"), ("amount", "1000")],
            "Choose once or monthly",
        ),
    ] {
        let response = give(&app, &fields).await;
        assert_eq!(response.status(), 422, "{fields:?}");
        let page = response.text().await.unwrap();
        assert!(page.contains(expected), "{expected}: {page}");
    }
    // The reader's words are kept.
    let page = give(
        &app,
        &[
            ("frequency", "once"),
            ("custom_amount", "0.10"),
            ("message", "For the foreign desk"),
        ],
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(page.contains("For the foreign desk"));

    fake.go_down();
    let response = give(
        &app,
        &[("frequency", "once"), ("amount", "1000"), ("message", "Still here")],
    )
    .await;
    assert_eq!(response.status(), 503);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("could not reach our payment provider") && page.contains("Still here"),
        "{page}"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM donations").await,
        0,
        "nothing half-recorded"
    );
}

#[tokio::test]
async fn articles_carry_the_appeal_and_campaign_and_stay_free() {
    let (app, fake) = donating_app().await;
    let world = app.section("world", "World").await;
    let mut spec = crate::support::fixtures::ArticleSpec::new("long-read", world);
    spec.body = "One.\n\nTwo.\n\nThree.\n\nFour.\n\nFive.".into();
    let article = app.publish(spec).await;
    let (_, editor) = app.signed_in(Role::Editor).await;
    let ends = broadsheet::domain::Timestamp::now()
        .plus_seconds(10 * 86_400)
        .jiff()
        .to_string()[..10]
        .to_owned();
    let response = editor
        .post(
            "/newsroom/donations/campaigns",
            &[
                ("name", "Winter appeal"),
                ("goal", "100"),
                ("ends", &ends),
                ("on_appeal", "on"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let response = editor
        .post(
            "/newsroom/donations/appeal",
            &[("appeal_text", "Reporting from the front line costs money.")],
        )
        .await;
    assert_eq!(response.status(), 303);

    let session = checkout(
        &app,
        &[
            ("frequency", "once"),
            ("amount", "2500"),
            ("from", &article.to_string()),
        ],
    )
    .await;
    let (event, _) = fake.completed(&session, now(), "c@readers.example");
    fake.send(&event).await;

    let page = app.page("/world/long-read").await;
    let appeal = page.find("class=\"appeal\"").expect("the appeal is in the article");
    assert!(
        page.find("<p>Three.</p>").unwrap() < appeal && appeal < page.find("<p>Four.</p>").unwrap(),
        "after the third paragraph"
    );
    assert!(page.contains("Reporting from the front line costs money."));
    assert!(
        page.contains("Winter appeal") && page.contains("£25</span> raised of £100"),
        "campaign progress"
    );
    assert!(page.contains(&format!("/support?from={article}")));
    assert!(page.contains("\"isAccessibleForFree\":true"), "no paywall");
    let progress: Value = app.get("/support/progress").await.json().await.unwrap();
    assert_eq!(progress["percent"], 25);

    // Reports: editors and admins see them; only admins see the donors.
    let report = editor.page("/newsroom/donations").await;
    assert!(report.contains("Winter appeal") && report.contains("£25"), "{report}");
    assert_eq!(editor.get("/newsroom/donations/list").await.status(), 403);
    assert_eq!(editor.get("/newsroom/donations.csv").await.status(), 403);
    let (_, writer) = app.signed_in(Role::Writer).await;
    assert_eq!(writer.get("/newsroom/donations").await.status(), 403);
    let (_, admin) = app.signed_in(Role::Admin).await;
    let list = admin.page("/newsroom/donations/list").await;
    assert!(list.contains("c@readers.example"), "{list}");
    let csv = admin.get("/newsroom/donations.csv").await;
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with("id,created_at,kind,status,amount_minor"));
    assert!(
        csv.contains(",one_off,paid,2500,0,gbp,2500,0,\"c@readers.example\""),
        "{csv}"
    );
}

#[tokio::test]
async fn a_signed_in_donor_manages_monthly_giving_from_their_account() {
    let (app, fake) = donating_app().await;
    let reader = app.register("Giver").await;
    let response = app
        .client
        .post(app.url("/support"))
        .header("cookie", &reader.cookie)
        .form(&[("frequency", "monthly"), ("amount", "500")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let session = response.headers()["location"]
        .to_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(
        fake.session(&session)["customer_email"],
        reader.email,
        "Checkout knows the reader"
    );
    let (event, ids) = fake.completed(&session, now(), &reader.email);
    fake.send(&event).await;

    let account = reader.page("/account").await;
    assert!(account.contains("href=\"/support/manage\""), "{account}");
    let portal = reader.get("/support/manage").await;
    assert_eq!(portal.status(), 303);
    assert_eq!(
        portal.headers()["location"],
        format!("{}/portal/{}", fake.origin, ids.customer).as_str()
    );
    assert_eq!(
        app.get("/support/manage").await.status(),
        404,
        "signed out, there is nothing to manage"
    );
}

#[tokio::test]
async fn invoices_from_older_and_newer_stripe_api_versions_are_both_recorded() {
    let (app, fake) = donating_app().await;
    let session = checkout(&app, &[("frequency", "monthly"), ("amount", "500")]).await;
    let t = now() - 3600;
    let (event, ids) = fake.completed(&session, t, "versions@readers.example");
    fake.send(&event).await;
    fake.send(&fake.older_invoice("invoice.paid", &ids, "in_older", t + 1, "versions@readers.example"))
        .await;
    fake.send(&fake.invoice("invoice.paid", &ids, "in_newer", t + 2, "versions@readers.example"))
        .await;
    assert_eq!(net_received(&app).await, 1000, "both payments count");
    assert_eq!(status_of(&app, &ids.donation).await, "active");
}

#[tokio::test]
async fn an_event_missing_its_amount_is_kept_as_failed_for_admins_and_never_counted_as_money() {
    let (app, fake) = donating_app().await;
    let session = checkout(&app, &[("frequency", "monthly"), ("amount", "500")]).await;
    let t = now() - 3600;
    let (event, ids) = fake.completed(&session, t, "broken@readers.example");
    fake.send(&event).await;
    let mut broken = fake.invoice("invoice.paid", &ids, "in_broken", t + 1, "broken@readers.example");
    broken["data"]["object"].as_object_mut().unwrap().remove("amount_paid");
    let event_id = broken["id"].as_str().unwrap().to_owned();

    let answer = fake.send(&broken).await;
    assert_eq!(
        answer.status(),
        200,
        "acknowledged, so Stripe does not retry a body that cannot change"
    );
    let answer: Value = answer.json().await.unwrap();
    assert_eq!(answer["outcome"], "failed");
    assert_eq!(net_received(&app).await, 0, "no payment recorded, not even £0");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM donation_payments").await, 0);

    let (_, admin) = app.signed_in(Role::Admin).await;
    let dashboard = admin.page("/newsroom/donations").await;
    assert!(dashboard.contains("1 Stripe event could not be read"), "{dashboard}");
    let list = admin.page("/newsroom/donations/list").await;
    assert!(
        list.contains(&event_id) && list.contains("missing field `amount_paid`"),
        "{list}"
    );
    let (_, editor) = app.signed_in(Role::Editor).await;
    assert!(
        !editor.page("/newsroom/donations").await.contains("could not be read"),
        "admins only"
    );

    // Rebuilding reads it again; it stays out of the money.
    assert_eq!(admin.post("/newsroom/donations/rebuild", &[]).await.status(), 303);
    assert_eq!(net_received(&app).await, 0);
    assert!(admin.page("/newsroom/donations/list").await.contains(&event_id));
}
