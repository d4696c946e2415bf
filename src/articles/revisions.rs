//! Revision history: every saved version of an article's content, for a
//! readable diff between versions and for restoring an old one.

use similar::{ChangeTag, TextDiff};

use crate::audit::Actor;
use crate::db::{Conn, Db, DbError, sql};
use crate::domain::{ArticleId, Timestamp};
use crate::error::AppError;

use super::content::ArticleContent;

pub async fn record<'c>(
    conn: impl Into<Conn<'c>>,
    article: ArticleId,
    version: i64,
    content: &ArticleContent,
    actor: &Actor,
) -> Result<(), AppError> {
    let snapshot = serde_json::to_string(content).map_err(|e| AppError::Internal(e.into()))?;
    sql(
        "INSERT INTO article_revisions (id, article_id, version, snapshot, saved_by, saved_by_name, saved_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(uuid::Uuid::now_v7())
    .bind(article)
    .bind(version)
    .bind(snapshot)
    .bind(actor.id)
    .bind(&actor.name)
    .bind(Timestamp::now())
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Revision {
    pub version: i64,
    pub saved_by_name: String,
    pub saved_at: Timestamp,
}

pub async fn list(db: &Db, article: ArticleId) -> Result<Vec<Revision>, DbError> {
    sql("SELECT version, saved_by_name, saved_at FROM article_revisions WHERE article_id = $1 ORDER BY version DESC")
        .bind(article)
        .fetch_all(db)
        .await
}

pub async fn content(
    db: &Db,
    article: ArticleId,
    version: i64,
) -> Result<Option<(Revision, ArticleContent)>, AppError> {
    let row: Option<(i64, String, Timestamp, String)> = sql(
        "SELECT version, saved_by_name, saved_at, snapshot FROM article_revisions WHERE article_id = $1 AND version = $2",
    )
    .bind(article)
    .bind(version)
    .fetch_optional(db)
    .await?;
    match row {
        None => Ok(None),
        Some((version, saved_by_name, saved_at, snapshot)) => {
            let content = serde_json::from_str(&snapshot).map_err(|e| AppError::Internal(e.into()))?;
            Ok(Some((
                Revision {
                    version,
                    saved_by_name,
                    saved_at,
                },
                content,
            )))
        }
    }
}

/// One line of a diff, marked as kept, removed or added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffLine {
    pub kind: &'static str,
    pub text: String,
}

/// A readable line-by-line diff of two texts. Line endings are compared
/// as lines, not as characters: a browser's CRLF is the same line as a stored LF.
pub fn diff(old: &str, new: &str) -> Vec<DiffLine> {
    let (old, new) = (old.replace("\r\n", "\n"), new.replace("\r\n", "\n"));
    TextDiff::from_lines(&old, &new)
        .iter_all_changes()
        .map(|change| DiffLine {
            kind: match change.tag() {
                ChangeTag::Equal => "same",
                ChangeTag::Delete => "removed",
                ChangeTag::Insert => "added",
            },
            text: change.value().trim_end_matches('\n').to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod crlf_tests {
    use super::*;

    #[test]
    fn crlf_from_a_browser_marks_only_the_changed_line() {
        let lines = diff("one\ntwo\nthree\n", "one\r\ntwo, edited\r\nthree\r\n");
        let changed: Vec<_> = lines
            .iter()
            .filter(|l| l.kind != "same")
            .map(|l| l.text.as_str())
            .collect();
        assert_eq!(changed, ["two", "two, edited"]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diff_marks_removed_and_added_lines() {
        let lines = diff("one\ntwo\nthree\n", "one\n2\nthree\n");
        let kinds: Vec<&str> = lines.iter().map(|l| l.kind).collect();
        assert_eq!(kinds, ["same", "removed", "added", "same"]);
        assert_eq!(lines[2].text, "2");
    }
}
