//! Web Push alerts end to end: browsers subscribe with topics, the newsroom
//! sends, and a local push service checks every request's VAPID token and
//! decrypts every message with the subscription's private key.

use std::time::Duration;

use broadsheet::accounts::Role;
use serde_json::{Value, json};

use crate::support::push::PushService;
use crate::support::{TestApp, spawn_app, spawn_app_with};

/// Push services on loopback are allowed, and the plain-http ones speak HTTP/2
/// (as every real push service does), so the push client's HTTP/2 is what runs.
async fn alerting_app(configure: impl FnOnce(&mut broadsheet::Settings)) -> TestApp {
    spawn_app_with(|s| {
        s.alerts.allow_private_endpoints = true;
        s.alerts.http2_prior_knowledge = true;
        configure(s);
    })
    .await
}

/// Push services are reached over TLS (HTTP/2 by ALPN where offered), trusting
/// the test push service's certificate authority; one story is published.
async fn tls_alerting_app() -> TestApp {
    let app = alerting_app(|s| {
        s.alerts.http2_prior_knowledge = false;
        s.alerts.extra_root_certificates =
            Some(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/push-tls/ca.pem").into());
    })
    .await;
    app.story().await;
    app
}

async fn post_json(app: &TestApp, path: &str, body: &Value) -> reqwest::Response {
    // As the page script sends it: errors come back as problem+json.
    app.client
        .post(app.url(path))
        .header("accept", "application/json")
        .json(body)
        .send()
        .await
        .expect("answered")
}

async fn stats(session: &crate::support::newsroom::Session<'_>, alert: &str) -> Value {
    session
        .get(&format!("/newsroom/alerts/{alert}/stats"))
        .await
        .json()
        .await
        .unwrap()
}

/// Waits until the alert has gone out to everyone (at most 30 s).
async fn wait_until_sent(session: &crate::support::newsroom::Session<'_>, alert: &str) -> Value {
    for _ in 0..600 {
        let figures = stats(session, alert).await;
        if figures["status"] == "sent" {
            return figures;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the alert never finished: {}", stats(session, alert).await);
}

#[tokio::test]
async fn subscribers_get_the_alert_of_their_topics_encrypted_for_them_alone() {
    let app = alerting_app(|_| {}).await;
    app.story().await;
    app.section("sport", "Sport").await;
    let push = PushService::start().await;
    let (breaking, s1) = push.subscribe(&[]);
    let (sport_only, s2) = push.subscribe(&[]);
    let (both, s3) = push.subscribe(&[]);
    app.subscribe_push(&s1, &["breaking"]).await;
    app.subscribe_push(&s2, &["section:sport"]).await;
    app.subscribe_push(&s3, &["breaking", "section:sport"]).await;

    let (_, editor) = app.signed_in(Role::Editor).await;
    let alert = editor.send_alert("Ceasefire agreed after talks", "breaking").await;
    let figures = wait_until_sent(&editor, &alert).await;
    assert_eq!(figures["queued"], 2);
    assert_eq!(figures["delivered"], 2);
    assert!(figures["first_delivery_ms"].as_i64().unwrap() < 1000, "{figures}");

    assert!(push.problems().is_empty(), "{:?}", push.problems());
    let got = push.received();
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(
        push.received_by(sport_only).is_empty(),
        "a sport-only reader gets no breaking news"
    );
    for subscriber in [breaking, both] {
        let message = &push.received_by(subscriber)[0];
        assert_eq!(message.message["title"], "Ceasefire agreed after talks");
        assert_eq!(message.message["body"], "Read the full story on the site.");
        assert_eq!(message.message["url"], "/world/story");
        assert_eq!(message.message["id"], alert.as_str());
        assert_eq!(message.urgency, "high");
        assert_eq!(message.ttl, 3600);
        assert!(message.http2, "sent over HTTP/2");
        let topic = message.topic.clone().expect("a Topic header");
        assert!(
            topic.len() <= 32 && topic.bytes().all(|b| b.is_ascii_alphanumeric()),
            "{topic}"
        );
    }

    // A section alert reaches only that section's followers.
    let alert = editor.send_alert("Cup final goes to extra time", "section:sport").await;
    wait_until_sent(&editor, &alert).await;
    assert_eq!(push.received_by(sport_only).len(), 1);
    assert_eq!(push.received_by(both).len(), 2);
    assert_eq!(push.received_by(breaking).len(), 1);

    // Opening the alert is counted.
    let response = app
        .client
        .post(app.url(&format!("/alerts/{alert}/click")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(stats(&editor, &alert).await["clicks"], 1);
    let desk = editor.page("/newsroom/alerts").await;
    assert!(
        desk.contains("Cup final goes to extra time") && desk.contains("2 of 2"),
        "{desk}"
    );
}

#[tokio::test]
async fn push_services_over_tls_get_http2_where_they_offer_it_and_http1_where_not() {
    let app = tls_alerting_app().await;
    let modern = PushService::start_tls(&["h2", "http/1.1"]).await;
    let older = PushService::start_tls(&["http/1.1"]).await;
    let plain = PushService::start().await;
    let mut subscribers = Vec::new();
    for service in [&modern, &older, &plain] {
        for _ in 0..3 {
            let (id, subscription) = service.subscribe(&[]);
            app.subscribe_push(&subscription, &["breaking"]).await;
            subscribers.push((service, id));
        }
    }
    let (_, gone) = modern.subscribe(&[410]);
    app.subscribe_push(&gone, &["breaking"]).await;

    let (_, editor) = app.signed_in(Role::Editor).await;
    let alert = editor.send_alert("Bridge reopens after repairs", "breaking").await;
    let figures = wait_until_sent(&editor, &alert).await;
    assert_eq!(figures["delivered"], 9, "{figures}");
    assert_eq!(figures["removed"], 1, "{figures}");
    for (service, id) in subscribers {
        let got = service.received_by(id);
        assert_eq!(got.len(), 1, "subscriber {id} of {}", service.origin);
        assert_eq!(got[0].message["title"], "Bridge reopens after repairs");
        let expected = std::ptr::eq(service, &modern);
        assert_eq!(got[0].http2, expected, "HTTP/2 only where offered ({})", service.origin);
    }
    for service in [&modern, &older, &plain] {
        assert!(service.problems().is_empty(), "{:?}", service.problems());
    }
}

#[tokio::test]
async fn a_push_service_that_keeps_closing_its_connections_gets_each_message_exactly_once() {
    let app = tls_alerting_app().await;
    let push = PushService::start_tls_closing_every(7).await;
    let mut subscribers = Vec::new();
    for _ in 0..40 {
        let (id, subscription) = push.subscribe(&[]);
        app.subscribe_push(&subscription, &["breaking"]).await;
        subscribers.push(id);
    }
    let (_, editor) = app.signed_in(Role::Editor).await;
    let alert = editor
        .send_alert("Ferry services resume on the estuary", "breaking")
        .await;
    let figures = wait_until_sent(&editor, &alert).await;
    assert_eq!(figures["delivered"], 40, "{figures}");
    for id in subscribers {
        let got = push.received_by(id);
        assert_eq!(got.len(), 1, "subscriber {id} got the alert {} times", got.len());
        assert!(got[0].http2, "over HTTP/2");
        assert_eq!(
            push.attempts(id),
            1,
            "subscriber {id}: a request the service took was sent again"
        );
    }
    assert!(push.problems().is_empty(), "{:?}", push.problems());
}

#[tokio::test]
async fn gone_subscriptions_are_dropped_and_busy_services_are_tried_again() {
    let app = alerting_app(|_| {}).await;
    app.story().await;
    let push = PushService::start().await;
    let (fine, s_fine) = push.subscribe(&[]);
    let (_, s_404) = push.subscribe(&[404]);
    let (_, s_410) = push.subscribe(&[410]);
    let (too_big, s_413) = push.subscribe(&[413]);
    let (busy, s_429) = push.subscribe(&[429]);
    let (down, s_503) = push.subscribe(&[503, 502]);
    for s in [&s_fine, &s_404, &s_410, &s_413, &s_429, &s_503] {
        app.subscribe_push(s, &["breaking"]).await;
    }
    let (_, editor) = app.signed_in(Role::Editor).await;
    let alert = editor.send_alert("Polls close", "breaking").await;
    let figures = wait_until_sent(&editor, &alert).await;
    assert_eq!(figures["queued"], 6);
    assert_eq!(figures["delivered"], 3, "{figures}");
    assert_eq!(figures["removed"], 2, "{figures}");
    assert_eq!(figures["failed"], 1, "{figures}");
    assert!(push.problems().is_empty(), "{:?}", push.problems());
    assert_eq!(push.received_by(fine).len(), 1);
    assert_eq!(push.received_by(busy).len(), 1, "429 is retried after Retry-After");
    assert_eq!(push.attempts(busy), 2);
    assert_eq!(push.received_by(down).len(), 1, "5xx is retried with backoff");
    assert_eq!(push.attempts(down), 3);
    assert_eq!(push.attempts(too_big), 1, "413 is not retried");
    // Every try is counted by push service and outcome.
    let metrics = app.page("/metrics").await;
    for (outcome, n) in [("delivered", 3), ("gone", 2), ("refused", 1), ("retried", 3)] {
        let line = format!("broadsheet_push_requests_total{{service=\"other\",outcome=\"{outcome}\"}} {n}");
        assert!(metrics.contains(&line), "{line} in\n{metrics}");
    }
    // And on the alert's page, for this alert alone.
    let by_service = &figures["by_service"];
    assert_eq!(
        by_service,
        &json!([{ "service": "other", "delivered": 3, "retried": 3, "refused": 1, "unanswered": 0, "gone": 2 }]),
        "{figures}"
    );
    let page = editor
        .get(&format!("/newsroom/alerts/{alert}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<tr><th scope=\"row\">other</th><td>3</td><td>3</td><td>1</td><td>0</td><td>2</td></tr>"),
        "{page}"
    );

    // 404 and 410 removed the subscriptions: looking them up finds nothing, and the next alert skips them.
    let gone = post_json(
        &app,
        "/alerts/subscriptions/lookup",
        &json!({ "endpoint": s_404["endpoint"] }),
    )
    .await;
    assert_eq!(gone.status(), 404);
    let alert = editor.send_alert("Results expected overnight", "breaking").await;
    assert_eq!(wait_until_sent(&editor, &alert).await["queued"], 4);
}

#[tokio::test]
async fn an_alert_cut_off_by_a_restart_reaches_everyone_exactly_once() {
    let mut app = alerting_app(|s| {
        s.alerts.batch_size = 3;
        s.alerts.concurrency_per_service = 2;
    })
    .await;
    app.story().await;
    let push = PushService::start().await;
    push.slow_down(Duration::from_millis(40));
    let mut subscribers = Vec::new();
    for _ in 0..48 {
        let (id, s) = push.subscribe(&[]);
        app.subscribe_push(&s, &["breaking"]).await;
        subscribers.push(id);
    }
    let editor = app.member(Role::Editor).await;
    let alert = {
        let session = app.sign_in(&editor).await;
        session.send_alert("Parliament recalled", "breaking").await
    };
    // Stop in the middle of the fan-out, as a deployment would.
    push.wait_for(6).await;
    app.stop().await;
    let before = push.received().len();
    assert!(before < 48, "the restart came mid-way ({before} sent)");

    let app = app.restart().await;
    // On PostgreSQL a second instance shares the rest of the work.
    let other = if app.on_postgres() {
        Some(app.second_instance().await)
    } else {
        None
    };
    let session = app.sign_in(&editor).await;
    let figures = wait_until_sent(&session, &alert).await;
    assert_eq!(figures["delivered"], 48, "{figures}");
    assert_eq!(figures["failed"], 0, "{figures}");
    for id in subscribers {
        assert_eq!(
            push.received_by(id).len(),
            1,
            "subscriber {id} got the alert exactly once"
        );
    }
    drop(other);
}

#[tokio::test]
async fn breaking_news_can_need_a_second_editor_and_a_mistake_can_be_followed_up() {
    let app = alerting_app(|s| s.alerts.second_approval_for_breaking = true).await;
    app.story().await;
    let push = PushService::start().await;
    let (reader, s) = push.subscribe(&[]);
    app.subscribe_push(&s, &["breaking"]).await;
    let (_, first) = app.signed_in(Role::Editor).await;
    let (_, second) = app.signed_in(Role::Editor).await;

    let alert = first.send_alert("Minister resigns", "breaking").await;
    assert_eq!(stats(&first, &alert).await["status"], "awaiting_approval");
    let page = first.page(&format!("/newsroom/alerts/{alert}")).await;
    assert!(
        page.contains("waits for a second editor") && !page.contains("Approve and send"),
        "{page}"
    );
    let refused = first.post(&format!("/newsroom/alerts/{alert}/approve"), &[]).await;
    assert_eq!(refused.status(), 403, "the writer of an alert cannot approve it");
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(push.received().is_empty(), "nothing goes out before approval");

    let approved = second.post(&format!("/newsroom/alerts/{alert}/approve"), &[]).await;
    assert_eq!(approved.status(), 303);
    wait_until_sent(&second, &alert).await;
    let original = push.wait_for(1).await[0].clone();
    assert_eq!(original.message["title"], "Minister resigns");

    // Sent in error: the follow-up goes to the same readers with the same Topic, replacing it if
    // unseen; not to a reader who subscribed after the original went out.
    let (latecomer, s_late) = push.subscribe(&[]);
    app.subscribe_push(&s_late, &["breaking"]).await;
    let response = second
        .post(
            &format!("/newsroom/alerts/{alert}/correction"),
            &[
                ("title", "Correction: minister has not resigned"),
                ("body", "An earlier alert was sent in error."),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let follow_up = response.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/newsroom/alerts/")
        .to_owned();
    wait_until_sent(&second, &follow_up).await;
    let got = push.received_by(reader);
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].message["title"], "Correction: minister has not resigned");
    assert_eq!(
        got[1].topic, original.topic,
        "the follow-up replaces the original where it is unseen"
    );
    assert_eq!(got[1].message["tag"], original.message["tag"]);
    assert!(
        push.received_by(latecomer).is_empty(),
        "the latecomer never had the original"
    );

    // The audit log tells who did what.
    let (_, admin) = app.signed_in(Role::Admin).await;
    let audit = admin.page("/newsroom/audit").await;
    assert!(
        audit.contains("approved an alert") && audit.contains("wrote an alert for approval"),
        "{audit}"
    );
}

#[tokio::test]
async fn ticking_send_alert_when_publishing_alerts_breaking_news_readers() {
    let app = alerting_app(|_| {}).await;
    let world = app.section("world", "World").await;
    let push = PushService::start().await;
    let (reader, s) = push.subscribe(&[]);
    app.subscribe_push(&s, &["breaking"]).await;
    let (_, editor) = app.signed_in(Role::Editor).await;
    let world = world.to_string();
    let response = editor
        .post_multipart(
            "/newsroom/articles",
            &[
                ("headline", "Earthquake strikes off the coast"),
                ("standfirst", "Tsunami warning issued for the region"),
                ("body", "Officials urged residents to move inland."),
                ("section", world.as_str()),
                ("slug", ""),
                ("action", "publish"),
                ("send_alert", "on"),
            ],
            None,
        )
        .await;
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("/newsroom/alerts/"),
        "publishing with an alert shows the alert: {location}"
    );
    let got = push.wait_for(1).await;
    assert_eq!(got[0].subscriber, reader);
    assert_eq!(got[0].message["title"], "Earthquake strikes off the coast");
    assert_eq!(got[0].message["body"], "Tsunami warning issued for the region");
    assert_eq!(got[0].message["url"], "/world/earthquake-strikes-off-the-coast");
}

#[tokio::test]
async fn readers_are_told_of_replies_by_push_when_they_asked_for_it() {
    let app = alerting_app(|_| {}).await;
    let article = app.story().await;
    let push = PushService::start().await;
    let (device, s) = push.subscribe(&[]);
    let asker = app.register("Asker").await;
    let replier = app.register("Replier").await;
    let response = app
        .client
        .post(app.url("/alerts/subscriptions"))
        .header("cookie", &asker.cookie)
        .json(&json!({ "subscription": s, "topics": ["replies"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let data: serde_json::Value = asker.get("/account/data").await.json().await.unwrap();
    assert_eq!(
        data["alerts"][0]["topics"],
        json!(["replies"]),
        "the data download lists the alerts"
    );
    assert_eq!(data["alerts"][0]["endpoint"], s["endpoint"]);
    let comment = asker
        .comment_id(&article, None, "Does anyone know when the vote is?")
        .await;
    replier
        .comment_id(&article, Some(&comment), "Thursday, I believe.")
        .await;
    let got = push.wait_for(1).await;
    assert_eq!(got[0].subscriber, device);
    assert_eq!(got[0].message["title"], "Replier replied to you");
    assert_eq!(got[0].message["body"], "Thursday, I believe.");
    assert!(got[0].message["url"].as_str().unwrap().starts_with("/comments/"));
    assert!(push.problems().is_empty(), "{:?}", push.problems());
}

#[tokio::test]
async fn subscriptions_are_checked_and_can_be_changed_renewed_and_removed() {
    let app = spawn_app().await;
    app.story().await;
    let setup: Value = app.get("/alerts/setup").await.json().await.unwrap();
    let key = setup["publicKey"].as_str().unwrap();
    assert_eq!(key.len(), 87, "an uncompressed P-256 key in base64url");
    let topics: Vec<&str> = setup["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["topic"].as_str().unwrap())
        .collect();
    assert_eq!(
        topics,
        ["breaking", "section:world"],
        "personal topics need a signed-in reader"
    );

    let keys = json!({ "p256dh": "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4", "auth": "BTBZMqHH6r4Tts7J_aSIgg" });
    let bad = [
        (
            json!({ "endpoint": "https://127.0.0.1/push/1", "keys": keys }),
            vec!["breaking"],
            "endpoint",
        ),
        (
            json!({ "endpoint": "https://169.254.169.254/latest", "keys": keys }),
            vec!["breaking"],
            "endpoint",
        ),
        (
            json!({ "endpoint": "http://push.example.net/1", "keys": keys }),
            vec!["breaking"],
            "endpoint",
        ),
        (
            json!({ "endpoint": "https://push.example.net/1", "keys": { "p256dh": "abc", "auth": "BTBZMqHH6r4Tts7J_aSIgg" } }),
            vec!["breaking"],
            "keys.p256dh",
        ),
        (
            json!({ "endpoint": "https://push.example.net/1", "keys": keys }),
            vec!["weather"],
            "topics",
        ),
        (
            json!({ "endpoint": "https://push.example.net/1", "keys": keys }),
            vec!["section:nowhere"],
            "topics",
        ),
        (
            json!({ "endpoint": "https://push.example.net/1", "keys": keys }),
            vec!["replies"],
            "topics",
        ),
        (
            json!({ "endpoint": "https://push.example.net/1", "keys": keys }),
            vec![],
            "topics",
        ),
    ];
    for (subscription, topics, field) in bad {
        let response = post_json(
            &app,
            "/alerts/subscriptions",
            &json!({ "subscription": subscription, "topics": topics }),
        )
        .await;
        assert_eq!(response.status(), 422, "{subscription} {topics:?}");
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["field"], field, "{problem}");
    }
    let response = post_json(&app, "/alerts/subscriptions", &json!({ "nonsense": true })).await;
    assert_eq!(response.status(), 400);

    let first = json!({ "endpoint": "https://push.example.net/send/one", "keys": keys });
    app.subscribe_push(&first, &["breaking", "section:world"]).await;
    let lookup: Value = post_json(
        &app,
        "/alerts/subscriptions/lookup",
        &json!({ "endpoint": first["endpoint"] }),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(lookup["topics"], json!(["breaking", "section:world"]));
    // Saving again changes the topics of the same subscription.
    app.subscribe_push(&first, &["section:world"]).await;
    let lookup: Value = post_json(
        &app,
        "/alerts/subscriptions/lookup",
        &json!({ "endpoint": first["endpoint"] }),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(lookup["topics"], json!(["section:world"]));

    // The browser renews it: the topics move to the new endpoint.
    let renewed = json!({ "endpoint": "https://push.example.net/send/two", "keys": keys });
    let response = post_json(
        &app,
        "/alerts/subscriptions/renew",
        &json!({ "old_endpoint": first["endpoint"], "subscription": renewed }),
    )
    .await;
    assert_eq!(response.status(), 204);
    let old = post_json(
        &app,
        "/alerts/subscriptions/lookup",
        &json!({ "endpoint": first["endpoint"] }),
    )
    .await;
    assert_eq!(old.status(), 404);
    let lookup: Value = post_json(
        &app,
        "/alerts/subscriptions/lookup",
        &json!({ "endpoint": renewed["endpoint"] }),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(lookup["topics"], json!(["section:world"]));

    let response = post_json(
        &app,
        "/alerts/subscriptions/remove",
        &json!({ "endpoint": renewed["endpoint"] }),
    )
    .await;
    assert_eq!(response.status(), 204);
    let response = post_json(
        &app,
        "/alerts/subscriptions/remove",
        &json!({ "endpoint": renewed["endpoint"] }),
    )
    .await;
    assert_eq!(response.status(), 404);

    // The service worker and the preferences page.
    let worker = app.get("/sw.js").await;
    assert_eq!(worker.headers()["content-type"], "text/javascript; charset=utf-8");
    let script = worker.text().await.unwrap();
    assert!(
        script.contains("showNotification")
            && script.contains("pushsubscriptionchange")
            && !script.contains("__ICON__")
    );
    let page = app.page("/alerts").await;
    assert!(
        page.contains("Breaking news")
            && page.contains("World news")
            && page.contains("Sign in</a> to also get alerts")
    );
}

#[tokio::test]
async fn only_editors_and_admins_reach_the_alert_desk() {
    let app = spawn_app().await;
    for (role, allowed) in [
        (Role::Admin, true),
        (Role::Editor, true),
        (Role::Writer, false),
        (Role::Moderator, false),
    ] {
        let (_, session) = app.signed_in(role).await;
        let status = session.get("/newsroom/alerts").await.status();
        assert_eq!(status == 200, allowed, "{role}: {status}");
        let sent = session.post("/newsroom/alerts", &[("title", "x")]).await.status();
        assert_eq!(sent == 403, !allowed, "{role} sending: {sent}");
    }
    let (_, editor) = app.signed_in(Role::Editor).await;
    // A bad alert comes back with the editor's words kept and the fault named.
    let response = editor
        .post(
            "/newsroom/alerts",
            &[
                ("title", "Storm warning"),
                ("body", ""),
                ("url", "/"),
                ("topic", "breaking"),
                ("urgency", "high"),
                ("ttl", "3600"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("value=\"Storm warning\"") && page.contains("s text has 1 to 300 characters"),
        "{page}"
    );
}

#[tokio::test]
async fn a_subscription_whose_push_service_now_leads_only_to_private_addresses_is_dropped() {
    // This machine's own name: it resolves to a loopback or private address.
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let host = host.trim().to_owned();
    let resolved: Vec<std::net::SocketAddr> = match tokio::net::lookup_host((host.as_str(), 443)).await {
        Ok(addrs) => addrs.collect(),
        Err(_) => Vec::new(),
    };
    if host.is_empty() || resolved.is_empty() {
        eprintln!("skipped: this machine's name ({host:?}) does not resolve");
        return;
    }
    let app = spawn_app_with(|s| s.alerts.allow_private_endpoints = false).await;
    app.story().await;
    // Subscribed while its name still led somewhere public (so written directly,
    // past the check made at subscribe time).
    let push = PushService::start().await;
    let (_, browser) = push.subscribe(&[]);
    let id = uuid::Uuid::now_v7();
    let now = broadsheet::domain::Timestamp::now();
    broadsheet::db::sql(
        "INSERT INTO push_subscriptions (id, endpoint, p256dh, auth, shard, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 0, $5, $5)",
    )
    .bind(id)
    .bind(format!("https://{host}:9/push/0"))
    .bind(browser["keys"]["p256dh"].as_str().unwrap())
    .bind(browser["keys"]["auth"].as_str().unwrap())
    .bind(now)
    .execute(&app.state.db)
    .await
    .unwrap();
    broadsheet::db::sql("INSERT INTO push_topics (topic, shard, subscription_id) VALUES ('breaking', 0, $1)")
        .bind(id)
        .execute(&app.state.db)
        .await
        .unwrap();

    let (_, editor) = app.signed_in(Role::Editor).await;
    let alert = editor.send_alert("Storm warning for the coast", "breaking").await;
    let figures = wait_until_sent(&editor, &alert).await;
    assert_eq!(figures["removed"], 1, "{figures}");
    assert_eq!(
        figures["by_service"],
        json!([{ "service": "other", "delivered": 0, "retried": 1, "refused": 0, "unanswered": 0, "gone": 1 }]),
        "tried once more, then dropped: {figures}"
    );
    let left = broadsheet::db::sql("SELECT COUNT(*) FROM push_subscriptions WHERE id = $1")
        .bind(id)
        .fetch_count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(left, 0);
}
