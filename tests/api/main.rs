//! Black-box HTTP tests: each starts the real application on a random port
//! against a fresh database (SQLite, or PostgreSQL when
//! BROADSHEET_TEST_DATABASE names a server).

#[path = "../support/mod.rs"]
mod support;

mod alerts;
mod architecture;
mod article_page;
mod caching;
mod comments;
mod donations;
mod errors;
mod faults;
mod feeds;
mod fronts;
mod identity;
mod imports;
mod instances;
mod listings;
mod liveblogs;
mod mail;
mod metadata;
mod moderation;
mod moving_in;
mod newsletters;
mod newsroom_access;
mod newsroom_api;
mod newsroom_editing;
mod operations;
mod pages_and_menus;
mod permissions;
mod readers;
mod search;
mod security;
mod startup;
