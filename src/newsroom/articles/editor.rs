//! The article editor page, for a new article and for an existing one. The
//! save handler draws the same page again when something needs fixing, with
//! everything the user wrote still in it.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Html;
use serde::Deserialize;

use crate::accounts::{CurrentStaff, Permission};
use crate::articles::revisions::DiffLine;
use crate::articles::{Article, CommentsMode, Status, notes, queries, write};
use crate::domain::{ArticleId, ImageId};
use crate::error::{AppError, AppResult};
use crate::media;
use crate::newsroom::layout::{NewsroomLayout, notice_for};
use crate::site;
use crate::state::AppState;
use crate::web::form::FormFields;
use crate::web::stash::{self, Owner};

use super::form::{BYLINE_SLOTS, RELATED_SLOTS, from_content, local_time_value};
use crate::error::FieldErrors;

#[derive(Template)]
#[template(path = "newsroom/editor.html")]
struct EditorPage {
    layout: NewsroomLayout,
    id: Option<ArticleId>,
    action: String,
    version: i64,
    status: Option<Status>,
    /// Who sent this draft back, when, and their note.
    sent_back: Option<(String, String, String)>,
    public_url: Option<String>,
    form: FormFields,
    errors: FieldErrors,
    sections: Vec<Choice>,
    byline: Vec<Vec<Choice>>,
    comments: Vec<Choice>,
    images: Vec<PictureRow>,
    related: Vec<(String, String)>,
    recent: Vec<(String, String)>,
    slug_locked: bool,
    can_publish: bool,
    scheduled_for: Option<String>,
    notes: Vec<(String, String, String)>,
    conflict: Option<Conflict>,
    kept: bool,
}

impl EditorPage {
    fn value(&self, name: &str) -> &str {
        self.form.get(name)
    }

    fn error(&self, name: &str) -> Option<&str> {
        self.errors.get(name)
    }
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

struct PictureRow {
    id: String,
    src: String,
    alt: String,
    caption: String,
    after: String,
}

/// Shown when someone else saved first: who, when, and how their version differs from yours.
pub struct Conflict {
    pub by: String,
    pub at: String,
    pub fields: Vec<(&'static str, Vec<DiffLine>)>,
}

/// Everything the page needs beyond the article itself.
pub struct EditorState {
    pub article: Option<Article>,
    pub form: FormFields,
    pub errors: FieldErrors,
    pub conflict: Option<Conflict>,
    pub notice: Option<&'static str>,
    pub kept: bool,
}

pub async fn draw(state: &AppState, who: &CurrentStaff, editor: EditorState) -> AppResult<String> {
    let db = &state.db;
    let article = editor.article.as_ref();
    let form = editor.form;
    let title = article.map(|a| a.headline.as_str()).unwrap_or("New article");
    let path = article
        .map(|a| format!("/newsroom/articles/{}/edit", a.id))
        .unwrap_or("/newsroom/articles/new".into());
    let layout = NewsroomLayout::new(state, who, title, &path).with_notice(editor.notice);

    let sections = site::queries::sections(db)
        .await?
        .into_iter()
        .map(|s| Choice {
            selected: form.get("section") == s.id.to_string(),
            value: s.id.to_string(),
            label: s.name,
        })
        .collect();
    let authors = site::queries::authors(db).await?;
    let chosen = form.all("author");
    let byline = (0..BYLINE_SLOTS)
        .map(|slot| {
            authors
                .iter()
                .map(|a| Choice {
                    selected: chosen.get(slot).is_some_and(|c| *c == a.id.to_string()),
                    value: a.id.to_string(),
                    label: a.name.clone(),
                })
                .collect()
        })
        .collect();
    let comments = CommentsMode::ALL
        .into_iter()
        .map(|m| Choice {
            selected: form.get("comments") == m.as_str()
                || (form.get("comments").is_empty() && m == CommentsMode::Open),
            value: m.as_str().into(),
            label: match m {
                CommentsMode::Open => "Open",
                CommentsMode::Premoderated => "Open, each comment checked before it shows",
                CommentsMode::Closed => "Closed",
            }
            .into(),
        })
        .collect();
    let removed = form.all("image_remove");
    let mut images = Vec::new();
    for (id, after) in form.all("image_id").into_iter().zip(form.all("image_after")) {
        if removed.contains(&id) {
            continue;
        }
        let Ok(image) = id.parse::<ImageId>() else { continue };
        let (alt, caption) = media::words_of(db, image).await?.unwrap_or_default();
        images.push(PictureRow {
            id: id.to_owned(),
            src: media::variant_path(image, 320),
            alt,
            caption,
            after: after.to_owned(),
        });
    }
    let mut related: Vec<(String, String)> = form
        .all("related_slug")
        .into_iter()
        .zip(form.all("related_after"))
        .filter(|(slug, _)| !slug.trim().is_empty())
        .map(|(s, a)| (s.to_owned(), a.to_owned()))
        .collect();
    while related.len() < RELATED_SLOTS {
        related.push((String::new(), String::new()));
    }
    let recent = queries::stories(db, crate::articles::StoryFilter::All, 200, 0)
        .await?
        .into_iter()
        .map(|s| (s.slug, s.headline))
        .collect();
    let notes = match article {
        Some(a) => notes::of(db, a.id)
            .await?
            .into_iter()
            .map(|n| (n.label().to_owned(), state.site.long_time(n.created_at), n.body))
            .collect(),
        None => Vec::new(),
    };
    let status = article.map(Article::status);
    // A draft an editor sent back shows their note until it goes for review again.
    let sent_back = match article {
        Some(a) if a.status() == Status::Draft => crate::audit::recent(db, Some(("article", &a.id.to_string())), 1, 0)
            .await?
            .into_iter()
            .find(|e| e.action == crate::articles::workflow::SENT_BACK)
            .map(|e| (e.actor_name, state.site.long_time(e.at), e.detail)),
        _ => None,
    };
    let public_url = match article {
        Some(a) if a.status() == Status::Published => {
            let section = site::queries::section_by_id(db, a.section_id).await?;
            Some(format!("/{}/{}", section.slug, a.slug))
        }
        _ => None,
    };
    let page = EditorPage {
        layout,
        id: article.map(|a| a.id),
        action: article
            .map(|a| format!("/newsroom/articles/{}", a.id))
            .unwrap_or("/newsroom/articles".into()),
        version: form
            .get("version")
            .parse()
            .unwrap_or(article.map(|a| a.version).unwrap_or(0)),
        status,
        sent_back,
        public_url,
        scheduled_for: article
            .filter(|a| a.status() == Status::Scheduled)
            .and_then(|a| a.published_at)
            .map(|t| state.site.long_time(t)),
        slug_locked: article.is_some_and(|a| a.ever_published),
        can_publish: who.can(Permission::PublishArticles),
        form,
        errors: editor.errors,
        sections,
        byline,
        comments,
        images,
        related,
        recent,
        notes,
        conflict: editor.conflict,
        kept: editor.kept,
    };
    Ok(page.render()?)
}

#[derive(Deserialize)]
pub struct EditQuery {
    #[serde(default)]
    done: String,
    /// A form kept while the session had ended.
    #[serde(default)]
    restore: String,
}

pub async fn new(
    State(state): State<AppState>,
    who: CurrentStaff,
    headers: HeaderMap,
    Query(query): Query<EditQuery>,
) -> AppResult<Html<String>> {
    let kept = restore(&state, &who, &headers, "/newsroom/articles/new", &query.restore).await?;
    let form = match &kept {
        Some(form) => form.clone(),
        None => {
            let mut form = FormFields::default();
            if let Some(author) = who.staff.author_id.or(state.site.identity().author) {
                form.push("author", &author.to_string());
            }
            form
        }
    };
    let editor = EditorState {
        article: None,
        form,
        errors: FieldErrors::default(),
        conflict: None,
        notice: None,
        kept: kept.is_some(),
    };
    Ok(Html(draw(&state, &who, editor).await?))
}

pub async fn edit(
    State(state): State<AppState>,
    who: CurrentStaff,
    headers: HeaderMap,
    Path(id): Path<ArticleId>,
    Query(query): Query<EditQuery>,
) -> AppResult<Html<String>> {
    let article = queries::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    crate::articles::rights::may_edit(&who, &article)?;
    let path = format!("/newsroom/articles/{id}/edit");
    let kept = restore(&state, &who, &headers, &path, &query.restore).await?;
    let form = match &kept {
        Some(form) => form.clone(),
        None => {
            let mut form = from_content(&state.db, &write::content_of(&state.db, &article).await?).await?;
            form.push("version", &article.version.to_string());
            if let Some(at) = article.published_at.filter(|_| article.status() == Status::Scheduled) {
                form.push("publish_at", &local_time_value(&state.site, at));
            }
            form
        }
    };
    let editor = EditorState {
        article: Some(article),
        form,
        errors: FieldErrors::default(),
        conflict: None,
        notice: notice_for(&query.done),
        kept: kept.is_some(),
    };
    Ok(Html(draw(&state, &who, editor).await?))
}

/// A form this person kept (signed in as them, or from this browser) while
/// their session had ended; anyone else's token brings back nothing.
async fn restore(
    state: &AppState,
    who: &CurrentStaff,
    headers: &HeaderMap,
    path: &str,
    token: &str,
) -> AppResult<Option<FormFields>> {
    if token.is_empty() {
        return Ok(None);
    }
    let mut owners = vec![Owner::Staff(who.staff.id)];
    owners.extend(Owner::browser(headers));
    stash::take(&state.db, path, token, &owners).await
}
