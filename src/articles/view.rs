//! Articles as readers see them: story cards for lists, and the full page
//! with pictures and related links placed between body blocks.

use crate::media::{Figure, FigureView, ImageView};
use crate::site::Author;
use crate::state::Site;
use crate::web::{SafeHtml, TimeView};

use super::body;
use super::model::{Article, Story};
use super::notes::Note;
use super::queries::{RelatedStory, TagLink};

/// A story in a list: homepage, section, tag and author pages, related links.
#[derive(Clone, Debug)]
pub struct StoryCard {
    pub url: String,
    pub headline: String,
    pub standfirst: String,
    pub section_name: String,
    pub section_url: String,
    pub time: TimeView,
    pub image: Option<ImageView>,
    /// A running live blog, marked "Live" in lists.
    pub live: bool,
    /// A word before the headline an editor chose on a front ("Analysis").
    pub kicker: String,
    /// Who wrote it, shown where the writer matters (opinion).
    pub byline: String,
}

impl StoryCard {
    pub fn new(site: &Site, story: &Story) -> Self {
        let image = match (&story.image_id, &story.image_widths) {
            (Some(id), Some(widths)) => Some(ImageView::new(
                *id,
                story.image_alt.as_deref().unwrap_or(""),
                story.image_width.unwrap_or(0),
                story.image_height.unwrap_or(0),
                widths,
            )),
            _ => None,
        };
        Self {
            url: story.path(),
            headline: story.headline.clone(),
            standfirst: story.standfirst.clone(),
            section_name: story.section_name.clone(),
            section_url: format!("/{}", story.section_slug),
            time: TimeView::card(site, story.published_at),
            image,
            live: story.live,
            kicker: String::new(),
            byline: String::new(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct BylineAuthor {
    pub name: String,
    pub url: String,
    pub job_title: String,
}

/// One piece of an article body, in reading order.
#[derive(Clone, Debug)]
pub enum BodyPart {
    Html(SafeHtml),
    Figure(FigureView),
    Related(Vec<StoryCard>),
    Appeal(AppealView),
}

/// The donation appeal placed in the body.
#[derive(Clone, Debug)]
pub struct AppealView {
    pub text: String,
    pub campaign: Option<crate::donations::appeal::Progress>,
    pub url: String,
}

#[derive(Clone, Debug)]
pub struct ArticleView {
    pub headline: String,
    pub standfirst: String,
    pub section_name: String,
    pub section_url: String,
    pub byline: Vec<BylineAuthor>,
    pub published: TimeView,
    pub updated: Option<TimeView>,
    pub lead: Option<FigureView>,
    pub body: Vec<BodyPart>,
    pub footnote: String,
    pub tags: Vec<TagLink>,
    /// Corrections and updates, oldest first.
    pub notes: Vec<NoteView>,
    /// The forum for this article, and how many comments it holds.
    pub comments_url: String,
    pub comment_count: i64,
    pub comments_open: bool,
    /// The newest other stories of its section, after the story.
    pub more: Vec<StoryCard>,
    /// The comments drawn under the story (the public page only).
    pub conversation: Option<crate::web::SafeHtml>,
    /// A live blog's entries, summary and stream.
    pub live: Option<crate::liveblogs::view::LiveView>,
    /// The newsletter offered under the story.
    pub newsletter: Option<crate::newsletters::pages::Offer>,
}

#[derive(Clone, Debug)]
pub struct NoteView {
    pub label: &'static str,
    pub body: String,
    pub time: TimeView,
}

/// Changes within this many seconds of publication are not shown as updates.
const UPDATE_GRACE_SECS: i64 = 60;

pub struct ArticleParts {
    pub article: Article,
    pub section_slug: String,
    pub section_name: String,
    pub authors: Vec<Author>,
    pub tags: Vec<TagLink>,
    pub figures: Vec<Figure>,
    pub related: Vec<RelatedStory>,
    pub notes: Vec<Note>,
}

impl ArticleView {
    pub fn new(site: &Site, parts: ArticleParts) -> Self {
        let ArticleParts {
            article,
            section_slug,
            section_name,
            authors,
            tags,
            figures,
            related,
            notes,
        } = parts;
        let published_at = article.published_at.unwrap_or(article.updated_at);
        let comments_url = format!("/{section_slug}/{}/comments", article.slug);
        let comment_count = article.comment_count;
        let comments_open = article.comments != "closed";
        let updated = (article.updated_at.as_seconds() - published_at.as_seconds() > UPDATE_GRACE_SECS)
            .then(|| TimeView::long(site, article.updated_at));
        let (lead, body) = compose(site, body::blocks(&article.body), &figures, &related);
        Self {
            headline: article.headline,
            standfirst: article.standfirst,
            section_url: format!("/{section_slug}"),
            section_name,
            byline: authors
                .iter()
                .map(|a| BylineAuthor {
                    name: a.name.clone(),
                    url: a.path(),
                    job_title: a.job_title.clone(),
                })
                .collect(),
            published: TimeView::long(site, published_at),
            updated,
            lead,
            body,
            footnote: article.footnote,
            tags,
            notes: notes
                .iter()
                .map(|n| NoteView {
                    label: n.label(),
                    body: n.body.clone(),
                    time: TimeView::long(site, n.created_at),
                })
                .collect(),
            comments_url,
            comment_count,
            comments_open,
            more: Vec::new(),
            conversation: None,
            live: None,
            newsletter: None,
        }
    }
}

impl ArticleView {
    /// Puts the appeal after the `after`-th paragraph (at the end of a shorter article).
    pub fn place_appeal(
        &mut self,
        after: usize,
        appeal: crate::donations::appeal::Appeal,
        article: impl std::fmt::Display,
    ) {
        if after == 0 {
            return;
        }
        let mut seen = 0;
        let mut at = self.body.len();
        for (i, part) in self.body.iter().enumerate() {
            if matches!(part, BodyPart::Html(_)) {
                seen += 1;
                if seen == after {
                    at = i + 1;
                    break;
                }
            }
        }
        let view = AppealView {
            text: appeal.text,
            campaign: appeal.campaign,
            url: format!("/support?from={article}"),
        };
        self.body.insert(at, BodyPart::Appeal(view));
    }
}

/// Places pictures and related links between the body's blocks. The first
/// picture at position 0 becomes the lead picture above the body.
fn compose(
    site: &Site,
    blocks: Vec<SafeHtml>,
    figures: &[Figure],
    related: &[RelatedStory],
) -> (Option<FigureView>, Vec<BodyPart>) {
    let count = blocks.len() as i64;
    let mut lead = None;
    let mut at: Vec<Vec<BodyPart>> = vec![Vec::new(); blocks.len() + 1];
    let slot = |position: i64| position.clamp(0, count) as usize;
    for figure in figures {
        if figure.position <= 0 && lead.is_none() {
            lead = Some(FigureView::new(figure, false));
        } else {
            at[slot(figure.position)].push(BodyPart::Figure(FigureView::new(figure, true)));
        }
    }
    let mut related_at: Vec<Vec<StoryCard>> = vec![Vec::new(); blocks.len() + 1];
    for link in related {
        let position = if link.position <= 0 { count } else { link.position };
        related_at[slot(position)].push(StoryCard::new(site, &link.story));
    }
    let mut parts = Vec::with_capacity(blocks.len() + figures.len() + related.len());
    let mut extras = at.into_iter().zip(related_at);
    let mut flush = |parts: &mut Vec<BodyPart>| {
        if let Some((figures, cards)) = extras.next() {
            parts.extend(figures);
            if !cards.is_empty() {
                parts.push(BodyPart::Related(cards));
            }
        }
    };
    flush(&mut parts);
    for block in blocks {
        parts.push(BodyPart::Html(block));
        flush(&mut parts);
    }
    (lead, parts)
}
