//! Reader accounts: the people who comment, follow each other and get
//! alerts. Kept apart from staff accounts: a reader can never reach the
//! newsroom, and a staff session means nothing on the reader side.

use serde::Serialize;

use crate::db::{Conn, Db, is_unique_violation, sql};
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
    /// Why this reader may not post right now, if they may not.
    pub fn barred(&self, now: Timestamp) -> Option<String> {
        if self.banned_at.is_some() {
            return Some(format!(
                "Your account is banned from commenting. Reason: {}",
                self.sanction_reason
            ));
        }
        match self.suspended_until {
            Some(until) if until > now => Some(format!(
                "Your account is suspended from commenting until {}. Reason: {}",
                until.rfc3339(),
                self.sanction_reason
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
    pub password: &'a str,
    pub ip: &'a str,
}

pub async fn create<'c>(conn: impl Into<Conn<'c>>, new: NewReader<'_>) -> Result<Reader, AppError> {
    let email = new.email;
    let display_name = check_name(new.display_name)?;
    password::check(new.password)?;
    let hash = password::hash(new.password).await?;
    let id = ReaderId::new();
    let now = Timestamp::now();
    sql("INSERT INTO readers (id, email, display_name, password_hash, created_at, created_ip) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id)
        .bind(&email)
        .bind(&display_name)
        .bind(hash.clone())
        .bind(now)
        .bind(new.ip)
        .execute(conn)
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
    Ok(Reader {
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
    })
}

pub async fn by_id(db: &Db, id: ReaderId) -> Result<Option<Reader>, sqlx::Error> {
    sql(format!("SELECT {COLUMNS} FROM readers WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn by_email(db: &Db, email: &str) -> Result<Option<Reader>, sqlx::Error> {
    sql(format!(
        "SELECT {COLUMNS} FROM readers WHERE email = $1 AND deleted_at IS NULL"
    ))
    .bind(email.trim().to_lowercase())
    .fetch_optional(db)
    .await
}

/// Registrations from one address in the last hour (to slow down bulk sign-ups).
pub async fn recent_from(db: &Db, ip: &str, since: Timestamp) -> Result<i64, sqlx::Error> {
    sql("SELECT COUNT(*) FROM readers WHERE created_ip = $1 AND created_at > $2")
        .bind(ip)
        .bind(since)
        .fetch_count(db)
        .await
}
