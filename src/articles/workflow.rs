//! An article's life: draft → in review → scheduled or published, and back
//! to draft when unpublished. Scheduled articles are published by
//! [`publish_due`], which the scheduler worker calls every second; the article
//! row itself is the durable record, so a restart loses nothing.

use anyhow::Context;

use crate::audit::{Actor, Target};
use crate::change::Change;
use crate::db::{Backend, sql};
use crate::domain::{ArticleId, Timestamp};
use crate::error::AppError;
use crate::events::Event;
use crate::state::AppState;

use super::model::{ARTICLE_COLUMNS, Article, Status};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    Submit,
    /// An editor returns a story in review to its writer, saying why.
    SendBack,
    Schedule(Timestamp),
    Publish,
    Unpublish,
}

impl Transition {
    fn name(self) -> &'static str {
        match self {
            Transition::Submit => "submitted for review",
            Transition::SendBack => SENT_BACK,
            Transition::Schedule(_) => "scheduled",
            Transition::Publish => "published",
            Transition::Unpublish => "unpublished",
        }
    }
}

/// The audit line of a story sent back; its detail is the editor's note.
pub const SENT_BACK: &str = "sent back to its writer";

/// Moves an article to its next state, or explains why it cannot go there.
pub async fn apply(change: &mut Change, id: ArticleId, transition: Transition) -> Result<Status, AppError> {
    apply_with_note(change, id, transition, "").await
}

/// As `apply`, with words for the audit line (an editor's note to the writer).
pub async fn apply_with_note(
    change: &mut Change,
    id: ArticleId,
    transition: Transition,
    note: &str,
) -> Result<Status, AppError> {
    let article: Article = sql(format!("SELECT {ARTICLE_COLUMNS} FROM articles WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *change)
        .await
        .with_context(|| format!("loading article {id} to move it on"))?
        .ok_or(AppError::NotFound)?;
    let now = Timestamp::now();
    let from = article.status();
    let refuse = |why: &str| {
        Err(AppError::Conflict(format!(
            "This article is {}: {why}",
            from.label().to_lowercase()
        )))
    };
    let (status, published_at, updated_at, detail) = match transition {
        Transition::Submit => match from {
            Status::Draft => (Status::Review, article.published_at, article.updated_at, String::new()),
            _ => return refuse("only drafts can be submitted for review."),
        },
        Transition::SendBack => match from {
            Status::Review => (Status::Draft, article.published_at, article.updated_at, String::new()),
            _ => return refuse("only a story in review can be sent back."),
        },
        Transition::Schedule(at) => {
            if at <= now {
                return Err(AppError::Invalid {
                    field: "publish_at".into(),
                    message: "Choose a time in the future to schedule the article.".into(),
                });
            }
            if article.ever_published {
                return refuse("it has been published before; publish it again instead.");
            }
            (
                Status::Scheduled,
                Some(at),
                article.updated_at,
                format!("for {}", at.rfc3339()),
            )
        }
        Transition::Publish => match from {
            Status::Published => return refuse("it is already public."),
            // A republished article keeps its first publication time and shows the change as an update.
            _ if article.ever_published => (
                Status::Published,
                article.published_at.or(Some(now)),
                now,
                String::new(),
            ),
            _ => (Status::Published, Some(now), now, String::new()),
        },
        Transition::Unpublish => match from {
            Status::Published | Status::Scheduled => {
                (Status::Draft, article.published_at, article.updated_at, String::new())
            }
            _ => return refuse("it is not public or scheduled."),
        },
    };
    sql("UPDATE articles SET status = $1, published_at = $2, updated_at = $3,
            ever_published = (ever_published OR $4) WHERE id = $5")
    .bind(status.as_str())
    .bind(published_at)
    .bind(updated_at)
    .bind(status == Status::Published)
    .bind(id)
    .execute(&mut *change)
    .await
    .with_context(|| format!("moving article {id} to {}", status.as_str()))?;
    let detail = if note.is_empty() { detail } else { note.to_owned() };
    change
        .audit(
            transition.name(),
            Target::new("article", id, &article.headline),
            &detail,
        )
        .await?;
    if from == Status::Published || status == Status::Published {
        change.announce(Event::ContentChanged);
    }
    if transition == Transition::Submit {
        tell_reviewers(change, id, &article.headline).await?;
    }
    Ok(status)
}

/// Emails the editors who asked to hear when a story waits for review.
async fn tell_reviewers(change: &mut Change, id: ArticleId, headline: &str) -> Result<(), AppError> {
    let sender = change.actor().clone();
    let readers = crate::accounts::staff::review_readers(change, sender.id).await?;
    let site = &change.state().site;
    let (link, site_name) = (site.url(&format!("/newsroom/articles/{id}/edit")), site.name());
    for (email, name) in readers {
        let text = format!(
            "Hello {name},\n\n{} sent a story for review:\n\n{headline}\n\n{link}\n\nYou get these emails because you asked for them on My account in the newsroom; you can stop them there.\n",
            sender.name
        );
        change.queued_work();
        crate::mail::queue(
            &mut *change,
            &crate::mail::Message {
                to: email,
                subject: format!("For review at {site_name}: {headline}"),
                text,
            },
        )
        .await?;
    }
    Ok(())
}

/// Publishes every scheduled article whose time has come and returns them.
/// Each is published exactly once, even with several instances polling.
pub async fn publish_due(state: &AppState) -> Result<Vec<(ArticleId, String)>, AppError> {
    let db = &state.db;
    let now = Timestamp::now();
    // PostgreSQL: skip rows another instance is publishing right now. SQLite has
    // one writer at a time, so the plain subquery is already exclusive there.
    let lock = match db.backend() {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let mut change = Change::begin(state, Actor::system("Scheduler")).await?;
    let due: Vec<(ArticleId, String)> = sql(format!(
        "UPDATE articles SET status = 'published', ever_published = TRUE, updated_at = published_at
         WHERE id IN (SELECT id FROM articles WHERE status = 'scheduled' AND published_at <= $1
                      ORDER BY published_at LIMIT 100 {lock})
           AND status = 'scheduled'
         RETURNING id, headline"
    ))
    .bind(now)
    .fetch_all(&mut change)
    .await
    .context("publishing scheduled articles")?;
    for (id, headline) in &due {
        change
            .audit(
                "published",
                Target::new("article", id, headline),
                "at its scheduled time",
            )
            .await?;
    }
    if !due.is_empty() {
        change.announce(Event::ContentChanged);
    }
    change.commit().await?;
    Ok(due)
}
