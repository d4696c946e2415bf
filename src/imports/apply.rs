//! Writing imported posts: sections, tags, authors and pictures first (each
//! found again by what it was in the export), then the article with its
//! redirects and comments in one transaction.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use anyhow::Context;
use reqwest::Url;
use uuid::Uuid;

use crate::articles::write::{self, NewArticle};
use crate::articles::{ArticleContent, ArticleKind, CommentsMode, Headline, Placed, Status, queries as articles};
use crate::audit::Actor;
use crate::change::Change;
use crate::comments::model::Status as CommentStatus;
use crate::comments::rows::{self as comment_rows, Place};
use crate::db::{Conn, Db, DbError, sql};
use crate::domain::{ArticleId, AuthorId, CommentId, ImageId, SectionId, Slug, TagId, Timestamp};
use crate::error::AppError;
use crate::media::{self, ImageText};
use crate::site::RESERVED_SLUGS;
use crate::site::queries as site;
use crate::site::redirects::{self, Remembered};
use crate::site::write::{self as site_write, NewAuthor, NewSection};
use crate::state::AppState;

use super::fetch::Fetcher;
use super::progress::Counters;
use super::{OldComment, Person, Picture, Post, Summary, Term, original_stem, path_of, percent_decode};

pub struct Importer<'a> {
    state: &'a AppState,
    origin: String,
    media: Option<PathBuf>,
    /// Fetches pictures missing from `media` from the old site.
    fetch: Option<Fetcher>,
    /// The old site's address, for pictures given by their path only.
    base: Option<Url>,
    actor: Actor,
    sections: HashMap<String, SectionId>,
    authors: HashMap<String, AuthorId>,
    pictures: HashMap<String, Option<ImageId>>,
    pub counters: Counters,
    pub summary: Summary,
}

impl<'a> Importer<'a> {
    pub fn new(state: &'a AppState, media: Option<PathBuf>, fetch: Option<Fetcher>) -> Self {
        Self {
            state,
            origin: String::new(),
            media,
            fetch,
            base: None,
            actor: Actor::system("Import"),
            sections: HashMap::new(),
            authors: HashMap::new(),
            pictures: HashMap::new(),
            counters: Counters::default(),
            summary: Summary::default(),
        }
    }

    /// Names the site the export came from ("wordpress:https://example.com"):
    /// records are found again by their id within it.
    pub fn set_origin(&mut self, origin: String) {
        self.origin = origin;
    }

    /// Names the old site's address, against which pictures given by their
    /// path alone ("/wp-content/uploads/a.jpg") are fetched.
    pub fn set_base(&mut self, address: &str) {
        self.base = Url::parse(address.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"));
    }

    pub fn finish(self) -> Summary {
        self.summary
    }

    pub(super) fn db(&self) -> &Db {
        &self.state.db
    }

    pub(super) fn state(&self) -> &'a AppState {
        self.state
    }

    pub(super) fn actor(&self) -> &Actor {
        &self.actor
    }

    pub(super) fn media_dir(&self) -> &Path {
        &self.state.settings.media.dir
    }

    /// Imports one post; only a database failure stops the import.
    pub async fn post(&mut self, post: Post) -> anyhow::Result<()> {
        self.counters.posts.fetch_add(1, Ordering::Relaxed);
        let label = post.label();
        let Some(status) = post.status else {
            return Ok(());
        };
        let headline = match headline_of(&post.title) {
            Some(h) => h,
            None => match headline_of(&first_words(&post.body)) {
                Some(h) => {
                    self.summary
                        .remark(&label, "it had no title, so its headline is made of its first words");
                    h
                }
                None => {
                    self.summary.skip(label, "it has neither a title nor any text");
                    return Ok(());
                }
            },
        };
        let suggested = Slug::parse(&post.slug)
            .ok()
            .or_else(|| Slug::suggest(&percent_decode(&post.slug)))
            .or_else(|| Slug::suggest(headline.as_str()));
        let Some(mut slug) = suggested.or_else(|| {
            // A title in a non-Latin script: the address carries the old id instead.
            let slug = Slug::parse(&format!("article-{}", slug_safe(&post.key))).ok()?;
            self.summary.remark(
                &label,
                "no Latin address could be made from it, so its address is article-<old id>",
            );
            Some(slug)
        }) else {
            self.summary
                .skip(label, "no address can be made from its slug, title or id");
            return Ok(());
        };
        for remark in &post.remarks {
            self.summary.remark(&label, remark);
        }
        let existing = self.target("article", &post.key).await?.map(ArticleId);
        if let Some(other) = self.slug_owner(&slug).await?
            && Some(other) != existing
        {
            match Slug::parse(&format!("{slug}-{}", slug_safe(&post.key))) {
                Ok(unique) if self.slug_owner(&unique).await?.is_none_or(|o| Some(o) == existing) => {
                    self.summary
                        .remark(&label, "its slug was taken here, so its address ends with its old id");
                    slug = unique;
                }
                _ => {
                    self.summary.skip(label, "its slug is taken by another article here");
                    return Ok(());
                }
            }
        }
        let (section, section_slug) = self.section(post.section.as_ref()).await?;
        let mut authors = Vec::new();
        for person in &post.authors {
            if let Some(id) = self.author(person).await?
                && !authors.contains(&id)
            {
                authors.push(id);
            }
        }
        let mut tags = Vec::new();
        for term in &post.tags {
            if let Some(id) = self.tag(term).await?
                && !tags.contains(&id)
            {
                tags.push(id);
            }
        }
        let mut images: Vec<Placed<ImageId>> = Vec::new();
        let mut body = post.body.clone();
        let mut missing: Vec<&Picture> = Vec::new();
        for picture in &post.pictures {
            match self.picture(picture, &label).await? {
                Some(id) if !images.iter().any(|p| p.item == id) => images.push(Placed::new(id, picture.after)),
                Some(_) => {}
                None => missing.push(picture),
            }
        }
        // A picture that could not be had leaves its caption where it stood.
        missing.sort_by_key(|p| std::cmp::Reverse(p.after));
        for picture in missing.into_iter().filter(|p| !p.caption.trim().is_empty()) {
            let credit = match picture.credit.trim() {
                "" => String::new(),
                credit => format!(" Picture: {credit}."),
            };
            let line = format!("*(Picture missing.) {}{credit}*", picture.caption.trim());
            body = crate::articles::body::insert_block(&body, picture.after, &line);
            for placed in images.iter_mut().filter(|p| p.after > picture.after) {
                placed.after += 1;
            }
            self.summary
                .remark(&label, "a picture could not be had, so its caption stands in its place");
        }
        let published_at = match status {
            Status::Draft | Status::Review => None,
            Status::Published | Status::Scheduled => Some(post.published_at.or(post.updated_at).unwrap_or_else(|| {
                self.summary
                    .remark(&label, "it had no publication date, so it is dated now");
                Timestamp::now()
            })),
        };
        let new = NewArticle {
            content: ArticleContent {
                slug,
                headline,
                standfirst: post.standfirst.clone(),
                body,
                footnote: String::new(),
                section,
                featured: post.featured,
                comments: if post.comments_closed {
                    CommentsMode::Closed
                } else {
                    CommentsMode::Open
                },
                kind: ArticleKind::Story,
                authors,
                tags,
                images,
                related: Vec::new(),
            },
            status,
            published_at,
            updated_at: post.updated_at.filter(|u| published_at.is_none_or(|p| *u >= p)),
        };
        let unchanged = match existing {
            Some(id) => self.same_as_stored(id, &new).await?,
            None => false,
        };
        // The post, its old addresses and its comments: one change.
        let mut change = Change::begin(self.state, self.actor.clone()).await?;
        let id = match existing {
            Some(id) if unchanged => id,
            Some(id) => {
                write::replace(&mut change, id, &new).await.map_err(app)?;
                id
            }
            None => {
                let id = write::create(&mut change, &new).await.map_err(app)?;
                remember(&mut change, &self.origin, "article", &post.key, id.0).await?;
                id
            }
        };
        let mut redirected = 0;
        let here = format!("/{section_slug}/{}", new.content.slug);
        for old in &post.old_paths {
            let path = redirects::normalise(old);
            if path == here {
                continue;
            }
            if redirects::is_site_path(&mut change, &path).await? {
                self.summary.remark(
                    &label,
                    "its old address is one of this site's own pages (a section or the site's), which keeps it",
                );
                continue;
            }
            match redirects::remember(&mut change, &path, id).await? {
                Remembered::Added => redirected += 1,
                Remembered::Known => {}
                Remembered::Taken => self.summary.remark(
                    &label,
                    "its old address already leads to another imported article, which keeps it",
                ),
            }
        }
        let (added, updated) = self.comments(&mut change, id, &post.comments, &label).await?;
        change.commit().await?;
        self.summary.redirects += redirected;
        self.summary.comments += added;
        self.summary.comments_updated += updated;
        match existing {
            None => self.summary.articles_created += 1,
            Some(_) if unchanged => self.summary.articles_unchanged += 1,
            Some(_) => self.summary.articles_updated += 1,
        }
        Ok(())
    }

    async fn target(&self, kind: &str, key: &str) -> Result<Option<Uuid>, DbError> {
        let found: Option<(Uuid,)> =
            sql("SELECT target FROM import_origins WHERE origin = $1 AND kind = $2 AND source_key = $3")
                .bind(&self.origin)
                .bind(kind)
                .bind(key)
                .fetch_optional(self.db())
                .await?;
        Ok(found.map(|(id,)| id))
    }

    async fn slug_owner(&self, slug: &Slug) -> Result<Option<ArticleId>, DbError> {
        let found: Option<(ArticleId,)> = sql("SELECT id FROM articles WHERE slug = $1")
            .bind(slug)
            .fetch_optional(self.db())
            .await?;
        Ok(found.map(|(id,)| id))
    }

    /// Whether re-importing would change nothing (then no new version is made).
    pub(super) async fn same_as_stored(&self, id: ArticleId, new: &NewArticle) -> anyhow::Result<bool> {
        let Some(stored) = articles::by_id(self.db(), id).await? else {
            return Ok(false);
        };
        let content = write::content_of(self.db(), &stored).await.map_err(app)?;
        let mut wanted = new.content.clone();
        wanted.standfirst = wanted.standfirst.trim().to_owned();
        wanted.tags.sort();
        let mut have = content;
        have.tags.sort();
        Ok(have == wanted && stored.status() == new.status && stored.published_at == new.published_at)
    }

    /// The section a term names (created the first time), and its slug.
    async fn section(&mut self, term: Option<&Term>) -> anyhow::Result<(SectionId, Slug)> {
        let news = Term {
            slug: "news".into(),
            name: "News".into(),
            description: String::new(),
        };
        let term = term.unwrap_or(&news);
        let mut slug = Slug::parse(&term.slug)
            .ok()
            .or_else(|| Slug::suggest(&percent_decode(&term.slug)))
            .or_else(|| Slug::suggest(&term.name))
            .unwrap_or_else(|| Slug::parse("news").expect("a valid slug"));
        if RESERVED_SLUGS.contains(&slug.as_str()) {
            slug = Slug::parse(&format!("{slug}-news")).unwrap_or(slug);
        }
        if let Some(id) = self.sections.get(slug.as_str()) {
            return Ok((*id, slug));
        }
        let id = match site::section_by_slug(self.db(), slug.as_str()).await? {
            Some(section) => section.id,
            None => {
                let position = sql("SELECT COUNT(*) FROM sections").fetch_count(self.db()).await?;
                let name = if term.name.trim().is_empty() {
                    slug.to_string()
                } else {
                    term.name.trim().to_owned()
                };
                let mut change = Change::begin(self.state, self.actor.clone()).await?;
                let new = NewSection {
                    slug: slug.clone(),
                    name: &name,
                    description: term.description.trim(),
                    position,
                };
                let id = site_write::create_section(&mut change, new).await.map_err(app)?;
                change.commit().await?;
                self.summary.sections += 1;
                id
            }
        };
        self.sections.insert(slug.to_string(), id);
        Ok((id, slug))
    }

    async fn tag(&mut self, term: &Term) -> anyhow::Result<Option<TagId>> {
        let Some(slug) = Slug::parse(&term.slug)
            .ok()
            .or_else(|| Slug::suggest(&percent_decode(&term.slug)))
            .or_else(|| Slug::suggest(&term.name))
        else {
            self.summary
                .skip(format!("tag \"{}\"", term.name), "no address can be made from it");
            return Ok(None);
        };
        if site::tag_by_slug(self.db(), slug.as_str()).await?.is_none() {
            self.summary.tags += 1;
        }
        let name = if term.name.trim().is_empty() {
            slug.as_str()
        } else {
            term.name.trim()
        };
        Ok(Some(site_write::ensure_tag(self.db(), &slug, name).await.map_err(app)?))
    }

    async fn author(&mut self, person: &Person) -> anyhow::Result<Option<AuthorId>> {
        if let Some(id) = self.authors.get(&person.key) {
            return Ok(Some(*id));
        }
        let known = match self.target("author", &person.key).await? {
            Some(id) => sql("SELECT COUNT(*) FROM authors WHERE id = $1")
                .bind(id)
                .fetch_count(self.db())
                .await?
                .gt(&0)
                .then_some(AuthorId(id)),
            None => None,
        };
        let id = match known {
            Some(id) => id,
            None => {
                let name = if person.name.trim().is_empty() {
                    person.slug.trim()
                } else {
                    person.name.trim()
                };
                let Some(slug) = Slug::parse(&person.slug)
                    .ok()
                    .or_else(|| Slug::suggest(&percent_decode(&person.slug)))
                    .or_else(|| Slug::suggest(name))
                else {
                    self.summary
                        .skip(format!("author \"{name}\""), "no address can be made from the name");
                    return Ok(None);
                };
                let id = match site::author_by_slug(self.db(), slug.as_str()).await? {
                    Some(author) => author.id,
                    None => {
                        let photo = match &person.photo {
                            Some(src) => {
                                let picture = Picture {
                                    src: src.clone(),
                                    original: None,
                                    alt: format!("Portrait of {name}"),
                                    ..Picture::default()
                                };
                                self.picture(&picture, &format!("author \"{name}\"")).await?
                            }
                            None => None,
                        };
                        let new = NewAuthor {
                            slug,
                            name,
                            job_title: "",
                            bio: person.bio.trim(),
                            photo,
                        };
                        let mut change = Change::begin(self.state, self.actor.clone()).await?;
                        let id = site_write::create_author(&mut change, new).await.map_err(app)?;
                        change.commit().await?;
                        self.summary.authors += 1;
                        id
                    }
                };
                remember(self.db(), &self.origin, "author", &person.key, id.0).await?;
                id
            }
        };
        self.authors.insert(person.key.clone(), id);
        Ok(Some(id))
    }

    /// The picture in the library, stored from the media folder the first time.
    async fn picture(&mut self, picture: &Picture, label: &str) -> anyhow::Result<Option<ImageId>> {
        if let Some(known) = self.pictures.get(&picture.src) {
            return Ok(*known);
        }
        let found = self.store_picture(picture, label).await?;
        self.pictures.insert(picture.src.clone(), found);
        Ok(found)
    }

    async fn store_picture(&mut self, picture: &Picture, label: &str) -> anyhow::Result<Option<ImageId>> {
        if let Some(id) = self.target("picture", &picture.src).await? {
            let exists = sql("SELECT COUNT(*) FROM images WHERE id = $1")
                .bind(id)
                .fetch_count(self.db())
                .await?;
            if exists > 0 {
                return Ok(Some(ImageId(id)));
            }
        }
        let what = format!("picture {} in {label}", picture.src);
        let local = self
            .media
            .as_deref()
            .and_then(|folder| find_media(folder, &picture.src));
        let (bytes, name) = match (local, &self.fetch) {
            (Some(file), _) => {
                let bytes = tokio::fs::read(&file)
                    .await
                    .with_context(|| format!("reading {}", file.display()))?;
                (bytes, file_words(&file))
            }
            (None, Some(fetcher)) => {
                // The full-size original first, when the post showed a resized copy.
                let mut tried = Vec::new();
                let mut fetched = None;
                for address in picture.original.iter().chain([&picture.src]) {
                    let Some(url) = self.absolute(address) else {
                        tried.push("its address is relative and the export does not give the old site's".to_owned());
                        continue;
                    };
                    match fetcher.get(url.as_str()).await {
                        Ok(bytes) => {
                            fetched = Some((bytes, url_words(&url)));
                            break;
                        }
                        Err(why) => tried.push(why),
                    }
                }
                let Some(found) = fetched else {
                    let why = tried.pop().unwrap_or_default();
                    self.summary
                        .skip(what, format!("the picture could not be fetched: {why}"));
                    return Ok(None);
                };
                self.counters.pictures.fetch_add(1, Ordering::Relaxed);
                found
            }
            (None, None) => {
                let why = match self.media {
                    Some(_) => "the picture is not in the media folder",
                    None => "no media folder was given (--media) and fetching was turned off (--no-download)",
                };
                self.summary.skip(what, why);
                return Ok(None);
            }
        };
        let alt = [&picture.alt, &picture.caption]
            .into_iter()
            .map(|s| s.trim())
            .find(|s| !s.is_empty())
            .map(str::to_owned)
            .unwrap_or_else(|| format!("Picture: {name}"));
        let text = ImageText {
            alt: &alt,
            caption: picture.caption.trim(),
            credit: picture.credit.trim(),
        };
        let by = media::Uploader {
            actor: self.actor.clone(),
            channel: "",
            state: self.state,
        };
        match media::store(by, &bytes, text).await {
            Ok(id) => {
                remember(self.db(), &self.origin, "picture", &picture.src, id.0).await?;
                self.summary.pictures += 1;
                Ok(Some(id))
            }
            Err(AppError::Internal(err)) => Err(err),
            Err(err) => {
                self.summary.skip(what, err.report().detail);
                Ok(None)
            }
        }
    }

    /// A picture's address, made whole against the old site's when it is a path.
    fn absolute(&self, address: &str) -> Option<Url> {
        let address = address.trim();
        if let Some(path) = address.strip_prefix("__GHOST_URL__") {
            return self.base.as_ref()?.join(path.trim_start_matches('/')).ok();
        }
        match Url::parse(address) {
            Ok(url) => Some(url),
            Err(_) => self.base.as_ref()?.join(address).ok(),
        }
    }

    /// Adds the comments not imported before, replies under their parents,
    /// and brings those imported before up to date (their words, and
    /// whether the old site approved them); returns (added, updated).
    async fn comments(
        &mut self,
        change: &mut Change,
        article: ArticleId,
        comments: &[OldComment],
        label: &str,
    ) -> anyhow::Result<(u64, u64)> {
        if comments.is_empty() {
            return Ok((0, 0));
        }
        // Key → (id, place) of every comment already placed.
        let mut placed: HashMap<&str, (CommentId, Place)> = HashMap::new();
        let mut waiting: Vec<&OldComment> = Vec::new();
        let mut updated = 0;
        for comment in comments {
            let known: Option<KnownComment> = sql(
                "SELECT c.id, c.parent_id, c.root_id, c.path, c.depth, c.body, c.status FROM import_origins o
                 JOIN comments c ON c.id = o.target
                 WHERE o.origin = $1 AND o.kind = 'comment' AND o.source_key = $2",
            )
            .bind(&self.origin)
            .bind(&comment.key)
            .fetch_optional(&mut *change)
            .await?;
            match known {
                Some(KnownComment {
                    id,
                    parent_id: parent,
                    root_id: root,
                    path,
                    depth,
                    body,
                    status: stored,
                }) => {
                    let (status, held_reason) = imported_status(comment.approved);
                    // A moderator's decision here (rejected, removed) is not undone.
                    let current = CommentStatus::parse(&stored);
                    let status = match current {
                        CommentStatus::Visible | CommentStatus::Held => status,
                        other => other,
                    };
                    let text = comment.text.trim();
                    if (text != body && !text.is_empty()) || status != current {
                        let text = if text.is_empty() { body.as_str() } else { text };
                        comment_rows::update_imported(&mut *change, id, text, status, held_reason)
                            .await
                            .map_err(app)?;
                        updated += 1;
                    }
                    placed.insert(
                        &comment.key,
                        (
                            id,
                            Place {
                                parent,
                                root,
                                path,
                                depth,
                            },
                        ),
                    );
                }
                None => waiting.push(comment),
            }
        }
        let keys: Vec<&str> = comments.iter().map(|c| c.key.as_str()).collect();
        let mut added = 0;
        // Parents before replies, however the export ordered them.
        while !waiting.is_empty() {
            let before = waiting.len();
            let mut later = Vec::new();
            for comment in waiting {
                let parent = comment.parent.as_deref().filter(|p| keys.contains(p));
                let parent_place = match parent {
                    None => None,
                    Some(p) => match placed.get(p) {
                        Some(found) => Some(found.clone()),
                        None => {
                            later.push(comment);
                            continue;
                        }
                    },
                };
                if comment.parent.is_some() && parent.is_none() {
                    self.summary.remark(
                        format!("comment {} on {label}", comment.key),
                        "it answered a comment that was not imported, so it stands on its own",
                    );
                }
                if comment.text.trim().is_empty() {
                    self.summary
                        .skip(format!("comment {} on {label}", comment.key), "it is empty");
                    continue;
                }
                let id = CommentId::new();
                // Threads deeper than the site allows continue at the deepest level.
                let place = match &parent_place {
                    Some((parent_id, parent)) => Place::below(id, *parent_id, parent),
                    None => Place::top(id),
                };
                let (status, held_reason) = imported_status(comment.approved);
                let row = comment_rows::Row {
                    id,
                    article,
                    reader: None,
                    place: &place,
                    body: comment.text.trim(),
                    status,
                    held_reason,
                    featured: false,
                    created_at: comment.at,
                    edited_at: None,
                    guest_name: &guest_name(&comment.name),
                };
                comment_rows::insert(&mut *change, &row).await.map_err(app)?;
                remember(&mut *change, &self.origin, "comment", &comment.key, id.0).await?;
                placed.insert(&comment.key, (id, place));
                added += 1;
            }
            if later.len() == before {
                // Parents that never come: a loop in the export.
                for comment in later {
                    self.summary.skip(
                        format!("comment {} on {label}", comment.key),
                        "its thread loops back on itself",
                    );
                }
                break;
            }
            waiting = later;
        }
        comment_rows::recount(&mut Conn::from(&mut *change), article)
            .await
            .map_err(app)?;
        Ok((added, updated))
    }
}

/// A comment an earlier import brought in, as it stands here.
#[derive(sqlx::FromRow)]
struct KnownComment {
    id: CommentId,
    parent_id: Option<CommentId>,
    root_id: CommentId,
    path: String,
    depth: i64,
    body: String,
    status: String,
}

/// How an imported comment stands here: shown if the old site approved it,
/// otherwise waiting for a moderator.
fn imported_status(approved: bool) -> (CommentStatus, &'static str) {
    if approved {
        (CommentStatus::Visible, "")
    } else {
        (
            CommentStatus::Held,
            "imported: it was waiting for approval on the old site",
        )
    }
}

/// A headline for a post that had none: its first words.
fn first_words(markdown: &str) -> String {
    const WORDS: usize = 12;
    let text = crate::articles::body::plain_text(markdown);
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut line = words.iter().take(WORDS).copied().collect::<Vec<_>>().join(" ");
    if words.len() > WORDS {
        line.push('…');
    }
    line
}

async fn remember<'c>(
    conn: impl Into<Conn<'c>>,
    origin: &str,
    kind: &str,
    key: &str,
    target: Uuid,
) -> Result<(), DbError> {
    sql(
        "INSERT INTO import_origins (origin, kind, source_key, target, imported_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (origin, kind, source_key) DO UPDATE SET target = excluded.target",
    )
    .bind(origin)
    .bind(kind)
    .bind(key)
    .bind(target)
    .bind(Timestamp::now())
    .execute(conn)
    .await?;
    Ok(())
}

/// One line of the import memory, as `broadsheet export` writes it.
#[derive(Debug, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct Origin {
    pub origin: String,
    pub kind: String,
    pub source_key: String,
    pub target: Uuid,
    pub imported_at: Timestamp,
}

/// The import memory, a page at a time after `after` (origin, kind, key).
pub async fn origins_after(db: &Db, after: &(String, String, String), limit: i64) -> Result<Vec<Origin>, DbError> {
    sql(
        "SELECT origin, kind, source_key, target, imported_at FROM import_origins
         WHERE origin > $1 OR (origin = $1 AND (kind > $2 OR (kind = $2 AND source_key > $3)))
         ORDER BY origin, kind, source_key LIMIT $4",
    )
    .bind(&after.0)
    .bind(&after.1)
    .bind(&after.2)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Takes in a line of another site's import memory (moving house keeps
/// what every earlier import created, so a later one updates it); a line
/// already known is left as it is. Returns whether it was new.
pub async fn restore_origin(db: &Db, line: &Origin) -> Result<bool, DbError> {
    let added = sql(
        "INSERT INTO import_origins (origin, kind, source_key, target, imported_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (origin, kind, source_key) DO NOTHING",
    )
    .bind(&line.origin)
    .bind(&line.kind)
    .bind(&line.source_key)
    .bind(line.target)
    .bind(line.imported_at)
    .execute(db)
    .await?;
    Ok(added == 1)
}

/// An error the site would show a user, as the import's error.
pub(super) fn app(err: AppError) -> anyhow::Error {
    match err {
        AppError::Internal(err) => err,
        other => anyhow::anyhow!("{}", other.report().detail),
    }
}

/// A headline: one line, at most as long as the site allows.
fn headline_of(title: &str) -> Option<Headline> {
    let line = title.split_whitespace().collect::<Vec<_>>().join(" ");
    let cut: String = if line.chars().count() > Headline::MAX_CHARS {
        let mut cut: String = line.chars().take(Headline::MAX_CHARS - 1).collect();
        cut.push('…');
        cut
    } else {
        line
    };
    Headline::parse(&cut).ok()
}

fn guest_name(name: &str) -> String {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        "Anonymous".to_owned()
    } else {
        name.chars().take(80).collect()
    }
}

fn slug_safe(key: &str) -> String {
    key.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// "https://x.org/up/kyiv-station_2.jpg" → "kyiv station 2".
fn url_words(url: &Url) -> String {
    let name = url.path_segments().and_then(|mut s| s.next_back()).unwrap_or("");
    file_words(Path::new(&percent_decode(name)))
}

/// "kyiv-station_2.jpg" → "kyiv station 2".
fn file_words(file: &Path) -> String {
    file.file_stem()
        .map(|s| s.to_string_lossy().replace(['-', '_'], " "))
        .unwrap_or_default()
}

/// Finds a picture's file: the folder may be the uploads folder itself or
/// any folder above it, so the address's path is tried from its longest
/// ending down. WordPress links resized copies ("photo-300x200.jpg"): the
/// original is preferred when it is there.
pub fn find_media(folder: &Path, src: &str) -> Option<PathBuf> {
    let path = if src.contains("://") || src.starts_with("__GHOST_URL__") {
        path_of(src)?
    } else {
        src.split(['?', '#']).next().unwrap_or("").to_owned()
    };
    let path = percent_decode(&path);
    let segments: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty() && *s != "." && *s != "..")
        .collect();
    for start in 0..segments.len() {
        let candidate = segments[start..].iter().fold(folder.to_path_buf(), |p, s| p.join(s));
        if let Some(original) = original_of(&candidate)
            && original.is_file()
        {
            return Some(original);
        }
        if candidate.is_file() {
            return Some(candidate);
        }
    }
    None
}

/// "photo-300x200.jpg" → "photo.jpg".
fn original_of(file: &Path) -> Option<PathBuf> {
    let stem = file.file_stem()?.to_str()?;
    let base = original_stem(stem);
    if base == stem {
        return None;
    }
    let name = match file.extension() {
        Some(ext) => format!("{base}.{}", ext.to_string_lossy()),
        None => base.to_owned(),
    };
    Some(file.with_file_name(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_is_found_under_any_folder_level_and_originals_win() {
        let dir = tempfile::tempdir().unwrap();
        let month = dir.path().join("2023/05");
        std::fs::create_dir_all(&month).unwrap();
        std::fs::write(month.join("a.jpg"), b"x").unwrap();
        std::fs::write(month.join("b-300x200.jpg"), b"x").unwrap();
        let found = find_media(dir.path(), "https://x.org/wp-content/uploads/2023/05/a-300x200.jpg?v=2");
        assert_eq!(found, Some(month.join("a.jpg")));
        let found = find_media(dir.path(), "/wp-content/uploads/2023/05/b-300x200.jpg");
        assert_eq!(found, Some(month.join("b-300x200.jpg")));
        assert_eq!(find_media(dir.path(), "https://x.org/../../etc/passwd"), None);
    }

    #[test]
    fn headlines_are_one_line_and_not_too_long() {
        assert_eq!(headline_of(" A\n title ").unwrap().as_str(), "A title");
        assert_eq!(headline_of(&"x".repeat(300)).unwrap().as_str().chars().count(), 200);
        assert!(headline_of("  ").is_none());
    }
}
