//! Corrections and updates: dated notes shown openly on the article. Adding
//! one moves the article's dateModified, so aggregators see the change.

use anyhow::Context;

use crate::audit::Target;
use crate::change::Change;
use crate::db::{Db, DbError, sql};
use crate::domain::{ArticleId, Timestamp};
use crate::error::AppError;
use crate::events::Event;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoteKind {
    Correction,
    Update,
}

impl NoteKind {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "correction" => Some(NoteKind::Correction),
            "update" => Some(NoteKind::Update),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NoteKind::Correction => "correction",
            NoteKind::Update => "update",
        }
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Note {
    pub kind: String,
    pub body: String,
    pub created_at: Timestamp,
}

impl Note {
    pub fn label(&self) -> &'static str {
        if self.kind == "correction" {
            "Correction"
        } else {
            "Update"
        }
    }
}

pub const MAX_NOTE_CHARS: usize = 2_000;

/// Adds a dated note to an article, which readers see as an update.
pub async fn add(change: &mut Change, article: ArticleId, kind: NoteKind, body: &str) -> Result<(), AppError> {
    let body = body.trim();
    if body.is_empty() || body.chars().count() > MAX_NOTE_CHARS {
        return Err(AppError::Invalid {
            field: "note".into(),
            message: format!("Write the note in 1 to {MAX_NOTE_CHARS} characters."),
        });
    }
    let found: Option<(String, String)> = sql("SELECT headline, status FROM articles WHERE id = $1")
        .bind(article)
        .fetch_optional(&mut *change)
        .await
        .with_context(|| format!("loading article {article} to note on it"))?;
    let (headline, status) = found.ok_or(AppError::NotFound)?;
    let now = Timestamp::now();
    let by = change.actor().id;
    sql("INSERT INTO article_notes (id, article_id, kind, body, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(uuid::Uuid::now_v7())
        .bind(article)
        .bind(kind.as_str())
        .bind(body)
        .bind(now)
        .bind(by)
        .execute(&mut *change)
        .await
        .with_context(|| format!("adding a note to article {article}"))?;
    sql("UPDATE articles SET updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(article)
        .execute(&mut *change)
        .await
        .with_context(|| format!("dating article {article}'s note"))?;
    let action = match kind {
        NoteKind::Correction => "added a correction",
        NoteKind::Update => "added an update",
    };
    change
        .audit(action, Target::new("article", article, &headline), body)
        .await?;
    if status == "published" {
        change.announce(Event::ContentChanged);
    }
    Ok(())
}

pub async fn of(db: &Db, article: ArticleId) -> Result<Vec<Note>, DbError> {
    sql("SELECT kind, body, created_at FROM article_notes WHERE article_id = $1 ORDER BY created_at")
        .bind(article)
        .fetch_all(db)
        .await
}
