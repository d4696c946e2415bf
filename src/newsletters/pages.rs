//! What readers see: the newsletters on offer and each one's page with its
//! archive, signing up (at once for a signed-in reader with a confirmed
//! address, otherwise by an emailed link), leaving in one click from any
//! email, and choosing among them without signing in.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::reader_extract::{CurrentReader, safe_return};
use crate::change::Change;
use crate::domain::{Email, NewsletterId, SubscriberId};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::Layout;
use crate::web::form::FormFields;

use super::links::Signer;
use super::model::{self, Newsletter};
use super::subscribers;

/// A newsletter as a sign-up form offers it.
#[derive(Clone, Debug)]
pub struct Offer {
    pub id: String,
    pub name: String,
    pub description: String,
    pub frequency: String,
    pub path: String,
    pub checked: bool,
    /// Its emails' links go through our counting redirect (said on its page).
    pub counts_clicks: bool,
}

impl Offer {
    pub fn of(newsletter: &Newsletter, checked: bool) -> Self {
        Self {
            id: newsletter.id.to_string(),
            name: newsletter.name.clone(),
            description: newsletter.description.clone(),
            frequency: newsletter.frequency.clone(),
            path: newsletter.path(),
            checked,
            counts_clicks: newsletter.count_clicks,
        }
    }
}

/// The newsletter to offer on a page: the one built from `section`'s
/// stories when there is one, else the first in the newsroom's order.
pub async fn offer_for(db: &crate::db::Db, section: Option<&str>) -> Result<Option<Offer>, crate::db::DbError> {
    let offered = model::offered(db).await?;
    let own = section.and_then(|slug| offered.iter().find(|n| n.schedule_from == slug));
    Ok(own.or(offered.first()).map(|n| Offer::of(n, false)))
}

pub struct ArchiveRow {
    pub path: String,
    pub subject: String,
    pub when: String,
}

#[derive(Template)]
#[template(path = "newsletters/page.html")]
struct ListPage {
    layout: Layout,
    heading: String,
    intro: String,
    message: Option<String>,
    error: Option<String>,
    offers: Vec<Offer>,
    /// Signed in with a confirmed address: the choices save at once.
    signed_in_as: Option<String>,
    email: String,
    archive: Vec<ArchiveRow>,
    /// Where the form comes back to.
    here: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct Notice {
    #[serde(default)]
    done: String,
}

fn notice(done: &str) -> Option<String> {
    match done {
        "check" => Some(
            "Nearly there: we have emailed you a link. Follow it to confirm, and the newsletters will start arriving."
                .into(),
        ),
        "saved" => Some("Your newsletters are saved.".into()),
        "confirmed" => Some("You are signed up. The next edition will reach you.".into()),
        _ => None,
    }
}

/// The reader's address, when they are signed in and have confirmed it.
fn confirmed(reader: &Option<CurrentReader>) -> Option<&crate::accounts::readers::Reader> {
    reader
        .as_ref()
        .map(|r| &r.reader)
        .filter(|r| r.email_verified_at.is_some())
}

async fn chosen_by(state: &AppState, email: &str) -> AppResult<Vec<NewsletterId>> {
    Ok(match subscribers::by_email(&state.db, email).await? {
        Some(s) => subscribers::newsletters_of(&state.db, s.id).await?,
        None => Vec::new(),
    })
}

/// `/newsletters`: every newsletter, with one form to sign up to several.
pub async fn list(
    State(state): State<AppState>,
    reader: Option<CurrentReader>,
    Query(query): Query<Notice>,
) -> AppResult<Response> {
    let offered = model::offered(&state.db).await?;
    let signed_in = confirmed(&reader);
    let chosen = match signed_in {
        Some(r) => chosen_by(&state, &r.email).await?,
        None => Vec::new(),
    };
    let page = ListPage {
        layout: Layout::load(&state, "Newsletters", "Our newsletters, by email.", "/newsletters").await?,
        heading: "Newsletters".into(),
        intro: format!(
            "The best of {} in your inbox. Choose as many as you like; every email has a one-click way out.",
            state.site.name()
        ),
        message: notice(&query.done),
        error: None,
        offers: offered.iter().map(|n| Offer::of(n, chosen.contains(&n.id))).collect(),
        signed_in_as: signed_in.map(|r| r.email.clone()),
        email: reader.map(|r| r.reader.email).unwrap_or_default(),
        archive: Vec::new(),
        here: "/newsletters".into(),
    };
    private(Html(page.render()?).into_response())
}

/// `/newsletters/{slug}`: what it is, a sign-up form, and its past editions.
pub async fn show(
    State(state): State<AppState>,
    reader: Option<CurrentReader>,
    Path(slug): Path<String>,
    Query(query): Query<Notice>,
) -> AppResult<Response> {
    let newsletter = model::by_slug(&state.db, &slug)
        .await?
        .filter(|n| n.retired_at.is_none())
        .ok_or(AppError::NotFound)?;
    let signed_in = confirmed(&reader);
    let chosen = match signed_in {
        Some(r) => chosen_by(&state, &r.email).await?,
        None => Vec::new(),
    };
    let archive = model::archive_of(&state.db, newsletter.id, 50)
        .await?
        .into_iter()
        .map(|e| ArchiveRow {
            path: e.archive_path(&newsletter),
            when: e.sent_at.map(|t| state.site.long_time(t)).unwrap_or_default(),
            subject: e.subject,
        })
        .collect();
    let page = ListPage {
        layout: Layout::load(&state, &newsletter.name, &newsletter.description, &newsletter.path()).await?,
        heading: newsletter.name.clone(),
        intro: [newsletter.description.as_str(), newsletter.frequency.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" · "),
        message: notice(&query.done),
        error: None,
        offers: vec![Offer::of(&newsletter, chosen.contains(&newsletter.id))],
        signed_in_as: signed_in.map(|r| r.email.clone()),
        email: reader.map(|r| r.reader.email).unwrap_or_default(),
        here: newsletter.path(),
        archive,
    };
    private(Html(page.render()?).into_response())
}

/// Pages that show a reader's own choices are never cached for others.
fn private(mut response: Response) -> AppResult<Response> {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(response)
}

/// `POST /newsletters/subscribe`: email (unless signed in), newsletter (repeated), return_to.
pub async fn subscribe(
    State(state): State<AppState>,
    reader: Option<CurrentReader>,
    form: FormFields,
) -> AppResult<Response> {
    let offered = model::offered(&state.db).await?;
    let wanted: Vec<NewsletterId> = form
        .all("newsletter")
        .iter()
        .filter_map(|id| id.parse().ok())
        .filter(|id| offered.iter().any(|n| n.id == *id))
        .collect();
    let back = safe_return(form.get("return_to"));
    let back = if back == "/" { "/newsletters".to_owned() } else { back };
    let typed = form.get("email").trim();
    let signed_in = confirmed(&reader).filter(|r| typed.is_empty() || typed.eq_ignore_ascii_case(&r.email));
    // Mail to a suppressed address bounced or was reported: its owner confirms again by email.
    let signed_in = match signed_in {
        Some(r) if !subscribers::is_suppressed(&state.db, &r.email).await? => Some(r),
        _ => None,
    };
    if let Some(r) = signed_in {
        // A signed-in reader's form lists every newsletter: what is ticked is what they get.
        let email = Email::parse(&r.email)?;
        let mut change = Change::begin(&state, subscribers::reader_actor()).await?;
        let subscriber = subscribers::join(
            &mut change,
            &email,
            &r.display_name,
            Some(r.id),
            crate::domain::Timestamp::now(),
            "signed-in reader",
            &wanted,
        )
        .await?;
        if form.has("whole_list") {
            subscribers::choose(&mut change, subscriber, &wanted, &offered).await?;
        }
        change.commit().await?;
        return Ok(Redirect::to(&with_done(&back, "saved")).into_response());
    }
    if wanted.is_empty() {
        return Err(AppError::Invalid {
            field: "newsletter".into(),
            message: "Tick at least one newsletter.".into(),
        });
    }
    let typed = if typed.is_empty() {
        reader.as_ref().map_or("", |r| r.reader.email.as_str())
    } else {
        typed
    };
    let email = Email::parse(typed)?;
    let mut change = Change::begin(&state, subscribers::reader_actor()).await?;
    if let Some(token) = subscribers::request(&mut change, &email, &wanted).await? {
        let names: Vec<&str> = offered
            .iter()
            .filter(|n| wanted.contains(&n.id))
            .map(|n| n.name.as_str())
            .collect();
        crate::mail::queue(
            &mut change,
            &crate::mail::Message {
                to: email.as_str().to_owned(),
                subject: format!("Confirm your newsletters from {}", state.site.name()),
                text: format!(
                    "Someone, probably you, asked for {} from {} at this address.\n\n\
                     To start getting them, follow this link and press Confirm (it works for three days):\n\n{}\n\n\
                     If it was not you, ignore this email: nothing will be sent.\n",
                    names.join(", "),
                    state.site.name(),
                    state.site.url(&format!("/newsletters/confirm/{token}")),
                ),
            },
        )
        .await?;
        change.queued_work();
    }
    change.commit().await?;
    // The same answer whether the address is new, known, or was sent enough links already.
    Ok(Redirect::to(&with_done(&back, "check")).into_response())
}

fn with_done(path: &str, done: &str) -> String {
    let (path, _) = path.split_once('#').unwrap_or((path, ""));
    let joiner = if path.contains('?') { '&' } else { '?' };
    format!("{path}{joiner}done={done}")
}

#[derive(Template)]
#[template(path = "newsletters/ask.html")]
struct AskPage {
    layout: Layout,
    heading: String,
    text: String,
    /// Where the button posts; none when there is nothing to press.
    action: Option<String>,
    button: String,
    choices: Vec<Offer>,
    /// A link under the text: (address, words).
    link: Option<(String, String)>,
}

async fn ask(state: &AppState, heading: &str, text: &str, action: Option<String>, button: &str) -> AppResult<AskPage> {
    let mut layout = Layout::load(state, heading, "", "/newsletters").await?;
    layout.canonical = None;
    layout.noindex = true;
    Ok(AskPage {
        layout,
        heading: heading.to_owned(),
        text: text.to_owned(),
        action,
        button: button.to_owned(),
        choices: Vec::new(),
        link: None,
    })
}

/// A link that no longer works: said plainly, with the way on (410).
async fn gone(state: &AppState, text: &str) -> AppResult<Response> {
    let mut page = ask(state, "This link no longer works", text, None, "").await?;
    page.link = Some(("/newsletters".into(), "See our newsletters".into()));
    Ok((StatusCode::GONE, Html(page.render()?)).into_response())
}

/// `GET /newsletters/confirm/{token}`: a button, so a mail scanner following links confirms nothing.
pub async fn confirm_page(State(state): State<AppState>, Path(token): Path<String>) -> AppResult<Html<String>> {
    let page = ask(
        &state,
        "Confirm your newsletters",
        "Press Confirm to start getting the newsletters you chose.",
        Some(format!("/newsletters/confirm/{token}")),
        "Confirm",
    )
    .await?;
    Ok(Html(page.render()?))
}

pub async fn confirm(State(state): State<AppState>, Path(token): Path<String>) -> AppResult<Response> {
    let mut change = Change::begin(&state, subscribers::reader_actor()).await?;
    let confirmed = subscribers::confirm(&mut change, &token).await?;
    change.commit().await?;
    if confirmed.is_none() {
        return gone(
            &state,
            "Confirmation links work once, for three days. Sign up again and we will send a new one.",
        )
        .await;
    }
    Ok(Redirect::to("/newsletters?done=confirmed").into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct FromEdition {
    /// The edition whose link was followed, for its figures.
    #[serde(default)]
    e: Option<i64>,
}

struct Leaving {
    subscriber: SubscriberId,
    newsletter: Newsletter,
}

async fn leaving(state: &AppState, subscriber: &str, newsletter: &str, signature: &str) -> AppResult<Leaving> {
    let subscriber = SubscriberId(subscriber.parse().map_err(|_| AppError::NotFound)?);
    let newsletter_id = NewsletterId(newsletter.parse().map_err(|_| AppError::NotFound)?);
    let signer = Signer::load(&state.db).await?;
    if !signer.leave_is_genuine(subscriber, newsletter_id, signature) {
        return Err(AppError::NotFound);
    }
    let newsletter = model::by_id(&state.db, newsletter_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Leaving { subscriber, newsletter })
}

/// `GET /newsletters/leave/…`: asks, as links in email are opened by scanners too.
pub async fn leave_page(
    State(state): State<AppState>,
    Path((subscriber, newsletter, signature)): Path<(String, String, String)>,
    Query(from): Query<FromEdition>,
) -> AppResult<Html<String>> {
    let found = leaving(&state, &subscriber, &newsletter, &signature).await?;
    let action = format!(
        "/newsletters/leave/{subscriber}/{newsletter}/{signature}{}",
        from.e.map(|e| format!("?e={e}")).unwrap_or_default()
    );
    let page = ask(
        &state,
        &format!("Unsubscribe from {}", found.newsletter.name),
        &format!(
            "You will get no more {} emails. Other newsletters you get are not affected.",
            found.newsletter.name
        ),
        Some(action),
        "Unsubscribe",
    )
    .await?;
    Ok(Html(page.render()?))
}

/// `POST /newsletters/leave/…`: the page's button, or a mail program's
/// one-click POST (RFC 8058), which carries no cookie and no session.
pub async fn leave(
    State(state): State<AppState>,
    Path((subscriber, newsletter, signature)): Path<(String, String, String)>,
    Query(from): Query<FromEdition>,
    form: FormFields,
) -> AppResult<Response> {
    let found = leaving(&state, &subscriber, &newsletter, &signature).await?;
    let edition = match from.e {
        Some(number) => model::edition_by_number(&state.db, number).await?.map(|e| e.id),
        None => None,
    };
    let mut change = Change::begin(&state, subscribers::reader_actor()).await?;
    subscribers::leave(&mut change, found.subscriber, &found.newsletter, edition).await?;
    change.commit().await?;
    if form.get("List-Unsubscribe") == "One-Click" {
        return Ok((StatusCode::OK, "Unsubscribed.\n").into_response());
    }
    let signer = Signer::load(&state.db).await?;
    let mut page = ask(
        &state,
        "You have unsubscribed",
        &format!("You will get no more {} emails.", found.newsletter.name),
        None,
        "",
    )
    .await?;
    page.link = Some((
        signer.manage_path(found.subscriber),
        "Choose your other newsletters".into(),
    ));
    Ok(Html(page.render()?).into_response())
}

async fn managing(state: &AppState, subscriber: &str, signature: &str) -> AppResult<SubscriberId> {
    let subscriber = SubscriberId(subscriber.parse().map_err(|_| AppError::NotFound)?);
    if !Signer::load(&state.db).await?.manage_is_genuine(subscriber, signature) {
        return Err(AppError::NotFound);
    }
    subscribers::by_id(&state.db, subscriber)
        .await?
        .map(|s| s.id)
        .ok_or(AppError::NotFound)
}

/// `GET /newsletters/manage/{subscriber}/{signature}`: every newsletter, ticked as now.
pub async fn manage_page(
    State(state): State<AppState>,
    Path((subscriber, signature)): Path<(String, String)>,
    Query(query): Query<Notice>,
) -> AppResult<Html<String>> {
    let id = managing(&state, &subscriber, &signature).await?;
    let chosen = subscribers::newsletters_of(&state.db, id).await?;
    let mut page = ask(
        &state,
        "Your newsletters",
        &notice(&query.done).unwrap_or_else(|| "Tick the ones you want; untick the ones you do not.".into()),
        Some(format!("/newsletters/manage/{subscriber}/{signature}")),
        "Save",
    )
    .await?;
    page.choices = model::offered(&state.db)
        .await?
        .iter()
        .map(|n| Offer::of(n, chosen.contains(&n.id)))
        .collect();
    Ok(Html(page.render()?))
}

pub async fn manage(
    State(state): State<AppState>,
    Path((subscriber, signature)): Path<(String, String)>,
    form: FormFields,
) -> AppResult<Response> {
    let id = managing(&state, &subscriber, &signature).await?;
    let offered = model::offered(&state.db).await?;
    let chosen: Vec<NewsletterId> = form.all("newsletter").iter().filter_map(|id| id.parse().ok()).collect();
    let mut change = Change::begin(&state, subscribers::reader_actor()).await?;
    subscribers::choose(&mut change, id, &chosen, &offered).await?;
    change.commit().await?;
    Ok(Redirect::to(&format!("/newsletters/manage/{subscriber}/{signature}?done=saved")).into_response())
}

/// `/newsletters/{slug}/{number}`: an edition as it was sent ("view in browser").
pub async fn archived(State(state): State<AppState>, Path((slug, number)): Path<(String, i64)>) -> AppResult<Response> {
    let newsletter = model::by_slug(&state.db, &slug).await?.ok_or(AppError::NotFound)?;
    let edition = model::edition_by_number(&state.db, number)
        .await?
        .filter(|e| e.newsletter_id == newsletter.id && e.sent_at.is_some())
        .ok_or(AppError::NotFound)?;
    let composed = super::render::compose(&state, &newsletter, &edition, false).await?;
    Ok(email_page(composed.html, "public, max-age=300"))
}

/// An email's HTML as a page of its own: its inline styles allowed, nothing else.
pub fn email_page(html: String, cache: &'static str) -> Response {
    let mut response = Html(html).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; img-src 'self' https: data:; style-src 'unsafe-inline'; \
             base-uri 'none'; form-action 'none'; frame-ancestors 'self'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}
