//! Old addresses that keep working: an imported article's address on the
//! old site answers with a permanent redirect to its address here.

use crate::db::{Conn, Db, DbError, sql};
use crate::domain::{ArticleId, Timestamp};

/// "/2023/05/12/Old-Slug/" and "/2023/05/12/old-slug" are the same old address.
pub fn normalise(path: &str) -> String {
    let path = path.split(['?', '#']).next().unwrap_or("");
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        "/".to_owned()
    } else {
        trimmed.to_lowercase()
    }
}

/// Where an old address now lives, if it is one and the article is published.
pub async fn find(db: &Db, path: &str) -> Result<Option<String>, DbError> {
    let found: Option<(String, String)> = sql("SELECT s.slug, a.slug FROM redirects r
         JOIN articles a ON a.id = r.article_id JOIN sections s ON s.id = a.section_id
         WHERE r.path = $1 AND a.status = 'published'")
    .bind(normalise(path))
    .fetch_optional(db)
    .await?;
    Ok(found.map(|(section, slug)| format!("/{section}/{slug}")))
}

/// Sends `old_path` to the article from now on; returns whether it is a new one.
pub async fn remember<'c>(conn: impl Into<Conn<'c>>, old_path: &str, article: ArticleId) -> Result<bool, DbError> {
    let path = normalise(old_path);
    if path == "/" {
        return Ok(false);
    }
    let changed = sql(
        "INSERT INTO redirects (path, article_id, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (path) DO UPDATE SET article_id = excluded.article_id
         WHERE redirects.article_id <> excluded.article_id",
    )
    .bind(path)
    .bind(article)
    .bind(Timestamp::now())
    .execute(conn)
    .await?;
    Ok(changed > 0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn trailing_slashes_queries_and_case_do_not_matter() {
        assert_eq!(super::normalise("/2023/05/Old-Slug/?utm=x"), "/2023/05/old-slug");
        assert_eq!(super::normalise("//"), "/");
    }
}
