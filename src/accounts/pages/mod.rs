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

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::state::AppState;

pub use page::AccountPage;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account", get(settings::show))
        .route("/account/me", get(me::show))
        .route("/account/register", get(register::form).post(register::submit))
        .route("/account/login", get(signin::form).post(signin::with_password))
        .route("/account/login/email", post(signin::send_link))
        .route("/account/login/code", post(signin::with_code))
        .route("/account/login/link/{token}", get(signin::with_link))
        .route("/account/logout", post(signin::logout))
        .route("/account/verify/{token}", get(email::verify))
        .route("/account/verify", post(email::resend))
        .route("/account/email", post(email::change))
        .route("/account/email/confirm/{token}", get(email::confirm_change))
        .route("/account/password/forgot", get(reset::forgot_form).post(reset::forgot))
        .route(
            "/account/password/reset/{token}",
            get(reset::reset_form).post(reset::reset),
        )
        .route("/account/password", post(settings::change_password))
        .route("/account/profile", post(settings::update_profile))
        .route("/account/data", get(settings::download))
        .route("/account/delete", post(settings::delete))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}
