//! Corrections and updates: dated notes shown openly on the article. Adding
//! one moves the article's dateModified, so aggregators see the change.

use crate::audit::{self, Actor, Target};
use crate::db::{Db, sql};
use crate::domain::{ArticleId, Timestamp};
use crate::error::AppError;

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

pub async fn add(db: &Db, article: ArticleId, kind: NoteKind, body: &str, actor: &Actor) -> Result<(), AppError> {
    let body = body.trim();
    if body.is_empty() || body.chars().count() > MAX_NOTE_CHARS {
        return Err(AppError::Invalid {
            field: "note".into(),
            message: format!("Write the note in 1 to {MAX_NOTE_CHARS} characters."),
        });
    }
    let headline: Option<(String,)> = sql("SELECT headline FROM articles WHERE id = $1")
        .bind(article)
        .fetch_optional(db)
        .await?;
    let (headline,) = headline.ok_or(AppError::NotFound)?;
    let now = Timestamp::now();
    let mut tx = db.begin().await?;
    sql("INSERT INTO article_notes (id, article_id, kind, body, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(uuid::Uuid::now_v7())
        .bind(article)
        .bind(kind.as_str())
        .bind(body)
        .bind(now)
        .bind(actor.id)
        .execute(&mut tx)
        .await?;
    sql("UPDATE articles SET updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(article)
        .execute(&mut tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        &format!("added a {}", kind.as_str()),
        Target::new("article", article, &headline),
        body,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn of(db: &Db, article: ArticleId) -> Result<Vec<Note>, sqlx::Error> {
    sql("SELECT kind, body, created_at FROM article_notes WHERE article_id = $1 ORDER BY created_at")
        .bind(article)
        .fetch_all(db)
        .await
}
