//! Credentials for the APIs: read-only Content API keys (admins), and
//! personal Admin API tokens that act as the staff member who made them.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::accounts::CurrentStaff;
use crate::accounts::api_keys::{self, Listed};
use crate::change::Change;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::form::FormFields;

use super::layout::NewsroomLayout;

#[derive(Template)]
#[template(path = "newsroom/api_keys.html")]
struct KeysPage {
    layout: NewsroomLayout,
    heading: &'static str,
    explain: &'static str,
    action: &'static str,
    keys: Vec<Listed>,
    new_secret: Option<String>,
}

async fn content_keys_page(state: &AppState, who: &CurrentStaff, new_secret: Option<String>) -> AppResult<String> {
    let keys = api_keys::content_keys(&state.db).await?;
    let layout = NewsroomLayout::new(state, who, "Content API keys", "/newsroom/api-keys");
    Ok(KeysPage {
        layout,
        heading: "Content API keys",
        explain: "Read-only keys for apps and partners that show published articles. Send one as `Authorization: Bearer KEY` to /api/v1/content/… (see /api/v1/openapi.json).",
        action: "/newsroom/api-keys",
        keys,
        new_secret,
    }
    .render()?)
}

async fn tokens_page(state: &AppState, who: &CurrentStaff, new_secret: Option<String>) -> AppResult<String> {
    let keys = api_keys::tokens_of(&state.db, who.staff.id).await?;
    let layout = NewsroomLayout::new(state, who, "My API tokens", "/newsroom/account/tokens");
    Ok(KeysPage {
        layout,
        heading: "My Admin API tokens",
        explain: "Tokens for scripts that write through the Admin API (/api/v1/admin/…) as you, with your role. Send one as `Authorization: Bearer TOKEN`.",
        action: "/newsroom/account/tokens",
        keys,
        new_secret,
    }
    .render()?)
}

fn name_of(form: &FormFields) -> Result<String, AppError> {
    let name = form.get("name").trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::Invalid {
            field: "name".into(),
            message: "Name the key (1 to 100 characters) so you know what uses it.".into(),
        });
    }
    Ok(name.to_owned())
}

pub async fn content_keys(State(state): State<AppState>, who: CurrentStaff) -> AppResult<Html<String>> {
    Ok(Html(content_keys_page(&state, &who, None).await?))
}

pub async fn create_content_key(
    State(state): State<AppState>,
    who: CurrentStaff,
    form: FormFields,
) -> AppResult<Html<String>> {
    let name = name_of(&form)?;
    let mut change = Change::begin(&state, &who).await?;
    let made = api_keys::create_content_key(&mut change, &name).await?;
    change.commit().await?;
    Ok(Html(content_keys_page(&state, &who, Some(made.secret)).await?))
}

pub async fn revoke_content_key(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(id): Path<uuid::Uuid>,
) -> AppResult<Response> {
    let mut change = Change::begin(&state, &who).await?;
    api_keys::revoke_content_key(&mut change, id).await?;
    change.commit().await?;
    Ok(Redirect::to("/newsroom/api-keys").into_response())
}

pub async fn tokens(State(state): State<AppState>, who: CurrentStaff) -> AppResult<Html<String>> {
    Ok(Html(tokens_page(&state, &who, None).await?))
}

pub async fn create_token(
    State(state): State<AppState>,
    who: CurrentStaff,
    form: FormFields,
) -> AppResult<Html<String>> {
    let name = name_of(&form)?;
    let mut change = Change::begin(&state, &who).await?;
    let made = api_keys::create_token(&mut change, who.staff.id, &name).await?;
    change.commit().await?;
    Ok(Html(tokens_page(&state, &who, Some(made.secret)).await?))
}

pub async fn revoke_token(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(id): Path<uuid::Uuid>,
) -> AppResult<Response> {
    let mut change = Change::begin(&state, &who).await?;
    api_keys::revoke_token(&mut change, who.staff.id, id).await?;
    change.commit().await?;
    Ok(Redirect::to("/newsroom/account/tokens").into_response())
}
