//! The appeal shown in articles and on /support: the newsroom's words and,
//! when one is running, the campaign's progress towards its goal.

use anyhow::Context;

use crate::audit::Target;
use crate::change::Change;
use crate::db::{Db, DbError, sql};
use crate::domain::{CampaignId, Timestamp};
use crate::error::AppError;
use crate::site::settings;
use crate::state::AppState;

use super::money;

const APPEAL_KEY: &str = "appeal_text";

#[derive(Clone, Debug)]
pub struct Appeal {
    pub text: String,
    pub campaign: Option<Progress>,
}

#[derive(Clone, Debug)]
pub struct Progress {
    pub id: crate::domain::CampaignId,
    pub name: String,
    pub raised: String,
    pub goal: String,
    /// 0–100, for the progress bar.
    pub percent: i64,
    pub ends: String,
}

pub fn default_text(site: &str) -> String {
    format!(
        "{site} is free for everyone to read, and it stays that way because readers who can afford it help pay for it. \
         If you value this reporting, please consider supporting it."
    )
}

pub async fn text(db: &Db, site: &str) -> Result<String, AppError> {
    let stored = settings::get(db, APPEAL_KEY).await?;
    Ok(stored
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| default_text(site)))
}

/// Words the appeal in the newsroom's own voice, for every article at once.
pub async fn set_text(change: &mut Change, text: &str) -> Result<(), AppError> {
    settings::put(&mut *change, APPEAL_KEY, text).await?;
    change
        .audit(
            "changed the donation appeal",
            Target::new("setting", APPEAL_KEY, "appeal"),
            "",
        )
        .await?;
    change.announce(crate::events::Event::ContentChanged);
    Ok(())
}

/// A fundraising campaign, with a goal and a deadline.
pub struct NewCampaign<'a> {
    pub name: &'a str,
    pub goal_minor: i64,
    pub ends_at: Timestamp,
    /// Whether the appeal shows its progress (one campaign at a time).
    pub on_appeal: bool,
}

pub async fn start_campaign(change: &mut Change, new: &NewCampaign<'_>) -> Result<CampaignId, AppError> {
    let id = CampaignId::new();
    let now = Timestamp::now();
    if new.on_appeal {
        sql("UPDATE campaigns SET on_appeal = FALSE")
            .execute(&mut *change)
            .await
            .context("taking other campaigns off the appeal")?;
    }
    sql(
        "INSERT INTO campaigns (id, name, goal_minor, starts_at, ends_at, on_appeal, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $4)",
    )
    .bind(id)
    .bind(new.name)
    .bind(new.goal_minor)
    .bind(now)
    .bind(new.ends_at)
    .bind(new.on_appeal)
    .execute(&mut *change)
    .await
    .context("starting a campaign")?;
    change
        .audit("started a donation campaign", Target::new("campaign", id, new.name), "")
        .await?;
    change.announce(crate::events::Event::ContentChanged);
    Ok(id)
}

#[derive(sqlx::FromRow)]
pub struct CampaignRow {
    pub id: crate::domain::CampaignId,
    pub name: String,
    pub goal_minor: i64,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub on_appeal: bool,
    pub raised: i64,
}

pub const CAMPAIGN_QUERY: &str = "SELECT c.id, c.name, c.goal_minor, c.starts_at, c.ends_at, c.on_appeal,
        CAST(COALESCE((SELECT SUM(p.amount_minor - p.refunded_minor) FROM donation_payments p
                  JOIN donations d ON d.id = p.donation_id
                  WHERE d.campaign_id = c.id), 0) AS BIGINT) AS raised
     FROM campaigns c";

/// The campaign the appeal shows now, if any.
pub async fn running(db: &Db) -> Result<Option<CampaignRow>, DbError> {
    let now = Timestamp::now();
    sql(format!(
        "{CAMPAIGN_QUERY} WHERE c.on_appeal AND c.starts_at <= $1 AND c.ends_at > $1 ORDER BY c.ends_at LIMIT 1"
    ))
    .bind(now)
    .fetch_optional(db)
    .await
}

pub fn progress(state: &AppState, row: &CampaignRow) -> Progress {
    let currency = &state.settings.donations.currency;
    Progress {
        id: row.id,
        name: row.name.clone(),
        raised: money::format(row.raised, currency),
        goal: money::format(row.goal_minor, currency),
        percent: if row.goal_minor > 0 {
            (row.raised * 100 / row.goal_minor).clamp(0, 100)
        } else {
            0
        },
        ends: state.site.short_date(row.ends_at),
    }
}

/// The appeal as it stands; None when donations are off.
pub async fn current(state: &AppState) -> Result<Option<Appeal>, crate::error::AppError> {
    if state.settings.donations.stripe_secret_key.expose().is_empty() {
        return Ok(None);
    }
    let campaign = running(&state.db).await?.map(|row| progress(state, &row));
    Ok(Some(Appeal {
        text: text(&state.db, &state.site.name()).await?,
        campaign,
    }))
}
