//! WordPress shortcodes in post bodies, turned into the HTML they stood for:
//! `[caption]` a figure with its caption, `[gallery]` its pictures, `[embed]`,
//! `[video]`, `[audio]` and `[youtube]` links. Another shortcode that encloses
//! text keeps the text; one that does not stays as written, as WordPress
//! shows a shortcode it does not know ("[sic]" is not one).

use crate::web::html::escape;

/// A picture in the media library of the export.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Attachment {
    pub url: String,
    pub alt: String,
    pub caption: String,
}

/// Expands the shortcodes of one post's body. `attached` are the pictures
/// uploaded to the post, which a `[gallery]` naming none shows.
pub fn expand(
    content: &str,
    attachment: &dyn Fn(&str) -> Option<Attachment>,
    attached: &[Attachment],
    dropped: &mut Vec<String>,
) -> String {
    let mut out = String::with_capacity(content.len());
    let mut rest = content;
    while let Some(at) = rest.find('[') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        match parse_open(tail) {
            Some(open) => {
                let after = &tail[open.length..];
                let closing = format!("[/{}]", open.name);
                let (inner, consumed) = match after.find(&closing) {
                    Some(end) if !open.self_closed => (Some(&after[..end]), open.length + end + closing.len()),
                    _ => (None, open.length),
                };
                match render(&open, inner, attachment, attached, dropped) {
                    Some(html) => {
                        out.push_str(&html);
                        rest = &tail[consumed..];
                    }
                    None => {
                        out.push('[');
                        rest = &tail[1..];
                    }
                }
            }
            None => {
                out.push('[');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

struct Open<'a> {
    name: &'a str,
    attrs: Vec<(String, String)>,
    length: usize,
    self_closed: bool,
}

impl Open<'_> {
    fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

/// `[name key="value" bare]` at the start of `text`.
fn parse_open(text: &str) -> Option<Open<'_>> {
    let body = text.strip_prefix('[')?;
    let name_len = body
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(body.len());
    let name = &body[..name_len];
    if !name.chars().next()?.is_ascii_alphabetic() {
        return None;
    }
    let mut attrs = Vec::new();
    let mut chars = body[name_len..].char_indices().peekable();
    let mut end = None;
    let mut self_closed = false;
    // Jetpack writes [youtube=https://…]: the value follows the name directly.
    if let Some((_, '=')) = chars.peek() {
        chars.next();
        let mut value = String::new();
        for (i, c) in chars.by_ref() {
            if c == ']' {
                end = Some(name_len + i);
                break;
            }
            value.push(c);
        }
        attrs.push((String::new(), value.trim().to_owned()));
    }
    while end.is_none() {
        let (i, c) = chars.next()?;
        match c {
            ']' => end = Some(name_len + i),
            '/' if chars.peek().is_some_and(|(_, n)| *n == ']') => self_closed = true,
            c if c.is_whitespace() => {}
            '\n' | '[' => return None,
            _ => {
                let mut key = String::from(c);
                let mut value = None;
                while let Some((_, n)) = chars.peek() {
                    if n.is_whitespace() || *n == ']' || *n == '=' {
                        break;
                    }
                    key.push(*n);
                    chars.next();
                }
                if let Some((_, '=')) = chars.peek() {
                    chars.next();
                    let quote = match chars.peek() {
                        Some((_, q @ ('"' | '\''))) => {
                            let q = *q;
                            chars.next();
                            Some(q)
                        }
                        _ => None,
                    };
                    let mut v = String::new();
                    while let Some((_, n)) = chars.peek() {
                        match quote {
                            Some(q) if *n == q => {
                                chars.next();
                                break;
                            }
                            None if n.is_whitespace() || *n == ']' => break,
                            _ => {
                                v.push(*n);
                                chars.next();
                            }
                        }
                    }
                    value = Some(v);
                }
                match value {
                    Some(v) => attrs.push((key.to_lowercase(), v)),
                    None => attrs.push((String::new(), key)),
                }
            }
        }
    }
    let length = 1 + end? + 1;
    Some(Open {
        name,
        attrs,
        length,
        self_closed,
    })
}

fn figure(url: &str, alt: &str, caption: &str) -> String {
    let caption = if caption.trim().is_empty() {
        String::new()
    } else {
        format!("<figcaption>{}</figcaption>", caption.trim())
    };
    format!(
        "\n\n<figure><img src=\"{}\" alt=\"{}\">{caption}</figure>\n\n",
        escape(url),
        escape(alt)
    )
}

/// An address to show as an embed: the form WordPress's block editor
/// writes, which the HTML reader turns into an address alone in a paragraph.
pub fn embed(url: &str) -> String {
    format!(
        "\n\n<figure class=\"wp-block-embed\"><div class=\"wp-block-embed__wrapper\">{}</div></figure>\n\n",
        escape(url.trim())
    )
}

fn link(url: &str, text: &str) -> String {
    format!("\n\n<p><a href=\"{}\">{}</a></p>\n\n", escape(url), escape(text))
}

fn render(
    open: &Open<'_>,
    inner: Option<&str>,
    attachment: &dyn Fn(&str) -> Option<Attachment>,
    attached: &[Attachment],
    dropped: &mut Vec<String>,
) -> Option<String> {
    match open.name {
        "caption" | "wp_caption" => {
            let inner = inner.unwrap_or("");
            let Some(start) = inner.find("<img") else {
                dropped.push("a [caption] without a picture".into());
                return Some(inner.to_owned());
            };
            let end = start + inner[start..].find('>')? + 1;
            let image = &inner[start..end];
            // The picture is often wrapped in a link to its full size.
            let before = match inner[..start].rfind("<a ") {
                Some(a) => &inner[..a],
                None => &inner[..start],
            };
            let after = inner[end..].trim_start();
            let after = after.strip_prefix("</a>").unwrap_or(after);
            let caption = match open.attr("caption") {
                Some(c) => c.to_owned(),
                None => format!("{before} {after}"),
            };
            Some(format!(
                "\n\n<figure>{image}<figcaption>{}</figcaption></figure>\n\n",
                caption.trim()
            ))
        }
        "gallery" => {
            let Some(ids) = open.attr("ids").or_else(|| open.attr("include")) else {
                // WordPress shows the pictures uploaded to the post.
                if attached.is_empty() {
                    dropped.push("a [gallery] on a post with no pictures of its own".into());
                }
                return Some(attached.iter().map(|a| figure(&a.url, &a.alt, &a.caption)).collect());
            };
            let mut html = String::new();
            for id in ids.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                match attachment(id) {
                    Some(a) => html.push_str(&figure(&a.url, &a.alt, &a.caption)),
                    None => dropped.push(format!("gallery picture {id} (not in the export)")),
                }
            }
            Some(html)
        }
        "embed" => {
            let url = inner.map(str::trim).filter(|u| !u.is_empty()).or(open.attr("src"))?;
            Some(embed(url))
        }
        "video" | "audio" | "youtube" | "vimeo" | "playlist" => {
            let url = [
                "src", "mp4", "m4v", "webm", "ogv", "mp3", "m4a", "ogg", "wav", "url", "",
            ]
            .iter()
            .find_map(|k| open.attr(k))
            .or(inner.map(str::trim).filter(|u| u.starts_with("http")));
            match url {
                Some(url) if matches!(open.name, "youtube" | "vimeo") => Some(embed(url)),
                Some(url) => Some(link(url, if open.name == "audio" { "Listen" } else { "Watch" })),
                None => {
                    dropped.push(format!("a [{}] without an address", open.name));
                    Some(String::new())
                }
            }
        }
        _ => {
            let inner = inner?;
            dropped.push(format!("[{}] shortcode (its text kept)", open.name));
            Some(inner.to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> (String, Vec<String>) {
        let lookup = |id: &str| {
            (id == "7").then(|| Attachment {
                url: "https://x.org/wp-content/uploads/g.jpg".into(),
                alt: "G".into(),
                caption: "Gallery one".into(),
            })
        };
        let mut dropped = Vec::new();
        let attached = [Attachment {
            url: "https://x.org/wp-content/uploads/own.jpg".into(),
            alt: "Own".into(),
            caption: String::new(),
        }];
        let out = expand(text, &lookup, &attached, &mut dropped);
        (out, dropped)
    }

    #[test]
    fn captions_become_figures() {
        let (out, _) = run(
            r#"Before [caption id="attachment_5" align="alignnone" width="300"]<a href="/full.jpg"><img src="/a-300x200.jpg" alt="A" /></a> Rescuers at work. Photo: J Roe[/caption] after"#,
        );
        assert_eq!(
            out,
            "Before \n\n<figure><img src=\"/a-300x200.jpg\" alt=\"A\" /><figcaption>Rescuers at work. Photo: J Roe</figcaption></figure>\n\n after"
        );
    }

    #[test]
    fn galleries_embeds_and_unknown_shortcodes() {
        let (out, dropped) = run(
            "[gallery ids=\"7,8\"][embed]https://v.example/1[/embed][sic] [note]kept[/note] [youtube=https://y.example/2]",
        );
        assert!(out.contains("<img src=\"https://x.org/wp-content/uploads/g.jpg\" alt=\"G\"><figcaption>Gallery one"));
        assert!(out.contains("wp-block-embed__wrapper\">https://v.example/1<"));
        assert!(out.contains("[sic] kept"));
        assert!(out.contains("wp-block-embed__wrapper\">https://y.example/2<"));
        assert_eq!(dropped.len(), 2, "{dropped:?}");
    }

    #[test]
    fn a_gallery_naming_no_pictures_shows_the_posts_own() {
        let (out, dropped) = run("[gallery columns=\"3\"]");
        assert!(
            out.contains("<img src=\"https://x.org/wp-content/uploads/own.jpg\" alt=\"Own\">"),
            "{out}"
        );
        assert!(dropped.is_empty());
    }
}
