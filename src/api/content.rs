//! The Content API: published articles, sections, tags and authors as JSON,
//! for apps and partners. Read-only; needs a Content API key.

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;

use crate::articles::{Story, StoryFilter, body, notes, queries};
use crate::error::{AppError, AppResult};
use crate::media::ImageView;
use crate::site;
use crate::state::AppState;
use crate::web::form::FormFields;
use crate::web::paging::{PAGE_SIZE, PageNumber};

use super::auth::ContentReader;

#[derive(Serialize)]
pub struct Link {
    pub slug: String,
    pub name: String,
}

#[derive(Serialize)]
pub struct Picture {
    pub url: String,
    pub srcset: String,
    pub alt: String,
    pub width: i64,
    pub height: i64,
}

#[derive(Serialize)]
pub struct ArticleSummary {
    pub id: String,
    pub slug: String,
    pub url: String,
    pub headline: String,
    pub standfirst: String,
    pub section: Link,
    pub published_at: String,
    pub updated_at: String,
    pub image: Option<Picture>,
}

fn picture(state: &AppState, view: &ImageView) -> Picture {
    Picture {
        url: state.site.url(&view.largest),
        srcset: view
            .srcset
            .split(", ")
            .map(|part| state.site.url(part))
            .collect::<Vec<_>>()
            .join(", "),
        alt: view.alt.clone(),
        width: view.width,
        height: view.height,
    }
}

pub fn summary(state: &AppState, story: &Story) -> ArticleSummary {
    let image = match (&story.image_id, &story.image_widths) {
        (Some(id), Some(widths)) => Some(picture(
            state,
            &ImageView::new(
                *id,
                story.image_alt.as_deref().unwrap_or(""),
                story.image_width.unwrap_or(0),
                story.image_height.unwrap_or(0),
                widths,
            ),
        )),
        _ => None,
    };
    ArticleSummary {
        id: story.id.to_string(),
        slug: story.slug.clone(),
        url: state.site.url(&story.path()),
        headline: story.headline.clone(),
        standfirst: story.standfirst.clone(),
        section: Link {
            slug: story.section_slug.clone(),
            name: story.section_name.clone(),
        },
        published_at: story.published_at.rfc3339(),
        updated_at: story.updated_at.rfc3339(),
        image,
    }
}

#[derive(Serialize)]
pub struct ArticleList {
    articles: Vec<ArticleSummary>,
    page: u32,
    per_page: i64,
    total: i64,
}

/// `GET /api/v1/content/articles?section=&tag=&author=&page=`
pub async fn articles(
    State(state): State<AppState>,
    _: ContentReader,
    page: PageNumber,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> AppResult<Json<ArticleList>> {
    let query = FormFields::parse(raw.unwrap_or_default().as_bytes());
    let unknown = |field: &str, slug: &str| AppError::Invalid {
        field: field.into(),
        message: format!("There is no {field} \"{slug}\"."),
    };
    let filter = if !query.get("section").is_empty() {
        let s = site::queries::section_by_slug(&state.db, query.get("section"))
            .await?
            .ok_or_else(|| unknown("section", query.get("section")))?;
        StoryFilter::Section(s.id)
    } else if !query.get("tag").is_empty() {
        let t = site::queries::tag_by_slug(&state.db, query.get("tag"))
            .await?
            .ok_or_else(|| unknown("tag", query.get("tag")))?;
        StoryFilter::Tag(t.id)
    } else if !query.get("author").is_empty() {
        let a = site::queries::author_by_slug(&state.db, query.get("author"))
            .await?
            .ok_or_else(|| unknown("author", query.get("author")))?;
        StoryFilter::Author(a.id)
    } else {
        StoryFilter::All
    };
    let total = queries::count(&state.db, filter).await?;
    let stories = queries::stories(&state.db, filter, PAGE_SIZE, page.offset()).await?;
    Ok(Json(ArticleList {
        articles: stories.iter().map(|s| summary(&state, s)).collect(),
        page: page.0,
        per_page: PAGE_SIZE,
        total,
    }))
}

#[derive(Serialize)]
pub struct Figure {
    #[serde(flatten)]
    picture: Picture,
    caption: String,
    credit: String,
    after: i64,
}

#[derive(Serialize)]
pub struct Related {
    slug: String,
    headline: String,
    url: String,
    after: i64,
}

#[derive(Serialize)]
pub struct Note {
    kind: String,
    body: String,
    at: String,
}

#[derive(Serialize)]
pub struct ArticleDetail {
    #[serde(flatten)]
    summary: ArticleSummary,
    authors: Vec<Link>,
    tags: Vec<Link>,
    body_markdown: String,
    body_html: String,
    footnote: String,
    figures: Vec<Figure>,
    related: Vec<Related>,
    notes: Vec<Note>,
}

/// `GET /api/v1/content/articles/{slug}`
pub async fn article(
    State(state): State<AppState>,
    _: ContentReader,
    Path(slug): Path<String>,
) -> AppResult<Json<ArticleDetail>> {
    let db = &state.db;
    let article = queries::published_by_slug(db, &slug).await?.ok_or(AppError::NotFound)?;
    let story = queries::story_by_id(db, article.id).await?.ok_or(AppError::NotFound)?;
    let figures = queries::figures_of(db, article.id)
        .await?
        .into_iter()
        .map(|f| Figure {
            picture: picture(&state, &ImageView::new(f.id, &f.alt, f.width, f.height, &f.widths)),
            caption: f.caption,
            credit: f.credit,
            after: f.position,
        })
        .collect();
    let related = queries::related_of(db, article.id)
        .await?
        .into_iter()
        .map(|r| Related {
            url: state.site.url(&r.story.path()),
            slug: r.story.slug,
            headline: r.story.headline,
            after: r.position,
        })
        .collect();
    Ok(Json(ArticleDetail {
        summary: summary(&state, &story),
        authors: queries::authors_of(db, article.id)
            .await?
            .into_iter()
            .map(|a| Link {
                slug: a.slug,
                name: a.name,
            })
            .collect(),
        tags: queries::tags_of(db, article.id)
            .await?
            .into_iter()
            .map(|t| Link {
                slug: t.slug,
                name: t.name,
            })
            .collect(),
        body_html: body::blocks(&article.body).iter().map(|b| b.as_str()).collect(),
        body_markdown: article.body,
        footnote: article.footnote,
        figures,
        related,
        notes: notes::of(db, article.id)
            .await?
            .into_iter()
            .map(|n| Note {
                kind: n.kind,
                body: n.body,
                at: n.created_at.rfc3339(),
            })
            .collect(),
    }))
}

#[derive(Serialize)]
pub struct SectionOut {
    slug: String,
    name: String,
    description: String,
    url: String,
}

pub async fn sections(State(state): State<AppState>, _: ContentReader) -> AppResult<Json<Vec<SectionOut>>> {
    Ok(Json(
        site::queries::sections(&state.db)
            .await?
            .into_iter()
            .map(|s| SectionOut {
                url: state.site.url(&format!("/{}", s.slug)),
                slug: s.slug,
                name: s.name,
                description: s.description,
            })
            .collect(),
    ))
}

pub async fn tags(State(state): State<AppState>, _: ContentReader) -> AppResult<Json<Vec<Link>>> {
    Ok(Json(
        site::queries::tags(&state.db)
            .await?
            .into_iter()
            .map(|t| Link {
                slug: t.slug,
                name: t.name,
            })
            .collect(),
    ))
}

#[derive(Serialize)]
pub struct AuthorOut {
    slug: String,
    name: String,
    job_title: String,
    bio: String,
    url: String,
    photo: Option<String>,
}

pub async fn authors(State(state): State<AppState>, _: ContentReader) -> AppResult<Json<Vec<AuthorOut>>> {
    Ok(Json(
        site::queries::authors(&state.db)
            .await?
            .into_iter()
            .map(|a| AuthorOut {
                url: state.site.url(&a.path()),
                photo: a.photo_id.map(|p| state.site.url(&crate::media::variant_path(p, 320))),
                slug: a.slug,
                name: a.name,
                job_title: a.job_title,
                bio: a.bio,
            })
            .collect(),
    ))
}
