//! `?page=N` on listing pages: parsed strictly, with a readable 400 otherwise.

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use serde::Deserialize;

use crate::error::AppError;

pub const PAGE_SIZE: i64 = 20;
const MAX_PAGE: u32 = 10_000;

/// The requested page, from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageNumber(pub u32);

#[derive(Deserialize)]
struct RawPaging {
    page: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for PageNumber {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Query(raw) = Query::<RawPaging>::try_from_uri(&parts.uri).map_err(|e| {
            AppError::BadRequest(format!("The address has a malformed query string ({}).", e.body_text()))
        })?;
        match raw.page {
            None => Ok(PageNumber(1)),
            Some(text) => match text.trim().parse::<u32>() {
                Ok(n) if (1..=MAX_PAGE).contains(&n) => Ok(PageNumber(n)),
                _ => Err(AppError::BadRequest(format!(
                    "The page number must be a whole number from 1 to {MAX_PAGE}; \"{}\" is not.",
                    truncate(&text, 40)
                ))),
            },
        }
    }
}

fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

impl PageNumber {
    pub fn offset(self) -> i64 {
        (i64::from(self.0) - 1) * PAGE_SIZE
    }

    /// Part of a cache key: the first page has none.
    pub fn key_suffix(self) -> String {
        if self.0 == 1 {
            String::new()
        } else {
            format!("?page={}", self.0)
        }
    }
}

/// Links between the pages of a listing.
#[derive(Clone, Debug)]
pub struct Pagination {
    pub current: u32,
    pub last: u32,
    pub previous: Option<String>,
    pub next: Option<String>,
}

impl Pagination {
    /// Fails with 404 when the page is past the end (an empty list has one page).
    pub fn new(base: &str, page: PageNumber, total: i64) -> Result<Self, AppError> {
        let last = u32::try_from(((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1)).unwrap_or(MAX_PAGE);
        if page.0 > last {
            return Err(AppError::NotFound);
        }
        let link = |n: u32| {
            if n == 1 {
                base.to_owned()
            } else {
                format!("{base}?page={n}")
            }
        };
        Ok(Self {
            current: page.0,
            last,
            previous: (page.0 > 1).then(|| link(page.0 - 1)),
            next: (page.0 < last).then(|| link(page.0 + 1)),
        })
    }

    pub fn is_single(&self) -> bool {
        self.last == 1
    }
}
