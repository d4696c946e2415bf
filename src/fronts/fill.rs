//! From a front's layout to what readers see: each container's stories,
//! the placed ones first (with the front's own words), then the newest that
//! fit its source, and no story twice on one front.

use std::collections::HashSet;

use crate::articles::{Story, StoryCard, StoryFilter, queries};
use crate::db::Db;
use crate::domain::{ArticleId, Timestamp};
use crate::error::AppResult;
use crate::media::image_view;
use crate::site::menus::MenuItem;
use crate::site::queries as site_queries;
use crate::state::Site;

use super::layout::{Container, FrontLayout, Kind};

/// A container ready to draw.
pub struct FilledContainer {
    pub kind: Kind,
    pub title: String,
    /// Where the heading leads (the section or tag it draws from).
    pub url: Option<String>,
    pub cards: Vec<StoryCard>,
    pub links: Vec<MenuItem>,
}

/// Fills every container showing at `now`. A story placed anywhere on the
/// front is kept for its place, so automatic filling never repeats it.
pub async fn fill(db: &Db, site: &Site, layout: &FrontLayout, now: Timestamp) -> AppResult<Vec<FilledContainer>> {
    let showing: Vec<&Container> = layout.containers.iter().filter(|c| c.showing(now)).collect();
    let placed: HashSet<ArticleId> = showing
        .iter()
        .flat_map(|c| c.slots.iter().filter(|s| s.holding(now)).map(|s| s.article))
        .collect();
    let mut used: HashSet<ArticleId> = HashSet::new();
    let mut filled = Vec::new();
    for container in showing {
        let mut cards: Vec<(ArticleId, StoryCard)> = Vec::new();
        if container.kind == Kind::Links {
            filled.push(FilledContainer {
                kind: container.kind,
                title: container.title.clone(),
                url: None,
                cards: Vec::new(),
                links: container.links.clone(),
            });
            continue;
        }
        let size = container.size.clamp(1, super::layout::MAX_SIZE);
        for slot in container.slots.iter().filter(|s| s.holding(now)) {
            if cards.len() == size || used.contains(&slot.article) {
                continue;
            }
            let Some(story) = queries::story_by_id(db, slot.article).await? else {
                continue;
            };
            let mut card = StoryCard::new(site, &story);
            if !slot.headline.trim().is_empty() {
                card.headline = slot.headline.trim().to_owned();
            }
            if !slot.standfirst.trim().is_empty() {
                card.standfirst = slot.standfirst.trim().to_owned();
            }
            card.kicker = slot.kicker.trim().to_owned();
            if let Some(picture) = slot.picture
                && let Some(view) = image_view(db, picture).await?
            {
                card.image = Some(view);
            }
            used.insert(story.id);
            cards.push((story.id, card));
        }
        if cards.len() < size {
            let wanted = (size - cards.len()) as i64;
            // Enough extra to step over every story used or placed elsewhere.
            let reach = wanted + (used.len() + placed.len()) as i64;
            for story in automatic(db, container, reach).await? {
                if cards.len() == size {
                    break;
                }
                if used.contains(&story.id) || placed.contains(&story.id) {
                    continue;
                }
                used.insert(story.id);
                cards.push((story.id, StoryCard::new(site, &story)));
            }
        }
        if container.kind == Kind::Opinion {
            let ids: Vec<ArticleId> = cards.iter().map(|(id, _)| *id).collect();
            let bylines = queries::bylines(db, &ids).await?;
            for (id, card) in &mut cards {
                card.byline = bylines.get(id).map(|names| names.join(" and ")).unwrap_or_default();
            }
        }
        if cards.is_empty() {
            continue;
        }
        filled.push(FilledContainer {
            kind: container.kind,
            title: container.title.clone(),
            url: (!container.source.is_empty()).then(|| container.source.clone()),
            cards: cards.into_iter().map(|(_, card)| card).collect(),
            links: Vec::new(),
        });
    }
    Ok(filled)
}

/// The newest stories a container draws from, up to `limit`.
async fn automatic(db: &Db, container: &Container, limit: i64) -> AppResult<Vec<Story>> {
    if container.kind == Kind::Live {
        return Ok(queries::live_now(db, limit).await?);
    }
    let filter = match source_filter(db, &container.source).await? {
        Some(filter) => filter,
        // Its section or tag is gone: nothing to fill it with.
        None => return Ok(Vec::new()),
    };
    let mut stories = Vec::new();
    if container.kind == Kind::Lead && matches!(filter, StoryFilter::All) {
        stories.extend(queries::lead(db).await?);
    }
    stories.extend(queries::stories(db, filter, limit, 0).await?);
    Ok(stories)
}

/// The stories a source names: "" everything, "/world" a section, "/tag/x" a tag.
pub async fn source_filter(db: &Db, source: &str) -> AppResult<Option<StoryFilter>> {
    if source.is_empty() {
        return Ok(Some(StoryFilter::All));
    }
    if let Some(tag) = source.strip_prefix("/tag/") {
        return Ok(site_queries::tag_by_slug(db, tag)
            .await?
            .map(|t| StoryFilter::Tag(t.id)));
    }
    Ok(site_queries::section_by_slug(db, source.trim_start_matches('/'))
        .await?
        .map(|s| StoryFilter::Section(s.id)))
}
