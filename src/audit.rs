//! The audit log: who did what, when, to which item. Every staff and
//! moderator action that changes something is recorded here.

use crate::accounts::Staff;
use crate::db::{Conn, Db, DbError, sql};
use crate::domain::Timestamp;

/// Who acted: a staff member, or the system itself (the scheduler, an import).
#[derive(Clone, Debug)]
pub struct Actor {
    pub id: Option<crate::domain::StaffId>,
    pub name: String,
}

impl Actor {
    /// A reader acting for themselves (their actions are not staff actions, so carry no staff id).
    pub fn reader(reader: &crate::accounts::readers::Reader) -> Self {
        Self {
            id: None,
            name: format!("reader {}", reader.display_name),
        }
    }

    pub fn system(name: &str) -> Self {
        Self {
            id: None,
            name: name.to_owned(),
        }
    }
}

impl From<&crate::accounts::CurrentStaff> for Actor {
    fn from(who: &crate::accounts::CurrentStaff) -> Self {
        Actor::from(&who.staff)
    }
}

impl From<&Staff> for Actor {
    fn from(staff: &Staff) -> Self {
        Self {
            id: Some(staff.id),
            name: staff.name.clone(),
        }
    }
}

/// What was acted on.
pub struct Target<'a> {
    pub kind: &'a str,
    pub id: String,
    pub label: &'a str,
}

impl<'a> Target<'a> {
    pub fn new(kind: &'a str, id: impl ToString, label: &'a str) -> Self {
        Self {
            kind,
            id: id.to_string(),
            label,
        }
    }
}

pub async fn record<'c>(
    conn: impl Into<Conn<'c>>,
    actor: &Actor,
    action: &str,
    target: Target<'_>,
    detail: &str,
) -> Result<(), DbError> {
    sql(
        "INSERT INTO audit_log (id, at, actor_id, actor_name, action, target_kind, target_id, target_label, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(uuid::Uuid::now_v7())
    .bind(Timestamp::now())
    .bind(actor.id)
    .bind(&actor.name)
    .bind(action)
    .bind(target.kind)
    .bind(target.id)
    .bind(target.label)
    .bind(detail)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Entry {
    pub at: Timestamp,
    pub actor_name: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub target_label: String,
    pub detail: String,
}

/// Newest first; `target` narrows to one item (e.g. one article's history).
pub async fn recent(db: &Db, target: Option<(&str, &str)>, limit: i64, offset: i64) -> Result<Vec<Entry>, DbError> {
    let columns = "at, actor_name, action, target_kind, target_id, target_label, detail";
    match target {
        None => {
            sql(format!(
                "SELECT {columns} FROM audit_log ORDER BY at DESC, id DESC LIMIT $1 OFFSET $2"
            ))
            .bind(limit)
            .bind(offset)
            .fetch_all(db)
            .await
        }
        Some((kind, id)) => {
            sql(format!(
                "SELECT {columns} FROM audit_log WHERE target_kind = $1 AND target_id = $2
             ORDER BY at DESC, id DESC LIMIT $3 OFFSET $4"
            ))
            .bind(kind)
            .bind(id)
            .bind(limit)
            .bind(offset)
            .fetch_all(db)
            .await
        }
    }
}
