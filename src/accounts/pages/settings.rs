//! The reader's account page: profile, email, password, their data, and
//! deleting the account.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use crate::accounts::password;
use crate::accounts::reader_extract::{CurrentReader, sign_out_cookie};
use crate::accounts::readers::{self, Reader, check_bio, check_name};
use crate::accounts::sessions::{self, Kind};
use crate::audit::Actor;
use crate::change::Change;
use crate::comments;
use crate::db::sql;
use crate::domain::Timestamp;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::Layout;
use crate::web::form::FormFields;

#[derive(Template)]
#[template(path = "account/settings.html")]
struct SettingsPage {
    layout: Layout,
    reader: Reader,
    fields: FormFields,
    error: Option<(String, String)>,
    notice: Option<&'static str>,
    unread: i64,
}

impl SettingsPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.error.as_ref().filter(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }
}

#[derive(Deserialize)]
pub struct Done {
    #[serde(default)]
    done: String,
}

fn notice(code: &str) -> Option<&'static str> {
    Some(match code {
        "profile" => "Your profile is saved.",
        "password-changed" => "Your password is changed.",
        "verification-sent" => "We have sent you a new confirmation link.",
        "email-change-sent" => "Open the link we sent to your new address to finish the change.",
        _ => return None,
    })
}

async fn page(
    state: &AppState,
    who: &CurrentReader,
    fields: FormFields,
    error: Option<(String, String)>,
    notice: Option<&'static str>,
) -> AppResult<String> {
    let mut layout = Layout::load(state, "Your account", "", "/account").await?;
    layout.canonical = None;
    layout.noindex = true;
    let mut fields = fields;
    if !fields.has("display_name") {
        fields.push("display_name", &who.reader.display_name);
        fields.push("bio", &who.reader.bio);
    }
    Ok(SettingsPage {
        layout,
        reader: who.reader.clone(),
        fields,
        error,
        notice,
        unread: comments::notifications::unread(&state.db, who.reader.id).await?,
    }
    .render()?)
}

pub async fn show(
    State(state): State<AppState>,
    who: CurrentReader,
    Query(done): Query<Done>,
) -> AppResult<Html<String>> {
    Ok(Html(
        page(&state, &who, FormFields::default(), None, notice(&done.done)).await?,
    ))
}

async fn refuse(state: &AppState, who: &CurrentReader, fields: FormFields, err: AppError) -> AppResult<Response> {
    match err {
        AppError::Invalid { field, message } => {
            let html = page(state, who, fields, Some((field, message)), None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        other => Err(other),
    }
}

pub async fn update_profile(
    State(state): State<AppState>,
    who: CurrentReader,
    form: FormFields,
) -> AppResult<Response> {
    let checked = check_name(form.get("display_name")).and_then(|name| Ok((name, check_bio(form.get("bio"))?)));
    let (name, bio) = match checked {
        Ok(ok) => ok,
        Err(err) => return refuse(&state, &who, form, err).await,
    };
    let mut change = Change::begin(&state, Actor::reader(&who.reader)).await?;
    readers::update_profile(&mut change, &who.reader, &name, &bio).await?;
    change.commit().await?;
    Ok(Redirect::to("/account?done=profile").into_response())
}

pub async fn change_password(
    State(state): State<AppState>,
    who: CurrentReader,
    form: FormFields,
) -> AppResult<Response> {
    let current_ok = match &who.reader.password_hash {
        Some(hash) => password::verify(form.get("current_password"), hash).await,
        None => true,
    };
    if !current_ok {
        let err = AppError::Invalid {
            field: "current_password".into(),
            message: "Your current password is not right.".into(),
        };
        return refuse(&state, &who, FormFields::default(), err).await;
    }
    if let Err(err) = password::check(form.get("new_password")).map_err(|e| match e {
        AppError::Invalid { message, .. } => AppError::Invalid {
            field: "new_password".into(),
            message,
        },
        other => other,
    }) {
        return refuse(&state, &who, FormFields::default(), err).await;
    }
    let hash = password::hash(form.get("new_password")).await?;
    sql("UPDATE readers SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(who.reader.id)
        .execute(&state.db)
        .await?;
    // Other browsers must sign in again with the new password.
    for session in sessions::list(&state.db, Kind::Reader, who.reader.id).await? {
        if session.token_hash != who.session {
            sessions::end(&state.db, who.reader.id, &session.token_hash).await?;
        }
    }
    Ok(Redirect::to("/account?done=password-changed").into_response())
}

#[derive(Serialize)]
struct MyData {
    exported_at: String,
    account: Reader,
    comments: Vec<comments::model::CommentExport>,
    following: Vec<String>,
    followers: i64,
    notifications: i64,
    /// Newsletters by email, with when each began.
    newsletters: Vec<NewsletterData>,
    likes: Vec<comments::model::ActExport>,
    reports: Vec<comments::model::ActExport>,
    /// Browsers where alerts are on, and for what.
    alerts: Vec<crate::alerts::store::DeviceExport>,
}

#[derive(Serialize)]
struct NewsletterData {
    name: String,
    since: String,
}

/// Everything we hold about the reader, as a JSON download.
pub async fn download(State(state): State<AppState>, who: CurrentReader) -> AppResult<Response> {
    let id = who.reader.id;
    let confirmed = who
        .reader
        .email_verified_at
        .is_some()
        .then_some(who.reader.email.as_str());
    let following: Vec<(String,)> = sql("SELECT r.display_name FROM follows f JOIN readers r ON r.id = f.followed_id WHERE f.follower_id = $1 ORDER BY r.display_name")
        .bind(id)
        .fetch_all(&state.db)
        .await?;
    let (likes, reports) = comments::queries::acts_for(&state.db, id).await?;
    let data = MyData {
        exported_at: Timestamp::now().rfc3339(),
        account: who.reader.clone(),
        comments: comments::queries::export_for(&state.db, id).await?,
        following: following.into_iter().map(|(n,)| n).collect(),
        followers: sql("SELECT COUNT(*) FROM follows WHERE followed_id = $1")
            .bind(id)
            .fetch_count(&state.db)
            .await?,
        notifications: sql("SELECT COUNT(*) FROM notifications WHERE reader_id = $1")
            .bind(id)
            .fetch_count(&state.db)
            .await?,
        newsletters: crate::newsletters::subscribers::held_for(&state.db, id, confirmed)
            .await?
            .into_iter()
            .map(|(name, since)| NewsletterData {
                name,
                since: since.rfc3339(),
            })
            .collect(),
        likes,
        reports,
        alerts: crate::alerts::store::export_for(&state.db, id).await?,
    };
    let body = serde_json::to_string_pretty(&data).map_err(|e| AppError::Internal(e.into()))?;
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"my-broadsheet-data.json\""),
    );
    Ok(response)
}

/// Deletes the account. Its comments are anonymised or removed, as the site is set up to do.
pub async fn delete(State(state): State<AppState>, who: CurrentReader, form: FormFields) -> AppResult<Response> {
    if form.get("confirm").trim().to_lowercase() != "delete" {
        let err = AppError::Invalid {
            field: "confirm".into(),
            message: "Type DELETE to confirm that you want to delete your account.".into(),
        };
        return refuse(&state, &who, FormFields::default(), err).await;
    }
    let id = who.reader.id;
    let mut change = Change::begin(&state, Actor::reader(&who.reader)).await?;
    let touched =
        comments::write::on_reader_deleted(&mut change, id, state.settings.community.on_account_delete).await?;
    // Only a confirmed address speaks for the subscriptions made with it.
    let confirmed = who
        .reader
        .email_verified_at
        .is_some()
        .then_some(who.reader.email.as_str());
    crate::newsletters::subscribers::forget_reader(&mut change, id, confirmed).await?;
    readers::delete(&mut change, id).await?;
    for article in touched {
        // Open pages of the article draw its comments again.
        change.announce(crate::events::Event::ArticleChanged { article });
    }
    change.commit().await?;
    let mut response = Redirect::to("/?account=deleted").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, sign_out_cookie(&state));
    Ok(response)
}
