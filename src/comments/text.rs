//! Comment text: plain text only. Everything is escaped, line breaks are kept
//! and web addresses become links that open safely.

use crate::web::SafeHtml;
use crate::web::html::escape;

/// Draws a comment's text as safe HTML.
pub fn render(text: &str) -> SafeHtml {
    let mut html = String::with_capacity(text.len() + 32);
    for (n, paragraph) in text.trim().split("\n\n").filter(|p| !p.trim().is_empty()).enumerate() {
        if n > 0 {
            html.push('\n');
        }
        html.push_str("<p>");
        for (i, line) in paragraph.trim().lines().enumerate() {
            if i > 0 {
                html.push_str("<br>");
            }
            link_line(line, &mut html);
        }
        html.push_str("</p>");
    }
    SafeHtml::trusted(html)
}

/// Escapes a line, turning http(s) addresses into links.
fn link_line(line: &str, out: &mut String) {
    let mut rest = line;
    while let Some(start) = find_url(rest) {
        out.push_str(&escape(&rest[..start]));
        let candidate = &rest[start..];
        let end = candidate.find(char::is_whitespace).unwrap_or(candidate.len());
        // Leave trailing punctuation out of the link: "see https://x.org." ends at "org".
        let url = candidate[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '\'', '"']);
        let url = if url.len() <= "https://".len() {
            &candidate[..end]
        } else {
            url
        };
        let escaped = escape(url);
        out.push_str(&format!(
            "<a href=\"{escaped}\" rel=\"nofollow ugc noopener noreferrer\">{escaped}</a>"
        ));
        rest = &candidate[url.len()..];
    }
    out.push_str(&escape(rest));
}

fn find_url(text: &str) -> Option<usize> {
    let http = text.find("http://");
    let https = text.find("https://");
    match (http, https) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// How many web addresses the text holds (for the too-many-links filter).
pub fn link_count(text: &str) -> usize {
    text.matches("http://").count() + text.matches("https://").count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_addresses_become_links() {
        let html = render("Look <b>here</b>: https://example.org/a?b=1&c=2.\nNext line");
        assert_eq!(
            html.as_str(),
            "<p>Look &lt;b&gt;here&lt;/b&gt;: <a href=\"https://example.org/a?b=1&amp;c=2\" rel=\"nofollow ugc noopener noreferrer\">https://example.org/a?b=1&amp;c=2</a>.<br>Next line</p>"
        );
    }

    #[test]
    fn script_addresses_and_quotes_cannot_break_out() {
        let html = render("javascript:alert(1) https://x.org/\"onmouseover=alert(1) <script>alert(1)</script>");
        assert!(!html.as_str().contains("<script"));
        assert!(!html.as_str().contains("\"onmouseover"));
        assert!(!html.as_str().contains("href=\"javascript"));
    }

    #[test]
    fn paragraphs_are_kept() {
        assert_eq!(render("One\n\nTwo").as_str(), "<p>One</p>\n<p>Two</p>");
    }
}
