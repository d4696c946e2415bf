//! Counting clicks without tracking readers: when a newsletter has it
//! turned on, each link in an edition's HTML goes through
//! `/newsletters/click/{edition number}/{link number}`, which adds one to
//! that link's count and sends the reader on. The address carries nothing
//! about the reader, so a count is all there is. Off unless the newsroom
//! turns it on; the newsletter's page and every email say so when it is.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::change::Change;
use crate::db::{Db, sql};
use crate::domain::EditionId;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

use super::model::{Edition, Newsletter};

/// One counted link of an edition.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Link {
    pub position: i64,
    pub url: String,
    pub clicks: i64,
}

/// The links of an edition that are counted, most clicked first.
pub async fn links_of(db: &Db, edition: EditionId) -> Result<Vec<Link>, crate::db::DbError> {
    sql("SELECT position, url, clicks FROM edition_links WHERE edition_id = $1 ORDER BY clicks DESC, position")
        .bind(edition)
        .fetch_all(db)
        .await
}

/// Every `href` of the HTML, unescaped, in order of first appearance,
/// leaving out the personal links, the archive copy and anything that is
/// not a web address.
fn hrefs(html: &str, archive_url: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (_, value) in attributes(html) {
        let url = unescape(value);
        let counted =
            (url.starts_with("https://") || url.starts_with("http://")) && url != archive_url && !url.contains("%%");
        if counted && !out.contains(&url) {
            out.push(url);
        }
    }
    out
}

/// The `href="…"` values of the HTML with where each starts and ends.
fn attributes(html: &str) -> impl Iterator<Item = ((usize, usize), &str)> {
    const OPEN: &str = "href=\"";
    let mut from = 0;
    std::iter::from_fn(move || {
        let start = from + html[from..].find(OPEN)? + OPEN.len();
        let end = start + html[start..].find('"')?;
        from = end + 1;
        Some(((start, end), &html[start..end]))
    })
}

fn unescape(value: &str) -> String {
    quick_xml::escape::unescape(value)
        .map(|v| v.into_owned())
        .unwrap_or_else(|_| value.to_owned())
}

/// Numbers and keeps the links of an edition about to be sent; runs in the
/// change that starts it, so every email's redirects lead somewhere.
pub async fn remember_links(change: &mut Change, newsletter: &Newsletter, edition: &Edition) -> AppResult<()> {
    let state = change.state().clone();
    let composed = super::render::compose(&state, newsletter, edition, true).await?;
    let archive = state.site.url(&edition.archive_path(newsletter));
    for (position, url) in hrefs(&composed.html, &archive).iter().enumerate() {
        sql("INSERT INTO edition_links (edition_id, position, url) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(edition.id)
            .bind(position as i64 + 1)
            .bind(url)
            .execute(&mut *change)
            .await?;
    }
    Ok(())
}

/// The HTML with each remembered link sent through the counting redirect;
/// a link not remembered (a story whose address changed since) stays as it is.
pub fn through_redirect(html: &str, links: &[Link], base: &str, edition_number: i64) -> String {
    if links.is_empty() {
        return html.to_owned();
    }
    let by_url: HashMap<&str, i64> = links.iter().map(|l| (l.url.as_str(), l.position)).collect();
    let mut out = String::with_capacity(html.len());
    let mut copied = 0;
    for ((start, end), value) in attributes(html) {
        if let Some(position) = by_url.get(unescape(value).as_str()) {
            out.push_str(&html[copied..start]);
            out.push_str(&format!("{base}/newsletters/click/{edition_number}/{position}"));
            copied = end;
        }
    }
    out.push_str(&html[copied..]);
    out
}

/// `/newsletters/click/{number}/{position}`: one more click, then on to the link.
pub async fn follow(
    State(state): State<AppState>,
    method: Method,
    Path((number, position)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let edition = super::model::edition_by_number(&state.db, number)
        .await?
        .ok_or(AppError::NotFound)?;
    let link: Option<(String,)> = sql("SELECT url FROM edition_links WHERE edition_id = $1 AND position = $2")
        .bind(edition.id)
        .bind(position)
        .fetch_optional(&state.db)
        .await?;
    let (url,) = link.ok_or(AppError::NotFound)?;
    // A HEAD is a program checking the link, not a reader following it.
    if method == Method::GET {
        count(&state.db, edition.id, position).await?;
    }
    let location = HeaderValue::from_str(&url).map_err(|_| AppError::NotFound)?;
    let mut response = StatusCode::FOUND.into_response();
    response.headers_mut().insert(header::LOCATION, location);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
        .headers_mut()
        .insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    Ok(response)
}

/// A click is a counter, like the edition's sent and bounced figures: no
/// audit line (it names no one and changes nothing anyone wrote).
async fn count(db: &Db, edition: EditionId, position: i64) -> Result<(), crate::db::DbError> {
    sql("UPDATE edition_links SET clicks = clicks + 1 WHERE edition_id = $1 AND position = $2")
        .bind(edition)
        .bind(position)
        .execute(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_go_through_the_redirect_and_the_personal_ones_do_not() {
        let html = r#"<a href="https://news.example/world/a?x=1&amp;y=2">A</a>
<a href="https://news.example/newsletters/m/3">web</a><a href="%%leave-link%%">leave</a>
<a href="https://other.example/">B</a><a href="https://news.example/world/a?x=1&amp;y=2">again</a>
<a href="mailto:desk@news.example">mail</a>"#;
        let found = hrefs(html, "https://news.example/newsletters/m/3");
        assert_eq!(
            found,
            ["https://news.example/world/a?x=1&y=2", "https://other.example/"]
        );
        let links: Vec<Link> = found
            .into_iter()
            .enumerate()
            .map(|(i, url)| Link {
                position: i as i64 + 1,
                url,
                clicks: 0,
            })
            .collect();
        let out = through_redirect(html, &links, "https://news.example", 3);
        assert_eq!(out.matches("https://news.example/newsletters/click/3/1").count(), 2);
        assert_eq!(out.matches("https://news.example/newsletters/click/3/2").count(), 1);
        assert!(out.contains(r#"href="%%leave-link%%""#));
        assert!(out.contains(r#"href="https://news.example/newsletters/m/3""#));
        assert!(out.contains("mailto:desk@news.example"));
    }
}
