//! Readers' public profiles (`/readers/{id}`) and following.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Json, Redirect, Response};

use crate::accounts::reader_extract::CurrentReader;
use crate::accounts::readers;
use crate::db::sql;
use crate::domain::Timestamp;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{Layout, SafeHtml, TimeView};

use super::queries;
use super::text;

#[derive(Template)]
#[template(path = "comments/profile.html")]
struct ProfilePage {
    layout: Layout,
    id: crate::domain::ReaderId,
    name: String,
    bio: String,
    joined: String,
    followers: i64,
    following: i64,
    viewer: Option<crate::domain::ReaderId>,
    follows: bool,
    comments: Vec<(String, String, SafeHtml, TimeView)>,
}

pub async fn show(
    State(state): State<AppState>,
    who: Option<CurrentReader>,
    Path(id): Path<crate::domain::ReaderId>,
) -> AppResult<Html<String>> {
    let reader = readers::by_id(&state.db, id)
        .await?
        .filter(|r| r.deleted_at.is_none())
        .ok_or(AppError::NotFound)?;
    let count = |q: &'static str| sql(q).bind(id).fetch_count(&state.db);
    let followers = count("SELECT COUNT(*) FROM follows WHERE followed_id = $1").await?;
    let following = count("SELECT COUNT(*) FROM follows WHERE follower_id = $1").await?;
    let viewer = who.as_ref().map(|w| w.reader.id);
    let follows = match viewer {
        Some(me) => {
            sql("SELECT COUNT(*) FROM follows WHERE follower_id = $1 AND followed_id = $2")
                .bind(me)
                .bind(id)
                .fetch_count(&state.db)
                .await?
                > 0
        }
        None => false,
    };
    let comments = queries::by_reader(&state.db, id, 50)
        .await?
        .into_iter()
        .map(|c| {
            (
                format!("/{}/{}", c.section_slug, c.slug),
                c.headline,
                text::render(&c.body),
                TimeView::long(&state.site, c.created_at),
            )
        })
        .collect();
    let mut layout = Layout::load(&state, &reader.display_name, "", "/").await?;
    layout.noindex = true;
    layout.canonical = None;
    Ok(Html(
        ProfilePage {
            layout,
            id,
            name: reader.display_name,
            bio: reader.bio,
            joined: state.site.short_date(reader.created_at),
            followers,
            following,
            viewer,
            follows,
            comments,
        }
        .render()?,
    ))
}

fn answer(headers: &HeaderMap, id: crate::domain::ReaderId, following: bool) -> Response {
    if crate::web::wants_json(headers) {
        Json(serde_json::json!({ "following": following })).into_response()
    } else {
        Redirect::to(&format!("/readers/{id}")).into_response()
    }
}

pub async fn follow(
    State(state): State<AppState>,
    who: CurrentReader,
    headers: HeaderMap,
    Path(id): Path<crate::domain::ReaderId>,
) -> AppResult<Response> {
    if id == who.reader.id {
        return Err(AppError::Conflict("You cannot follow yourself.".into()));
    }
    readers::by_id(&state.db, id)
        .await?
        .filter(|r| r.deleted_at.is_none())
        .ok_or(AppError::NotFound)?;
    sql("INSERT INTO follows (follower_id, followed_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(who.reader.id)
        .bind(id)
        .bind(Timestamp::now())
        .execute(&state.db)
        .await?;
    Ok(answer(&headers, id, true))
}

pub async fn unfollow(
    State(state): State<AppState>,
    who: CurrentReader,
    headers: HeaderMap,
    Path(id): Path<crate::domain::ReaderId>,
) -> AppResult<Response> {
    sql("DELETE FROM follows WHERE follower_id = $1 AND followed_id = $2")
        .bind(who.reader.id)
        .bind(id)
        .execute(&state.db)
        .await?;
    Ok(answer(&headers, id, false))
}
