//! What readers see: /support (one-off or monthly, preset or own amount,
//! cover the fees, a message), the trip to Stripe Checkout and back, the
//! thank-you and cancelled pages, managing monthly giving; and the webhook
//! Stripe calls.

use anyhow::Context;
use askama::Template;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::reader_extract::CurrentReader;
use crate::db::sql;
use crate::domain::Timestamp;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::Layout;
use crate::web::form::FormFields;

use super::appeal::{self, Appeal};
use super::events::Received;
use super::ledger;
use super::money;
use super::receipts::Sender;
use super::stripe::{CheckoutRequest, StripeError};

/// Readers who just gave are not asked again for a while (read by the page script).
pub const DONATED_COOKIE: &str = "broadsheet_donated";
const MAX_MESSAGE: usize = 500;

pub struct Preset {
    pub value: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "donations/support.html")]
struct SupportPage {
    layout: Layout,
    appeal: Appeal,
    presets: Vec<Preset>,
    currency: String,
    fees: String,
    fields: FormFields,
    error: Option<(String, String)>,
}

impl SupportPage {
    fn error_for(&self, field: &str) -> bool {
        self.error.as_ref().is_some_and(|(f, _)| f == field)
    }
}

/// The page allows its form to lead to Stripe Checkout.
fn with_checkout_csp(state: &AppState, mut response: Response) -> Response {
    let csp = crate::web::security::policy_with_form_target(&state.settings.donations.checkout_origin);
    if let Ok(value) = HeaderValue::from_str(&csp) {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

async fn support_page(
    state: &AppState,
    fields: FormFields,
    error: Option<(String, String)>,
    status: StatusCode,
) -> AppResult<Response> {
    let settings = &state.settings.donations;
    let appeal = appeal::current(state).await?.ok_or(AppError::NotFound)?;
    let mut layout = Layout::load(
        state,
        "Support our journalism",
        "Keep our journalism free for everyone: give once or monthly.",
        "/support",
    )
    .await?;
    layout.noindex = false;
    let presets = settings
        .presets
        .iter()
        .map(|major| {
            let minor = money::from_major(*major, &settings.currency);
            Preset {
                value: minor.to_string(),
                label: money::format(minor, &settings.currency),
            }
        })
        .collect();
    let example = money::from_major(10, &settings.currency);
    // "about £0.35 on every £10": both amounts carry the currency.
    let fees = format!(
        "{} on every {}",
        money::format(
            money::fee_cover(example, settings.fee_basis_points, settings.fee_fixed_minor),
            &settings.currency,
        ),
        money::format(example, &settings.currency)
    );
    let page = SupportPage {
        layout,
        appeal,
        presets,
        currency: settings.currency.to_uppercase(),
        fees,
        fields,
        error,
    };
    Ok(with_checkout_csp(state, (status, Html(page.render()?)).into_response()))
}

#[derive(Debug, Default, Deserialize)]
pub struct SupportQuery {
    #[serde(default)]
    from: String,
}

pub async fn show(State(state): State<AppState>, Query(query): Query<SupportQuery>) -> AppResult<Response> {
    let mut fields = FormFields::default();
    fields.set("frequency", "monthly");
    if let Some(first) = state
        .settings
        .donations
        .presets
        .get(1)
        .or(state.settings.donations.presets.first())
    {
        fields.set(
            "amount",
            &money::from_major(*first, &state.settings.donations.currency).to_string(),
        );
    }
    fields.set("from", &query.from);
    support_page(&state, fields, None, StatusCode::OK).await
}

/// A donation as the form gives it, checked.
struct Gift {
    monthly: bool,
    amount: i64,
    fee: i64,
    message: String,
    article: Option<crate::domain::ArticleId>,
}

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

fn read_gift(state: &AppState, form: &FormFields) -> Result<Gift, AppError> {
    let settings = &state.settings.donations;
    let currency = &settings.currency;
    let asked = form.get("currency").trim().to_lowercase();
    if !asked.is_empty() && asked != *currency {
        return Err(invalid(
            "currency",
            format!("We take donations in {} only.", currency.to_uppercase()),
        ));
    }
    let monthly = match form.get("frequency") {
        "monthly" => true,
        "once" => false,
        _ => return Err(invalid("frequency", "Choose once or monthly.")),
    };
    let custom = form.get("custom_amount").trim();
    let amount = if custom.is_empty() {
        form.get("amount").trim().parse::<i64>().ok()
    } else {
        money::parse(custom, currency)
    }
    .ok_or_else(|| invalid("custom_amount", "Choose an amount, or write one such as 12 or 12.50."))?;
    let (min, max) = (settings.min_minor, settings.max_minor);
    if amount < min {
        return Err(invalid(
            "custom_amount",
            format!("The smallest donation we can take is {}.", money::format(min, currency)),
        ));
    }
    if amount > max {
        return Err(invalid(
            "custom_amount",
            format!(
                "The largest donation we can take online is {}. Please contact us about larger gifts.",
                money::format(max, currency)
            ),
        ));
    }
    let fee = if form.get("cover_fees") == "on" {
        money::fee_cover(amount, settings.fee_basis_points, settings.fee_fixed_minor)
    } else {
        0
    };
    let message = form.get("message").trim().to_owned();
    if message.chars().count() > MAX_MESSAGE {
        return Err(invalid(
            "message",
            format!("A message can be at most {MAX_MESSAGE} characters."),
        ));
    }
    Ok(Gift {
        monthly,
        amount,
        fee,
        message,
        article: form.get("from").parse().ok(),
    })
}

/// Creates the Checkout Session and sends the reader to it; nothing is recorded if Stripe says no.
pub async fn start(
    State(state): State<AppState>,
    reader: Option<CurrentReader>,
    form: FormFields,
) -> AppResult<Response> {
    let gift = match read_gift(&state, &form) {
        Ok(gift) => gift,
        Err(AppError::Invalid { field, message }) => {
            return support_page(&state, form, Some((field, message)), StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(other) => return Err(other),
    };
    let settings = &state.settings.donations;
    let id = crate::domain::DonationId::new();
    let total = gift.amount + gift.fee;
    let product = if gift.monthly {
        format!("Monthly support for {}", state.site.name())
    } else {
        format!("A gift to {}", state.site.name())
    };
    let email = reader.as_ref().map(|r| r.reader.email.clone());
    let request = CheckoutRequest {
        donation: id,
        monthly: gift.monthly,
        amount_minor: total,
        currency: &settings.currency,
        product: &product,
        email: email.as_deref(),
        success_url: state.site.url("/support/thanks?session_id={CHECKOUT_SESSION_ID}"),
        cancel_url: state.site.url("/support/cancelled"),
    };
    let session = match state.stripe.checkout(&request).await {
        Ok(session) => session,
        Err(err) => {
            tracing::warn!(error = %err, "could not start a Stripe Checkout");
            let message = match err {
                StripeError::NotConfigured => "Donations are not open yet.".to_owned(),
                _ => "We could not reach our payment provider, so nothing was charged. Please try again in a few minutes.".to_owned(),
            };
            return support_page(
                &state,
                form,
                Some(("payment".into(), message)),
                StatusCode::SERVICE_UNAVAILABLE,
            )
            .await;
        }
    };
    let campaign = appeal::running(&state.db).await?.map(|c| c.id);
    let article = match gift.article {
        Some(article) => sql("SELECT COUNT(*) FROM articles WHERE id = $1")
            .bind(article)
            .fetch_count(&state.db)
            .await?
            .gt(&0)
            .then_some(article),
        None => None,
    };
    sql(
        "INSERT INTO donations (id, kind, status, amount_minor, fee_minor, currency, message, article_id, campaign_id,
             reader_id, checkout_session, manage_token, created_at)
         VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(id)
    .bind(if gift.monthly { "monthly" } else { "one_off" })
    .bind(total)
    .bind(gift.fee)
    .bind(&settings.currency)
    .bind(gift.message)
    .bind(article)
    .bind(campaign)
    .bind(reader.map(|r| r.reader.id))
    .bind(&session.id)
    .bind(crate::accounts::secrets::token())
    .bind(Timestamp::now())
    .execute(&state.db)
    .await?;
    Ok(with_checkout_csp(&state, Redirect::to(&session.url).into_response()))
}

#[derive(Template)]
#[template(path = "donations/message.html")]
struct MessagePage {
    layout: Layout,
    heading: String,
    paragraphs: Vec<String>,
    links: Vec<(String, String)>,
}

async fn message_page(
    state: &AppState,
    heading: &str,
    paragraphs: Vec<String>,
    links: Vec<(String, String)>,
) -> AppResult<MessagePage> {
    let mut layout = Layout::load(state, heading, "", "/support").await?;
    layout.canonical = None;
    layout.noindex = true;
    Ok(MessagePage {
        layout,
        heading: heading.to_owned(),
        paragraphs,
        links,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct ThanksQuery {
    #[serde(default)]
    session_id: String,
}

pub async fn thanks(State(state): State<AppState>, Query(query): Query<ThanksQuery>) -> AppResult<Response> {
    let found: Option<(String, i64, String, String, String)> =
        sql("SELECT kind, amount_minor, currency, status, manage_token FROM donations WHERE checkout_session = $1")
            .bind(&query.session_id)
            .fetch_optional(&state.db)
            .await?;
    let mut paragraphs = Vec::new();
    let mut links = vec![("/".to_owned(), "Back to the news".to_owned())];
    match &found {
        Some((kind, amount, currency, status, token)) => {
            let amount = money::format(*amount, currency);
            paragraphs.push(if kind == "monthly" {
                format!("Your monthly donation of {amount} keeps our journalism free for everyone.")
            } else {
                format!("Your donation of {amount} keeps our journalism free for everyone.")
            });
            paragraphs.push(if status == "pending" {
                "Your payment is being confirmed; a receipt will follow by email.".to_owned()
            } else {
                "A receipt is on its way to your inbox.".to_owned()
            });
            if kind == "monthly" {
                links.push((
                    format!("/support/manage?token={token}"),
                    "Manage your monthly donation".into(),
                ));
            }
        }
        None => paragraphs.push("Your support keeps our journalism free for everyone.".into()),
    }
    let page = message_page(&state, "Thank you", paragraphs, links).await?;
    let days = state.settings.donations.hide_after_donating_days.max(0);
    let cookie = format!("{DONATED_COOKIE}=1; Path=/; Max-Age={}; SameSite=Lax", days * 86_400);
    let mut response = Html(page.render()?).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

pub async fn cancelled(State(state): State<AppState>) -> AppResult<Html<String>> {
    let page = message_page(
        &state,
        "No donation was made",
        vec!["You left the payment page, so nothing was charged.".into()],
        vec![
            ("/support".into(), "Try again".into()),
            ("/".into(), "Back to the news".into()),
        ],
    )
    .await?;
    Ok(Html(page.render()?))
}

#[derive(Debug, Default, Deserialize)]
pub struct ManageQuery {
    #[serde(default)]
    token: String,
}

/// Sends a donor to Stripe's customer portal: by the link in their receipt, or as the signed-in reader.
pub async fn manage(
    State(state): State<AppState>,
    reader: Option<CurrentReader>,
    Query(query): Query<ManageQuery>,
) -> AppResult<Response> {
    let customer: Option<(String,)> = if !query.token.is_empty() {
        sql("SELECT customer FROM donations WHERE manage_token = $1 AND customer <> ''")
            .bind(&query.token)
            .fetch_optional(&state.db)
            .await?
    } else if let Some(reader) = &reader {
        sql("SELECT customer FROM donations WHERE reader_id = $1 AND customer <> '' ORDER BY created_at DESC LIMIT 1")
            .bind(reader.reader.id)
            .fetch_optional(&state.db)
            .await?
    } else {
        None
    };
    let Some((customer,)) = customer else {
        let page = message_page(
            &state,
            "Your donations",
            vec!["We found no monthly donation for this link or account. Use the link in your latest receipt, or sign in with the account you donated from.".into()],
            vec![("/support".into(), "Support our journalism".into())],
        )
        .await?;
        return Ok((StatusCode::NOT_FOUND, Html(page.render()?)).into_response());
    };
    match state.stripe.portal(&customer, &state.site.url("/support")).await {
        Ok(url) => Ok(Redirect::to(&url).into_response()),
        Err(err) => {
            tracing::warn!(error = %err, "could not open the Stripe customer portal");
            let page = message_page(
                &state,
                "Your donations",
                vec!["We could not reach our payment provider. Please try again in a few minutes.".into()],
                vec![],
            )
            .await?;
            Ok((StatusCode::SERVICE_UNAVAILABLE, Html(page.render()?)).into_response())
        }
    }
}

/// Stripe's webhook: verified, stored once, applied. A bad signature stores nothing.
pub async fn webhook(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> AppResult<Response> {
    let settings = &state.settings.donations;
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if let Err(why) = super::stripe::verify(
        signature,
        &body,
        settings.stripe_webhook_secret.expose(),
        settings.webhook_tolerance_secs,
        Timestamp::now().as_seconds(),
    ) {
        tracing::warn!(why, "refused a webhook that is not signed by Stripe");
        return Err(AppError::BadRequest(format!(
            "The Stripe-Signature header is not valid: {why}."
        )));
    }
    let event = Received::parse(&body).map_err(|why| AppError::BadRequest(format!("Refused: {why}.")))?;
    let raw = std::str::from_utf8(&body).map_err(|_| AppError::BadRequest("The body is not UTF-8.".into()))?;
    let sender = Sender {
        site_name: &state.site.name(),
        base_url: &state.site.base_url,
    };
    // A stored event is acknowledged even when it could not be read: it is
    // kept with the reason for admins, and Stripe sending it again would not help.
    let outcome = ledger::receive(&state, &event, raw, &sender)
        .await
        .with_context(|| format!("storing Stripe event {}", event.id))?;
    Ok(Json(serde_json::json!({
        "received": true,
        "replay": outcome.is_none(),
        "outcome": outcome.map(|o| o.as_str()),
    }))
    .into_response())
}

/// The running campaign's figures, for appeals drawn before the latest gifts.
pub async fn progress(State(state): State<AppState>) -> AppResult<Response> {
    let running = appeal::running(&state.db).await?;
    let body = match running {
        Some(row) => {
            let p = appeal::progress(&state, &row);
            serde_json::json!({ "campaign": p.name, "raised": p.raised, "goal": p.goal, "percent": p.percent })
        }
        None => serde_json::json!({ "campaign": null }),
    };
    Ok(([(header::CACHE_CONTROL, "public, max-age=30")], Json(body)).into_response())
}
