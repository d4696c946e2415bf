//! Who gets which newsletter, and who gets none. An address joins only with
//! its owner's consent: by the emailed confirmation link, by signing up
//! while signed in with a confirmed address, or by an import that carries
//! the consent date. The one way subscribers, their subscriptions, pending
//! sign-ups and the suppression list are written.

use crate::accounts::secrets;
use crate::audit::{Actor, Target};
use crate::change::Change;
use crate::db::{Conn, Db, DbError, sql};
use crate::domain::{EditionId, Email, NewsletterId, ReaderId, SubscriberId, Timestamp};
use crate::error::AppError;

use super::model::Newsletter;

/// Subscribers are spread over this many shards, so one edition is sent by
/// as many jobs (on as many instances) at once.
pub const SHARDS: i64 = 16;
/// How long an emailed confirmation link works.
const SIGNUP_LIFETIME_SECS: i64 = 3 * 24 * 3600;
/// Confirmation emails one address is sent per hour, however often it is entered.
pub const SIGNUPS_PER_HOUR: i64 = 3;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Subscriber {
    pub id: SubscriberId,
    pub email: String,
    pub name: String,
    pub reader_id: Option<ReaderId>,
    pub consent_at: Timestamp,
    pub consent_source: String,
    pub soft_bounces: i64,
}

const COLUMNS: &str = "id, email, name, reader_id, consent_at, consent_source, soft_bounces";

pub async fn by_id(db: &Db, id: SubscriberId) -> Result<Option<Subscriber>, DbError> {
    sql(format!("SELECT {COLUMNS} FROM newsletter_subscribers WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn by_email<'c>(conn: impl Into<Conn<'c>>, email: &str) -> Result<Option<Subscriber>, DbError> {
    sql(format!("SELECT {COLUMNS} FROM newsletter_subscribers WHERE email = $1"))
        .bind(email)
        .fetch_optional(conn)
        .await
}

/// The newsletters this subscriber gets.
pub async fn newsletters_of(db: &Db, subscriber: SubscriberId) -> Result<Vec<NewsletterId>, DbError> {
    let rows: Vec<(NewsletterId,)> = sql("SELECT newsletter_id FROM newsletter_subscriptions WHERE subscriber_id = $1")
        .bind(subscriber)
        .fetch_all(db)
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Who acts when a reader (signed in or not) changes their own subscriptions.
pub fn reader_actor() -> Actor {
    Actor::system("a reader, for themselves")
}

/// Books an emailed confirmation for `email` and the chosen newsletters;
/// returns the link's token, or None when the address has been sent enough
/// links this hour. The same happens whether or not the address is known.
pub async fn request(
    change: &mut Change,
    email: &Email,
    newsletters: &[NewsletterId],
) -> Result<Option<String>, AppError> {
    let now = Timestamp::now();
    let recent = sql("SELECT COUNT(*) FROM newsletter_signups WHERE email = $1 AND created_at > $2")
        .bind(email.as_str())
        .bind(now.plus_seconds(-3600))
        .fetch_count(&mut *change)
        .await?;
    if recent >= SIGNUPS_PER_HOUR {
        return Ok(None);
    }
    let token = secrets::token();
    let ids: Vec<String> = newsletters.iter().map(|n| n.to_string()).collect();
    sql(
        "INSERT INTO newsletter_signups (token_hash, email, newsletters, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(secrets::hash(&token))
    .bind(email.as_str())
    .bind(ids.join(","))
    .bind(now)
    .bind(now.plus_seconds(SIGNUP_LIFETIME_SECS))
    .execute(&mut *change)
    .await?;
    Ok(Some(token))
}

/// What a confirmation link confirmed.
pub struct Confirmed {
    pub subscriber: SubscriberId,
    pub newsletters: Vec<NewsletterId>,
}

/// Spends a confirmation link and subscribes its address. None when the
/// link is unknown, used or expired.
pub async fn confirm(change: &mut Change, token: &str) -> Result<Option<Confirmed>, AppError> {
    let now = Timestamp::now();
    let row: Option<(String, String)> = sql("UPDATE newsletter_signups SET used_at = $1
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1
         RETURNING email, newsletters")
    .bind(now)
    .bind(secrets::hash(token))
    .fetch_optional(&mut *change)
    .await?;
    let Some((email, ids)) = row else {
        return Ok(None);
    };
    let newsletters: Vec<NewsletterId> = ids.split(',').filter_map(|id| id.parse().ok()).collect();
    let email = Email::parse(&email)?;
    // The owner just read mail at this address: whatever kept it off the list no longer holds.
    unsuppress(change, email.as_str()).await?;
    let subscriber = join(change, &email, "", None, now, "emailed confirmation", &newsletters).await?;
    Ok(Some(Confirmed {
        subscriber,
        newsletters,
    }))
}

/// Subscribes an address whose consent is already known (a signed-in reader
/// with a confirmed address, an import with a consent date) to each of
/// `newsletters` it does not get yet; returns the subscriber.
pub async fn join(
    change: &mut Change,
    email: &Email,
    name: &str,
    reader: Option<ReaderId>,
    consent_at: Timestamp,
    source: &str,
    newsletters: &[NewsletterId],
) -> Result<SubscriberId, AppError> {
    let now = Timestamp::now();
    let shard = i64::from(uuid::Uuid::new_v4().as_bytes()[0]) % SHARDS;
    sql(
        "INSERT INTO newsletter_subscribers (id, email, name, reader_id, shard, consent_at, consent_source, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (email) DO NOTHING",
    )
    .bind(SubscriberId::new())
    .bind(email.as_str())
    .bind(name.trim())
    .bind(reader)
    .bind(shard)
    .bind(consent_at)
    .bind(source)
    .bind(now)
    .execute(&mut *change)
    .await?;
    let (id, shard): (SubscriberId, i64) = sql("SELECT id, shard FROM newsletter_subscribers WHERE email = $1")
        .bind(email.as_str())
        .fetch_one(&mut *change)
        .await?;
    if reader.is_some() {
        sql("UPDATE newsletter_subscribers SET reader_id = $1 WHERE id = $2 AND reader_id IS NULL")
            .bind(reader)
            .bind(id)
            .execute(&mut *change)
            .await?;
    }
    let mut added = 0;
    for newsletter in newsletters {
        added += sql(
            "INSERT INTO newsletter_subscriptions (newsletter_id, shard, subscriber_id, created_at)
             SELECT id, $1, $2, $3 FROM newsletters WHERE id = $4 AND retired_at IS NULL
             ON CONFLICT DO NOTHING",
        )
        .bind(shard)
        .bind(id)
        .bind(now)
        .bind(*newsletter)
        .execute(&mut *change)
        .await?;
    }
    if added > 0 {
        change
            .audit(
                "subscribed to newsletters",
                Target::new("subscriber", id, ""),
                &format!("{added} newsletter(s), by {source}"),
            )
            .await?;
    }
    Ok(id)
}

/// Takes a subscriber off one newsletter; counted against the edition whose
/// link they followed, when known. False when they were not on it.
pub async fn leave(
    change: &mut Change,
    subscriber: SubscriberId,
    newsletter: &Newsletter,
    from: Option<EditionId>,
) -> Result<bool, AppError> {
    let removed = sql("DELETE FROM newsletter_subscriptions WHERE subscriber_id = $1 AND newsletter_id = $2")
        .bind(subscriber)
        .bind(newsletter.id)
        .execute(&mut *change)
        .await?;
    if removed == 0 {
        return Ok(false);
    }
    if let Some(edition) = from {
        sql("UPDATE editions SET unsubscribed = unsubscribed + 1 WHERE id = $1 AND newsletter_id = $2")
            .bind(edition)
            .bind(newsletter.id)
            .execute(&mut *change)
            .await?;
    }
    change
        .audit(
            "left a newsletter",
            Target::new("subscriber", subscriber, ""),
            &newsletter.name,
        )
        .await?;
    Ok(true)
}

/// Sets exactly which newsletters a subscriber gets (the manage page, the account page).
pub async fn choose(
    change: &mut Change,
    subscriber: SubscriberId,
    chosen: &[NewsletterId],
    offered: &[Newsletter],
) -> Result<(), AppError> {
    let current = newsletters_of(change.db(), subscriber).await?;
    for newsletter in offered {
        let wanted = chosen.contains(&newsletter.id);
        let has = current.contains(&newsletter.id);
        if has && !wanted {
            leave(change, subscriber, newsletter, None).await?;
        } else if wanted && !has {
            sql(
                // A suppressed address comes back only by confirming a sign-up by email.
                "INSERT INTO newsletter_subscriptions (newsletter_id, shard, subscriber_id, created_at)
                 SELECT $1, s.shard, s.id, $2 FROM newsletter_subscribers s WHERE s.id = $3
                   AND NOT EXISTS (SELECT 1 FROM newsletter_suppressions x WHERE x.email = s.email)
                 ON CONFLICT DO NOTHING",
            )
            .bind(newsletter.id)
            .bind(Timestamp::now())
            .bind(subscriber)
            .execute(&mut *change)
            .await?;
            change
                .audit(
                    "subscribed to newsletters",
                    Target::new("subscriber", subscriber, ""),
                    &newsletter.name,
                )
                .await?;
        }
    }
    Ok(())
}

/// Forgets a subscriber entirely (a reader deleting their account, an admin honouring an erasure request).
pub async fn forget(change: &mut Change, subscriber: SubscriberId) -> Result<(), AppError> {
    sql("DELETE FROM newsletter_subscribers WHERE id = $1")
        .bind(subscriber)
        .execute(&mut *change)
        .await?;
    change
        .audit(
            "removed a newsletter subscriber",
            Target::new("subscriber", subscriber, ""),
            "",
        )
        .await?;
    Ok(())
}

/// A reader closing their account leaves every newsletter too: the
/// subscriber found by their account or their (confirmed) address goes.
pub async fn forget_reader(change: &mut Change, reader: ReaderId, email: Option<&str>) -> Result<(), AppError> {
    let gone: Vec<(SubscriberId,)> =
        sql("DELETE FROM newsletter_subscribers WHERE reader_id = $1 OR email = $2 RETURNING id")
            .bind(reader)
            .bind(email.map(str::to_owned))
            .fetch_all(&mut *change)
            .await?;
    for (id,) in gone {
        change
            .audit(
                "removed a newsletter subscriber",
                Target::new("subscriber", id, ""),
                "their reader account was deleted",
            )
            .await?;
    }
    Ok(())
}

/// The newsletters a reader gets (by their account or their address), with
/// when they joined each: for the reader's own data download.
pub async fn held_for(db: &Db, reader: ReaderId, email: Option<&str>) -> Result<Vec<(String, Timestamp)>, DbError> {
    sql("SELECT n.name, t.created_at FROM newsletter_subscribers s
         JOIN newsletter_subscriptions t ON t.subscriber_id = s.id
         JOIN newsletters n ON n.id = t.newsletter_id
         WHERE s.reader_id = $1 OR s.email = $2 ORDER BY n.position, n.name")
    .bind(reader)
    .bind(email.map(str::to_owned))
    .fetch_all(db)
    .await
}

/// Why no newsletter goes to an address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    HardBounce,
    Complaint,
    SoftBounces,
    Added,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::HardBounce => "hard bounce",
            Reason::Complaint => "complaint",
            Reason::SoftBounces => "repeated soft bounces",
            Reason::Added => "added by an admin",
        }
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Suppression {
    pub email: String,
    pub reason: String,
    pub detail: String,
    pub created_at: Timestamp,
}

/// Puts an address on the suppression list (kept as first recorded) and off every newsletter.
pub async fn suppress(change: &mut Change, email: &str, reason: Reason, detail: &str) -> Result<(), AppError> {
    let email = email.trim().to_lowercase();
    let added = sql(
        "INSERT INTO newsletter_suppressions (email, reason, detail, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (email) DO NOTHING",
    )
    .bind(&email)
    .bind(reason.as_str())
    .bind(detail)
    .bind(Timestamp::now())
    .execute(&mut *change)
    .await?;
    sql("DELETE FROM newsletter_subscriptions WHERE subscriber_id IN
         (SELECT id FROM newsletter_subscribers WHERE email = $1)")
    .bind(&email)
    .execute(&mut *change)
    .await?;
    if added > 0 {
        change
            .audit(
                "suppressed a newsletter address",
                Target::new("suppression", &email, &email),
                detail,
            )
            .await?;
    }
    Ok(())
}

/// Takes an address off the suppression list (it must sign up again to get anything).
pub async fn unsuppress(change: &mut Change, email: &str) -> Result<bool, AppError> {
    let email = email.trim().to_lowercase();
    let removed = sql("DELETE FROM newsletter_suppressions WHERE email = $1")
        .bind(&email)
        .execute(&mut *change)
        .await?;
    if removed > 0 {
        change
            .audit(
                "lifted a newsletter suppression",
                Target::new("suppression", &email, &email),
                "",
            )
            .await?;
    }
    Ok(removed > 0)
}

pub async fn is_suppressed<'c>(conn: impl Into<Conn<'c>>, email: &str) -> Result<bool, DbError> {
    Ok(sql("SELECT COUNT(*) FROM newsletter_suppressions WHERE email = $1")
        .bind(email)
        .fetch_count(conn)
        .await?
        > 0)
}

pub async fn suppressions(db: &Db, limit: i64) -> Result<Vec<Suppression>, DbError> {
    sql("SELECT email, reason, detail, created_at FROM newsletter_suppressions ORDER BY created_at DESC LIMIT $1")
        .bind(limit)
        .fetch_all(db)
        .await
}

/// A soft bounce: counted, and past `limit` in a row the address is suppressed.
pub async fn soft_bounce(
    change: &mut Change,
    subscriber: &Subscriber,
    limit: i64,
    detail: &str,
) -> Result<(), AppError> {
    sql("UPDATE newsletter_subscribers SET soft_bounces = soft_bounces + 1 WHERE id = $1")
        .bind(subscriber.id)
        .execute(&mut *change)
        .await?;
    if subscriber.soft_bounces + 1 >= limit {
        suppress(change, &subscriber.email, Reason::SoftBounces, detail).await?;
    }
    Ok(())
}
