//! Live-blog entries as stored, and how they are read: a page of them
//! newest first, the pinned one, the key events, one by id.

use std::collections::HashMap;

use crate::db::{Conn, Db, DbError, sql};
use crate::domain::{ArticleId, AuthorId, EntryId, ImageId, Timestamp};
use crate::media::Figure;
use crate::site::Author;

/// Entries on one page of a live blog.
pub const PAGE_SIZE: i64 = 30;
/// Key events listed in the summary at the top.
pub const KEY_EVENTS_SHOWN: i64 = 12;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Entry {
    pub id: EntryId,
    pub article_id: ArticleId,
    pub title: String,
    pub body: String,
    pub key_event: bool,
    pub pinned: bool,
    pub posted_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: i64,
    /// The staff member who posted it.
    pub posted_by: Option<crate::domain::StaffId>,
    pub image_id: Option<ImageId>,
    pub image_alt: Option<String>,
    pub image_caption: Option<String>,
    pub image_credit: Option<String>,
    pub image_width: Option<i64>,
    pub image_height: Option<i64>,
    pub image_widths: Option<String>,
}

impl Entry {
    pub fn figure(&self) -> Option<Figure> {
        Some(Figure {
            id: self.image_id?,
            alt: self.image_alt.clone()?,
            caption: self.image_caption.clone().unwrap_or_default(),
            credit: self.image_credit.clone().unwrap_or_default(),
            width: self.image_width?,
            height: self.image_height?,
            widths: self.image_widths.clone()?,
            position: 1,
        })
    }

    /// The entry's title, or the start of its text when it has none.
    pub fn label(&self) -> String {
        if !self.title.is_empty() {
            return self.title.clone();
        }
        let text = crate::articles::body::plain_text(&self.body);
        let mut label: String = text.chars().take(90).collect();
        if text.chars().count() > 90 {
            label = format!("{}…", label.trim_end());
        }
        label
    }
}

const SELECT: &str = "SELECT e.id, e.article_id, e.title, e.body, e.key_event, e.pinned, e.posted_at, e.updated_at,
        e.version, e.posted_by, e.image_id, i.alt AS image_alt, i.caption AS image_caption, i.credit AS image_credit,
        i.width AS image_width, i.height AS image_height, i.widths AS image_widths
    FROM liveblog_entries e LEFT JOIN images i ON i.id = e.image_id";

/// One page of entries, newest first (page 1 is the latest).
pub async fn page(db: &Db, article: ArticleId, page: u32) -> Result<Vec<Entry>, DbError> {
    sql(format!(
        "{SELECT} WHERE e.article_id = $1 ORDER BY e.posted_at DESC, e.id DESC LIMIT $2 OFFSET $3"
    ))
    .bind(article)
    .bind(PAGE_SIZE)
    .bind((i64::from(page) - 1) * PAGE_SIZE)
    .fetch_all(db)
    .await
}

/// The newest entries, for the feed and structured data.
pub async fn latest(db: &Db, article: ArticleId, limit: i64) -> Result<Vec<Entry>, DbError> {
    sql(format!(
        "{SELECT} WHERE e.article_id = $1 ORDER BY e.posted_at DESC, e.id DESC LIMIT $2"
    ))
    .bind(article)
    .bind(limit)
    .fetch_all(db)
    .await
}

pub async fn by_id<'c>(conn: impl Into<Conn<'c>>, id: EntryId) -> Result<Option<Entry>, DbError> {
    sql(format!("{SELECT} WHERE e.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn pinned(db: &Db, article: ArticleId) -> Result<Option<Entry>, DbError> {
    sql(format!(
        "{SELECT} WHERE e.article_id = $1 AND e.pinned ORDER BY e.posted_at DESC LIMIT 1"
    ))
    .bind(article)
    .fetch_optional(db)
    .await
}

/// The newest key events, newest first.
pub async fn key_events(db: &Db, article: ArticleId) -> Result<Vec<Entry>, DbError> {
    sql(format!(
        "{SELECT} WHERE e.article_id = $1 AND e.key_event ORDER BY e.posted_at DESC, e.id DESC LIMIT $2"
    ))
    .bind(article)
    .bind(KEY_EVENTS_SHOWN)
    .fetch_all(db)
    .await
}

pub async fn count(db: &Db, article: ArticleId) -> Result<i64, DbError> {
    sql("SELECT COUNT(*) FROM liveblog_entries WHERE article_id = $1")
        .bind(article)
        .fetch_count(db)
        .await
}

/// The page an entry stands on: entries newer than it push it down.
pub async fn page_of(db: &Db, entry: &Entry) -> Result<u32, DbError> {
    let newer = sql("SELECT COUNT(*) FROM liveblog_entries
         WHERE article_id = $1 AND (posted_at > $2 OR (posted_at = $2 AND id > $3))")
    .bind(entry.article_id)
    .bind(entry.posted_at)
    .bind(entry.id)
    .fetch_count(db)
    .await?;
    Ok(u32::try_from(newer / PAGE_SIZE + 1).unwrap_or(u32::MAX))
}

/// Each entry's authors, in order.
pub async fn authors_of(db: &Db, entries: &[EntryId]) -> Result<HashMap<EntryId, Vec<Author>>, DbError> {
    let mut out: HashMap<EntryId, Vec<Author>> = HashMap::new();
    if entries.is_empty() {
        return Ok(out);
    }
    let placeholders: Vec<String> = (1..=entries.len()).map(|n| format!("${n}")).collect();
    let mut query = sql(format!(
        "SELECT ea.entry_id, au.id, au.slug, au.name, au.job_title, au.bio, au.photo_id
         FROM liveblog_entry_authors ea JOIN authors au ON au.id = ea.author_id
         WHERE ea.entry_id IN ({}) ORDER BY ea.entry_id, ea.position",
        placeholders.join(", ")
    ));
    for id in entries {
        query = query.bind(*id);
    }
    #[derive(sqlx::FromRow)]
    struct Row {
        entry_id: EntryId,
        #[sqlx(flatten)]
        author: Author,
    }
    let rows: Vec<Row> = query.fetch_all(db).await?;
    for row in rows {
        out.entry(row.entry_id).or_default().push(row.author);
    }
    Ok(out)
}

/// The author ids of one entry, for the newsroom's edit form.
pub async fn author_ids(db: &Db, entry: EntryId) -> Result<Vec<AuthorId>, DbError> {
    let rows: Vec<(AuthorId,)> =
        sql("SELECT author_id FROM liveblog_entry_authors WHERE entry_id = $1 ORDER BY position")
            .bind(entry)
            .fetch_all(db)
            .await?;
    Ok(rows.into_iter().map(|(a,)| a).collect())
}
