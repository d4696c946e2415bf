//! Forgotten passwords: an emailed link (one hour, one use) to set a new one.
//! Setting it ends every other session.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::accounts::password;
use crate::accounts::reader_extract::sign_in_cookie;
use crate::accounts::readers;
use crate::accounts::sessions::{self, Kind};
use crate::accounts::tokens::{self, Purpose};
use crate::db::sql;
use crate::domain::Timestamp;
use crate::error::{AppError, AppResult};
use crate::mail::{self, Message};
use crate::state::AppState;
use crate::web::client::Client;
use crate::web::form::FormFields;

use super::page::{AccountPage, Form};

fn render(page: &AccountPage, status: StatusCode) -> AppResult<Response> {
    Ok((status, Html(askama::Template::render(page)?)).into_response())
}

pub async fn forgot_form(State(state): State<AppState>) -> AppResult<Response> {
    let page = AccountPage::new(&state, "Reset your password", Form::Forgot).await?;
    render(&page, StatusCode::OK)
}

pub async fn forgot(State(state): State<AppState>, form: FormFields) -> AppResult<Response> {
    let email = form.get("email").trim().to_lowercase();
    let since = Timestamp::now().plus_seconds(-3600);
    let recent = sql("SELECT COUNT(*) FROM reader_tokens WHERE email = $1 AND purpose = 'reset' AND created_at > $2")
        .bind(&email)
        .bind(since)
        .fetch_count(&state.db)
        .await?;
    if let Some(reader) = readers::by_email(&state.db, &email).await?.filter(|_| recent < 5) {
        let mut tx = state.db.begin().await?;
        let issued = tokens::issue(&mut tx, Purpose::Reset, Some(reader.id), &email).await?;
        let link = state.site.url(&format!("/account/password/reset/{}", issued.token));
        let text = format!(
            "Hello {},\n\nTo choose a new password for {}, open this link within the hour:\n\n{link}\n\nIf you did not ask for this, ignore this message; your password stays as it is.\n",
            reader.display_name,
            state.site.name()
        );
        mail::queue(
            &mut tx,
            &Message {
                to: email.clone(),
                subject: format!("Reset your password for {}", state.site.name()),
                text,
            },
        )
        .await?;
        tx.commit().await?;
        state.wake.now();
    }
    let page = AccountPage::new(&state, "Check your email", Form::None)
        .await?
        .message(format!(
            "If {email} has an account, we have sent it a link to reset the password. It works for one hour."
        ));
    render(&page, StatusCode::OK)
}

pub async fn reset_form(State(state): State<AppState>, Path(token): Path<String>) -> AppResult<Response> {
    let page = AccountPage::new(&state, "Choose a new password", Form::Reset)
        .await?
        .token(&token);
    render(&page, StatusCode::OK)
}

pub async fn reset(
    State(state): State<AppState>,
    client: Client,
    Path(token): Path<String>,
    form: FormFields,
) -> AppResult<Response> {
    if let Err(AppError::Invalid { message, .. }) = password::check(form.get("password")) {
        let page = AccountPage::new(&state, "Choose a new password", Form::Reset)
            .await?
            .token(&token)
            .error("password", message);
        return render(&page, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let Some(redeemed) = tokens::redeem(&state.db, Purpose::Reset, &token).await? else {
        let page = AccountPage::new(&state, "This link has expired", Form::Forgot)
            .await?
            .message("Reset links work once, for one hour. Ask for a new one.");
        return render(&page, StatusCode::GONE);
    };
    let Some(reader) = readers::by_email(&state.db, &redeemed.email).await? else {
        return Err(AppError::NotFound);
    };
    let hash = password::hash(form.get("password")).await?;
    sql("UPDATE readers SET password_hash = $1, email_verified_at = COALESCE(email_verified_at, $2) WHERE id = $3")
        .bind(hash)
        .bind(Timestamp::now())
        .bind(reader.id)
        .execute(&state.db)
        .await?;
    sessions::end_all(&state.db, Kind::Reader, reader.id).await?;
    let session = sessions::start(&state.db, Kind::Reader, reader.id, &client.user_agent, &client.ip).await?;
    let mut response = Redirect::to("/account?done=password-changed").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, sign_in_cookie(&state, &session));
    Ok(response)
}
