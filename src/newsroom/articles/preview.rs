//! Preview: the editor's unsaved text drawn by the public article template.

use axum::extract::{Multipart, State};
use axum::response::Html;

use crate::articles::page::draw;
use crate::articles::queries::{RelatedStory, TagLink};
use crate::articles::view::{ArticleParts, ArticleView};
use crate::articles::{Article, ArticleContent, Headline};
use crate::db::sql;
use crate::domain::{ArticleId, Slug, Timestamp};
use crate::error::{AppError, AppResult};
use crate::media::Figure;
use crate::site;
use crate::state::AppState;
use crate::web::form::MultipartForm;

use super::form::to_input;

pub async fn show(State(state): State<AppState>, multipart: Multipart) -> AppResult<Html<String>> {
    let submission = MultipartForm::read(multipart, 0).await;
    let needs = |errors: crate::error::FieldErrors| {
        AppError::BadRequest(format!(
            "The preview needs {}: go back and fill it in.",
            errors
                .0
                .values()
                .next()
                .map(String::as_str)
                .unwrap_or("a headline and a section")
        ))
    };
    let input = to_input(&submission.fields).map_err(needs)?;
    let content = match input.preview(&state.db, None).await {
        Ok(content) => content,
        Err(crate::error::Refused::Fields(errors)) => return Err(needs(errors)),
        Err(crate::error::Refused::Failed(err)) => return Err(err),
    };
    let section = site::queries::section_by_id(&state.db, content.section).await?;
    let now = Timestamp::now();
    let (view, path) = view_of(&state, &content, &section, submission.fields.get("tags"), now).await?;
    Ok(Html(draw(&state, view, &path, now, true).await?))
}

async fn view_of(
    state: &AppState,
    content: &ArticleContent,
    section: &site::Section,
    tag_names: &str,
    now: Timestamp,
) -> AppResult<(ArticleView, String)> {
    let db = &state.db;
    let mut authors = Vec::new();
    for id in &content.authors {
        let found: Option<site::Author> =
            sql("SELECT id, slug, name, job_title, bio, photo_id FROM authors WHERE id = $1")
                .bind(*id)
                .fetch_optional(db)
                .await?;
        authors.extend(found);
    }
    let mut figures = Vec::new();
    for placed in &content.images {
        let found: Option<Figure> = sql(
            "SELECT id, alt, caption, credit, width, height, widths, CAST($2 AS BIGINT) AS position FROM images WHERE id = $1",
        )
        .bind(placed.item)
        .bind(placed.after)
        .fetch_optional(db)
        .await?;
        figures.extend(found);
    }
    let mut related = Vec::new();
    for placed in &content.related {
        let stories = crate::articles::queries::story_by_id(db, placed.item).await?;
        related.extend(stories.map(|story| RelatedStory {
            story,
            position: placed.after,
        }));
    }
    let tags = tag_names
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .filter_map(|name| {
            Slug::suggest(name).map(|slug| TagLink {
                slug: slug.to_string(),
                name: name.to_owned(),
            })
        })
        .collect();
    let article = Article {
        id: ArticleId::new(),
        slug: content.slug.to_string(),
        kind: content.kind.as_str().into(),
        status: "draft".into(),
        headline: Headline::as_str(&content.headline).to_owned(),
        standfirst: content.standfirst.clone(),
        body: content.body.clone(),
        footnote: content.footnote.clone(),
        section_id: content.section,
        featured: content.featured,
        comments: content.comments.as_str().into(),
        published_at: Some(now),
        updated_at: now,
        version: 0,
        ever_published: false,
        created_by: None,
        comment_count: 0,
        live_ended_at: None,
    };
    let path = format!("/{}/{}", section.slug, content.slug);
    let parts = ArticleParts {
        article,
        section_slug: section.slug.clone(),
        section_name: section.name.clone(),
        authors,
        tags,
        figures,
        related,
        notes: Vec::new(),
    };
    let id = parts.article.id;
    let mut view = ArticleView::new(&state.site, parts);
    if let Some(appeal) = crate::donations::appeal::current(state).await? {
        view.place_appeal(state.settings.donations.appeal_after_paragraph, appeal, id);
    }
    Ok((view, path))
}
