//! The menus the newsroom edits: the section navigation under the masthead
//! ('main') and the footer's links. A menu never edited is drawn from the
//! site itself: the sections in their order; the feeds and the sitemap.

use anyhow::Context;

use crate::audit::Target;
use crate::change::Change;
use crate::db::{Db, DbError, sql};
use crate::domain::{MenuItemId, Timestamp};
use crate::error::AppError;
use crate::events::Event;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Menu {
    Main,
    Footer,
}

impl Menu {
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "main" => Some(Self::Main),
            "footer" => Some(Self::Footer),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Main => "main",
            Self::Footer => "footer",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::Main => "Section navigation",
            Self::Footer => "Footer",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct MenuItem {
    pub label: String,
    /// A path on this site (`/world`, `/about`, `/tag/energy`) or an http(s) address.
    pub link: String,
}

impl MenuItem {
    /// A label and a link as typed, checked.
    pub fn parse(label: &str, link: &str) -> Result<Self, AppError> {
        let (label, link) = (label.trim(), link.trim());
        let invalid = |message: String| AppError::Invalid {
            field: "link".into(),
            message,
        };
        if label.is_empty() || label.chars().count() > 60 {
            return Err(invalid(format!(
                "Every link needs a label of at most 60 characters (the one for \"{link}\" has {}).",
                label.chars().count()
            )));
        }
        let local = link.starts_with('/') && !link.starts_with("//");
        let web = url::Url::parse(link).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
        if !(local || web) || link.chars().any(char::is_whitespace) {
            return Err(invalid(format!(
                "\"{label}\" must lead to a path on this site (starting with /) or an http(s) address; \"{link}\" is neither."
            )));
        }
        Ok(Self {
            label: label.to_owned(),
            link: link.to_owned(),
        })
    }
}

/// The items stored for a menu, in order (empty: never edited, or emptied).
pub async fn stored(db: &Db, menu: Menu) -> Result<Vec<MenuItem>, DbError> {
    sql("SELECT label, link FROM menu_items WHERE menu = $1 ORDER BY position")
        .bind(menu.name())
        .fetch_all(db)
        .await
}

/// The footer's links when the newsroom has not set its own.
pub fn default_footer() -> Vec<MenuItem> {
    [("RSS", "/rss.xml"), ("Atom", "/atom.xml"), ("Sitemap", "/sitemap.xml")]
        .into_iter()
        .map(|(label, link)| MenuItem {
            label: label.into(),
            link: link.into(),
        })
        .collect()
}

/// Replaces a menu with `items`, in this order; an empty list gives the menu
/// back to the site (sections; feeds).
pub async fn replace(change: &mut Change, menu: Menu, items: &[MenuItem]) -> Result<(), AppError> {
    sql("DELETE FROM menu_items WHERE menu = $1")
        .bind(menu.name())
        .execute(&mut *change)
        .await
        .context("clearing a menu")?;
    let now = Timestamp::now();
    for (position, item) in items.iter().enumerate() {
        sql("INSERT INTO menu_items (id, menu, position, label, link, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(MenuItemId::new())
            .bind(menu.name())
            .bind(position as i64)
            .bind(&item.label)
            .bind(&item.link)
            .bind(now)
            .execute(&mut *change)
            .await
            .context("writing a menu link")?;
    }
    let detail = items.iter().map(|i| i.label.as_str()).collect::<Vec<_>>().join(", ");
    change
        .audit(
            "changed a menu",
            Target::new("menu", menu.name(), menu.title()),
            &detail,
        )
        .await?;
    change.announce(Event::ContentChanged);
    Ok(())
}
