//! The moderation queues and the decisions taken on them.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Json, Redirect, Response};
use serde::Deserialize;

use crate::accounts::CurrentStaff;
use crate::change::Change;
use crate::comments::model::{COMMENT_SELECT, Comment, CommentId, Status};
use crate::comments::write::Decision;
use crate::comments::{queries, write};
use crate::db::sql;
use crate::error::{AppError, AppResult};
use crate::newsroom::layout::NewsroomLayout;
use crate::state::AppState;
use crate::web::TimeView;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Queue {
    Reported,
    Held,
    Decided,
}

impl Queue {
    fn parse(s: &str) -> Self {
        match s {
            "held" => Queue::Held,
            "decided" => Queue::Decided,
            _ => Queue::Reported,
        }
    }
}

struct Item {
    id: CommentId,
    author: String,
    author_id: String,
    headline: String,
    body: String,
    time: TimeView,
    status: String,
    featured: bool,
    reasons: Vec<String>,
    decided_by: String,
}

#[derive(Template)]
#[template(path = "newsroom/moderation.html")]
struct QueuePage {
    layout: NewsroomLayout,
    queue: &'static str,
    tabs: Vec<(&'static str, &'static str, i64, bool)>,
    items: Vec<Item>,
}

#[derive(Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    queue: String,
    #[serde(default)]
    done: String,
}

async fn headline(state: &AppState, comment: &Comment) -> AppResult<String> {
    let (headline,): (String,) = sql("SELECT headline FROM articles WHERE id = $1")
        .bind(comment.article_id)
        .fetch_one(&state.db)
        .await?;
    Ok(headline)
}

pub async fn show(
    State(state): State<AppState>,
    who: CurrentStaff,
    Query(query): Query<QueueQuery>,
) -> AppResult<Html<String>> {
    let queue = Queue::parse(&query.queue);
    let db = &state.db;
    let comments: Vec<Comment> = match queue {
        Queue::Reported => {
            sql(format!(
                "{COMMENT_SELECT} WHERE c.id IN (SELECT comment_id FROM comment_reports WHERE resolved_at IS NULL)
             AND c.status IN ('visible', 'held') ORDER BY c.created_at LIMIT 100"
            ))
            .fetch_all(db)
            .await?
        }
        Queue::Held => {
            sql(format!(
                "{COMMENT_SELECT} WHERE c.status = 'held' ORDER BY c.created_at LIMIT 100"
            ))
            .fetch_all(db)
            .await?
        }
        Queue::Decided => {
            sql(format!(
                "{COMMENT_SELECT} WHERE c.decided_at IS NOT NULL ORDER BY c.decided_at DESC LIMIT 100"
            ))
            .fetch_all(db)
            .await?
        }
    };
    let mut items = Vec::with_capacity(comments.len());
    for c in &comments {
        let mut reasons: Vec<String> =
            sql("SELECT reason FROM comment_reports WHERE comment_id = $1 AND resolved_at IS NULL ORDER BY created_at")
                .bind(c.id)
                .fetch_all(db)
                .await?
                .into_iter()
                .map(|(r,): (String,)| format!("Reported: {r}"))
                .collect();
        if c.status() == Status::Held {
            reasons.insert(0, format!("Held: {}", c.held_reason));
        }
        items.push(Item {
            id: c.id,
            author: c.author().to_owned(),
            author_id: c.reader_id.map(|r| r.to_string()).unwrap_or_default(),
            headline: headline(&state, c).await?,
            body: c.body.clone(),
            time: TimeView::long(&state.site, c.created_at),
            status: c.status.clone(),
            featured: c.featured,
            reasons,
            decided_by: sql_decided_by(&state, c.id).await?,
        });
    }
    let count = |q: &'static str| sql(q).fetch_count(db);
    let tabs = vec![
        (
            "reported",
            "Reported",
            count("SELECT COUNT(DISTINCT comment_id) FROM comment_reports WHERE resolved_at IS NULL").await?,
            queue == Queue::Reported,
        ),
        (
            "held",
            "Held for review",
            count("SELECT COUNT(*) FROM comments WHERE status = 'held'").await?,
            queue == Queue::Held,
        ),
        ("decided", "Recently decided", 0, queue == Queue::Decided),
    ];
    let notice = match query.done.as_str() {
        "approve" => Some("Approved: the comment is visible."),
        "reject" => Some("Rejected: the comment is gone from every page."),
        "feature" => Some("Featured: the comment is shown first."),
        "unfeature" => Some("No longer featured."),
        _ => None,
    };
    let layout = NewsroomLayout::new(&state, &who, "Moderation", "/newsroom/moderation").with_notice(notice);
    let queue_name = match queue {
        Queue::Reported => "reported",
        Queue::Held => "held",
        Queue::Decided => "decided",
    };
    Ok(Html(
        QueuePage {
            layout,
            queue: queue_name,
            tabs,
            items,
        }
        .render()?,
    ))
}

async fn sql_decided_by(state: &AppState, id: CommentId) -> AppResult<String> {
    let (by,): (String,) = sql("SELECT decided_by FROM comments WHERE id = $1")
        .bind(id)
        .fetch_one(&state.db)
        .await?;
    Ok(by)
}

/// `approve`, `reject`, `feature` or `unfeature` one comment.
pub async fn decide(
    State(state): State<AppState>,
    who: CurrentStaff,
    headers: HeaderMap,
    Path((id, decision)): Path<(CommentId, String)>,
    form: crate::web::form::FormFields,
) -> AppResult<Response> {
    let comment = queries::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let Some(chosen) = Decision::parse(&decision) else {
        return Err(AppError::NotFound);
    };
    let mut change = Change::begin(&state, &who).await?;
    write::decide(&mut change, &comment, chosen).await?;
    change.commit().await?;
    if crate::web::wants_json(&headers) {
        return Ok(Json(serde_json::json!({ "id": id, "decision": decision })).into_response());
    }
    let queue = match form.get("queue") {
        "" => "reported",
        q => q,
    };
    Ok(Redirect::to(&format!(
        "/newsroom/moderation?queue={}&done={decision}",
        crate::web::urlencode(queue)
    ))
    .into_response())
}
