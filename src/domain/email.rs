//! Email addresses, compared and stored in lower case.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    /// Trimmed and lower-cased; refused unless it looks like name@example.com.
    pub fn parse(input: &str) -> Result<Self, AppError> {
        let email = input.trim().to_lowercase();
        let valid = email.len() <= Self::MAX_LEN
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            })
            && !email.contains(char::is_whitespace)
            // Characters that would make one address read as several, or
            // as a display name and an address, to a mail library.
            && !email.contains(|c: char| c.is_control() || ",;<>\"()[]\\:".contains(c));
        if valid {
            Ok(Self(email))
        } else {
            Err(AppError::Invalid {
                field: "email".into(),
                message: "Enter an email address like name@example.com.".into(),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Email {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        Email::parse(&value).map_err(|e| e.report().detail)
    }
}

impl From<Email> for String {
    fn from(email: Email) -> String {
        email.0
    }
}

impl From<&Email> for crate::db::Arg {
    fn from(email: &Email) -> Self {
        crate::db::Arg::Text(Some(email.0.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::Email;

    #[test]
    fn addresses_are_lower_cased_and_checked() {
        assert_eq!(
            Email::parse("  Namita.Singh@Example.ORG ").unwrap().as_str(),
            "namita.singh@example.org"
        );
        for bad in [
            "",
            "no-at-sign",
            "@example.org",
            "a@b",
            "a@.org",
            "a@org.",
            "x@a.example,y@b.example",
            "x,y@b.example",
            "Ann <ann@example.org>",
            "a;b@example.org",
            "a b@example.org",
            "a@b@c.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        assert!(Email::parse(&format!("{}@example.org", "a".repeat(250))).is_err());
    }
}
