//! The newsroom (`/newsroom`): where staff sign in, write, edit, schedule,
//! publish and correct articles, manage pictures, sections, tags, authors and
//! staff, and read the audit log. Every route checks the signed-in person's
//! role (see `accounts::Permission`).

mod account;
mod api_keys;
pub mod articles;
mod audit_log;
mod authors;
mod fronts;
mod images;
pub mod layout;
mod login;
mod menus;
mod pages;
mod password;
mod sections;
mod site_identity;
mod staff;
mod tags;

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::accounts::Permission;
use crate::http::Access::{Public, Staff, StaffKeepingForm};
use crate::http::Routes;
use crate::state::AppState;

use self::articles::{actions, editor, history, list, preview, save};

pub use login::secure as secure_cookies;

pub fn routes(state: &AppState) -> Routes {
    Routes::new(state)
        .get("/newsroom", Staff(Permission::WriteArticles), list::show)
        .get("/newsroom/login", Public, login::form)
        .post("/newsroom/login", Public, login::submit)
        .get("/newsroom/password/forgot", Public, password::forgot_form)
        .post("/newsroom/password/forgot", Public, password::forgot)
        .get("/newsroom/password/reset/{token}", Public, password::reset_form)
        .post("/newsroom/password/reset/{token}", Public, password::reset)
        .post(
            "/newsroom/account/password",
            Staff(Permission::OwnAccount),
            password::change,
        )
        .post("/newsroom/logout", Staff(Permission::OwnAccount), login::logout)
        .get("/newsroom/account", Staff(Permission::OwnAccount), account::show)
        .post(
            "/newsroom/account/review-emails",
            Staff(Permission::PublishArticles),
            account::review_emails,
        )
        .post(
            "/newsroom/account/sessions",
            Staff(Permission::OwnAccount),
            account::end_session,
        )
        .get(
            "/newsroom/account/tokens",
            Staff(Permission::OwnAccount),
            api_keys::tokens,
        )
        .post(
            "/newsroom/account/tokens",
            Staff(Permission::OwnAccount),
            api_keys::create_token,
        )
        .post(
            "/newsroom/account/tokens/{id}/revoke",
            Staff(Permission::OwnAccount),
            api_keys::revoke_token,
        )
        .get("/newsroom/articles/new", Staff(Permission::WriteArticles), editor::new)
        .post(
            "/newsroom/articles",
            StaffKeepingForm(Permission::WriteArticles),
            save::create,
        )
        .post(
            "/newsroom/articles/preview",
            Staff(Permission::WriteArticles),
            preview::show,
        )
        .post(
            "/newsroom/articles/{id}",
            StaffKeepingForm(Permission::WriteArticles),
            save::update,
        )
        .get(
            "/newsroom/articles/{id}/edit",
            Staff(Permission::WriteArticles),
            editor::edit,
        )
        .get(
            "/newsroom/articles/{id}/history",
            Staff(Permission::WriteArticles),
            history::list,
        )
        .get(
            "/newsroom/articles/{id}/history/{version}",
            Staff(Permission::WriteArticles),
            history::show,
        )
        .post(
            "/newsroom/articles/{id}/history/{version}/restore",
            Staff(Permission::PublishArticles),
            history::restore,
        )
        .post(
            "/newsroom/articles/{id}/notes",
            Staff(Permission::PublishArticles),
            actions::add_note,
        )
        .post(
            "/newsroom/articles/{id}/unpublish",
            Staff(Permission::PublishArticles),
            actions::unpublish,
        )
        .post(
            "/newsroom/articles/{id}/send-back",
            Staff(Permission::PublishArticles),
            actions::send_back,
        )
        .get("/newsroom/images", Staff(Permission::WriteArticles), images::show)
        .post("/newsroom/images", Staff(Permission::WriteArticles), images::upload)
        .get("/newsroom/sections", Staff(Permission::Administer), sections::show)
        .post("/newsroom/sections", Staff(Permission::Administer), sections::create)
        .post(
            "/newsroom/sections/{id}",
            Staff(Permission::Administer),
            sections::update,
        )
        .get("/newsroom/fronts", Staff(Permission::PublishArticles), fronts::list)
        .get(
            "/newsroom/fronts/{front}",
            Staff(Permission::PublishArticles),
            fronts::edit,
        )
        .post(
            "/newsroom/fronts/{front}",
            Staff(Permission::PublishArticles),
            fronts::act,
        )
        .get(
            "/newsroom/fronts/{front}/preview",
            Staff(Permission::PublishArticles),
            fronts::preview,
        )
        .get("/newsroom/pages", Staff(Permission::Administer), pages::list)
        .get("/newsroom/pages/new", Staff(Permission::Administer), pages::new)
        .post(
            "/newsroom/pages",
            StaffKeepingForm(Permission::Administer),
            pages::create,
        )
        .get("/newsroom/pages/{id}", Staff(Permission::Administer), pages::edit)
        .post(
            "/newsroom/pages/{id}",
            StaffKeepingForm(Permission::Administer),
            pages::update,
        )
        .get("/newsroom/site", Staff(Permission::Administer), site_identity::show)
        .post("/newsroom/site", Staff(Permission::Administer), site_identity::save)
        .get("/newsroom/menus", Staff(Permission::Administer), menus::show)
        .post("/newsroom/menus/{menu}", Staff(Permission::Administer), menus::save)
        .get("/newsroom/tags", Staff(Permission::ManageTaxonomy), tags::show)
        .post("/newsroom/tags/{id}", Staff(Permission::ManageTaxonomy), tags::rename)
        .get("/newsroom/authors", Staff(Permission::ManageTaxonomy), authors::show)
        .post("/newsroom/authors", Staff(Permission::ManageTaxonomy), authors::create)
        .post(
            "/newsroom/authors/{id}",
            Staff(Permission::ManageTaxonomy),
            authors::update,
        )
        .get("/newsroom/staff", Staff(Permission::Administer), staff::show)
        .post("/newsroom/staff/invite", Staff(Permission::Administer), staff::invite)
        .post(
            "/newsroom/staff/invites/{key}/resend",
            Staff(Permission::Administer),
            staff::resend_invite,
        )
        .post(
            "/newsroom/staff/invites/{key}/revoke",
            Staff(Permission::Administer),
            staff::revoke_invite,
        )
        .post("/newsroom/staff/{id}", Staff(Permission::Administer), staff::update)
        .get("/newsroom/invite/{token}", Public, staff::accept_form)
        .post("/newsroom/invite/{token}", Public, staff::accept)
        .get("/newsroom/audit", Staff(Permission::Administer), audit_log::show)
        .get(
            "/newsroom/api-keys",
            Staff(Permission::Administer),
            api_keys::content_keys,
        )
        .post(
            "/newsroom/api-keys",
            Staff(Permission::Administer),
            api_keys::create_content_key,
        )
        .post(
            "/newsroom/api-keys/{id}/revoke",
            Staff(Permission::Administer),
            api_keys::revoke_content_key,
        )
        // Pictures come through here; the upload reader enforces its own, named limit.
        .layer(DefaultBodyLimit::max(crate::media::MAX_PICTURE_BYTES + 1024 * 1024))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}
