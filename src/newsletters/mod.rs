//! Newsletters by email, from the same binary: the lists and their editions
//! (`model`, `write`), who gets them (`subscribers`, with consent by an
//! emailed link, and the suppression list), the email itself (`render`),
//! handing it to the relay (`send`, over kept connections: `relay`, signed
//! by `dkim` when configured) as shard jobs in the database
//! (`fanout`, `retry`), signed personal links (`links`), bounces and
//! complaints coming back (`bounces`), subscribers in and out as CSV
//! (`csv`), editions built at their own time (`schedule`), clicks counted
//! without knowing who clicked (`clicks`), the readers' pages (`pages`) and
//! the newsroom's desk (`desk`).

pub mod bounces;
pub mod clicks;
pub mod csv;
pub mod desk;
pub mod dkim;
pub mod fanout;
pub mod links;
pub mod model;
pub mod pages;
pub mod relay;
pub mod render;
pub mod retry;
pub mod schedule;
pub mod send;
pub mod subscribers;
pub mod write;

use crate::accounts::Permission;
use crate::http::Access::{Public, Staff};
use crate::http::Routes;
use crate::state::AppState;

pub fn routes(state: &AppState) -> Routes {
    Routes::new(state)
        .get("/newsletters", Public, pages::list)
        .post("/newsletters/subscribe", Public, pages::subscribe)
        .get("/newsletters/confirm/{token}", Public, pages::confirm_page)
        .post("/newsletters/confirm/{token}", Public, pages::confirm)
        .get(
            "/newsletters/leave/{subscriber}/{newsletter}/{signature}",
            Public,
            pages::leave_page,
        )
        .post(
            "/newsletters/leave/{subscriber}/{newsletter}/{signature}",
            Public,
            pages::leave,
        )
        .get(
            "/newsletters/manage/{subscriber}/{signature}",
            Public,
            pages::manage_page,
        )
        .post("/newsletters/manage/{subscriber}/{signature}", Public, pages::manage)
        .post("/newsletters/bounces", Public, bounces::receive)
        .get("/newsletters/click/{number}/{position}", Public, clicks::follow)
        .get("/newsletters/{slug}", Public, pages::show)
        .get("/newsletters/{slug}/{number}", Public, pages::archived)
        .get(
            "/newsroom/newsletters",
            Staff(Permission::SendNewsletters),
            desk::show_desk,
        )
        .post(
            "/newsroom/newsletters",
            Staff(Permission::SendNewsletters),
            desk::create,
        )
        .get(
            "/newsroom/newsletters/suppressions",
            Staff(Permission::SendNewsletters),
            desk::suppressions,
        )
        .post(
            "/newsroom/newsletters/suppressions",
            Staff(Permission::SendNewsletters),
            desk::change_suppressions,
        )
        .get(
            "/newsroom/newsletters/{id}",
            Staff(Permission::SendNewsletters),
            desk::show,
        )
        .post(
            "/newsroom/newsletters/{id}",
            Staff(Permission::SendNewsletters),
            desk::update,
        )
        .get(
            "/newsroom/newsletters/{id}/editions/new",
            Staff(Permission::SendNewsletters),
            desk::new_edition,
        )
        .post(
            "/newsroom/newsletters/{id}/editions",
            Staff(Permission::SendNewsletters),
            desk::create_edition,
        )
        .get(
            "/newsroom/editions/{id}",
            Staff(Permission::SendNewsletters),
            desk::show_edition,
        )
        .post(
            "/newsroom/editions/{id}",
            Staff(Permission::SendNewsletters),
            desk::update_edition,
        )
        .get(
            "/newsroom/editions/{id}/email",
            Staff(Permission::SendNewsletters),
            desk::email,
        )
        .post(
            "/newsroom/editions/{id}/test",
            Staff(Permission::SendNewsletters),
            desk::test_send,
        )
        .post(
            "/newsroom/editions/{id}/{action}",
            Staff(Permission::SendNewsletters),
            desk::act,
        )
}
