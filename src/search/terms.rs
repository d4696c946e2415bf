//! What a reader typed, turned into search terms both engines read the same
//! way: words folded for case and accents, a hyphenated or quoted run of
//! words kept as a phrase, everything else (operators, quotes, brackets)
//! treated as a separator, so no input is query syntax.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

const MAX_GROUPS: usize = 12;
/// Longer words are cut; both engines index words far longer (a headline's
/// 85-letter compound must be found when typed whole).
const MAX_WORD: usize = 240;

/// Groups of words: each group is a phrase (one word or several in order).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Terms(pub Vec<Vec<String>>);

/// Lower case, and Latin letters without accents ("Café" → "cafe"), as both
/// indexes fold them; other scripts keep their letters whole ("й" stays).
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let mut parts = std::iter::once(c).nfd();
        match parts.next() {
            Some(base) if base <= '\u{024F}' && base != c => {
                out.extend(base.to_lowercase());
                out.extend(parts.filter(|m| !is_combining_mark(*m)).flat_map(char::to_lowercase));
            }
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

fn words(chunk: &str) -> Vec<String> {
    fold(chunk)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().take(MAX_WORD).collect())
        .collect()
}

pub fn parse(query: &str) -> Terms {
    let mut groups = Vec::new();
    // Quoted parts are phrases; outside quotes each whitespace-separated chunk is one.
    for (i, part) in query.split('"').enumerate() {
        if i % 2 == 1 {
            let phrase = words(part);
            if !phrase.is_empty() {
                groups.push(phrase);
            }
        } else {
            for chunk in part.split_whitespace() {
                let phrase = words(chunk);
                if !phrase.is_empty() {
                    groups.push(phrase);
                }
            }
        }
    }
    groups.dedup();
    groups.truncate(MAX_GROUPS);
    Terms(groups)
}

impl Terms {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// An FTS5 query: every group must match, each as a phrase.
    pub fn fts5(&self) -> String {
        self.0
            .iter()
            .map(|g| format!("\"{}\"", g.join(" ")))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A PostgreSQL tsquery for the 'simple' configuration.
    pub fn tsquery(&self) -> String {
        self.0
            .iter()
            .map(|g| {
                let phrase = g.iter().map(|w| format!("'{w}'")).collect::<Vec<_>>().join(" <-> ");
                format!("({phrase})")
            })
            .collect::<Vec<_>>()
            .join(" & ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_becomes_terms_never_syntax() {
        assert_eq!(parse("Café  prices").0, vec![vec!["cafe"], vec!["prices"]]);
        assert_eq!(parse("ceasefire-talks").0, vec![vec!["ceasefire", "talks"]]);
        assert_eq!(
            parse("\"front line\" Kyiv").0,
            vec![vec!["front", "line"], vec!["kyiv"]]
        );
        assert_eq!(parse("a AND (b OR c*) NEAR/3 -d ^e").0.len(), 8);
        assert!(parse("\"\" *** ()").is_empty());
        assert_eq!(parse("Зеленський").0, vec![vec!["зеленський"]]);
        assert_eq!(fold("Łódź Ñandú"), "łodz nandu");
        assert_eq!(parse("well-being \"o'brien\"").fts5(), "\"well being\" \"o brien\"");
        assert_eq!(
            parse("front-line troops").tsquery(),
            "('front' <-> 'line') & ('troops')"
        );
        assert_eq!(parse(&"word ".repeat(100)).0.len(), 1, "repeats collapse");
    }
}
