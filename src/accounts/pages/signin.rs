//! Signing in: by password, or by a one-time link or code sent by email.

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::password;
use crate::accounts::reader_extract::{CurrentReader, safe_return, sign_in_cookie, sign_out_cookie};
use crate::accounts::readers::{self, Reader};
use crate::accounts::sessions::{self, Kind};
use crate::accounts::throttle::{self, Scope};
use crate::accounts::tokens::{self, Purpose};
use crate::db::sql;
use crate::domain::Timestamp;
use crate::error::{AppError, AppResult};
use crate::mail::{self, Message};
use crate::state::AppState;
use crate::web::client::Client;
use crate::web::form::FormFields;

use super::page::{AccountPage, Form};

/// Sign-in emails one address may ask for per quarter hour.
const LINKS_PER_WINDOW: i64 = 5;

#[derive(Deserialize)]
pub struct Back {
    #[serde(default)]
    return_to: String,
}

fn render(page: &AccountPage, status: StatusCode) -> AppResult<Response> {
    Ok((status, Html(askama::Template::render(page)?)).into_response())
}

pub async fn form(
    State(state): State<AppState>,
    who: Option<CurrentReader>,
    Query(back): Query<Back>,
) -> AppResult<Response> {
    if who.is_some() {
        return Ok(Redirect::to(&safe_return(&back.return_to)).into_response());
    }
    let page = AccountPage::new(&state, "Sign in", Form::SignIn)
        .await?
        .returning_to(&back.return_to);
    render(&page, StatusCode::OK)
}

/// Starts a session and sends the reader back where they were.
async fn signed_in(state: &AppState, reader: &Reader, client: &Client, return_to: &str) -> AppResult<Response> {
    let token = sessions::start(&state.db, Kind::Reader, reader.id, &client.user_agent, &client.ip).await?;
    let mut response = Redirect::to(&safe_return(return_to)).into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, sign_in_cookie(state, &token));
    Ok(response)
}

fn scopes(email: &str, ip: &str) -> [Scope; 2] {
    [Scope::email(email).named("reader"), Scope::address(ip)]
}

pub async fn with_password(State(state): State<AppState>, client: Client, form: FormFields) -> AppResult<Response> {
    let email = form.get("email").trim().to_lowercase();
    let scopes = scopes(&email, &client.ip);
    let mut kept = FormFields::default();
    kept.push("email", &email);
    let page = |message: String| {
        let state = state.clone();
        let kept = kept.clone();
        let return_to = form.get("return_to").to_owned();
        async move {
            Ok::<AccountPage, AppError>(
                AccountPage::new(&state, "Sign in", Form::SignIn)
                    .await?
                    .error("password", message)
                    .fields(kept)
                    .returning_to(&return_to),
            )
        }
    };
    // Counted before the slow check, so parallel guesses cannot outrun the limit.
    match throttle::take_sign_in(&state.db, &scopes).await {
        Ok(()) => {}
        Err(err @ AppError::TooManyRequests { .. }) => {
            let html = askama::Template::render(&page(err.report().detail).await?)?;
            return Ok(err.drawn(html));
        }
        Err(err) => return Err(err),
    }
    let reader = readers::by_email(&state.db, &email).await?;
    let hash = reader.as_ref().and_then(|r| r.password_hash.as_deref());
    let ok = password::verify_account(form.get("password"), hash).await;
    match reader.filter(|_| ok) {
        Some(reader) => {
            throttle::clear(&state.db, &scopes[0]).await?;
            throttle::give_back(&state.db, &scopes[1]).await?;
            signed_in(&state, &reader, &client, form.get("return_to")).await
        }
        None => render(
            &page("That email and password do not match an account.".into()).await?,
            StatusCode::UNAUTHORIZED,
        ),
    }
}

/// Emails a one-time sign-in link and code. The answer is the same whether
/// or not the address has an account, so it reveals nothing.
pub async fn send_link(State(state): State<AppState>, form: FormFields) -> AppResult<Response> {
    let email = form.get("email").trim().to_lowercase();
    let return_to = safe_return(form.get("return_to"));
    let mut kept = FormFields::default();
    kept.push("email", &email);
    let since = Timestamp::now().plus_seconds(-Purpose::Login.lifetime_secs());
    let recent = sql("SELECT COUNT(*) FROM reader_tokens WHERE email = $1 AND purpose = 'login' AND created_at > $2")
        .bind(&email)
        .bind(since)
        .fetch_count(&state.db)
        .await?;
    if recent >= LINKS_PER_WINDOW {
        let page = AccountPage::new(&state, "Sign in", Form::SignIn)
            .await?
            .error("email", "We have sent several sign-in emails to this address already. Please use one of them, or try again in 15 minutes.")
            .fields(kept)
            .returning_to(&return_to);
        let mut response = render(&page, StatusCode::TOO_MANY_REQUESTS)?;
        response.headers_mut().insert(header::RETRY_AFTER, 900u64.into());
        return Ok(response);
    }
    if let Some(reader) = readers::by_email(&state.db, &email).await? {
        let mut tx = state.db.begin().await?;
        let issued = tokens::issue(&mut tx, Purpose::Login, Some(reader.id), &email).await?;
        let link = state.site.url(&format!(
            "/account/login/link/{}?return_to={}",
            issued.token,
            crate::web::urlencode(&return_to)
        ));
        let text = format!(
            "Hello {},\n\nTo sign in to {}, open this link:\n\n{link}\n\nor enter this code: {}\n\nThe link and code work once, for 15 minutes. If you did not ask to sign in, ignore this message.\n",
            reader.display_name,
            state.site.name(),
            issued.code
        );
        mail::queue(
            &mut tx,
            &Message {
                to: email.clone(),
                subject: format!("Your sign-in link for {}", state.site.name()),
                text,
            },
        )
        .await?;
        tx.commit().await?;
        state.wake.now();
    }
    let page = AccountPage::new(&state, "Check your email", Form::Code)
        .await?
        .message(format!("If {email} has an account, we have sent it a sign-in link and a six-digit code. Open the link, or enter the code here."))
        .fields(kept)
        .returning_to(&return_to);
    render(&page, StatusCode::OK)
}

pub async fn with_code(State(state): State<AppState>, client: Client, form: FormFields) -> AppResult<Response> {
    let email = form.get("email").trim().to_lowercase();
    let scopes = [Scope::email(&email).named("reader-code")];
    let mut kept = FormFields::default();
    kept.push("email", &email);
    let retry = |message: String, status: StatusCode| {
        let state = state.clone();
        let kept = kept.clone();
        let return_to = form.get("return_to").to_owned();
        async move {
            let page = AccountPage::new(&state, "Check your email", Form::Code)
                .await?
                .error("code", message)
                .fields(kept)
                .returning_to(&return_to);
            render(&page, status)
        }
    };
    match throttle::take_sign_in(&state.db, &scopes).await {
        Ok(()) => {}
        Err(AppError::TooManyRequests { message, .. }) => return retry(message, StatusCode::TOO_MANY_REQUESTS).await,
        Err(err) => return Err(err),
    }
    let redeemed = tokens::redeem_code(&state.db, &email, form.get("code")).await?;
    let reader = match redeemed.and_then(|r| r.reader_id) {
        Some(id) => readers::by_id(&state.db, id).await?.filter(|r| r.deleted_at.is_none()),
        None => None,
    };
    match reader {
        Some(reader) => {
            throttle::clear(&state.db, &scopes[0]).await?;
            signed_in(&state, &reader, &client, form.get("return_to")).await
        }
        None => {
            retry(
                "That code is not right, or it has expired. Check the latest email, or ask for a new one.".into(),
                StatusCode::UNAUTHORIZED,
            )
            .await
        }
    }
}

pub async fn with_link(
    State(state): State<AppState>,
    client: Client,
    Path(token): Path<String>,
    Query(back): Query<Back>,
) -> AppResult<Response> {
    let redeemed = tokens::redeem(&state.db, Purpose::Login, &token).await?;
    let reader = match redeemed.and_then(|r| r.reader_id) {
        Some(id) => readers::by_id(&state.db, id).await?.filter(|r| r.deleted_at.is_none()),
        None => None,
    };
    match reader {
        Some(reader) => signed_in(&state, &reader, &client, &back.return_to).await,
        None => {
            let page = AccountPage::new(&state, "This link has expired", Form::SignIn)
                .await?
                .message("Sign-in links work once, for 15 minutes. Ask for a new one below.")
                .returning_to(&back.return_to);
            render(&page, StatusCode::GONE)
        }
    }
}

pub async fn logout(
    State(state): State<AppState>,
    who: Option<CurrentReader>,
    form: FormFields,
) -> AppResult<Response> {
    if let Some(who) = who {
        sessions::end(&state.db, who.reader.id, &who.session).await?;
    }
    let mut response = Redirect::to(&safe_return(form.get("return_to"))).into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, sign_out_cookie(&state));
    Ok(response)
}
