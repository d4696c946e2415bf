//! Forms kept while their writer signs in, so that what someone typed is
//! waiting for them afterwards. A kept form belongs to whoever kept it: the
//! staff member or reader whose session had just ended, or else the one
//! browser that posted it (by a random cookie only that browser holds). It
//! is handed back only to its owner, is bounded in size, and one address can
//! keep only so many an hour.

use axum::http::{HeaderMap, HeaderValue};

use crate::accounts::secrets;
use crate::accounts::sessions::{self, Kind};
use crate::accounts::throttle::{self, Scope};
use crate::db::{Db, sql};
use crate::domain::{ReaderId, StaffId, Timestamp};
use crate::error::AppError;
use crate::web::form::FormFields;

const KEEP_SECS: i64 = 24 * 3600;
/// The most a kept form may hold, all its fields together.
pub const MAX_BYTES: usize = 512 * 1024;
/// Forms one owner has kept at once; older ones make way.
pub const PER_OWNER: i64 = 5;
/// Forms one address may keep per hour.
pub const PER_ADDRESS_PER_HOUR: i64 = 30;
/// Forms kept on the whole site at once; beyond it nothing more is kept
/// until the oldest expire.
pub const ON_SITE: i64 = 20_000;
/// The cookie naming a browser that kept a form without being signed in.
const BROWSER_COOKIE: &str = "broadsheet_kept";

/// Whose kept form it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Owner {
    Staff(StaffId),
    Reader(ReaderId),
    /// The hash of a browser's kept-forms cookie.
    Browser(String),
}

impl Owner {
    fn key(&self) -> String {
        match self {
            Owner::Staff(id) => format!("staff:{id}"),
            Owner::Reader(id) => format!("reader:{id}"),
            Owner::Browser(hash) => format!("browser:{hash}"),
        }
    }

    /// The staff member whose session cookie this request still carries,
    /// though the session has ended (a forged cookie names nobody).
    pub async fn lapsed_staff(db: &Db, headers: &HeaderMap, cookie: &str) -> Result<Option<Owner>, AppError> {
        Self::lapsed(db, headers, cookie, Kind::Staff).await
    }

    /// The reader whose session cookie this request still carries.
    pub async fn lapsed_reader(db: &Db, headers: &HeaderMap, cookie: &str) -> Result<Option<Owner>, AppError> {
        Self::lapsed(db, headers, cookie, Kind::Reader).await
    }

    async fn lapsed(db: &Db, headers: &HeaderMap, cookie: &str, kind: Kind) -> Result<Option<Owner>, AppError> {
        let Some(token) = sessions::read_cookie(headers, cookie) else {
            return Ok(None);
        };
        Ok(sessions::holder(db, kind, token).await?.map(|id| match kind {
            Kind::Staff => Owner::Staff(StaffId(id)),
            Kind::Reader => Owner::Reader(ReaderId(id)),
        }))
    }

    /// This browser, as its kept-forms cookie names it, if it has one.
    pub fn browser(headers: &HeaderMap) -> Option<Owner> {
        sessions::read_cookie(headers, BROWSER_COOKIE)
            .filter(|value| !value.is_empty())
            .map(|value| Owner::Browser(secrets::hash(value)))
    }

    /// This browser, giving it a kept-forms cookie (to set on the response)
    /// when it has none.
    pub fn browser_or_new(headers: &HeaderMap, secure: bool) -> (Owner, Option<HeaderValue>) {
        match Self::browser(headers) {
            Some(owner) => (owner, None),
            None => {
                let secret = secrets::token();
                let cookie = sessions::cookie(BROWSER_COOKIE, &secret, "/", KEEP_SECS, secure);
                (Owner::Browser(secrets::hash(&secret)), Some(cookie))
            }
        }
    }
}

/// Keeps `fields` for the page at `path`; the returned token fetches them
/// once, for the same owner. `None` when the form is too large to keep or
/// the address or the site has kept as many as it may.
pub async fn keep(
    db: &Db,
    owner: &Owner,
    address: &str,
    path: &str,
    fields: &FormFields,
) -> Result<Option<String>, AppError> {
    let text = serde_json::to_string(fields).map_err(anyhow::Error::from)?;
    if text.len() > MAX_BYTES {
        return Ok(None);
    }
    let now = Timestamp::now();
    sql("DELETE FROM stashed_forms WHERE created_at < $1")
        .bind(now.plus_seconds(-KEEP_SECS))
        .execute(db)
        .await?;
    let limit = Scope::new(format!("keep:{address}"), PER_ADDRESS_PER_HOUR, 3600);
    match throttle::take(db, &[limit], "Too many forms kept.").await {
        Ok(()) => {}
        Err(AppError::TooManyRequests { .. }) => return Ok(None),
        Err(err) => return Err(err),
    }
    if sql("SELECT COUNT(*) FROM stashed_forms").fetch_count(db).await? >= ON_SITE {
        return Ok(None);
    }
    let token = secrets::token();
    let owner = owner.key();
    sql("INSERT INTO stashed_forms (token_hash, path, fields, created_at, owner, address) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(secrets::hash(&token))
        .bind(path)
        .bind(text)
        .bind(now)
        .bind(&owner)
        .bind(address)
        .execute(db)
        .await?;
    sql("DELETE FROM stashed_forms WHERE owner = $1 AND token_hash NOT IN
         (SELECT token_hash FROM stashed_forms WHERE owner = $1 ORDER BY created_at DESC LIMIT $2)")
    .bind(&owner)
    .bind(PER_OWNER)
    .execute(db)
    .await?;
    Ok(Some(token))
}

/// The fields kept for `path` under `token` by one of `owners`, removed as
/// they are handed back. Anyone else's token finds nothing.
pub async fn take(db: &Db, path: &str, token: &str, owners: &[Owner]) -> Result<Option<FormFields>, AppError> {
    let hash = secrets::hash(token);
    let row: Option<(String, String, String)> =
        sql("SELECT path, fields, owner FROM stashed_forms WHERE token_hash = $1")
            .bind(&hash)
            .fetch_optional(db)
            .await?;
    let Some((kept_for, fields, owner)) = row else {
        return Ok(None);
    };
    if kept_for != path || !owners.iter().any(|o| o.key() == owner) {
        return Ok(None);
    }
    sql("DELETE FROM stashed_forms WHERE token_hash = $1")
        .bind(hash)
        .execute(db)
        .await?;
    Ok(Some(serde_json::from_str(&fields).map_err(anyhow::Error::from)?))
}
