//! Sections, tags and authors: how the site is organised.

use crate::domain::{AuthorId, ImageId, SectionId, TagId};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Section {
    pub id: SectionId,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub position: i64,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Tag {
    pub id: TagId,
    pub slug: String,
    pub name: String,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Author {
    pub id: AuthorId,
    pub slug: String,
    pub name: String,
    pub job_title: String,
    pub bio: String,
    pub photo_id: Option<ImageId>,
}

impl Author {
    pub fn path(&self) -> String {
        format!("/author/{}", self.slug)
    }
}

/// First path segments that belong to the site itself, so no section may take them.
pub const RESERVED_SLUGS: &[&str] = &[
    "account",
    "admin",
    "api",
    "author",
    "feeds",
    "healthz",
    "login",
    "logout",
    "media",
    "metrics",
    "newsroom",
    "readyz",
    "register",
    "search",
    "sitemaps",
    "static",
    "support",
    "tag",
    "alerts",
    "stripe",
    "comments",
    "live",
    "readers",
    "sw.js",
    "newsletters",
];
