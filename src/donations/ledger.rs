//! The donation ledger, kept from Stripe's webhook events. Every event is
//! stored as received (its id is the key, so a replay changes nothing) and
//! applied in the same transaction. Effects are written as absolute values
//! (a payment's amount, a refund's total) and a status only moves forward in
//! Stripe's time, so events may come in any order. An event that cannot be
//! read is stored as failed with the reason, shown to admins, and never
//! counted as money. `rebuild` derives the whole ledger again from the
//! stored events (reading failed ones afresh).

use crate::audit::{Actor, Target};
use crate::change::Change;
use crate::db::{Db, DbError, sql};
use crate::domain::Timestamp;
use crate::state::AppState;

use super::events::{Charge, CheckoutMode, HANDLED, Meaning, PaymentStatus, Received};
use super::money::Money;
use super::receipts::Sender;

/// What became of a stored event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It changed the ledger.
    Applied,
    /// A type the ledger does not use, or about no donation of ours.
    Ignored,
    /// It could not be read; its problem says why.
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::Ignored => "ignored",
            Outcome::Failed => "failed",
        }
    }
}

/// Stores the event and applies it; None when it was already received.
pub async fn receive(
    state: &AppState,
    event: &Received,
    raw: &str,
    sender: &Sender<'_>,
) -> anyhow::Result<Option<Outcome>> {
    let mut tx = Change::begin(state, Actor::system("Stripe")).await?;
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
        return Ok(None);
    }
    let outcome = apply(&mut tx, event, Some(sender)).await?;
    tx.commit().await?;
    Ok(Some(outcome))
}

/// Which donation an event belongs to: our id in its metadata, else the
/// payment or subscription it is about.
async fn donation_of(tx: &mut Change, meaning: &Meaning) -> anyhow::Result<Option<crate::domain::DonationId>> {
    let (named, intent, subscription) = match meaning {
        Meaning::CheckoutCompleted(s) => (s.donation(), None, None),
        Meaning::InvoicePaid(i) | Meaning::InvoiceFailed(i) => (i.donation(), None, i.subscription()),
        Meaning::SubscriptionEnded(s) => (s.donation(), None, Some(s.id.as_str())),
        Meaning::ChargeRefunded(c) => (c.donation(), c.payment_intent.as_ref().map(|r| r.0.as_str()), None),
        Meaning::Other => return Ok(None),
    };
    if let Some(id) = named {
        let known = sql("SELECT COUNT(*) FROM donations WHERE id = $1")
            .bind(id)
            .fetch_count(&mut *tx)
            .await?;
        if known > 0 {
            return Ok(Some(id));
        }
    }
    if let Some(intent) = intent.filter(|i| !i.is_empty()) {
        let found: Option<(crate::domain::DonationId,)> =
            sql("SELECT donation_id FROM donation_payments WHERE payment_intent = $1")
                .bind(intent)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some((id,)) = found {
            return Ok(Some(id));
        }
    }
    if let Some(subscription) = subscription.filter(|s| !s.is_empty()) {
        let found: Option<(crate::domain::DonationId,)> = sql("SELECT id FROM donations WHERE subscription = $1")
            .bind(subscription)
            .fetch_optional(&mut *tx)
            .await?;
        return Ok(found.map(|(id,)| id));
    }
    Ok(None)
}

/// Moves a donation to `status` unless a later event already set it.
async fn set_status(tx: &mut Change, donation: crate::domain::DonationId, status: &str, at: i64) -> anyhow::Result<()> {
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
    donation: crate::domain::DonationId,
    payment_intent: &'a str,
    amount: &'a Money,
    paid_at: i64,
    email: &'a str,
}

/// Records a payment once; a new one gets its receipt and any refund already reported.
async fn record_payment(tx: &mut Change, payment: Payment<'_>, receipts: Option<&Sender<'_>>) -> anyhow::Result<()> {
    let inserted = sql(
        "INSERT INTO donation_payments (id, donation_id, payment_intent, amount_minor, currency, paid_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
    )
    .bind(payment.id)
    .bind(payment.donation)
    .bind(payment.payment_intent)
    .bind(payment.amount.minor)
    .bind(payment.amount.currency.as_str())
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
            if let Ok(Received {
                meaning: Ok(Meaning::ChargeRefunded(charge)),
                created,
                ..
            }) = Received::parse(payload.as_bytes())
            {
                refund(tx, payment.donation, &charge, created).await?;
            }
        }
    }
    if let Some(sender) = receipts
        && !payment.email.is_empty()
    {
        super::receipts::queue(tx, sender, payment.donation, payment.amount, payment.email).await?;
    }
    Ok(())
}

/// What one event does to the ledger; its outcome is stored with it.
pub async fn apply(tx: &mut Change, event: &Received, receipts: Option<&Sender<'_>>) -> anyhow::Result<Outcome> {
    let outcome = match &event.meaning {
        Err(problem) => {
            tracing::warn!(
                event = event.id,
                kind = event.kind,
                problem,
                "a Stripe event could not be read"
            );
            Outcome::Failed
        }
        Ok(meaning) => match donation_of(tx, meaning).await? {
            Some(donation) => {
                effect(tx, event, meaning, donation, receipts).await?;
                Outcome::Applied
            }
            None => {
                if HANDLED.contains(&event.kind.as_str()) && event.kind != "charge.refunded" {
                    tracing::info!(
                        event = event.id,
                        kind = event.kind,
                        "a Stripe event for no donation of ours"
                    );
                }
                Outcome::Ignored
            }
        },
    };
    sql("UPDATE stripe_events SET outcome = $1, problem = $2 WHERE id = $3")
        .bind(outcome.as_str())
        .bind(event.meaning.as_ref().err().cloned().unwrap_or_default())
        .bind(&event.id)
        .execute(&mut *tx)
        .await?;
    Ok(outcome)
}

async fn effect(
    tx: &mut Change,
    event: &Received,
    meaning: &Meaning,
    donation: crate::domain::DonationId,
    receipts: Option<&Sender<'_>>,
) -> anyhow::Result<()> {
    match meaning {
        Meaning::CheckoutCompleted(session) => {
            let reference = |r: &Option<super::events::Ref>| r.as_ref().map(|r| r.0.clone()).unwrap_or_default();
            sql(
                "UPDATE donations SET customer = CASE WHEN $1 = '' THEN customer ELSE $1 END,
                     subscription = CASE WHEN $2 = '' THEN subscription ELSE $2 END,
                     email = CASE WHEN $3 = '' THEN email ELSE $3 END
                 WHERE id = $4",
            )
            .bind(reference(&session.customer))
            .bind(reference(&session.subscription))
            .bind(session.email())
            .bind(donation)
            .execute(&mut *tx)
            .await?;
            if session.mode == CheckoutMode::Subscription {
                set_status(tx, donation, "active", event.created).await?;
            } else if let (PaymentStatus::Paid, Some(amount)) = (session.payment_status, &session.paid) {
                let intent = session.payment_intent.as_ref().map_or("", |r| r.0.as_str());
                let payment = Payment {
                    id: if intent.is_empty() { &session.id } else { intent },
                    donation,
                    payment_intent: intent,
                    amount,
                    paid_at: event.created,
                    email: session.email(),
                };
                record_payment(tx, payment, receipts).await?;
                set_status(tx, donation, "paid", event.created).await?;
            }
        }
        Meaning::InvoicePaid(invoice) => {
            if let Some(amount) = &invoice.paid {
                let payment = Payment {
                    id: &invoice.id,
                    donation,
                    payment_intent: invoice.payment_intent.as_ref().map_or("", |r| r.0.as_str()),
                    amount,
                    paid_at: invoice.paid_at().unwrap_or(event.created),
                    email: invoice.customer_email.as_deref().unwrap_or(""),
                };
                record_payment(tx, payment, receipts).await?;
            }
            set_status(tx, donation, "active", event.created).await?;
        }
        Meaning::InvoiceFailed(invoice) => {
            sql(
                "INSERT INTO donation_failures (invoice, donation_id, failed_at) VALUES ($1, $2, $3)
                 ON CONFLICT (invoice) DO NOTHING",
            )
            .bind(&invoice.id)
            .bind(donation)
            .bind(Timestamp::from_seconds(event.created))
            .execute(&mut *tx)
            .await?;
            set_status(tx, donation, "past_due", event.created).await?;
        }
        Meaning::SubscriptionEnded(_) => {
            sql("UPDATE donations SET cancelled_at = $1 WHERE id = $2")
                .bind(Timestamp::from_seconds(event.created))
                .bind(donation)
                .execute(&mut *tx)
                .await?;
            set_status(tx, donation, "cancelled", event.created).await?;
        }
        Meaning::ChargeRefunded(charge) => refund(tx, donation, charge, event.created).await?,
        Meaning::Other => {}
    }
    Ok(())
}

/// Sets the refunded total of the payment a charge belongs to; a one-off gift refunded in full is marked so.
async fn refund(tx: &mut Change, donation: crate::domain::DonationId, charge: &Charge, at: i64) -> anyhow::Result<()> {
    let Some(refunded) = &charge.refunded_total else {
        return Ok(());
    };
    let intent = charge.payment_intent.as_ref().map_or("", |r| r.0.as_str());
    sql("UPDATE donation_payments SET refunded_minor = $1 WHERE payment_intent = $2 AND refunded_minor < $1")
        .bind(refunded.minor)
        .bind(intent)
        .execute(&mut *tx)
        .await?;
    let (kind,): (String,) = sql("SELECT kind FROM donations WHERE id = $1")
        .bind(donation)
        .fetch_one(&mut *tx)
        .await?;
    if kind == "one_off" && charge.refunded {
        set_status(tx, donation, "refunded", at).await?;
    }
    Ok(())
}

/// Derives the ledger again from the stored events (the donations' own
/// facts stay); events that failed before are read again.
pub async fn rebuild(tx: &mut Change) -> anyhow::Result<usize> {
    sql("DELETE FROM donation_payments").execute(&mut *tx).await?;
    sql("DELETE FROM donation_failures").execute(&mut *tx).await?;
    sql("UPDATE donations SET status = 'pending', status_at = 0, cancelled_at = NULL")
        .execute(&mut *tx)
        .await?;
    let events: Vec<(String, String)> = sql("SELECT id, payload FROM stripe_events ORDER BY created, id")
        .fetch_all(&mut *tx)
        .await?;
    for (id, payload) in &events {
        match Received::parse(payload.as_bytes()) {
            Ok(event) => {
                apply(&mut *tx, &event, None).await?;
            }
            Err(problem) => {
                sql("UPDATE stripe_events SET outcome = 'failed', problem = $1 WHERE id = $2")
                    .bind(problem)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
    }
    tx.audit(
        "rebuilt the donation ledger",
        Target::new("donations", "ledger", &format!("{} events", events.len())),
        "",
    )
    .await?;
    Ok(events.len())
}

/// A stored event that could not be read, for the admins' list.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Unread {
    pub id: String,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub received_at: Timestamp,
    pub problem: String,
}

/// The events that could not be read, newest first.
pub async fn unread(db: &Db, limit: i64) -> Result<Vec<Unread>, DbError> {
    sql(
        "SELECT id, type, received_at, problem FROM stripe_events WHERE outcome = 'failed'
         ORDER BY received_at DESC, id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db)
    .await
}
