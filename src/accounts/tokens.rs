//! One-time tokens sent to a reader's email: a link (long random token) and,
//! for signing in, a six-digit code as well. Both are stored hashed, expire,
//! and work once.

use crate::db::{Conn, Db, DbError, sql};
use crate::domain::{ReaderId, Timestamp};

use super::secrets;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Verify,
    Reset,
    Login,
    ChangeEmail,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Verify => "verify",
            Purpose::Reset => "reset",
            Purpose::Login => "login",
            Purpose::ChangeEmail => "change_email",
        }
    }

    /// How long the emailed link or code stays valid.
    pub fn lifetime_secs(self) -> i64 {
        match self {
            Purpose::Verify | Purpose::ChangeEmail => 3 * 24 * 3600,
            Purpose::Reset => 3600,
            Purpose::Login => 15 * 60,
        }
    }
}

pub struct Issued {
    pub token: String,
    /// Six digits, for signing in by code.
    pub code: String,
}

/// A new token for `email` (and the reader, when known).
pub async fn issue<'c>(
    conn: impl Into<Conn<'c>>,
    purpose: Purpose,
    reader: Option<ReaderId>,
    email: &str,
) -> Result<Issued, DbError> {
    let token = secrets::token();
    let mut bytes = [0u8; 4];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    let code = format!("{:06}", u32::from_le_bytes(bytes) % 1_000_000);
    let now = Timestamp::now();
    sql(
        "INSERT INTO reader_tokens (token_hash, purpose, reader_id, email, code_hash, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(secrets::hash(&token))
    .bind(purpose.as_str())
    .bind(reader)
    .bind(email)
    .bind(secrets::hash(&format!("{email}:{code}")))
    .bind(now)
    .bind(now.plus_seconds(purpose.lifetime_secs()))
    .execute(conn)
    .await?;
    Ok(Issued { token, code })
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Redeemed {
    pub reader_id: Option<ReaderId>,
    pub email: String,
}

/// Uses a link token: it must be live and of this purpose; it then is spent.
pub async fn redeem(db: &Db, purpose: Purpose, token: &str) -> Result<Option<Redeemed>, DbError> {
    spend(db, purpose, "token_hash = $3", secrets::hash(token)).await
}

/// Uses a sign-in code typed by the reader for `email`.
pub async fn redeem_code(db: &Db, email: &str, code: &str) -> Result<Option<Redeemed>, DbError> {
    let email = email.trim().to_lowercase();
    let code: String = code.chars().filter(char::is_ascii_digit).collect();
    spend(
        db,
        Purpose::Login,
        "code_hash = $3",
        secrets::hash(&format!("{email}:{code}")),
    )
    .await
}

async fn spend(db: &Db, purpose: Purpose, matching: &str, value: String) -> Result<Option<Redeemed>, DbError> {
    let now = Timestamp::now();
    sql(format!(
        "UPDATE reader_tokens SET used_at = $1
         WHERE {matching} AND purpose = $2 AND used_at IS NULL AND expires_at > $1
         RETURNING reader_id, email"
    ))
    .bind(now)
    .bind(purpose.as_str())
    .bind(value)
    .fetch_optional(db)
    .await
}
