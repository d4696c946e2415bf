//! Credentials for the APIs: read-only Content API keys (admins), and
//! personal Admin API tokens that act as the staff member who made them.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::accounts::{CurrentStaff, secrets};
use crate::audit::Target;
use crate::db::sql;
use crate::domain::Timestamp;
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
    keys: Vec<KeyRow>,
    new_secret: Option<String>,
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    id: uuid::Uuid,
    name: String,
    created_at: Timestamp,
    revoked_at: Option<Timestamp>,
}

async fn content_keys_page(state: &AppState, who: &CurrentStaff, new_secret: Option<String>) -> AppResult<String> {
    let keys = sql("SELECT id, name, created_at, revoked_at FROM content_api_keys ORDER BY created_at DESC")
        .fetch_all(&state.db)
        .await?;
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
    let keys = sql(
        "SELECT id, name, created_at, revoked_at FROM admin_api_tokens WHERE staff_id = $1 ORDER BY created_at DESC",
    )
    .bind(who.staff.id)
    .fetch_all(&state.db)
    .await?;
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
    let key = format!("bsc_{}", secrets::token());
    let id = uuid::Uuid::now_v7();
    sql("INSERT INTO content_api_keys (id, name, key_hash, created_by, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(&name)
        .bind(secrets::hash(&key))
        .bind(who.staff.id)
        .bind(Timestamp::now())
        .execute(&state.db)
        .await?;
    who.audit(
        &state.db,
        "created a Content API key",
        Target::new("api_key", id, &name),
        "",
    )
    .await?;
    Ok(Html(content_keys_page(&state, &who, Some(key)).await?))
}

pub async fn revoke_content_key(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(id): Path<uuid::Uuid>,
) -> AppResult<Response> {
    sql("UPDATE content_api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(Timestamp::now())
        .bind(id)
        .execute(&state.db)
        .await?;
    who.audit(
        &state.db,
        "revoked a Content API key",
        Target::new("api_key", id, ""),
        "",
    )
    .await?;
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
    let token = format!("bsa_{}", secrets::token());
    let id = uuid::Uuid::now_v7();
    sql("INSERT INTO admin_api_tokens (id, staff_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(who.staff.id)
        .bind(&name)
        .bind(secrets::hash(&token))
        .bind(Timestamp::now())
        .execute(&state.db)
        .await?;
    who.audit(
        &state.db,
        "created an Admin API token",
        Target::new("api_token", id, &name),
        "",
    )
    .await?;
    Ok(Html(tokens_page(&state, &who, Some(token)).await?))
}

pub async fn revoke_token(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(id): Path<uuid::Uuid>,
) -> AppResult<Response> {
    sql("UPDATE admin_api_tokens SET revoked_at = $1 WHERE id = $2 AND staff_id = $3 AND revoked_at IS NULL")
        .bind(Timestamp::now())
        .bind(id)
        .bind(who.staff.id)
        .execute(&state.db)
        .await?;
    who.audit(
        &state.db,
        "revoked an Admin API token",
        Target::new("api_token", id, ""),
        "",
    )
    .await?;
    Ok(Redirect::to("/newsroom/account/tokens").into_response())
}
