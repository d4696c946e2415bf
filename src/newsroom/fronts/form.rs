//! The front editor's form, read back into a layout, and the actions its
//! buttons name ("up:2", "remove:0", "add:opinion", "slot-up:1:0"…).

use crate::domain::{ArticleId, ImageId};
use crate::error::AppError;
use crate::fronts::layout::MAX_SIZE;
use crate::fronts::{Container, FrontLayout, Kind, Slot};
use crate::newsroom::articles::form::{local_time_value, parse_local_time};
use crate::site::menus::MenuItem;
use crate::state::Site;
use crate::web::form::FormFields;

/// Reads the layout the form describes. A slot row with no story chosen is
/// left out (it is the blank row for adding one). A time or link that does
/// not read is left out too, and the first such problem returned with it.
pub fn layout_from(form: &FormFields, site: &Site) -> (FrontLayout, Option<AppError>) {
    let mut problem = None;
    let mut keep = |result: Result<Option<crate::domain::Timestamp>, AppError>| match result {
        Ok(at) => at,
        Err(err) => {
            problem.get_or_insert(err);
            None
        }
    };
    let mut bad_links = Vec::new();
    let count: usize = form.get("containers").parse().unwrap_or(0);
    let mut containers = Vec::with_capacity(count);
    for i in 0..count {
        let field = |name: &str| form.get(&format!("c{i}-{name}")).trim().to_owned();
        let kind = Kind::parse(&field("kind")).unwrap_or(Kind::Stories);
        let size: usize = field("size").parse().unwrap_or(1);
        let mut container = Container::new(kind, &field("title"), &field("source"), size.clamp(1, MAX_SIZE));
        container.until = keep(until(site, &field("until"), &format!("c{i}-until")));
        for line in field("links").lines().filter(|l| !l.trim().is_empty()) {
            let (label, link) = line.split_once('|').unwrap_or(("", line));
            match MenuItem::parse(label, link) {
                Ok(item) => container.links.push(item),
                Err(err) => bad_links.push(err),
            }
        }
        let slots: usize = field("slots").parse().unwrap_or(0);
        for j in 0..slots {
            let slot_field = |name: &str| field(&format!("s{j}-{name}"));
            let Ok(article) = slot_field("article").parse::<ArticleId>() else {
                continue;
            };
            let mut slot = Slot::new(article);
            slot.headline = slot_field("headline");
            slot.standfirst = slot_field("standfirst");
            slot.kicker = slot_field("kicker");
            slot.picture = slot_field("picture").parse::<ImageId>().ok();
            slot.until = keep(until(site, &slot_field("until"), &format!("c{i}-s{j}-until")));
            container.slots.push(slot);
        }
        containers.push(container);
    }
    (FrontLayout { containers }, problem.or(bad_links.into_iter().next()))
}

fn until(site: &Site, value: &str, field: &str) -> Result<Option<crate::domain::Timestamp>, AppError> {
    if value.is_empty() {
        return Ok(None);
    }
    parse_local_time(site, value).map(Some).map_err(|_| AppError::Invalid {
        field: field.into(),
        message: format!("\"{value}\" is not a date and time; write it as 2024-12-16 18:00."),
    })
}

/// The value a `datetime-local` field shows for an optional moment.
pub fn until_value(site: &Site, at: Option<crate::domain::Timestamp>) -> String {
    at.map(|t| local_time_value(site, t)).unwrap_or_default()
}

/// What a button asks for, besides saving.
#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    Save,
    Publish,
    Add(Kind),
    Up(usize),
    Down(usize),
    Remove(usize),
    SlotUp(usize, usize),
    SlotDown(usize, usize),
    SlotRemove(usize, usize),
    /// Puts an old version in the draft.
    Restore(i64),
}

impl Action {
    pub fn parse(value: &str) -> Option<Self> {
        let mut parts = value.split(':');
        let name = parts.next()?;
        let mut number = || parts.next().and_then(|n| n.parse::<usize>().ok());
        Some(match name {
            "save" => Self::Save,
            "publish" => Self::Publish,
            "add" => Self::Add(Kind::parse(value.strip_prefix("add:")?)?),
            "up" => Self::Up(number()?),
            "down" => Self::Down(number()?),
            "remove" => Self::Remove(number()?),
            "slot-up" => Self::SlotUp(number()?, number()?),
            "slot-down" => Self::SlotDown(number()?, number()?),
            "slot-remove" => Self::SlotRemove(number()?, number()?),
            "restore" => Self::Restore(value.strip_prefix("restore:")?.parse().ok()?),
            _ => return None,
        })
    }

    /// Changes `layout` as asked; returns the container to show the editor at.
    pub fn apply(&self, layout: &mut FrontLayout) -> Option<usize> {
        let containers = &mut layout.containers;
        match *self {
            Self::Add(kind) => {
                let (title, size) = match kind {
                    Kind::Lead => ("", 1),
                    Kind::Stories => ("Top stories", 4),
                    Kind::Opinion => ("Opinion", 4),
                    Kind::Live => ("Live now", 3),
                    Kind::Links => ("Links", 1),
                };
                containers.push(Container::new(kind, title, "", size));
                Some(containers.len() - 1)
            }
            Self::Up(i) if i > 0 => {
                swap(containers, i, i - 1);
                Some(i - 1)
            }
            Self::Down(i) => {
                swap(containers, i, i + 1);
                Some((i + 1).min(containers.len().saturating_sub(1)))
            }
            Self::Remove(i) if i < containers.len() => {
                containers.remove(i);
                None
            }
            Self::SlotUp(i, j) if j > 0 => {
                if let Some(c) = containers.get_mut(i) {
                    swap(&mut c.slots, j, j - 1);
                }
                Some(i)
            }
            Self::SlotDown(i, j) => {
                if let Some(c) = containers.get_mut(i) {
                    swap(&mut c.slots, j, j + 1);
                }
                Some(i)
            }
            Self::SlotRemove(i, j) => {
                if let Some(c) = containers.get_mut(i)
                    && j < c.slots.len()
                {
                    c.slots.remove(j);
                }
                Some(i)
            }
            _ => None,
        }
    }
}

/// Swaps two places of a list, when both are in it.
fn swap<T>(list: &mut [T], a: usize, b: usize) {
    if a < list.len() && b < list.len() {
        list.swap(a, b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buttons_name_their_actions() {
        assert_eq!(Action::parse("up:2"), Some(Action::Up(2)));
        assert_eq!(Action::parse("slot-remove:1:3"), Some(Action::SlotRemove(1, 3)));
        assert_eq!(Action::parse("add:opinion"), Some(Action::Add(Kind::Opinion)));
        assert_eq!(Action::parse("restore:4"), Some(Action::Restore(4)));
        assert_eq!(Action::parse("add:nothing"), None);
        assert_eq!(Action::parse("up"), None);
    }

    #[test]
    fn moving_a_container_past_either_end_changes_nothing() {
        let mut layout = FrontLayout {
            containers: vec![
                Container::new(Kind::Lead, "", "", 1),
                Container::new(Kind::Stories, "Latest", "", 6),
            ],
        };
        let before = layout.clone();
        Action::Up(0).apply(&mut layout);
        Action::Down(1).apply(&mut layout);
        assert_eq!(layout, before);
        Action::Down(0).apply(&mut layout);
        assert_eq!(layout.containers[0].title, "Latest");
    }
}
