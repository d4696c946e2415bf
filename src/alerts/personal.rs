//! Push messages about a reader's own conversations: a reply to their
//! comment, or a new comment by a reader they follow. Queued with the
//! comment's notifications, sent to the browsers of readers who asked for
//! them. These are best effort: a deferred one is not tried again (the
//! notification inbox still has it).

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use crate::db::sql;
use crate::state::AppState;

use super::send::{Message, Outcome};

pub const JOB: &str = "push_personal";
/// Kept by push services for a day; an old reply is not worth a buzz.
const TTL_SECS: i64 = 24 * 3600;

#[derive(Debug, Serialize, Deserialize)]
struct PersonalJob {
    comment: crate::domain::CommentId,
}

/// Queues the pushes for a comment whose notifications were just written.
pub async fn queue(conn: &mut crate::db::Conn<'_>, comment: crate::domain::CommentId) -> anyhow::Result<()> {
    crate::jobs::enqueue(conn.reborrow(), JOB, &PersonalJob { comment }, None).await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Row {
    kind: String,
    id: uuid::Uuid,
    endpoint: String,
    p256dh: String,
    auth: String,
}

#[derive(sqlx::FromRow)]
struct About {
    actor: Option<String>,
    body: String,
    headline: String,
}

pub async fn run(state: &AppState, payload: &str) -> anyhow::Result<()> {
    let task: PersonalJob = serde_json::from_str(payload)?;
    let db = &state.db;
    let Some(about) = sql("SELECT r.display_name AS actor, c.body, a.headline FROM comments c
         JOIN articles a ON a.id = c.article_id LEFT JOIN readers r ON r.id = c.reader_id
         WHERE c.id = $1 AND c.status = 'visible'")
    .bind(task.comment)
    .fetch_optional::<About>(db)
    .await?
    else {
        return Ok(());
    };
    let rows: Vec<Row> = sql("SELECT n.kind, s.id, s.endpoint, s.p256dh, s.auth FROM notifications n
         JOIN push_subscriptions s ON s.reader_id = n.reader_id
         JOIN push_topics t ON t.subscription_id = s.id
             AND t.topic = CASE n.kind WHEN 'reply' THEN 'replies' ELSE 'following' END
         WHERE n.comment_id = $1")
    .bind(task.comment)
    .fetch_all(db)
    .await?;
    let actor = about.actor.unwrap_or_else(|| "A reader".into());
    let excerpt: String = about.body.chars().take(140).collect();
    let url = format!("/comments/{}", task.comment);
    let tag = format!("comment-{}", task.comment.0.simple());
    let reply = payload_for(&format!("{actor} replied to you"), &excerpt, &url, &tag);
    let followed = payload_for(
        &format!("{actor} commented on “{}”", about.headline),
        &excerpt,
        &url,
        &tag,
    );
    let gone: Vec<uuid::Uuid> = futures_util::stream::iter(rows)
        .map(|row| {
            let (reply, followed) = (&reply, &followed);
            async move {
                let message = Message {
                    payload: if row.kind == "reply" { reply } else { followed },
                    ttl_secs: TTL_SECS,
                    urgency: "normal",
                    topic: None,
                };
                let target = super::send::Target {
                    id: row.id,
                    endpoint: row.endpoint,
                    p256dh: row.p256dh,
                    auth: row.auth,
                };
                (row.id, state.pusher.send(&target, &message).await)
            }
        })
        .buffer_unordered(state.settings.alerts.concurrency_per_service.max(1))
        .filter_map(|(id, outcome)| async move { (outcome == Outcome::Gone).then_some(id) })
        .collect()
        .await;
    for id in gone {
        sql("DELETE FROM push_subscriptions WHERE id = $1")
            .bind(id)
            .execute(db)
            .await?;
    }
    Ok(())
}

fn payload_for(title: &str, body: &str, url: &str, tag: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({ "title": title, "body": body, "url": url, "tag": tag, "image": "" }))
        .unwrap_or_default()
}
