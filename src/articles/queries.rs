//! Reading published articles.

use crate::db::{Db, DbError, sql};
use crate::domain::{ArticleId, Timestamp};
use crate::media::Figure;
use crate::site::Author;

use super::model::{ARTICLE_COLUMNS, Article, Story, StoryFilter};

/// Columns of a story card: the article, its section and its first picture.
const STORY_SELECT: &str = "SELECT a.id, a.slug, a.headline, a.standfirst, a.published_at, a.updated_at,
        (a.kind = 'liveblog' AND a.live_ended_at IS NULL) AS live,
        s.slug AS section_slug, s.name AS section_name,
        i.id AS image_id, i.alt AS image_alt, i.width AS image_width, i.height AS image_height, i.widths AS image_widths
    FROM articles a
    JOIN sections s ON s.id = a.section_id
    LEFT JOIN images i ON i.id = (
        SELECT ai.image_id FROM article_images ai WHERE ai.article_id = a.id
        ORDER BY ai.position, ai.ordinal LIMIT 1)";

const NEWEST_FIRST: &str = "ORDER BY a.published_at DESC, a.id DESC";

fn filter_clause(filter: StoryFilter) -> &'static str {
    match filter {
        StoryFilter::All => "WHERE a.status = 'published'",
        StoryFilter::Section(_) => "WHERE a.status = 'published' AND a.section_id = $1",
        StoryFilter::Tag(_) => {
            "WHERE a.status = 'published' AND a.id IN (SELECT article_id FROM article_tags WHERE tag_id = $1)"
        }
        StoryFilter::Author(_) => {
            "WHERE a.status = 'published' AND a.id IN (SELECT article_id FROM article_authors WHERE author_id = $1)"
        }
    }
}

fn bind_filter(query: crate::db::Query, filter: StoryFilter) -> crate::db::Query {
    match filter {
        StoryFilter::All => query,
        StoryFilter::Section(id) => query.bind(id),
        StoryFilter::Tag(id) => query.bind(id),
        StoryFilter::Author(id) => query.bind(id),
    }
}

/// Published stories, newest first.
pub async fn stories(db: &Db, filter: StoryFilter, limit: i64, offset: i64) -> Result<Vec<Story>, DbError> {
    let n = if matches!(filter, StoryFilter::All) { 1 } else { 2 };
    let text = format!(
        "{STORY_SELECT} {} {NEWEST_FIRST} LIMIT ${n} OFFSET ${}",
        filter_clause(filter),
        n + 1
    );
    bind_filter(sql(text), filter)
        .bind(limit)
        .bind(offset)
        .fetch_all(db)
        .await
}

pub async fn count(db: &Db, filter: StoryFilter) -> Result<i64, DbError> {
    let text = format!("SELECT COUNT(*) FROM articles a {}", filter_clause(filter));
    bind_filter(sql(text), filter).fetch_count(db).await
}

/// One published story by id.
pub async fn story_by_id(db: &Db, id: ArticleId) -> Result<Option<Story>, DbError> {
    sql(format!("{STORY_SELECT} WHERE a.status = 'published' AND a.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// The homepage's lead: the newest featured story, else the newest story.
pub async fn lead(db: &Db) -> Result<Option<Story>, DbError> {
    sql(format!(
        "{STORY_SELECT} WHERE a.status = 'published' ORDER BY a.featured DESC, a.published_at DESC, a.id DESC LIMIT 1"
    ))
    .fetch_optional(db)
    .await
}

/// Live blogs still running, newest first.
pub async fn live_now(db: &Db, limit: i64) -> Result<Vec<Story>, DbError> {
    sql(format!(
        "{STORY_SELECT} WHERE a.status = 'published' AND a.kind = 'liveblog' AND a.live_ended_at IS NULL
         {NEWEST_FIRST} LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(db)
    .await
}

/// The newest `per_section` stories of every section, in one query.
pub async fn latest_per_section(db: &Db, per_section: i64) -> Result<Vec<Story>, DbError> {
    sql(format!(
        "SELECT * FROM (
            SELECT ranked.*, ROW_NUMBER() OVER (PARTITION BY section_slug ORDER BY published_at DESC, id DESC) AS rank_in_section
            FROM ({STORY_SELECT} WHERE a.status = 'published') ranked
        ) numbered WHERE rank_in_section <= $1
        ORDER BY section_slug, published_at DESC, id DESC"
    ))
    .bind(per_section)
    .fetch_all(db)
    .await
}

/// A published article by its slug.
pub async fn published_by_slug(db: &Db, slug: &str) -> Result<Option<Article>, DbError> {
    sql(format!(
        "SELECT {ARTICLE_COLUMNS} FROM articles WHERE slug = $1 AND status = 'published'"
    ))
    .bind(slug)
    .fetch_optional(db)
    .await
}

/// Any article, whatever its state (for the newsroom).
pub async fn by_id(db: &Db, id: ArticleId) -> Result<Option<Article>, DbError> {
    sql(format!("SELECT {ARTICLE_COLUMNS} FROM articles WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// The byline, in order.
pub async fn authors_of(db: &Db, article: ArticleId) -> Result<Vec<Author>, DbError> {
    sql("SELECT au.id, au.slug, au.name, au.job_title, au.bio, au.photo_id
         FROM article_authors aa JOIN authors au ON au.id = aa.author_id
         WHERE aa.article_id = $1 ORDER BY aa.position")
    .bind(article)
    .fetch_all(db)
    .await
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TagLink {
    pub slug: String,
    pub name: String,
}

pub async fn tags_of(db: &Db, article: ArticleId) -> Result<Vec<TagLink>, DbError> {
    sql(
        "SELECT t.slug, t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id
         WHERE at.article_id = $1 ORDER BY t.name",
    )
    .bind(article)
    .fetch_all(db)
    .await
}

/// The article's pictures with where each stands in the body.
pub async fn figures_of(db: &Db, article: ArticleId) -> Result<Vec<Figure>, DbError> {
    sql(
        "SELECT i.id, i.alt, i.caption, i.credit, i.width, i.height, i.widths, ai.position
         FROM article_images ai JOIN images i ON i.id = ai.image_id
         WHERE ai.article_id = $1 ORDER BY ai.position, ai.ordinal",
    )
    .bind(article)
    .fetch_all(db)
    .await
}

#[derive(Debug, sqlx::FromRow)]
pub struct RelatedStory {
    #[sqlx(flatten)]
    pub story: Story,
    pub position: i64,
}

/// Related stories that are published, with where each link stands.
pub async fn related_of(db: &Db, article: ArticleId) -> Result<Vec<RelatedStory>, DbError> {
    sql(format!(
        "SELECT story.*, r.position FROM article_related r
         JOIN ({STORY_SELECT} WHERE a.status = 'published') story ON story.id = r.related_id
         WHERE r.article_id = $1 ORDER BY r.position, story.published_at DESC"
    ))
    .bind(article)
    .fetch_all(db)
    .await
}

/// Everything a sitemap lists about a published article.
#[derive(Debug, sqlx::FromRow)]
pub struct SitemapEntry {
    pub slug: String,
    pub section_slug: String,
    pub headline: String,
    pub published_at: Timestamp,
    pub updated_at: Timestamp,
}

impl SitemapEntry {
    pub fn path(&self) -> String {
        format!("/{}/{}", self.section_slug, self.slug)
    }
}

const SITEMAP_SELECT: &str = "SELECT a.slug, s.slug AS section_slug, a.headline, a.published_at, a.updated_at
    FROM articles a JOIN sections s ON s.id = a.section_id WHERE a.status = 'published'";

pub async fn sitemap_page(db: &Db, limit: i64, offset: i64) -> Result<Vec<SitemapEntry>, DbError> {
    sql(format!(
        "{SITEMAP_SELECT} ORDER BY a.published_at, a.id LIMIT $1 OFFSET $2"
    ))
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await
}

pub async fn published_since(db: &Db, since: Timestamp) -> Result<Vec<SitemapEntry>, DbError> {
    sql(format!(
        "{SITEMAP_SELECT} AND a.published_at >= $1 ORDER BY a.published_at DESC, a.id DESC LIMIT 1000"
    ))
    .bind(since)
    .fetch_all(db)
    .await
}

/// When anything published last changed: the Last-Modified of lists and feeds.
pub async fn last_change(db: &Db, filter: StoryFilter) -> Result<Option<Timestamp>, DbError> {
    let text = format!(
        "SELECT MAX(a.updated_at) AS latest FROM articles a {}",
        filter_clause(filter)
    );
    let (latest,): (Option<Timestamp>,) = bind_filter(sql(text), filter).fetch_one(db).await?;
    Ok(latest)
}

/// The byline names of several articles at once, in byline order.
pub async fn bylines(
    db: &Db,
    articles: &[ArticleId],
) -> Result<std::collections::HashMap<ArticleId, Vec<String>>, DbError> {
    let mut out: std::collections::HashMap<ArticleId, Vec<String>> = std::collections::HashMap::new();
    if articles.is_empty() {
        return Ok(out);
    }
    let placeholders: Vec<String> = (1..=articles.len()).map(|n| format!("${n}")).collect();
    let mut query = sql(format!(
        "SELECT aa.article_id, au.name FROM article_authors aa JOIN authors au ON au.id = aa.author_id
         WHERE aa.article_id IN ({}) ORDER BY aa.article_id, aa.position",
        placeholders.join(", ")
    ));
    for id in articles {
        query = query.bind(*id);
    }
    let rows: Vec<(ArticleId, String)> = query.fetch_all(db).await?;
    for (article, name) in rows {
        out.entry(article).or_default().push(name);
    }
    Ok(out)
}
