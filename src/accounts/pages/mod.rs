//! The reader's side of accounts (`/account/…`): register, sign in by
//! password or by emailed link/code, verify email, reset password, change
//! email, profile, notifications, download data, delete the account.

mod email;
mod me;
mod page;
mod register;
mod reset;
mod settings;
mod signin;

use axum::http::{HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::http::Access::{Public, Reader};
use crate::http::Routes;
use crate::state::AppState;

pub use page::AccountPage;

pub fn routes(state: &AppState) -> Routes {
    Routes::new(state)
        .get("/account", Reader, settings::show)
        .get("/account/me", Public, me::show)
        .get("/account/register", Public, register::form)
        .post("/account/register", Public, register::submit)
        .get("/account/login", Public, signin::form)
        .post("/account/login", Public, signin::with_password)
        .post("/account/login/email", Public, signin::send_link)
        .post("/account/login/code", Public, signin::with_code)
        .get("/account/login/link/{token}", Public, signin::with_link)
        .post("/account/logout", Public, signin::logout)
        .get("/account/verify/{token}", Public, email::verify)
        .post("/account/verify", Reader, email::resend)
        .post("/account/email", Reader, email::change)
        .get("/account/email/confirm/{token}", Public, email::confirm_change)
        .get("/account/password/forgot", Public, reset::forgot_form)
        .post("/account/password/forgot", Public, reset::forgot)
        .get("/account/password/reset/{token}", Public, reset::reset_form)
        .post("/account/password/reset/{token}", Public, reset::reset)
        .post("/account/password", Reader, settings::change_password)
        .post("/account/profile", Reader, settings::update_profile)
        .get("/account/data", Reader, settings::download)
        .post("/account/delete", Reader, settings::delete)
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}
