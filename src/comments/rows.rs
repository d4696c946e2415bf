//! Writing a comment's row: where it stands in its thread (a materialised
//! path, so a thread is read in one indexed query) and the one INSERT that
//! posting, importing and restoring an export all go through; and the
//! article's count of visible comments, derived again after bulk changes.

use anyhow::Context;

use crate::db::{Conn, sql};
use crate::domain::{ArticleId, CommentId, ReaderId, Timestamp};
use crate::error::AppError;

use super::model::{MAX_DEPTH, Status};

/// Where a comment stands: below its parent (if any) in its thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub parent: Option<CommentId>,
    pub root: CommentId,
    /// Each ancestor's id and its own, as 32 hex digits, joined by `/`.
    pub path: String,
    pub depth: i64,
}

impl Place {
    /// A new thread, started by `id`.
    pub fn top(id: CommentId) -> Self {
        Self {
            parent: None,
            root: id,
            path: segment(id),
            depth: 0,
        }
    }

    /// A reply `id` to the comment standing at `parent` (whose id is `parent_id`).
    /// Replies to a comment at the deepest level stand beside it instead, under the same parent.
    pub fn below(id: CommentId, parent_id: CommentId, parent: &Place) -> Self {
        if parent.depth >= MAX_DEPTH {
            let above = parent
                .path
                .rsplit_once('/')
                .map(|(p, _)| p.to_owned())
                .unwrap_or_default();
            return Self {
                parent: parent.parent,
                root: parent.root,
                path: if above.is_empty() {
                    segment(id)
                } else {
                    format!("{above}/{}", segment(id))
                },
                depth: parent.depth,
            };
        }
        Self {
            parent: Some(parent_id),
            root: parent.root,
            path: format!("{}/{}", parent.path, segment(id)),
            depth: parent.depth + 1,
        }
    }
}

fn segment(id: CommentId) -> String {
    id.0.simple().to_string()
}

/// A comment's row.
pub struct Row<'a> {
    pub id: CommentId,
    pub article: ArticleId,
    /// None for a comment brought in from another site (its writer is `guest_name`).
    pub reader: Option<ReaderId>,
    pub place: &'a Place,
    pub body: &'a str,
    pub status: Status,
    pub held_reason: &'a str,
    pub featured: bool,
    pub created_at: Timestamp,
    pub edited_at: Option<Timestamp>,
    pub guest_name: &'a str,
}

/// Writes the row; false when a comment with its id is there already.
pub async fn insert<'c>(conn: impl Into<Conn<'c>>, row: &Row<'_>) -> Result<bool, AppError> {
    let added = sql(
        "INSERT INTO comments (id, article_id, reader_id, parent_id, root_id, path, depth, body, status, held_reason,
             featured, created_at, edited_at, guest_name)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (id) DO NOTHING",
    )
    .bind(row.id)
    .bind(row.article)
    .bind(row.reader)
    .bind(row.place.parent)
    .bind(row.place.root)
    .bind(row.place.path.as_str())
    .bind(row.place.depth)
    .bind(row.body)
    .bind(row.status.as_str())
    .bind(row.held_reason)
    .bind(row.featured)
    .bind(row.created_at)
    .bind(row.edited_at)
    .bind(row.guest_name)
    .execute(conn)
    .await
    .with_context(|| format!("writing comment {} on article {}", row.id, row.article))?;
    Ok(added == 1)
}

/// Brings a comment imported from another site up to date with it: its
/// words, and whether it is shown or waits (the caller recounts).
pub async fn update_imported<'c>(
    conn: impl Into<Conn<'c>>,
    id: CommentId,
    body: &str,
    status: Status,
    held_reason: &str,
) -> Result<(), AppError> {
    sql("UPDATE comments SET body = $2, status = $3, held_reason = $4 WHERE id = $1 AND reader_id IS NULL")
        .bind(id)
        .bind(body)
        .bind(status.as_str())
        .bind(held_reason)
        .execute(conn)
        .await
        .with_context(|| format!("updating imported comment {id}"))?;
    Ok(())
}

/// Sets the article's count of visible comments from the comments themselves.
pub async fn recount(conn: &mut Conn<'_>, article: ArticleId) -> Result<(), AppError> {
    let visible = sql("SELECT COUNT(*) FROM comments WHERE article_id = $1 AND status = 'visible'")
        .bind(article)
        .fetch_count(conn.reborrow())
        .await
        .with_context(|| format!("counting the comments of article {article}"))?;
    crate::articles::write::set_comment_count(conn.reborrow(), article, visible).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_nest_below_their_parent_and_stop_at_the_deepest_level() {
        let top_id = CommentId::new();
        let top = Place::top(top_id);
        assert_eq!((top.depth, top.root, top.parent), (0, top_id, None));
        let mut parent_id = top_id;
        let mut place = top.clone();
        for depth in 1..=MAX_DEPTH {
            let id = CommentId::new();
            place = Place::below(id, parent_id, &place);
            assert_eq!(place.depth, depth);
            assert_eq!(place.parent, Some(parent_id));
            assert!(place.path.starts_with(&top.path) && place.path.ends_with(&id.0.simple().to_string()));
            parent_id = id;
        }
        let deepest_parent = place.parent;
        let beside = Place::below(CommentId::new(), parent_id, &place);
        assert_eq!(beside.depth, MAX_DEPTH, "no deeper than the site allows");
        assert_eq!(
            beside.parent, deepest_parent,
            "it answers the same comment as its neighbour"
        );
        assert_eq!(beside.root, top_id);
    }
}
