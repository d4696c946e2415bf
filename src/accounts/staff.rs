//! Staff accounts: the people who make the site, each with one role.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use anyhow::Context;

use crate::audit::Target;
use crate::change::Change;
use crate::db::{Db, DbError, is_unique_violation, sql};
use crate::domain::{AuthorId, Email, StaffId, Timestamp};
use crate::error::AppError;

use super::password;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Editor,
    Writer,
    Moderator,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Editor, Role::Writer, Role::Moderator];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Writer => "writer",
            Role::Moderator => "moderator",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = AppError;
    fn from_str(s: &str) -> Result<Self, AppError> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| AppError::Invalid {
                field: "role".into(),
                message: "The role must be admin, editor, writer or moderator.".into(),
            })
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StaffRow {
    pub id: StaffId,
    pub email: String,
    pub name: String,
    pub role: String,
    pub password_hash: String,
    pub author_id: Option<AuthorId>,
    pub disabled_at: Option<Timestamp>,
}

/// A staff member as the rest of the code sees them.
#[derive(Clone, Debug)]
pub struct Staff {
    pub id: StaffId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub author_id: Option<AuthorId>,
}

impl TryFrom<StaffRow> for Staff {
    type Error = AppError;
    fn try_from(row: StaffRow) -> Result<Self, AppError> {
        Ok(Staff {
            role: row.role.parse()?,
            id: row.id,
            email: row.email,
            name: row.name,
            author_id: row.author_id,
        })
    }
}

const COLUMNS: &str = "id, email, name, role, password_hash, author_id, disabled_at";

/// Emails are compared without regard to case or surrounding space.
pub struct NewStaff<'a> {
    pub email: Email,
    pub name: &'a str,
    pub role: Role,
    pub password: password::Hashed,
}

/// Opens a staff account; the audit line names who opened it.
pub async fn create(change: &mut Change, new: NewStaff<'_>) -> Result<Staff, AppError> {
    let email = new.email;
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::Invalid {
            field: "name".into(),
            message: "Enter a name of 1 to 100 characters.".into(),
        });
    }
    let id = StaffId::new();
    sql("INSERT INTO staff (id, email, name, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id)
        .bind(&email)
        .bind(name)
        .bind(new.role.as_str())
        .bind(new.password.as_str())
        .bind(Timestamp::now())
        .execute(&mut *change)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                AppError::Invalid {
                    field: "email".into(),
                    message: "A staff account with this email already exists.".into(),
                }
            } else {
                e.into()
            }
        })?;
    // Everyone who writes gets their own byline at once, chosen by default
    // in the editor and on the live desk.
    let author_id = if new.role == Role::Moderator {
        None
    } else {
        let author = own_byline(change, name).await?;
        sql("UPDATE staff SET author_id = $1 WHERE id = $2")
            .bind(author)
            .bind(id)
            .execute(&mut *change)
            .await?;
        Some(author)
    };
    let member = Staff {
        id,
        email: email.into(),
        name: name.to_owned(),
        role: new.role,
        author_id,
    };
    change
        .audit(
            "created a staff account",
            Target::new("staff", member.id, &member.email),
            new.role.as_str(),
        )
        .await?;
    Ok(member)
}

/// The byline of a new member named `name`: an author of that name no one
/// on the staff has yet (bylines brought in by an import), or a new one.
async fn own_byline(change: &mut Change, name: &str) -> Result<AuthorId, AppError> {
    let unclaimed: Option<(AuthorId,)> = sql("SELECT a.id FROM authors a WHERE a.name = $1
           AND NOT EXISTS (SELECT 1 FROM staff s WHERE s.author_id = a.id)
         ORDER BY a.created_at LIMIT 1")
    .bind(name)
    .fetch_optional(&mut *change)
    .await?;
    if let Some((id,)) = unclaimed {
        return Ok(id);
    }
    let base = crate::domain::Slug::suggest(name)
        .map(|s| s.to_string())
        .unwrap_or_else(|| "author".into());
    let mut slug = base.clone();
    for n in 2.. {
        let taken: Option<(String,)> = sql("SELECT slug FROM authors WHERE slug = $1")
            .bind(&slug)
            .fetch_optional(&mut *change)
            .await?;
        if taken.is_none() {
            break;
        }
        slug = format!("{base}-{n}");
    }
    let slug = crate::domain::Slug::parse(&slug).map_err(|_| AppError::Internal(anyhow::anyhow!("slug {slug}")))?;
    crate::site::write::create_author(
        change,
        crate::site::write::NewAuthor {
            slug,
            name,
            job_title: "",
            bio: "",
            photo: None,
        },
    )
    .await
}

pub async fn by_email(db: &Db, email: &str) -> Result<Option<StaffRow>, DbError> {
    sql(format!("SELECT {COLUMNS} FROM staff WHERE email = $1"))
        .bind(email.trim().to_lowercase())
        .fetch_optional(db)
        .await
}

pub async fn by_id(db: &Db, id: StaffId) -> Result<Option<StaffRow>, DbError> {
    sql(format!("SELECT {COLUMNS} FROM staff WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn all(db: &Db) -> Result<Vec<StaffRow>, DbError> {
    sql(format!("SELECT {COLUMNS} FROM staff ORDER BY name"))
        .fetch_all(db)
        .await
}

/// What an admin changes about a staff member.
pub struct StaffChange {
    pub role: Role,
    pub author: Option<AuthorId>,
    /// Whether they may sign in; disabling ends their sessions.
    pub disabled: bool,
}

pub async fn update(change: &mut Change, member: &StaffRow, to: &StaffChange) -> Result<(), AppError> {
    sql("UPDATE staff SET role = $1, author_id = $2, disabled_at = $3 WHERE id = $4")
        .bind(to.role.as_str())
        .bind(to.author)
        .bind(if to.disabled {
            member.disabled_at.or(Some(Timestamp::now()))
        } else {
            None
        })
        .bind(member.id)
        .execute(&mut *change)
        .await
        .with_context(|| format!("updating staff member {}", member.id))?;
    if to.disabled {
        super::sessions::end_all(&mut *change, super::sessions::Kind::Staff, member.id)
            .await
            .context("ending a disabled member's sessions")?;
    }
    let detail = format!(
        "role {}{}",
        to.role,
        if to.disabled { ", sign-in disabled" } else { "" }
    );
    change
        .audit(
            "updated staff member",
            Target::new("staff", member.id, &member.name),
            &detail,
        )
        .await?;
    Ok(())
}

/// Gives the member a new password and ends every session of theirs but
/// `keep` (the one they changed it from), with an audit line; `detail` is
/// what the line adds (the address a reset link was used from).
pub async fn set_password(
    change: &mut Change,
    member: &StaffRow,
    hashed: &password::Hashed,
    keep: Option<&str>,
    detail: &str,
) -> Result<(), AppError> {
    sql("UPDATE staff SET password_hash = $1 WHERE id = $2")
        .bind(hashed.as_str())
        .bind(member.id)
        .execute(&mut *change)
        .await
        .with_context(|| format!("setting staff member {}'s password", member.id))?;
    super::sessions::end_others(&mut *change, super::sessions::Kind::Staff, member.id, keep)
        .await
        .context("ending the member's other sessions")?;
    change
        .audit(
            if keep.is_some() {
                "changed their password"
            } else {
                "set a new password from a reset link"
            },
            Target::new("staff", member.id, &member.email),
            detail,
        )
        .await?;
    Ok(())
}

/// Whether this member asked to be emailed when a story is sent for review.
pub async fn wants_review_emails(db: &Db, id: StaffId) -> Result<bool, DbError> {
    let (on,): (bool,) = sql("SELECT review_emails FROM staff WHERE id = $1")
        .bind(id)
        .fetch_one(db)
        .await?;
    Ok(on)
}

pub async fn set_review_emails(change: &mut Change, member: &Staff, on: bool) -> Result<(), AppError> {
    sql("UPDATE staff SET review_emails = $1 WHERE id = $2")
        .bind(on)
        .bind(member.id)
        .execute(&mut *change)
        .await
        .with_context(|| format!("setting staff member {}'s review emails", member.id))?;
    change
        .audit(
            if on {
                "asked for review emails"
            } else {
                "stopped review emails"
            },
            Target::new("staff", member.id, &member.name),
            "",
        )
        .await?;
    Ok(())
}

/// Who is emailed when a story is sent for review: those who may publish
/// and asked to be, still able to sign in, but not the one who sent it.
pub async fn review_readers(change: &mut Change, except: Option<StaffId>) -> Result<Vec<(String, String)>, DbError> {
    let all: Vec<(StaffId, String, String, String)> = sql(
        "SELECT id, email, name, role FROM staff WHERE review_emails = TRUE AND disabled_at IS NULL ORDER BY email",
    )
    .fetch_all(&mut *change)
    .await?;
    Ok(all
        .into_iter()
        .filter(|(id, _, _, role)| {
            Some(*id) != except
                && role
                    .parse()
                    .is_ok_and(|role| super::Permission::PublishArticles.allows(role))
        })
        .map(|(_, email, name, _)| (email, name))
        .collect())
}
