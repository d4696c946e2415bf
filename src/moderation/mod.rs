//! Moderation (moderators and admins, in the newsroom): queues of reported
//! and held comments and recent decisions, approve / reject / feature with
//! keyboard shortcuts, the filters that hold comments, and sanctions on
//! readers. Every decision is written to the audit log.

mod filters;
mod queue;
mod readers;

use axum::http::{HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::accounts::Permission;
use crate::http::Access::Staff;
use crate::http::Routes;
use crate::state::AppState;

pub fn routes(state: &AppState) -> Routes {
    Routes::new(state)
        .get("/newsroom/moderation", Staff(Permission::ModerateComments), queue::show)
        .post(
            "/newsroom/moderation/comments/{id}/{decision}",
            Staff(Permission::ModerateComments),
            queue::decide,
        )
        .get(
            "/newsroom/moderation/filters",
            Staff(Permission::ModerateComments),
            filters::show,
        )
        .post(
            "/newsroom/moderation/filters",
            Staff(Permission::ModerateComments),
            filters::save,
        )
        .get(
            "/newsroom/moderation/readers/{id}",
            Staff(Permission::ModerateComments),
            readers::show,
        )
        .post(
            "/newsroom/moderation/readers/{id}/sanction",
            Staff(Permission::ModerateComments),
            readers::sanction,
        )
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}
