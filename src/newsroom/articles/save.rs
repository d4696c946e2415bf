//! Saving the editor: store any new picture, check the content, save it
//! over the version the editor started from, then take the chosen step
//! (submit, schedule, publish). Whatever goes wrong, the page comes back with
//! everything the user wrote; a session that ended keeps the form for later.

use anyhow::Context;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::accounts::extract::STAFF_COOKIE;
use crate::accounts::{CurrentStaff, MaybeStaff, Permission};
use crate::articles::workflow::{self, Transition};
use crate::articles::write::{self, NewArticle, SaveError};
use crate::articles::{Article, Status, queries, revisions};
use crate::change::Change;
use crate::domain::{ArticleId, Timestamp};
use crate::error::{AppError, AppResult, FieldErrors, Refused};
use crate::media::{self, ImageText, MAX_PICTURE_BYTES};
use crate::newsroom::login::secure;
use crate::state::AppState;
use crate::web::client::Client;
use crate::web::form::{FormFields, MultipartForm};
use crate::web::stash::{self, Owner};
use crate::web::urlencode;

use super::editor::{Conflict, EditorState, draw};
use super::form::{from_content, parse_local_time, to_input};
use crate::articles::rights::may_edit;

/// The session ended while they were writing: keep it all for after
/// sign-in, for the member whose session it was (or else this browser).
async fn keep_for_later(
    state: &AppState,
    headers: &HeaderMap,
    client: &Client,
    edit_path: &str,
    fields: &FormFields,
) -> AppResult<Response> {
    let (owner, cookie) = match Owner::lapsed_staff(&state.db, headers, STAFF_COOKIE).await? {
        Some(owner) => (owner, None),
        None => Owner::browser_or_new(headers, secure(state)),
    };
    let login = match stash::keep(&state.db, &owner, &client.ip, edit_path, fields).await? {
        Some(token) => format!(
            "/newsroom/login?expired=1&next={}",
            urlencode(&format!("{edit_path}?restore={token}"))
        ),
        None => format!("/newsroom/login?next={}", urlencode(edit_path)),
    };
    let mut response = Redirect::to(&login).into_response();
    if let Some(cookie) = cookie {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

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

/// Who is saving: the signed-in member, or a request whose session has ended.
pub struct Saver {
    who: MaybeStaff,
    headers: HeaderMap,
    client: Client,
}

pub async fn create(
    State(state): State<AppState>,
    who: MaybeStaff,
    headers: HeaderMap,
    client: Client,
    multipart: Multipart,
) -> AppResult<Response> {
    let saver = Saver { who, headers, client };
    submit(&state, saver, None, multipart).await
}

pub async fn update(
    State(state): State<AppState>,
    who: MaybeStaff,
    headers: HeaderMap,
    client: Client,
    Path(id): Path<ArticleId>,
    multipart: Multipart,
) -> AppResult<Response> {
    let saver = Saver { who, headers, client };
    submit(&state, saver, Some(id), multipart).await
}

async fn submit(state: &AppState, saver: Saver, id: Option<ArticleId>, multipart: Multipart) -> AppResult<Response> {
    let mut submission = MultipartForm::read(multipart, MAX_PICTURE_BYTES).await;
    let edit_path = match id {
        Some(id) => format!("/newsroom/articles/{id}/edit"),
        None => "/newsroom/articles/new".to_owned(),
    };
    let Some(who) = saver.who else {
        return keep_for_later(state, &saver.headers, &saver.client, &edit_path, &submission.fields).await;
    };
    let article = match id {
        Some(id) => {
            let article = queries::by_id(&state.db, id)
                .await
                .with_context(|| format!("loading article {id} to save it"))?
                .ok_or(AppError::NotFound)?;
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
        file_under(&mut errors, err, "picture")?;
    } else if let Some(upload) = submission.upload.take() {
        match attach_picture(state, &who, &mut form, &upload.bytes).await {
            Ok(()) => {}
            Err(err) => {
                if !matches!(err, AppError::Invalid { .. }) {
                    status = err.status();
                }
                file_under(&mut errors, err, "picture")?;
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
                file_under(&mut errors, err, "publish_at")?;
                None
            }
        },
        _ => None,
    };
    let input = match to_input(&form) {
        Ok(input) => input,
        Err(more) => {
            errors.0.extend(more.0);
            return redraw(state, &who, article, form, errors, None, status).await;
        }
    };

    // The content, its audit line, the step taken and the announcement: one change.
    let mut change = Change::begin(state, &who).await?;
    let base = match &article {
        Some(stored) => Some(write::content_of(&state.db, stored).await?),
        None => None,
    };
    let content = match input.resolve(&mut change, base.as_ref()).await {
        Ok(content) if errors.is_empty() => content,
        Ok(_) => return redraw(state, &who, article, form, errors, None, status).await,
        Err(Refused::Fields(more)) => {
            errors.0.extend(more.0);
            return redraw(state, &who, article, form, errors, None, status).await;
        }
        Err(Refused::Failed(err)) => return Err(err),
    };
    let id = match &article {
        None => {
            let new = NewArticle {
                content: content.clone(),
                status: Status::Draft,
                published_at: None,
                updated_at: None,
            };
            match write::create(&mut change, &new).await {
                Ok(id) => id,
                Err(err) => {
                    file_under(&mut errors, err, "headline")?;
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
            match write::save(&mut change, stored.id, expected, &content, ("saved", "")).await {
                Ok(_) => stored.id,
                Err(SaveError::Conflict(current)) => {
                    drop(change);
                    let conflict = conflict(state, &current, &form).await?;
                    form.set("version", &current.version.to_string());
                    let current = Some(*current);
                    return redraw(state, &who, current, form, errors, Some(conflict), StatusCode::CONFLICT).await;
                }
                Err(SaveError::Failed(err)) => {
                    file_under(&mut errors, err, "headline")?;
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
    let (transition, done) = match action {
        Action::Save => (None, "saved"),
        Action::Submit => (Some(Transition::Submit), "submitted"),
        Action::Schedule => (schedule_at.map(Transition::Schedule), "scheduled"),
        Action::Publish => (Some(Transition::Publish), "published"),
    };
    let was_public = article.as_ref().is_some_and(|a| a.status() == Status::Published);
    let mut now_public = was_public;
    if let Some(transition) = transition {
        now_public = workflow::apply(&mut change, id, transition).await? == Status::Published;
    }
    change.commit().await?;
    if now_public && !was_public && form.get("send_alert") == "on" && who.can(Permission::SendAlerts) {
        let draft = crate::alerts::desk::draft_for_article(&state.db, id).await?;
        let alert = crate::alerts::desk::send(state, &who, &draft).await?;
        return Ok(Redirect::to(&format!("/newsroom/alerts/{alert}")).into_response());
    }
    Ok(Redirect::to(&format!("/newsroom/articles/{id}/edit?done={done}")).into_response())
}

/// Files a problem the writer can fix beside its field; a failure on our
/// side is not theirs to fix, so it becomes the error page (and is logged).
fn file_under(errors: &mut FieldErrors, err: AppError, fallback: &str) -> AppResult<()> {
    match err {
        AppError::Invalid { .. } => errors.absorb(err),
        AppError::Internal(_) | AppError::Timeout => Err(err),
        other => {
            errors.add(fallback, other.report().detail);
            Ok(())
        }
    }
}

/// Stores the uploaded picture and adds it to the form's pictures.
async fn attach_picture(
    state: &AppState,
    who: &CurrentStaff,
    form: &mut FormFields,
    bytes: &[u8],
) -> Result<(), AppError> {
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
    let by = media::Uploader {
        actor: who.into(),
        channel: "",
        state,
    };
    let image = media::store(by, bytes, text).await?;
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
    .filter(|(_, name)| theirs.get(name).replace("\r\n", "\n").trim() != yours.get(name).replace("\r\n", "\n").trim())
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
