//! URL slugs: lowercase ASCII letters, digits and single hyphens.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    #[error("a slug cannot be empty")]
    Empty,
    #[error("a slug can be at most {max} characters long")]
    TooLong { max: usize },
    #[error(
        "a slug may contain only lowercase letters, digits and single hyphens, and cannot start or end with a hyphen"
    )]
    BadCharacters,
}

impl Slug {
    pub const MAX_LEN: usize = 120;

    pub fn parse(input: &str) -> Result<Self, SlugError> {
        if input.is_empty() {
            return Err(SlugError::Empty);
        }
        if input.len() > Self::MAX_LEN {
            return Err(SlugError::TooLong { max: Self::MAX_LEN });
        }
        let well_formed = input
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !input.starts_with('-')
            && !input.ends_with('-')
            && !input.contains("--");
        if !well_formed {
            return Err(SlugError::BadCharacters);
        }
        Ok(Self(input.to_owned()))
    }

    /// Suggests a slug from free text: "Zelensky’s 11,000 troops!" → "zelenskys-11000-troops".
    pub fn suggest(text: &str) -> Option<Self> {
        let mut out = String::with_capacity(text.len());
        for c in text.chars().flat_map(fold_accent) {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            } else if matches!(c, '\'' | '’' | ',' | '.') {
                // apostrophes and thousands separators join words rather than split them
            } else if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
        }
        let mut cut = out.trim_end_matches('-').to_owned();
        if cut.len() > Self::MAX_LEN {
            cut.truncate(Self::MAX_LEN);
            cut = cut.trim_end_matches('-').to_owned();
        }
        Self::parse(&cut).ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Maps common Latin accented letters to their plain form so that slugs stay ASCII.
fn fold_accent(c: char) -> impl Iterator<Item = char> {
    let plain: &str = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => "a",
        'æ' | 'Æ' => "ae",
        'ç' | 'č' | 'ć' | 'Ç' | 'Č' | 'Ć' => "c",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'È' | 'É' | 'Ê' | 'Ë' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => "i",
        'ñ' | 'ń' | 'Ñ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => "o",
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => "u",
        'ý' | 'ÿ' | 'Ý' => "y",
        'ß' => "ss",
        'ł' | 'Ł' => "l",
        'š' | 'ś' | 'Š' | 'Ś' => "s",
        'ž' | 'ź' | 'ż' | 'Ž' | 'Ź' | 'Ż' => "z",
        _ => "",
    };
    let keep = plain.is_empty().then_some(c);
    plain.chars().chain(keep)
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Slug {
    type Error = SlugError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Slug> for String {
    fn from(slug: Slug) -> Self {
        slug.0
    }
}

impl From<&Slug> for crate::db::Arg {
    fn from(slug: &Slug) -> Self {
        crate::db::Arg::Text(Some(slug.0.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_slugs_parse() {
        assert!(Slug::parse("north-korean-troops-2024").is_ok());
    }

    #[test]
    fn malformed_slugs_are_refused_with_a_reason() {
        assert_eq!(Slug::parse(""), Err(SlugError::Empty));
        assert_eq!(Slug::parse("Upper"), Err(SlugError::BadCharacters));
        assert_eq!(Slug::parse("-lead"), Err(SlugError::BadCharacters));
        assert_eq!(Slug::parse("a--b"), Err(SlugError::BadCharacters));
        assert_eq!(Slug::parse("a/b"), Err(SlugError::BadCharacters));
        assert!(matches!(Slug::parse(&"a".repeat(121)), Err(SlugError::TooLong { .. })));
    }

    #[test]
    fn suggestions_fold_accents_and_punctuation() {
        let slug = Slug::suggest("Zelensky’s 11,000 troops: Kursk — Café déjà vu!").unwrap();
        assert_eq!(slug.as_str(), "zelenskys-11000-troops-kursk-cafe-deja-vu");
        assert_eq!(Slug::suggest("!!!"), None);
    }
}
