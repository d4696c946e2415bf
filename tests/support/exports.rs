//! Small exports written on the spot, each carrying the quirk its test is
//! about, and the import run as the command line runs it.

use std::path::{Path, PathBuf};

use broadsheet::imports::{self, Platform, Request, Summary};

use super::TestApp;

/// One `<item>` of a WordPress export.
#[derive(Clone)]
pub struct Item {
    pub id: u32,
    pub title: String,
    pub slug: String,
    /// `content:encoded`, as WordPress stores it.
    pub content: String,
    pub kind: &'static str,
    pub status: &'static str,
    /// (id, parent id or 0, name, text, approved "1"/"0").
    pub comments: Vec<(u32, u32, &'static str, String, &'static str)>,
    pub meta: Vec<(&'static str, String)>,
    /// For an attachment: the post it was uploaded to, and its file's address.
    pub parent: u32,
    pub file: String,
}

impl Item {
    pub fn post(id: u32, title: &str, content: &str) -> Self {
        let slug = title.to_lowercase().replace(|c: char| !c.is_ascii_alphanumeric(), "-");
        Self {
            id,
            title: title.to_owned(),
            slug,
            content: content.to_owned(),
            kind: "post",
            status: "publish",
            comments: Vec::new(),
            meta: Vec::new(),
            parent: 0,
            file: String::new(),
        }
    }

    pub fn attachment(id: u32, parent: u32, file: &str) -> Self {
        Self {
            kind: "attachment",
            status: "inherit",
            parent,
            file: file.to_owned(),
            ..Self::post(id, &format!("picture {id}"), "")
        }
    }
}

/// A WXR file: the blog's own address (None: an export that does not say)
/// on a network whose address every blog shares.
pub fn wxr(blog: Option<&str>, network: &str, items: &[Item]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" \
         xmlns:excerpt=\"http://wordpress.org/export/1.2/excerpt/\" \
         xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:wp=\"http://wordpress.org/export/1.2/\">\n<channel>\n",
    );
    if let Some(blog) = blog {
        out.push_str(&format!(
            "<link>{blog}</link>\n<wp:base_blog_url>{blog}</wp:base_blog_url>\n"
        ));
    }
    out.push_str(&format!(
        "<wp:wxr_version>1.2</wp:wxr_version>\n<wp:base_site_url>{network}</wp:base_site_url>\n"
    ));
    let base = blog.unwrap_or(network).trim_end_matches('/');
    for item in items {
        out.push_str(&format!(
            "<item><title>{}</title><link>{base}/2024/05/01/{}/</link><dc:creator><![CDATA[desk]]></dc:creator>\
             <content:encoded><![CDATA[{}]]></content:encoded><excerpt:encoded><![CDATA[]]></excerpt:encoded>\
             <wp:post_id>{}</wp:post_id><wp:post_date_gmt>2024-05-01 09:00:00</wp:post_date_gmt>\
             <wp:post_name>{}</wp:post_name><wp:status>{}</wp:status><wp:post_parent>{}</wp:post_parent>\
             <wp:post_type>{}</wp:post_type>",
            xml_escape(&item.title),
            item.slug,
            item.content,
            item.id,
            item.slug,
            item.status,
            item.parent,
            item.kind
        ));
        if !item.file.is_empty() {
            out.push_str(&format!("<wp:attachment_url>{}</wp:attachment_url>", item.file));
        }
        for (key, value) in &item.meta {
            out.push_str(&format!(
                "<wp:postmeta><wp:meta_key>{key}</wp:meta_key><wp:meta_value><![CDATA[{value}]]></wp:meta_value></wp:postmeta>"
            ));
        }
        for (id, parent, name, text, approved) in &item.comments {
            out.push_str(&format!(
                "<wp:comment><wp:comment_id>{id}</wp:comment_id><wp:comment_author><![CDATA[{name}]]></wp:comment_author>\
                 <wp:comment_date_gmt>2024-05-01 10:00:00</wp:comment_date_gmt>\
                 <wp:comment_content><![CDATA[{text}]]></wp:comment_content><wp:comment_approved>{approved}</wp:comment_approved>\
                 <wp:comment_type>comment</wp:comment_type><wp:comment_parent>{parent}</wp:comment_parent></wp:comment>"
            ));
        }
        out.push_str("</item>\n");
    }
    out.push_str("</channel>\n</rss>\n");
    out
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Writes `text` into the test's folder and returns its path.
pub fn file(app: &TestApp, name: &str, text: &str) -> PathBuf {
    let path = app.dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs an import as `broadsheet import` does, with pictures not fetched
/// unless `change` says so.
pub async fn import_with(
    app: &TestApp,
    platform: Platform,
    file: &Path,
    change: impl FnOnce(&mut Request<'_>),
) -> anyhow::Result<Summary> {
    let mut request = Request {
        platform,
        file,
        media: None,
        source: None,
        download: false,
        allow_private: false,
        progress: false,
    };
    change(&mut request);
    imports::run(&app.state, request).await
}
