//! Running a search on either database: relevance (headline above
//! standfirst above body) blended with recency, filters by section, author
//! and dates, a highlighted snippet, one page at a time.

use crate::db::{Backend, Conditions, Db, DbError, sql};
use crate::domain::Timestamp;
use crate::web::html::SafeHtml;

use super::terms::Terms;

pub const PAGE_SIZE: i64 = 10;
/// Deeper pages than this are not served (nobody reads them; they only cost).
pub const MAX_PAGE: i64 = 100;
/// Relevance halves for a story about this many days older than another.
const RECENCY_DAYS: f64 = 30.0;
/// A query matching more stories than this ranks only its newest this many
/// (found from the index alone, with no ranking). Enough for every page a
/// reader can ask for.
const CANDIDATES: i64 = PAGE_SIZE * MAX_PAGE;

#[derive(Debug, Default)]
pub struct Filters {
    pub section: Option<String>,
    pub author: Option<String>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        self.section.is_none() && self.author.is_none() && self.from.is_none() && self.to.is_none()
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct Row {
    pub slug: String,
    pub headline: String,
    pub standfirst: String,
    pub published_at: Timestamp,
    pub section_slug: String,
    pub section_name: String,
    pub snippet: String,
}

impl Row {
    pub fn path(&self) -> String {
        format!("/{}/{}", self.section_slug, self.slug)
    }

    /// The snippet as HTML: escaped, with matches in `<mark>`, Markdown marks dropped.
    pub fn snippet_html(&self) -> SafeHtml {
        let plain: String = self
            .snippet
            .chars()
            .filter(|c| !matches!(c, '*' | '#' | '_' | '>' | '`'))
            .collect();
        let escaped = SafeHtml::escape(&plain)
            .as_str()
            .replace('\u{1}', "<mark>")
            .replace('\u{2}', "</mark>");
        SafeHtml::trusted(escaped)
    }
}

/// One page of results (and whether another follows).
pub async fn run(db: &Db, terms: &Terms, filters: &Filters, page: i64) -> Result<(Vec<Row>, bool), DbError> {
    let mut conditions = Conditions::new();
    // The match is always $1. The index alone answers a query without
    // filters; filters bring in the article and its section.
    let (index, to_article) = match db.backend() {
        Backend::Sqlite => {
            conditions.with("search_fts MATCH {}", terms.fts5());
            (
                "search_fts",
                " JOIN search_docs d ON d.doc = search_fts.rowid JOIN articles a ON a.id = d.article_id",
            )
        }
        Backend::Postgres => {
            conditions.with("d.document @@ to_tsquery('simple', {})", terms.tsquery());
            ("search_docs d", " JOIN articles a ON a.id = d.article_id")
        }
    };
    let scope = if filters.is_empty() {
        index.to_owned()
    } else {
        format!("{index}{to_article} JOIN sections s ON s.id = a.section_id")
    };
    if let Some(section) = &filters.section {
        conditions.with("s.slug = {}", section.as_str());
    }
    if let Some(author) = &filters.author {
        conditions.with(
            "EXISTS (SELECT 1 FROM article_authors aa JOIN authors au ON au.id = aa.author_id WHERE aa.article_id = a.id AND au.slug = {})",
            author.as_str(),
        );
    }
    if let Some(start) = filters.from {
        conditions.with("a.published_at >= {}", start);
    }
    if let Some(end) = filters.to {
        conditions.with("a.published_at < {}", end);
    }
    let n = conditions.next_param();
    let (snippet, order) = match db.backend() {
        Backend::Sqlite => (
            "snippet(search_fts, -1, char(1), char(2), '…', 28)".to_owned(),
            // bm25 is negative, lower is better; dividing by age moves old stories towards zero.
            format!(
                // The rowid is published_at * 64 + a slot, so the age needs no article row.
                "bm25(search_fts, 10.0, 4.0, 1.0) / (1.0 + (${n} - search_fts.rowid / 64) / ({RECENCY_DAYS} * 86400000000.0))"
            ),
        ),
        Backend::Postgres => (
            format!(
                "ts_headline('simple', a.standfirst || ' ' || broadsheet_article_text(a.id, a.body), to_tsquery('simple', $1), ${})",
                n + 3
            ),
            format!(
                "-ts_rank_cd(d.document, to_tsquery('simple', $1)) / (1.0 + EXTRACT(EPOCH FROM (${n} - d.published_at)) / ({RECENCY_DAYS} * 86400.0))"
            ),
        ),
    };
    let columns = "a.slug, a.headline, a.standfirst, a.published_at, s.slug AS section_slug, s.name AS section_name";
    let text = match db.backend() {
        // Find the newest candidates in index order, rank only those, then
        // draw snippets for the page's rows only.
        // Without filters neither step reads an article row.
        Backend::Sqlite => format!(
            "WITH floor AS (
                 SELECT search_fts.rowid AS doc
                 FROM {scope}{where_}
                 ORDER BY search_fts.rowid DESC LIMIT 1 OFFSET {last}),
             top AS (
                 SELECT search_fts.rowid AS doc, {order} AS score, search_fts.rowid AS published
                 FROM {scope}{where_}
                     AND search_fts.rowid >= COALESCE((SELECT doc FROM floor), -9223372036854775807)
                 ORDER BY score, published DESC LIMIT ${} OFFSET ${})
             SELECT {columns}, {snippet} AS snippet
             FROM top JOIN search_fts ON search_fts.rowid = top.doc
             JOIN search_docs d ON d.doc = top.doc JOIN articles a ON a.id = d.article_id
             JOIN sections s ON s.id = a.section_id
             WHERE search_fts MATCH $1
             ORDER BY top.score, top.published DESC",
            n + 1,
            n + 2,
            where_ = conditions.sql(),
            last = CANDIDATES - 1,
        ),
        // The same on PostgreSQL: the newest candidates come from the index
        // rows alone (publication time is kept there), only they are ranked
        // (which unpacks each one's document), and the costly headline is
        // drawn for the page's rows only.
        Backend::Postgres => format!(
            "WITH candidates AS (
                 SELECT d.article_id, d.document, d.published_at
                 FROM {scope}{where_}
                 ORDER BY d.published_at DESC LIMIT {CANDIDATES}),
             top AS (
                 SELECT d.article_id, d.published_at, {order} AS score
                 FROM candidates d
                 ORDER BY score, d.published_at DESC LIMIT ${} OFFSET ${})
             SELECT {columns}, {snippet} AS snippet
             FROM top JOIN articles a ON a.id = top.article_id JOIN sections s ON s.id = a.section_id
             ORDER BY top.score, top.published_at DESC",
            n + 1,
            n + 2,
            where_ = conditions.sql(),
        ),
    };
    let mut query = conditions
        .bind_to(sql(text))
        .bind(Timestamp::now())
        .bind(PAGE_SIZE + 1)
        .bind((page - 1) * PAGE_SIZE);
    if db.backend() == Backend::Postgres {
        query =
            query.bind("StartSel=\u{1}, StopSel=\u{2}, MaxWords=35, MinWords=15, MaxFragments=1, FragmentDelimiter=…");
    }
    let mut rows: Vec<Row> = query.fetch_all(db).await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    Ok((rows, more))
}
