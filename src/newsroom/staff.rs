//! Staff (admins): who works in the newsroom, their roles, and invitations.
//! An invitation is a link with a secret token; the person sets their own
//! password when they accept it.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::extract::{STAFF_COOKIE, STAFF_COOKIE_PATH};
use crate::accounts::invites::{self, Invite};
use crate::accounts::sessions::{self, Kind};
use crate::accounts::staff::{self, NewStaff, Role, StaffChange};
use crate::accounts::{CurrentStaff, password};
use crate::audit::Actor;
use crate::change::Change;
use crate::domain::{AuthorId, Email};
use crate::error::{AppError, AppResult};
use crate::mail;
use crate::site::queries as site_queries;
use crate::state::AppState;
use crate::web::client::Client;
use crate::web::form::FormFields;

use super::layout::{NewsroomLayout, notice_for};
use super::login::secure;

#[derive(Template)]
#[template(path = "newsroom/staff.html")]
struct StaffPage {
    layout: NewsroomLayout,
    people: Vec<Person>,
    roles: Vec<&'static str>,
    authors: Vec<(String, String)>,
    invite_link: Option<String>,
    form: FormFields,
    error: Option<String>,
    /// Invitations waiting: (key, name, email, role, sent, still good).
    invitations: Vec<(String, String, String, String, String, bool)>,
}

struct Person {
    id: crate::domain::StaffId,
    name: String,
    email: String,
    role: String,
    author: String,
    disabled: bool,
    is_me: bool,
}

#[derive(Template)]
#[template(path = "newsroom/accept.html")]
struct AcceptPage {
    title: String,
    css: String,
    token: String,
    name: String,
    email: String,
    error: Option<String>,
    /// The link was used, revoked or ran out: no form, only the way on.
    expired: bool,
}

#[derive(Deserialize)]
pub struct StaffQuery {
    #[serde(default)]
    done: String,
}

async fn page(
    state: &AppState,
    who: &CurrentStaff,
    form: FormFields,
    invite_link: Option<String>,
    error: Option<String>,
    notice: Option<&str>,
) -> AppResult<String> {
    let people = staff::all(&state.db)
        .await?
        .into_iter()
        .map(|s| Person {
            is_me: s.id == who.staff.id,
            disabled: s.disabled_at.is_some(),
            author: s.author_id.map(|a| a.to_string()).unwrap_or_default(),
            id: s.id,
            name: s.name,
            email: s.email,
            role: s.role,
        })
        .collect();
    let authors = site_queries::authors(&state.db)
        .await?
        .into_iter()
        .map(|a| (a.id.to_string(), a.name))
        .collect();
    let now = crate::domain::Timestamp::now();
    let invitations = invites::pending(&state.db)
        .await?
        .into_iter()
        .map(|i| {
            (
                i.key,
                i.name,
                i.email,
                i.role,
                state.site.long_time(i.created_at),
                i.expires_at > now,
            )
        })
        .collect();
    let layout = NewsroomLayout::new(state, who, "Staff", "/newsroom/staff").with_notice(notice);
    Ok(StaffPage {
        invitations,
        layout,
        people,
        roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
        authors,
        invite_link,
        form,
        error,
    }
    .render()?)
}

pub async fn show(
    State(state): State<AppState>,
    who: CurrentStaff,
    Query(query): Query<StaffQuery>,
) -> AppResult<Html<String>> {
    Ok(Html(
        page(&state, &who, FormFields::default(), None, None, notice_for(&query.done)).await?,
    ))
}

pub async fn invite(State(state): State<AppState>, who: CurrentStaff, form: FormFields) -> AppResult<Response> {
    let checked = (|| {
        let email = Email::parse(form.get("email"))?;
        let role: Role = form.get("role").parse()?;
        let name = form.get("name").trim().to_owned();
        if name.is_empty() {
            return Err(AppError::Invalid {
                field: "name".into(),
                message: "Give the person's name.".into(),
            });
        }
        Ok((email, role, name))
    })();
    let (email, role, name) = match checked {
        Ok(ok) => ok,
        Err(err) => {
            let message = err.report().detail;
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                Html(page(&state, &who, form, None, Some(message), None).await?),
            )
                .into_response());
        }
    };
    if let Some(member) = staff::by_email(&state.db, email.as_str()).await? {
        let message = format!(
            "{} already has a newsroom account, as {}: change their role below instead.",
            member.email, member.role
        );
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Html(page(&state, &who, form, None, Some(message), None).await?),
        )
            .into_response());
    }
    let mut change = Change::begin(&state, &who).await?;
    let token = invites::invite(&mut change, &email, &name, role).await?;
    let link = email_invitation(&state, &who, &mut change, &name, email.as_str(), role.as_str(), &token).await?;
    change.commit().await?;
    // The link is a credential: it is emailed and shown to the admin who made it, never logged.
    tracing::info!(%email, "staff invitation created");
    let notice = Some("Invitation created and emailed to them. The link below works once, for 7 days.");
    Ok(Html(page(&state, &who, FormFields::default(), Some(link), None, notice).await?).into_response())
}

/// Emails the person their link (in the change, so it goes only if the
/// invitation is kept); returns the link for the admin's page.
async fn email_invitation(
    state: &AppState,
    who: &CurrentStaff,
    change: &mut Change,
    name: &str,
    email: &str,
    role: &str,
    token: &str,
) -> AppResult<String> {
    let link = state.site.url(&format!("/newsroom/invite/{token}"));
    let text = format!(
        "Hello {name},\n\n{} has invited you to the {} newsroom as {role}. To join, choose your password here within 7 days:\n\n{link}\n\nThe link works once. If you were not expecting this, ignore this message.\n",
        who.staff.name,
        state.site.name()
    );
    change.queued_work();
    mail::queue(
        &mut *change,
        &mail::Message {
            to: email.to_owned(),
            subject: format!("You are invited to the {} newsroom", state.site.name()),
            text,
        },
    )
    .await?;
    Ok(link)
}

/// Sends a waiting invitation again with a new link (the old one stops working).
pub async fn resend_invite(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(key): Path<String>,
) -> AppResult<Response> {
    let mut change = Change::begin(&state, &who).await?;
    let (invite, token) = invites::renew(&mut change, &key).await?;
    let link = email_invitation(
        &state,
        &who,
        &mut change,
        &invite.name,
        &invite.email,
        &invite.role,
        &token,
    )
    .await?;
    change.commit().await?;
    let notice = Some("Sent again with a new link, good for 7 days; the old link no longer works.");
    Ok(Html(page(&state, &who, FormFields::default(), Some(link), None, notice).await?).into_response())
}

/// Withdraws a waiting invitation.
pub async fn revoke_invite(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(key): Path<String>,
) -> AppResult<Response> {
    let mut change = Change::begin(&state, &who).await?;
    invites::revoke(&mut change, &key).await?;
    change.commit().await?;
    Ok(Redirect::to("/newsroom/staff?done=revoked").into_response())
}

/// Changes someone's role, byline profile or whether they can sign in.
pub async fn update(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(id): Path<crate::domain::StaffId>,
    form: FormFields,
) -> AppResult<Response> {
    let person = staff::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let role: Role = form.get("role").parse()?;
    let disabled = form.get("disabled") == "on";
    if id == who.staff.id && (role != Role::Admin || disabled) {
        return Err(AppError::Conflict(
            "You cannot take away your own admin role or lock yourself out.".into(),
        ));
    }
    let author: Option<AuthorId> = form.get("author").parse().ok();
    let mut change = Change::begin(&state, &who).await?;
    staff::update(&mut change, &person, &StaffChange { role, author, disabled }).await?;
    change.commit().await?;
    Ok(Redirect::to("/newsroom/staff?done=updated").into_response())
}

/// The invitation behind a link, or the page saying the link is dead (410).
async fn open_invite(state: &AppState, token: &str) -> AppResult<Result<Invite, Response>> {
    Ok(match invites::open(&state.db, token).await? {
        Some(invite) => Ok(invite),
        None => Err((StatusCode::GONE, Html(accept_page(state, token, None, None)?)).into_response()),
    })
}

/// The join form for `invite`, or with none, the news that the link is dead.
fn accept_page(state: &AppState, token: &str, invite: Option<&Invite>, error: Option<String>) -> AppResult<String> {
    Ok(AcceptPage {
        title: format!("Join the newsroom – {}", state.site.name()),
        css: state.assets.url("newsroom.css"),
        token: token.to_owned(),
        name: invite.map(|i| i.name.clone()).unwrap_or_default(),
        email: invite.map(|i| i.email.clone()).unwrap_or_default(),
        error,
        expired: invite.is_none(),
    }
    .render()?)
}

pub async fn accept_form(State(state): State<AppState>, Path(token): Path<String>) -> AppResult<Response> {
    let invite = match open_invite(&state, &token).await? {
        Ok(invite) => invite,
        Err(dead) => return Ok(dead),
    };
    Ok(Html(accept_page(&state, &token, Some(&invite), None)?).into_response())
}

pub async fn accept(
    State(state): State<AppState>,
    Path(token): Path<String>,
    client: Client,
    form: FormFields,
) -> AppResult<Response> {
    let invite = match open_invite(&state, &token).await? {
        Ok(invite) => invite,
        Err(dead) => return Ok(dead),
    };
    let role: Role = invite.role.parse()?;
    let name = if form.get("name").trim().is_empty() {
        invite.name.clone()
    } else {
        form.get("name").trim().to_owned()
    };
    let accepted = async {
        let new = NewStaff {
            email: Email::parse(&invite.email)?,
            name: &name,
            role,
            password: password::Hashed::new(form.get("password")).await?,
        };
        let mut change = Change::begin(&state, Actor::system("Invitation")).await?;
        let member = invites::accept(&mut change, &token, new).await?;
        change.commit().await?;
        Ok::<_, AppError>(member)
    };
    let member = match accepted.await {
        Ok(member) => member,
        Err(err @ (AppError::Conflict(_) | AppError::Internal(_) | AppError::Timeout)) => return Err(err),
        Err(err) => {
            let message = err.report().detail;
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                Html(accept_page(&state, &token, Some(&invite), Some(message))?),
            )
                .into_response());
        }
    };
    let session = sessions::start(&state.db, Kind::Staff, member.id, &client.user_agent, &client.ip).await?;
    let mut response = Redirect::to(super::login::desk_of(role)).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        sessions::cookie(
            STAFF_COOKIE,
            &session,
            STAFF_COOKIE_PATH,
            sessions::IDLE_LIFETIME_SECS,
            secure(&state),
        ),
    );
    Ok(response)
}
