//! Staff accounts: the people who make the site, each with one role.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::db::{Conn, Db, is_unique_violation, sql};
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
    pub password: &'a str,
}

pub async fn create<'c>(conn: impl Into<Conn<'c>>, new: NewStaff<'_>) -> Result<Staff, AppError> {
    let email = new.email;
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::Invalid {
            field: "name".into(),
            message: "Enter a name of 1 to 100 characters.".into(),
        });
    }
    password::check(new.password)?;
    let hash = password::hash(new.password).await?;
    let id = StaffId::new();
    sql("INSERT INTO staff (id, email, name, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id)
        .bind(&email)
        .bind(name)
        .bind(new.role.as_str())
        .bind(hash)
        .bind(Timestamp::now())
        .execute(conn)
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
    Ok(Staff {
        id,
        email: email.into(),
        name: name.to_owned(),
        role: new.role,
        author_id: None,
    })
}

pub async fn by_email(db: &Db, email: &str) -> Result<Option<StaffRow>, sqlx::Error> {
    sql(format!("SELECT {COLUMNS} FROM staff WHERE email = $1"))
        .bind(email.trim().to_lowercase())
        .fetch_optional(db)
        .await
}

pub async fn by_id(db: &Db, id: StaffId) -> Result<Option<StaffRow>, sqlx::Error> {
    sql(format!("SELECT {COLUMNS} FROM staff WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn all(db: &Db) -> Result<Vec<StaffRow>, sqlx::Error> {
    sql(format!("SELECT {COLUMNS} FROM staff ORDER BY name"))
        .fetch_all(db)
        .await
}

pub async fn set_role(db: &Db, id: StaffId, role: Role) -> Result<(), sqlx::Error> {
    sql("UPDATE staff SET role = $1 WHERE id = $2")
        .bind(role.as_str())
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_disabled(db: &Db, id: StaffId, disabled: bool) -> Result<(), sqlx::Error> {
    sql("UPDATE staff SET disabled_at = $1 WHERE id = $2")
        .bind(disabled.then(Timestamp::now))
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_author(db: &Db, id: StaffId, author: Option<AuthorId>) -> Result<(), sqlx::Error> {
    sql("UPDATE staff SET author_id = $1 WHERE id = $2")
        .bind(author)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}
