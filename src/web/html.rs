//! HTML that is safe to place in a page. The only ways to get a [`SafeHtml`]
//! are the sanitiser and escaping plain text, so a template can print one
//! without escaping it again.

use std::fmt;
use std::sync::LazyLock;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SafeHtml(String);

impl SafeHtml {
    /// Cleans untrusted HTML down to an allow-list of tags and attributes.
    pub fn sanitise(untrusted: &str) -> Self {
        Self(SANITISER.clean(untrusted).to_string())
    }

    /// Escapes plain text.
    pub fn escape(text: &str) -> Self {
        Self(escape(text))
    }

    /// HTML this code base assembled itself from escaped parts (comment text
    /// with its links). Only for builders that escape every piece of input.
    pub(crate) fn trusted(html: String) -> Self {
        Self(html)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl fmt::Display for SafeHtml {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Tells askama that this value is already HTML-safe.
impl askama::filters::HtmlSafe for SafeHtml {}

static SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .link_rel(Some("noopener noreferrer"))
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .add_generic_attributes(["id"])
        .id_prefix(Some("body-"));
    builder
});

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_and_handlers_are_removed() {
        let clean = SafeHtml::sanitise(
            r#"<p onclick="x()">Hi<script>alert(1)</script><a href="javascript:alert(1)">x</a></p>"#,
        );
        assert!(!clean.as_str().contains("script"));
        assert!(!clean.as_str().contains("onclick"));
        assert!(!clean.as_str().contains("javascript:"));
        assert!(clean.as_str().contains("Hi"));
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(SafeHtml::escape("<b>\"&'").as_str(), "&lt;b&gt;&quot;&amp;&#x27;");
    }
}

/// JSON to embed in a `<script type="application/ld+json">` block: every `<`
/// is escaped so the data can never close the script element.
#[derive(Clone, Debug, Default)]
pub struct ScriptJson(String);

impl ScriptJson {
    pub fn new(value: &serde_json::Value) -> Self {
        Self(value.to_string().replace('<', "\\u003c"))
    }
}

impl fmt::Display for ScriptJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl askama::filters::HtmlSafe for ScriptJson {}
