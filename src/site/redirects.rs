//! Old addresses that keep working: an imported article's address on the
//! old site answers with a permanent redirect to its address here, and so
//! does WordPress's numbered form (`/?p=12`). An address with a trailing
//! slash, as WordPress writes every one, leads to the same address without
//! it when the site answers that; an old address never hides a page of the
//! site's own.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;

use crate::db::{Conn, Db, DbError, sql};
use crate::domain::{ArticleId, Timestamp};

/// What [`old_addresses`] needs: the site's own routes (to ask whether an
/// address without its trailing slash is one of its pages) and the database.
#[derive(Clone)]
pub struct OldAddresses {
    pub pages: axum::Router,
    pub db: Db,
}

/// Answers old forms of addresses before the site's routes see them.
pub async fn old_addresses(State(old): State<OldAddresses>, request: Request, next: Next) -> Response {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let uri = request.uri().clone();
    let path = uri.path();
    if let Some(query) = uri.query()
        && matches!(path, "/" | "/index.php")
        && let Some(id) = wordpress_id(&format!("{path}?{query}"))
    {
        match find(&old.db, &format!("/?p={id}")).await {
            Ok(Some(location)) => return moved(&location),
            Ok(None) => {}
            Err(err) => tracing::warn!("looking up an old address: {err}"),
        }
    }
    if path.len() > 1 && path.ends_with('/') {
        let bare = match path.trim_end_matches('/') {
            "" => "/",
            bare => bare,
        };
        let target = match uri.query() {
            Some(query) => format!("{bare}?{query}"),
            None => bare.to_owned(),
        };
        let (mut parts, body) = request.into_parts();
        let Ok(bare_uri) = target.parse() else {
            return StatusCode::BAD_REQUEST.into_response();
        };
        parts.uri = bare_uri;
        let Ok(answer) = old.pages.oneshot(Request::from_parts(parts, body)).await;
        // Not a page without the slash either (the 404 page), or an old
        // address that leads on (one hop, not two): that answer stands.
        if answer.status() == StatusCode::NOT_FOUND || answer.status().is_redirection() {
            return answer;
        }
        return moved(&target);
    }
    next.run(request).await
}

fn moved(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(location) => (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, location)]).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// "/2023/05/12/Old-Slug/" and "/2023/05/12/old-slug" are the same old
/// address; so are WordPress's "/?p=12", "/index.php?p=12&x=y" and "/?page_id=12"
/// (all "/?p=12": WordPress numbers posts and pages alike).
pub fn normalise(path: &str) -> String {
    if let Some(id) = wordpress_id(path) {
        return format!("/?p={id}");
    }
    let path = path.split(['?', '#']).next().unwrap_or("");
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        "/".to_owned()
    } else {
        trimmed.to_lowercase()
    }
}

/// The post id in a WordPress address by number ("/?p=12", "/index.php?page_id=12").
fn wordpress_id(path: &str) -> Option<u64> {
    let (before, query) = path.split('#').next()?.split_once('?')?;
    if !matches!(before, "" | "/" | "/index.php") {
        return None;
    }
    form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == "p" || key == "page_id")
        .and_then(|(_, value)| value.parse().ok())
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

/// What [`remember`] did with an old address.
#[derive(Debug, PartialEq, Eq)]
pub enum Remembered {
    Added,
    /// It led to this article already.
    Known,
    /// It leads to another article, which keeps it (the first one in wins).
    Taken,
}

/// Sends `old_path` to the article from now on, unless it leads elsewhere already.
pub async fn remember<'c>(
    conn: impl Into<Conn<'c>>,
    old_path: &str,
    article: ArticleId,
) -> Result<Remembered, DbError> {
    let path = normalise(old_path);
    if path == "/" {
        return Ok(Remembered::Known);
    }
    let mut conn = conn.into();
    let added =
        sql("INSERT INTO redirects (path, article_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (path) DO NOTHING")
            .bind(&path)
            .bind(article)
            .bind(Timestamp::now())
            .execute(conn.reborrow())
            .await?;
    if added > 0 {
        return Ok(Remembered::Added);
    }
    let owner: Option<(ArticleId,)> = sql("SELECT article_id FROM redirects WHERE path = $1")
        .bind(&path)
        .fetch_optional(conn.reborrow())
        .await?;
    Ok(match owner {
        Some((owner,)) if owner != article => Remembered::Taken,
        _ => Remembered::Known,
    })
}

/// Whether an address (normalised) is one the site answers itself: a
/// section, or a path under one of the site's own first segments. An old
/// address there would never be reached, or would hide the site's page.
pub async fn is_site_path<'c>(conn: impl Into<Conn<'c>>, path: &str) -> Result<bool, DbError> {
    if path.starts_with("/?") {
        return Ok(false);
    }
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    if first.is_empty() {
        return Ok(true);
    }
    if crate::site::RESERVED_SLUGS.contains(&first) {
        return Ok(true);
    }
    let single = !path.trim_start_matches('/').contains('/');
    if !single {
        return Ok(false);
    }
    let sections = sql("SELECT COUNT(*) FROM sections WHERE slug = $1")
        .bind(first)
        .fetch_count(conn)
        .await?;
    Ok(sections > 0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn trailing_slashes_queries_and_case_do_not_matter() {
        assert_eq!(super::normalise("/2023/05/Old-Slug/?utm=x"), "/2023/05/old-slug");
        assert_eq!(super::normalise("//"), "/");
        assert_eq!(super::normalise("/?p=12"), "/?p=12");
        assert_eq!(super::normalise("/index.php?foo=1&p=12"), "/?p=12");
        assert_eq!(super::normalise("/?page_id=7#top"), "/?p=7");
        assert_eq!(super::normalise("/blog/?p=12"), "/blog");
    }
}
