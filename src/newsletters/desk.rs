//! The newsroom's newsletter desk (editors and admins): set up newsletters,
//! write an edition, preview it at phone and desktop widths, send a test to
//! yourself, send it, watch the counts, pause and resume; and keep the
//! suppression list.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::CurrentStaff;
use crate::change::Change;
use crate::domain::{EditionId, Email, NewsletterId};
use crate::error::{AppError, AppResult};
use crate::newsroom::layout::NewsroomLayout;
use crate::state::AppState;
use crate::web::form::FormFields;

use super::model::{self, Edition, Newsletter};
use super::send::{Letter, Outcome};
use super::subscribers::{self, Reason, Suppression};
use super::write::{self, EditionDraft, NewsletterDraft};

type FieldError = Option<(String, String)>;

fn field_error(err: AppError) -> Result<(String, String), AppError> {
    match err {
        AppError::Invalid { field, message } => Ok((field, message)),
        AppError::Conflict(message) => Ok(("conflict".into(), message)),
        other => Err(other),
    }
}

pub struct Row {
    pub newsletter: Newsletter,
    pub subscribers: i64,
}

#[derive(Template)]
#[template(path = "newsroom/newsletters.html")]
struct DeskPage {
    layout: NewsroomLayout,
    rows: Vec<Row>,
    fields: FormFields,
    error: FieldError,
    sections: Vec<crate::site::model::Section>,
    days: Vec<(&'static str, &'static str)>,
}

/// The days a schedule can tick: (form value, label).
fn days() -> Vec<(&'static str, &'static str)> {
    super::schedule::DAYS
        .iter()
        .map(|(code, name, _)| (*code, *name))
        .collect()
}

pub async fn show_desk(State(state): State<AppState>, who: CurrentStaff) -> AppResult<Html<String>> {
    desk(&state, &who, FormFields::default(), None)
        .await
        .map(|(_, page)| page)
}

async fn desk(
    state: &AppState,
    who: &CurrentStaff,
    fields: FormFields,
    error: FieldError,
) -> AppResult<(StatusCode, Html<String>)> {
    let mut rows = Vec::new();
    for newsletter in model::all(&state.db).await? {
        rows.push(Row {
            subscribers: model::subscriber_count(&state.db, newsletter.id).await?,
            newsletter,
        });
    }
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = DeskPage {
        layout: NewsroomLayout::new(state, who, "Newsletters", "/newsroom/newsletters"),
        sections: crate::site::queries::sections(&state.db).await?,
        days: days(),
        rows,
        fields,
        error,
    };
    Ok((status, Html(page.render()?)))
}

fn newsletter_draft(form: &FormFields) -> NewsletterDraft {
    NewsletterDraft {
        slug: form.get("slug").to_owned(),
        name: form.get("name").to_owned(),
        description: form.get("description").to_owned(),
        frequency: form.get("frequency").to_owned(),
        sender_name: form.get("sender_name").to_owned(),
        sender_address: form.get("sender_address").to_owned(),
        reply_to: form.get("reply_to").to_owned(),
        position: form.get("position").trim().parse().unwrap_or(0),
        retired: form.has("retired"),
        schedule_days: form.all("schedule_days").join(" "),
        schedule_at: form.get("schedule_at").to_owned(),
        schedule_from: form.get("schedule_from").to_owned(),
        schedule_review: form.has("schedule_review"),
        count_clicks: form.has("count_clicks"),
        template: form.get("template").to_owned(),
    }
}

pub async fn create(State(state): State<AppState>, who: CurrentStaff, form: FormFields) -> AppResult<Response> {
    let mut draft = newsletter_draft(&form);
    let outcome = match draft.check() {
        Ok(()) => {
            let mut change = Change::begin(&state, &who).await?;
            match write::create_newsletter(&mut change, &draft).await {
                Ok(id) => {
                    change.commit().await?;
                    Ok(id)
                }
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(id) => Ok(Redirect::to(&format!("/newsroom/newsletters/{id}")).into_response()),
        Err(e) => Ok(desk(&state, &who, form, Some(field_error(e)?)).await?.into_response()),
    }
}

#[derive(Template)]
#[template(path = "newsroom/newsletter.html")]
struct NewsletterPage {
    layout: NewsroomLayout,
    sections: Vec<crate::site::model::Section>,
    newsletter: Newsletter,
    subscribers: i64,
    editions: Vec<Edition>,
    fields: FormFields,
    error: FieldError,
    /// "Mon, Tue at 06:30, next on Tuesday 8 December", when it has a schedule.
    schedule: Option<String>,
    /// The days to tick: (form value, label).
    days: Vec<(&'static str, &'static str)>,
}

fn fields_of(n: &Newsletter) -> FormFields {
    let mut f = FormFields::default();
    for (name, value) in [
        ("name", n.name.as_str()),
        ("slug", &n.slug),
        ("description", &n.description),
        ("frequency", &n.frequency),
        ("sender_name", &n.sender_name),
        ("sender_address", &n.sender_address),
        ("reply_to", &n.reply_to),
    ] {
        f.set(name, value);
    }
    f.set("position", &n.position.to_string());
    for (flag, on) in [
        ("retired", n.retired_at.is_some()),
        ("schedule_review", n.schedule_review),
        ("count_clicks", n.count_clicks),
    ] {
        if on {
            f.set(flag, "on");
        }
    }
    for day in n.schedule_days.split_whitespace() {
        f.push("schedule_days", day);
    }
    f.set("schedule_at", &n.schedule_at);
    f.set("template", &n.template);
    f.set("schedule_from", &n.schedule_from);
    f
}

async fn newsletter_page(
    state: &AppState,
    who: &CurrentStaff,
    newsletter: Newsletter,
    fields: Option<FormFields>,
    error: FieldError,
    notice: Option<&str>,
) -> AppResult<Response> {
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let schedule = newsletter.schedule().map(|s| {
        let next = newsletter.next_edition_at.map(|at| {
            at.jiff()
                .to_zoned_datetime(state.site.timezone())
                .strftime("%A %-d %B at %H:%M")
                .to_string()
        });
        match next {
            Some(next) => format!("{}; the next is built on {next}", s.describe()),
            None => s.describe(),
        }
    });
    let page = NewsletterPage {
        schedule,
        days: days(),
        layout: NewsroomLayout::new(state, who, &newsletter.name, "/newsroom/newsletters").with_notice(notice),
        subscribers: model::subscriber_count(&state.db, newsletter.id).await?,
        editions: model::editions_of(&state.db, newsletter.id, 100).await?,
        sections: crate::site::queries::sections(&state.db).await?,
        fields: fields.unwrap_or_else(|| fields_of(&newsletter)),
        newsletter,
        error,
    };
    Ok((status, Html(page.render()?)).into_response())
}

async fn find(state: &AppState, id: NewsletterId) -> AppResult<Newsletter> {
    model::by_id(&state.db, id).await?.ok_or(AppError::NotFound)
}

pub async fn show(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(id): Path<NewsletterId>,
) -> AppResult<Response> {
    let newsletter = find(&state, id).await?;
    newsletter_page(&state, &who, newsletter, None, None, None).await
}

pub async fn update(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(id): Path<NewsletterId>,
    form: FormFields,
) -> AppResult<Response> {
    let newsletter = find(&state, id).await?;
    let mut draft = newsletter_draft(&form);
    let outcome = match draft.check() {
        Ok(()) => {
            let mut change = Change::begin(&state, &who).await?;
            match write::update_newsletter(&mut change, id, &draft).await {
                Ok(()) => change.commit().await.map_err(AppError::from),
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => {
            let newsletter = find(&state, id).await?;
            newsletter_page(&state, &who, newsletter, None, None, Some("Saved.")).await
        }
        Err(e) => newsletter_page(&state, &who, newsletter, Some(form), Some(field_error(e)?), None).await,
    }
}

#[derive(Template)]
#[template(path = "newsroom/edition.html")]
struct EditionPage {
    layout: NewsroomLayout,
    newsletter: Newsletter,
    edition: Option<Edition>,
    fields: FormFields,
    error: FieldError,
    subscribers: i64,
    /// Recent published articles, to pick stories from.
    stories: Vec<(String, String)>,
    /// Its counted links, most followed first (when clicks are counted).
    links: Vec<super::clicks::Link>,
    /// The due time it was built for, in the site's time zone.
    scheduled_for: Option<String>,
}

impl EditionPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.error.as_ref().filter(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }
}

fn edition_fields(e: &Edition) -> FormFields {
    let mut f = FormFields::default();
    f.set("subject", &e.subject);
    f.set("preheader", &e.preheader);
    f.set("body", &e.body);
    f.set("revision", &e.revision.to_string());
    if e.with_appeal {
        f.set("with_appeal", "on");
    }
    f
}

#[derive(sqlx::FromRow)]
struct StoryPick {
    headline: String,
    section: String,
    slug: String,
}

async fn edition_page(
    state: &AppState,
    who: &CurrentStaff,
    newsletter: Newsletter,
    edition: Option<Edition>,
    fields: Option<FormFields>,
    error: FieldError,
    notice: Option<&str>,
) -> AppResult<Response> {
    let status = match &error {
        Some((field, _)) if field == "conflict" => StatusCode::CONFLICT,
        Some(_) => StatusCode::UNPROCESSABLE_ENTITY,
        None => StatusCode::OK,
    };
    let stories: Vec<StoryPick> = crate::db::sql(
        "SELECT a.headline, s.slug AS section, a.slug FROM articles a JOIN sections s ON s.id = a.section_id
         WHERE a.status = 'published' ORDER BY a.published_at DESC LIMIT 15",
    )
    .fetch_all(&state.db)
    .await?;
    let title = edition.as_ref().map_or("New edition".to_owned(), |e| e.subject.clone());
    let links = match &edition {
        Some(e) => super::clicks::links_of(&state.db, e.id).await?,
        None => Vec::new(),
    };
    let scheduled_for = edition.as_ref().and_then(|e| e.scheduled_for).map(|at| {
        at.jiff()
            .to_zoned_datetime(state.site.timezone())
            .strftime("%A %-d %B at %H:%M")
            .to_string()
    });
    let page = EditionPage {
        links,
        scheduled_for,
        layout: NewsroomLayout::new(state, who, &title, "/newsroom/newsletters").with_notice(notice),
        subscribers: model::subscriber_count(&state.db, newsletter.id).await?,
        fields: fields.unwrap_or_else(|| edition.as_ref().map(edition_fields).unwrap_or_default()),
        stories: stories
            .into_iter()
            .map(|s| (state.site.url(&format!("/{}/{}", s.section, s.slug)), s.headline))
            .collect(),
        newsletter,
        edition,
        error,
    };
    let mut response = (status, Html(page.render()?)).into_response();
    if let Ok(policy) = axum::http::HeaderValue::from_str(&crate::web::security::policy_with_own_frames()) {
        response
            .headers_mut()
            .insert(axum::http::header::CONTENT_SECURITY_POLICY, policy);
    }
    Ok(response)
}

fn edition_draft(form: &FormFields) -> EditionDraft {
    EditionDraft {
        subject: form.get("subject").to_owned(),
        preheader: form.get("preheader").to_owned(),
        body: form.get("body").to_owned(),
        with_appeal: form.has("with_appeal"),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct StartFrom {
    /// "all", or a section's slug: the edition starts as that section's newest stories.
    #[serde(default)]
    from: Option<String>,
}

pub async fn new_edition(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(id): Path<NewsletterId>,
    axum::extract::Query(start): axum::extract::Query<StartFrom>,
) -> AppResult<Response> {
    let newsletter = find(&state, id).await?;
    let fields = match start.from.as_deref() {
        Some(from) => Some(started_from(&state, &newsletter, from).await?),
        // A blank edition starts from the newsletter's own words.
        None if !newsletter.template.is_empty() => {
            let mut fields = FormFields::default();
            fields.set("body", &newsletter.template);
            Some(fields)
        }
        None => None,
    };
    edition_page(&state, &who, newsletter, None, fields, None, None).await
}

/// A draft of the newest stories, as the form shows it.
async fn started_from(state: &AppState, newsletter: &Newsletter, from: &str) -> AppResult<FormFields> {
    let draft = super::schedule::stories_draft(state, newsletter, from, None).await?;
    let mut fields = FormFields::default();
    fields.set("subject", &draft.subject);
    fields.set("preheader", &draft.preheader);
    fields.set("body", &draft.body);
    Ok(fields)
}

pub async fn create_edition(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(id): Path<NewsletterId>,
    form: FormFields,
) -> AppResult<Response> {
    let newsletter = find(&state, id).await?;
    let mut draft = edition_draft(&form);
    if let Err(e) = draft.check() {
        return edition_page(&state, &who, newsletter, None, Some(form), Some(field_error(e)?), None).await;
    }
    let mut change = Change::begin(&state, &who).await?;
    let edition = write::create_edition(&mut change, &newsletter, &draft, None).await?;
    change.commit().await?;
    Ok(Redirect::to(&format!("/newsroom/editions/{}?done=saved", edition.id)).into_response())
}

async fn find_edition(state: &AppState, id: EditionId) -> AppResult<(Newsletter, Edition)> {
    let edition = model::edition(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let newsletter = find(state, edition.newsletter_id).await?;
    Ok((newsletter, edition))
}

#[derive(Debug, Default, Deserialize)]
pub struct Done {
    #[serde(default)]
    done: String,
}

pub async fn show_edition(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(id): Path<EditionId>,
    axum::extract::Query(done): axum::extract::Query<Done>,
) -> AppResult<Response> {
    let (newsletter, edition) = find_edition(&state, id).await?;
    let notice = match done.done.as_str() {
        "saved" => Some("Saved."),
        "sending" => Some("Sending has started."),
        "paused" => Some("Paused. Messages already handed to the relay are not recalled."),
        "resumed" => Some("Sending again, from where it stopped."),
        _ => None,
    };
    edition_page(&state, &who, newsletter, Some(edition), None, None, notice).await
}

pub async fn update_edition(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(id): Path<EditionId>,
    form: FormFields,
) -> AppResult<Response> {
    let (newsletter, edition) = find_edition(&state, id).await?;
    let mut draft = edition_draft(&form);
    let revision = form.get("revision").parse().unwrap_or(0);
    let outcome = match draft.check() {
        Ok(()) => {
            let mut change = Change::begin(&state, &who).await?;
            match write::update_edition(&mut change, &edition, revision, &draft).await {
                Ok(()) => change.commit().await.map_err(AppError::from),
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/newsroom/editions/{id}?done=saved")).into_response()),
        Err(e) => {
            edition_page(
                &state,
                &who,
                newsletter,
                Some(edition),
                Some(form),
                Some(field_error(e)?),
                None,
            )
            .await
        }
    }
}

/// The email as it will arrive, for the preview frames (placeholders point at the newsletter's page).
pub async fn email(State(state): State<AppState>, Path(id): Path<EditionId>) -> AppResult<Response> {
    let (newsletter, edition) = find_edition(&state, id).await?;
    let composed = super::render::compose(&state, &newsletter, &edition, false).await?;
    Ok(super::pages::email_page(composed.html, "private, no-store"))
}

/// Sends the edition to the signed-in staff member alone; counts nowhere.
pub async fn test_send(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(id): Path<EditionId>,
) -> AppResult<Response> {
    let (newsletter, edition) = find_edition(&state, id).await?;
    let composed = super::render::compose(&state, &newsletter, &edition, false).await?;
    let mut composed = composed;
    composed.subject = format!("[Test] {}", composed.subject);
    let from = state.newsletter_sender.from_for(&newsletter);
    let reply_to = newsletter.reply_to.parse().ok();
    let leave = state.site.url(&newsletter.path());
    let manage = state.site.url("/newsletters");
    let letter = Letter {
        subject: &composed.subject,
        parts: &composed.parts(),
        from: &from,
        reply_to: reply_to.as_ref(),
        to: &who.staff.email,
        to_name: &who.staff.name,
        return_path: None,
        leave: &leave,
        manage: &manage,
        list_id: &newsletter.slug,
    };
    let notice = match state.newsletter_sender.send(&letter).await {
        Outcome::Sent => format!("A test copy went to {}.", who.staff.email),
        Outcome::Deferred(why) | Outcome::Unanswered(why) | Outcome::Refused { why, .. } => {
            format!("The test copy could not be sent: {why}")
        }
    };
    edition_page(&state, &who, newsletter, Some(edition), None, None, Some(&notice)).await
}

/// Sends, pauses or resumes, by the button pressed.
pub async fn act(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path((id, action)): Path<(EditionId, String)>,
) -> AppResult<Response> {
    let (newsletter, edition) = find_edition(&state, id).await?;
    let mut change = Change::begin(&state, &who).await?;
    let result = match action.as_str() {
        "send" => write::start(&mut change, &newsletter, &edition)
            .await
            .map(|_| "sending"),
        "pause" => write::pause(&mut change, &edition).await.map(|_| "paused"),
        "resume" => write::resume(&mut change, &edition).await.map(|_| "resumed"),
        _ => return Err(AppError::NotFound),
    };
    match result {
        Ok(done) => {
            change.commit().await?;
            // Paused after its last batch went: resuming has nothing left to send, so it ends here.
            super::fanout::finish_if_done(&state.db, id).await?;
            Ok(Redirect::to(&format!("/newsroom/editions/{id}?done={done}")).into_response())
        }
        Err(e) => {
            edition_page(
                &state,
                &who,
                newsletter,
                Some(edition),
                None,
                Some(field_error(e)?),
                None,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "newsroom/suppressions.html")]
struct SuppressionsPage {
    layout: NewsroomLayout,
    rows: Vec<Suppression>,
    error: Option<String>,
}

pub async fn suppressions(State(state): State<AppState>, who: CurrentStaff) -> AppResult<Html<String>> {
    suppressions_page(&state, &who, None, None).await
}

async fn suppressions_page(
    state: &AppState,
    who: &CurrentStaff,
    error: Option<String>,
    notice: Option<&str>,
) -> AppResult<Html<String>> {
    let page = SuppressionsPage {
        layout: NewsroomLayout::new(state, who, "Suppressed addresses", "/newsroom/newsletters").with_notice(notice),
        rows: subscribers::suppressions(&state.db, 500).await?,
        error,
    };
    Ok(Html(page.render()?))
}

/// Adds an address (`email`, `reason` note) or lifts one (`lift`).
pub async fn change_suppressions(
    State(state): State<AppState>,
    who: CurrentStaff,
    form: FormFields,
) -> AppResult<Response> {
    let mut change = Change::begin(&state, &who).await?;
    let notice = if form.has("lift") {
        let lifted = subscribers::unsuppress(&mut change, form.get("lift")).await?;
        if lifted {
            "Lifted: the address may sign up again."
        } else {
            "That address was not on the list."
        }
    } else {
        let email = match Email::parse(form.get("email")) {
            Ok(email) => email,
            Err(_) => {
                let page = suppressions_page(
                    &state,
                    &who,
                    Some("Enter an email address like name@example.com.".into()),
                    None,
                )
                .await?;
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
            }
        };
        subscribers::suppress(&mut change, email.as_str(), Reason::Added, form.get("note").trim()).await?;
        "Added: nothing more goes to that address."
    };
    change.commit().await?;
    Ok(suppressions_page(&state, &who, None, Some(notice))
        .await?
        .into_response())
}
