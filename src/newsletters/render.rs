//! An edition as email: HTML laid out in tables with inline styles (what
//! mail programs render alike), light and dark, and a plain-text part with
//! the same words. Drawn once per edition with placeholders for the
//! personal links, which are filled in per recipient.

use askama::Template;
use pulldown_cmark::{Event, Options, Parser, html};

use crate::db::{Db, sql};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::SafeHtml;

use super::model::{Edition, Newsletter};

/// Stand-ins for the recipient's own links, replaced per message.
pub const LEAVE: &str = "%%leave-link%%";
pub const MANAGE: &str = "%%manage-link%%";

/// One edition, drawn, waiting for its recipient's links.
#[derive(Clone, Debug)]
pub struct Composed {
    pub subject: String,
    pub html: String,
    pub text: String,
}

impl Composed {
    /// Split once at the placeholders, so each recipient's copy is put
    /// together in one pass rather than searched through for every one.
    pub fn parts(&self) -> Parts {
        Parts {
            html: Piece::split(&self.html),
            text: Piece::split(&self.text),
        }
    }
}

/// An edition's parts, cut at the personal links.
pub struct Parts {
    html: Vec<Piece>,
    text: Vec<Piece>,
}

enum Piece {
    Words(String),
    Leave,
    Manage,
}

impl Piece {
    fn split(mut rest: &str) -> Vec<Piece> {
        let mut pieces = Vec::new();
        loop {
            let leave = rest.find(LEAVE).map(|at| (at, LEAVE.len(), true));
            let manage = rest.find(MANAGE).map(|at| (at, MANAGE.len(), false));
            let next = [leave, manage].into_iter().flatten().min_by_key(|(at, _, _)| *at);
            let Some((at, len, is_leave)) = next else {
                pieces.push(Piece::Words(rest.to_owned()));
                return pieces;
            };
            pieces.push(Piece::Words(rest[..at].to_owned()));
            pieces.push(if is_leave { Piece::Leave } else { Piece::Manage });
            rest = &rest[at + len..];
        }
    }
}

impl Parts {
    /// The HTML and text for one recipient.
    pub fn personal(&self, leave: &str, manage: &str) -> (String, String) {
        let fill = |pieces: &[Piece]| {
            let mut out = String::with_capacity(
                pieces
                    .iter()
                    .map(|p| match p {
                        Piece::Words(w) => w.len(),
                        Piece::Leave => leave.len(),
                        Piece::Manage => manage.len(),
                    })
                    .sum(),
            );
            for piece in pieces {
                out.push_str(match piece {
                    Piece::Words(w) => w,
                    Piece::Leave => leave,
                    Piece::Manage => manage,
                });
            }
            out
        };
        (fill(&self.html), fill(&self.text))
    }
}

/// A story picked for the edition: an article of the site, shown as a card.
struct Story {
    url: String,
    headline: String,
    standfirst: String,
    picture: Option<String>,
    alt: String,
}

enum Block {
    Html(SafeHtml),
    Story(Story),
}

#[derive(Template)]
#[template(path = "newsletters/email.html")]
struct EmailHtml<'a> {
    site: &'a str,
    site_url: &'a str,
    newsletter: &'a Newsletter,
    edition: &'a Edition,
    blocks: &'a [Block],
    appeal: Option<String>,
    archive_url: String,
    leave: &'a str,
    manage: &'a str,
}

#[derive(Template)]
#[template(path = "newsletters/email.txt", escape = "none")]
struct EmailText<'a> {
    site: &'a str,
    newsletter: &'a Newsletter,
    edition: &'a Edition,
    body: String,
    appeal: Option<String>,
    site_url: &'a str,
    archive_url: String,
    leave: &'a str,
    manage: &'a str,
}

/// Draws an edition for sending (`personal` placeholders in) or for the
/// public archive (links to the newsletter's page instead).
pub async fn compose(
    state: &AppState,
    newsletter: &Newsletter,
    edition: &Edition,
    personal: bool,
) -> AppResult<Composed> {
    let base = state.site.base_url.as_str();
    let blocks = blocks(&state.db, base, &edition.body).await?;
    let appeal = if edition.with_appeal {
        Some(crate::donations::appeal::text(&state.db, &state.site.name()).await?)
    } else {
        None
    };
    let archive_url = state.site.url(&edition.archive_path(newsletter));
    let (leave, manage) = if personal {
        (LEAVE.to_owned(), MANAGE.to_owned())
    } else {
        (state.site.url(&newsletter.path()), state.site.url("/newsletters"))
    };
    let html = EmailHtml {
        site: &state.site.name(),
        site_url: base,
        newsletter,
        edition,
        blocks: &blocks,
        appeal: appeal.clone(),
        archive_url: archive_url.clone(),
        leave: &leave,
        manage: &manage,
    }
    .render()?;
    let text = EmailText {
        site: &state.site.name(),
        newsletter,
        edition,
        body: plain(&blocks, &edition.body),
        appeal,
        site_url: base,
        archive_url,
        leave: &leave,
        manage: &manage,
    }
    .render()?;
    let mut html = crlf(&fold_long_lines(&ascii_html(&html)));
    if personal && newsletter.count_clicks {
        let links = super::clicks::links_of(&state.db, edition.id).await?;
        html = super::clicks::through_redirect(&html, &links, base, edition.number);
    }
    Ok(Composed {
        subject: edition.subject.clone(),
        html,
        text: crlf(&fold_long_lines(&plain_punctuation(&text))),
    })
}

/// Mail's line ends, written once here rather than for every recipient.
fn crlf(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\n', "\r\n")
}

/// Lines stay under this many bytes, with room for the personal links put
/// in later: mail allows 998, and a part with only short ASCII lines goes
/// as it is (7bit), not re-encoded for every recipient.
const LINE: usize = 800;

/// Breaks lines longer than `LINE` at a space. In HTML a line break is
/// a space, so the page reads the same; in plain text a long paragraph wraps.
fn fold_long_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / LINE);
    for line in text.split_inclusive('\n') {
        let mut rest = line;
        while rest.len() > LINE {
            let cut = rest[..LINE].rfind(' ').filter(|&i| i > 0);
            let Some(cut) = cut else { break };
            out.push_str(&rest[..cut]);
            out.push('\n');
            rest = &rest[cut + 1..];
        }
        out.push_str(rest);
    }
    out
}

/// Typographic punctuation as its plain-text form, so a plain-text part
/// in English is ASCII and goes unencoded (letters beyond ASCII stay).
fn plain_punctuation(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\u{2018}' | '\u{2019}' => out.push('\''),
            '\u{201C}' | '\u{201D}' => out.push('"'),
            '\u{2013}' => out.push('-'),
            '\u{2014}' => out.push_str("--"),
            '\u{2026}' => out.push_str("..."),
            '\u{00A0}' => out.push(' '),
            other => out.push(other),
        }
    }
    out
}

/// Every character beyond ASCII as a numeric reference (curly quotes,
/// accents): the HTML part is then plain ASCII and needs no encoding.
fn ascii_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + html.len() / 16);
    for c in html.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            out.push_str(&format!("&#{};", c as u32));
        }
    }
    out
}

/// Mail programs ignore style sheets unevenly; every element carries its own.
const STYLES: &[(&str, &str)] = &[
    ("<p>", "<p style=\"margin:0 0 16px;font-size:17px;line-height:1.55\">"),
    (
        "<h1>",
        "<h1 style=\"margin:24px 0 12px;font-size:26px;line-height:1.2\">",
    ),
    (
        "<h2>",
        "<h2 style=\"margin:24px 0 12px;font-size:22px;line-height:1.25\">",
    ),
    (
        "<h3>",
        "<h3 style=\"margin:20px 0 10px;font-size:19px;line-height:1.3\">",
    ),
    (
        "<ul>",
        "<ul style=\"margin:0 0 16px;padding-left:22px;font-size:17px;line-height:1.55\">",
    ),
    (
        "<ol>",
        "<ol style=\"margin:0 0 16px;padding-left:22px;font-size:17px;line-height:1.55\">",
    ),
    (
        "<blockquote>",
        "<blockquote style=\"margin:0 0 16px;padding:0 0 0 14px;border-left:3px solid #b3122e\">",
    ),
    ("<a ", "<a style=\"color:#b3122e\" "),
    (
        "<img ",
        "<img width=\"560\" style=\"display:block;width:100%;max-width:560px;height:auto\" ",
    ),
];

/// The edition's Markdown as top-level blocks: sanitised HTML with inline
/// styles and absolute links, and a card for each line that is only the
/// address of one of the site's published articles.
async fn blocks(db: &Db, base: &str, markdown: &str) -> AppResult<Vec<Block>> {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_SMART_PUNCTUATION;
    let mut out = Vec::new();
    let mut current: Vec<Event<'_>> = Vec::new();
    let mut depth = 0usize;
    for event in Parser::new_ext(markdown, options) {
        match &event {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
        // Raw HTML is shown as the text it is, never passed on.
        let event = match event {
            Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
            other => other,
        };
        current.push(event);
        if depth > 0 {
            continue;
        }
        if let Some(address) = crate::articles::body::lone_address(&current)
            && let Some(story) = story(db, base, &address).await?
        {
            current.clear();
            out.push(Block::Story(story));
            continue;
        }
        let mut raw = String::new();
        html::push_html(&mut raw, current.drain(..));
        let clean = SafeHtml::sanitise(&raw);
        if clean.is_empty() {
            continue;
        }
        let mut styled = clean
            .as_str()
            .replace("href=\"/", &format!("href=\"{base}/"))
            .replace("src=\"/", &format!("src=\"{base}/"));
        for (tag, with_style) in STYLES {
            styled = styled.replace(tag, with_style);
        }
        out.push(Block::Html(SafeHtml::trusted(styled)));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_at_spaces_and_html_becomes_ascii() {
        let long = format!("<p>{}</p>", "word ".repeat(400));
        let folded = fold_long_lines(&long);
        assert!(folded.lines().all(|l| l.len() <= LINE), "every line short");
        assert_eq!(folded.replace('\n', " "), long, "only spaces became line breaks");
        assert_eq!(
            ascii_html("<p>It’s “here” — café</p>"),
            "<p>It&#8217;s &#8220;here&#8221; &#8212; caf&#233;</p>"
        );
    }
}

#[derive(sqlx::FromRow)]
struct StoryRow {
    headline: String,
    standfirst: String,
    image_id: Option<crate::domain::ImageId>,
    widths: Option<String>,
    alt: Option<String>,
}

/// The published article at `address` (on this site, absolute or not).
async fn story(db: &Db, base: &str, address: &str) -> AppResult<Option<Story>> {
    let path = address.strip_prefix(base).unwrap_or(address);
    let Some((section, slug)) = path
        .strip_prefix('/')
        .and_then(|p| p.trim_end_matches('/').split_once('/'))
    else {
        return Ok(None);
    };
    let row: Option<StoryRow> = sql("SELECT a.headline, a.standfirst, i.id AS image_id, i.widths, i.alt
         FROM articles a JOIN sections s ON s.id = a.section_id
         LEFT JOIN article_images ai ON ai.article_id = a.id AND ai.ordinal = 0
         LEFT JOIN images i ON i.id = ai.image_id
         WHERE s.slug = $1 AND a.slug = $2 AND a.status = 'published'")
    .bind(section)
    .bind(slug)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|row| {
        let picture = row.image_id.zip(row.widths).map(|(id, widths)| {
            let width = widths
                .split(',')
                .filter_map(|w| w.trim().parse::<i64>().ok())
                .min_by_key(|w| (w - 640).abs())
                .unwrap_or(640);
            format!("{base}{}", crate::media::variant_path(id, width))
        });
        Story {
            url: format!("{base}/{section}/{slug}"),
            headline: row.headline,
            standfirst: row.standfirst,
            picture,
            alt: row.alt.unwrap_or_default(),
        }
    }))
}

/// The plain-text part: the Markdown as written, each story card as its
/// headline, standfirst and address.
fn plain(blocks: &[Block], markdown: &str) -> String {
    let mut stories = blocks.iter().filter_map(|b| match b {
        Block::Story(s) => Some(s),
        Block::Html(_) => None,
    });
    let mut out = String::new();
    for paragraph in markdown.split("\n\n") {
        let line = paragraph.trim();
        let is_story = !line.is_empty()
            && !line.contains(char::is_whitespace)
            && stories.clone().next().is_some_and(|s| {
                let bare = line.trim_start_matches('<').trim_end_matches('>');
                s.url.ends_with(bare.trim_end_matches('/')) || bare.ends_with(s.url.as_str())
            });
        if is_story && let Some(s) = stories.next() {
            out.push_str(&format!("{}\n{}\n{}\n\n", s.headline, s.standfirst, s.url));
        } else if !line.is_empty() {
            out.push_str(line);
            out.push_str("\n\n");
        }
    }
    out.trim_end().to_owned()
}
