//! My account: the browsers I am signed in on, and ending those sessions;
//! for those who publish, whether to be emailed when a story waits for review.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::accounts::sessions::{self, Kind};
use crate::accounts::{CurrentStaff, Permission, staff};
use crate::change::Change;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::form::FormFields;

use super::layout::{Done, NewsroomLayout};

#[derive(Template)]
#[template(path = "newsroom/account.html")]
struct AccountPage {
    layout: NewsroomLayout,
    email: String,
    sessions: Vec<SessionRow>,
    /// None for those who cannot review; else whether they are emailed.
    review_emails: Option<bool>,
}

struct SessionRow {
    id: String,
    this_browser: bool,
    browser: String,
    ip: String,
    started: String,
    last_seen: String,
}

pub async fn show(
    State(state): State<AppState>,
    who: CurrentStaff,
    Query(done): Query<Done>,
) -> AppResult<Html<String>> {
    let sessions = sessions::list(&state.db, Kind::Staff, who.staff.id)
        .await?
        .into_iter()
        .map(|s| SessionRow {
            this_browser: s.token_hash == who.session,
            browser: if s.user_agent.is_empty() {
                "Unknown browser".into()
            } else {
                s.user_agent.clone()
            },
            ip: s.ip.clone(),
            started: state.site.long_time(s.created_at),
            last_seen: state.site.long_time(s.last_seen_at),
            id: s.token_hash,
        })
        .collect();
    let layout = NewsroomLayout::new(&state, &who, "My account", "/newsroom/account").with_notice(done.notice());
    Ok(Html(
        AccountPage {
            layout,
            email: who.staff.email.clone(),
            sessions,
            review_emails: match who.can(Permission::PublishArticles) {
                true => Some(staff::wants_review_emails(&state.db, who.staff.id).await?),
                false => None,
            },
        }
        .render()?,
    ))
}

/// Ends one of my sessions (`session` = its id), or every other one (`others`).
pub async fn end_session(State(state): State<AppState>, who: CurrentStaff, form: FormFields) -> AppResult<Response> {
    if form.has("others") {
        for s in sessions::list(&state.db, Kind::Staff, who.staff.id).await? {
            if s.token_hash != who.session {
                sessions::end(&state.db, who.staff.id, &s.token_hash).await?;
            }
        }
    } else {
        sessions::end(&state.db, who.staff.id, form.get("session")).await?;
    }
    Ok(Redirect::to("/newsroom/account?done=ended").into_response())
}

/// `POST /newsroom/account/review-emails`: on or off.
pub async fn review_emails(State(state): State<AppState>, who: CurrentStaff, form: FormFields) -> AppResult<Response> {
    let mut change = Change::begin(&state, &who).await?;
    staff::set_review_emails(&mut change, &who.staff, form.get("review_emails") == "on").await?;
    change.commit().await?;
    Ok(Redirect::to("/newsroom/account?done=saved").into_response())
}
