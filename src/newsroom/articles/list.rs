//! The newsroom's article list: filter by state, section and author, search headlines.

use askama::Template;
use axum::extract::State;
use axum::response::Html;

use crate::accounts::{CurrentStaff, Permission};
use crate::articles::{Status, queries};
use crate::db::{Conditions, contains_pattern, sql};
use crate::domain::{ArticleId, AuthorId, SectionId, Timestamp};
use crate::error::AppResult;
use crate::newsroom::layout::{NewsroomLayout, notice_for};
use crate::site;
use crate::state::AppState;
use crate::web::form::FormFields;
use crate::web::paging::PageNumber;

const PER_PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "newsroom/articles.html")]
struct ArticlesPage {
    layout: NewsroomLayout,
    rows: Vec<Row>,
    statuses: Vec<Choice>,
    sections: Vec<Choice>,
    authors: Vec<Choice>,
    q: String,
    previous: Option<String>,
    next: Option<String>,
    can_write: bool,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

struct Row {
    id: ArticleId,
    headline: String,
    status: &'static str,
    status_class: &'static str,
    section: String,
    byline: String,
    updated: String,
    public_url: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ListRow {
    id: ArticleId,
    slug: String,
    headline: String,
    status: String,
    updated_at: Timestamp,
    section_slug: String,
    section_name: String,
}

pub async fn show(
    State(state): State<AppState>,
    who: CurrentStaff,
    page: PageNumber,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> AppResult<Html<String>> {
    let query = FormFields::parse(raw.unwrap_or_default().as_bytes());
    let status = Status::parse(query.get("status"));
    let section: Option<SectionId> = query.get("section").parse().ok();
    let author: Option<AuthorId> = query.get("author").parse().ok();
    let q = query.get("q").trim().to_owned();

    let mut conditions = Conditions::new();
    if let Some(status) = status {
        conditions.with("a.status = {}", status.as_str());
    }
    if let Some(section) = section {
        conditions.with("a.section_id = {}", section);
    }
    if let Some(author) = author {
        conditions.with(
            "a.id IN (SELECT article_id FROM article_authors WHERE author_id = {})",
            author,
        );
    }
    if !q.is_empty() {
        conditions.with("LOWER(a.headline) LIKE {} ESCAPE '\\'", contains_pattern(&q));
    }
    let n = conditions.next_param();
    let text = format!(
        "SELECT a.id, a.slug, a.headline, a.status, a.updated_at, s.slug AS section_slug, s.name AS section_name
         FROM articles a JOIN sections s ON s.id = a.section_id{}
         ORDER BY a.updated_at DESC, a.id DESC LIMIT ${n} OFFSET ${}",
        conditions.sql(),
        n + 1
    );
    let offset = (i64::from(page.0) - 1) * PER_PAGE;
    let found: Vec<ListRow> = conditions
        .bind_to(sql(text))
        .bind(PER_PAGE + 1)
        .bind(offset)
        .fetch_all(&state.db)
        .await?;
    let more = found.len() as i64 > PER_PAGE;
    let ids: Vec<ArticleId> = found.iter().map(|r| r.id).collect();
    let mut bylines = queries::bylines(&state.db, &ids).await?;
    let rows = found
        .into_iter()
        .take(PER_PAGE as usize)
        .map(|r| {
            let status = Status::parse(&r.status).unwrap_or(Status::Draft);
            Row {
                public_url: (status == Status::Published).then(|| format!("/{}/{}", r.section_slug, r.slug)),
                headline: r.headline,
                status: status.label(),
                status_class: status.as_str(),
                section: r.section_name,
                byline: bylines.remove(&r.id).unwrap_or_default().join(", "),
                updated: state.site.long_time(r.updated_at),
                id: r.id,
            }
        })
        .collect();

    let statuses = [Status::Draft, Status::Review, Status::Scheduled, Status::Published]
        .into_iter()
        .map(|s| Choice {
            value: s.as_str().into(),
            label: s.label().into(),
            selected: Some(s) == status,
        })
        .collect();
    let sections = site::queries::sections(&state.db)
        .await?
        .into_iter()
        .map(|s| Choice {
            selected: Some(s.id) == section,
            value: s.id.to_string(),
            label: s.name,
        })
        .collect();
    let authors = site::queries::authors(&state.db)
        .await?
        .into_iter()
        .map(|a| Choice {
            selected: Some(a.id) == author,
            value: a.id.to_string(),
            label: a.name,
        })
        .collect();
    let link = |n: u32| {
        let mut kept: Vec<String> = ["status", "section", "author", "q"]
            .iter()
            .filter(|k| !query.get(k).is_empty())
            .map(|k| format!("{k}={}", crate::web::urlencode(query.get(k))))
            .collect();
        kept.push(format!("page={n}"));
        format!("/newsroom?{}", kept.join("&"))
    };
    let layout = NewsroomLayout::new(&state, &who, "Articles", "/newsroom").with_notice(notice_for(query.get("done")));
    Ok(Html(
        ArticlesPage {
            layout,
            rows,
            statuses,
            sections,
            authors,
            q,
            previous: (page.0 > 1).then(|| link(page.0 - 1)),
            next: more.then(|| link(page.0 + 1)),
            can_write: who.can(Permission::WriteArticles),
        }
        .render()?,
    ))
}
