//! Stripe's webhook events, typed. The fields the ledger relies on are
//! required and checked, so an event missing one, or reshaped by a newer
//! Stripe API version, is refused with the reason instead of being read as
//! zero. Both places Stripe has kept an invoice's subscription are read: the
//! older top-level `subscription` (with `subscription_details`) and the newer
//! `parent.subscription_details` (API versions from 2025-03-31 on).

use std::collections::HashMap;

use serde::Deserialize;

use super::money::{Currency, Money};

/// The event types that change the ledger; any other is stored and ignored.
pub const HANDLED: [&str; 5] = [
    "checkout.session.completed",
    "invoice.paid",
    "invoice.payment_failed",
    "customer.subscription.deleted",
    "charge.refunded",
];

/// An event as received: its envelope, and what it means for the ledger
/// (or why that could not be read).
#[derive(Debug)]
pub struct Received {
    pub id: String,
    pub kind: String,
    /// Stripe's time of the event, in seconds.
    pub created: i64,
    pub meaning: Result<Meaning, String>,
}

/// What one event says happened.
#[derive(Debug)]
pub enum Meaning {
    CheckoutCompleted(CheckoutSession),
    InvoicePaid(Invoice),
    InvoiceFailed(Invoice),
    SubscriptionEnded(Subscription),
    ChargeRefunded(Charge),
    /// A type the ledger does not use.
    Other,
}

#[derive(Deserialize)]
struct Envelope {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    created: i64,
    data: Data,
}

#[derive(Deserialize)]
struct Data {
    object: serde_json::Value,
}

impl Received {
    /// Reads an event. Only an unreadable envelope (no id, type or time) is
    /// an error here: such a body cannot even be stored against its id.
    pub fn parse(body: &[u8]) -> Result<Self, String> {
        let envelope: Envelope =
            serde_json::from_slice(body).map_err(|e| format!("the body is not a Stripe event: {e}"))?;
        let object = envelope.data.object;
        let meaning = match envelope.kind.as_str() {
            "checkout.session.completed" => read(object)
                .and_then(CheckoutSession::checked)
                .map(Meaning::CheckoutCompleted),
            "invoice.paid" => read(object).and_then(Invoice::checked).map(Meaning::InvoicePaid),
            "invoice.payment_failed" => read(object).map(Meaning::InvoiceFailed),
            "customer.subscription.deleted" => read(object).map(Meaning::SubscriptionEnded),
            "charge.refunded" => read(object).and_then(Charge::checked).map(Meaning::ChargeRefunded),
            _ => Ok(Meaning::Other),
        };
        let meaning = meaning.map_err(|why| format!("this {} event could not be read: {why}", envelope.kind));
        Ok(Self {
            id: envelope.id,
            kind: envelope.kind,
            created: envelope.created,
            meaning,
        })
    }

    /// The payment intent the event is about, to match refunds with payments.
    pub fn payment_intent(&self) -> &str {
        match &self.meaning {
            Ok(Meaning::CheckoutCompleted(s)) => s.payment_intent.as_ref().map_or("", |r| r.0.as_str()),
            Ok(Meaning::InvoicePaid(i) | Meaning::InvoiceFailed(i)) => {
                i.payment_intent.as_ref().map_or("", |r| r.0.as_str())
            }
            Ok(Meaning::ChargeRefunded(c)) => c.payment_intent.as_ref().map_or("", |r| r.0.as_str()),
            _ => "",
        }
    }
}

fn read<T: serde::de::DeserializeOwned>(object: serde_json::Value) -> Result<T, String> {
    serde_json::from_value(object).map_err(|e| e.to_string())
}

/// An id Stripe sends as a string, or as the object it names when expanded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ref(pub String);

impl<'de> Deserialize<'de> for Ref {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Shape {
            Id(String),
            Object { id: String },
        }
        Ok(match Shape::deserialize(deserializer)? {
            Shape::Id(id) | Shape::Object { id } => Ref(id),
        })
    }
}

/// Our donation's id, where we put it when starting the Checkout.
fn donation_in(metadata: &HashMap<String, String>) -> Option<crate::domain::DonationId> {
    metadata.get("donation_id").and_then(|id| id.parse().ok())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckoutMode {
    Payment,
    Subscription,
    Setup,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    Paid,
    Unpaid,
    NoPaymentRequired,
}

#[derive(Debug, Default, Deserialize)]
pub struct CustomerDetails {
    pub email: Option<String>,
}

/// `checkout.session.completed`: the donor finished Checkout.
#[derive(Debug, Deserialize)]
pub struct CheckoutSession {
    pub id: String,
    pub mode: CheckoutMode,
    pub payment_status: PaymentStatus,
    pub amount_total: Option<i64>,
    pub currency: Option<String>,
    pub customer: Option<Ref>,
    pub subscription: Option<Ref>,
    pub payment_intent: Option<Ref>,
    pub client_reference_id: Option<String>,
    #[serde(default)]
    pub metadata: HashMap<String, String>,
    pub customer_details: Option<CustomerDetails>,
    /// Set once checked: what a paid one-off gift brought in.
    #[serde(skip)]
    pub paid: Option<Money>,
}

impl CheckoutSession {
    /// A paid one-off Checkout must say how much, in which currency.
    fn checked(mut self) -> Result<Self, String> {
        if self.mode == CheckoutMode::Payment && self.payment_status == PaymentStatus::Paid {
            let amount = self.amount_total.ok_or("a paid Checkout has no amount_total")?;
            let currency = self.currency.as_deref().ok_or("a paid Checkout has no currency")?;
            self.paid = Some(Money::new(amount, Currency::parse(currency)?)?);
        }
        Ok(self)
    }

    pub fn donation(&self) -> Option<crate::domain::DonationId> {
        donation_in(&self.metadata).or_else(|| self.client_reference_id.as_deref()?.parse().ok())
    }

    pub fn email(&self) -> &str {
        self.customer_details
            .as_ref()
            .and_then(|d| d.email.as_deref())
            .unwrap_or("")
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SubscriptionDetails {
    /// Present under `parent` (newer API versions).
    pub subscription: Option<Ref>,
    #[serde(default)]
    pub metadata: HashMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct InvoiceParent {
    pub subscription_details: Option<SubscriptionDetails>,
}

#[derive(Debug, Default, Deserialize)]
pub struct StatusTransitions {
    pub paid_at: Option<i64>,
}

/// `invoice.paid` and `invoice.payment_failed`: a monthly payment.
#[derive(Debug, Deserialize)]
pub struct Invoice {
    pub id: String,
    pub amount_paid: i64,
    pub currency: String,
    pub customer_email: Option<String>,
    pub payment_intent: Option<Ref>,
    /// Where API versions before 2025-03-31 name the subscription.
    pub subscription: Option<Ref>,
    pub subscription_details: Option<SubscriptionDetails>,
    /// Where later versions name it.
    pub parent: Option<InvoiceParent>,
    pub status_transitions: Option<StatusTransitions>,
    #[serde(default)]
    pub metadata: HashMap<String, String>,
    #[serde(skip)]
    pub paid: Option<Money>,
}

impl Invoice {
    fn checked(mut self) -> Result<Self, String> {
        self.paid = Some(Money::new(self.amount_paid, Currency::parse(&self.currency)?)?);
        Ok(self)
    }

    fn details(&self) -> impl Iterator<Item = &SubscriptionDetails> {
        self.parent
            .as_ref()
            .and_then(|p| p.subscription_details.as_ref())
            .into_iter()
            .chain(self.subscription_details.as_ref())
    }

    pub fn donation(&self) -> Option<crate::domain::DonationId> {
        donation_in(&self.metadata).or_else(|| self.details().find_map(|d| donation_in(&d.metadata)))
    }

    pub fn subscription(&self) -> Option<&str> {
        self.details()
            .find_map(|d| d.subscription.as_ref())
            .or(self.subscription.as_ref())
            .map(|r| r.0.as_str())
    }

    pub fn paid_at(&self) -> Option<i64> {
        self.status_transitions.as_ref().and_then(|s| s.paid_at)
    }
}

/// `customer.subscription.deleted`: monthly giving ended.
#[derive(Debug, Deserialize)]
pub struct Subscription {
    pub id: String,
    #[serde(default)]
    pub metadata: HashMap<String, String>,
}

impl Subscription {
    pub fn donation(&self) -> Option<crate::domain::DonationId> {
        donation_in(&self.metadata)
    }
}

/// `charge.refunded`: some or all of a payment went back.
#[derive(Debug, Deserialize)]
pub struct Charge {
    pub id: String,
    pub payment_intent: Option<Ref>,
    pub amount_refunded: i64,
    pub refunded: bool,
    pub currency: String,
    #[serde(default)]
    pub metadata: HashMap<String, String>,
    #[serde(skip)]
    pub refunded_total: Option<Money>,
}

impl Charge {
    fn checked(mut self) -> Result<Self, String> {
        self.refunded_total = Some(Money::new(self.amount_refunded, Currency::parse(&self.currency)?)?);
        Ok(self)
    }

    pub fn donation(&self) -> Option<crate::domain::DonationId> {
        donation_in(&self.metadata)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, object: serde_json::Value) -> Received {
        let body =
            serde_json::json!({ "id": "evt_1", "type": kind, "created": 1_700_000_000, "data": { "object": object } });
        Received::parse(body.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn an_invoice_names_its_subscription_in_either_api_version() {
        let older = event(
            "invoice.paid",
            serde_json::json!({ "id": "in_1", "amount_paid": 500, "currency": "gbp", "subscription": "sub_old",
                "subscription_details": { "metadata": { "donation_id": "0190e0a0-0000-7000-8000-000000000001" } } }),
        );
        let newer = event(
            "invoice.paid",
            serde_json::json!({ "id": "in_2", "amount_paid": 500, "currency": "gbp",
                "parent": { "type": "subscription_details", "subscription_details": {
                    "subscription": { "id": "sub_new", "object": "subscription" },
                    "metadata": { "donation_id": "0190e0a0-0000-7000-8000-000000000002" } } } }),
        );
        let Ok(Meaning::InvoicePaid(older)) = older.meaning else {
            panic!("{older:?}")
        };
        let Ok(Meaning::InvoicePaid(newer)) = newer.meaning else {
            panic!("{newer:?}")
        };
        assert_eq!(older.subscription(), Some("sub_old"));
        assert_eq!(newer.subscription(), Some("sub_new"));
        assert!(older.donation().is_some() && newer.donation().is_some());
        assert_eq!(newer.paid.unwrap().minor, 500);
    }

    #[test]
    fn money_that_is_missing_or_malformed_is_a_reason_never_a_zero() {
        for (kind, object, why) in [
            (
                "checkout.session.completed",
                serde_json::json!({ "id": "cs_1", "mode": "payment", "payment_status": "paid", "currency": "gbp" }),
                "amount_total",
            ),
            (
                "invoice.paid",
                serde_json::json!({ "id": "in_1", "currency": "gbp" }),
                "amount_paid",
            ),
            (
                "invoice.paid",
                serde_json::json!({ "id": "in_1", "amount_paid": "500", "currency": "gbp" }),
                "invalid type",
            ),
            (
                "charge.refunded",
                serde_json::json!({ "id": "ch_1", "amount_refunded": 100, "refunded": false, "currency": "pounds" }),
                "currency",
            ),
            (
                "invoice.paid",
                serde_json::json!({ "id": "in_1", "amount_paid": -5, "currency": "gbp" }),
                "negative",
            ),
        ] {
            let received = event(kind, object);
            let problem = received.meaning.expect_err(kind);
            assert!(problem.contains(why), "{kind}: {problem}");
        }
        assert!(matches!(
            event("customer.created", serde_json::json!({})).meaning,
            Ok(Meaning::Other)
        ));
        assert!(Received::parse(br#"{"type":"invoice.paid"}"#).is_err(), "no id");
    }
}
