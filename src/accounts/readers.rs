//! Reader accounts: the people who comment, follow each other and get
//! alerts. Kept apart from staff accounts: a reader can never reach the
//! newsroom, and a staff session means nothing on the reader side.

use serde::Serialize;

use anyhow::Context;

use crate::audit::Target;
use crate::change::Change;
use crate::db::{Db, DbError, is_unique_violation, sql};
use crate::domain::{Email, ReaderId, Timestamp};
use crate::error::AppError;

use super::password;

pub const NAME_MAX_CHARS: usize = 50;
pub const BIO_MAX_CHARS: usize = 500;

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Reader {
    pub id: ReaderId,
    pub email: String,
    pub email_verified_at: Option<Timestamp>,
    pub display_name: String,
    pub bio: String,
    #[serde(skip)]
    pub password_hash: Option<String>,
    pub created_at: Timestamp,
    pub suspended_until: Option<Timestamp>,
    pub banned_at: Option<Timestamp>,
    pub sanction_reason: String,
    pub deleted_at: Option<Timestamp>,
}

pub const COLUMNS: &str = "id, email, email_verified_at, display_name, bio, password_hash, created_at, \
    suspended_until, banned_at, sanction_reason, deleted_at";

impl Reader {
    /// Why this reader may not post right now, if they may not, in words
    /// for the reader ("Your account is…").
    pub fn barred(&self, site: &crate::state::Site, now: Timestamp) -> Option<String> {
        self.sanction(site, now)
            .map(|(what, reason)| format!("Your account is {what}. Reason: {reason}"))
    }

    /// The same, in words for a moderator looking at the reader.
    pub fn standing(&self, site: &crate::state::Site, now: Timestamp) -> String {
        match self.sanction(site, now) {
            Some((what, reason)) => {
                let mut what = what;
                what[..1].make_ascii_uppercase();
                format!("{what}. Reason given to them: {reason}")
            }
            None => "In good standing.".into(),
        }
    }

    /// "banned from commenting" or "suspended from commenting until …", and the reason.
    fn sanction(&self, site: &crate::state::Site, now: Timestamp) -> Option<(String, &str)> {
        if self.banned_at.is_some() {
            return Some(("banned from commenting".into(), &self.sanction_reason));
        }
        match self.suspended_until {
            Some(until) if until > now => Some((
                format!("suspended from commenting until {}", site.long_time(until)),
                &self.sanction_reason,
            )),
            _ => None,
        }
    }
}

/// A display name: 1 to 50 characters of text on one line.
pub fn check_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    let invalid = |message: &str| AppError::Invalid {
        field: "display_name".into(),
        message: message.into(),
    };
    if name.is_empty() {
        return Err(invalid("Choose the name other readers will see."));
    }
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(invalid("A display name can be at most 50 characters."));
    }
    if name.chars().any(char::is_control) {
        return Err(invalid("A display name is a single line of text."));
    }
    Ok(name.to_owned())
}

pub fn check_bio(bio: &str) -> Result<String, AppError> {
    let bio = bio.trim();
    if bio.chars().count() > BIO_MAX_CHARS {
        return Err(AppError::Invalid {
            field: "bio".into(),
            message: format!("Keep your bio to {BIO_MAX_CHARS} characters."),
        });
    }
    Ok(bio.to_owned())
}

pub struct NewReader<'a> {
    pub email: Email,
    pub display_name: &'a str,
    pub password: password::Hashed,
    pub ip: &'a str,
}

/// Opens a reader's account; the reader is the change's actor from here on.
pub async fn create(change: &mut Change, new: NewReader<'_>) -> Result<Reader, AppError> {
    let email = new.email;
    let display_name = check_name(new.display_name)?;
    let hash = new.password.as_str().to_owned();
    let id = ReaderId::new();
    let now = Timestamp::now();
    sql("INSERT INTO readers (id, email, display_name, password_hash, created_at, created_ip) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id)
        .bind(&email)
        .bind(&display_name)
        .bind(hash.clone())
        .bind(now)
        .bind(new.ip)
        .execute(&mut *change)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                AppError::Invalid {
                    field: "email".into(),
                    message: "An account with this email already exists. Sign in instead, or reset your password.".into(),
                }
            } else {
                e.into()
            }
        })?;
    let reader = Reader {
        id,
        email: email.into(),
        email_verified_at: None,
        display_name,
        bio: String::new(),
        password_hash: Some(hash),
        created_at: now,
        suspended_until: None,
        banned_at: None,
        sanction_reason: String::new(),
        deleted_at: None,
    };
    change.act_as(crate::audit::Actor::reader(&reader));
    change
        .audit("registered", Target::new("reader", reader.id, &reader.email), new.ip)
        .await?;
    Ok(reader)
}

pub async fn by_id(db: &Db, id: ReaderId) -> Result<Option<Reader>, DbError> {
    sql(format!("SELECT {COLUMNS} FROM readers WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn by_email(db: &Db, email: &str) -> Result<Option<Reader>, DbError> {
    sql(format!(
        "SELECT {COLUMNS} FROM readers WHERE email = $1 AND deleted_at IS NULL"
    ))
    .bind(email.trim().to_lowercase())
    .fetch_optional(db)
    .await
}

/// What a moderator does to a reader's standing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sanction {
    /// No posting for this many days.
    Suspend { days: i64 },
    /// No posting at all.
    Ban,
    /// Back in good standing.
    Lift,
}

/// Suspends, bans or clears a reader, with the reason they are shown.
pub async fn sanction(change: &mut Change, reader: &Reader, sanction: Sanction, reason: &str) -> Result<(), AppError> {
    let now = Timestamp::now();
    let (query, detail) = match sanction {
        Sanction::Suspend { days } => (
            sql("UPDATE readers SET suspended_until = $1, sanction_reason = $2 WHERE id = $3")
                .bind(now.plus_seconds(days * 24 * 3600))
                .bind(reason),
            format!("suspended for {days} days: {reason}"),
        ),
        Sanction::Ban => (
            sql("UPDATE readers SET banned_at = $1, sanction_reason = $2 WHERE id = $3")
                .bind(now)
                .bind(reason),
            format!("banned: {reason}"),
        ),
        Sanction::Lift => (
            sql("UPDATE readers SET banned_at = NULL, suspended_until = NULL, sanction_reason = '' WHERE id = $1"),
            "sanctions lifted".to_owned(),
        ),
    };
    query
        .bind(reader.id)
        .execute(&mut *change)
        .await
        .with_context(|| format!("sanctioning reader {}", reader.id))?;
    change
        .audit(
            "sanctioned a reader",
            Target::new("reader", reader.id, &reader.display_name),
            &detail,
        )
        .await?;
    Ok(())
}

/// Closes an account for good: its address, name, bio, password, sign-in
/// links and sessions go; the row stays (marked deleted) so what refers to it holds.
/// A reader's public name and bio. Their name is on comments in pages
/// every reader shares, so a new name has those pages drawn again.
pub async fn update_profile(change: &mut Change, reader: &Reader, name: &str, bio: &str) -> Result<(), AppError> {
    sql("UPDATE readers SET display_name = $1, bio = $2 WHERE id = $3")
        .bind(name)
        .bind(bio)
        .bind(reader.id)
        .execute(&mut *change)
        .await
        .with_context(|| format!("updating reader {}'s profile", reader.id))?;
    change
        .audit("changed their profile", Target::new("reader", reader.id, name), "")
        .await?;
    if name != reader.display_name {
        change.announce(crate::events::Event::ContentChanged);
    }
    Ok(())
}

pub async fn delete(change: &mut Change, id: ReaderId) -> Result<(), AppError> {
    for query in [
        "DELETE FROM reader_tokens WHERE reader_id = $1",
        "DELETE FROM sessions WHERE account_id = $1",
    ] {
        sql(query)
            .bind(id)
            .execute(&mut *change)
            .await
            .with_context(|| format!("ending reader {id}'s sign-ins"))?;
    }
    sql("UPDATE readers SET email = $1, display_name = 'Deleted reader', bio = '', password_hash = NULL, deleted_at = $2
         WHERE id = $3")
    .bind(format!("deleted-{id}@invalid"))
    .bind(Timestamp::now())
    .bind(id)
    .execute(&mut *change)
    .await
    .with_context(|| format!("deleting reader {id}"))?;
    Ok(())
}
