//! Limits on failed sign-ins, kept in the database so that every instance
//! counts the same failures.

use crate::db::{Db, DbError, sql};
use crate::domain::Timestamp;
use crate::error::AppError;

pub const WINDOW_SECS: i64 = 15 * 60;

/// A thing that is counted, with how many failures it may have per window.
pub struct Scope {
    pub key: String,
    pub limit: i64,
}

impl Scope {
    pub fn email(email: &str) -> Self {
        Self {
            key: format!("email:{}", email.trim().to_lowercase()),
            limit: 5,
        }
    }

    pub fn address(ip: &str) -> Self {
        Self {
            key: format!("ip:{ip}"),
            limit: 30,
        }
    }
}

/// Refuses, with when to retry, once any scope has used up its failures.
pub async fn check(db: &Db, scopes: &[Scope]) -> Result<(), AppError> {
    let now = Timestamp::now();
    let since = now.plus_seconds(-WINDOW_SECS);
    for scope in scopes {
        let (count, oldest): (i64, Option<Timestamp>) =
            sql("SELECT COUNT(*), MIN(at) FROM sign_in_failures WHERE scope = $1 AND at > $2")
                .bind(&scope.key)
                .bind(since)
                .fetch_one(db)
                .await?;
        if count >= scope.limit {
            let free_at = oldest.unwrap_or(now).plus_seconds(WINDOW_SECS);
            let wait = (free_at.as_seconds() - now.as_seconds()).max(1);
            let minutes = (wait + 59) / 60;
            return Err(AppError::TooManyRequests {
                message: format!(
                    "Too many failed sign-ins. For your security, please wait {minutes} minute{} and try again.",
                    if minutes == 1 { "" } else { "s" }
                ),
                retry_after_secs: wait as u64,
            });
        }
    }
    Ok(())
}

pub async fn record_failure(db: &Db, scopes: &[Scope]) -> Result<(), DbError> {
    let now = Timestamp::now();
    for scope in scopes {
        sql("INSERT INTO sign_in_failures (id, scope, at) VALUES ($1, $2, $3)")
            .bind(uuid::Uuid::now_v7())
            .bind(&scope.key)
            .bind(now)
            .execute(db)
            .await?;
    }
    sql("DELETE FROM sign_in_failures WHERE at < $1")
        .bind(now.plus_seconds(-WINDOW_SECS))
        .execute(db)
        .await?;
    Ok(())
}

/// A successful sign-in forgives the account's earlier failures.
pub async fn clear(db: &Db, scope: &Scope) -> Result<(), DbError> {
    sql("DELETE FROM sign_in_failures WHERE scope = $1")
        .bind(&scope.key)
        .execute(db)
        .await?;
    Ok(())
}
