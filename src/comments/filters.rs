//! Filters that hold a comment for a moderator before anyone sees it:
//! banned and suspect words, too many links, new accounts. The lists and
//! limits are site settings moderators edit in the newsroom.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

use anyhow::Context;

use crate::audit::Target;
use crate::change::Change;
use crate::db::Db;
use crate::domain::Timestamp;
use crate::error::AppError;
use crate::site::settings;

use super::text::link_count;

pub const SETTINGS_KEY: &str = "comment_filters";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Filters {
    /// Words that always hold a comment.
    pub banned_words: Vec<String>,
    /// Words that hold a comment for a second look.
    pub suspect_words: Vec<String>,
    /// More links than this holds a comment.
    pub max_links: usize,
    /// Comments from accounts younger than this many hours are held.
    pub new_account_hours: i64,
    /// Comments one reader may post per minute before being asked to wait.
    pub per_minute: i64,
}

impl Default for Filters {
    fn default() -> Self {
        Self {
            banned_words: Vec::new(),
            suspect_words: Vec::new(),
            max_links: 2,
            new_account_hours: 0,
            per_minute: 5,
        }
    }
}

impl Filters {
    pub async fn load(db: &Db) -> Result<Self, AppError> {
        let stored = settings::get(db, SETTINGS_KEY).await?;
        Ok(stored
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default())
    }

    /// Saves the filters a moderator set, with the audit line.
    pub async fn save(&self, change: &mut Change) -> Result<(), AppError> {
        let json = serde_json::to_string(self).context("writing the comment filters")?;
        settings::put(&mut *change, SETTINGS_KEY, &json).await?;
        change
            .audit(
                "changed the comment filters",
                Target::new("setting", SETTINGS_KEY, "comment filters"),
                "",
            )
            .await?;
        Ok(())
    }

    /// Why this comment should wait for a moderator, if it should.
    pub fn hold_reason(&self, body: &str, account_created: Timestamp, now: Timestamp) -> Option<String> {
        let words: Vec<String> = words_of(body).iter().map(|w| folded(w)).collect();
        let has = |list: &[String]| {
            list.iter()
                .find(|bad| {
                    let bad = folded(bad);
                    words.contains(&bad)
                })
                .cloned()
        };
        if let Some(word) = has(&self.banned_words) {
            return Some(format!("banned word \"{word}\""));
        }
        if let Some(word) = has(&self.suspect_words) {
            return Some(format!("suspect word \"{word}\""));
        }
        let links = link_count(body);
        if links > self.max_links {
            return Some(format!("{links} links (more than {})", self.max_links));
        }
        if self.new_account_hours > 0 && now.as_seconds() - account_created.as_seconds() < self.new_account_hours * 3600
        {
            return Some(format!("account younger than {} hours", self.new_account_hours));
        }
        None
    }
}

/// The words of a text, with what a reader cannot see taken out first:
/// format characters (soft hyphens, zero-width spaces and joiners) and
/// combining marks would otherwise split a word in two for the filter while
/// it reads as one on the page. Compatibility forms are folded (NFKC turns
/// full-width letters and ligatures into plain ones).
fn words_of(text: &str) -> Vec<String> {
    let visible: String = text
        .nfkc()
        .filter(|c| c.general_category() != GeneralCategory::Format && !is_combining_mark(*c))
        .collect();
    visible
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A word as the filters compare it: lower case, each letter that imitates
/// another (a Cyrillic "а" for a Latin "a") taken to what it looks like by
/// Unicode's confusable skeleton, and accents dropped.
fn folded(word: &str) -> String {
    let lower = words_of(word).concat().to_lowercase();
    unicode_security::skeleton(&lower)
        .filter(|c| !is_combining_mark(*c))
        .collect::<String>()
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_links_and_new_accounts_hold_comments() {
        let filters = Filters {
            banned_words: vec!["scam".into()],
            suspect_words: vec!["crypto".into()],
            max_links: 1,
            new_account_hours: 24,
            per_minute: 5,
        };
        let old = Timestamp::parse("2020-01-01T00:00:00Z").unwrap();
        let now = Timestamp::now();
        assert_eq!(filters.hold_reason("A fine comment", old, now), None);
        assert_eq!(
            filters.hold_reason("What a SCAM.", old, now).as_deref(),
            Some("banned word \"scam\"")
        );
        assert_eq!(
            filters.hold_reason("buy Crypto now", old, now).as_deref(),
            Some("suspect word \"crypto\"")
        );
        assert!(
            filters
                .hold_reason("http://a.b http://c.d", old, now)
                .unwrap()
                .contains("2 links")
        );
        assert!(
            filters
                .hold_reason("Hello", now, now)
                .unwrap()
                .contains("younger than 24 hours")
        );
        assert_eq!(
            filters.hold_reason("scampi are tasty", old, now),
            None,
            "whole words only"
        );
    }

    #[test]
    fn a_banned_word_disguised_with_invisible_or_look_alike_letters_is_still_caught() {
        let filters = Filters {
            banned_words: vec!["scam".into(), "Fraud".into()],
            ..Filters::default()
        };
        let old = Timestamp::parse("2020-01-01T00:00:00Z").unwrap();
        let now = Timestamp::now();
        for disguised in [
            "what a sc\u{AD}am",         // soft hyphen
            "what a sc\u{200B}am",       // zero-width space
            "what a s\u{2060}cam",       // word joiner
            "what a s\u{441}am",         // Cyrillic es
            "what a \u{FF53}\u{FF43}am", // full-width letters
            "what a sca\u{301}m",        // a combining accent
            "pure fr\u{430}ud",          // Cyrillic a in the second word
        ] {
            assert!(filters.hold_reason(disguised, old, now).is_some(), "{disguised:?}");
        }
        assert_eq!(filters.hold_reason("a scamper across the road", old, now), None);
    }
}
