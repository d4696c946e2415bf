//! Email addresses: verifying one, and changing to a new one (confirmed
//! from the new address before it takes effect).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::accounts::password;
use crate::accounts::reader_extract::CurrentReader;
use crate::accounts::readers;
use crate::accounts::throttle::{self, Scope};
use crate::accounts::tokens::{self, Purpose};
use crate::db::{is_unique_violation, sql};
use crate::domain::Email;
use crate::domain::Timestamp;
use crate::error::{AppError, AppResult};
use crate::mail::{self, Message};
use crate::state::AppState;
use crate::web::form::FormFields;

use super::page::{AccountPage, Form};

async fn message(state: &AppState, heading: &str, text: &str, status: StatusCode) -> AppResult<Response> {
    let page = AccountPage::new(state, heading, Form::None).await?.message(text);
    Ok((status, Html(askama::Template::render(&page)?)).into_response())
}

pub async fn verify(State(state): State<AppState>, Path(token): Path<String>) -> AppResult<Response> {
    match tokens::redeem(&state.db, Purpose::Verify, &token).await? {
        Some(redeemed) => {
            sql("UPDATE readers SET email_verified_at = $1 WHERE id = $2 AND email = $3")
                .bind(Timestamp::now())
                .bind(redeemed.reader_id)
                .bind(&redeemed.email)
                .execute(&state.db)
                .await?;
            message(
                &state,
                "Your email is confirmed",
                "Thank you. Your email address is confirmed.",
                StatusCode::OK,
            )
            .await
        }
        None => {
            message(
                &state,
                "This link has expired",
                "Confirmation links work once, for three days. Sign in and ask for a new one from your account page.",
                StatusCode::GONE,
            )
            .await
        }
    }
}

/// Sends the verification email again.
pub async fn resend(State(state): State<AppState>, who: CurrentReader) -> AppResult<Response> {
    let reader = &who.reader;
    if reader.email_verified_at.is_none() {
        limit_mail(&state, reader, &reader.email).await?;
        let mut tx = state.db.begin().await?;
        let issued = tokens::issue(&mut tx, Purpose::Verify, Some(reader.id), &reader.email).await?;
        let link = state.site.url(&format!("/account/verify/{}", issued.token));
        let text = format!(
            "Hello {},\n\nPlease confirm your email address by opening this link:\n\n{link}\n",
            reader.display_name
        );
        mail::queue(
            &mut tx,
            &Message {
                to: reader.email.clone(),
                subject: format!("Confirm your email for {}", state.site.name()),
                text,
            },
        )
        .await?;
        tx.commit().await?;
        state.wake.now();
    }
    Ok(Redirect::to("/account?done=verification-sent").into_response())
}

/// Asks to change the address: a link goes to the new one, which must be opened
/// before the change takes effect; the old address is told.
pub async fn change(State(state): State<AppState>, who: CurrentReader, form: FormFields) -> AppResult<Response> {
    let reader = &who.reader;
    let new_email = Email::parse(form.get("new_email")).map_err(|err| match err {
        AppError::Invalid { message, .. } => AppError::Invalid {
            field: "new_email".into(),
            message,
        },
        other => other,
    })?;
    let ok = match &reader.password_hash {
        Some(hash) => password::verify(form.get("password"), hash).await,
        None => false,
    };
    if !ok {
        return Err(AppError::Invalid {
            field: "password".into(),
            message: "Enter your current password to change your email.".into(),
        });
    }
    if readers::by_email(&state.db, new_email.as_str()).await?.is_some() {
        return Err(AppError::Invalid {
            field: "new_email".into(),
            message: "Another account uses that email.".into(),
        });
    }
    limit_mail(&state, reader, new_email.as_str()).await?;
    let mut tx = state.db.begin().await?;
    let issued = tokens::issue(&mut tx, Purpose::ChangeEmail, Some(reader.id), new_email.as_str()).await?;
    let link = state.site.url(&format!("/account/email/confirm/{}", issued.token));
    mail::queue(
        &mut tx,
        &Message {
            to: new_email.to_string(),
            subject: format!("Confirm your new email for {}", state.site.name()),
            // Nothing the reader chose (such as their name) goes to an
            // address not yet shown to be theirs.
            text: format!(
                "Hello,\n\nTo use this address for your {} account, open this link:\n\n{link}\n\nIf you did not ask for this, ignore this message.\n",
                state.site.name()
            ),
        },
    )
    .await?;
    mail::queue(&mut tx, &Message {
        to: reader.email.clone(),
        subject: format!("Your email for {} is changing", state.site.name()),
        text: format!("Hello {},\n\nSomeone (we hope you) asked to change your account's email to {new_email}. If this was not you, reset your password.\n", reader.display_name),
    })
    .await?;
    tx.commit().await?;
    state.wake.now();
    Ok(Redirect::to("/account?done=email-change-sent").into_response())
}

/// Emails a reader's account may cause to be sent per hour, and emails one
/// address may receive that way, so the forms cannot be used to flood an inbox.
const MAILS_PER_ACCOUNT_PER_HOUR: i64 = 5;
const MAILS_PER_ADDRESS_PER_HOUR: i64 = 3;

async fn limit_mail(state: &AppState, reader: &readers::Reader, to: &str) -> Result<(), AppError> {
    let scopes = [
        Scope::new(format!("mail-from:{}", reader.id), MAILS_PER_ACCOUNT_PER_HOUR, 3600),
        Scope::new(
            format!("mail-to:{}", to.to_lowercase()),
            MAILS_PER_ADDRESS_PER_HOUR,
            3600,
        ),
    ];
    throttle::take(
        &state.db,
        &scopes,
        "We have sent several emails for your account in the last hour.",
    )
    .await
}

pub async fn confirm_change(State(state): State<AppState>, Path(token): Path<String>) -> AppResult<Response> {
    let Some(redeemed) = tokens::redeem(&state.db, Purpose::ChangeEmail, &token).await? else {
        return message(
            &state,
            "This link has expired",
            "Ask for the change again from your account page.",
            StatusCode::GONE,
        )
        .await;
    };
    let changed = sql("UPDATE readers SET email = $1, email_verified_at = $2 WHERE id = $3")
        .bind(&redeemed.email)
        .bind(Timestamp::now())
        .bind(redeemed.reader_id)
        .execute(&state.db)
        .await;
    match changed {
        Ok(_) => {
            message(
                &state,
                "Your email has changed",
                &format!("Your account now uses {}.", redeemed.email),
                StatusCode::OK,
            )
            .await
        }
        Err(e) if is_unique_violation(&e) => {
            message(
                &state,
                "That email is taken",
                "Another account started using that address meanwhile.",
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
