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
}

/// Only newsroom addresses are followed after signing in (no open redirect).
fn safe_next(next: &str) -> String {
    if next.starts_with("/newsroom") && !next.starts_with("/newsroom/login") && !next.contains("//") {
        next.to_owned()
    } else {
        "/newsroom".to_owned()
    }
}

fn page(state: &AppState, email: &str, next: &str, error: Option<String>, notice: Option<String>) -> AppResult<String> {
    Ok(LoginPage {
        title: format!("Sign in – {}", state.site.name),
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
    if who.is_some() {
        return Ok(Redirect::to(&safe_next(&query.next)).into_response());
    }
    let notice = query
        .expired
        .map(|_| "Your session had ended. Sign in again: what you were writing has been kept.".to_owned());
    Ok(Html(page(&state, "", &safe_next(&query.next), None, notice)?).into_response())
}

pub async fn submit(State(state): State<AppState>, client: Client, form: FormFields) -> AppResult<Response> {
    let email = form.get("email").trim().to_lowercase();
    let next = safe_next(form.get("next"));
    let scopes = [Scope::email(&email), Scope::address(&client.ip)];
    let refuse = |status: StatusCode, message: String| -> AppResult<Response> {
        Ok((status, Html(page(&state, &email, &next, Some(message), None)?)).into_response())
    };
    if let Err(AppError::TooManyRequests {
        message,
        retry_after_secs,
    }) = throttle::check(&state.db, &scopes).await
    {
        let mut response = refuse(StatusCode::TOO_MANY_REQUESTS, message)?;
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, retry_after_secs.into());
        return Ok(response);
    }
    let account = staff::by_email(&state.db, &email).await?;
    let verified = match &account {
        Some(row) if row.disabled_at.is_none() => password::verify(form.get("password"), &row.password_hash).await,
        _ => {
            // Spend the same effort as a real check, so timing does not reveal who has an account.
            let _ = password::verify(form.get("password"), dummy_hash().await).await;
            false
        }
    };
    let Some(row) = account.filter(|_| verified) else {
        throttle::record_failure(&state.db, &scopes).await?;
        return refuse(
            StatusCode::UNAUTHORIZED,
            "That email and password do not match a newsroom account.".into(),
        );
    };
    throttle::clear(&state.db, &scopes[0]).await?;
    // Moderators do not write articles: their desk is the moderation queue.
    let next = if next == "/newsroom" && !crate::accounts::Permission::WriteArticles.allows(row.role.parse()?) {
        "/newsroom/moderation".to_owned()
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

/// A real argon2id hash of a random string, checked when the email is unknown.
async fn dummy_hash() -> &'static str {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_init(|| async {
            password::hash(&crate::accounts::secrets::token())
                .await
                .unwrap_or_default()
        })
        .await
}
