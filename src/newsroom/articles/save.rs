//! Saving the editor: store any new picture, check the content, save it
//! over the version the editor started from, then take the chosen step
//! (submit, schedule, publish). Whatever goes wrong, the page comes back with
//! everything the user wrote; a session that ended keeps the form for later.

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::accounts::{CurrentStaff, MaybeStaff, Permission};
use crate::articles::workflow::{self, Transition};
use crate::articles::write::{self, NewArticle, SaveError};
use crate::articles::{Article, Status, queries, revisions};
use crate::audit::{self, Actor, Target};
use crate::domain::{ArticleId, Timestamp};
use crate::error::{AppError, AppResult};
use crate::events::Event;
use crate::media::{self, ImageText};
use crate::state::AppState;
use crate::web::form::{FormFields, MultipartForm};
use crate::web::{stash, urlencode};

use super::editor::{Conflict, EditorState, draw};
use super::form::{FieldErrors, from_content, parse_local_time, to_content};
use crate::articles::rights::may_edit;

/// The largest picture the editor accepts.
pub const MAX_PICTURE_BYTES: usize = 20 * 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Save,
    Submit,
    Schedule,
    Publish,
}

impl Action {
    fn parse(value: &str) -> Self {
        match value {
            "submit" => Action::Submit,
            "schedule" => Action::Schedule,
            "publish" => Action::Publish,
            _ => Action::Save,
        }
    }
}

pub async fn create(State(state): State<AppState>, who: MaybeStaff, multipart: Multipart) -> AppResult<Response> {
    submit(&state, who, None, multipart).await
}

pub async fn update(
    State(state): State<AppState>,
    who: MaybeStaff,
    Path(id): Path<ArticleId>,
    multipart: Multipart,
) -> AppResult<Response> {
    submit(&state, who, Some(id), multipart).await
}

async fn submit(state: &AppState, who: MaybeStaff, id: Option<ArticleId>, multipart: Multipart) -> AppResult<Response> {
    let mut submission = MultipartForm::read(multipart, MAX_PICTURE_BYTES).await;
    let edit_path = match id {
        Some(id) => format!("/newsroom/articles/{id}/edit"),
        None => "/newsroom/articles/new".to_owned(),
    };
    let Some(who) = who else {
        // The session ended while they were writing: keep it all for after sign-in.
        let token = stash::keep(&state.db, &edit_path, &submission.fields).await?;
        let next = format!("{edit_path}?restore={token}");
        return Ok(Redirect::to(&format!("/newsroom/login?expired=1&next={}", urlencode(&next))).into_response());
    };
    let article = match id {
        Some(id) => {
            let article = queries::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
            may_edit(&who, &article)?;
            Some(article)
        }
        None => None,
    };
    let action = Action::parse(submission.fields.get("action"));
    if matches!(action, Action::Schedule | Action::Publish) {
        who.require(Permission::PublishArticles)?;
    }
    let mut form = submission.fields;
    let mut errors = FieldErrors::default();
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;

    if let Some(err) = submission.upload_error.take() {
        status = err.status();
        errors.absorb(err, "picture");
    } else if let Some(upload) = submission.upload.take() {
        match attach_picture(state, &mut form, &upload.bytes).await {
            Ok(()) => {}
            Err(err) => {
                if !matches!(err, AppError::Invalid { .. }) {
                    status = err.status();
                }
                errors.absorb(err, "picture");
            }
        }
    }

    let schedule_at = match action {
        Action::Schedule => match parse_local_time(&state.site, form.get("publish_at")) {
            Ok(at) if at > Timestamp::now() => Some(at),
            Ok(_) => {
                errors.add("publish_at", "Choose a time in the future to schedule the article.");
                None
            }
            Err(err) => {
                errors.absorb(err, "publish_at");
                None
            }
        },
        _ => None,
    };

    let content = match to_content(&state.db, &form).await {
        Ok(content) if errors.is_empty() => content,
        Ok(_) => return redraw(state, &who, article, form, errors, None, status).await,
        Err(more) => {
            errors.0.extend(more.0);
            return redraw(state, &who, article, form, errors, None, status).await;
        }
    };

    let actor = Actor::from(&who.staff);
    let was_public = article.as_ref().is_some_and(|a| a.status() == Status::Published);
    let (id, verb) = match &article {
        None => {
            let new = NewArticle {
                content: content.clone(),
                status: Status::Draft,
                published_at: None,
                updated_at: None,
            };
            match write::create(&state.db, new, &actor).await {
                Ok(id) => (id, "created"),
                Err(err) => {
                    errors.absorb(err, "headline");
                    return redraw(
                        state,
                        &who,
                        article,
                        form,
                        errors,
                        None,
                        StatusCode::UNPROCESSABLE_ENTITY,
                    )
                    .await;
                }
            }
        }
        Some(stored) => {
            let expected: i64 = form.get("version").parse().unwrap_or(-1);
            match write::save(&state.db, stored.id, expected, &content, &actor).await {
                Ok(_) => (stored.id, "saved"),
                Err(SaveError::Conflict(current)) => {
                    let conflict = conflict(state, &current, &form).await?;
                    form.set("version", &current.version.to_string());
                    let current = Some(*current);
                    return redraw(state, &who, current, form, errors, Some(conflict), StatusCode::CONFLICT).await;
                }
                Err(SaveError::Failed(err)) => {
                    errors.absorb(err, "headline");
                    return redraw(
                        state,
                        &who,
                        article,
                        form,
                        errors,
                        None,
                        StatusCode::UNPROCESSABLE_ENTITY,
                    )
                    .await;
                }
            }
        }
    };
    audit::record(
        &state.db,
        &actor,
        verb,
        Target::new("article", id, content.headline.as_str()),
        "",
    )
    .await?;

    let (transition, done) = match action {
        Action::Save => (None, "saved"),
        Action::Submit => (Some(Transition::Submit), "submitted"),
        Action::Schedule => (schedule_at.map(Transition::Schedule), "scheduled"),
        Action::Publish => (Some(Transition::Publish), "published"),
    };
    let mut now_public = was_public;
    if let Some(transition) = transition {
        let after = workflow::apply(&state.db, id, transition, &actor).await?;
        now_public = after.status() == Status::Published;
    }
    if was_public || now_public {
        state.content_changed(Event::ContentChanged).await?;
    }
    if now_public && !was_public && form.get("send_alert") == "on" && who.can(Permission::SendAlerts) {
        let draft = crate::alerts::desk::draft_for_article(&state.db, id).await?;
        let alert = crate::alerts::desk::send(state, &who, &draft).await?;
        return Ok(Redirect::to(&format!("/newsroom/alerts/{alert}")).into_response());
    }
    Ok(Redirect::to(&format!("/newsroom/articles/{id}/edit?done={done}")).into_response())
}

/// Stores the uploaded picture and adds it to the form's pictures.
async fn attach_picture(state: &AppState, form: &mut FormFields, bytes: &[u8]) -> Result<(), AppError> {
    let alt = form.get("picture_alt").trim().to_owned();
    if alt.is_empty() {
        return Err(AppError::Invalid {
            field: "picture_alt".into(),
            message: "Describe the picture for readers who cannot see it: alt text is required.".into(),
        });
    }
    let text = ImageText {
        alt: &alt,
        caption: form.get("picture_caption"),
        credit: form.get("picture_credit"),
    };
    let image = media::store(&state.db, &state.settings.media.dir, bytes, text).await?;
    let after = match form.get("picture_after").trim() {
        "" if form.all("image_id").is_empty() => "0".to_owned(),
        "" => "1".to_owned(),
        n => n.to_owned(),
    };
    form.push("image_id", &image.to_string());
    form.push("image_after", &after);
    for field in ["picture_alt", "picture_caption", "picture_credit", "picture_after"] {
        form.set(field, "");
    }
    Ok(())
}

/// What the other person saved, against what this person is trying to save.
async fn conflict(state: &AppState, current: &Article, yours: &FormFields) -> AppResult<Conflict> {
    let theirs = from_content(&state.db, &write::content_of(&state.db, current).await?).await?;
    let latest = revisions::list(&state.db, current.id).await?.into_iter().next();
    let fields = [
        ("Headline", "headline"),
        ("Standfirst", "standfirst"),
        ("Body", "body"),
        ("Footnote", "footnote"),
        ("Tags", "tags"),
    ]
    .into_iter()
    .filter(|(_, name)| theirs.get(name).trim() != yours.get(name).trim())
    .map(|(label, name)| (label, revisions::diff(theirs.get(name), yours.get(name))))
    .collect();
    Ok(Conflict {
        by: latest
            .as_ref()
            .map(|r| r.saved_by_name.clone())
            .unwrap_or_else(|| "Someone".into()),
        at: latest.map(|r| state.site.long_time(r.saved_at)).unwrap_or_default(),
        fields,
    })
}

async fn redraw(
    state: &AppState,
    who: &CurrentStaff,
    article: Option<Article>,
    form: FormFields,
    errors: FieldErrors,
    conflict: Option<Conflict>,
    status: StatusCode,
) -> AppResult<Response> {
    let editor = EditorState {
        article,
        form,
        errors,
        conflict,
        notice: None,
        kept: false,
    };
    Ok((status, Html(draw(state, who, editor).await?)).into_response())
}
