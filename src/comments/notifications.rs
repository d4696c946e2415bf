//! A reader's notification inbox: replies to their comments and new comments
//! by readers they follow.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::accounts::reader_extract::CurrentReader;
use crate::db::{Db, DbError, sql};
use crate::domain::Timestamp;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::form::FormFields;
use crate::web::{Layout, TimeView};

pub async fn unread(db: &Db, reader: crate::domain::ReaderId) -> Result<i64, DbError> {
    sql("SELECT COUNT(*) FROM notifications WHERE reader_id = $1 AND read_at IS NULL")
        .bind(reader)
        .fetch_count(db)
        .await
}

#[derive(sqlx::FromRow)]
struct Row {
    kind: String,
    comment_id: uuid::Uuid,
    created_at: Timestamp,
    read_at: Option<Timestamp>,
    actor: Option<String>,
    body: String,
    headline: String,
}

struct Item {
    text: String,
    excerpt: String,
    url: String,
    time: TimeView,
    unread: bool,
}

#[derive(Template)]
#[template(path = "comments/inbox.html")]
struct InboxPage {
    layout: Layout,
    items: Vec<Item>,
    unread: i64,
}

pub async fn inbox(State(state): State<AppState>, who: CurrentReader) -> AppResult<Html<String>> {
    let rows: Vec<Row> = sql(
        "SELECT n.kind, n.comment_id, n.created_at, n.read_at, r.display_name AS actor, c.body, a.headline
         FROM notifications n
         JOIN comments c ON c.id = n.comment_id
         JOIN articles a ON a.id = c.article_id
         LEFT JOIN readers r ON r.id = c.reader_id
         WHERE n.reader_id = $1 AND c.status = 'visible'
         ORDER BY n.created_at DESC LIMIT 100",
    )
    .bind(who.reader.id)
    .fetch_all(&state.db)
    .await?;
    let items = rows
        .into_iter()
        .map(|r| {
            let actor = r.actor.unwrap_or_else(|| "A reader".into());
            Item {
                text: if r.kind == "reply" {
                    format!("{actor} replied to your comment on “{}”", r.headline)
                } else {
                    format!("{actor}, whom you follow, commented on “{}”", r.headline)
                },
                excerpt: r.body.chars().take(200).collect(),
                url: format!("/comments/{}", r.comment_id),
                time: TimeView::long(&state.site, r.created_at),
                unread: r.read_at.is_none(),
            }
        })
        .collect();
    let mut layout = Layout::load(&state, "Notifications", "", "/account/notifications").await?;
    layout.canonical = None;
    layout.noindex = true;
    Ok(Html(
        InboxPage {
            layout,
            items,
            unread: unread(&state.db, who.reader.id).await?,
        }
        .render()?,
    ))
}

/// Marks everything (or one comment's notification) as read.
pub async fn mark_read(State(state): State<AppState>, who: CurrentReader, form: FormFields) -> AppResult<Response> {
    let now = Timestamp::now();
    match form.get("comment").parse::<uuid::Uuid>() {
        Ok(comment) => {
            sql("UPDATE notifications SET read_at = $1 WHERE reader_id = $2 AND comment_id = $3 AND read_at IS NULL")
                .bind(now)
                .bind(who.reader.id)
                .bind(comment)
                .execute(&state.db)
                .await?
        }
        Err(_) => {
            sql("UPDATE notifications SET read_at = $1 WHERE reader_id = $2 AND read_at IS NULL")
                .bind(now)
                .bind(who.reader.id)
                .execute(&state.db)
                .await?
        }
    };
    Ok(Redirect::to("/account/notifications").into_response())
}
