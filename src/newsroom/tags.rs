//! Tags (editors and admins): renaming topics.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::accounts::CurrentStaff;
use crate::change::Change;
use crate::domain::TagId;
use crate::error::{AppError, AppResult};
use crate::site::Tag;
use crate::site::queries;
use crate::state::AppState;
use crate::web::form::FormFields;

use super::layout::{Done, NewsroomLayout};

#[derive(Template)]
#[template(path = "newsroom/tags.html")]
struct TagsPage {
    layout: NewsroomLayout,
    tags: Vec<Tag>,
}

pub async fn show(
    State(state): State<AppState>,
    who: CurrentStaff,
    Query(done): Query<Done>,
) -> AppResult<Html<String>> {
    let layout = NewsroomLayout::new(&state, &who, "Tags", "/newsroom/tags").with_notice(done.notice());
    Ok(Html(
        TagsPage {
            layout,
            tags: queries::tags(&state.db).await?,
        }
        .render()?,
    ))
}

pub async fn rename(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(id): Path<TagId>,
    form: FormFields,
) -> AppResult<Response> {
    let name = form.get("name").trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(AppError::Invalid {
            field: "name".into(),
            message: "A tag's name has 1 to 60 characters.".into(),
        });
    }
    let mut change = Change::begin(&state, &who).await?;
    crate::site::write::rename_tag(&mut change, id, name).await?;
    change.commit().await?;
    Ok(Redirect::to("/newsroom/tags?done=updated").into_response())
}
