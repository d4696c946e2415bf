//! What a person does in a browser, in a real headless Chromium driven
//! through chromedriver. Each test starts its own site and its own browser.

#[path = "../support/mod.rs"]
mod support;

mod alerts;
mod community;
mod donations;
mod harness;
mod liveblogs;
mod newsletters;
mod newsroom;
mod reading;
mod site_shape;
mod staff;
