//! Moving out, and back in: `broadsheet export DIR` writes the whole site
//! as JSON lines (`site.jsonl`, one record a line, sections and pictures
//! before the articles that use them) beside a copy of its pictures
//! (`media/`); `broadsheet import broadsheet DIR` reads it back keeping every
//! id, so an empty site given an export becomes the same site, and running
//! it again changes nothing. Reader accounts, push subscriptions and
//! donations are people's data, not the site's content: they stay in
//! backups and are not exported (a comment keeps its author's name). The
//! import memory goes along, so a WordPress or Ghost import run again
//! after the move updates what it brought in before.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::apply::{Importer, Origin, app, origins_after, restore_origin};
use super::progress::Bar;
use super::{Request, stream};
use crate::articles::write::{self, NewArticle};
use crate::articles::{ArticleContent, ArticleKind, Placed, Status, queries as articles};
use crate::change::Change;
use crate::comments::model::Status as CommentStatus;
use crate::comments::rows::{self as comment_rows, Place};
use crate::db::{Conn, Db, sql};
use crate::domain::{ArticleId, AuthorId, CommentId, ImageId, TagId, Timestamp};
use crate::liveblogs::write::{self as liveblog, EntryDraft};
use crate::media;
use crate::ops::backup::copy_tree;
use crate::site::menus::{self, Menu};
use crate::site::redirects;
use crate::site::write as site_write;
use crate::state::AppState;

const FORMAT: u32 = 1;
pub(super) const RECORDS: &str = "site.jsonl";
const MEDIA: &str = "media";
/// Articles read from the database at a time while exporting.
const PAGE: i64 = 200;

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Record {
    Site {
        format: u32,
        name: String,
        exported_at: Timestamp,
    },
    Section(site_write::SectionRow),
    Newsletter(Box<crate::newsletters::model::Newsletter>),
    Tag {
        id: TagId,
        slug: String,
        name: String,
    },
    Picture(media::Stored),
    Author(site_write::AuthorRow),
    Article(Box<ArticleRecord>),
    Page(crate::site::pages::write::PageRow),
    Menu {
        menu: String,
        items: Vec<crate::site::menus::MenuItem>,
    },
    Front(crate::fronts::store::FrontRow),
    /// What an earlier import from WordPress or Ghost created, by its id
    /// there: after a move, importing from there again updates it.
    ImportOrigin(Origin),
}

#[derive(Debug, Serialize, Deserialize)]
struct ArticleRecord {
    id: ArticleId,
    content: ArticleContent,
    status: Status,
    published_at: Option<Timestamp>,
    updated_at: Timestamp,
    live_ended_at: Option<Timestamp>,
    entries: Vec<EntryRecord>,
    comments: Vec<CommentRecord>,
    old_paths: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize, sqlx::FromRow)]
struct EntryRecord {
    id: crate::domain::EntryId,
    title: String,
    body: String,
    image_id: Option<ImageId>,
    key_event: bool,
    pinned: bool,
    posted_at: Timestamp,
    updated_at: Timestamp,
    #[sqlx(skip)]
    authors: Vec<AuthorId>,
}

#[derive(Debug, Serialize, Deserialize, sqlx::FromRow)]
struct CommentRecord {
    id: CommentId,
    parent_id: Option<CommentId>,
    root_id: CommentId,
    path: String,
    depth: i64,
    name: String,
    body: String,
    status: String,
    held_reason: String,
    featured: bool,
    created_at: Timestamp,
    edited_at: Option<Timestamp>,
}

/// What an export wrote.
#[derive(Debug, Default)]
pub struct Exported {
    pub articles: u64,
    pub pictures: u64,
}

/// Writes the site into `dir` (which must not exist yet, or be empty).
pub async fn export(state: &AppState, dir: &Path) -> anyhow::Result<Exported> {
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        bail!("{} is not empty: export into a new folder", dir.display());
    }
    std::fs::create_dir_all(dir.join(MEDIA))?;
    let db = &state.db;
    let mut out = BufWriter::new(std::fs::File::create(dir.join(RECORDS))?);
    let mut write = |record: &Record| -> anyhow::Result<()> {
        serde_json::to_writer(&mut out, record)?;
        out.write_all(b"\n")?;
        Ok(())
    };
    let mut done = Exported::default();
    write(&Record::Site {
        format: FORMAT,
        name: state.site.name(),
        exported_at: Timestamp::now(),
    })?;
    for s in crate::site::queries::sections(db).await? {
        write(&Record::Section(site_write::SectionRow {
            id: s.id,
            slug: s.slug,
            name: s.name,
            description: s.description,
            position: s.position,
        }))?;
    }
    for n in crate::newsletters::model::all(db).await? {
        write(&Record::Newsletter(Box::new(n)))?;
    }
    for t in crate::site::queries::tags(db).await? {
        write(&Record::Tag {
            id: t.id,
            slug: t.slug,
            name: t.name,
        })?;
    }
    let pictures: Vec<media::Stored> =
        sql("SELECT id, alt, caption, credit, width, height, widths FROM images ORDER BY id")
            .fetch_all(db)
            .await?;
    let media = &state.settings.media.dir;
    for picture in pictures {
        let folder = picture.id.to_string();
        copy_tree(&media.join(&folder), &dir.join(MEDIA).join(&folder))?;
        write(&Record::Picture(picture))?;
        done.pictures += 1;
    }
    for a in crate::site::queries::authors(db).await? {
        write(&Record::Author(site_write::AuthorRow {
            id: a.id,
            slug: a.slug,
            name: a.name,
            job_title: a.job_title,
            bio: a.bio,
            photo: a.photo_id,
        }))?;
    }
    let mut after = Uuid::nil();
    loop {
        let ids: Vec<(ArticleId,)> = sql("SELECT id FROM articles WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(after)
            .bind(PAGE)
            .fetch_all(db)
            .await?;
        let Some(last) = ids.last() else { break };
        after = last.0.0;
        for (id,) in ids {
            if let Some(record) = article_record(db, id).await? {
                write(&Record::Article(Box::new(record)))?;
                done.articles += 1;
            }
        }
    }
    for page in crate::site::pages::all(db).await? {
        write(&Record::Page(page.into()))?;
    }
    for menu in [Menu::Main, Menu::Footer] {
        let items = menus::stored(db, menu).await?;
        if !items.is_empty() {
            write(&Record::Menu {
                menu: menu.name().into(),
                items,
            })?;
        }
    }
    for front in crate::fronts::store::all(db).await.map_err(app)? {
        write(&Record::Front(front))?;
    }
    let mut after = (String::new(), String::new(), String::new());
    loop {
        let lines = origins_after(db, &after, PAGE).await?;
        let Some(last) = lines.last() else { break };
        after = (last.origin.clone(), last.kind.clone(), last.source_key.clone());
        for line in lines {
            write(&Record::ImportOrigin(line))?;
        }
    }
    out.flush()?;
    Ok(done)
}

async fn article_record(db: &Db, id: ArticleId) -> anyhow::Result<Option<ArticleRecord>> {
    let Some(article) = articles::by_id(db, id).await? else {
        return Ok(None);
    };
    let content = write::content_of(db, &article).await.map_err(app)?;
    let mut entries: Vec<EntryRecord> = sql(
        "SELECT id, title, body, image_id, key_event, pinned, posted_at, updated_at FROM liveblog_entries
         WHERE article_id = $1 ORDER BY posted_at, id",
    )
    .bind(id)
    .fetch_all(db)
    .await?;
    for entry in &mut entries {
        let authors: Vec<(AuthorId,)> =
            sql("SELECT author_id FROM liveblog_entry_authors WHERE entry_id = $1 ORDER BY position")
                .bind(entry.id)
                .fetch_all(db)
                .await?;
        entry.authors = authors.into_iter().map(|(a,)| a).collect();
    }
    let comments: Vec<CommentRecord> = sql("SELECT c.id, c.parent_id, c.root_id, c.path, c.depth,
                COALESCE(r.display_name, c.guest_name) AS name, c.body, c.status, c.held_reason, c.featured,
                c.created_at, c.edited_at
         FROM comments c LEFT JOIN readers r ON r.id = c.reader_id
         WHERE c.article_id = $1 ORDER BY c.depth, c.created_at, c.id")
    .bind(id)
    .fetch_all(db)
    .await?;
    let old_paths: Vec<(String,)> = sql("SELECT path FROM redirects WHERE article_id = $1 ORDER BY path")
        .bind(id)
        .fetch_all(db)
        .await?;
    Ok(Some(ArticleRecord {
        id,
        status: article.status(),
        published_at: article.published_at,
        updated_at: article.updated_at,
        live_ended_at: article.live_ended_at,
        content,
        entries,
        comments,
        old_paths: old_paths.into_iter().map(|(p,)| p).collect(),
    }))
}

/// Reads an export written by [`export`] back in, keeping its ids.
pub async fn import(importer: &mut Importer<'_>, request: &Request<'_>) -> anyhow::Result<()> {
    let dir: PathBuf = request.file.to_path_buf();
    let file = dir.join(RECORDS);
    let total = std::fs::metadata(&file)
        .with_context(|| format!("{} is not a Broadsheet export (no {RECORDS})", dir.display()))?
        .len();
    importer.set_origin("broadsheet".into());
    let counters = importer.counters.clone();
    let bar = Bar::start("Importing", total, counters.clone(), request.progress);
    let bytes = counters.bytes.clone();
    let read = move |sender: tokio::sync::mpsc::Sender<(u64, String)>| -> anyhow::Result<()> {
        let mut input = BufReader::with_capacity(1 << 16, std::fs::File::open(&file)?);
        let mut line = String::new();
        let mut number = 0;
        loop {
            line.clear();
            let read = input.read_line(&mut line)?;
            if read == 0 {
                return Ok(());
            }
            number += 1;
            bytes.fetch_add(read as u64, Ordering::Relaxed);
            if !line.trim().is_empty() && sender.blocking_send((number, std::mem::take(&mut line))).is_err() {
                return Ok(());
            }
        }
    };
    let mut related: Vec<(ArticleId, Vec<Placed<ArticleId>>)> = Vec::new();
    let records = dir.join(RECORDS);
    let outcome = stream(read, async |(number, line): (u64, String)| {
        match serde_json::from_str::<Record>(&line) {
            Ok(record) => apply(importer, &dir, record, &mut related).await,
            Err(err) => Err(anyhow::anyhow!("{}, line {number}: {err}", records.display())),
        }
    })
    .await;
    bar.finish().await;
    outcome?;
    // Related links last, once every article they point at is in.
    for (article, links) in related {
        if links.is_empty() {
            continue;
        }
        let mut change = Change::begin(importer.state(), importer.actor().clone()).await?;
        write::add_related(&mut change, article, &links).await.map_err(app)?;
        change.commit().await?;
    }
    Ok(())
}

async fn apply(
    importer: &mut Importer<'_>,
    dir: &Path,
    record: Record,
    related: &mut Vec<(ArticleId, Vec<Placed<ArticleId>>)>,
) -> anyhow::Result<()> {
    let db = importer.db().clone();
    match record {
        Record::Site { format, .. } if format > FORMAT => {
            bail!("this export was written by a newer Broadsheet (format {format}); upgrade first")
        }
        Record::Site { .. } => {}
        Record::Section(row) => {
            let added = site_write::restore_section(&db, &row).await.map_err(app)?;
            importer.summary.sections += u64::from(added);
        }
        Record::Newsletter(row) => {
            crate::newsletters::write::restore_newsletter(&db, &row)
                .await
                .map_err(app)?;
        }
        Record::Tag { id, slug, name } => {
            let added = site_write::restore_tag(&db, id, &slug, &name).await.map_err(app)?;
            importer.summary.tags += u64::from(added);
        }
        Record::Picture(row) => {
            let id = row.id;
            let folder = dir.join(MEDIA).join(id.to_string());
            if !folder.is_dir() {
                importer.summary.skip(
                    format!("picture {id}"),
                    "its files are missing from the export's media folder",
                );
                return Ok(());
            }
            copy_tree(&folder, &importer.media_dir().join(id.to_string()))?;
            let mut change = Change::begin(importer.state(), importer.actor().clone()).await?;
            let added = media::restore(&mut change, &row).await.map_err(app)?;
            change.commit().await?;
            importer.summary.pictures += u64::from(added);
        }
        Record::Author(row) => {
            let added = site_write::restore_author(&db, &row).await.map_err(app)?;
            importer.summary.authors += u64::from(added);
        }
        Record::Article(article) => article_in(importer, *article, related).await?,
        Record::Page(row) => {
            crate::site::pages::write::restore(&db, &row).await.map_err(app)?;
        }
        Record::Menu { menu, items } => {
            let Some(menu) = Menu::parse(&menu) else {
                importer.summary.skip(format!("menu {menu}"), "no such menu here");
                return Ok(());
            };
            if menus::stored(&db, menu).await? != items {
                let mut change = Change::begin(importer.state(), importer.actor().clone()).await?;
                menus::replace(&mut change, menu, &items).await.map_err(app)?;
                change.commit().await?;
            }
        }
        Record::Front(row) => {
            crate::fronts::store::restore(&db, &row).await.map_err(app)?;
        }
        Record::ImportOrigin(line) => {
            restore_origin(&db, &line).await?;
        }
    }
    Ok(())
}

async fn article_in(
    importer: &mut Importer<'_>,
    record: ArticleRecord,
    related: &mut Vec<(ArticleId, Vec<Placed<ArticleId>>)>,
) -> anyhow::Result<()> {
    importer.counters.posts.fetch_add(1, Ordering::Relaxed);
    let db = importer.db().clone();
    let id = record.id;
    let existing = articles::by_id(&db, id).await?;
    let mut new = NewArticle {
        content: record.content,
        status: record.status,
        published_at: record.published_at,
        updated_at: Some(record.updated_at),
    };
    let unchanged = match existing {
        Some(_) => importer.same_as_stored(id, &new).await?,
        None => false,
    };
    // Related links wait until every article they point at is in.
    related.push((id, std::mem::take(&mut new.content.related)));
    // The article with its entries, comments and old addresses: one change.
    let mut change = Change::begin(importer.state(), importer.actor().clone()).await?;
    let outcome = match &existing {
        Some(_) if unchanged => Ok(()),
        Some(_) => write::replace(&mut change, id, &new).await,
        None => write::create_with_id(&mut change, id, &new).await,
    };
    if let Err(err) = outcome {
        importer.summary.skip(
            format!("article {} \"{}\"", id, new.content.headline.as_str()),
            err.report().detail,
        );
        return Ok(());
    }
    write::restore_dates(&mut change, id, record.live_ended_at, record.updated_at)
        .await
        .map_err(app)?;
    if new.content.kind == ArticleKind::LiveBlog {
        liveblog::clear(&mut change, id).await.map_err(app)?;
        for entry in record.entries {
            let draft = EntryDraft {
                title: entry.title,
                body: entry.body,
                key_event: entry.key_event,
                pinned: entry.pinned,
                image: entry.image_id,
                authors: entry.authors,
            };
            liveblog::restore(&mut change, entry.id, id, &draft, (entry.posted_at, entry.updated_at))
                .await
                .map_err(app)?;
        }
    }
    let mut comments = 0;
    for c in record.comments {
        let place = Place {
            parent: c.parent_id,
            root: c.root_id,
            path: c.path,
            depth: c.depth,
        };
        let row = comment_rows::Row {
            id: c.id,
            article: id,
            reader: None,
            place: &place,
            body: &c.body,
            status: CommentStatus::parse(&c.status),
            held_reason: &c.held_reason,
            featured: c.featured,
            created_at: c.created_at,
            edited_at: c.edited_at,
            guest_name: &c.name,
        };
        comments += u64::from(comment_rows::insert(&mut change, &row).await.map_err(app)?);
    }
    comment_rows::recount(&mut Conn::from(&mut change), id)
        .await
        .map_err(app)?;
    for path in &record.old_paths {
        if redirects::remember(&mut change, path, id).await? == redirects::Remembered::Added {
            importer.summary.redirects += 1;
        }
    }
    change.commit().await?;
    importer.summary.comments += comments;
    match existing {
        Some(_) if unchanged => importer.summary.articles_unchanged += 1,
        Some(_) => importer.summary.articles_updated += 1,
        None => importer.summary.articles_created += 1,
    }
    Ok(())
}
