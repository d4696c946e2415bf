//! The signed-in reader, as a handler argument. The reader cookie covers the
//! whole site (Path=/), but public pages never read it, so cached pages stay
//! the same for everyone; what differs per reader is fetched separately.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::error::AppError;
use crate::state::AppState;

use super::readers::{self, Reader};
use super::sessions::{self, Kind};

pub const READER_COOKIE: &str = "broadsheet_reader";

#[derive(Clone, Debug)]
pub struct CurrentReader {
    pub reader: Reader,
    /// The hash of this browser's session token.
    pub session: String,
}

async fn from_cookie(parts: &Parts, state: &AppState) -> Result<Option<CurrentReader>, AppError> {
    // The route's access check may have found them already.
    if let Some(found) = parts.extensions.get::<CurrentReader>() {
        return Ok(Some(found.clone()));
    }
    let Some(token) = sessions::read_cookie(&parts.headers, READER_COOKIE) else {
        return Ok(None);
    };
    let Some(session) = sessions::find(&state.db, Kind::Reader, token).await? else {
        return Ok(None);
    };
    let Some(reader) = readers::by_id(&state.db, crate::domain::ReaderId(session.account_id)).await? else {
        return Ok(None);
    };
    if reader.deleted_at.is_some() {
        return Ok(None);
    }
    Ok(Some(CurrentReader {
        reader,
        session: session.token_hash,
    }))
}

/// Without a reader session: a page asks them to sign in and come back; a
/// script gets 401.
pub enum ReaderRejection {
    SignIn(String),
    Error(AppError),
}

impl IntoResponse for ReaderRejection {
    fn into_response(self) -> Response {
        match self {
            ReaderRejection::SignIn(back) => {
                Redirect::to(&format!("/account/login?return_to={}", crate::web::urlencode(&back))).into_response()
            }
            ReaderRejection::Error(err) => err.into_response(),
        }
    }
}

impl FromRequestParts<AppState> for CurrentReader {
    type Rejection = ReaderRejection;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match from_cookie(parts, state).await {
            Ok(Some(reader)) => Ok(reader),
            Ok(None) => {
                let wants_json = parts
                    .headers
                    .get(header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|a| a.contains("application/json"));
                if wants_json || parts.method != axum::http::Method::GET {
                    Err(ReaderRejection::Error(AppError::Unauthorized))
                } else {
                    let back = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
                    Err(ReaderRejection::SignIn(back.to_owned()))
                }
            }
            Err(err) => Err(ReaderRejection::Error(err)),
        }
    }
}

impl OptionalFromRequestParts<AppState> for CurrentReader {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, Self::Rejection> {
        from_cookie(parts, state).await
    }
}

/// Only paths on this site are followed after signing in (no open redirect).
pub fn safe_return(path: &str) -> String {
    crate::web::local_path(path).unwrap_or("/").to_owned()
}

/// The cookie that signs a reader in across the whole site.
pub fn sign_in_cookie(state: &AppState, token: &str) -> HeaderValue {
    sessions::cookie(READER_COOKIE, token, "/", sessions::IDLE_LIFETIME_SECS, secure(state))
}

pub fn sign_out_cookie(state: &AppState) -> HeaderValue {
    sessions::cookie(READER_COOKIE, "", "/", 0, secure(state))
}

fn secure(state: &AppState) -> bool {
    state.site.base_url.starts_with("https://")
}
