//! Posting to a live blog: new entries, edits checked against the version
//! the journalist started from, deletions, the pinned entry, closing and
//! reopening. Every change is announced, so open pages on every instance
//! update, and a new key event alerts the readers who follow the blog.

use anyhow::Context;

use crate::accounts::{CurrentStaff, Permission};
use crate::alerts;
use crate::articles::{self, Article, ArticleKind, Status};
use crate::audit::Target;
use crate::change::Change;
use crate::db::sql;
use crate::domain::{AlertId, ArticleId, AuthorId, EntryId, ImageId, Timestamp};
use crate::error::AppError;
use crate::events::{Change as Changed, Event};
use crate::state::AppState;

use super::entries::{self, Entry};

const MAX_TITLE: usize = 200;
const MAX_BODY: usize = 20_000;

/// What a journalist submits for an entry.
#[derive(Clone, Debug, Default)]
pub struct EntryDraft {
    pub title: String,
    pub body: String,
    pub key_event: bool,
    pub pinned: bool,
    pub image: Option<ImageId>,
    pub authors: Vec<AuthorId>,
}

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

impl EntryDraft {
    pub fn check(&mut self) -> Result<(), AppError> {
        self.title = self.title.trim().to_owned();
        self.body = self.body.replace("\r\n", "\n").trim().to_owned();
        if self.body.is_empty() {
            return Err(invalid("body", "Write the update: its text is empty."));
        }
        if self.body.chars().count() > MAX_BODY {
            return Err(invalid(
                "body",
                format!("An update holds at most {MAX_BODY} characters; split it in two."),
            ));
        }
        if self.title.chars().count() > MAX_TITLE || self.title.contains('\n') {
            return Err(invalid(
                "title",
                format!("A title is one line of at most {MAX_TITLE} characters."),
            ));
        }
        if self.authors.len() > 4 {
            return Err(invalid("authors", "An update is signed by at most four people."));
        }
        Ok(())
    }
}

/// Writers post updates and change their own; another journalist's update,
/// and which update is pinned, are an editor's to change; marking a key
/// event alerts the blog's followers, so it follows the alert permission.
fn may_write(who: &CurrentStaff, current: Option<&Entry>, draft: Option<&EntryDraft>) -> Result<(), AppError> {
    let refuse = |message: &str| Err(AppError::Forbidden(message.to_owned()));
    if let Some(entry) = current
        && entry.posted_by != Some(who.staff.id)
        && !who.can(Permission::PublishArticles)
    {
        return refuse("This update was posted by someone else: only an editor can change or delete it.");
    }
    if let Some(draft) = draft {
        if draft.key_event && !current.is_some_and(|e| e.key_event) && !who.can(Permission::SendAlerts) {
            return refuse(
                "Marking a key event sends an alert to the blog's followers, which your role does not allow: \
                 post it unmarked and ask an editor to mark it.",
            );
        }
        if draft.pinned != current.is_some_and(|e| e.pinned) && !who.can(Permission::PublishArticles) {
            return refuse("Only an editor can pin or unpin an update.");
        }
    }
    Ok(())
}

/// The live blog an entry is written to: it must exist and be a live blog.
pub async fn live_blog(state: &AppState, id: ArticleId) -> Result<Article, AppError> {
    let article = crate::articles::queries::by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if article.kind() != ArticleKind::LiveBlog {
        return Err(AppError::BadRequest(
            "This article is a story, not a live blog: make it a live blog in the editor first.".into(),
        ));
    }
    Ok(article)
}

/// Posts a new entry and returns it.
pub async fn post(
    state: &AppState,
    who: &CurrentStaff,
    blog: &Article,
    mut draft: EntryDraft,
) -> Result<Entry, AppError> {
    draft.check()?;
    may_write(who, None, Some(&draft))?;
    check_picture(state, draft.image).await?;
    if blog.live_ended_at.is_some() {
        return Err(invalid("body", "This live blog has ended: reopen it to post again."));
    }
    let mut change = Change::begin(state, who).await?;
    let id = insert(&mut change, blog.id, &draft, Timestamp::now()).await?;
    let entry = entry_in(&mut change, blog, id).await?;
    change
        .audit(
            "posted a live update",
            Target::new("entry", id, &entry.label()),
            &blog.headline,
        )
        .await?;
    if entry.key_event {
        alert_key_event(&mut change, blog, &entry).await?;
    }
    change.commit().await?;
    Ok(entry)
}

/// Writes a checked entry dated `posted_at`, by the change's actor (the
/// live desk, or a loader of existing content).
pub async fn insert(
    change: &mut Change,
    blog: ArticleId,
    draft: &EntryDraft,
    posted_at: Timestamp,
) -> Result<EntryId, AppError> {
    let id = EntryId::new();
    insert_with_id(change, id, blog, draft, posted_at).await?;
    Ok(id)
}

/// As [`insert`], keeping an id the entry already has (a site's export).
pub async fn insert_with_id(
    change: &mut Change,
    id: EntryId,
    blog: ArticleId,
    draft: &EntryDraft,
    posted_at: Timestamp,
) -> Result<(), AppError> {
    if draft.pinned {
        unpin_all(change, blog).await?;
    }
    let by = change.actor().id;
    sql(
        "INSERT INTO liveblog_entries (id, article_id, title, body, image_id, key_event, pinned, posted_at, updated_at,
             posted_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9)",
    )
    .bind(id)
    .bind(blog)
    .bind(&draft.title)
    .bind(&draft.body)
    .bind(draft.image)
    .bind(draft.key_event)
    .bind(draft.pinned)
    .bind(posted_at)
    .bind(by)
    .execute(&mut *change)
    .await
    .with_context(|| format!("posting to live blog {blog}"))?;
    write_authors(change, id, &draft.authors).await?;
    articles::write::touch(change, blog, posted_at).await?;
    change.announce(Event::Entry {
        article: blog,
        entry: id,
        change: Changed::Posted,
    });
    Ok(())
}

/// Removes every entry of a live blog (an import about to put its entries back).
pub async fn clear(change: &mut Change, blog: ArticleId) -> Result<(), AppError> {
    sql("DELETE FROM liveblog_entries WHERE article_id = $1")
        .bind(blog)
        .execute(&mut *change)
        .await
        .with_context(|| format!("clearing live blog {blog}"))?;
    change.announce(Event::ArticleChanged { article: blog });
    Ok(())
}

/// Puts back an entry from a site's export, with its id and both its dates.
pub async fn restore(
    change: &mut Change,
    id: EntryId,
    blog: ArticleId,
    draft: &EntryDraft,
    (posted_at, updated_at): (Timestamp, Timestamp),
) -> Result<(), AppError> {
    insert_with_id(change, id, blog, draft, posted_at).await?;
    sql("UPDATE liveblog_entries SET updated_at = $1 WHERE id = $2")
        .bind(updated_at)
        .bind(id)
        .execute(&mut *change)
        .await
        .with_context(|| format!("dating live update {id}"))?;
    Ok(())
}

/// Why an edit did not happen.
#[derive(Debug)]
pub enum EditError {
    /// Someone saved the entry since the journalist opened it: here it is now.
    Conflict(Box<Entry>),
    Failed(AppError),
}

impl<E: Into<AppError>> From<E> for EditError {
    fn from(err: E) -> Self {
        EditError::Failed(err.into())
    }
}

/// Saves an edit over `expected_version`.
pub async fn edit(
    state: &AppState,
    who: &CurrentStaff,
    blog: &Article,
    entry: EntryId,
    expected_version: i64,
    mut draft: EntryDraft,
) -> Result<Entry, EditError> {
    draft.check()?;
    let mut change = Change::begin(state, who).await?;
    let current = entry_in(&mut change, blog, entry).await?;
    may_write(who, Some(&current), Some(&draft))?;
    check_picture(state, draft.image).await?;
    if current.version != expected_version {
        return Err(EditError::Conflict(Box::new(current)));
    }
    if draft.pinned && !current.pinned {
        unpin_all(&mut change, blog.id).await?;
    }
    let now = Timestamp::now();
    let changed = sql(
        "UPDATE liveblog_entries SET title = $1, body = $2, image_id = $3, key_event = $4, pinned = $5,
             updated_at = $6, version = version + 1
         WHERE id = $7 AND version = $8",
    )
    .bind(&draft.title)
    .bind(&draft.body)
    .bind(draft.image)
    .bind(draft.key_event)
    .bind(draft.pinned)
    .bind(now)
    .bind(entry)
    .bind(expected_version)
    .execute(&mut change)
    .await
    .with_context(|| format!("editing live update {entry}"))?;
    if changed == 0 {
        // Another edit won the race between our read and this write.
        drop(change);
        let current = entries::by_id(&state.db, entry)
            .await
            .with_context(|| format!("reloading live update {entry}"))?
            .ok_or(AppError::NotFound)?;
        return Err(EditError::Conflict(Box::new(current)));
    }
    write_authors(&mut change, entry, &draft.authors).await?;
    articles::write::touch(&mut change, blog.id, now).await?;
    let saved = entry_in(&mut change, blog, entry).await?;
    change
        .audit(
            "edited a live update",
            Target::new("entry", entry, &saved.label()),
            &blog.headline,
        )
        .await?;
    change.announce(Event::Entry {
        article: blog.id,
        entry,
        change: Changed::Edited,
    });
    if saved.key_event && !current.key_event {
        alert_key_event(&mut change, blog, &saved).await?;
    }
    change.commit().await?;
    Ok(saved)
}

pub async fn delete(state: &AppState, who: &CurrentStaff, blog: &Article, entry: EntryId) -> Result<(), AppError> {
    let mut change = Change::begin(state, who).await?;
    let current = entry_in(&mut change, blog, entry).await?;
    may_write(who, Some(&current), None)?;
    sql("DELETE FROM liveblog_entries WHERE id = $1")
        .bind(entry)
        .execute(&mut change)
        .await
        .with_context(|| format!("deleting live update {entry}"))?;
    articles::write::touch(&mut change, blog.id, Timestamp::now()).await?;
    change
        .audit(
            "deleted a live update",
            Target::new("entry", entry, &current.label()),
            &blog.headline,
        )
        .await?;
    change.announce(Event::Entry {
        article: blog.id,
        entry,
        change: Changed::Removed,
    });
    change.commit().await?;
    Ok(())
}

/// Pins an entry above the others (one at a time), or unpins it.
pub async fn set_pinned(
    state: &AppState,
    who: &CurrentStaff,
    blog: &Article,
    entry: EntryId,
    pinned: bool,
) -> Result<(), AppError> {
    let mut change = Change::begin(state, who).await?;
    let current = entry_in(&mut change, blog, entry).await?;
    unpin_all(&mut change, blog.id).await?;
    sql("UPDATE liveblog_entries SET pinned = $1 WHERE id = $2")
        .bind(pinned)
        .bind(entry)
        .execute(&mut change)
        .await
        .with_context(|| format!("pinning live update {entry}"))?;
    let action = if pinned {
        "pinned a live update"
    } else {
        "unpinned a live update"
    };
    change
        .audit(action, Target::new("entry", entry, &current.label()), &blog.headline)
        .await?;
    change.announce(Event::Entry {
        article: blog.id,
        entry,
        change: Changed::Edited,
    });
    change.commit().await?;
    Ok(())
}

/// Closes the live blog ("This live blog has ended"), or opens it again.
pub async fn set_ended(state: &AppState, who: &CurrentStaff, blog: &Article, ended: bool) -> Result<(), AppError> {
    let mut change = Change::begin(state, who).await?;
    articles::write::set_live_ended(&mut change, blog.id, ended.then(Timestamp::now)).await?;
    let action = if ended {
        "ended a live blog"
    } else {
        "reopened a live blog"
    };
    change
        .audit(action, Target::new("article", blog.id, &blog.headline), "")
        .await?;
    change.commit().await?;
    Ok(())
}

/// The entry as it stands within the change, if it belongs to the blog.
async fn entry_in(change: &mut Change, blog: &Article, entry: EntryId) -> Result<Entry, AppError> {
    entries::by_id(&mut *change, entry)
        .await
        .with_context(|| format!("loading live update {entry}"))?
        .filter(|e| e.article_id == blog.id)
        .ok_or(AppError::NotFound)
}

async fn unpin_all(change: &mut Change, article: ArticleId) -> Result<(), AppError> {
    sql("UPDATE liveblog_entries SET pinned = FALSE WHERE article_id = $1 AND pinned")
        .bind(article)
        .execute(&mut *change)
        .await
        .with_context(|| format!("unpinning the updates of live blog {article}"))?;
    Ok(())
}

async fn write_authors(change: &mut Change, entry: EntryId, authors: &[AuthorId]) -> Result<(), AppError> {
    sql("DELETE FROM liveblog_entry_authors WHERE entry_id = $1")
        .bind(entry)
        .execute(&mut *change)
        .await
        .with_context(|| format!("clearing the authors of live update {entry}"))?;
    for (position, author) in authors.iter().enumerate() {
        let known = sql("SELECT COUNT(*) FROM authors WHERE id = $1")
            .bind(*author)
            .fetch_count(&mut *change)
            .await
            .context("checking an update's author")?;
        if known == 0 {
            return Err(invalid("authors", "Choose the update's authors from the list."));
        }
        sql(
            "INSERT INTO liveblog_entry_authors (entry_id, author_id, position) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(entry)
        .bind(*author)
        .bind(position as i64)
        .execute(&mut *change)
        .await
        .with_context(|| format!("signing live update {entry}"))?;
    }
    Ok(())
}

/// A picture must be in the library.
async fn check_picture(state: &AppState, image: Option<ImageId>) -> Result<(), AppError> {
    let Some(image) = image else { return Ok(()) };
    let found = sql("SELECT COUNT(*) FROM images WHERE id = $1")
        .bind(image)
        .fetch_count(&state.db)
        .await
        .context("checking an update's picture")?;
    if found == 0 {
        return Err(invalid("image", "That picture is not in the library."));
    }
    Ok(())
}

/// Readers following the live blog get an alert for a key event, once,
/// written in the same change as the entry.
async fn alert_key_event(change: &mut Change, blog: &Article, entry: &Entry) -> Result<(), AppError> {
    if blog.status() != Status::Published || blog.live_ended_at.is_some() {
        return Ok(());
    }
    // Marked, unmarked and marked again: the followers were told already.
    let (sent,): (Option<AlertId>,) = sql("SELECT alert_id FROM liveblog_entries WHERE id = $1")
        .bind(entry.id)
        .fetch_one(&mut *change)
        .await
        .with_context(|| format!("checking live update {}'s alert", entry.id))?;
    if sent.is_some() {
        return Ok(());
    }
    let path = super::view::permalink(change.db(), blog, entry.id).await?;
    let mut draft = alerts::model::Draft {
        article_id: Some(blog.id),
        title: shorten(&blog.headline, 120),
        body: shorten(&entry.label(), 300),
        url: path,
        image_url: entry
            .figure()
            .map(|f| crate::media::variant_path(f.id, 640))
            .unwrap_or_default(),
        topic: alerts::store::Topic::LiveBlog(blog.id).key(),
        urgency: "high".into(),
        ttl_secs: 6 * 3600,
        follow_up_of: None,
        replaces: None,
    };
    draft.check(change.db()).await?;
    let alert = alerts::model::create(change, &draft, false).await?;
    sql("UPDATE liveblog_entries SET alert_id = $1 WHERE id = $2")
        .bind(alert)
        .bind(entry.id)
        .execute(&mut *change)
        .await
        .with_context(|| format!("recording live update {}'s alert", entry.id))?;
    Ok(())
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max - 1).collect();
    format!("{}…", cut.trim_end())
}
