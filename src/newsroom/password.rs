//! Newsroom passwords a staff member looks after alone: "forgot password"
//! (an emailed one-hour link, and the same answer whether or not the address
//! has an account) and changing it on My account. Either way every other
//! session of theirs ends, and the audit log says so.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::accounts::staff::{self, StaffRow};
use crate::accounts::{CurrentStaff, password, staff_reset};
use crate::audit::{Actor, Target};
use crate::change::Change;
use crate::error::{AppError, AppResult};
use crate::mail::{self, Message};
use crate::state::AppState;
use crate::web::client::Client;
use crate::web::form::FormFields;

/// What the page shows.
#[derive(PartialEq, Eq)]
enum Step {
    /// Asks for the email address.
    Ask,
    /// Says a link is on its way (whatever the address).
    Sent,
    /// Asks for the new password.
    Choose,
    /// The link was unknown, used or expired.
    Expired,
}

#[derive(Template)]
#[template(path = "newsroom/password.html")]
struct PasswordPage {
    title: String,
    css: String,
    step: Step,
    email: String,
    token: String,
    error: Option<String>,
}

fn page(state: &AppState, step: Step, email: &str, token: &str, error: Option<String>) -> AppResult<Html<String>> {
    let heading = match step {
        Step::Ask => "Forgotten your password?",
        Step::Sent => "Check your email",
        Step::Choose => "Choose a new password",
        Step::Expired => "This link has expired",
    };
    Ok(Html(
        PasswordPage {
            title: format!("{heading} – {}", state.site.name()),
            css: state.assets.url("newsroom.css"),
            step,
            email: email.to_owned(),
            token: token.to_owned(),
            error,
        }
        .render()?,
    ))
}

pub async fn forgot_form(State(state): State<AppState>) -> AppResult<Html<String>> {
    page(&state, Step::Ask, "", "", None)
}

/// Emails a link when the address belongs to an active staff member who has
/// not had three in the last hour; the answer is the same either way.
pub async fn forgot(State(state): State<AppState>, client: Client, form: FormFields) -> AppResult<Html<String>> {
    let email = form.get("email").trim().to_lowercase();
    let member = staff::by_email(&state.db, &email)
        .await?
        .filter(|m| m.disabled_at.is_none());
    if let Some(member) = member
        && staff_reset::sent_lately(&state.db, member.id).await? < staff_reset::PER_HOUR
    {
        let mut change = Change::begin(&state, Actor::system("Password reset")).await?;
        let token = staff_reset::issue(&mut change, member.id).await?;
        let link = state.site.url(&format!("/newsroom/password/reset/{token}"));
        let text = format!(
            "Hello {},\n\nSomeone (we hope you) asked to reset your {} newsroom password. To choose a new one, open this link within the hour:\n\n{link}\n\nIf it was not you, ignore this message: your password stays as it is.\n",
            member.name,
            state.site.name()
        );
        change.queued_work();
        mail::queue(
            &mut change,
            &Message {
                to: member.email.clone(),
                subject: format!("Reset your newsroom password for {}", state.site.name()),
                text,
            },
        )
        .await?;
        change
            .audit(
                "asked for a password reset link",
                Target::new("staff", member.id, &member.email),
                &client.ip,
            )
            .await?;
        change.commit().await?;
    }
    page(&state, Step::Sent, &email, "", None)
}

/// The new-password form, or at once the news that the link is dead.
pub async fn reset_form(State(state): State<AppState>, Path(token): Path<String>) -> AppResult<Response> {
    if !staff_reset::is_live(&state.db, &token).await? {
        return Ok((StatusCode::GONE, page(&state, Step::Expired, "", "", None)?).into_response());
    }
    Ok(page(&state, Step::Choose, "", &token, None)?.into_response())
}

/// Sets the new password from a live link, ends every session of the
/// member, and sends them to sign in with it.
pub async fn reset(
    State(state): State<AppState>,
    client: Client,
    Path(token): Path<String>,
    form: FormFields,
) -> AppResult<Response> {
    let new = form.get("password");
    if let Err(AppError::Invalid { message, .. }) = password::check(new) {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            page(&state, Step::Choose, "", &token, Some(message))?,
        )
            .into_response());
    }
    let hashed = password::Hashed::new(new).await?;
    let mut change = Change::begin(&state, Actor::system("Password reset")).await?;
    let member = match staff_reset::redeem(&mut change, &token).await? {
        Some(id) => staff::by_id(&state.db, id).await?.filter(|m| m.disabled_at.is_none()),
        None => None,
    };
    let Some(member) = member else {
        drop(change); // nothing written: the transaction is rolled back
        return Ok((StatusCode::GONE, page(&state, Step::Expired, "", "", None)?).into_response());
    };
    staff::set_password(&mut change, &member, &hashed, None, &client.ip).await?;
    change.commit().await?;
    Ok(Redirect::to("/newsroom/login?reset=1").into_response())
}

/// My account: a new password, given the current one; other sessions end.
pub async fn change(State(state): State<AppState>, who: CurrentStaff, form: FormFields) -> AppResult<Response> {
    let member: StaffRow = staff::by_id(&state.db, who.staff.id).await?.ok_or(AppError::NotFound)?;
    if !password::verify(form.get("current"), &member.password_hash).await {
        return Err(AppError::Invalid {
            field: "current".into(),
            message: "That is not your current password.".into(),
        });
    }
    password::check(form.get("password"))?;
    let hashed = password::Hashed::new(form.get("password")).await?;
    let mut change = Change::begin(&state, Actor::from(&who.staff)).await?;
    staff::set_password(&mut change, &member, &hashed, Some(&who.session), "").await?;
    change.commit().await?;
    Ok(Redirect::to("/newsroom/account?done=password-changed").into_response())
}
