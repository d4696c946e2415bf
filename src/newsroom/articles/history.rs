//! Revision history: every saved version, what changed in each, and restoring one.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::accounts::{CurrentStaff, Permission};
use crate::articles::queries;
use crate::articles::revisions::{self, DiffLine};
use crate::articles::write::{self, SaveError};
use crate::change::Change;
use crate::domain::ArticleId;
use crate::error::{AppError, AppResult};
use crate::newsroom::layout::NewsroomLayout;
use crate::state::AppState;

use super::form::from_content;

#[derive(Template)]
#[template(path = "newsroom/history.html")]
struct HistoryPage {
    layout: NewsroomLayout,
    id: ArticleId,
    headline: String,
    current: i64,
    revisions: Vec<(i64, String, String)>,
}

#[derive(Template)]
#[template(path = "newsroom/revision.html")]
struct RevisionPage {
    layout: NewsroomLayout,
    id: ArticleId,
    version: i64,
    by: String,
    at: String,
    compared_with: Option<i64>,
    fields: Vec<(&'static str, Vec<DiffLine>)>,
    can_restore: bool,
    is_current: bool,
}

pub async fn list(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(id): Path<ArticleId>,
) -> AppResult<Html<String>> {
    let article = queries::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    crate::articles::rights::may_read_history(&who, &article)?;
    let revisions = revisions::list(&state.db, id)
        .await?
        .into_iter()
        .map(|r| (r.version, r.saved_by_name, state.site.long_time(r.saved_at)))
        .collect();
    let layout = NewsroomLayout::new(&state, &who, &format!("History of {}", article.headline), "/newsroom");
    Ok(Html(
        HistoryPage {
            layout,
            id,
            headline: article.headline,
            current: article.version,
            revisions,
        }
        .render()?,
    ))
}

/// One version, compared with the version before it.
pub async fn show(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path((id, version)): Path<(ArticleId, i64)>,
) -> AppResult<Html<String>> {
    let article = queries::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    crate::articles::rights::may_read_history(&who, &article)?;
    let (revision, content) = revisions::content(&state.db, id, version)
        .await?
        .ok_or(AppError::NotFound)?;
    let this = from_content(&state.db, &content).await?;
    let previous = match revisions::content(&state.db, id, version - 1).await? {
        Some((_, before)) => Some(from_content(&state.db, &before).await?),
        None => None,
    };
    let empty = crate::web::form::FormFields::default();
    let before = previous.as_ref().unwrap_or(&empty);
    let fields = [
        ("Headline", "headline"),
        ("Slug", "slug"),
        ("Standfirst", "standfirst"),
        ("Body", "body"),
        ("Footnote", "footnote"),
        ("Tags", "tags"),
    ]
    .into_iter()
    .filter(|(_, name)| before.get(name) != this.get(name))
    .map(|(label, name)| (label, revisions::diff(before.get(name), this.get(name))))
    .collect();
    let layout = NewsroomLayout::new(
        &state,
        &who,
        &format!("Version {version} of {}", article.headline),
        "/newsroom",
    );
    Ok(Html(
        RevisionPage {
            layout,
            id,
            version,
            by: revision.saved_by_name,
            at: state.site.long_time(revision.saved_at),
            compared_with: previous.map(|_| version - 1),
            fields,
            can_restore: who.can(Permission::PublishArticles),
            is_current: version == article.version,
        }
        .render()?,
    ))
}

/// Saves an old version's content as the newest version.
pub async fn restore(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path((id, version)): Path<(ArticleId, i64)>,
) -> AppResult<Response> {
    let article = queries::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let (_, mut content) = revisions::content(&state.db, id, version)
        .await?
        .ok_or(AppError::NotFound)?;
    // The address is fixed once public; an old slug cannot come back.
    if article.ever_published {
        content.slug = crate::domain::Slug::parse(&article.slug).map_err(|e| AppError::Internal(e.into()))?;
    }
    let mut change = Change::begin(&state, &who).await?;
    match write::save(
        &mut change,
        id,
        article.version,
        &content,
        ("restored a revision", &format!("version {version}")),
    )
    .await
    {
        Ok(_) => {}
        Err(SaveError::Conflict(_)) => {
            return Err(AppError::Conflict(
                "Someone saved the article a moment ago. Look at the history again.".into(),
            ));
        }
        Err(SaveError::Failed(err)) => return Err(err),
    }
    change.commit().await?;
    Ok(Redirect::to(&format!("/newsroom/articles/{id}/edit?done=restored")).into_response())
}
