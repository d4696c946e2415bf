//! Tags (editors and admins): renaming topics.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::accounts::CurrentStaff;
use crate::audit::Target;
use crate::db::sql;
use crate::domain::TagId;
use crate::error::{AppError, AppResult};
use crate::events::Event;
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
    let changed = sql("UPDATE tags SET name = $1 WHERE id = $2")
        .bind(name)
        .bind(id)
        .execute(&state.db)
        .await?;
    if changed == 0 {
        return Err(AppError::NotFound);
    }
    who.audit(&state.db, "renamed a tag", Target::new("tag", id, name), "")
        .await?;
    state.content_changed(Event::ContentChanged).await?;
    Ok(Redirect::to("/newsroom/tags?done=updated").into_response())
}
