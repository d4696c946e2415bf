//! The donation ledger, kept from Stripe's webhook events. Every event is
//! stored as received (its id is the key, so a replay changes nothing) and
//! applied in the same transaction. Effects are written as absolute values
//! (a payment's amount, a refund's total) and a status only moves forward in
//! Stripe's time, so events may come in any order. `rebuild` derives the
//! whole ledger again from the stored events.

use serde_json::Value;

use crate::db::{Db, Tx, sql};
use crate::domain::Timestamp;

use super::receipts::Sender;

/// The event types that change the ledger; any other is stored and ignored.
pub const HANDLED: [&str; 5] = [
    "checkout.session.completed",
    "invoice.paid",
    "invoice.payment_failed",
    "customer.subscription.deleted",
    "charge.refunded",
];

pub struct Event {
    pub id: String,
    pub kind: String,
    pub created: i64,
    pub object: Value,
}

impl Event {
    pub fn parse(body: &[u8]) -> Option<Self> {
        let value: Value = serde_json::from_slice(body).ok()?;
        Some(Self {
            id: value["id"].as_str()?.to_owned(),
            kind: value["type"].as_str()?.to_owned(),
            created: value["created"].as_i64()?,
            object: value["data"]["object"].clone(),
        })
    }

    /// The payment intent an event is about (to match refunds with payments).
    fn payment_intent(&self) -> String {
        text(&self.object["payment_intent"]).to_owned()
    }
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

/// Stores the event and applies it; false when it was already received.
pub async fn receive(db: &Db, event: &Event, raw: &str, sender: &Sender<'_>) -> anyhow::Result<bool> {
    let mut tx = db.begin().await?;
    let stored = sql(
        "INSERT INTO stripe_events (id, type, created, payment_intent, payload, received_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
    )
    .bind(&event.id)
    .bind(&event.kind)
    .bind(event.created)
    .bind(event.payment_intent())
    .bind(raw)
    .bind(Timestamp::now())
    .execute(&mut tx)
    .await?;
    if stored == 0 {
        return Ok(false);
    }
    apply(&mut tx, event, Some(sender)).await?;
    tx.commit().await?;
    Ok(true)
}

/// Which donation an object belongs to: our id in its metadata, else its subscription.
async fn donation_of(tx: &mut Tx, object: &Value) -> anyhow::Result<Option<uuid::Uuid>> {
    let candidates = [
        &object["metadata"]["donation_id"],
        &object["client_reference_id"],
        &object["subscription_details"]["metadata"]["donation_id"],
        &object["parent"]["subscription_details"]["metadata"]["donation_id"],
    ];
    for candidate in candidates {
        if let Ok(id) = text(candidate).parse::<uuid::Uuid>() {
            let known = sql("SELECT COUNT(*) FROM donations WHERE id = $1")
                .bind(id)
                .fetch_count(&mut *tx)
                .await?;
            if known > 0 {
                return Ok(Some(id));
            }
        }
    }
    // A charge: the payment it belongs to.
    let intent = text(&object["payment_intent"]);
    if !intent.is_empty() {
        let found: Option<(uuid::Uuid,)> = sql("SELECT donation_id FROM donation_payments WHERE payment_intent = $1")
            .bind(intent)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some((id,)) = found {
            return Ok(Some(id));
        }
    }
    let subscription = [
        &object["subscription"],
        &object["parent"]["subscription_details"]["subscription"],
        &object["id"],
    ]
    .into_iter()
    .map(text)
    .find(|s| s.starts_with("sub_"));
    if let Some(subscription) = subscription {
        let found: Option<(uuid::Uuid,)> = sql("SELECT id FROM donations WHERE subscription = $1")
            .bind(subscription)
            .fetch_optional(&mut *tx)
            .await?;
        return Ok(found.map(|(id,)| id));
    }
    Ok(None)
}

/// Moves a donation to `status` unless a later event already set it.
async fn set_status(tx: &mut Tx, donation: uuid::Uuid, status: &str, at: i64) -> anyhow::Result<()> {
    sql("UPDATE donations SET status = $1, status_at = $2 WHERE id = $3 AND status_at <= $2")
        .bind(status)
        .bind(at)
        .bind(donation)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

struct Payment<'a> {
    id: &'a str,
    donation: uuid::Uuid,
    payment_intent: &'a str,
    amount: i64,
    currency: &'a str,
    paid_at: i64,
    email: &'a str,
}

/// Records a payment once; a new one gets its receipt and any refund already reported.
async fn record_payment(tx: &mut Tx, payment: Payment<'_>, receipts: Option<&Sender<'_>>) -> anyhow::Result<()> {
    let inserted = sql(
        "INSERT INTO donation_payments (id, donation_id, payment_intent, amount_minor, currency, paid_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
    )
    .bind(payment.id)
    .bind(payment.donation)
    .bind(payment.payment_intent)
    .bind(payment.amount)
    .bind(payment.currency)
    .bind(Timestamp::from_seconds(payment.paid_at))
    .execute(&mut *tx)
    .await?;
    if inserted == 0 {
        return Ok(());
    }
    if !payment.payment_intent.is_empty() {
        // A refund reported before the payment it refunds.
        let refunds: Vec<(String,)> =
            sql("SELECT payload FROM stripe_events WHERE type = 'charge.refunded' AND payment_intent = $1")
                .bind(payment.payment_intent)
                .fetch_all(&mut *tx)
                .await?;
        for (payload,) in refunds {
            if let Some(event) = Event::parse(payload.as_bytes()) {
                refund(tx, payment.donation, &event).await?;
            }
        }
    }
    if let Some(sender) = receipts
        && !payment.email.is_empty()
    {
        super::receipts::queue(
            tx,
            sender,
            payment.donation,
            payment.amount,
            payment.currency,
            payment.email,
        )
        .await?;
    }
    Ok(())
}

/// What one event does to the ledger.
pub async fn apply(tx: &mut Tx, event: &Event, receipts: Option<&Sender<'_>>) -> anyhow::Result<()> {
    let o = &event.object;
    let Some(donation) = donation_of(tx, o).await? else {
        if HANDLED.contains(&event.kind.as_str()) && event.kind != "charge.refunded" {
            tracing::info!(
                event = event.id,
                kind = event.kind,
                "a Stripe event for no donation of ours"
            );
        }
        return Ok(());
    };
    match event.kind.as_str() {
        "checkout.session.completed" => {
            let email = text(&o["customer_details"]["email"]);
            sql(
                "UPDATE donations SET customer = CASE WHEN $1 = '' THEN customer ELSE $1 END,
                     subscription = CASE WHEN $2 = '' THEN subscription ELSE $2 END,
                     email = CASE WHEN $3 = '' THEN email ELSE $3 END
                 WHERE id = $4",
            )
            .bind(text(&o["customer"]))
            .bind(text(&o["subscription"]))
            .bind(email)
            .bind(donation)
            .execute(&mut *tx)
            .await?;
            if text(&o["mode"]) == "subscription" {
                set_status(tx, donation, "active", event.created).await?;
            } else if text(&o["payment_status"]) == "paid" {
                let intent = text(&o["payment_intent"]);
                let id = if intent.is_empty() { text(&o["id"]) } else { intent };
                let payment = Payment {
                    id,
                    donation,
                    payment_intent: intent,
                    amount: o["amount_total"].as_i64().unwrap_or(0),
                    currency: text(&o["currency"]),
                    paid_at: event.created,
                    email,
                };
                record_payment(tx, payment, receipts).await?;
                set_status(tx, donation, "paid", event.created).await?;
            }
        }
        "invoice.paid" => {
            let paid_at = o["status_transitions"]["paid_at"].as_i64().unwrap_or(event.created);
            let payment = Payment {
                id: text(&o["id"]),
                donation,
                payment_intent: text(&o["payment_intent"]),
                amount: o["amount_paid"].as_i64().unwrap_or(0),
                currency: text(&o["currency"]),
                paid_at,
                email: text(&o["customer_email"]),
            };
            record_payment(tx, payment, receipts).await?;
            set_status(tx, donation, "active", event.created).await?;
        }
        "invoice.payment_failed" => {
            sql(
                "INSERT INTO donation_failures (invoice, donation_id, failed_at) VALUES ($1, $2, $3)
                 ON CONFLICT (invoice) DO NOTHING",
            )
            .bind(text(&o["id"]))
            .bind(donation)
            .bind(Timestamp::from_seconds(event.created))
            .execute(&mut *tx)
            .await?;
            set_status(tx, donation, "past_due", event.created).await?;
        }
        "customer.subscription.deleted" => {
            sql("UPDATE donations SET cancelled_at = $1 WHERE id = $2")
                .bind(Timestamp::from_seconds(event.created))
                .bind(donation)
                .execute(&mut *tx)
                .await?;
            set_status(tx, donation, "cancelled", event.created).await?;
        }
        "charge.refunded" => refund(tx, donation, event).await?,
        _ => {}
    }
    Ok(())
}

/// Sets the refunded total of the payment a charge belongs to; a one-off gift refunded in full is marked so.
async fn refund(tx: &mut Tx, donation: uuid::Uuid, event: &Event) -> anyhow::Result<()> {
    let o = &event.object;
    let refunded = o["amount_refunded"].as_i64().unwrap_or(0);
    sql("UPDATE donation_payments SET refunded_minor = $1 WHERE payment_intent = $2 AND refunded_minor < $1")
        .bind(refunded)
        .bind(event.payment_intent())
        .execute(&mut *tx)
        .await?;
    let (kind,): (String,) = sql("SELECT kind FROM donations WHERE id = $1")
        .bind(donation)
        .fetch_one(&mut *tx)
        .await?;
    if kind == "one_off" && o["refunded"].as_bool().unwrap_or(false) {
        set_status(tx, donation, "refunded", event.created).await?;
    }
    Ok(())
}

/// Derives the ledger again from the stored events (the donations' own facts stay).
pub async fn rebuild(db: &Db) -> anyhow::Result<usize> {
    let mut tx = db.begin().await?;
    sql("DELETE FROM donation_payments").execute(&mut tx).await?;
    sql("DELETE FROM donation_failures").execute(&mut tx).await?;
    sql("UPDATE donations SET status = 'pending', status_at = 0, cancelled_at = NULL")
        .execute(&mut tx)
        .await?;
    let events: Vec<(String,)> = sql("SELECT payload FROM stripe_events ORDER BY created, id")
        .fetch_all(&mut tx)
        .await?;
    for (payload,) in &events {
        if let Some(event) = Event::parse(payload.as_bytes()) {
            apply(&mut tx, &event, None).await?;
        }
    }
    tx.commit().await?;
    Ok(events.len())
}
