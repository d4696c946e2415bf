//! Reading comments: a page of threads for an article in one query for the
//! roots and one for everything under them (by the materialised path).

use crate::db::{Db, DbError, sql};
use crate::domain::ArticleId;

use super::model::{ActExport, COMMENT_SELECT, Comment, CommentExport, CommentId, SHOWN_DEPTH};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    Newest,
    Oldest,
    MostLiked,
}

impl Sort {
    pub fn parse(s: &str) -> Self {
        match s {
            "oldest" => Sort::Oldest,
            "liked" => Sort::MostLiked,
            _ => Sort::Newest,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Newest => "newest",
            Sort::Oldest => "oldest",
            Sort::MostLiked => "liked",
        }
    }

    fn order(self) -> &'static str {
        match self {
            Sort::Newest => "c.created_at DESC, c.id DESC",
            Sort::Oldest => "c.created_at, c.id",
            Sort::MostLiked => "c.likes DESC, c.created_at DESC, c.id DESC",
        }
    }
}

/// What a reader may see: visible and removed (as placeholders), and their own held comments.
fn shown(viewer: Option<crate::domain::ReaderId>) -> (&'static str, Option<crate::domain::ReaderId>) {
    match viewer {
        Some(id) => (
            "(c.status IN ('visible', 'removed') OR (c.status = 'held' AND c.reader_id = $V))",
            Some(id),
        ),
        None => ("c.status IN ('visible', 'removed')", None),
    }
}

/// Top-level comments of an article: featured first, then in the chosen
/// order, starting after the thread `after` (the last one a page showed), so
/// a page's next page holds the next threads even while new ones arrive.
pub async fn roots(
    db: &Db,
    article: ArticleId,
    sort: Sort,
    viewer: Option<crate::domain::ReaderId>,
    limit: i64,
    after: Option<&Comment>,
) -> Result<Vec<Comment>, DbError> {
    let (visible, viewer) = shown(viewer);
    let mut next = 3;
    let mut place = || {
        next += 1;
        format!("${}", next - 1)
    };
    let visible = visible.replace("$V", &if viewer.is_some() { place() } else { String::new() });
    let keyset = match after {
        Some(_) => {
            let (featured, created, id) = (place(), place(), place());
            let later = if sort == Sort::Oldest { '>' } else { '<' };
            let by_time = format!("c.created_at {later} {created} OR (c.created_at = {created} AND c.id {later} {id})");
            let within = match sort {
                Sort::MostLiked => {
                    let likes = place();
                    format!("c.likes < {likes} OR (c.likes = {likes} AND ({by_time}))")
                }
                Sort::Newest | Sort::Oldest => by_time,
            };
            format!(" AND (c.featured < {featured} OR (c.featured = {featured} AND ({within})))")
        }
        None => String::new(),
    };
    let text = format!(
        "{COMMENT_SELECT} WHERE c.article_id = $1 AND c.parent_id IS NULL AND {visible}{keyset} ORDER BY c.featured DESC, {} LIMIT $2",
        sort.order()
    );
    let mut query = sql(text).bind(article).bind(limit);
    if let Some(id) = viewer {
        query = query.bind(id);
    }
    if let Some(last) = after {
        query = query.bind(last.featured).bind(last.created_at).bind(last.id);
        if sort == Sort::MostLiked {
            query = query.bind(last.likes);
        }
    }
    query.fetch_all(db).await
}

/// Everything under `roots` down to `root.depth + SHOWN_DEPTH`, in thread order.
pub async fn below(
    db: &Db,
    roots: &[Comment],
    viewer: Option<crate::domain::ReaderId>,
) -> Result<Vec<Comment>, DbError> {
    if roots.is_empty() {
        return Ok(Vec::new());
    }
    let (visible, viewer) = shown(viewer);
    let mut query_text = format!("{COMMENT_SELECT} WHERE (");
    let mut n = 0;
    let mut clauses = Vec::new();
    // root_id narrows to the thread through its index; the path prefix to the branch.
    for _ in roots {
        clauses.push(format!(
            "(c.root_id = ${} AND c.path LIKE ${} AND c.depth <= ${})",
            n + 1,
            n + 2,
            n + 3
        ));
        n += 3;
    }
    query_text.push_str(&clauses.join(" OR "));
    query_text.push_str(&format!(
        ") AND {} ORDER BY c.path",
        visible.replace("$V", &format!("${}", n + 1))
    ));
    let mut query = sql(query_text);
    for root in roots {
        query = query
            .bind(root.root_id)
            .bind(format!("{}/%", root.path))
            .bind(root.depth + SHOWN_DEPTH);
    }
    if let Some(id) = viewer {
        query = query.bind(id);
    }
    query.fetch_all(db).await
}

/// Visible replies to each comment drawn at the depth limit, for "continue this thread".
pub async fn replies_beyond(db: &Db, edge: &[&Comment]) -> Result<std::collections::HashMap<CommentId, i64>, DbError> {
    let mut counts = std::collections::HashMap::new();
    if edge.is_empty() {
        return Ok(counts);
    }
    // One article's threads: naming it lets the (article, parent) index answer.
    let placeholders: Vec<String> = (2..=edge.len() + 1).map(|n| format!("${n}")).collect();
    let mut query = sql(format!(
        "SELECT parent_id, COUNT(*) FROM comments WHERE article_id = $1 AND parent_id IN ({}) AND status = 'visible'
         GROUP BY parent_id",
        placeholders.join(", ")
    ))
    .bind(edge[0].article_id);
    for comment in edge {
        query = query.bind(comment.id);
    }
    let rows: Vec<(CommentId, i64)> = query.fetch_all(db).await?;
    counts.extend(rows);
    Ok(counts)
}

pub async fn by_id<'c>(conn: impl Into<crate::db::Conn<'c>>, id: CommentId) -> Result<Option<Comment>, DbError> {
    sql(format!("{COMMENT_SELECT} WHERE c.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Which of these comments the reader has liked.
pub async fn liked_by(
    db: &Db,
    reader: crate::domain::ReaderId,
    comments: &[CommentId],
) -> Result<Vec<CommentId>, DbError> {
    if comments.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (2..comments.len() + 2).map(|n| format!("${n}")).collect();
    let mut query = sql(format!(
        "SELECT comment_id FROM comment_likes WHERE reader_id = $1 AND comment_id IN ({})",
        placeholders.join(", ")
    ))
    .bind(reader);
    for id in comments {
        query = query.bind(*id);
    }
    let rows: Vec<(CommentId,)> = query.fetch_all(db).await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// A reader's visible comments, newest first, with the article each is on.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ReaderComment {
    pub id: CommentId,
    pub body: String,
    pub created_at: crate::domain::Timestamp,
    pub headline: String,
    pub slug: String,
    pub section_slug: String,
}

pub async fn by_reader(db: &Db, reader: crate::domain::ReaderId, limit: i64) -> Result<Vec<ReaderComment>, DbError> {
    sql(
        "SELECT c.id, c.body, c.created_at, a.headline, a.slug, s.slug AS section_slug
         FROM comments c JOIN articles a ON a.id = c.article_id JOIN sections s ON s.id = a.section_id
         WHERE c.reader_id = $1 AND c.status = 'visible' AND a.status = 'published'
         ORDER BY c.created_at DESC LIMIT $2",
    )
    .bind(reader)
    .bind(limit)
    .fetch_all(db)
    .await
}

pub async fn export_for(db: &Db, reader: crate::domain::ReaderId) -> Result<Vec<CommentExport>, DbError> {
    sql(
        "SELECT c.id, a.headline AS article_headline, c.body, c.status, c.created_at, c.edited_at
         FROM comments c JOIN articles a ON a.id = c.article_id WHERE c.reader_id = $1 ORDER BY c.created_at",
    )
    .bind(reader)
    .fetch_all(db)
    .await
}

/// The comments a reader liked, and those they reported (with why), for their data download.
pub async fn acts_for(db: &Db, reader: crate::domain::ReaderId) -> Result<(Vec<ActExport>, Vec<ActExport>), DbError> {
    let likes = sql(
        "SELECT l.comment_id, a.headline AS article_headline, '' AS reason, l.created_at
         FROM comment_likes l JOIN comments c ON c.id = l.comment_id JOIN articles a ON a.id = c.article_id
         WHERE l.reader_id = $1 ORDER BY l.created_at",
    )
    .bind(reader)
    .fetch_all(db)
    .await?;
    let reports = sql(
        "SELECT r.comment_id, a.headline AS article_headline, r.reason, r.created_at
         FROM comment_reports r JOIN comments c ON c.id = r.comment_id JOIN articles a ON a.id = c.article_id
         WHERE r.reader_id = $1 ORDER BY r.created_at",
    )
    .bind(reader)
    .fetch_all(db)
    .await?;
    Ok((likes, reports))
}
