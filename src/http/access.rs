//! Who may call a route. Every route is registered with an [`Access`]
//! (`http::routes`), and this check runs before its handler: the handler
//! only ever sees callers the table lets through. Whoever the check found is
//! left in the request's extensions, so the handler's `CurrentStaff`,
//! `CurrentReader` or `ApiStaff` argument costs no second lookup.

use axum::extract::{FromRequestParts, OptionalFromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::accounts::reader_extract::CurrentReader;
use crate::accounts::{CurrentStaff, Permission, Role};
use crate::api::auth::{ApiStaff, ContentReader};
use crate::state::AppState;

/// What a caller needs to reach a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (sign-in pages, public pages, webhooks that carry their own signature).
    Public,
    /// A signed-in reader. Without one a page asks them to sign in; a script gets 401.
    Reader,
    /// As `Reader`, but a form posted by someone signed out is handed to the
    /// route, which keeps it for after they sign in.
    ReaderKeepingForm,
    /// A signed-in staff member whose role has the permission. Without a
    /// session the browser goes to the newsroom's sign-in page; with the
    /// wrong role the answer is 403.
    Staff(Permission),
    /// As `Staff`, but a form posted after the session ended is handed to
    /// the route, which keeps it for after they sign in again.
    StaffKeepingForm(Permission),
    /// An Admin API token whose staff member's role has the permission (401 without one, 403 with the wrong role).
    Token(Permission),
    /// A Content API key (or an Admin API token, which may read too).
    ContentKey,
}

/// Who is calling, as far as access is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caller {
    Anonymous,
    Reader,
    /// A staff member, by session cookie or Admin API token.
    Staff(Role),
}

/// Whether a caller gets through, and what the refusal looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Asked to sign in (a redirect for pages, 401 for scripts and the API).
    SignIn,
    /// Signed in, but not allowed: 403.
    Refused,
}

impl Access {
    /// The outcome for a caller presenting the credentials the access asks
    /// for (a reader cookie, a staff cookie, a token). The route × role test
    /// walks every route with this.
    pub fn verdict(self, caller: Caller) -> Verdict {
        match (self, caller) {
            (Access::Public, _) => Verdict::Allowed,
            (Access::Reader | Access::ReaderKeepingForm, Caller::Reader) => Verdict::Allowed,
            (Access::Reader | Access::ReaderKeepingForm, _) => Verdict::SignIn,
            (
                Access::Staff(permission) | Access::StaffKeepingForm(permission) | Access::Token(permission),
                Caller::Staff(role),
            ) => {
                if permission.allows(role) {
                    Verdict::Allowed
                } else {
                    Verdict::Refused
                }
            }
            (Access::Staff(_) | Access::StaffKeepingForm(_) | Access::Token(_), _) => Verdict::SignIn,
            (Access::ContentKey, Caller::Staff(_)) => Verdict::Allowed,
            (Access::ContentKey, _) => Verdict::SignIn,
        }
    }

    /// Whether the check has anything to do (public routes skip it entirely).
    pub fn is_public(self) -> bool {
        self == Access::Public
    }
}

/// The check, as a route layer: `guard` holds the state and the route's access.
pub async fn check(State(guard): State<(AppState, Access)>, request: Request, next: Next) -> Response {
    let (state, access) = guard;
    let (mut parts, body) = request.into_parts();
    match refusal(&mut parts, &state, access).await {
        None => next.run(Request::from_parts(parts, body)).await,
        Some(response) => response,
    }
}

/// Finds the caller the access asks for and leaves them in the request's
/// extensions; the answer to send instead when they do not qualify.
async fn refusal(parts: &mut Parts, state: &AppState, access: Access) -> Option<Response> {
    match access {
        Access::Public => None,
        Access::Reader => match <CurrentReader as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
            Ok(reader) => keep(parts, reader),
            Err(rejection) => Some(rejection.into_response()),
        },
        Access::ReaderKeepingForm => {
            match <CurrentReader as OptionalFromRequestParts<AppState>>::from_request_parts(parts, state).await {
                Ok(Some(reader)) => keep(parts, reader),
                Ok(None) => None,
                Err(err) => Some(err.into_response()),
            }
        }
        Access::Staff(permission) => {
            match <CurrentStaff as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
                Ok(staff) => permitted(parts, staff, permission),
                Err(rejection) => Some(rejection.into_response()),
            }
        }
        Access::StaffKeepingForm(permission) => {
            match <CurrentStaff as OptionalFromRequestParts<AppState>>::from_request_parts(parts, state).await {
                Ok(Some(staff)) => permitted(parts, staff, permission),
                Ok(None) => None,
                Err(err) => Some(err.into_response()),
            }
        }
        Access::Token(permission) => match ApiStaff::from_request_parts(parts, state).await {
            Ok(ApiStaff(staff)) => match staff.require(permission) {
                Ok(()) => keep(parts, ApiStaff(staff)),
                Err(err) => Some(err.into_response()),
            },
            Err(err) => Some(err.into_response()),
        },
        Access::ContentKey => match ContentReader::from_request_parts(parts, state).await {
            Ok(reader) => keep(parts, reader),
            Err(err) => Some(err.into_response()),
        },
    }
}

fn permitted(parts: &mut Parts, staff: CurrentStaff, permission: Permission) -> Option<Response> {
    match staff.require(permission) {
        Ok(()) => keep(parts, staff),
        Err(err) => Some(err.into_response()),
    }
}

fn keep<T: Clone + Send + Sync + 'static>(parts: &mut Parts, who: T) -> Option<Response> {
    parts.extensions.insert(who);
    None
}
