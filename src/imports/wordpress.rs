//! WordPress: a WXR file (Tools → Export). The file is read twice, one
//! record at a time: first for the small records posts refer to (the site,
//! authors, categories, the media library), then for the posts themselves.
//! The first reading also proves the whole file well-formed, so a broken
//! export is reported before anything is written.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::Ordering;

use super::apply::Importer;
use super::html::{self, Breaks};
use super::progress::Bar;
use super::shortcodes::{self, Attachment};
use super::xml::{self, Node};
use tokio::sync::mpsc::Sender;

use super::{OldComment, Person, Picture, Post, Request, Summary, Term, original_stem, parse_date, path_of, stream};
use crate::articles::Status;

/// Records are the children of `<rss><channel>`.
const RECORD_DEPTH: usize = 3;

/// What posts refer to, gathered by the first reading.
#[derive(Default)]
struct Site {
    /// The blog's own address (`wp:base_blog_url`): on a hosting network or
    /// a multisite, `wp:base_site_url` is the network's, shared by every blog.
    blog_url: String,
    /// The channel's `<link>`, the blog's address in older exports.
    link: String,
    authors: HashMap<String, Person>,
    categories: HashMap<String, Term>,
    attachments: HashMap<String, Attachment>,
    /// Attachment id by the path of its file, and by [`upload_key`] for
    /// originals (so a resized copy of one leads to it).
    uploads: HashMap<String, String>,
    /// Post id → its attached pictures' ids, in upload order (a `[gallery]`
    /// without `ids` shows them).
    attached: HashMap<String, Vec<String>>,
}

impl Site {
    /// Which blog the export is: its own address, or the name given with
    /// `--source`; refused when neither is there, since ids alone would
    /// mix it up with another blog's.
    fn origin(&self, source: Option<&str>) -> anyhow::Result<String> {
        if let Some(name) = source.map(str::trim).filter(|s| !s.is_empty()) {
            return Ok(format!("wordpress:{name}"));
        }
        let url = [&self.blog_url, &self.link]
            .into_iter()
            .map(|u| u.trim().trim_end_matches('/'))
            .find(|u| !u.is_empty());
        match url {
            Some(url) => Ok(format!("wordpress:{url}")),
            None => anyhow::bail!(
                "this export does not say which blog it comes from (it has neither <wp:base_blog_url> nor \
                 <link>): name the blog with --source NAME, and give the same name each time you import it"
            ),
        }
    }

    /// The attachment a picture's address shows: its own file, or the
    /// original a resized copy was made from.
    fn attachment_of(&self, src: &str) -> Option<&String> {
        self.uploads
            .get(&path_key(src))
            .or_else(|| self.uploads.get(&upload_key(src)))
    }
}

pub async fn import(importer: &mut Importer<'_>, request: &Request<'_>) -> anyhow::Result<()> {
    let file: PathBuf = request.file.to_path_buf();
    let total = std::fs::metadata(&file)?.len();
    let counters = importer.counters.clone();

    let bar = Bar::start("Reading", total, counters.clone(), request.progress);
    let (path, bytes) = (file.clone(), counters.bytes.clone());
    let site = tokio::task::spawn_blocking(move || {
        let mut site = Site::default();
        xml::records(&path, RECORD_DEPTH, &bytes, |node| {
            gather(&mut site, node);
            true
        })
        .map(|()| site)
    })
    .await??;
    bar.finish().await;
    importer.set_origin(site.origin(request.source.as_deref())?);
    importer.set_base(if site.blog_url.is_empty() {
        &site.link
    } else {
        &site.blog_url
    });

    counters.bytes.store(0, Ordering::Relaxed);
    let bar = Bar::start("Importing", total, counters.clone(), request.progress);
    let bytes = counters.bytes.clone();
    let read = move |sender: Sender<Node>| {
        xml::records(&file, RECORD_DEPTH, &bytes, |node| {
            node.name != "item" || sender.blocking_send(node).is_ok()
        })
    };
    let outcome = stream(read, async |item: Node| {
        match post_of(&site, &item, &mut importer.summary) {
            Some(post) => importer.post(post).await,
            None => Ok(()),
        }
    })
    .await;
    bar.finish().await;
    outcome
}

fn gather(site: &mut Site, node: Node) {
    match node.name.as_str() {
        "wp:base_blog_url" => site.blog_url = node.text.trim().to_owned(),
        "link" => site.link = node.text.trim().to_owned(),
        "wp:author" => {
            let login = node.text_of("wp:author_login").to_owned();
            let name = match node.text_of("wp:author_display_name") {
                "" => format!(
                    "{} {}",
                    node.text_of("wp:author_first_name"),
                    node.text_of("wp:author_last_name")
                ),
                name => name.to_owned(),
            };
            let person = Person {
                key: login.clone(),
                name: name.trim().to_owned(),
                slug: login.clone(),
                ..Person::default()
            };
            site.authors.insert(login, person);
        }
        "wp:category" => {
            let term = Term {
                slug: node.text_of("wp:category_nicename").to_owned(),
                name: html::to_text(node.text_of("wp:cat_name"), Breaks::Html),
                description: html::to_text(node.text_of("wp:category_description"), Breaks::Html),
            };
            site.categories.insert(term.slug.clone(), term);
        }
        "item" if node.text_of("wp:post_type") == "attachment" => {
            let alt = meta(&node, "_wp_attachment_image_alt").unwrap_or("").to_owned();
            let attachment = Attachment {
                url: node.text_of("wp:attachment_url").to_owned(),
                alt,
                caption: html::to_text(node.text_of("excerpt:encoded"), Breaks::WordPress),
            };
            let id = node.text_of("wp:post_id").to_owned();
            site.uploads.insert(path_key(&attachment.url), id.clone());
            if !is_resized(&attachment.url) {
                site.uploads.insert(upload_key(&attachment.url), id.clone());
            }
            let parent = node.text_of("wp:post_parent");
            if !parent.is_empty() && parent != "0" {
                site.attached.entry(parent.to_owned()).or_default().push(id.clone());
            }
            site.attachments.insert(id, attachment);
        }
        _ => {}
    }
}

fn meta<'a>(item: &'a Node, key: &str) -> Option<&'a str> {
    item.children_named("wp:postmeta")
        .find(|m| m.text_of("wp:meta_key") == key)
        .map(|m| m.text_of("wp:meta_value"))
}

/// Post types that are WordPress's own machinery, left out without a word.
const MACHINERY: &[&str] = &[
    "attachment",
    "revision",
    "nav_menu_item",
    "customize_changeset",
    "custom_css",
    "oembed_cache",
    "user_request",
    "wp_block",
    "wp_global_styles",
    "wp_navigation",
    "wp_template",
    "wp_template_part",
    "wp_font_face",
    "wp_font_family",
];

/// The post an `<item>` is, or None (with the reason noted) when it is not imported.
fn post_of(site: &Site, item: &Node, summary: &mut Summary) -> Option<Post> {
    let key = item.text_of("wp:post_id").to_owned();
    let title = html::to_text(item.text_of("title"), Breaks::Html);
    let mut post = Post {
        key,
        title,
        ..Post::default()
    };
    let label = post.label();
    let kind = item.text_of("wp:post_type");
    if MACHINERY.contains(&kind) {
        return None;
    }
    let page = kind == "page";
    if !page && kind != "post" {
        summary.skip(label, format!("a custom post type ({kind})"));
        return None;
    }
    let protected = !item.text_of("wp:post_password").is_empty();
    post.status = match item.text_of("wp:status") {
        "publish" if protected => {
            post.remarks
                .push("password-protected on WordPress, so it came in as a draft".into());
            Some(Status::Draft)
        }
        "publish" => Some(Status::Published),
        "future" => Some(Status::Scheduled),
        "draft" => Some(Status::Draft),
        "pending" => Some(Status::Review),
        "private" => {
            post.remarks
                .push("private on WordPress, so it came in as a draft".into());
            Some(Status::Draft)
        }
        "trash" => {
            summary.skip(label, "in WordPress's bin");
            return None;
        }
        "auto-draft" | "inherit" => return None,
        other => {
            summary.skip(label, format!("an unknown status ({other})"));
            return None;
        }
    };
    if page {
        post.status = Some(Status::Draft);
        post.remarks.push(PAGE_REMARK.into());
    }
    post.slug = item.text_of("wp:post_name").to_owned();
    post.published_at =
        parse_date(item.text_of("wp:post_date_gmt")).or_else(|| parse_date(item.text_of("wp:post_date")));
    post.updated_at = parse_date(item.text_of("wp:post_modified_gmt"));
    post.featured = item.text_of("wp:is_sticky") == "1";
    post.comments_closed = item.text_of("wp:comment_status") == "closed";
    post.standfirst = html::to_text(item.text_of("excerpt:encoded"), Breaks::WordPress);

    let login = item.text_of("dc:creator");
    if !login.is_empty() {
        post.authors
            .push(site.authors.get(login).cloned().unwrap_or_else(|| Person {
                key: login.to_owned(),
                name: login.to_owned(),
                slug: login.to_owned(),
                ..Person::default()
            }));
    }
    for category in item.children_named("category") {
        let slug = category.attr("nicename").unwrap_or("").to_owned();
        let name = html::to_text(&category.text, Breaks::Html);
        let term = match category.attr("domain") {
            Some("category") => site.categories.get(&slug).cloned().unwrap_or(Term {
                slug,
                name,
                description: String::new(),
            }),
            Some("post_tag") => Term {
                slug,
                name,
                description: String::new(),
            },
            _ => continue,
        };
        if category.attr("domain") == Some("category") && post.section.is_none() {
            post.section = Some(term);
        } else {
            post.tags.push(term);
        }
    }

    let lookup = |id: &str| site.attachments.get(id).cloned();
    let attached: Vec<Attachment> = site
        .attached
        .get(&post.key)
        .into_iter()
        .flatten()
        .filter_map(|id| site.attachments.get(id).cloned())
        .collect();
    let mut dropped = Vec::new();
    let content = lone_addresses_as_embeds(item.text_of("content:encoded"));
    let expanded = shortcodes::expand(&content, &lookup, &attached, &mut dropped);
    let converted = html::to_markdown(&expanded, Breaks::WordPress);
    post.body = converted.markdown;
    if !converted.footnotes.is_empty() {
        let notes = footnotes(meta(item, "footnotes").unwrap_or(""));
        for (n, id) in converted.footnotes.iter().enumerate() {
            match notes.get(id) {
                Some(note) => post.body.push_str(&format!("\n\n[^{}]: {note}", n + 1)),
                None => dropped.push(format!("the note of footnote {} (not in the export)", n + 1)),
            }
        }
    }
    dropped.extend(converted.dropped);
    for what in dropped {
        post.remarks.push(format!("left out of the body: {what}"));
    }
    if let Some(featured) = meta(item, "_thumbnail_id").and_then(|id| site.attachments.get(id)) {
        let (caption, credit) = html::split_credit(&featured.caption);
        post.pictures.push(Picture {
            src: featured.url.clone(),
            alt: featured.alt.clone(),
            caption,
            credit,
            after: 0,
            original: None,
        });
    }
    for found in converted.pictures {
        // Two addresses are one picture when they are one file, or copies
        // of one original the export lists; names alone prove nothing.
        let attachment = site.attachment_of(&found.src);
        let same = |p: &Picture| {
            path_key(&p.src) == path_key(&found.src)
                || (attachment.is_some() && site.attachment_of(&p.src) == attachment)
        };
        if post.pictures.iter().any(same) {
            continue;
        }
        let known = attachment.and_then(|id| site.attachments.get(id));
        let (caption, credit) = html::split_credit(if found.caption.is_empty() {
            known.map(|a| a.caption.as_str()).unwrap_or("")
        } else {
            &found.caption
        });
        let alt = match (found.alt.is_empty(), known) {
            (true, Some(a)) => a.alt.clone(),
            _ => found.alt,
        };
        let original = known
            .map(|a| a.url.clone())
            .filter(|url| path_key(url) != path_key(&found.src));
        post.pictures.push(Picture {
            src: found.src,
            alt,
            caption,
            credit,
            after: found.after,
            original,
        });
    }
    if let Some(path) = path_of(item.text_of("link")) {
        post.old_paths.push(path);
    }
    // WordPress answers /?p=ID (its "plain" addresses, and every short link) too.
    post.old_paths.push(format!("/?p={}", post.key));
    for comment in item.children_named("wp:comment") {
        let key = comment.text_of("wp:comment_id").to_owned();
        let what = format!("comment {key} on {label}");
        match comment.text_of("wp:comment_type") {
            "" | "comment" => {}
            "pingback" | "trackback" => {
                summary.skip(what, "pingbacks and trackbacks are not comments here");
                continue;
            }
            other => {
                summary.skip(what, format!("a comment of type {other}"));
                continue;
            }
        }
        let approved = match comment.text_of("wp:comment_approved") {
            "1" | "approve" => true,
            "0" | "hold" => false,
            "spam" => {
                summary.skip(what, "marked as spam on WordPress");
                continue;
            }
            _ => {
                summary.skip(what, "in WordPress's bin");
                continue;
            }
        };
        let at = parse_date(comment.text_of("wp:comment_date_gmt"))
            .or_else(|| parse_date(comment.text_of("wp:comment_date")))
            .or(post.published_at)
            .unwrap_or_else(crate::domain::Timestamp::now);
        post.comments.push(OldComment {
            key,
            parent: Some(comment.text_of("wp:comment_parent"))
                .filter(|p| !p.is_empty() && *p != "0")
                .map(str::to_owned),
            name: html::to_text(comment.text_of("wp:comment_author"), Breaks::Html),
            text: html::to_text(comment.text_of("wp:comment_content"), Breaks::WordPress),
            at,
            approved,
        });
    }
    Some(post)
}

/// WordPress shows an address alone on a line of a post as an embed (its
/// oEmbed convention): such a line becomes an embed block here.
fn lone_addresses_as_embeds(content: &str) -> String {
    if !content.contains("http") {
        return content.to_owned();
    }
    let mut out = String::with_capacity(content.len());
    for line in content.split_inclusive('\n') {
        let address = line.trim();
        let lone = (address.starts_with("http://") || address.starts_with("https://"))
            && !address.contains(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '[' | ']'));
        if lone {
            out.push_str(&shortcodes::embed(address));
        } else {
            out.push_str(line);
        }
    }
    out
}

/// The notes of the block editor's footnotes (post meta `footnotes`, a JSON
/// list of `{id, content}`), by id, as one line of Markdown each.
fn footnotes(meta: &str) -> HashMap<String, String> {
    #[derive(serde::Deserialize)]
    struct Note {
        id: String,
        content: String,
    }
    let notes: Vec<Note> = serde_json::from_str(meta).unwrap_or_default();
    notes
        .into_iter()
        .map(|note| {
            let text = html::to_markdown(&note.content, Breaks::Html).markdown;
            (note.id, text.split_whitespace().collect::<Vec<_>>().join(" "))
        })
        .collect()
}

const PAGE_REMARK: &str =
    "a WordPress page: the site has no static pages yet, so it came in as a draft to publish or delete by hand";

/// The path of a file's address, whatever the host: "https://x.org/a.jpg" → "/a.jpg".
fn path_key(url: &str) -> String {
    path_of(url).unwrap_or_else(|| url.split(['?', '#']).next().unwrap_or("").to_owned())
}

/// Whether a file's name ends like a resized copy's ("-300x200").
fn is_resized(url: &str) -> bool {
    let name = url.rsplit('/').next().unwrap_or(url);
    let stem = name.rsplit_once('.').map(|(s, _)| s).unwrap_or(name);
    original_stem(stem) != stem
}

/// What names an upload whatever its size: "/wp-content/uploads/2023/05/a-1024x683.jpg"
/// and "https://x.org/wp-content/uploads/2023/05/a.jpg" give the same key.
fn upload_key(url: &str) -> String {
    let (dir, name) = url.rsplit_once('/').unwrap_or(("", url));
    let stem = name.rsplit_once('.').map(|(s, _)| s).unwrap_or(name);
    format!("{}/{}", path_of(dir).unwrap_or_default(), original_stem(stem))
}

#[cfg(test)]
mod tests {
    #[test]
    fn resized_copies_are_the_same_upload() {
        let key = super::upload_key;
        assert_eq!(
            key("https://x.org/wp-content/uploads/2023/05/a.jpg"),
            key("/wp-content/uploads/2023/05/a-1024x683.jpg")
        );
        assert_ne!(
            key("https://x.org/wp-content/uploads/2023/05/a.jpg"),
            key("https://x.org/wp-content/uploads/2023/06/a.jpg")
        );
    }
}
