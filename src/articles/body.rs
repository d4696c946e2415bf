//! Article bodies: Markdown in, sanitised HTML out, split into top-level
//! blocks so figures and related links can stand between them.

use pulldown_cmark::{Event, Options, Parser, html};

use crate::web::SafeHtml;

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_FOOTNOTES
}

/// Each top-level block (paragraph, heading, quote, list…) as safe HTML.
pub fn blocks(markdown: &str) -> Vec<SafeHtml> {
    let mut blocks = Vec::new();
    let mut current: Vec<Event<'_>> = Vec::new();
    let mut depth = 0usize;
    for event in Parser::new_ext(markdown, options()) {
        match &event {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
        current.push(event);
        if depth == 0 {
            let mut out = String::new();
            html::push_html(&mut out, current.drain(..));
            let block = SafeHtml::sanitise(&out);
            if !block.is_empty() {
                blocks.push(block);
            }
        }
    }
    blocks
}

/// The body as plain text, for search snippets and feed summaries.
pub fn plain_text(markdown: &str) -> String {
    let mut out = String::new();
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Text(text) | Event::Code(text) => out.push_str(&text),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(_) if !out.ends_with(' ') => out.push(' '),
            _ => {}
        }
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_top_level_blocks() {
        let blocks = blocks("First *para*.\n\n## Heading\n\n> A quote\n> over lines\n\n- one\n- two\n");
        assert_eq!(blocks.len(), 4);
        assert_eq!(blocks[0].as_str(), "<p>First <em>para</em>.</p>\n");
        assert!(blocks[2].as_str().starts_with("<blockquote>"));
    }

    #[test]
    fn raw_html_and_script_links_do_not_survive() {
        let html: String = blocks("Hi <script>alert(1)</script> [x](javascript:alert(1))\n\n<iframe src=x></iframe>")
            .iter()
            .map(|b| b.as_str().to_owned())
            .collect();
        assert!(!html.contains("<script"));
        assert!(!html.contains("javascript:"));
        assert!(!html.contains("<iframe"));
    }

    #[test]
    fn quotes_become_typographic() {
        assert_eq!(blocks("\"Yes,\" she said.")[0].as_str(), "<p>“Yes,” she said.</p>\n");
    }
}
