//! The newsroom's alert desk (editors and admins): write an alert for an
//! article, send it (or have a second editor approve it), watch it go out,
//! and send a "sent in error" follow-up.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use crate::accounts::CurrentStaff;
use crate::change::Change;
use crate::db::{Db, sql};
use crate::domain::{AlertId, ArticleId, ImageId};
use crate::error::{AppError, AppResult};
use crate::newsroom::layout::NewsroomLayout;
use crate::state::AppState;
use crate::web::form::FormFields;

use super::model::{self, Alert, Draft};

pub const TTL_CHOICES: [(i64, &str); 4] = [
    (3600, "1 hour"),
    (6 * 3600, "6 hours"),
    (24 * 3600, "1 day"),
    (72 * 3600, "3 days"),
];

pub struct TopicOption {
    pub value: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "newsroom/alerts.html")]
struct DeskPage {
    layout: NewsroomLayout,
    alerts: Vec<Row>,
    fields: FormFields,
    error: Option<(String, String)>,
    topics: Vec<TopicOption>,
    approval: bool,
}

impl DeskPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.error.as_ref().filter(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }
}

struct Row {
    alert: Alert,
    when: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct DeskQuery {
    #[serde(default)]
    article: Option<ArticleId>,
    #[serde(default)]
    done: String,
}

#[derive(sqlx::FromRow)]
struct ArticleFacts {
    headline: String,
    standfirst: String,
    status: String,
    slug: String,
    section_slug: String,
    image_id: Option<ImageId>,
    widths: Option<String>,
}

/// What an alert for this article says by default: its headline, standfirst, link and lead picture.
async fn defaults_for(db: &Db, article: ArticleId) -> AppResult<FormFields> {
    let facts: ArticleFacts = sql(
        "SELECT a.headline, a.standfirst, a.status, a.slug, s.slug AS section_slug, i.id AS image_id, i.widths
         FROM articles a JOIN sections s ON s.id = a.section_id
         LEFT JOIN article_images ai ON ai.article_id = a.id AND ai.ordinal = 0
         LEFT JOIN images i ON i.id = ai.image_id
         WHERE a.id = $1",
    )
    .bind(article)
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)?;
    if facts.status != "published" {
        return Err(AppError::Conflict(
            "An alert can only link to a published article.".into(),
        ));
    }
    let image = match (facts.image_id, facts.widths) {
        (Some(id), Some(widths)) => {
            let width = widths
                .split(',')
                .filter_map(|w| w.trim().parse::<i64>().ok())
                .min_by_key(|w| (w - 720).abs())
                .unwrap_or(720);
            crate::media::variant_path(id, width)
        }
        _ => String::new(),
    };
    let mut fields = FormFields::default();
    fields.set("article_id", &article.to_string());
    fields.set("title", &facts.headline);
    fields.set("body", &facts.standfirst);
    fields.set("url", &format!("/{}/{}", facts.section_slug, facts.slug));
    fields.set("image", &image);
    fields.set("topic", "breaking");
    fields.set("urgency", "high");
    fields.set("ttl", "86400");
    Ok(fields)
}

async fn topics(db: &Db) -> AppResult<Vec<TopicOption>> {
    let mut out = vec![TopicOption {
        value: "breaking".into(),
        label: "Breaking news".into(),
    }];
    for s in crate::site::queries::sections(db).await? {
        out.push(TopicOption {
            value: format!("section:{}", s.slug),
            label: format!("{} section", s.name),
        });
    }
    Ok(out)
}

async fn desk(
    state: &AppState,
    who: &CurrentStaff,
    fields: FormFields,
    error: Option<(String, String)>,
    notice: Option<&str>,
) -> AppResult<Html<String>> {
    let layout = NewsroomLayout::new(state, who, "Alerts", "/newsroom/alerts").with_notice(notice);
    let alerts = model::recent(&state.db, 50)
        .await?
        .into_iter()
        .map(|alert| Row {
            when: state.site.long_time(alert.sent_at.unwrap_or(alert.created_at)),
            alert,
        })
        .collect();
    Ok(Html(
        DeskPage {
            layout,
            alerts,
            fields,
            error,
            topics: topics(&state.db).await?,
            approval: state.settings.alerts.second_approval_for_breaking,
        }
        .render()?,
    ))
}

pub async fn show_desk(
    State(state): State<AppState>,
    who: CurrentStaff,
    Query(query): Query<DeskQuery>,
) -> AppResult<Html<String>> {
    let fields = match query.article {
        Some(article) => defaults_for(&state.db, article).await?,
        None => {
            let mut fields = FormFields::default();
            fields.set("topic", "breaking");
            fields.set("urgency", "high");
            fields.set("ttl", "86400");
            fields
        }
    };
    let notice = match query.done.as_str() {
        "cancelled" => Some("The alert was cancelled."),
        _ => None,
    };
    desk(&state, &who, fields, None, notice).await
}

/// The alert an editor gets by ticking "send alert" when publishing.
pub async fn draft_for_article(db: &Db, article: ArticleId) -> AppResult<Draft> {
    let mut draft = draft_from(&defaults_for(db, article).await?);
    draft.check(db).await?;
    Ok(draft)
}

fn draft_from(form: &FormFields) -> Draft {
    Draft {
        article_id: form.get("article_id").parse().ok(),
        title: form.get("title").to_owned(),
        body: form.get("body").to_owned(),
        url: form.get("url").trim().to_owned(),
        image_url: form.get("image").trim().to_owned(),
        topic: form.get("topic").to_owned(),
        urgency: form.get("urgency").to_owned(),
        ttl_secs: form.get("ttl").parse().unwrap_or(0),
        follow_up_of: None,
        replaces: None,
    }
}

/// Sends an alert (or queues it for a second editor's approval).
pub async fn create(State(state): State<AppState>, who: CurrentStaff, form: FormFields) -> AppResult<Response> {
    let mut draft = draft_from(&form);
    if let Err(err) = draft.check(&state.db).await {
        let AppError::Invalid { field, message } = err else {
            return Err(err);
        };
        // The editor's words stay in the form, with what to fix.
        let page = desk(&state, &who, form, Some((field, message)), None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let id = send(&state, &who, &draft).await?;
    Ok(Redirect::to(&format!("/newsroom/alerts/{id}")).into_response())
}

/// Writes a checked alert, audited; starts it unless a second editor must approve it.
pub async fn send(state: &AppState, who: &CurrentStaff, draft: &Draft) -> AppResult<AlertId> {
    let needs_approval =
        state.settings.alerts.second_approval_for_breaking && draft.topic == "breaking" && draft.follow_up_of.is_none();
    let mut change = Change::begin(state, who).await?;
    let id = model::create(&mut change, draft, needs_approval).await?;
    change.commit().await?;
    Ok(id)
}

#[derive(Template)]
#[template(path = "newsroom/alert.html")]
struct AlertPage {
    layout: NewsroomLayout,
    alert: Alert,
    when: String,
    can_approve: bool,
    follow_up: Option<Alert>,
    by_service: Vec<model::ServiceFigures>,
}

pub async fn show(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(id): Path<AlertId>,
) -> AppResult<Html<String>> {
    let alert = model::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let follow_up = match alert.follow_up_of {
        Some(original) => model::by_id(&state.db, original).await?,
        None => None,
    };
    let notice = match alert.status.as_str() {
        "awaiting_approval" => Some("This breaking-news alert waits for a second editor's approval."),
        _ => None,
    };
    let layout = NewsroomLayout::new(&state, &who, &alert.title, "/newsroom/alerts").with_notice(notice);
    let by_service = model::by_service(&state.db, id).await?;
    Ok(Html(
        AlertPage {
            layout,
            by_service,
            when: state.site.long_time(alert.sent_at.unwrap_or(alert.created_at)),
            can_approve: alert.status == "awaiting_approval" && alert.created_by != Some(who.staff.id),
            alert,
            follow_up,
        }
        .render()?,
    ))
}

#[derive(Serialize)]
pub struct Stats {
    status: String,
    queued: i64,
    delivered: i64,
    failed: i64,
    removed: i64,
    clicks: i64,
    /// Milliseconds from "send" to the first delivery.
    first_delivery_ms: Option<i64>,
    by_service: Vec<model::ServiceFigures>,
}

/// The delivery figures, polled by the alert's page while it goes out.
pub async fn stats(State(state): State<AppState>, Path(id): Path<AlertId>) -> AppResult<Json<Stats>> {
    let a = model::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let first_delivery_ms = match (a.sent_at, a.first_delivered_at) {
        (Some(sent), Some(first)) => Some((first.as_micros() - sent.as_micros()) / 1000),
        _ => None,
    };
    Ok(Json(Stats {
        status: a.status,
        queued: a.queued,
        delivered: a.delivered,
        failed: a.failed,
        removed: a.removed,
        clicks: a.clicks,
        first_delivery_ms,
        by_service: model::by_service(&state.db, id).await?,
    }))
}

pub async fn approve(State(state): State<AppState>, who: CurrentStaff, Path(id): Path<AlertId>) -> AppResult<Response> {
    let alert = model::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if alert.created_by == Some(who.staff.id) {
        return Err(AppError::Forbidden(
            "A breaking-news alert needs a second editor: someone other than its writer must approve it.".into(),
        ));
    }
    let mut change = Change::begin(&state, &who).await?;
    if !model::approve(&mut change, &alert).await? {
        return Err(AppError::Conflict(
            "This alert is no longer waiting for approval.".into(),
        ));
    }
    change.commit().await?;
    Ok(Redirect::to(&format!("/newsroom/alerts/{id}")).into_response())
}

pub async fn cancel(State(state): State<AppState>, who: CurrentStaff, Path(id): Path<AlertId>) -> AppResult<Response> {
    let alert = model::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let mut change = Change::begin(&state, &who).await?;
    if !model::cancel(&mut change, &alert).await? {
        return Err(AppError::Conflict(
            "Only an alert waiting for approval can be cancelled; this one has gone out.".into(),
        ));
    }
    change.commit().await?;
    Ok(Redirect::to("/newsroom/alerts?done=cancelled").into_response())
}

/// "Sent in error": a follow-up to the same readers that replaces the original where it is still unseen.
pub async fn correct(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(id): Path<AlertId>,
    form: FormFields,
) -> AppResult<Response> {
    let original = model::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if !matches!(original.status.as_str(), "sending" | "sent") {
        return Err(AppError::Conflict(
            "Only an alert that went out can be followed up.".into(),
        ));
    }
    let mut draft = Draft {
        article_id: original.article_id,
        title: form.get("title").to_owned(),
        body: form.get("body").to_owned(),
        url: original.url.clone(),
        image_url: String::new(),
        topic: original.topic.clone(),
        urgency: original.urgency.clone(),
        ttl_secs: original.ttl_secs,
        follow_up_of: Some(original.id),
        replaces: Some(original.replaces.clone()),
    };
    draft.check(&state.db).await?;
    let follow_up = send(&state, &who, &draft).await?;
    Ok(Redirect::to(&format!("/newsroom/alerts/{follow_up}")).into_response())
}
