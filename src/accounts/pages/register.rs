//! Registering: the reader is signed in at once and sent back to the page
//! they were on; a verification email follows.

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::password;
use crate::accounts::reader_extract::{CurrentReader, safe_return, sign_in_cookie};
use crate::accounts::readers::{self, NewReader};
use crate::accounts::sessions::{self, Kind};
use crate::accounts::throttle::{self, Scope};
use crate::accounts::tokens::{self, Purpose};
use crate::audit::Actor;
use crate::change::Change;
use crate::error::{AppError, AppResult};
use crate::mail::{self, Message};
use crate::state::AppState;
use crate::web::client::Client;
use crate::web::form::FormFields;

use super::page::{AccountPage, Form};

#[derive(Deserialize)]
pub struct Back {
    #[serde(default)]
    return_to: String,
}

pub async fn form(
    State(state): State<AppState>,
    who: Option<CurrentReader>,
    Query(back): Query<Back>,
) -> AppResult<Response> {
    if who.is_some() {
        return Ok(Redirect::to(&safe_return(&back.return_to)).into_response());
    }
    let page = AccountPage::new(&state, "Join the conversation", Form::Register)
        .await?
        .message("Register to comment, follow other readers and see their replies. Your name is shown with your comments; your email never is.")
        .returning_to(&back.return_to);
    Ok(Html(askama::Template::render(&page)?).into_response())
}

pub async fn submit(State(state): State<AppState>, client: Client, form: FormFields) -> AppResult<Response> {
    let return_to = safe_return(form.get("return_to"));
    let redraw = |status: StatusCode, field: &str, message: String| {
        let state = state.clone();
        let mut kept = form.clone();
        kept.set("password", "");
        let return_to = return_to.clone();
        let field = field.to_owned();
        async move {
            let page = AccountPage::new(&state, "Join the conversation", Form::Register)
                .await?
                .error(&field, message)
                .fields(kept)
                .returning_to(&return_to);
            Ok::<Response, AppError>((status, Html(askama::Template::render(&page)?)).into_response())
        }
    };
    // The registration is counted before any work, so parallel requests
    // from one address cannot all pass; one refused for a typing mistake is
    // given back.
    let limit = Scope::new(
        format!("register:{}", client.ip),
        state.settings.community.registrations_per_address_per_hour,
        3600,
    );
    let counted = !client.ip.is_empty();
    if counted {
        match throttle::take(
            &state.db,
            std::slice::from_ref(&limit),
            "Too many accounts have been opened from your network in the last hour.",
        )
        .await
        {
            Ok(()) => {}
            Err(AppError::TooManyRequests {
                message,
                retry_after_secs,
            }) => {
                let mut response = redraw(StatusCode::TOO_MANY_REQUESTS, "email", message).await?;
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, retry_after_secs.into());
                return Ok(response);
            }
            Err(err) => return Err(err),
        }
    }
    let mistake = |field: String, message: String| {
        let state = state.clone();
        let limit = limit.clone();
        let redrawn = redraw(StatusCode::UNPROCESSABLE_ENTITY, &field, message);
        async move {
            if counted {
                throttle::give_back(&state.db, &limit).await?;
            }
            redrawn.await
        }
    };
    let email = match crate::domain::Email::parse(form.get("email")) {
        Ok(email) => email,
        Err(AppError::Invalid { field, message }) => return mistake(field, message).await,
        Err(err) => return Err(err),
    };
    let password = match password::Hashed::new(form.get("password")).await {
        Ok(password) => password,
        Err(AppError::Invalid { field, message }) => return mistake(field, message).await,
        Err(err) => return Err(err),
    };
    let mut change = Change::begin(&state, Actor::system("Registration")).await?;
    let new = NewReader {
        email,
        display_name: form.get("display_name"),
        password,
        ip: &client.ip,
    };
    let reader = match readers::create(&mut change, new).await {
        Ok(reader) => reader,
        // An address already registered keeps its count, so the form cannot
        // be used to try addresses one after another without limit.
        Err(AppError::Invalid { field, message }) if field == "email" => {
            return redraw(StatusCode::UNPROCESSABLE_ENTITY, &field, message).await;
        }
        Err(AppError::Invalid { field, message }) => {
            drop(change);
            return mistake(field, message).await;
        }
        Err(err) => return Err(err),
    };
    let issued = tokens::issue(&mut change, Purpose::Verify, Some(reader.id), &reader.email).await?;
    let link = state.site.url(&format!("/account/verify/{}", issued.token));
    let text = format!(
        "Hello {},\n\nThank you for registering with {}. Please confirm this is your email address by opening this link:\n\n{link}\n\nIf you did not register, ignore this message.\n",
        reader.display_name,
        state.site.name()
    );
    mail::queue(
        &mut change,
        &Message {
            to: reader.email.clone(),
            subject: format!("Confirm your email for {}", state.site.name()),
            text,
        },
    )
    .await?;
    change.queued_work();
    change.commit().await?;
    let token = sessions::start(&state.db, Kind::Reader, reader.id, &client.user_agent, &client.ip).await?;
    let mut response = Redirect::to(&return_to).into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, sign_in_cookie(&state, &token));
    Ok(response)
}
