//! The forum: an article's comments page (`/{section}/{slug}/comments`), a
//! single comment's thread page (`/comments/{id}`), and posting to either.
//! These pages depend on who is reading, so they are drawn per request.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Json, Redirect, Response};
use serde::{Deserialize, Serialize};

use crate::accounts::reader_extract::{CurrentReader, READER_COOKIE};
use crate::articles::{Article, CommentsMode, queries as articles};
use crate::domain::ArticleId;
use crate::error::{AppError, AppResult};
use crate::site;
use crate::state::AppState;
use crate::web::client::Client;
use crate::web::form::FormFields;
use crate::web::stash::{self, Owner};
use crate::web::{Layout, Rendered, SafeHtml, urlencode};

use super::model::{Comment, CommentId, MAX_CHARS, SHOWN_DEPTH};
use super::queries::{self, Sort};
use super::view::{self, Token, Viewer};
use super::write::{self, NewComment};

const THREADS_PER_PAGE: i64 = 30;
/// Threads drawn under the story itself; the forum page has the rest.
const THREADS_UNDER_STORY: usize = 10;

#[derive(Template)]
#[template(path = "comments/forum.html")]
struct ForumPage {
    layout: Layout,
    headline: String,
    article_url: String,
    article_id: ArticleId,
    forum_url: String,
    count_label: String,
    sort: &'static str,
    sorts: Vec<(&'static str, &'static str, bool)>,
    tokens: Vec<Token>,
    /// On a thread page: the comment it is about.
    focus: Option<CommentId>,
    signed_in: Option<String>,
    /// Why the signed-in reader may not post (suspended or banned).
    barred: Option<String>,
    mode: &'static str,
    draft: Draft,
    return_to: String,
    previous: Option<String>,
    next: Option<String>,
    max_chars: usize,
}

/// The conversation on the story's own page: the forum's first threads as
/// anyone sees them, with the comment box. That page is shared by every
/// reader (it is kept in the page cache and refreshed as comments arrive),
/// so nothing here depends on who reads; the page script marks the reader's
/// own comments and posts and replies in place.
#[derive(Template)]
#[template(path = "comments/under_story.html")]
struct UnderStory {
    article_id: ArticleId,
    count_label: String,
    forum_url: String,
    sort: &'static str,
    tokens: Vec<Token>,
    focus: Option<CommentId>,
    signed_in: Option<String>,
    barred: Option<String>,
    mode: &'static str,
    draft: Draft,
    return_to: String,
    /// More threads than are drawn here.
    more: bool,
    max_chars: usize,
}

/// What the comment box holds when the page is drawn again after a refusal.
#[derive(Clone, Debug, Default)]
pub struct Draft {
    pub body: String,
    pub parent: String,
    pub error: Option<String>,
    pub notice: Option<String>,
    /// The id a comment sent from this form gets: a post sent twice (a
    /// double click, a retry after a lost answer) writes it once.
    pub key: Option<CommentId>,
}

impl Draft {
    /// The form's key: the one it was sent with, or a fresh one.
    pub fn key(&self) -> CommentId {
        self.key.unwrap_or_default()
    }
}

#[derive(Deserialize, Default)]
pub struct ForumQuery {
    #[serde(default)]
    sort: String,
    /// The last thread the previous page showed.
    #[serde(default)]
    after: String,
    #[serde(default)]
    restore: String,
    #[serde(default)]
    posted: String,
}

fn forum_path(section: &str, slug: &str) -> String {
    format!("/{section}/{slug}/comments")
}

async fn article_at(state: &AppState, slug: &str) -> AppResult<(Article, site::Section)> {
    let article = articles::published_by_slug(&state.db, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let section = site::queries::section_by_id(&state.db, article.section_id).await?;
    Ok((article, section))
}

fn mode_of(article: &Article) -> &'static str {
    CommentsMode::parse(&article.comments).unwrap_or_default().as_str()
}

async fn viewer_state(state: &AppState, who: &Option<CurrentReader>, comments: &[&Comment]) -> AppResult<Viewer> {
    let mut viewer = Viewer::default();
    if let Some(who) = who {
        viewer.reader = Some(who.reader.id);
        let ids: Vec<CommentId> = comments.iter().map(|c| c.id).collect();
        viewer.liked = queries::liked_by(&state.db, who.reader.id, &ids)
            .await?
            .into_iter()
            .collect();
    }
    Ok(viewer)
}

/// Lays out roots and what is below them, and counts what is hidden deeper.
async fn tokens(state: &AppState, who: &Option<CurrentReader>, roots: &[Comment]) -> AppResult<Vec<Token>> {
    let reader = who.as_ref().map(|w| w.reader.id);
    let below = queries::below(&state.db, roots, reader).await?;
    let all: Vec<&Comment> = roots.iter().chain(below.iter()).collect();
    let edge: Vec<&Comment> = all
        .iter()
        .copied()
        .filter(|c| {
            let root_depth = roots
                .iter()
                .find(|r| r.root_id == c.root_id && c.path.starts_with(&r.path))
                .map(|r| r.depth)
                .unwrap_or(0);
            c.depth == root_depth + SHOWN_DEPTH
        })
        .collect();
    let deeper = queries::replies_beyond(&state.db, &edge).await?;
    let viewer = viewer_state(state, who, &all).await?;
    Ok(view::thread(&state.site, roots, &below, &viewer, &deeper))
}

/// Draws the conversation for the story's page (`section` is the article's home section).
pub async fn under_story(state: &AppState, article: &Article, section: &str) -> AppResult<SafeHtml> {
    let sort = Sort::Newest;
    let mut roots = queries::roots(&state.db, article.id, sort, None, THREADS_UNDER_STORY as i64 + 1, None).await?;
    let more = roots.len() > THREADS_UNDER_STORY;
    roots.truncate(THREADS_UNDER_STORY);
    let forum_url = forum_path(section, &article.slug);
    let html = UnderStory {
        article_id: article.id,
        count_label: view::count_label(article.comment_count),
        sort: sort.as_str(),
        tokens: tokens(state, &None, &roots).await?,
        focus: None,
        signed_in: None,
        barred: None,
        mode: mode_of(article),
        draft: Draft::default(),
        return_to: forum_url.clone(),
        more,
        max_chars: MAX_CHARS,
        forum_url,
    }
    .render()?;
    Ok(SafeHtml::trusted(html))
}

/// Draws an article's forum page; the caller has found the article and its section.
async fn draw_forum(
    state: &AppState,
    who: &Option<CurrentReader>,
    (article, section): (&Article, &site::Section),
    query: &ForumQuery,
    draft: Draft,
) -> AppResult<String> {
    let sort = Sort::parse(&query.sort);
    let after = match query.after.parse::<CommentId>() {
        Ok(id) => queries::by_id(&state.db, id)
            .await?
            .filter(|c| c.article_id == article.id && c.parent_id.is_none()),
        Err(_) => None,
    };
    let viewer = who.as_ref().map(|w| w.reader.id);
    let mut roots = queries::roots(
        &state.db,
        article.id,
        sort,
        viewer,
        THREADS_PER_PAGE + 1,
        after.as_ref(),
    )
    .await?;
    let more = roots.len() > THREADS_PER_PAGE as usize;
    roots.truncate(THREADS_PER_PAGE as usize);
    let tokens = tokens(state, who, &roots).await?;
    let path = forum_path(&section.slug, &article.slug);
    let description = format!("Readers discuss: {}", article.standfirst);
    let mut layout = Layout::load(state, &format!("Comments: {}", article.headline), &description, &path).await?;
    // The conversation itself is for search engines too; its other sorts
    // and later pages are the same words again (their canonical is this page).
    layout.noindex = sort != Sort::Newest || after.is_some();
    Ok(ForumPage {
        layout,
        headline: article.headline.clone(),
        article_url: format!("/{}/{}", section.slug, article.slug),
        article_id: article.id,
        count_label: view::count_label(article.comment_count),
        sort: sort.as_str(),
        sorts: [Sort::Newest, Sort::Oldest, Sort::MostLiked]
            .into_iter()
            .map(|s| {
                let label = match s {
                    Sort::Newest => "Newest",
                    Sort::Oldest => "Oldest",
                    Sort::MostLiked => "Most liked",
                };
                (s.as_str(), label, s == sort)
            })
            .collect(),
        tokens,
        focus: None,
        signed_in: who.as_ref().map(|w| w.reader.display_name.clone()),
        barred: who
            .as_ref()
            .and_then(|w| w.reader.barred(&state.site, crate::domain::Timestamp::now())),
        mode: mode_of(article),
        draft,
        return_to: path.clone(),
        previous: after.is_some().then(|| format!("{path}?sort={}", sort.as_str())),
        next: roots
            .last()
            .filter(|_| more)
            .map(|last| format!("{path}?sort={}&after={}", sort.as_str(), last.id)),
        forum_url: path,
        max_chars: MAX_CHARS,
    }
    .render()?)
}

async fn draw_thread(state: &AppState, who: &Option<CurrentReader>, id: CommentId, draft: Draft) -> AppResult<String> {
    let comment = queries::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let article = articles::by_id(&state.db, comment.article_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if article.status() != crate::articles::Status::Published {
        return Err(AppError::NotFound);
    }
    let section = site::queries::section_by_id(&state.db, article.section_id).await?;
    let shown = match comment.status() {
        super::model::Status::Visible | super::model::Status::Removed => true,
        super::model::Status::Held => who.as_ref().is_some_and(|w| comment.reader_id == Some(w.reader.id)),
        super::model::Status::Rejected => false,
    };
    if !shown {
        return Err(AppError::NotFound);
    }
    let tokens = tokens(state, who, std::slice::from_ref(&comment)).await?;
    let forum = forum_path(&section.slug, &article.slug);
    let mut layout = Layout::load(
        state,
        &format!("{}'s comment on {}", comment.author(), article.headline),
        "",
        &forum,
    )
    .await?;
    layout.noindex = true;
    let mut draft = draft;
    if draft.parent.is_empty() {
        draft.parent = id.to_string();
    }
    Ok(ForumPage {
        layout,
        headline: article.headline.clone(),
        article_url: format!("/{}/{}", section.slug, article.slug),
        article_id: article.id,
        count_label: view::count_label(article.comment_count),
        sort: "oldest",
        sorts: Vec::new(),
        tokens,
        focus: Some(id),
        signed_in: who.as_ref().map(|w| w.reader.display_name.clone()),
        barred: who
            .as_ref()
            .and_then(|w| w.reader.barred(&state.site, crate::domain::Timestamp::now())),
        mode: mode_of(&article),
        draft,
        return_to: format!("/comments/{id}"),
        previous: None,
        next: None,
        forum_url: forum,
        max_chars: MAX_CHARS,
    }
    .render()?)
}

pub async fn forum(
    State(state): State<AppState>,
    who: Option<CurrentReader>,
    headers: HeaderMap,
    Path((section, slug)): Path<(String, String)>,
    Query(query): Query<ForumQuery>,
) -> AppResult<Response> {
    if who.is_none() && query.restore.is_empty() && query.posted.is_empty() {
        // What anyone signed out sees is the same page: drawn once, kept
        // until a comment or the article changes (the key is the address
        // alone, so a kept page costs no database query).
        let sort = Sort::parse(&query.sort);
        let after = query
            .after
            .parse::<CommentId>()
            .map(|id| id.to_string())
            .unwrap_or_default();
        let key = format!("{}?sort={}&after={after}", forum_path(&section, &slug), sort.as_str());
        let render = async {
            let (article, home) = article_at(&state, &slug).await?;
            if home.slug != section {
                return Ok(Rendered::moved_to(forum_path(&home.slug, &article.slug)));
            }
            let html = draw_forum(&state, &None, (&article, &home), &query, Draft::default()).await?;
            Ok(Rendered::html(html).of_article(article.id).with_comments_of(article.id))
        };
        let mut response = state.pages.serve(key, &headers, render).await?;
        // Not for shared caches: a reader who signs in gets their own page.
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("private, no-cache"),
        );
        return Ok(response);
    }
    let (article, home) = article_at(&state, &slug).await?;
    if home.slug != section {
        return Ok(Redirect::permanent(&forum_path(&home.slug, &article.slug)).into_response());
    }
    let path = forum_path(&home.slug, &article.slug);
    let mut draft = restored(&state, &who, &headers, &path, &query.restore).await?;
    if query.posted == "held" {
        draft.notice = Some("Thank you. Your comment will appear once a moderator has looked at it.".into());
    }
    Ok(Html(draw_forum(&state, &who, (&article, &home), &query, draft).await?).into_response())
}

pub async fn thread(
    State(state): State<AppState>,
    who: Option<CurrentReader>,
    headers: HeaderMap,
    Path(id): Path<CommentId>,
    Query(query): Query<ForumQuery>,
) -> AppResult<Html<String>> {
    let draft = restored(&state, &who, &headers, &format!("/comments/{id}"), &query.restore).await?;
    Ok(Html(draw_thread(&state, &who, id, draft).await?))
}

/// A comment this reader kept (signed in as them, or from this browser)
/// while they signed in; anyone else's token brings back nothing.
async fn restored(
    state: &AppState,
    who: &Option<CurrentReader>,
    headers: &HeaderMap,
    path: &str,
    token: &str,
) -> AppResult<Draft> {
    if token.is_empty() {
        return Ok(Draft::default());
    }
    let mut owners: Vec<Owner> = who.iter().map(|w| Owner::Reader(w.reader.id)).collect();
    owners.extend(Owner::browser(headers));
    Ok(match stash::take(&state.db, path, token, &owners).await? {
        Some(fields) => Draft {
            body: fields.get("body").to_owned(),
            parent: fields.get("parent").to_owned(),
            error: None,
            notice: Some("You are signed in. Your comment is below, ready to post.".into()),
            key: None,
        },
        None => Draft::default(),
    })
}

#[derive(Serialize)]
struct PostedJson {
    id: CommentId,
    held: bool,
    html: String,
}

/// `POST /comments`: a new comment or reply. Without a session the text is kept
/// for after signing in; when refused, the page comes back with the text in the box.
pub async fn post(
    State(state): State<AppState>,
    who: Option<CurrentReader>,
    headers: HeaderMap,
    client: Client,
    form: FormFields,
) -> AppResult<Response> {
    let back = match crate::web::local_path(form.get("return_to")) {
        Some(path) if path.starts_with("/comments/") || path.ends_with("/comments") => path.to_owned(),
        _ => "/".to_owned(),
    };
    let article: ArticleId = form
        .get("article")
        .parse()
        .map_err(|_| AppError::BadRequest("The comment form is missing its article.".into()))?;
    let Some(who) = who else {
        if crate::web::wants_json(&headers) {
            return Err(AppError::Unauthorized);
        }
        let mut kept = FormFields::default();
        kept.push("body", form.get("body"));
        kept.push("parent", form.get("parent"));
        // Kept for the reader whose session lapsed, or else for this browser alone.
        let (owner, cookie) = match Owner::lapsed_reader(&state.db, &headers, READER_COOKIE).await? {
            Some(owner) => (owner, None),
            None => Owner::browser_or_new(&headers, state.site.base_url.starts_with("https://")),
        };
        let next = match stash::keep(&state.db, &owner, &client.ip, &back, &kept).await? {
            Some(token) => format!("{back}?restore={token}#comment-form"),
            None => back.clone(),
        };
        let mut response = Redirect::to(&format!("/account/login?return_to={}", urlencode(&next))).into_response();
        if let Some(cookie) = cookie {
            response.headers_mut().insert(header::SET_COOKIE, cookie);
        }
        return Ok(response);
    };
    let parent = match form.get("parent") {
        "" => None,
        id => Some(
            id.parse::<CommentId>()
                .map_err(|_| AppError::BadRequest("The reply form names no comment.".into()))?,
        ),
    };
    let key = form.get("key").parse::<CommentId>().ok();
    let outcome = write::post(
        &state,
        &who.reader,
        NewComment {
            article,
            parent,
            body: form.get("body"),
            key,
        },
    )
    .await;
    match outcome.map_err(AppError::noted) {
        Ok(posted) => {
            if crate::web::wants_json(&headers) {
                let comment = queries::by_id(&state.db, posted.id).await?.ok_or(AppError::NotFound)?;
                let html = view::single(&state.site, &comment)?;
                return Ok(Json(PostedJson {
                    id: posted.id,
                    held: posted.held,
                    html,
                })
                .into_response());
            }
            let target = if posted.held {
                format!("{back}?posted=held#comment-form")
            } else {
                format!("{back}#comment-{}", posted.id)
            };
            Ok(Redirect::to(&target).into_response())
        }
        Err(err) if crate::web::wants_json(&headers) => Err(err),
        Err(err) => {
            let draft = Draft {
                body: form.get("body").to_owned(),
                parent: form.get("parent").to_owned(),
                error: Some(err.report().detail),
                notice: None,
                key,
            };
            let who = Some(who);
            let redrawn = async {
                if back.starts_with("/comments/") {
                    let id: CommentId = back
                        .trim_start_matches("/comments/")
                        .parse()
                        .map_err(|_| AppError::NotFound)?;
                    draw_thread(&state, &who, id, draft).await
                } else {
                    let article = articles::by_id(&state.db, article)
                        .await?
                        .filter(|a| a.status() == crate::articles::Status::Published)
                        .ok_or(AppError::NotFound)?;
                    let section = site::queries::section_by_id(&state.db, article.section_id).await?;
                    draw_forum(&state, &who, (&article, &section), &ForumQuery::default(), draft).await
                }
            };
            let html = match redrawn.await {
                Ok(html) => html,
                // The page cannot be drawn either (the database is out of
                // reach): the error page carries the reader's text instead.
                Err(_) => return Err(err),
            };
            Ok(err.drawn(html))
        }
    }
}

/// Where a comment lives on its article's forum page.
pub async fn forum_anchor(state: &AppState, comment: &Comment) -> AppResult<String> {
    let article = articles::by_id(&state.db, comment.article_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let section = site::queries::section_by_id(&state.db, article.section_id).await?;
    Ok(format!(
        "{}#comment-{}",
        forum_path(&section.slug, &article.slug),
        comment.id
    ))
}

pub(crate) fn status_page(status: StatusCode, html: String) -> Response {
    (status, Html(html)).into_response()
}
