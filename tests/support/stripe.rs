//! A local stand-in for the Stripe endpoints Broadsheet calls, answering
//! with the shapes of Stripe's API reference, plus a Checkout page that
//! "pays" and then sends the webhook events Stripe would, signed the way
//! Stripe signs them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use broadsheet::donations::stripe::sign;
use serde_json::{Value, json};

pub const SECRET_KEY: &str = "sk_test_broadsheet";
pub const WEBHOOK_SECRET: &str = "whsec_broadsheet_test";

#[derive(Default)]
struct Inner {
    sessions: HashMap<String, HashMap<String, String>>,
    webhook: String,
    count: usize,
    unavailable: bool,
}

#[derive(Clone)]
pub struct FakeStripe {
    pub origin: String,
    inner: Arc<Mutex<Inner>>,
    client: reqwest::Client,
}

impl FakeStripe {
    pub async fn start() -> Self {
        // The same TLS setup the application makes, for this client too.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let inner = Arc::new(Mutex::new(Inner::default()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let fake = Self {
            origin,
            inner,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        };
        let router = Router::new()
            .route("/v1/checkout/sessions", post(create_session))
            .route("/v1/billing_portal/sessions", post(create_portal))
            .route("/pay/{id}", get(checkout_page).post(pay))
            .with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        fake
    }

    /// Where the events go (the app's webhook).
    pub fn deliver_to(&self, url: String) {
        self.inner.lock().unwrap().webhook = url;
    }

    /// Makes the API answer 503, as during an outage.
    pub fn go_down(&self) {
        self.inner.lock().unwrap().unavailable = true;
    }

    /// The form fields Broadsheet sent to create a session.
    pub fn session(&self, id: &str) -> HashMap<String, String> {
        self.inner.lock().unwrap().sessions.get(id).cloned().expect("a session")
    }

    pub fn sessions(&self) -> usize {
        self.inner.lock().unwrap().sessions.len()
    }

    fn next(&self, prefix: &str) -> String {
        let mut inner = self.inner.lock().unwrap();
        inner.count += 1;
        format!("{prefix}_test_{:06}", inner.count)
    }

    /// Posts an event to the app, signed at `signed_at` with `secret`.
    pub async fn send_signed(&self, event: &Value, secret: &str, signed_at: i64) -> reqwest::Response {
        let body = event.to_string();
        let url = self.inner.lock().unwrap().webhook.clone();
        self.client
            .post(url)
            .header("content-type", "application/json")
            .header("stripe-signature", sign(body.as_bytes(), secret, signed_at))
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// Posts an event as Stripe would (signed now).
    pub async fn send(&self, event: &Value) -> reqwest::Response {
        self.send_signed(event, WEBHOOK_SECRET, now()).await
    }

    pub fn event(&self, kind: &str, created: i64, object: Value) -> Value {
        json!({
            "id": self.next("evt"),
            "object": "event",
            "api_version": "2024-06-20",
            "created": created,
            "livemode": false,
            "pending_webhooks": 1,
            "type": kind,
            "data": { "object": object },
        })
    }

    /// checkout.session.completed for a session Broadsheet created.
    pub fn completed(&self, session: &str, created: i64, email: &str) -> (Value, Ids) {
        let fields = self.session(session);
        let monthly = fields["mode"] == "subscription";
        let ids = Ids {
            customer: format!("cus_{}", &session[3..]),
            subscription: monthly.then(|| format!("sub_{}", &session[3..])),
            payment_intent: (!monthly).then(|| format!("pi_{}", &session[3..])),
            donation: fields["metadata[donation_id]"].clone(),
            amount: fields["line_items[0][price_data][unit_amount]"].parse().unwrap(),
        };
        let object = json!({
            "id": session,
            "object": "checkout.session",
            "mode": fields["mode"],
            "status": "complete",
            "payment_status": "paid",
            "amount_total": ids.amount,
            "currency": fields["line_items[0][price_data][currency]"],
            "client_reference_id": fields["client_reference_id"],
            "customer": ids.customer,
            "customer_details": { "email": email, "name": "A Reader" },
            "subscription": ids.subscription,
            "payment_intent": ids.payment_intent,
            "metadata": { "donation_id": ids.donation },
        });
        (self.event("checkout.session.completed", created, object), ids)
    }

    pub fn invoice(&self, kind: &str, ids: &Ids, invoice: &str, created: i64, email: &str) -> Value {
        let paid = kind == "invoice.paid";
        let object = json!({
            "id": invoice,
            "object": "invoice",
            "customer": ids.customer,
            "customer_email": email,
            "amount_due": ids.amount,
            "amount_paid": if paid { ids.amount } else { 0 },
            "currency": "gbp",
            "status": if paid { "paid" } else { "open" },
            "payment_intent": format!("pi_{invoice}"),
            "status_transitions": { "paid_at": if paid { Some(created) } else { None } },
            "parent": {
                "type": "subscription_details",
                "subscription_details": {
                    "subscription": ids.subscription,
                    "metadata": { "donation_id": ids.donation },
                },
            },
        });
        self.event(kind, created, object)
    }

    /// An invoice as API versions before 2025-03-31 send it: the
    /// subscription at the top level, its metadata in `subscription_details`.
    pub fn older_invoice(&self, kind: &str, ids: &Ids, invoice: &str, created: i64, email: &str) -> Value {
        let mut event = self.invoice(kind, ids, invoice, created, email);
        let object = event["data"]["object"].as_object_mut().unwrap();
        object.remove("parent");
        object.insert("subscription".into(), json!(ids.subscription));
        object.insert(
            "subscription_details".into(),
            json!({ "metadata": { "donation_id": ids.donation } }),
        );
        event["api_version"] = json!("2024-06-20");
        event
    }

    pub fn subscription_deleted(&self, ids: &Ids, created: i64) -> Value {
        let object = json!({
            "id": ids.subscription,
            "object": "subscription",
            "customer": ids.customer,
            "status": "canceled",
            "metadata": { "donation_id": ids.donation },
        });
        self.event("customer.subscription.deleted", created, object)
    }

    pub fn refunded(&self, payment_intent: &str, amount: i64, refunded: i64, created: i64) -> Value {
        let object = json!({
            "id": format!("ch_{payment_intent}"),
            "object": "charge",
            "amount": amount,
            "amount_refunded": refunded,
            "currency": "gbp",
            "refunded": refunded >= amount,
            "payment_intent": payment_intent,
            "metadata": {},
        });
        self.event("charge.refunded", created, object)
    }
}

/// Stripe's ids for one checkout.
#[derive(Clone, Debug)]
pub struct Ids {
    pub customer: String,
    pub subscription: Option<String>,
    pub payment_intent: Option<String>,
    pub donation: String,
    pub amount: i64,
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn authorized(headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {SECRET_KEY}"))
}

fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        axum::Json(json!({ "error": { "type": "invalid_request_error", "message": message } })),
    )
        .into_response()
}

async fn create_session(State(fake): State<FakeStripe>, headers: HeaderMap, body: String) -> Response {
    if fake.inner.lock().unwrap().unavailable {
        return error(StatusCode::SERVICE_UNAVAILABLE, "Stripe is having a bad day");
    }
    if !authorized(&headers) {
        return error(StatusCode::UNAUTHORIZED, "Invalid API Key provided");
    }
    let fields: HashMap<String, String> = form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    for required in [
        "mode",
        "success_url",
        "cancel_url",
        "line_items[0][price_data][unit_amount]",
        "line_items[0][price_data][currency]",
    ] {
        if !fields.contains_key(required) {
            return error(StatusCode::BAD_REQUEST, &format!("Missing required param: {required}."));
        }
    }
    let id = fake.next("cs");
    fake.inner.lock().unwrap().sessions.insert(id.clone(), fields.clone());
    axum::Json(json!({
        "id": id,
        "object": "checkout.session",
        "mode": fields["mode"],
        "status": "open",
        "payment_status": "unpaid",
        "amount_total": fields["line_items[0][price_data][unit_amount]"].parse::<i64>().unwrap_or(0),
        "currency": fields["line_items[0][price_data][currency]"],
        "client_reference_id": fields.get("client_reference_id"),
        "metadata": { "donation_id": fields.get("metadata[donation_id]") },
        "success_url": fields["success_url"],
        "cancel_url": fields["cancel_url"],
        "url": format!("{}/pay/{id}", fake.origin),
    }))
    .into_response()
}

async fn create_portal(State(fake): State<FakeStripe>, headers: HeaderMap, body: String) -> Response {
    if !authorized(&headers) {
        return error(StatusCode::UNAUTHORIZED, "Invalid API Key provided");
    }
    let fields: HashMap<String, String> = form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    let customer = fields.get("customer").cloned().unwrap_or_default();
    axum::Json(json!({
        "id": fake.next("bps"),
        "object": "billing_portal.session",
        "customer": customer,
        "return_url": fields.get("return_url"),
        "url": format!("{}/portal/{customer}", fake.origin),
    }))
    .into_response()
}

async fn checkout_page(Path(id): Path<String>) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=en><title>Checkout</title><main><h1>Pay</h1>\
         <form method=post action=/pay/{id}><button id=pay type=submit>Pay</button></form></main></html>"
    ))
}

/// The donor pays: Stripe sends its events, then the browser returns to the site.
async fn pay(State(fake): State<FakeStripe>, Path(id): Path<String>) -> Response {
    let fields = fake.session(&id);
    let now = now();
    let (completed, ids) = fake.completed(&id, now, "donor@readers.example");
    fake.send(&completed).await;
    if ids.subscription.is_some() {
        let invoice = fake.next("in");
        fake.send(&fake.invoice("invoice.paid", &ids, &invoice, now, "donor@readers.example"))
            .await;
    }
    // Back to the site's public address, which in tests is served at the app's local one.
    let site = fake
        .inner
        .lock()
        .unwrap()
        .webhook
        .trim_end_matches("/stripe/webhook")
        .to_owned();
    let back = fields["success_url"]
        .replace("{CHECKOUT_SESSION_ID}", &id)
        .replace(super::BASE_URL, &site);
    Redirect::to(&back).into_response()
}
