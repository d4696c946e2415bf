//! Alerts in a real browser: our prompt, the browser's permission (granted
//! through the driver), the service worker, the subscription saved on the
//! server, an alert sent to it, and the preferences page.
//!
//! Headless Chromium here cannot reach a real push service, so the page's
//! `PushManager` hands out a subscription of the local push service instead;
//! everything after that (the server, the encryption, the delivery) is real.

use broadsheet::accounts::Role;
use serde_json::{Value, json};

use crate::harness::Browser;
use crate::support::push::PushService;
use crate::support::{TestApp, spawn_app_with};

/// Makes every page's push manager return `subscription` (kept across pages in localStorage).
async fn stub_push_manager(browser: &Browser, subscription: &Value) {
    browser
        .before_each_page(&format!(
            r#"
            const json = {subscription};
            const fake = (j) => ({{ endpoint: j.endpoint, toJSON: () => j, unsubscribe: async () => {{ localStorage.removeItem("fake-subscription"); return true; }} }});
            PushManager.prototype.subscribe = async function (options) {{
              if (!options.userVisibleOnly || !options.applicationServerKey) throw new Error("bad subscribe options");
              window.subscribedWithKey = btoa(String.fromCharCode(...new Uint8Array(options.applicationServerKey)));
              localStorage.setItem("fake-subscription", JSON.stringify(json));
              return fake(json);
            }};
            PushManager.prototype.getSubscription = async function () {{
              const saved = localStorage.getItem("fake-subscription");
              return saved ? fake(JSON.parse(saved)) : null;
            }};
            "#
        ))
        .await;
}

async fn topics_on_server(app: &TestApp, endpoint: &str) -> Option<Value> {
    let response = app
        .client
        .post(app.url("/alerts/subscriptions/lookup"))
        .json(&json!({ "endpoint": endpoint }))
        .send()
        .await
        .unwrap();
    (response.status() == 200).then_some(())?;
    Some(response.json::<Value>().await.unwrap()["topics"].clone())
}

#[tokio::test]
async fn a_reader_turns_alerts_on_from_the_prompt_gets_one_and_manages_them() {
    let app = spawn_app_with(|s| s.alerts.allow_private_endpoints = true).await;
    app.story().await;
    let push = PushService::start().await;
    let (device, subscription) = push.subscribe(&[]);
    let endpoint = subscription["endpoint"].as_str().unwrap().to_owned();
    let browser = Browser::open_with_notifications_allowed(&app).await;
    stub_push_manager(&browser, &subscription).await;

    // Our prompt, not the browser's dialog, greets the reader.
    browser.visit("/world/story").await;
    browser
        .wait_until("!document.getElementById('alerts-prompt').hidden", 5)
        .await;
    assert_eq!(browser.text("#alerts-prompt-title").await, "Get alerts");
    browser.assert_accessible().await;

    browser.click_in_place("#alerts-yes").await;
    browser.wait_for_text("#alerts-prompt", "Alerts are on", 10).await;
    assert_eq!(browser.run("return Notification.permission").await, "granted");

    // The service worker is registered for the whole site and active.
    browser
        .run("navigator.serviceWorker.ready.then(r => { window.workerUrl = r.active.scriptURL; }); return true;")
        .await;
    browser
        .wait_until("window.workerUrl && window.workerUrl.endsWith('/sw.js')", 10)
        .await;
    // The page subscribed with the server's VAPID key, and the server kept the subscription.
    let setup: Value = app.get("/alerts/setup").await.json().await.unwrap();
    let key = browser.run("return window.subscribedWithKey").await;
    let standard = setup["publicKey"].as_str().unwrap().replace('-', "+").replace('_', "/");
    assert_eq!(key.as_str().unwrap().trim_end_matches('='), standard);
    assert_eq!(topics_on_server(&app, &endpoint).await, Some(json!(["breaking"])));

    // An editor's alert reaches this browser's subscription, encrypted for it.
    let (_, editor) = app.signed_in(Role::Editor).await;
    let response = editor
        .post(
            "/newsroom/alerts",
            &[
                ("title", "Talks resume in Geneva"),
                ("body", "Delegations met for the first time in a month."),
                ("url", "/world/story"),
                ("image", ""),
                ("topic", "breaking"),
                ("urgency", "high"),
                ("ttl", "3600"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let got = push.wait_for(1).await;
    assert_eq!(got[0].subscriber, device);
    assert_eq!(got[0].message["title"], "Talks resume in Geneva");

    // The preferences page shows this browser's topics and changes them.
    browser.visit("/alerts").await;
    browser.wait_for_text("#alerts-state", "Alerts are on", 5).await;
    assert_eq!(
        browser
            .run("return document.querySelector('input[value=breaking]').checked")
            .await,
        true
    );
    browser.assert_accessible().await;
    browser.click_in_place("input[value='section:world']").await;
    browser.click_in_place("#alerts-save").await;
    browser.wait_for_text("#alerts-state", "Saved", 5).await;
    assert_eq!(
        topics_on_server(&app, &endpoint).await,
        Some(json!(["breaking", "section:world"]))
    );

    // Turning alerts off forgets the subscription.
    browser.click_in_place("#alerts-off").await;
    browser.wait_for_text("#alerts-state", "Alerts are off", 5).await;
    assert_eq!(topics_on_server(&app, &endpoint).await, None);

    // Without a subscription the prompt returns; "Not now" keeps it away.
    browser.visit("/world/story").await;
    browser
        .wait_until("!document.getElementById('alerts-prompt').hidden", 5)
        .await;
    browser.click_in_place("#alerts-no").await;
    browser
        .wait_until("document.getElementById('alerts-prompt').hidden", 5)
        .await;
    browser.visit("/world/story").await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        browser
            .run("return document.getElementById('alerts-prompt').hidden")
            .await,
        true
    );
    browser.close().await;
}
