//! `/account/me`: who is signed in, for the script that shows it in every
//! page's header (pages themselves are the same for everyone, and cached).

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::accounts::reader_extract::CurrentReader;
use crate::comments;
use crate::error::AppResult;
use crate::state::AppState;

#[derive(Serialize)]
pub struct Me {
    signed_in: bool,
    id: Option<String>,
    name: Option<String>,
    verified: bool,
    unread: i64,
}

pub async fn show(State(state): State<AppState>, who: Option<CurrentReader>) -> AppResult<Json<Me>> {
    Ok(Json(match who {
        None => Me {
            signed_in: false,
            id: None,
            name: None,
            verified: false,
            unread: 0,
        },
        Some(who) => Me {
            signed_in: true,
            id: Some(who.reader.id.to_string()),
            name: Some(who.reader.display_name.clone()),
            verified: who.reader.email_verified_at.is_some(),
            unread: comments::notifications::unread(&state.db, who.reader.id).await?,
        },
    }))
}
