//! The audit log (admins): every recorded action, newest first.

use askama::Template;
use axum::extract::State;
use axum::response::Html;

use crate::accounts::CurrentStaff;
use crate::audit;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::paging::PageNumber;

use super::layout::NewsroomLayout;

const PER_PAGE: i64 = 100;

#[derive(Template)]
#[template(path = "newsroom/audit.html")]
struct AuditPage {
    layout: NewsroomLayout,
    entries: Vec<(String, audit::Entry)>,
    page: u32,
    more: bool,
}

pub async fn show(State(state): State<AppState>, who: CurrentStaff, page: PageNumber) -> AppResult<Html<String>> {
    let offset = (i64::from(page.0) - 1) * PER_PAGE;
    let mut entries = audit::recent(&state.db, None, PER_PAGE + 1, offset).await?;
    let more = entries.len() as i64 > PER_PAGE;
    entries.truncate(PER_PAGE as usize);
    let entries = entries.into_iter().map(|e| (state.site.long_time(e.at), e)).collect();
    let layout = NewsroomLayout::new(&state, &who, "Audit log", "/newsroom/audit");
    Ok(Html(
        AuditPage {
            layout,
            entries,
            page: page.0,
            more,
        }
        .render()?,
    ))
}
