//! Changing comments: posting (with the filters, rate limit and
//! notifications), editing, removing, liking, reporting, and moderators'
//! decisions. Each keeps the article's visible-comment count in step in the
//! same transaction, and announces the change to every open page.

use anyhow::Context;

use crate::accounts::readers::Reader;
use crate::articles::{self, CommentsMode, Status as ArticleStatus};
use crate::audit::{Actor, Target};
use crate::change::Change;
use crate::config::OnAccountDelete;
use crate::db::{Conn, is_unique_violation, sql};
use crate::domain::{ArticleId, Timestamp};
use crate::error::AppError;
use crate::events::{Change as Changed, Event};
use crate::state::AppState;

use super::filters::Filters;
use super::model::{Comment, CommentId, MAX_CHARS, MAX_DEPTH, Status};
use super::queries;
use super::rows::{self, Place};

pub struct NewComment<'a> {
    pub article: ArticleId,
    pub parent: Option<CommentId>,
    pub body: &'a str,
    /// The id the form asks for (see `forum::Draft::key`).
    pub key: Option<CommentId>,
}

/// The posted comment, and whether it waits for a moderator.
pub struct Posted {
    pub id: CommentId,
    pub held: bool,
}

fn check_body(body: &str) -> Result<String, AppError> {
    let body = body.trim().replace("\r\n", "\n");
    let chars = body.chars().count();
    if chars == 0 {
        return Err(AppError::Invalid {
            field: "body".into(),
            message: "Write something before posting.".into(),
        });
    }
    if chars > MAX_CHARS {
        return Err(AppError::Invalid {
            field: "body".into(),
            message: format!(
                "A comment can be at most {MAX_CHARS} characters; yours has {chars}. Shorten it and post again."
            ),
        });
    }
    Ok(body)
}

/// Tells the parent's author and the author's followers about a visible comment.
async fn notify(
    tx: &mut Change,
    comment: CommentId,
    author: crate::domain::ReaderId,
    parent_author: Option<crate::domain::ReaderId>,
) -> anyhow::Result<()> {
    let now = Timestamp::now();
    let parent_author = parent_author.filter(|p| *p != author);
    let mut told = 0;
    if let Some(parent_author) = parent_author {
        told += sql(
            "INSERT INTO notifications (reader_id, kind, comment_id, created_at) VALUES ($1, 'reply', $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(parent_author)
        .bind(comment)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    // One statement for every follower, however many (the replied-to reader already has theirs).
    told += sql("INSERT INTO notifications (reader_id, kind, comment_id, created_at)
         SELECT follower_id, 'followed', $1, $2 FROM follows WHERE followed_id = $3 AND follower_id <> $4
         ON CONFLICT DO NOTHING")
    .bind(comment)
    .bind(now)
    .bind(author)
    .bind(parent_author.unwrap_or(author))
    .execute(&mut *tx)
    .await?;
    if told > 0 {
        // Readers who asked for push messages about their conversations get one too.
        crate::alerts::personal::queue(&mut Conn::from(&mut *tx), comment).await?;
        tx.queued_work();
    }
    Ok(())
}

pub async fn post(state: &AppState, reader: &Reader, new: NewComment<'_>) -> Result<Posted, AppError> {
    let db = &state.db;
    let now = Timestamp::now();
    if let Some(reason) = reader.barred(&state.site, now) {
        return Err(AppError::Forbidden(reason));
    }
    let body = check_body(new.body)?;
    // Sent before (a double click, or a retry after the answer was lost):
    // answer with what was written. A key on someone else's comment, or on
    // other words, is a form used twice, so the comment gets an id of its own.
    let id = match new.key {
        Some(key) => match queries::by_id(db, key).await? {
            Some(written) if is_resent(&written, reader, &new, &body) => return Ok(Posted::from(&written)),
            Some(_) => CommentId::new(),
            None => key,
        },
        None => CommentId::new(),
    };
    let article = crate::articles::queries::by_id(db, new.article)
        .await?
        .ok_or(AppError::NotFound)?;
    if article.status() != ArticleStatus::Published {
        return Err(AppError::NotFound);
    }
    let mode = CommentsMode::parse(&article.comments).unwrap_or_default();
    if mode == CommentsMode::Closed {
        return Err(AppError::Forbidden("Comments on this article are closed.".into()));
    }
    let filters = Filters::load(db).await?;
    let recent = sql("SELECT COUNT(*), MIN(created_at) FROM comments WHERE reader_id = $1 AND created_at > $2");
    let (posted, oldest): (i64, Option<Timestamp>) =
        recent.bind(reader.id).bind(now.plus_seconds(-60)).fetch_one(db).await?;
    if posted >= filters.per_minute {
        let wait = oldest
            .map(|t| 60 - (now.as_seconds() - t.as_seconds()))
            .unwrap_or(60)
            .max(1);
        return Err(AppError::TooManyRequests {
            message: format!("You are posting quickly. Please wait {wait} seconds before posting again."),
            retry_after_secs: wait as u64,
        });
    }
    let parent = match new.parent {
        None => None,
        Some(id) => {
            let parent = queries::by_id(db, id)
                .await?
                .filter(|p| p.article_id == new.article)
                .ok_or_else(|| AppError::Invalid {
                    field: "parent".into(),
                    message: "The comment you are replying to is not on this article.".into(),
                })?;
            if parent.status() != Status::Visible {
                return Err(AppError::Conflict(
                    "The comment you are replying to has been removed, so it cannot take replies.".into(),
                ));
            }
            if parent.depth + 1 > MAX_DEPTH {
                return Err(AppError::Conflict(
                    "This thread is as deep as it can go: reply further up.".into(),
                ));
            }
            Some(parent)
        }
    };
    let hold = match mode {
        CommentsMode::Premoderated => Some("pre-moderated article".to_owned()),
        _ => filters.hold_reason(&body, reader.created_at, now),
    };
    let place = match &parent {
        Some(p) => Place::below(id, p.id, &p.place()),
        None => Place::top(id),
    };
    let status = if hold.is_some() { Status::Held } else { Status::Visible };
    let mut change = Change::begin(state, Actor::reader(reader)).await?;
    let row = rows::Row {
        id,
        article: new.article,
        reader: Some(reader.id),
        place: &place,
        body: &body,
        status,
        held_reason: hold.as_deref().unwrap_or(""),
        featured: false,
        created_at: now,
        edited_at: None,
        guest_name: "",
    };
    if !rows::insert(&mut change, &row).await? {
        // The same post, sent twice at once: the other one wrote it.
        drop(change);
        let written = queries::by_id(db, id).await?.ok_or(AppError::NotFound)?;
        if is_resent(&written, reader, &new, &body) {
            return Ok(Posted::from(&written));
        }
        return Err(AppError::Conflict(
            "This form was already used: reload the page and post again.".into(),
        ));
    }
    if status == Status::Visible {
        articles::write::count_comments(&mut change, new.article, 1).await?;
        notify(&mut change, id, reader.id, parent.as_ref().and_then(|p| p.reader_id)).await?;
        announce(&mut change, new.article, id, Changed::Posted);
    }
    change.commit().await?;
    Ok(Posted {
        id,
        held: hold.is_some(),
    })
}

fn is_resent(written: &Comment, reader: &Reader, new: &NewComment<'_>, body: &str) -> bool {
    written.reader_id == Some(reader.id)
        && written.article_id == new.article
        && written.parent_id == new.parent
        && written.body == body
}

impl From<&Comment> for Posted {
    fn from(comment: &Comment) -> Self {
        Self {
            id: comment.id,
            held: comment.status() == Status::Held,
        }
    }
}

/// Tells open pages of the article about the comment, once the change commits.
fn announce(change: &mut Change, article: ArticleId, comment: CommentId, what: Changed) {
    change.announce(Event::Comment {
        article,
        comment,
        change: what,
    });
}

/// The comment, if it is this reader's.
async fn own(state: &AppState, reader: &Reader, id: CommentId) -> Result<Comment, AppError> {
    let comment = queries::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if comment.reader_id != Some(reader.id) {
        return Err(AppError::Forbidden("You can only change your own comments.".into()));
    }
    Ok(comment)
}

/// Edits within the site's window; the filters look at the new text too.
pub async fn edit(state: &AppState, reader: &Reader, id: CommentId, body: &str) -> Result<Comment, AppError> {
    let comment = own(state, reader, id).await?;
    let now = Timestamp::now();
    // A suspension or ban stops editing as well as posting: an edit can say anything a new comment could.
    if let Some(reason) = reader.barred(&state.site, now) {
        return Err(AppError::Forbidden(reason));
    }
    let window = state.settings.community.edit_window_secs;
    if now.as_seconds() - comment.created_at.as_seconds() > window {
        return Err(AppError::Conflict(format!(
            "Comments can be edited for {} minutes after posting; this one can no longer be changed.",
            window / 60
        )));
    }
    if !matches!(comment.status(), Status::Visible | Status::Held) {
        return Err(AppError::Conflict(
            "This comment has been removed and can no longer be edited.".into(),
        ));
    }
    let body = check_body(body)?;
    let hold = Filters::load(&state.db)
        .await?
        .hold_reason(&body, reader.created_at, now);
    let now_held = comment.status() == Status::Held || hold.is_some();
    let mut change = Change::begin(state, Actor::reader(reader)).await?;
    sql("UPDATE comments SET body = $1, edited_at = $2, status = $3, held_reason = CASE WHEN $4 = '' THEN held_reason ELSE $4 END WHERE id = $5")
        .bind(body)
        .bind(now)
        .bind(if now_held { "held" } else { "visible" })
        .bind(hold.unwrap_or_default())
        .bind(id)
        .execute(&mut change)
        .await
        .with_context(|| format!("editing comment {id}"))?;
    if comment.status() == Status::Visible && now_held {
        articles::write::count_comments(&mut change, comment.article_id, -1).await?;
    }
    if comment.status() == Status::Visible {
        let what = if now_held { Changed::Removed } else { Changed::Edited };
        announce(&mut change, comment.article_id, id, what);
    }
    change.commit().await?;
    queries::by_id(&state.db, id).await?.ok_or(AppError::NotFound)
}

/// The author removes their comment; replies to it stay, under a placeholder.
pub async fn remove(state: &AppState, reader: &Reader, id: CommentId) -> Result<Comment, AppError> {
    let comment = own(state, reader, id).await?;
    let mut change = Change::begin(state, Actor::reader(reader)).await?;
    set_status(&mut change, &comment, Status::Removed).await?;
    change.commit().await?;
    Ok(comment)
}

/// Marks a comment's open reports as dealt with.
async fn resolve_reports(change: &mut Change, comment: &Comment) -> Result<(), AppError> {
    sql("UPDATE comment_reports SET resolved_at = $1 WHERE comment_id = $2 AND resolved_at IS NULL")
        .bind(Timestamp::now())
        .bind(comment.id)
        .execute(&mut *change)
        .await
        .with_context(|| format!("resolving the reports of comment {}", comment.id))?;
    Ok(())
}

/// Moves a comment to a new status, keeping counts and open pages in step.
async fn set_status(change: &mut Change, comment: &Comment, status: Status) -> Result<(), AppError> {
    let was = comment.status();
    if was == status {
        // Approving a reported comment that stays up is still a decision on its reports.
        return resolve_reports(change, comment).await;
    }
    // A moderator's name goes with their decision; a reader removing their own comment decides nothing.
    let decided_by = if change.actor().id.is_some() {
        change.actor().name.clone()
    } else {
        String::new()
    };
    sql("UPDATE comments SET status = $1, decided_at = $2, decided_by = $3 WHERE id = $4")
        .bind(status.as_str())
        .bind(Timestamp::now())
        .bind(decided_by)
        .bind(comment.id)
        .execute(&mut *change)
        .await
        .with_context(|| format!("moving comment {} to {}", comment.id, status.as_str()))?;
    resolve_reports(change, comment).await?;
    match (was == Status::Visible, status == Status::Visible) {
        (true, false) => articles::write::count_comments(&mut *change, comment.article_id, -1).await?,
        (false, true) => {
            articles::write::count_comments(&mut *change, comment.article_id, 1).await?;
            if let Some(author) = comment.reader_id {
                let parent_author = match comment.parent_id {
                    Some(parent) => queries::by_id(&mut *change, parent).await?.and_then(|p| p.reader_id),
                    None => None,
                };
                notify(change, comment.id, author, parent_author).await?;
            }
        }
        _ => {}
    }
    let what = if status == Status::Visible {
        Changed::Posted
    } else {
        Changed::Removed
    };
    announce(change, comment.article_id, comment.id, what);
    Ok(())
}

async fn set_featured(change: &mut Change, comment: &Comment, featured: bool) -> Result<(), AppError> {
    sql("UPDATE comments SET featured = $1 WHERE id = $2")
        .bind(featured)
        .bind(comment.id)
        .execute(&mut *change)
        .await
        .with_context(|| format!("featuring comment {}", comment.id))?;
    announce(change, comment.article_id, comment.id, Changed::Edited);
    Ok(())
}

/// What a moderator decides about a comment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
    /// Shown first (and approved, if it was waiting).
    Feature,
    Unfeature,
}

impl Decision {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "approve" => Some(Decision::Approve),
            "reject" => Some(Decision::Reject),
            "feature" => Some(Decision::Feature),
            "unfeature" => Some(Decision::Unfeature),
            _ => None,
        }
    }

    fn action(self) -> &'static str {
        match self {
            Decision::Approve => "approved a comment",
            Decision::Reject => "rejected a comment",
            Decision::Feature => "featured a comment",
            Decision::Unfeature => "unfeatured a comment",
        }
    }
}

/// A moderator's decision, with its audit line, in the change.
pub async fn decide(change: &mut Change, comment: &Comment, decision: Decision) -> Result<(), AppError> {
    match decision {
        Decision::Approve => set_status(change, comment, Status::Visible).await?,
        Decision::Reject => set_status(change, comment, Status::Rejected).await?,
        Decision::Feature => {
            set_status(change, comment, Status::Visible).await?;
            set_featured(change, comment, true).await?;
        }
        Decision::Unfeature => set_featured(change, comment, false).await?,
    }
    let label: String = comment.body.chars().take(80).collect();
    change
        .audit(
            decision.action(),
            Target::new("comment", comment.id, &label),
            comment.author(),
        )
        .await?;
    Ok(())
}

/// Likes or unlikes; returns the new count.
pub async fn toggle_like(state: &AppState, reader: &Reader, id: CommentId) -> Result<(bool, i64), AppError> {
    let comment = queries::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if comment.status() != Status::Visible {
        return Err(AppError::Conflict("This comment can no longer be liked.".into()));
    }
    if comment.reader_id == Some(reader.id) {
        return Err(AppError::Conflict("You cannot like your own comment.".into()));
    }
    let mut tx = Change::begin(state, Actor::reader(reader)).await?;
    let removed = sql("DELETE FROM comment_likes WHERE comment_id = $1 AND reader_id = $2")
        .bind(id)
        .bind(reader.id)
        .execute(&mut tx)
        .await
        .with_context(|| format!("unliking comment {id}"))?;
    let liked = removed == 0;
    if liked {
        sql("INSERT INTO comment_likes (comment_id, reader_id, created_at) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(reader.id)
            .bind(Timestamp::now())
            .execute(&mut tx)
            .await?;
    }
    let (likes,): (i64,) = sql("UPDATE comments SET likes = likes + $1 WHERE id = $2 RETURNING likes")
        .bind(if liked { 1i64 } else { -1 })
        .bind(id)
        .fetch_one(&mut tx)
        .await?;
    announce(&mut tx, comment.article_id, id, Changed::Liked);
    tx.commit().await?;
    Ok((liked, likes))
}

pub const REPORT_REASONS: &[(&str, &str)] = &[
    ("abuse", "Personal abuse or harassment"),
    ("hate", "Hate speech"),
    ("spam", "Spam or advertising"),
    ("off-topic", "Off topic"),
    ("misinformation", "False or misleading information"),
    ("other", "Something else"),
];

pub async fn report(
    state: &AppState,
    reader: &Reader,
    id: CommentId,
    reason: &str,
    detail: &str,
) -> Result<(), AppError> {
    let label = REPORT_REASONS
        .iter()
        .find(|(key, _)| *key == reason)
        .map(|(_, label)| *label)
        .ok_or_else(|| AppError::Invalid {
            field: "reason".into(),
            message: "Choose why you are reporting this comment.".into(),
        })?;
    let comment = queries::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let already = sql("SELECT COUNT(*) FROM comment_reports WHERE comment_id = $1 AND reader_id = $2")
        .bind(comment.id)
        .bind(reader.id)
        .fetch_count(&state.db)
        .await?;
    if already > 0 {
        return Err(AppError::Conflict(
            "You have already reported this comment; a moderator will look at it.".into(),
        ));
    }
    let detail: String = detail.trim().chars().take(500).collect();
    let reason = if detail.is_empty() {
        label.to_owned()
    } else {
        format!("{label}: {detail}")
    };
    sql("INSERT INTO comment_reports (id, comment_id, reader_id, reason, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(uuid::Uuid::now_v7())
        .bind(comment.id)
        .bind(reader.id)
        .bind(reason)
        .bind(Timestamp::now())
        .execute(&state.db)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                AppError::Conflict("Already reported.".into())
            } else {
                e.into()
            }
        })?;
    Ok(())
}

/// A deleted account's comments (anonymised or removed), follows, likes
/// and notifications. Returns the articles whose comments changed.
pub async fn on_reader_deleted(
    change: &mut Change,
    reader: crate::domain::ReaderId,
    mode: OnAccountDelete,
) -> Result<Vec<ArticleId>, AppError> {
    let articles: Vec<(ArticleId,)> = sql("SELECT DISTINCT article_id FROM comments WHERE reader_id = $1")
        .bind(reader)
        .fetch_all(&mut *change)
        .await
        .context("finding a deleted reader's comments")?;
    if mode == OnAccountDelete::Remove {
        sql("UPDATE comments SET status = 'removed' WHERE reader_id = $1")
            .bind(reader)
            .execute(&mut *change)
            .await
            .context("removing a deleted reader's comments")?;
    }
    sql("UPDATE comments SET reader_id = NULL WHERE reader_id = $1")
        .bind(reader)
        .execute(&mut *change)
        .await
        .context("anonymising a deleted reader's comments")?;
    for query in [
        "DELETE FROM follows WHERE follower_id = $1 OR followed_id = $1",
        "DELETE FROM notifications WHERE reader_id = $1",
        "DELETE FROM comment_likes WHERE reader_id = $1",
    ] {
        sql(query)
            .bind(reader)
            .execute(&mut *change)
            .await
            .context("forgetting a deleted reader's follows, likes and notifications")?;
    }
    for (article,) in &articles {
        rows::recount(&mut Conn::from(&mut *change), *article).await?;
    }
    Ok(articles.into_iter().map(|(a,)| a).collect())
}
