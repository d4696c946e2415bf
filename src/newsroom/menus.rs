//! Menus (admins): the section navigation and the footer, each a list of
//! labelled links to sections, tags, pages or other addresses, in order.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::accounts::CurrentStaff;
use crate::change::Change;
use crate::error::{AppError, AppResult};
use crate::site::menus::{self, Menu, MenuItem};
use crate::site::{pages, queries};
use crate::state::AppState;
use crate::web::form::FormFields;

use super::layout::{Done, NewsroomLayout};

/// Empty rows offered under each menu for new links.
const BLANK_ROWS: usize = 3;

#[derive(Template)]
#[template(path = "newsroom/menus.html")]
struct MenusPage {
    layout: NewsroomLayout,
    menus: Vec<MenuForm>,
    /// Where a link may lead: (address, what it is), for the link field's suggestions.
    targets: Vec<(String, String)>,
}

struct MenuForm {
    name: &'static str,
    title: &'static str,
    /// Whether the menu is drawn from the site because it was never set.
    automatic: bool,
    rows: Vec<MenuItem>,
    error: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    who: CurrentStaff,
    Query(done): Query<Done>,
) -> AppResult<Html<String>> {
    Ok(Html(page(&state, &who, None, done.notice()).await?))
}

pub async fn save(
    State(state): State<AppState>,
    who: CurrentStaff,
    Path(name): Path<String>,
    form: FormFields,
) -> AppResult<Response> {
    let menu = Menu::parse(&name).ok_or(AppError::NotFound)?;
    let labels = form.all("label");
    let links = form.all("link");
    let mut order: Vec<(i64, usize)> = form
        .all("order")
        .iter()
        .enumerate()
        .map(|(i, o)| (o.trim().parse().unwrap_or(i as i64 + 1), i))
        .collect();
    order.sort();
    let mut items = Vec::new();
    for (_, i) in order {
        let (label, link) = (
            labels.get(i).copied().unwrap_or(""),
            links.get(i).copied().unwrap_or(""),
        );
        if label.trim().is_empty() && link.trim().is_empty() || form.includes("remove", &i.to_string()) {
            continue;
        }
        match MenuItem::parse(label, link) {
            Ok(item) => items.push(item),
            Err(AppError::Invalid { message, .. }) => {
                let typed = (labels.iter().zip(&links))
                    .map(|(label, link)| MenuItem {
                        label: label.to_string(),
                        link: link.to_string(),
                    })
                    .collect();
                let html = page(&state, &who, Some((menu, typed, message)), None).await?;
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
            }
            Err(other) => return Err(other),
        }
    }
    let mut change = Change::begin(&state, &who).await?;
    menus::replace(&mut change, menu, &items).await?;
    change.commit().await?;
    Ok(Redirect::to("/newsroom/menus?done=saved").into_response())
}

/// The page, with `refused` (a menu, the rows as typed and what is wrong) kept in its form.
async fn page(
    state: &AppState,
    who: &CurrentStaff,
    refused: Option<(Menu, Vec<MenuItem>, String)>,
    notice: Option<&str>,
) -> AppResult<String> {
    let sections = queries::sections(&state.db).await?;
    let published = pages::published(&state.db).await?;
    let mut targets: Vec<(String, String)> = sections
        .iter()
        .map(|s| (format!("/{}", s.slug), format!("section {}", s.name)))
        .collect();
    targets.extend(published.iter().map(|p| (p.path(), format!("page {}", p.title))));
    targets.extend(
        queries::tags(&state.db)
            .await?
            .into_iter()
            .map(|t| (format!("/tag/{}", t.slug), format!("tag {}", t.name))),
    );
    let mut menus = Vec::new();
    for menu in [Menu::Main, Menu::Footer] {
        let stored = menus::stored(&state.db, menu).await?;
        let automatic = stored.is_empty();
        let mut form = MenuForm {
            name: menu.name(),
            title: menu.title(),
            automatic,
            rows: match (automatic, menu) {
                (false, _) => stored,
                (true, Menu::Main) => sections
                    .iter()
                    .map(|s| MenuItem {
                        label: s.name.clone(),
                        link: format!("/{}", s.slug),
                    })
                    .collect(),
                (true, Menu::Footer) => menus::default_footer(),
            },
            error: None,
        };
        if let Some((refused_menu, typed, message)) = &refused
            && *refused_menu == menu
        {
            form.rows = typed.clone();
            form.error = Some(message.clone());
        }
        form.rows.retain(|r| !(r.label.is_empty() && r.link.is_empty()));
        form.rows.extend((0..BLANK_ROWS).map(|_| MenuItem {
            label: String::new(),
            link: String::new(),
        }));
        menus.push(form);
    }
    let layout = NewsroomLayout::new(state, who, "Menus", "/newsroom/menus").with_notice(notice);
    Ok(MenusPage { layout, menus, targets }.render()?)
}
