//! Reader donations, with no paywall: the appeal in articles and on
//! /support, Stripe Checkout for one-off and monthly gifts, the webhook-fed
//! ledger, receipts, and the newsroom's reports and campaigns.

pub mod appeal;
pub mod desk;
pub mod ledger;
pub mod money;
pub mod pages;
pub mod receipts;
pub mod stripe;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    let readers = Router::new()
        .route("/support", get(pages::show).post(pages::start))
        .route("/support/thanks", get(pages::thanks))
        .route("/support/cancelled", get(pages::cancelled))
        .route("/support/manage", get(pages::manage))
        .route("/stripe/webhook", post(pages::webhook))
        .route("/newsroom/donations", get(desk::show))
        .route("/newsroom/donations/appeal", post(desk::save_appeal))
        .route("/newsroom/donations/campaigns", post(desk::create_campaign))
        .route("/newsroom/donations/list", get(desk::list))
        .route("/newsroom/donations.csv", get(desk::csv))
        .route("/newsroom/donations/rebuild", post(desk::rebuild))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        ));
    readers.route("/support/progress", get(pages::progress))
}
