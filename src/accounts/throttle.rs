//! Limits on how often something may be tried: sign-ins per account and per
//! address, registrations per address, forms kept per address. A limit is
//! taken before the work it guards, in one statement, so parallel requests
//! cannot all pass one check; the count lives in the database, so every
//! instance counts the same attempts.

use crate::db::{Conn, DbError, sql};
use crate::domain::Timestamp;
use crate::error::AppError;

/// The window sign-in attempts are counted over.
pub const WINDOW_SECS: i64 = 15 * 60;

/// A thing that is counted, with how many uses it has per window.
#[derive(Clone, Debug)]
pub struct Scope {
    pub key: String,
    pub limit: i64,
    pub window_secs: i64,
}

impl Scope {
    /// Failed sign-ins to one account.
    pub fn email(email: &str) -> Self {
        Self {
            key: format!("email:{}", email.trim().to_lowercase()),
            limit: 5,
            window_secs: WINDOW_SECS,
        }
    }

    /// Failed sign-ins from one address.
    pub fn address(ip: &str) -> Self {
        Self {
            key: format!("ip:{ip}"),
            limit: 30,
            window_secs: WINDOW_SECS,
        }
    }

    /// Any other limit: `limit` uses of `key` per `window_secs`.
    pub fn new(key: impl Into<String>, limit: i64, window_secs: i64) -> Self {
        Self {
            key: key.into(),
            limit,
            window_secs,
        }
    }

    /// The same limit under another name, so two kinds of attempt count apart.
    pub fn named(mut self, prefix: &str) -> Self {
        self.key = format!("{prefix}-{}", self.key);
        self
    }
}

/// Uses one attempt of every scope, or refuses (with when to retry) if any is
/// used up. The count and the check are one statement per scope, so of many
/// parallel requests only as many pass as the limit allows.
pub async fn take<'c>(conn: impl Into<Conn<'c>>, scopes: &[Scope], refusal: &str) -> Result<(), AppError> {
    let mut conn = conn.into();
    let now = Timestamp::now().as_seconds();
    for scope in scopes {
        let (used, window_start): (i64, i64) =
            sql("INSERT INTO rate_limits (scope, window_start, used) VALUES ($1, $2, 1)
             ON CONFLICT (scope) DO UPDATE SET
                used = CASE WHEN rate_limits.window_start <= $3 THEN 1 ELSE rate_limits.used + 1 END,
                window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 ELSE rate_limits.window_start END
             RETURNING used, window_start")
            .bind(&scope.key)
            .bind(now)
            .bind(now - scope.window_secs)
            .fetch_one(conn.reborrow())
            .await?;
        if used > scope.limit {
            let wait = (window_start + scope.window_secs - now).max(1);
            let minutes = (wait + 59) / 60;
            return Err(AppError::TooManyRequests {
                message: format!(
                    "{refusal} Please wait {minutes} minute{} and try again.",
                    if minutes == 1 { "" } else { "s" }
                ),
                retry_after_secs: wait as u64,
            });
        }
    }
    Ok(())
}

/// Sign-in attempts: the refusal every sign-in form shows.
pub async fn take_sign_in<'c>(conn: impl Into<Conn<'c>>, scopes: &[Scope]) -> Result<(), AppError> {
    take(conn, scopes, "Too many failed sign-ins. For your security,").await
}

/// Gives back an attempt that turned out not to count (a sign-in that
/// succeeded, a form refused for a typing mistake).
pub async fn give_back<'c>(conn: impl Into<Conn<'c>>, scope: &Scope) -> Result<(), DbError> {
    sql("UPDATE rate_limits SET used = used - 1 WHERE scope = $1 AND used > 0")
        .bind(&scope.key)
        .execute(conn)
        .await?;
    Ok(())
}

/// A successful sign-in forgives the account's earlier failures.
pub async fn clear<'c>(conn: impl Into<Conn<'c>>, scope: &Scope) -> Result<(), DbError> {
    sql("DELETE FROM rate_limits WHERE scope = $1")
        .bind(&scope.key)
        .execute(conn)
        .await?;
    Ok(())
}
