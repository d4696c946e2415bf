//! Sessions: a random token in an HttpOnly, SameSite cookie; its hash in the
//! database with when and from where it was used, so people can see and end
//! their sessions.

use axum::http::{HeaderMap, HeaderValue, header};

use crate::db::{Conn, Db, DbError, sql};
use crate::domain::Timestamp;

use super::secrets;

/// A session ends after this long without use.
pub const IDLE_LIFETIME_SECS: i64 = 14 * 24 * 3600;
/// `last_seen_at` is refreshed at most this often, to spare the database a write per request.
const TOUCH_EVERY_SECS: i64 = 300;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Staff,
    Reader,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Staff => "staff",
            Kind::Reader => "reader",
        }
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Session {
    pub token_hash: String,
    pub account_id: uuid::Uuid,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
    pub user_agent: String,
    pub ip: String,
}

/// Starts a session and returns the token for the cookie.
pub async fn start<'c>(
    conn: impl Into<Conn<'c>>,
    kind: Kind,
    account: impl Into<uuid::Uuid>,
    user_agent: &str,
    ip: &str,
) -> Result<String, DbError> {
    let token = secrets::token();
    let now = Timestamp::now();
    sql("INSERT INTO sessions (token_hash, account_kind, account_id, created_at, last_seen_at, expires_at, user_agent, ip)
         VALUES ($1, $2, $3, $4, $4, $5, $6, $7)")
    .bind(secrets::hash(&token))
    .bind(kind.as_str())
    .bind(account.into())
    .bind(now)
    .bind(now.plus_seconds(IDLE_LIFETIME_SECS))
    .bind(user_agent.chars().take(300).collect::<String>())
    .bind(ip)
    .execute(conn)
    .await?;
    Ok(token)
}

/// The live session a token belongs to, refreshing its expiry now and then.
pub async fn find(db: &Db, kind: Kind, token: &str) -> Result<Option<Session>, DbError> {
    let now = Timestamp::now();
    let session: Option<Session> = sql(
        "SELECT token_hash, account_id, created_at, last_seen_at, expires_at, user_agent, ip
         FROM sessions WHERE token_hash = $1 AND account_kind = $2 AND expires_at > $3",
    )
    .bind(secrets::hash(token))
    .bind(kind.as_str())
    .bind(now)
    .fetch_optional(db)
    .await?;
    if let Some(s) = &session
        && now.as_seconds() - s.last_seen_at.as_seconds() > TOUCH_EVERY_SECS
    {
        sql("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE token_hash = $3")
            .bind(now)
            .bind(now.plus_seconds(IDLE_LIFETIME_SECS))
            .bind(&s.token_hash)
            .execute(db)
            .await?;
    }
    Ok(session)
}

/// Whose session a token was, ended by time or not (but not signed out:
/// signing out removes the session). For handing a kept form back to the
/// person whose session lapsed while they wrote it.
pub async fn holder(db: &Db, kind: Kind, token: &str) -> Result<Option<uuid::Uuid>, DbError> {
    let row: Option<(uuid::Uuid,)> = sql("SELECT account_id FROM sessions WHERE token_hash = $1 AND account_kind = $2")
        .bind(secrets::hash(token))
        .bind(kind.as_str())
        .fetch_optional(db)
        .await?;
    Ok(row.map(|(id,)| id))
}

pub async fn list(db: &Db, kind: Kind, account: impl Into<uuid::Uuid>) -> Result<Vec<Session>, DbError> {
    sql(
        "SELECT token_hash, account_id, created_at, last_seen_at, expires_at, user_agent, ip
         FROM sessions WHERE account_kind = $1 AND account_id = $2 AND expires_at > $3
         ORDER BY last_seen_at DESC",
    )
    .bind(kind.as_str())
    .bind(account.into())
    .bind(Timestamp::now())
    .fetch_all(db)
    .await
}

/// Ends one session of this account (the account check stops ending other people's).
pub async fn end<'c>(
    conn: impl Into<Conn<'c>>,
    account: impl Into<uuid::Uuid>,
    token_hash: &str,
) -> Result<bool, DbError> {
    Ok(sql("DELETE FROM sessions WHERE token_hash = $1 AND account_id = $2")
        .bind(token_hash)
        .bind(account.into())
        .execute(conn)
        .await?
        > 0)
}

pub async fn end_all<'c>(conn: impl Into<Conn<'c>>, kind: Kind, account: impl Into<uuid::Uuid>) -> Result<(), DbError> {
    sql("DELETE FROM sessions WHERE account_kind = $1 AND account_id = $2")
        .bind(kind.as_str())
        .bind(account.into())
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends every session of this account but `keep` (a session's id), or all of them.
pub async fn end_others<'c>(
    conn: impl Into<Conn<'c>>,
    kind: Kind,
    account: impl Into<uuid::Uuid>,
    keep: Option<&str>,
) -> Result<(), DbError> {
    sql("DELETE FROM sessions WHERE account_kind = $1 AND account_id = $2 AND token_hash <> $3")
        .bind(kind.as_str())
        .bind(account.into())
        .bind(keep.unwrap_or(""))
        .execute(conn)
        .await?;
    Ok(())
}

/// The value of one cookie in the request.
pub fn read_cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Secure when the site is on https.
pub fn cookie(name: &str, value: &str, path: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path={path}; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax{secure}"
    ))
    .unwrap_or(HeaderValue::from_static(""))
}
