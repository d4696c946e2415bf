//! The signed-in staff member, as a handler argument, and what their role allows.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};

use crate::error::AppError;
use crate::state::AppState;

use super::permission::Permission;
use super::sessions::{self, Kind};
use super::staff::{self, Staff};

/// The staff session cookie, scoped to the newsroom so public pages never see it.
pub const STAFF_COOKIE: &str = "broadsheet_staff";
pub const STAFF_COOKIE_PATH: &str = "/newsroom";

/// A signed-in, enabled staff member. Without one, pages redirect to the
/// sign-in page and the API answers 401.
#[derive(Clone, Debug)]
pub struct CurrentStaff {
    pub staff: Staff,
    /// The hash of this browser's session token.
    pub session: String,
    /// Stories waiting for review, for those who can publish them (shown in the newsroom's header).
    pub waiting_for_review: Option<i64>,
}

impl CurrentStaff {
    pub fn can(&self, permission: Permission) -> bool {
        permission.allows(self.staff.role)
    }

    /// Fails with 403 and a sentence naming what the role lacks.
    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        if self.can(permission) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "Your role ({}) does not allow you to {}.",
                self.staff.role,
                permission.describe()
            )))
        }
    }
}

async fn from_cookie(parts: &Parts, state: &AppState) -> Result<Option<CurrentStaff>, AppError> {
    // The route's access check may have found them already.
    if let Some(found) = parts.extensions.get::<CurrentStaff>() {
        return Ok(Some(found.clone()));
    }
    let Some(token) = sessions::read_cookie(&parts.headers, STAFF_COOKIE) else {
        return Ok(None);
    };
    let Some(session) = sessions::find(&state.db, Kind::Staff, token).await? else {
        return Ok(None);
    };
    let Some(row) = staff::by_id(&state.db, crate::domain::StaffId(session.account_id)).await? else {
        return Ok(None);
    };
    if row.disabled_at.is_some() {
        return Ok(None);
    }
    let staff = Staff::try_from(row)?;
    let waiting_for_review = if crate::accounts::Permission::PublishArticles.allows(staff.role) {
        Some(
            crate::db::sql("SELECT COUNT(*) FROM articles WHERE status = 'review'")
                .fetch_count(&state.db)
                .await?,
        )
    } else {
        None
    };
    Ok(Some(CurrentStaff {
        staff,
        session: session.token_hash,
        waiting_for_review,
    }))
}

/// Sends a browser to the sign-in page, remembering where it was going.
pub struct SignInFirst {
    next: String,
}

impl IntoResponse for SignInFirst {
    fn into_response(self) -> Response {
        Redirect::to(&format!("/newsroom/login?next={}", crate::web::urlencode(&self.next))).into_response()
    }
}

pub enum StaffRejection {
    SignIn(SignInFirst),
    Error(AppError),
}

impl IntoResponse for StaffRejection {
    fn into_response(self) -> Response {
        match self {
            StaffRejection::SignIn(r) => r.into_response(),
            StaffRejection::Error(e) => e.into_response(),
        }
    }
}

impl FromRequestParts<AppState> for CurrentStaff {
    type Rejection = StaffRejection;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match from_cookie(parts, state).await {
            Ok(Some(staff)) => Ok(staff),
            Ok(None) => {
                let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/newsroom");
                Err(StaffRejection::SignIn(SignInFirst { next: next.to_owned() }))
            }
            Err(e) => Err(StaffRejection::Error(e)),
        }
    }
}

/// For the few handlers that must act even without a session (keeping a
/// form whose session expired, showing the sign-in page).
pub type MaybeStaff = Option<CurrentStaff>;

impl OptionalFromRequestParts<AppState> for CurrentStaff {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, Self::Rejection> {
        from_cookie(parts, state).await
    }
}
