//! Forgotten newsroom passwords: a link emailed to the staff member, its
//! token stored hashed, good for one hour and one use.

use crate::change::Change;
use crate::db::{Db, DbError, sql};
use crate::domain::{StaffId, Timestamp};

use super::secrets;

/// How long a link works.
pub const LIFETIME_SECS: i64 = 3600;
/// Links one member may be sent in an hour (the rest are not sent, and the page says the same).
pub const PER_HOUR: i64 = 3;

/// Links sent to the member in the last hour.
pub async fn sent_lately(db: &Db, member: StaffId) -> Result<i64, DbError> {
    sql("SELECT COUNT(*) FROM staff_tokens WHERE staff_id = $1 AND created_at > $2")
        .bind(member)
        .bind(Timestamp::now().plus_seconds(-3600))
        .fetch_count(db)
        .await
}

/// A new link token for the member.
pub async fn issue(change: &mut Change, member: StaffId) -> Result<String, DbError> {
    let token = secrets::token();
    let now = Timestamp::now();
    sql("INSERT INTO staff_tokens (token_hash, staff_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(secrets::hash(&token))
        .bind(member)
        .bind(now)
        .bind(now.plus_seconds(LIFETIME_SECS))
        .execute(&mut *change)
        .await?;
    Ok(token)
}

/// Whether a token can still be spent (the form is offered only then).
pub async fn is_live(db: &Db, token: &str) -> Result<bool, DbError> {
    let live = sql("SELECT COUNT(*) FROM staff_tokens WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2")
        .bind(secrets::hash(token))
        .bind(Timestamp::now())
        .fetch_count(db)
        .await?;
    Ok(live > 0)
}

/// Spends a live token: whose it was, or None when it is unknown, used or expired.
pub async fn redeem(change: &mut Change, token: &str) -> Result<Option<StaffId>, DbError> {
    let now = Timestamp::now();
    sql("UPDATE staff_tokens SET used_at = $1
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1
         RETURNING staff_id")
    .bind(now)
    .bind(secrets::hash(token))
    .fetch_optional(&mut *change)
    .await
    .map(|row: Option<(StaffId,)>| row.map(|(id,)| id))
}
