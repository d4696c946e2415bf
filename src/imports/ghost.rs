//! Ghost: the JSON file from Settings → Advanced → Import/Export. The file
//! is one JSON document, read twice as a stream: first every table except
//! posts (tags, users and the tables that join them to posts), then the
//! posts one at a time, so a large export never sits in memory whole.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::de::{DeserializeSeed, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::apply::Importer;
use super::html::{self, Breaks};
use super::progress::Bar;
use super::{Person, Picture, Post, Request, Summary, Term, parse_date, stream};
use crate::articles::Status;

/// What posts refer to, gathered by the first reading.
#[derive(Default)]
struct Site {
    tags: HashMap<String, (Term, bool)>,
    users: HashMap<String, Person>,
    post_tags: HashMap<String, Vec<(i64, String)>>,
    post_authors: HashMap<String, Vec<(i64, String)>>,
    /// Post id → (feature image alt, caption), kept apart since Ghost 4.
    post_meta: HashMap<String, (String, String)>,
}

pub async fn import(importer: &mut Importer<'_>, request: &Request<'_>) -> anyhow::Result<()> {
    let file = request.file.to_path_buf();
    let total = std::fs::metadata(&file)?.len();
    let counters = importer.counters.clone();
    // Ghost's ids are unique across sites (MongoDB-style object ids), so
    // they tell one Ghost site's records from another's by themselves.
    importer.set_origin(
        match request.source.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(name) => format!("ghost:{name}"),
            None => "ghost".into(),
        },
    );
    // The export gives no address for the site; a --source that is one
    // lets pictures given as "__GHOST_URL__/content/images/…" be fetched.
    if let Some(source) = &request.source {
        importer.set_base(source);
    }

    let bar = Bar::start("Reading", total, counters.clone(), request.progress);
    let (path, bytes) = (file.clone(), counters.bytes.clone());
    let site = tokio::task::spawn_blocking(move || {
        let mut site = Site::default();
        let tables = walk(&path, &bytes, &|table| table != "posts", &mut |table, row| {
            gather(&mut site, table, row);
            true
        })?;
        if !tables.iter().any(|t| t == "posts") {
            anyhow::bail!(
                "{} is JSON but not a Ghost export: it has no posts table (Ghost: Settings → Advanced → \
                 Import/Export → Export)",
                path.display()
            );
        }
        Ok(site)
    })
    .await??;
    bar.finish().await;

    counters.bytes.store(0, Ordering::Relaxed);
    let bar = Bar::start("Importing", total, counters.clone(), request.progress);
    let bytes = counters.bytes.clone();
    let read = move |sender: tokio::sync::mpsc::Sender<Value>| {
        walk(&file, &bytes, &|table| table == "posts", &mut |_, row| {
            sender.blocking_send(row).is_ok()
        })
        .map(drop)
    };
    let outcome = stream(read, async |row: Value| {
        match post_of(&site, &row, &mut importer.summary) {
            Some(post) => importer.post(post).await,
            None => Ok(()),
        }
    })
    .await;
    bar.finish().await;
    outcome
}

fn text<'a>(row: &'a Value, key: &str) -> &'a str {
    row.get(key).and_then(Value::as_str).unwrap_or("")
}

fn order(row: &Value) -> i64 {
    row.get("sort_order").and_then(Value::as_i64).unwrap_or(0)
}

fn gather(site: &mut Site, table: &str, row: Value) {
    match table {
        "tags" => {
            let name = text(&row, "name").to_owned();
            let public = text(&row, "visibility") != "internal" && !name.starts_with('#');
            let term = Term {
                slug: text(&row, "slug").to_owned(),
                name,
                description: text(&row, "description").to_owned(),
            };
            site.tags.insert(text(&row, "id").to_owned(), (term, public));
        }
        "users" => {
            let person = Person {
                key: text(&row, "id").to_owned(),
                name: text(&row, "name").to_owned(),
                slug: text(&row, "slug").to_owned(),
                bio: text(&row, "bio").to_owned(),
                photo: Some(text(&row, "profile_image").to_owned()).filter(|p| !p.is_empty()),
            };
            site.users.insert(person.key.clone(), person);
        }
        "posts_tags" => site
            .post_tags
            .entry(text(&row, "post_id").to_owned())
            .or_default()
            .push((order(&row), text(&row, "tag_id").to_owned())),
        "posts_authors" => site
            .post_authors
            .entry(text(&row, "post_id").to_owned())
            .or_default()
            .push((order(&row), text(&row, "author_id").to_owned())),
        "posts_meta" => {
            let meta = (
                text(&row, "feature_image_alt").to_owned(),
                text(&row, "feature_image_caption").to_owned(),
            );
            site.post_meta.insert(text(&row, "post_id").to_owned(), meta);
        }
        _ => {}
    }
}

fn post_of(site: &Site, row: &Value, summary: &mut Summary) -> Option<Post> {
    let key = text(row, "id").to_owned();
    let mut post = Post {
        key: key.clone(),
        title: text(row, "title").to_owned(),
        ..Post::default()
    };
    let label = post.label();
    if key.is_empty() {
        summary.skip(label, "it has no id");
        return None;
    }
    let page = text(row, "type") == "page";
    match text(row, "type") {
        "" | "post" | "page" => {}
        other => {
            summary.skip(label, format!("a post of type {other}"));
            return None;
        }
    }
    post.status = match text(row, "status") {
        "published" => Some(Status::Published),
        "scheduled" => Some(Status::Scheduled),
        "draft" => Some(Status::Draft),
        "sent" => {
            post.remarks
                .push("sent by email only on Ghost, so it came in as a draft".into());
            Some(Status::Draft)
        }
        other => {
            summary.skip(label, format!("an unknown status ({other})"));
            return None;
        }
    };
    if page {
        post.status = Some(Status::Draft);
        post.remarks.push(
            "a Ghost page: the site has no static pages yet, so it came in as a draft to publish or delete by hand"
                .into(),
        );
    }
    let Some(body) = row.get("html").and_then(Value::as_str) else {
        summary.skip(
            label,
            "the export has no HTML for it (export again from Ghost 4 or later)",
        );
        return None;
    };
    let converted = html::to_markdown(body, Breaks::Html);
    post.body = converted.markdown;
    for what in converted.dropped {
        post.remarks.push(format!("left out of the body: {what}"));
    }
    post.slug = text(row, "slug").to_owned();
    post.standfirst = html::to_text(text(row, "custom_excerpt"), Breaks::Html);
    post.published_at = parse_date(text(row, "published_at"));
    post.updated_at = parse_date(text(row, "updated_at"));
    post.featured = row
        .get("featured")
        .is_some_and(|f| f.as_bool() == Some(true) || f.as_i64() == Some(1));

    let mut authors = site.post_authors.get(&key).cloned().unwrap_or_default();
    authors.sort();
    if authors.is_empty() && !text(row, "author_id").is_empty() {
        authors.push((0, text(row, "author_id").to_owned()));
    }
    post.authors = authors
        .iter()
        .filter_map(|(_, id)| site.users.get(id).cloned())
        .collect();
    let mut tags = site.post_tags.get(&key).cloned().unwrap_or_default();
    tags.sort();
    for (_, id) in tags {
        match site.tags.get(&id) {
            Some((term, true)) if post.section.is_none() => post.section = Some(term.clone()),
            Some((term, true)) => post.tags.push(term.clone()),
            _ => {}
        }
    }
    let feature = text(row, "feature_image");
    if !feature.is_empty() {
        let (alt, caption) = match site.post_meta.get(&key) {
            Some(meta) => meta.clone(),
            None => (
                text(row, "feature_image_alt").to_owned(),
                text(row, "feature_image_caption").to_owned(),
            ),
        };
        let (caption, credit) = html::split_credit(&html::to_text(&caption, Breaks::Html));
        post.pictures.push(Picture {
            src: feature.to_owned(),
            alt,
            caption,
            credit,
            after: 0,
            original: None,
        });
    }
    for found in converted.pictures {
        if post.pictures.iter().any(|p| p.src == found.src) {
            continue;
        }
        let (caption, credit) = html::split_credit(&found.caption);
        post.pictures.push(Picture {
            src: found.src,
            alt: found.alt,
            caption,
            credit,
            after: found.after,
            original: None,
        });
    }
    // Ghost's default addresses are /{slug}/.
    if !post.slug.is_empty() {
        post.old_paths.push(format!("/{}/", post.slug));
    }
    Some(post)
}

/// Marks a reading stopped on purpose (the importer stopped taking rows).
const STOPPED: &str = "reading stopped";

type Row<'f> = dyn FnMut(&str, Value) -> bool + 'f;

/// Streams `{"db": [{"meta": …, "data": {table: [rows]}}]}` (or a bare
/// `{"data": …}`), calling `row` for each row of the tables `wanted` picks;
/// returns the names of every table it passed.
fn walk(
    file: &Path,
    bytes: &AtomicU64,
    wanted: &dyn Fn(&str) -> bool,
    row: &mut Row<'_>,
) -> anyhow::Result<Vec<String>> {
    let reader = Counting {
        inner: BufReader::with_capacity(1 << 16, File::open(file)?),
        bytes,
    };
    let mut json = serde_json::Deserializer::from_reader(reader);
    let mut walker = Walker {
        wanted,
        row,
        tables: Vec::new(),
    };
    let fault = |err: serde_json::Error| anyhow::anyhow!("{}: {err}", file.display());
    Top(&mut walker).deserialize(&mut json).map_err(fault)?;
    json.end().map_err(fault)?;
    Ok(walker.tables)
}

struct Counting<'a, R> {
    inner: R,
    bytes: &'a AtomicU64,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

struct Walker<'a, 'f> {
    wanted: &'a dyn Fn(&str) -> bool,
    row: &'a mut Row<'f>,
    tables: Vec<String>,
}

/// The document, or one entry of its "db" list: finds "db" and "data".
struct Top<'w, 'a, 'f>(&'w mut Walker<'a, 'f>);
struct Entries<'w, 'a, 'f>(&'w mut Walker<'a, 'f>);
struct Tables<'w, 'a, 'f>(&'w mut Walker<'a, 'f>);
struct Rows<'w, 'a, 'f>(&'w mut Walker<'a, 'f>, String);

impl<'de> DeserializeSeed<'de> for Top<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Top<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a Ghost export (an object with \"db\" or \"data\")")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "db" => map.next_value_seed(Entries(&mut *self.0))?,
                "data" => map.next_value_seed(Tables(&mut *self.0))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Entries<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Entries<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of database exports")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Top(&mut *self.0))?.is_some() {}
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Tables<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Tables<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object of tables")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(table) = map.next_key::<String>()? {
            self.0.tables.push(table.clone());
            if (self.0.wanted)(&table) {
                map.next_value_seed(Rows(&mut *self.0, table))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Rows<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Rows<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "a list of {} rows", self.1)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(row) = seq.next_element::<Value>()? {
            if !(self.0.row)(&self.1, row) {
                return Err(A::Error::custom(STOPPED));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_of_the_wanted_tables_stream_out_and_faults_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("g.json");
        std::fs::write(
            &file,
            r#"{"db":[{"meta":{"version":"5.0"},"data":{"posts":[{"id":"a"},{"id":"b"}],"tags":[{"id":"t"}]}}]}"#,
        )
        .unwrap();
        let mut seen = Vec::new();
        walk(&file, &AtomicU64::new(0), &|t| t == "posts", &mut |table, row| {
            seen.push(format!("{table}:{}", text(&row, "id")));
            true
        })
        .unwrap();
        assert_eq!(seen, vec!["posts:a", "posts:b"]);

        std::fs::write(&file, "{\"db\":[{\"data\":{\"posts\":[\n{\"id\":\"a\"},\n{\"id\":").unwrap();
        let err = walk(&file, &AtomicU64::new(0), &|_| true, &mut |_, _| true).unwrap_err();
        assert!(err.to_string().contains("line 3"), "{err}");
    }
}
