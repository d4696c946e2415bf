//! Invitations to join the newsroom: an admin names the person and their
//! role, the person opens a one-time link (valid for a week) and chooses
//! their own password. Only the link's hash is stored.

use anyhow::Context;

use crate::audit::{Actor, Target};
use crate::change::Change;
use crate::db::{Db, sql};
use crate::domain::{Email, Timestamp};
use crate::error::AppError;

use super::secrets;
use super::staff::{self, NewStaff, Role, Staff};

/// How long an invitation can be accepted.
pub const INVITE_DAYS: i64 = 7;

/// An invitation not yet accepted.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Invite {
    pub email: String,
    pub name: String,
    pub role: String,
}

/// An invitation still waiting, as the staff page lists it. `key` (the
/// stored hash of its link) names it for re-sending or revoking; the link
/// itself cannot be made from it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Pending {
    pub key: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// Invitations neither accepted nor revoked, newest first (expired ones too, to re-send).
pub async fn pending(db: &Db) -> Result<Vec<Pending>, AppError> {
    Ok(sql(
        "SELECT token_hash AS key, email, name, role, created_at, expires_at FROM staff_invites
         WHERE accepted_at IS NULL ORDER BY created_at DESC",
    )
    .fetch_all(db)
    .await
    .context("listing invitations")?)
}

/// Gives a waiting invitation a new link, good for another week (the old
/// link stops working); returns it with the new token.
pub async fn renew(change: &mut Change, key: &str) -> Result<(Invite, String), AppError> {
    let token = secrets::token();
    let now = Timestamp::now();
    let invite: Invite = sql(
        "UPDATE staff_invites SET token_hash = $1, expires_at = $2, created_at = $3
         WHERE token_hash = $4 AND accepted_at IS NULL RETURNING email, name, role",
    )
    .bind(secrets::hash(&token))
    .bind(now.plus_seconds(INVITE_DAYS * 24 * 3600))
    .bind(now)
    .bind(key)
    .fetch_optional(&mut *change)
    .await
    .context("renewing an invitation")?
    .ok_or(AppError::NotFound)?;
    change
        .audit(
            "re-sent an invitation",
            Target::new("staff", &invite.email, &invite.name),
            &invite.role,
        )
        .await?;
    Ok((invite, token))
}

/// Withdraws a waiting invitation: its link no longer works.
pub async fn revoke(change: &mut Change, key: &str) -> Result<Invite, AppError> {
    let invite: Invite =
        sql("DELETE FROM staff_invites WHERE token_hash = $1 AND accepted_at IS NULL RETURNING email, name, role")
            .bind(key)
            .fetch_optional(&mut *change)
            .await
            .context("revoking an invitation")?
            .ok_or(AppError::NotFound)?;
    change
        .audit(
            "revoked an invitation",
            Target::new("staff", &invite.email, &invite.name),
            &invite.role,
        )
        .await?;
    Ok(invite)
}

/// Invites someone; returns the one-time token for their link. An earlier
/// invitation to the same address still waiting is replaced, so only the
/// newest link works.
pub async fn invite(change: &mut Change, email: &Email, name: &str, role: Role) -> Result<String, AppError> {
    let token = secrets::token();
    let now = Timestamp::now();
    let by = change.actor().id;
    sql("DELETE FROM staff_invites WHERE email = $1 AND accepted_at IS NULL")
        .bind(email)
        .execute(&mut *change)
        .await
        .context("replacing an earlier invitation")?;
    sql(
        "INSERT INTO staff_invites (token_hash, email, name, role, invited_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(secrets::hash(&token))
    .bind(email)
    .bind(name)
    .bind(role.as_str())
    .bind(by)
    .bind(now)
    .bind(now.plus_seconds(INVITE_DAYS * 24 * 3600))
    .execute(&mut *change)
    .await
    .context("writing an invitation")?;
    change
        .audit("invited", Target::new("staff", email, name), role.as_str())
        .await?;
    Ok(token)
}

/// The invitation a token opens, if it is still open.
pub async fn open(db: &Db, token: &str) -> Result<Option<Invite>, AppError> {
    Ok(sql(
        "SELECT email, name, role FROM staff_invites WHERE token_hash = $1 AND accepted_at IS NULL AND expires_at > $2",
    )
    .bind(secrets::hash(token))
    .bind(Timestamp::now())
    .fetch_optional(db)
    .await
    .context("opening an invitation")?)
}

/// Uses the invitation once: the staff account is created and the new
/// member is the change's actor from here on.
pub async fn accept(change: &mut Change, token: &str, new: NewStaff<'_>) -> Result<Staff, AppError> {
    let claimed = sql("UPDATE staff_invites SET accepted_at = $1 WHERE token_hash = $2 AND accepted_at IS NULL")
        .bind(Timestamp::now())
        .bind(secrets::hash(token))
        .execute(&mut *change)
        .await
        .context("claiming an invitation")?;
    if claimed == 0 {
        return Err(AppError::Conflict("This invitation has just been used.".into()));
    }
    let role = new.role;
    let member = staff::create(&mut *change, new).await?;
    change.act_as(Actor::from(&member));
    change
        .audit(
            "accepted an invitation",
            Target::new("staff", member.id, &member.email),
            role.as_str(),
        )
        .await?;
    Ok(member)
}
