//! One front's editor: its draft as a form, every button saving the draft
//! (with the change it names) over the version the editor started from.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::accounts::CurrentStaff;
use crate::articles::{StoryFilter, queries as stories};
use crate::change::Change;
use crate::domain::Timestamp;
use crate::error::{AppError, AppResult};
use crate::fronts::store::{self, FrontRevision};
use crate::fronts::{FrontLayout, Kind};
use crate::site::queries;
use crate::state::AppState;
use crate::web::PageNumber;
use crate::web::form::FormFields;

use super::Front;
use super::form::{Action, layout_from, until_value};
use crate::newsroom::layout::{Done, NewsroomLayout};

/// Stories offered for a slot: the newest this many.
const OFFERED: i64 = 100;

#[derive(Template)]
#[template(path = "newsroom/front_editor.html")]
struct EditorPage {
    layout: NewsroomLayout,
    front: Front,
    version: i64,
    published_version: Option<i64>,
    containers: Vec<ContainerView>,
    kinds: [Kind; 5],
    /// (id, "headline – section, time")
    stories: Vec<(String, String)>,
    /// (value, label): everything, each section, each tag.
    sources: Vec<(String, String)>,
    /// (id, alt text) of recent pictures.
    pictures: Vec<(String, String)>,
    revisions: Vec<(FrontRevision, String)>,
    error: Option<String>,
}

impl EditorPage {
    fn is_published(&self, version: &i64) -> bool {
        self.published_version == Some(*version)
    }
}

struct ContainerView {
    kind: Kind,
    title: String,
    source: String,
    size: usize,
    until: String,
    links: String,
    /// The placed stories, then one blank row to place another.
    slots: Vec<SlotView>,
}

struct SlotView {
    article: String,
    headline: String,
    standfirst: String,
    kicker: String,
    picture: String,
    until: String,
}

pub async fn edit(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(key): Path<String>,
    Query(done): Query<Done>,
) -> AppResult<Html<String>> {
    let front = Front::find(&state, &key).await?;
    let (draft, version, published_version) = current(&state, &front).await?;
    let notice = done.notice();
    Ok(Html(
        page(&state, &who, front, &draft, version, published_version, None, notice).await?,
    ))
}

/// The stored draft, its version (0: never edited) and the published version.
async fn current(state: &AppState, front: &Front) -> AppResult<(FrontLayout, i64, Option<i64>)> {
    Ok(match store::load(&state.db, &front.path).await? {
        Some(stored) => (stored.draft, stored.version, stored.published_version),
        None => (automatic(state, front).await?, 0, None),
    })
}

async fn automatic(state: &AppState, front: &Front) -> AppResult<FrontLayout> {
    Ok(match &front.section {
        Some(section) => FrontLayout::automatic_section(section),
        None => FrontLayout::automatic_home(&queries::sections(&state.db).await?),
    })
}

pub async fn act(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(key): Path<String>,
    form: FormFields,
) -> AppResult<Response> {
    let front = Front::find(&state, &key).await?;
    let action = Action::parse(form.get("action")).unwrap_or(Action::Save);
    let (mut layout, problem) = layout_from(&form, &state.site);
    let expected: i64 = form.get("version").parse().unwrap_or(0);
    if let Some(AppError::Invalid { message, .. }) = problem {
        let html = page(&state, &who, front, &layout, expected, None, Some(message), None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    }
    if let Action::Restore(version) = action {
        layout = store::revision(&state.db, &front.path, version)
            .await?
            .ok_or(AppError::NotFound)?;
    }
    let at = action.apply(&mut layout);
    let mut change = Change::begin(&state, &who).await?;
    let saved = store::save_draft(&mut change, &front.path, &front.name, &layout, expected).await;
    let saved = match saved {
        Ok(version) if action == Action::Publish => store::publish(&mut change, &front.path, &front.name, version)
            .await
            .map(|()| version),
        other => other,
    };
    match saved {
        Ok(_) => {
            change.commit().await?;
            let done = if action == Action::Publish {
                "published"
            } else {
                "saved"
            };
            let anchor = at.map(|i| format!("#container-{i}")).unwrap_or_default();
            Ok(Redirect::to(&format!("/newsroom/fronts/{key}?done={done}{anchor}")).into_response())
        }
        Err(AppError::Conflict(message)) => {
            drop(change);
            let (_, version, published) = current(&state, &front).await?;
            let html = page(&state, &who, front, &layout, version, published, Some(message), None).await?;
            Ok((StatusCode::CONFLICT, Html(html)).into_response())
        }
        Err(other) => Err(other),
    }
}

/// The draft as readers would see it, before it is published.
pub async fn preview(State(state): State<AppState>, Path(key): Path<String>) -> AppResult<Response> {
    let front = Front::find(&state, &key).await?;
    let (draft, _, _) = current(&state, &front).await?;
    let rendered = match front.section {
        None => crate::site::home::draw(&state, &draft, Timestamp::now(), true).await?,
        Some(section) => crate::site::section::draw(&state, section, PageNumber(1), Some((draft, true))).await?,
    };
    Ok(rendered.into_plain_response())
}

#[allow(clippy::too_many_arguments)]
async fn page(
    state: &AppState,
    who: &CurrentStaff,
    front: Front,
    draft: &FrontLayout,
    version: i64,
    published_version: Option<i64>,
    error: Option<String>,
    notice: Option<&str>,
) -> AppResult<String> {
    let site = &state.site;
    let mut offered = stories::stories(&state.db, StoryFilter::All, OFFERED, 0).await?;
    for slot in draft.containers.iter().flat_map(|c| &c.slots) {
        if !offered.iter().any(|s| s.id == slot.article)
            && let Some(story) = stories::story_by_id(&state.db, slot.article).await?
        {
            offered.push(story);
        }
    }
    let stories = offered
        .iter()
        .map(|s| {
            let live = if s.live { "LIVE: " } else { "" };
            let label = format!(
                "{live}{} – {}, {}",
                s.headline,
                s.section_name,
                site.clock_and_day(s.published_at)
            );
            (s.id.to_string(), label)
        })
        .collect();
    let mut sources = vec![(String::new(), "Everything".to_owned())];
    sources.extend(
        queries::sections(&state.db)
            .await?
            .into_iter()
            .map(|s| (format!("/{}", s.slug), format!("Section: {}", s.name))),
    );
    sources.extend(
        queries::tags(&state.db)
            .await?
            .into_iter()
            .map(|t| (format!("/tag/{}", t.slug), format!("Tag: {}", t.name))),
    );
    let pictures = crate::media::recent(&state.db, 60).await?;
    let containers = draft
        .containers
        .iter()
        .map(|c| ContainerView {
            kind: c.kind,
            title: c.title.clone(),
            source: c.source.clone(),
            size: c.size,
            until: until_value(site, c.until),
            links: c
                .links
                .iter()
                .map(|l| format!("{} | {}", l.label, l.link))
                .collect::<Vec<_>>()
                .join("\n"),
            slots: c
                .slots
                .iter()
                .map(|s| SlotView {
                    article: s.article.to_string(),
                    headline: s.headline.clone(),
                    standfirst: s.standfirst.clone(),
                    kicker: s.kicker.clone(),
                    picture: s.picture.map(|p| p.to_string()).unwrap_or_default(),
                    until: until_value(site, s.until),
                })
                .chain(std::iter::once(SlotView {
                    article: String::new(),
                    headline: String::new(),
                    standfirst: String::new(),
                    kicker: String::new(),
                    picture: String::new(),
                    until: String::new(),
                }))
                .collect(),
        })
        .collect();
    let revisions = store::revisions(&state.db, &front.path)
        .await?
        .into_iter()
        .map(|r| {
            let when = site.long_time(r.created_at);
            (r, when)
        })
        .collect();
    let title = front.name.clone();
    Ok(EditorPage {
        layout: NewsroomLayout::new(state, who, &title, "/newsroom/fronts").with_notice(notice),
        front,
        version,
        published_version,
        containers,
        kinds: Kind::ALL,
        stories,
        sources,
        pictures: pictures.into_iter().map(|(id, alt)| (id.to_string(), alt)).collect(),
        revisions,
        error,
    }
    .render()?)
}
