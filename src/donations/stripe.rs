//! The parts of Stripe's API we use: Checkout Sessions (payment mode for a
//! one-off gift, subscription mode for monthly), customer-portal sessions,
//! and webhook signatures. Requests are form-encoded with the secret key as a
//! bearer token, exactly as Stripe's API reference describes; the key is
//! never logged.

use std::time::Duration;

use ring::hmac;
use serde::Deserialize;

use crate::config::DonationSettings;

#[derive(Debug, thiserror::Error)]
pub enum StripeError {
    #[error("Stripe could not be reached: {0}")]
    Unreachable(String),
    #[error("Stripe refused the request ({status}): {message}")]
    Refused { status: u16, message: String },
    #[error("donations are not set up (no Stripe key)")]
    NotConfigured,
}

pub struct Stripe {
    client: reqwest::Client,
    api: String,
    key: String,
}

/// A Checkout Session as Stripe returns it (the fields we read).
#[derive(Debug, Deserialize)]
pub struct Session {
    pub id: String,
    pub url: String,
}

/// What a donor is about to give.
pub struct CheckoutRequest<'a> {
    pub donation: crate::domain::DonationId,
    pub monthly: bool,
    pub amount_minor: i64,
    pub currency: &'a str,
    pub product: &'a str,
    pub email: Option<&'a str>,
    pub success_url: String,
    pub cancel_url: String,
}

impl Stripe {
    pub fn new(settings: &DonationSettings) -> anyhow::Result<Self> {
        Ok(Self {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .connect_timeout(Duration::from_secs(5))
                .build()?,
            api: settings.stripe_api_base.trim_end_matches('/').to_owned(),
            key: settings.stripe_secret_key.expose().clone(),
        })
    }

    pub fn configured(&self) -> bool {
        !self.key.is_empty()
    }

    async fn post(
        &self,
        path: &str,
        idempotency: &str,
        fields: &[(String, String)],
    ) -> Result<serde_json::Value, StripeError> {
        if !self.configured() {
            return Err(StripeError::NotConfigured);
        }
        let body = {
            let mut form = form_urlencoded::Serializer::new(String::new());
            for (name, value) in fields {
                form.append_pair(name, value);
            }
            form.finish()
        };
        let response = self
            .client
            .post(format!("{}{path}", self.api))
            .bearer_auth(&self.key)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Idempotency-Key", idempotency)
            .body(body)
            .send()
            .await
            .map_err(|e| StripeError::Unreachable(e.without_url().to_string()))?;
        let status = response.status().as_u16();
        let body: serde_json::Value = response
            .json()
            .await
            .map_err(|e| StripeError::Unreachable(e.to_string()))?;
        if !(200..300).contains(&status) {
            let message = body["error"]["message"].as_str().unwrap_or("no message").to_owned();
            return Err(StripeError::Refused { status, message });
        }
        Ok(body)
    }

    /// Creates the Checkout Session the donor is sent to.
    pub async fn checkout(&self, request: &CheckoutRequest<'_>) -> Result<Session, StripeError> {
        let id = request.donation.to_string();
        let mut fields: Vec<(String, String)> = vec![
            (
                "mode".into(),
                if request.monthly { "subscription" } else { "payment" }.into(),
            ),
            ("success_url".into(), request.success_url.clone()),
            ("cancel_url".into(), request.cancel_url.clone()),
            ("client_reference_id".into(), id.clone()),
            ("metadata[donation_id]".into(), id.clone()),
            ("line_items[0][quantity]".into(), "1".into()),
            ("line_items[0][price_data][currency]".into(), request.currency.into()),
            (
                "line_items[0][price_data][unit_amount]".into(),
                request.amount_minor.to_string(),
            ),
            (
                "line_items[0][price_data][product_data][name]".into(),
                request.product.into(),
            ),
        ];
        if request.monthly {
            fields.push(("line_items[0][price_data][recurring][interval]".into(), "month".into()));
            fields.push(("subscription_data[metadata][donation_id]".into(), id.clone()));
        } else {
            fields.push(("submit_type".into(), "donate".into()));
            fields.push(("payment_intent_data[metadata][donation_id]".into(), id.clone()));
            fields.push(("customer_creation".into(), "always".into()));
        }
        if let Some(email) = request.email {
            fields.push(("customer_email".into(), email.into()));
        }
        let body = self
            .post("/v1/checkout/sessions", &format!("checkout-{id}"), &fields)
            .await?;
        serde_json::from_value(body).map_err(|e| StripeError::Unreachable(format!("an unexpected answer: {e}")))
    }

    /// A customer-portal link where a donor manages or cancels monthly giving.
    pub async fn portal(&self, customer: &str, return_url: &str) -> Result<String, StripeError> {
        let fields = vec![
            ("customer".into(), customer.to_owned()),
            ("return_url".into(), return_url.to_owned()),
        ];
        let key = format!("portal-{customer}-{}", uuid::Uuid::now_v7());
        let body = self.post("/v1/billing_portal/sessions", &key, &fields).await?;
        body["url"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| StripeError::Unreachable("a portal session without a url".into()))
    }
}

/// Checks a `Stripe-Signature` header ("t=…,v1=…[,v1=…]") over the raw body:
/// HMAC-SHA256 with the endpoint's secret of "{t}.{body}", and a timestamp
/// no further than `tolerance` seconds from now.
pub fn verify(header: &str, body: &[u8], secret: &str, tolerance: i64, now: i64) -> Result<(), &'static str> {
    if secret.is_empty() {
        return Err("no webhook secret is configured");
    }
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => signatures.push(v.to_owned()),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or("the signature header has no timestamp")?;
    if (now - timestamp).abs() > tolerance {
        return Err("the signature's timestamp is outside the tolerance");
    }
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let mut signed = timestamp.to_string().into_bytes();
    signed.push(b'.');
    signed.extend_from_slice(body);
    let valid = signatures
        .iter()
        .any(|hex| decode_hex(hex).is_some_and(|tag| hmac::verify(&key, &signed, &tag).is_ok()));
    if valid { Ok(()) } else { Err("no signature matches") }
}

/// Signs a payload the way Stripe does (for tests and local tools).
pub fn sign(body: &[u8], secret: &str, timestamp: i64) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let mut signed = timestamp.to_string().into_bytes();
    signed.push(b'.');
    signed.extend_from_slice(body);
    let tag = hmac::sign(&key, &signed);
    let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("t={timestamp},v1={hex}")
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The signed example in Stripe's own .NET library tests
    /// (src/StripeTests/Services/Events/EventUtilityTest.cs, with the body of
    /// src/StripeTests/Resources/event_test_signature.json): signatures made
    /// by Stripe's code, checked by ours.
    #[test]
    fn stripes_own_signed_example_verifies() {
        let body = "{\n  \"id\": \"evt_123\",\n  \"object\": \"event\",\n  \"account\": \"acct_123\",\n  \"api_version\": \"2017-05-25\",\n  \"created\": 1533204620,\n  \"data\": {\n    \"object\": {\n      \"id\": \"cus_123\",\n      \"object\": \"customer\",\n      \"created\": 123456789,\n      \"email\": \"test@stripe.com\",\n      \"livemode\": false,\n      \"metadata\": {}\n    }\n  },\n  \"livemode\": false,\n  \"pending_webhooks\": 1,\n  \"request\": {\n    \"id\": \"req_123\",\n    \"idempotency_key\": \"idempotency-key-123\"\n  },\n  \"type\": \"customer.created\"\n}\n";
        let header = "t=1533204620,v1=2220f87ef101a04665f11cdf770523143f875572008577fa0f20882ddb9cc3c7,\
                      v0=63f3a72374a733066c4be69ed7f8e5ac85c22c9f0a6a612ab9a025a9e4ee7eef";
        let secret = "webhook_secret";
        assert!(verify(header, body.as_bytes(), secret, 300, 1_533_204_620).is_ok());
        assert_eq!(
            sign(body.as_bytes(), secret, 1_533_204_620),
            "t=1533204620,v1=2220f87ef101a04665f11cdf770523143f875572008577fa0f20882ddb9cc3c7"
        );
        let without_final_newline = &body.as_bytes()[..body.len() - 1];
        assert!(verify(header, without_final_newline, secret, 300, 1_533_204_620).is_err());
        let crlf = body.replace('\n', "\r\n");
        assert!(verify(header, crlf.as_bytes(), secret, 300, 1_533_204_620).is_err());
    }

    #[test]
    fn signatures_are_checked_over_time_and_body() {
        let body = br#"{"id":"evt_1"}"#;
        let header = sign(body, "whsec_test", 1_700_000_000);
        assert!(verify(&header, body, "whsec_test", 300, 1_700_000_100).is_ok());
        assert!(
            verify(&header, body, "whsec_other", 300, 1_700_000_100).is_err(),
            "wrong secret"
        );
        assert!(
            verify(&header, b"{}", "whsec_test", 300, 1_700_000_100).is_err(),
            "changed body"
        );
        assert!(
            verify(&header, body, "whsec_test", 300, 1_700_000_301).is_err(),
            "too old"
        );
        assert!(
            verify("v1=00", body, "whsec_test", 300, 1_700_000_000).is_err(),
            "no timestamp"
        );
        let rotated = format!(
            "{},v1={}",
            sign(body, "whsec_old", 1_700_000_000),
            &header[header.find("v1=").unwrap() + 3..]
        );
        assert!(
            verify(&rotated, body, "whsec_test", 300, 1_700_000_000).is_ok(),
            "any v1 may match"
        );
    }
}
