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
    url: String,
    authors: HashMap<String, Person>,
    categories: HashMap<String, Term>,
    attachments: HashMap<String, Attachment>,
    /// [`upload_key`] → attachment id, to find the attachment a body's picture shows.
    uploads: HashMap<String, String>,
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
    importer.set_origin(format!("wordpress:{}", site.url.trim_end_matches('/')));

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
        "wp:base_site_url" => site.url = node.text.trim().to_owned(),
        "link" if site.url.is_empty() => site.url = node.text.trim().to_owned(),
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
            site.uploads.insert(upload_key(&attachment.url), id.clone());
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
    if kind == "page" {
        summary.skip(label, "a WordPress page, not a post (pages are not imported)");
        return None;
    }
    if kind != "post" {
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
    let mut dropped = Vec::new();
    let expanded = shortcodes::expand(item.text_of("content:encoded"), &lookup, &mut dropped);
    let converted = html::to_markdown(&expanded, Breaks::WordPress);
    post.body = converted.markdown;
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
        });
    }
    for found in converted.pictures {
        let key = upload_key(&found.src);
        if post.pictures.iter().any(|p| upload_key(&p.src) == key) {
            continue;
        }
        let known = site.uploads.get(&key).and_then(|id| site.attachments.get(id));
        let (caption, credit) = html::split_credit(if found.caption.is_empty() {
            known.map(|a| a.caption.as_str()).unwrap_or("")
        } else {
            &found.caption
        });
        let alt = match (found.alt.is_empty(), known) {
            (true, Some(a)) => a.alt.clone(),
            _ => found.alt,
        };
        post.pictures.push(Picture {
            src: found.src,
            alt,
            caption,
            credit,
            after: found.after,
        });
    }
    if let Some(path) = path_of(item.text_of("link")) {
        post.old_paths.push(path);
    }
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
