//! Reader donations, with no paywall: the appeal in articles and on
//! /support, Stripe Checkout for one-off and monthly gifts, the webhook-fed
//! ledger, receipts, and the newsroom's reports and campaigns.

pub mod appeal;
pub mod desk;
pub mod events;
pub mod ledger;
pub mod money;
pub mod pages;
pub mod receipts;
pub mod stripe;

use axum::http::{HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::accounts::Permission;
use crate::http::Access::{Public, Staff};
use crate::http::Routes;
use crate::state::AppState;

pub fn routes(state: &AppState) -> Routes {
    let readers = Routes::new(state)
        .get("/support", Public, pages::show)
        .post("/support", Public, pages::start)
        .get("/support/thanks", Public, pages::thanks)
        .get("/support/cancelled", Public, pages::cancelled)
        .get("/support/manage", Public, pages::manage)
        .post("/stripe/webhook", Public, pages::webhook)
        .get("/newsroom/donations", Staff(Permission::ViewDonations), desk::show)
        .post(
            "/newsroom/donations/appeal",
            Staff(Permission::ViewDonations),
            desk::save_appeal,
        )
        .post(
            "/newsroom/donations/campaigns",
            Staff(Permission::ViewDonations),
            desk::create_campaign,
        )
        .get("/newsroom/donations/list", Staff(Permission::Administer), desk::list)
        .get("/newsroom/donations.csv", Staff(Permission::Administer), desk::csv)
        .post(
            "/newsroom/donations/rebuild",
            Staff(Permission::Administer),
            desk::rebuild,
        )
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        ));
    readers.get("/support/progress", Public, pages::progress)
}
