//! A receipt for every payment, through the site's mail queue.

use crate::db::sql;

use super::money::Money;

/// What a receipt needs to know about the site.
pub struct Sender<'a> {
    pub site_name: &'a str,
    pub base_url: &'a str,
}

pub async fn queue(
    tx: &mut crate::change::Change,
    sender: &Sender<'_>,
    donation: crate::domain::DonationId,
    amount: &Money,
    to: &str,
) -> anyhow::Result<()> {
    let (kind, token): (String, String) = sql("SELECT kind, manage_token FROM donations WHERE id = $1")
        .bind(donation)
        .fetch_one(&mut *tx)
        .await?;
    let what = if kind == "monthly" {
        "monthly donation"
    } else {
        "donation"
    };
    let mut text = format!(
        "Thank you for your {what} of {amount} to {}.\n\n\
         Your support keeps our journalism free for everyone to read.\n\n\
         This is your receipt. Reference: {donation}\n",
        sender.site_name
    );
    if kind == "monthly" {
        text.push_str(&format!(
            "\nTo change or cancel your monthly donation: {}/support/manage?token={token}\n",
            sender.base_url
        ));
    }
    tx.queued_work();
    crate::mail::queue(
        &mut *tx,
        &crate::mail::Message {
            to: to.to_owned(),
            subject: format!("Your receipt from {}: {amount}", sender.site_name),
            text,
        },
    )
    .await
}
