//! A reader as moderators see them: their recent comments, and timed
//! suspensions or bans with a reason the reader is shown.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::accounts::CurrentStaff;
use crate::accounts::readers::{self, Reader, Sanction};
use crate::change::Change;
use crate::comments::model::{COMMENT_SELECT, Comment};
use crate::db::sql;
use crate::domain::Timestamp;
use crate::error::{AppError, AppResult};
use crate::newsroom::layout::{Done, NewsroomLayout};
use crate::state::AppState;
use crate::web::form::FormFields;

#[derive(Template)]
#[template(path = "newsroom/reader.html")]
struct ReaderPage {
    layout: NewsroomLayout,
    reader: Reader,
    joined: String,
    standing: String,
    /// Recent comments with when each was posted, in words.
    comments: Vec<(String, Comment)>,
}

pub async fn show(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(id): Path<crate::domain::ReaderId>,
    axum::extract::Query(done): axum::extract::Query<Done>,
) -> AppResult<Html<String>> {
    let reader = readers::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let comments: Vec<Comment> = sql(format!(
        "{COMMENT_SELECT} WHERE c.reader_id = $1 ORDER BY c.created_at DESC LIMIT 50"
    ))
    .bind(id)
    .fetch_all(&state.db)
    .await?;
    let now = Timestamp::now();
    let standing = reader.standing(&state.site, now);
    let layout =
        NewsroomLayout::new(&state, &who, &reader.display_name, "/newsroom/moderation").with_notice(done.notice());
    Ok(Html(
        ReaderPage {
            layout,
            joined: state.site.long_time(reader.created_at),
            reader,
            standing,
            comments: comments
                .into_iter()
                .map(|c| (state.site.long_time(c.created_at), c))
                .collect(),
        }
        .render()?,
    ))
}

/// `action`: suspend (with `days`), ban, or lift; `reason` is shown to the reader.
pub async fn sanction(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(id): Path<crate::domain::ReaderId>,
    form: FormFields,
) -> AppResult<Response> {
    let reader = readers::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let reason = form.get("reason").trim();
    let action = form.get("action");
    if action != "lift" && reason.is_empty() {
        return Err(AppError::Invalid {
            field: "reason".into(),
            message: "Give the reason; the reader is shown it.".into(),
        });
    }
    let sanction = match action {
        "suspend" => {
            let days: i64 = form
                .get("days")
                .trim()
                .parse()
                .ok()
                .filter(|d| (1..=365).contains(d))
                .ok_or_else(|| AppError::Invalid {
                    field: "days".into(),
                    message: "Suspend for 1 to 365 days.".into(),
                })?;
            Sanction::Suspend { days }
        }
        "ban" => Sanction::Ban,
        "lift" => Sanction::Lift,
        _ => return Err(AppError::BadRequest("Choose suspend, ban or lift.".into())),
    };
    let mut change = Change::begin(&state, &who).await?;
    readers::sanction(&mut change, &reader, sanction, reason).await?;
    change.commit().await?;
    Ok(Redirect::to(&format!("/newsroom/moderation/readers/{id}?done=updated")).into_response())
}
