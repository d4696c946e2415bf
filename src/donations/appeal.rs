//! The appeal shown in articles and on /support: the newsroom's words and,
//! when one is running, the campaign's progress towards its goal.

use crate::db::{Db, sql};
use crate::domain::Timestamp;
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

pub async fn text(db: &Db, site: &str) -> Result<String, sqlx::Error> {
    let stored: Option<(String,)> = sql("SELECT value FROM site_settings WHERE key = $1")
        .bind(APPEAL_KEY)
        .fetch_optional(db)
        .await?;
    Ok(stored
        .map(|(t,)| t)
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| default_text(site)))
}

pub async fn set_text(db: &Db, text: &str) -> Result<(), sqlx::Error> {
    sql("INSERT INTO site_settings (key, value, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
    .bind(APPEAL_KEY)
    .bind(text)
    .bind(Timestamp::now())
    .execute(db)
    .await?;
    Ok(())
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
pub async fn running(db: &Db) -> Result<Option<CampaignRow>, sqlx::Error> {
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
pub async fn current(state: &AppState) -> Result<Option<Appeal>, sqlx::Error> {
    if state.settings.donations.stripe_secret_key.expose().is_empty() {
        return Ok(None);
    }
    let campaign = running(&state.db).await?.map(|row| progress(state, &row));
    Ok(Some(Appeal {
        text: text(&state.db, &state.site.name).await?,
        campaign,
    }))
}
