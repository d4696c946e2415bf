//! Article bodies: Markdown in, sanitised HTML out, split into top-level
//! blocks so figures and related links can stand between them. A paragraph
//! that is only the address of a video or post we know becomes an embed.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};

use super::embeds;

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
            if let Some(embed) = lone_address(&current)
                .filter(|a| a.starts_with("http"))
                .and_then(|a| embeds::recognise(&a))
            {
                current.clear();
                blocks.push(embeds::render(&embed));
                continue;
            }
            let mut out = String::new();
            html::push_html(&mut out, current.drain(..));
            // Ids in a body are prefixed when sanitised; links within it
            // (footnotes and their way back) follow.
            let out = out.replace("href=\"#", "href=\"#body-");
            let block = SafeHtml::sanitise(&out);
            if !block.is_empty() {
                blocks.push(block);
            }
        }
    }
    blocks
}

/// The address a paragraph consists of alone (written bare or as `<…>`), if
/// so: a paragraph of one word, maybe linked. Newsletters read story cards with it too.
pub fn lone_address(events: &[Event<'_>]) -> Option<String> {
    let [Event::Start(Tag::Paragraph), inner @ .., Event::End(TagEnd::Paragraph)] = events else {
        return None;
    };
    let mut text = String::new();
    for event in inner {
        match event {
            Event::Text(t) => text.push_str(t),
            Event::Start(Tag::Link { .. }) | Event::End(TagEnd::Link) => {}
            _ => return None,
        }
    }
    let text = text.trim();
    (!text.is_empty() && !text.contains(char::is_whitespace)).then(|| text.to_owned())
}

/// The body with `block` (Markdown) put in as its block number `at` (after
/// the first `at` top-level blocks, as figures are placed; at the end when
/// the body has fewer).
pub fn insert_block(markdown: &str, at: i64, block: &str) -> String {
    let mut depth = 0usize;
    let mut seen = 0i64;
    let mut start = None;
    for (event, range) in Parser::new_ext(markdown, options()).into_offset_iter() {
        if depth == 0 && !matches!(event, Event::End(_)) {
            if seen == at {
                start = Some(range.start);
                break;
            }
            seen += 1;
        }
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    match start {
        Some(offset) => format!("{}{block}\n\n{}", &markdown[..offset], &markdown[offset..]),
        None if markdown.trim().is_empty() => block.to_owned(),
        None => format!("{}\n\n{block}", markdown.trim_end()),
    }
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
    fn an_address_alone_is_an_embed_and_in_a_sentence_a_link() {
        let blocks = blocks(
            "Before.\n\nhttps://youtu.be/abc123\n\n<https://vimeo.com/76979871>\n\nSee <https://youtu.be/abc123> too.\n\nhttps://example.org/page",
        );
        assert!(
            blocks[1].as_str().starts_with("<figure class=\"embed"),
            "{}",
            blocks[1].as_str()
        );
        assert!(
            blocks[2].as_str().contains("player.vimeo.com"),
            "{}",
            blocks[2].as_str()
        );
        assert!(blocks[3].as_str().starts_with("<p>See <a"), "{}", blocks[3].as_str());
        assert!(!blocks[4].as_str().contains("embed"), "an unknown site stays text");
    }

    #[test]
    fn footnotes_link_to_their_notes_and_back() {
        let html: String = blocks("A claim.[^1]\n\n[^1]: The source, *in full*.")
            .iter()
            .map(|b| b.as_str().to_owned())
            .collect();
        assert!(html.contains("href=\"#body-1\""), "{html}");
        assert!(html.contains("id=\"body-1\""), "{html}");
        assert!(html.contains("The source, <em>in full</em>."), "{html}");
    }

    #[test]
    fn a_block_goes_in_where_a_figure_would_stand() {
        let md = "One.\n\n```\na\n\nb\n```\n\n- x\n- y\n\nLast.";
        assert_eq!(insert_block(md, 0, "*New*"), format!("*New*\n\n{md}"));
        let third = insert_block(md, 2, "*New*");
        assert_eq!(blocks(&third)[2].as_str(), "<p><em>New</em></p>\n");
        assert_eq!(blocks(&third).len(), 5);
        assert!(insert_block(md, 9, "*New*").ends_with("Last.\n\n*New*"));
        assert_eq!(insert_block("", 0, "*New*"), "*New*");
    }

    #[test]
    fn quotes_become_typographic() {
        assert_eq!(blocks("\"Yes,\" she said.")[0].as_str(), "<p>“Yes,” she said.</p>\n");
    }
}
