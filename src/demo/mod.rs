//! The demo content: a realistic front page for a fresh install, written in
//! our own words. Sections, authors and articles live as text files under
//! `content/`; pictures are painted at load time.

mod pictures;

use std::collections::HashMap;

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::articles::write::{self, NewArticle};
use crate::articles::{ArticleContent, ArticleKind, CommentsMode, Headline, Placed, Status};
use crate::audit::Actor;
use crate::change::Change;
use crate::domain::{ArticleId, AuthorId, SectionId, Slug, TagId, Timestamp};
use crate::media::{self, ImageText};
use crate::site::menus::MenuItem;
use crate::site::write::{self as site_write, NewAuthor, NewSection};
use crate::state::AppState;

const SECTIONS: &str = include_str!("content/sections.toml");
const AUTHORS: &str = include_str!("content/authors.toml");
const ARTICLES: &[&str] = include!(concat!(env!("OUT_DIR"), "/demo_articles.rs"));

/// Size of the painted article pictures and author portraits.
const PICTURE: (u32, u32) = (1280, 720);
const PORTRAIT: (u32, u32) = (320, 320);

#[derive(Deserialize)]
struct SectionsFile {
    sections: Vec<SectionEntry>,
}

#[derive(Deserialize)]
struct SectionEntry {
    slug: Slug,
    name: String,
    description: String,
}

#[derive(Deserialize)]
struct AuthorsFile {
    authors: Vec<AuthorEntry>,
}

#[derive(Deserialize)]
struct AuthorEntry {
    slug: Slug,
    name: String,
    job_title: String,
    bio: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    slug: Slug,
    headline: String,
    standfirst: String,
    section: String,
    #[serde(default)]
    tags: Vec<Slug>,
    authors: Vec<String>,
    published: String,
    updated: Option<String>,
    #[serde(default)]
    featured: bool,
    #[serde(default)]
    footnote: String,
    #[serde(default)]
    related: Vec<RelatedEntry>,
    #[serde(default)]
    images: Vec<ImageEntry>,
    #[serde(default)]
    kind: ArticleKind,
    /// A live blog's entries.
    #[serde(default)]
    entries: Vec<LiveEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LiveEntry {
    at: String,
    #[serde(default)]
    title: String,
    body: String,
    #[serde(default)]
    key_event: bool,
    #[serde(default)]
    pinned: bool,
    authors: Vec<String>,
}

#[derive(Deserialize)]
struct RelatedEntry {
    slug: String,
    after: i64,
}

#[derive(Deserialize)]
struct ImageEntry {
    after: i64,
    scene: String,
    alt: String,
    caption: String,
    credit: String,
}

/// Loads the demo content when the site has no articles. Returns whether it did.
pub async fn load_if_empty(state: &AppState) -> anyhow::Result<bool> {
    if write::any(&state.db).await? {
        return Ok(false);
    }
    load(state).await?;
    Ok(true)
}

/// Loads everything in one change: a load cut short (a full disk, a kill)
/// leaves nothing behind, so the next start loads it whole. The pictures'
/// files are written as it goes, and taken away again if it fails.
async fn load(state: &AppState) -> anyhow::Result<()> {
    let mut pictures = Vec::new();
    let loaded = load_all(state, &mut pictures).await;
    if loaded.is_err() {
        for id in pictures {
            let _ = std::fs::remove_dir_all(state.settings.media.dir.join(id.to_string()));
        }
    }
    loaded
}

/// The newsletters a fresh demo site offers (none has subscribers yet):
/// name, description, frequency, and the days and time the schedule
/// builds an edition for review.
const DEMO_NEWSLETTERS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "The Morning Briefing",
        "What happened overnight and what to watch today, in five minutes.",
        "Every weekday at 6am",
        "mon tue wed thu fri",
        "06:00",
    ),
    (
        "The Long Read",
        "One story told at length, chosen by our editors.",
        "Saturdays",
        "",
        "",
    ),
];

/// The standing pages of the demo site, linked from its footer: slug, title, description, text.
const DEMO_PAGES: &[(&str, &str, &str, &str)] = &[
    (
        "about",
        "About us",
        "Who runs this paper, who pays for it, and how to reach the newsroom.",
        "This is a demonstration newspaper. Its stories, people and pictures are made up to show \
         what the software does; none of it is news.\n\n\
         A real paper would say here who owns it, who edits it, how it is paid for and how to \
         reach the newsroom with a tip, a complaint or a correction.",
    ),
    (
        "corrections",
        "Corrections policy",
        "How we correct mistakes, and where to tell us about one.",
        "When we get something wrong we fix it and say so. A correction is added to the end of \
         the story with the date it was made, and the story shows when it was last updated.\n\n\
         Small slips (a typing error that changes no meaning) are fixed without a note. \
         Anything that changes a fact, a quotation or a name gets a note.",
    ),
    (
        "privacy",
        "Privacy",
        "What we keep about readers, and for how long.",
        "Reading this site needs no account and sets no tracking cookies.\n\n\
         If you register, we keep your email address and display name so you can comment and \
         choose newsletters. You can download everything we hold about you, or delete your \
         account, from your account page at any time.",
    ),
];

async fn load_all(state: &AppState, pictures: &mut Vec<crate::domain::ImageId>) -> anyhow::Result<()> {
    let mut change = Change::begin(state, Actor::system("Demo loader")).await?;

    let sections: SectionsFile = toml::from_str(SECTIONS).context("reading demo sections")?;
    let mut section_ids: HashMap<String, SectionId> = HashMap::new();
    for (position, s) in sections.sections.into_iter().enumerate() {
        let new = NewSection {
            slug: s.slug.clone(),
            name: &s.name,
            description: &s.description,
            position: position as i64,
        };
        let id = site_write::create_section(&mut change, new).await?;
        section_ids.insert(s.slug.to_string(), id);
    }

    let authors: AuthorsFile = toml::from_str(AUTHORS).context("reading demo authors")?;
    let mut author_ids: HashMap<String, AuthorId> = HashMap::new();
    for a in authors.authors {
        let portrait = pictures::paint("portrait", a.slug.as_str(), PORTRAIT.0, PORTRAIT.1);
        let alt = format!("Placeholder portrait of {}", a.name);
        let text = ImageText {
            alt: &alt,
            caption: "",
            credit: "",
        };
        let photo = media::store_picture(&mut change, state, portrait, text).await?;
        pictures.push(photo);
        let new = NewAuthor {
            slug: a.slug.clone(),
            name: &a.name,
            job_title: &a.job_title,
            bio: &a.bio,
            photo: Some(photo),
        };
        let id = site_write::create_author(&mut change, new).await?;
        author_ids.insert(a.slug.to_string(), id);
    }

    let mut article_ids: HashMap<String, ArticleId> = HashMap::new();
    let mut related: Vec<(ArticleId, Vec<RelatedEntry>)> = Vec::new();
    let mut tag_ids: HashMap<Slug, TagId> = HashMap::new();
    for text in ARTICLES {
        let (front, body) = split_front_matter(text)?;
        let front: FrontMatter = toml::from_str(front).context("reading a demo article's front matter")?;
        let slug = front.slug.to_string();
        let context = || format!("loading the demo article {slug}");
        let section = *section_ids
            .get(&front.section)
            .with_context(|| format!("{}: unknown section {}", slug, front.section))?;
        let authors = front
            .authors
            .iter()
            .map(|a| {
                author_ids
                    .get(a)
                    .copied()
                    .with_context(|| format!("{slug}: unknown author {a}"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let mut tags = Vec::new();
        for tag in &front.tags {
            let id = match tag_ids.get(tag) {
                Some(id) => *id,
                None => {
                    let id = site_write::ensure_tag(&mut change, tag, &tag_name(tag.as_str())).await?;
                    tag_ids.insert(tag.clone(), id);
                    id
                }
            };
            tags.push(id);
        }
        let mut images = Vec::new();
        for (n, picture) in front.images.iter().enumerate() {
            let painted = pictures::paint(&picture.scene, &format!("{slug}-{n}"), PICTURE.0, PICTURE.1);
            let text = ImageText {
                alt: &picture.alt,
                caption: &picture.caption,
                credit: &picture.credit,
            };
            let id = media::store_picture(&mut change, state, painted, text)
                .await
                .with_context(context)?;
            pictures.push(id);
            images.push(Placed::new(id, picture.after));
        }
        let published = Timestamp::parse(&front.published).with_context(context)?;
        let updated = front
            .updated
            .as_deref()
            .map(Timestamp::parse)
            .transpose()
            .with_context(context)?;
        let content = ArticleContent {
            slug: front.slug,
            headline: Headline::parse(&front.headline).with_context(context)?,
            standfirst: front.standfirst,
            body: body.to_owned(),
            footnote: front.footnote,
            section,
            featured: front.featured,
            comments: CommentsMode::Open,
            kind: front.kind,
            authors,
            tags,
            images,
            related: Vec::new(),
        };
        let new = NewArticle {
            content,
            status: Status::Published,
            published_at: Some(published),
            updated_at: updated,
        };
        let id = write::create(&mut change, &new).await.with_context(context)?;
        for entry in &front.entries {
            let mut draft = crate::liveblogs::write::EntryDraft {
                title: entry.title.clone(),
                body: entry.body.clone(),
                key_event: entry.key_event,
                pinned: entry.pinned,
                image: None,
                authors: entry
                    .authors
                    .iter()
                    .filter_map(|a| author_ids.get(a).copied())
                    .collect(),
            };
            draft.check().with_context(context)?;
            let at = Timestamp::parse(&entry.at).with_context(context)?;
            crate::liveblogs::write::insert(&mut change, id, &draft, at)
                .await
                .with_context(context)?;
        }
        article_ids.insert(slug, id);
        related.push((id, front.related));
    }

    // Related links need every article to exist; adding them leaves each
    // article's dates as its front matter gives them.
    for (article, links) in related {
        let links = links
            .iter()
            .map(|r| {
                article_ids
                    .get(&r.slug)
                    .map(|id| Placed::new(*id, r.after))
                    .with_context(|| format!("unknown related article {}", r.slug))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        write::add_related(&mut change, article, &links).await?;
    }
    for (position, (name, description, frequency, days, at)) in DEMO_NEWSLETTERS.iter().enumerate() {
        let mut draft = crate::newsletters::write::NewsletterDraft {
            name: (*name).into(),
            description: (*description).into(),
            frequency: (*frequency).into(),
            position: position as i64,
            schedule_days: (*days).into(),
            schedule_at: (*at).into(),
            // An editor reads each one before it goes.
            schedule_review: true,
            ..Default::default()
        };
        draft.check()?;
        crate::newsletters::write::create_newsletter(&mut change, &draft).await?;
    }
    let mut footer = Vec::new();
    for (slug, title, description, body) in DEMO_PAGES {
        let text = crate::site::pages::write::PageText::new(title, description, body, true)?;
        crate::site::pages::write::create(&mut change, &Slug::parse(slug)?, &text).await?;
        footer.push(MenuItem::parse(title, &format!("/{slug}"))?);
    }
    footer.extend(crate::site::menus::default_footer());
    crate::site::menus::replace(&mut change, crate::site::menus::Menu::Footer, &footer).await?;
    change.commit().await?;
    tracing::info!(articles = article_ids.len(), "loaded the demo content");
    Ok(())
}

/// `+++\n<toml>\n+++\n<markdown>` → (toml, markdown).
fn split_front_matter(text: &str) -> anyhow::Result<(&str, &str)> {
    let Some(rest) = text.strip_prefix("+++\n") else {
        bail!("a demo article must start with a +++ line");
    };
    let Some(end) = rest.find("\n+++\n") else {
        bail!("a demo article's front matter must end with a +++ line");
    };
    Ok((&rest[..end], rest[end + 5..].trim()))
}

/// "war-in-ukraine" → "War in Ukraine"; initialisms stay in capitals.
fn tag_name(slug: &str) -> String {
    const INITIALISMS: &[&str] = &["ai", "eu", "nhs", "uk", "un", "us", "cop29"];
    const SMALL_WORDS: &[&str] = &["and", "for", "in", "of", "on", "the", "to"];
    slug.split('-')
        .enumerate()
        .map(|(n, word)| {
            if INITIALISMS.contains(&word) {
                word.to_uppercase()
            } else if n > 0 && SMALL_WORDS.contains(&word) {
                word.to_owned()
            } else {
                let mut chars = word.chars();
                chars
                    .next()
                    .map(|c| c.to_uppercase().chain(chars).collect())
                    .unwrap_or_default()
            }
        })
        .collect::<Vec<String>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_article_parses() {
        assert!(ARTICLES.len() >= 20);
        for text in ARTICLES {
            let (front, body) = split_front_matter(text).unwrap();
            let front: FrontMatter = toml::from_str(front).unwrap();
            assert!(!body.is_empty(), "{} has no body", front.slug);
            Headline::parse(&front.headline).unwrap();
        }
    }

    #[test]
    fn tag_names_read_naturally() {
        assert_eq!(tag_name("north-korea"), "North Korea");
        assert_eq!(tag_name("nhs"), "NHS");
        assert_eq!(tag_name("war-in-ukraine"), "War in Ukraine");
    }
}
