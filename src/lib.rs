//! Broadsheet: a news website in one binary.
//!
//! Domains own their routes, types and queries: `articles` (stored, read,
//! drawn), `liveblogs` (entries that stream), `site` (sections, tags,
//! authors, homepage), `media` (pictures),
//! `feeds` (RSS, Atom, sitemaps), `imports` (moving in from WordPress and
//! Ghost), `ops` (health, metrics, backups). Cross-cutting pieces sit beside them:
//! `config`, `db`, `domain` (value types), `error`, `events`, `web`
//! (page cache, layout, error pages), `http` (the merged router), `startup`.

pub mod accounts;
pub mod alerts;
pub mod api;
pub mod articles;
pub mod audit;
pub mod change;
pub mod cli;
pub mod comments;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod donations;
pub mod error;
pub mod events;
pub mod feeds;
pub mod fronts;
pub mod http;
pub mod imports;
pub mod jobs;
pub mod liveblogs;
pub mod mail;
pub mod media;
pub mod moderation;
pub mod newsletters;
pub mod newsroom;
pub mod ops;
pub mod search;
pub mod site;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod web;

pub use config::Settings;
pub use startup::Application;
pub use state::AppState;
