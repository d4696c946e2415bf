//! The article page: `/{section}/{slug}`.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;

use crate::articles::ArticleKind;
use crate::domain::Timestamp;
use crate::error::{AppError, AppResult};
use crate::liveblogs::view::LiveView;
use crate::site;
use crate::state::AppState;
use crate::web::{Layout, PageNumber, Rendered, ScriptJson};

use super::jsonld;
use super::model::StoryFilter;
use super::notes;
use super::queries;
use super::view::{ArticleParts, ArticleView, BodyPart, StoryCard};

/// Stories of the same section offered after the story.
const MORE_STORIES: i64 = 4;

#[derive(Template)]
#[template(path = "article.html")]
struct ArticlePage {
    layout: Layout,
    article: ArticleView,
    social: Social,
    json_ld: ScriptJson,
    /// Drawn for the newsroom, not for readers.
    preview: bool,
}

/// Open Graph and Twitter card values that are not already in the view.
struct Social {
    url: String,
    image: Option<String>,
    image_alt: String,
    modified: String,
    /// "en_GB" from "en-GB".
    locale: String,
}

/// `?page=N` pages through a live blog's older entries.
pub async fn show(
    State(state): State<AppState>,
    Path((section, slug)): Path<(String, String)>,
    page: PageNumber,
    headers: HeaderMap,
) -> AppResult<Response> {
    let key = match page.0 {
        1 => format!("/{section}/{slug}"),
        n => format!("/{section}/{slug}?page={n}"),
    };
    state
        .pages
        .serve(key, &headers, render(&state, &section, &slug, page.0))
        .await
}

async fn render(state: &AppState, section: &str, slug: &str, page: u32) -> AppResult<Rendered> {
    let db = &state.db;
    let article = queries::published_by_slug(db, slug).await?.ok_or(AppError::NotFound)?;
    let home = site::queries::section_by_id(db, article.section_id).await?;
    let path = format!("/{}/{}", home.slug, article.slug);
    if home.slug != section {
        return Ok(Rendered::moved_to(path));
    }
    let live = match article.kind() {
        ArticleKind::LiveBlog => Some(
            LiveView::load(state, &article, &path, page)
                .await?
                .ok_or(AppError::NotFound)?,
        ),
        ArticleKind::Story if page > 1 => return Err(AppError::NotFound),
        ArticleKind::Story => None,
    };
    let id = article.id;
    let modified = article.updated_at;
    let parts = ArticleParts {
        authors: queries::authors_of(db, id).await?,
        tags: queries::tags_of(db, id).await?,
        figures: queries::figures_of(db, id).await?,
        related: queries::related_of(db, id).await?,
        notes: notes::of(db, id).await?,
        section_slug: home.slug,
        section_name: home.name,
        article,
    };
    let conversation = crate::comments::forum::under_story(state, &parts.article, &parts.section_slug).await?;
    let more = queries::stories(db, StoryFilter::Section(parts.article.section_id), MORE_STORIES + 1, 0).await?;
    let mut view = ArticleView::new(&state.site, parts);
    view.live = live;
    view.conversation = Some(conversation);
    view.more = more
        .iter()
        .filter(|story| story.id != id)
        .take(MORE_STORIES as usize)
        .map(|story| StoryCard::new(&state.site, story))
        .collect();
    if let Some(appeal) = crate::donations::appeal::current(state).await? {
        view.place_appeal(state.settings.donations.appeal_after_paragraph, appeal, id);
    }
    let section_slug = view.section_url.trim_start_matches('/').to_owned();
    view.newsletter = crate::newsletters::pages::offer_for(db, Some(&section_slug)).await?;
    // An older page of a live blog is a page of its own to search engines.
    let address = if page > 1 { format!("{path}?page={page}") } else { path };
    let html = draw(state, view, &address, modified, false).await?;
    Ok(Rendered::html(html).last_modified(Some(modified)).of_article(id))
}

/// Draws the public article page. The newsroom's preview uses this too, so
/// a preview is the page readers will see.
pub async fn draw(
    state: &AppState,
    view: ArticleView,
    path: &str,
    modified: Timestamp,
    preview: bool,
) -> AppResult<String> {
    let canonical = state.site.url(path);
    let mut images: Vec<String> = view.lead.iter().map(|f| state.site.url(&f.image.largest)).collect();
    images.extend(view.body.iter().filter_map(|part| match part {
        BodyPart::Figure(f) => Some(state.site.url(&f.image.largest)),
        _ => None,
    }));
    let identity = state.site.identity();
    let logo = match identity.logo {
        Some(id) => crate::media::image_view(&state.db, id).await?.map(|v| v.largest),
        None => None,
    };
    let logo = state.site.url(&logo.unwrap_or_else(|| state.assets.url("logo.png")));
    let shared = match (images.first(), identity.share) {
        (None, Some(id)) => crate::media::image_view(&state.db, id)
            .await?
            .map(|v| (state.site.url(&v.largest), v.alt)),
        _ => None,
    };
    let json_ld = match &view.live {
        Some(live) => jsonld::live_blog_posting(
            &state.site,
            &view,
            live,
            &canonical,
            &images,
            &logo,
            &modified.rfc3339(),
        ),
        None => jsonld::news_article(&state.site, &view, &canonical, &images, &logo, &modified.rfc3339()),
    };
    let social = Social {
        url: canonical,
        image: images.first().cloned().or(shared.as_ref().map(|(url, _)| url.clone())),
        image_alt: match (&view.lead, &shared) {
            (Some(figure), _) => figure.image.alt.clone(),
            (None, Some((_, alt))) => alt.clone(),
            (None, None) => String::new(),
        },
        modified: modified.rfc3339(),
        locale: state.site.language().replace('-', "_"),
    };
    let mut layout = Layout::load(state, &view.headline, &view.standfirst, path).await?;
    if preview {
        layout.noindex = true;
        layout.canonical = None;
    }
    let page = ArticlePage {
        layout,
        article: view,
        social,
        json_ld,
        preview,
    };
    Ok(page.render()?)
}
