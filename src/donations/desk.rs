//! Donations in the newsroom: totals by day and month (one-off and monthly,
//! net of refunds), active monthly donors and churn, a chart, campaigns,
//! the appeal's words; for admins the donation list, its CSV and a rebuild
//! of the ledger from Stripe's events.

use anyhow::Context;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::accounts::{CurrentStaff, Permission};
use crate::audit::Target;
use crate::change::Change;
use crate::db::sql;
use crate::domain::Timestamp;
use crate::error::AppResult;
use crate::newsroom::layout::{Done, NewsroomLayout};
use crate::state::AppState;
use crate::web::form::FormFields;

use super::appeal::{self, CAMPAIGN_QUERY, CampaignRow};
use super::money;

pub struct Bar {
    pub label: String,
    pub one_off: String,
    pub monthly: String,
    /// Heights in the chart, 0–100.
    pub one_off_height: i64,
    pub monthly_height: i64,
}

pub struct CampaignView {
    pub name: String,
    pub raised: String,
    pub goal: String,
    pub percent: i64,
    pub ends: String,
    pub on_appeal: bool,
}

#[derive(Template)]
#[template(path = "newsroom/donations.html")]
struct DonationsPage {
    layout: NewsroomLayout,
    days: Vec<Bar>,
    months: Vec<Bar>,
    total_30: String,
    active_monthly: i64,
    cancelled_30: i64,
    churn: String,
    failed_30: i64,
    campaigns: Vec<CampaignView>,
    appeal_text: String,
    is_admin: bool,
    /// Stripe events that could not be read (shown to admins).
    unread_events: usize,
    error: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Paid {
    kind: String,
    net: i64,
    paid_at: Timestamp,
}

fn bars(state: &AppState, buckets: Vec<(String, i64, i64)>) -> Vec<Bar> {
    let currency = &state.settings.donations.currency;
    let top = buckets.iter().map(|(_, a, b)| a + b).max().unwrap_or(0).max(1);
    buckets
        .into_iter()
        .map(|(label, one_off, monthly)| Bar {
            label,
            one_off: money::format(one_off, currency),
            monthly: money::format(monthly, currency),
            one_off_height: one_off * 100 / top,
            monthly_height: monthly * 100 / top,
        })
        .collect()
}

pub async fn show(
    State(state): State<AppState>,
    who: CurrentStaff,
    Query(done): Query<Done>,
) -> AppResult<Html<String>> {
    render(&state, &who, done.notice(), None).await
}

async fn render(
    state: &AppState,
    who: &CurrentStaff,
    notice: Option<&str>,
    error: Option<String>,
) -> AppResult<Html<String>> {
    let db = &state.db;
    let currency = state.settings.donations.currency.clone();
    let now = Timestamp::now();
    let year_ago = now.plus_seconds(-366 * 86_400);
    let paid: Vec<Paid> = sql(
        "SELECT d.kind, p.amount_minor - p.refunded_minor AS net, p.paid_at FROM donation_payments p
         JOIN donations d ON d.id = p.donation_id WHERE p.paid_at >= $1",
    )
    .bind(year_ago)
    .fetch_all(db)
    .await?;
    let tz = state.site.timezone();
    let day_of = |ts: Timestamp| ts.jiff().to_zoned_datetime(tz.clone()).date();
    let today = day_of(now);
    let mut days: Vec<(String, i64, i64)> = Vec::new();
    for back in (0..30).rev() {
        let date = today.checked_sub(jiff::Span::new().days(back)).unwrap_or(today);
        let (mut one, mut monthly) = (0, 0);
        for p in paid.iter().filter(|p| day_of(p.paid_at) == date) {
            if p.kind == "monthly" {
                monthly += p.net
            } else {
                one += p.net
            }
        }
        days.push((date.strftime("%-d %b").to_string(), one, monthly));
    }
    let mut months: Vec<(String, i64, i64)> = Vec::new();
    for back in (0..12).rev() {
        let first = today
            .first_of_month()
            .checked_sub(jiff::Span::new().months(back))
            .unwrap_or(today);
        let (mut one, mut monthly) = (0, 0);
        for p in paid.iter().filter(|p| {
            let d = day_of(p.paid_at);
            d.year() == first.year() && d.month() == first.month()
        }) {
            if p.kind == "monthly" {
                monthly += p.net
            } else {
                one += p.net
            }
        }
        months.push((first.strftime("%b %Y").to_string(), one, monthly));
    }
    let total_30: i64 = days.iter().map(|(_, a, b)| a + b).sum();
    let month_ago = now.plus_seconds(-30 * 86_400);
    let active_monthly =
        sql("SELECT COUNT(*) FROM donations WHERE kind = 'monthly' AND status IN ('active', 'past_due')")
            .fetch_count(db)
            .await?;
    let cancelled_30 =
        sql("SELECT COUNT(*) FROM donations WHERE kind = 'monthly' AND status = 'cancelled' AND cancelled_at >= $1")
            .bind(month_ago)
            .fetch_count(db)
            .await?;
    let failed_30 = sql("SELECT COUNT(*) FROM donation_failures WHERE failed_at >= $1")
        .bind(month_ago)
        .fetch_count(db)
        .await?;
    let base = active_monthly + cancelled_30;
    let churn = if base == 0 {
        "–".to_owned()
    } else {
        format!("{:.1}%", cancelled_30 as f64 * 100.0 / base as f64)
    };
    let rows: Vec<CampaignRow> = sql(format!("{CAMPAIGN_QUERY} ORDER BY c.ends_at DESC LIMIT 20"))
        .fetch_all(db)
        .await?;
    let campaigns = rows
        .iter()
        .map(|row| {
            let p = appeal::progress(state, row);
            CampaignView {
                name: p.name,
                raised: p.raised,
                goal: p.goal,
                percent: p.percent,
                ends: p.ends,
                on_appeal: row.on_appeal,
            }
        })
        .collect();
    let layout = NewsroomLayout::new(state, who, "Donations", "/newsroom/donations").with_notice(notice);
    Ok(Html(
        DonationsPage {
            layout,
            days: bars(state, days),
            months: bars(state, months),
            total_30: money::format(total_30, &currency),
            active_monthly,
            cancelled_30,
            churn,
            failed_30,
            campaigns,
            appeal_text: appeal::text(db, &state.site.name()).await?,
            is_admin: who.can(Permission::Administer),
            unread_events: if who.can(Permission::Administer) {
                super::ledger::unread(db, 100)
                    .await
                    .context("counting unreadable Stripe events")?
                    .len()
            } else {
                0
            },
            error,
        }
        .render()?,
    ))
}

pub async fn save_appeal(State(state): State<AppState>, who: CurrentStaff, form: FormFields) -> AppResult<Response> {
    let text = form.get("appeal_text").trim();
    if text.chars().count() > 600 {
        return Ok(render(
            &state,
            &who,
            None,
            Some("The appeal can be at most 600 characters.".into()),
        )
        .await?
        .into_response());
    }
    let mut change = Change::begin(&state, &who).await?;
    appeal::set_text(&mut change, text).await?;
    change.commit().await?;
    Ok(Redirect::to("/newsroom/donations?done=updated").into_response())
}

pub async fn create_campaign(
    State(state): State<AppState>,
    who: CurrentStaff,
    form: FormFields,
) -> AppResult<Response> {
    let currency = &state.settings.donations.currency;
    let name = form.get("name").trim();
    let goal = money::parse(form.get("goal"), currency).filter(|g| *g > 0);
    let ends = jiff::civil::Date::strptime("%Y-%m-%d", form.get("ends").trim())
        .ok()
        .and_then(|d| d.to_zoned_datetime(state.site.timezone()).ok())
        .and_then(|z| z.checked_add(jiff::Span::new().days(1)).ok())
        .map(|z| Timestamp::from_micros(z.timestamp().as_microsecond()));
    let problem = if name.is_empty() || name.chars().count() > 80 {
        Some("A campaign needs a name of up to 80 characters.")
    } else if goal.is_none() {
        Some("Write the goal as an amount, such as 50000.")
    } else if ends.is_none_or(|e| e <= Timestamp::now()) {
        Some("Choose a deadline in the future.")
    } else {
        None
    };
    if let Some(problem) = problem {
        return Ok(render(&state, &who, None, Some(problem.into())).await?.into_response());
    }
    let campaign = appeal::NewCampaign {
        name,
        goal_minor: goal.unwrap_or_default(),
        ends_at: ends.unwrap_or_else(Timestamp::now),
        on_appeal: form.get("on_appeal") == "on",
    };
    let mut change = Change::begin(&state, &who).await?;
    appeal::start_campaign(&mut change, &campaign).await?;
    change.commit().await?;
    Ok(Redirect::to("/newsroom/donations?done=created").into_response())
}

#[derive(sqlx::FromRow)]
pub struct Listed {
    id: crate::domain::DonationId,
    created_at: Timestamp,
    kind: String,
    status: String,
    amount_minor: i64,
    fee_minor: i64,
    currency: String,
    email: String,
    message: String,
    headline: Option<String>,
    campaign: Option<String>,
    paid: i64,
    refunded: i64,
}

const LIST: &str =
    "SELECT d.id, d.created_at, d.kind, d.status, d.amount_minor, d.fee_minor, d.currency, d.email, d.message,
        a.headline, c.name AS campaign,
        CAST(COALESCE((SELECT SUM(p.amount_minor) FROM donation_payments p WHERE p.donation_id = d.id), 0) AS BIGINT) AS paid,
        CAST(COALESCE((SELECT SUM(p.refunded_minor) FROM donation_payments p WHERE p.donation_id = d.id), 0) AS BIGINT) AS refunded
     FROM donations d LEFT JOIN articles a ON a.id = d.article_id LEFT JOIN campaigns c ON c.id = d.campaign_id
     WHERE d.status <> 'pending' ORDER BY d.created_at DESC";

pub struct Row {
    pub when: String,
    pub kind: &'static str,
    pub status: String,
    pub amount: String,
    pub paid: String,
    pub email: String,
    pub message: String,
    pub from: String,
}

#[derive(Template)]
#[template(path = "newsroom/donation_list.html")]
struct ListPage {
    layout: NewsroomLayout,
    rows: Vec<Row>,
    /// Stripe events that could not be read: (received, event id, type, why).
    unread: Vec<(String, String, String, String)>,
}

pub async fn list(State(state): State<AppState>, who: CurrentStaff) -> AppResult<Html<String>> {
    let listed: Vec<Listed> = sql(format!("{LIST} LIMIT 500")).fetch_all(&state.db).await?;
    let rows = listed
        .into_iter()
        .map(|d| Row {
            when: state.site.long_time(d.created_at),
            kind: if d.kind == "monthly" { "Monthly" } else { "Once" },
            status: d.status.replace('_', " "),
            amount: money::format(d.amount_minor, &d.currency),
            paid: money::format(d.paid - d.refunded, &d.currency),
            email: d.email,
            message: d.message,
            from: d.headline.or(d.campaign).unwrap_or_default(),
        })
        .collect();
    let unread = super::ledger::unread(&state.db, 100)
        .await
        .context("listing unreadable Stripe events")?
        .into_iter()
        .map(|e| (state.site.long_time(e.received_at), e.id, e.kind, e.problem))
        .collect();
    let layout = NewsroomLayout::new(&state, &who, "Donation list", "/newsroom/donations");
    Ok(Html(ListPage { layout, rows, unread }.render()?))
}

fn csv_field(text: &str) -> String {
    // Quoted, and never read as a formula by a spreadsheet.
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    format!("\"{}\"", text.replace('"', "\"\""))
}

pub async fn csv(State(state): State<AppState>, who: CurrentStaff) -> AppResult<Response> {
    let listed: Vec<Listed> = sql(LIST).fetch_all(&state.db).await?;
    let mut out = String::from(
        "id,created_at,kind,status,amount_minor,fee_minor,currency,paid_minor,refunded_minor,email,message,article,campaign\n",
    );
    for d in listed {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            d.id,
            d.created_at.jiff(),
            d.kind,
            d.status,
            d.amount_minor,
            d.fee_minor,
            d.currency,
            d.paid,
            d.refunded,
            csv_field(&d.email),
            csv_field(&d.message),
            csv_field(d.headline.as_deref().unwrap_or_default()),
            csv_field(d.campaign.as_deref().unwrap_or_default()),
        ));
    }
    let mut change = Change::begin(&state, &who).await?;
    change
        .audit(
            "exported the donation list",
            Target::new("donations", "csv", "donations.csv"),
            "",
        )
        .await?;
    change.commit().await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"donations.csv\""),
        ],
        out,
    )
        .into_response())
}

pub async fn rebuild(State(state): State<AppState>, who: CurrentStaff) -> AppResult<Response> {
    let mut change = Change::begin(&state, &who).await?;
    super::ledger::rebuild(&mut change).await?;
    change.commit().await?;
    Ok(Redirect::to("/newsroom/donations?done=rebuilt").into_response())
}
