//! Signing in to the newsroom, and out again.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::extract::{STAFF_COOKIE, STAFF_COOKIE_PATH};
use crate::accounts::sessions::{self, Kind};
use crate::accounts::throttle::{self, Scope};
use crate::accounts::{CurrentStaff, MaybeStaff, password, staff};
use crate::audit::{Actor, Target};
use crate::change::Change;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::client::Client;
use crate::web::form::FormFields;

#[derive(Template)]
#[template(path = "newsroom/login.html")]
struct LoginPage {
    title: String,
    css: String,
    email: String,
    next: String,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
    #[serde(default)]
    expired: Option<String>,
    /// Back from a reset link.
    #[serde(default)]
    reset: Option<String>,
}

/// Only newsroom addresses are followed after signing in (no open redirect).
/// Where a role's work is: the articles, or for moderators (who write
/// none) the moderation queue.
pub fn desk_of(role: crate::accounts::Role) -> &'static str {
    if crate::accounts::Permission::WriteArticles.allows(role) {
        "/newsroom"
    } else {
        "/newsroom/moderation"
    }
}

fn safe_next(next: &str) -> String {
    match crate::web::local_path(next) {
        Some(next) if next.starts_with("/newsroom") && !next.starts_with("/newsroom/login") => next.to_owned(),
        _ => "/newsroom".to_owned(),
    }
}

fn page(state: &AppState, email: &str, next: &str, error: Option<String>, notice: Option<String>) -> AppResult<String> {
    Ok(LoginPage {
        title: format!("Sign in – {}", state.site.name()),
        css: state.assets.url("newsroom.css"),
        email: email.to_owned(),
        next: next.to_owned(),
        error,
        notice,
    }
    .render()?)
}

pub async fn form(
    State(state): State<AppState>,
    who: MaybeStaff,
    Query(query): Query<LoginQuery>,
) -> AppResult<Response> {
    if let Some(who) = who {
        let next = match safe_next(&query.next).as_str() {
            "/newsroom" => desk_of(who.staff.role).to_owned(),
            next => next.to_owned(),
        };
        return Ok(Redirect::to(&next).into_response());
    }
    let notice = match (query.expired, query.reset) {
        (Some(_), _) => Some("Your session had ended. Sign in again: what you were writing has been kept."),
        (_, Some(_)) => Some("Your new password is set. Sign in with it."),
        _ => None,
    }
    .map(str::to_owned);
    Ok(Html(page(&state, "", &safe_next(&query.next), None, notice)?).into_response())
}

pub async fn submit(State(state): State<AppState>, client: Client, form: FormFields) -> AppResult<Response> {
    let email = form.get("email").trim().to_lowercase();
    let next = safe_next(form.get("next"));
    let scopes = [Scope::email(&email), Scope::address(&client.ip)];
    let refuse = |status: StatusCode, message: String| -> AppResult<Response> {
        Ok((status, Html(page(&state, &email, &next, Some(message), None)?)).into_response())
    };
    // The attempt is counted before the password is checked, so parallel
    // guesses cannot all slip in before the first failure is recorded.
    match throttle::take_sign_in(&state.db, &scopes).await {
        Ok(()) => {}
        Err(err @ AppError::TooManyRequests { .. }) => {
            return Ok(err.drawn(page(&state, &email, &next, Some(err.report().detail), None)?));
        }
        Err(err) => return Err(err),
    }
    let account = staff::by_email(&state.db, &email).await?;
    let hash = account
        .as_ref()
        .filter(|row| row.disabled_at.is_none())
        .map(|row| row.password_hash.as_str());
    let verified = password::verify_account(form.get("password"), hash).await;
    let Some(row) = account.filter(|_| verified) else {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "That email and password do not match a newsroom account.".into(),
        );
    };
    throttle::clear(&state.db, &scopes[0]).await?;
    throttle::give_back(&state.db, &scopes[1]).await?;
    let next = if next == "/newsroom" {
        desk_of(row.role.parse()?).to_owned()
    } else {
        next
    };
    let actor = Actor {
        id: Some(row.id),
        name: row.name.clone(),
    };
    let mut change = Change::begin(&state, actor).await?;
    let token = sessions::start(&mut change, Kind::Staff, row.id, &client.user_agent, &client.ip).await?;
    change
        .audit("signed in", Target::new("staff", row.id, &row.email), &client.ip)
        .await?;
    change.commit().await?;
    let mut response = Redirect::to(&next).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        sessions::cookie(
            STAFF_COOKIE,
            &token,
            STAFF_COOKIE_PATH,
            sessions::IDLE_LIFETIME_SECS,
            secure(&state),
        ),
    );
    Ok(response)
}

pub async fn logout(State(state): State<AppState>, who: CurrentStaff) -> AppResult<Response> {
    let mut change = Change::begin(&state, Actor::from(&who.staff)).await?;
    sessions::end(&mut change, who.staff.id, &who.session).await?;
    change
        .audit("signed out", Target::new("staff", who.staff.id, &who.staff.email), "")
        .await?;
    change.commit().await?;
    let mut response = Redirect::to("/newsroom/login").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        sessions::cookie(STAFF_COOKIE, "", STAFF_COOKIE_PATH, 0, secure(&state)),
    );
    Ok(response)
}

/// Cookies are marked Secure when the site is served over https.
pub fn secure(state: &AppState) -> bool {
    state.site.base_url.starts_with("https://")
}
