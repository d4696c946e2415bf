//! Editions made of the newest stories: started by hand from the desk, or
//! built at the newsletter's own time (days of the week and a time of day
//! in the site's time zone) and then sent at once or left as a draft for an
//! editor to review. Each due time is taken by one instance only: moving
//! the newsletter's next time on is the claim, in the same transaction as
//! the edition it builds.

use std::time::Duration;

use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;

use crate::audit::{Actor, Target};
use crate::change::Change;
use crate::db::sql;
use crate::domain::Timestamp;
use crate::error::AppResult;
use crate::state::AppState;

use super::model::{self, Newsletter};
use super::write::{self, EditionDraft};

/// The days as the form and the database name them, Monday first.
pub const DAYS: [(&str, &str, Weekday); 7] = [
    ("mon", "Mon", Weekday::Monday),
    ("tue", "Tue", Weekday::Tuesday),
    ("wed", "Wed", Weekday::Wednesday),
    ("thu", "Thu", Weekday::Thursday),
    ("fri", "Fri", Weekday::Friday),
    ("sat", "Sat", Weekday::Saturday),
    ("sun", "Sun", Weekday::Sunday),
];

/// A due time missed by more than this (the site was down) is skipped, not
/// sent late: a morning briefing at teatime helps no one.
const GRACE_SECS: i64 = 2 * 3600;
/// How often each instance looks for due editions.
const TICK: Duration = Duration::from_secs(10);
/// How many stories an edition made of the newest stories lists.
pub const STORIES: i64 = 6;

/// When a newsletter's editions are built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub days: Vec<Weekday>,
    pub at: Time,
}

impl Schedule {
    /// Reads the stored (or typed) days and time; `None` when no day is set.
    pub fn parse(days: &str, at: &str) -> Result<Option<Self>, &'static str> {
        let days: Vec<Weekday> = days
            .split([' ', ','])
            .filter(|d| !d.is_empty())
            .map(|d| {
                DAYS.iter()
                    .find(|(code, _, _)| code.eq_ignore_ascii_case(d))
                    .map(|(_, _, day)| *day)
                    .ok_or("Pick days from Monday to Sunday.")
            })
            .collect::<Result<_, _>>()?;
        if days.is_empty() {
            return if at.trim().is_empty() {
                Ok(None)
            } else {
                Err("Tick the days the newsletter goes out, or clear the time.")
            };
        }
        let wrong = "Give the time as hours and minutes, like 06:30.";
        let (hour, minute) = at.trim().split_once(':').ok_or(wrong)?;
        let (hour, minute) = (hour.parse::<i8>(), minute.parse::<i8>());
        let at = match (hour, minute) {
            (Ok(h), Ok(m)) => Time::new(h, m, 0, 0).map_err(|_| wrong)?,
            _ => return Err(wrong),
        };
        Ok(Some(Self { days, at }))
    }

    /// The first due time strictly after `after`, in `tz`. A time that
    /// does not exist that day (clocks going forward) is taken as the
    /// moment after the gap.
    pub fn next_after(&self, after: Timestamp, tz: &TimeZone) -> Timestamp {
        let local = after.jiff().to_zoned_datetime(tz.clone());
        for ahead in 0..=7 {
            let Ok(date) = local.date().checked_add(jiff::Span::new().days(ahead)) else {
                break;
            };
            if !self.days.contains(&date.weekday()) {
                continue;
            }
            let Ok(due) = date.to_datetime(self.at).to_zoned_datetime(tz.clone()) else {
                continue;
            };
            let due = Timestamp::from_micros(due.timestamp().as_microsecond());
            if due > after {
                return due;
            }
        }
        // Unreachable with at least one day; a week on keeps it sane.
        after.plus_seconds(7 * 86_400)
    }

    /// The days as stored: "mon wed fri".
    pub fn days_text(&self) -> String {
        DAYS.iter()
            .filter(|(_, _, day)| self.days.contains(day))
            .map(|(code, _, _)| *code)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// For people: "Mon, Wed, Fri at 06:30".
    pub fn describe(&self) -> String {
        let days: Vec<&str> = DAYS
            .iter()
            .filter(|(_, _, day)| self.days.contains(day))
            .map(|(_, name, _)| *name)
            .collect();
        format!("{} at {}", days.join(", "), self.at.strftime("%H:%M"))
    }
}

#[derive(sqlx::FromRow)]
struct StoryPick {
    headline: String,
    section: String,
    slug: String,
}

/// A draft made of the newest published stories (of one section, or of
/// all), each as a card, published after `since` when given.
pub async fn stories_draft(
    state: &AppState,
    newsletter: &Newsletter,
    from: &str,
    since: Option<Timestamp>,
) -> AppResult<EditionDraft> {
    let section = (from != "all").then_some(from);
    let stories: Vec<StoryPick> = sql(
        "SELECT a.headline, s.slug AS section, a.slug FROM articles a JOIN sections s ON s.id = a.section_id
         WHERE a.status = 'published' AND ($1 IS NULL OR s.slug = $1) AND ($2 IS NULL OR a.published_at > $2)
         ORDER BY a.published_at DESC LIMIT $3",
    )
    .bind(section.map(str::to_owned))
    .bind(since)
    .bind(STORIES)
    .fetch_all(&state.db)
    .await?;
    let today = Timestamp::now()
        .jiff()
        .to_zoned_datetime(state.site.timezone())
        .strftime("%A %-d %B")
        .to_string();
    let mut body = String::new();
    if !stories.is_empty() {
        if newsletter.template.is_empty() {
            body.push_str("Here is what you need to know today.\n");
        } else {
            body.push_str(&newsletter.template);
            body.push('\n');
        }
    }
    for story in &stories {
        body.push_str(&format!(
            "\n{}\n",
            state.site.url(&format!("/{}/{}", story.section, story.slug))
        ));
    }
    Ok(EditionDraft {
        subject: format!("{}: {today}", newsletter.name),
        preheader: stories.first().map(|s| s.headline.clone()).unwrap_or_default(),
        body,
        with_appeal: false,
    })
}

/// Runs for the life of the process.
pub fn spawn(state: AppState) {
    crate::jobs::every(
        state,
        TICK,
        "could not look for scheduled newsletter editions",
        |state| async move { build_due(&state).await },
    );
}

/// Builds every edition whose time has come; one newsletter failing does
/// not hold up the others (it is tried again at the next tick).
pub async fn build_due(state: &AppState) -> AppResult<()> {
    for newsletter in model::due(&state.db, Timestamp::now()).await? {
        if let Err(err) = build(state, &newsletter).await {
            tracing::warn!(newsletter = newsletter.slug, error = %err, "could not build a scheduled newsletter edition");
        }
    }
    Ok(())
}

/// Builds one newsletter's due edition (or skips it, saying why), and sets the next time.
async fn build(state: &AppState, newsletter: &Newsletter) -> AppResult<()> {
    let Some(slot) = newsletter.next_edition_at else {
        return Ok(());
    };
    let now = Timestamp::now();
    let next = newsletter.schedule().map(|s| s.next_after(now, &state.site.timezone()));
    let mut change = Change::begin(state, Actor::system("Newsletter schedule")).await?;
    if !write::claim_slot(&mut change, newsletter.id, slot, next).await? {
        // Another instance took it.
        return Ok(());
    }
    let draft = if now.as_micros() - slot.as_micros() > GRACE_SECS * 1_000_000 {
        let when = slot
            .jiff()
            .to_zoned_datetime(state.site.timezone())
            .strftime("%a %-d %b %H:%M");
        Err(format!("its time ({when}) passed while the site was not running"))
    } else {
        let since = model::last_edition_at(&state.db, newsletter.id).await?;
        let draft = stories_draft(state, newsletter, &newsletter.schedule_from, since).await?;
        if draft.body.is_empty() {
            Err("no story was published since the last edition".to_owned())
        } else {
            Ok(draft)
        }
    };
    match draft {
        Err(why) => {
            let target = Target::new("newsletter", newsletter.id, &newsletter.name);
            change
                .audit("skipped a scheduled newsletter edition", target, &why)
                .await?;
        }
        Ok(draft) => {
            let edition = write::create_edition(&mut change, newsletter, &draft, Some(slot)).await?;
            if !newsletter.schedule_review {
                write::start(&mut change, newsletter, &edition).await?;
            }
            tracing::info!(newsletter = newsletter.slug, edition = %edition.id, "built a scheduled newsletter edition");
        }
    }
    change.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    #[test]
    fn the_next_time_is_the_next_ticked_day_at_the_local_time() {
        let london = TimeZone::get("Europe/London").unwrap();
        let weekdays = Schedule::parse("mon tue wed thu fri", "06:30").unwrap().unwrap();
        // Friday 4 December 2026, 07:00 in London: next is Monday 06:30 (GMT).
        assert_eq!(
            weekdays.next_after(at("2026-12-04T07:00:00Z"), &london),
            at("2026-12-07T06:30:00Z")
        );
        // Before the time on a ticked day: that same day.
        assert_eq!(
            weekdays.next_after(at("2026-12-07T06:00:00Z"), &london),
            at("2026-12-07T06:30:00Z")
        );
        // Exactly at the time: the next one, not the same again.
        assert_eq!(
            weekdays.next_after(at("2026-12-07T06:30:00Z"), &london),
            at("2026-12-08T06:30:00Z")
        );
        // Summer time: 06:30 in London is 05:30 UTC.
        assert_eq!(
            weekdays.next_after(at("2026-07-01T12:00:00Z"), &london),
            at("2026-07-02T05:30:00Z")
        );
        // 01:30 does not exist on 29 March 2026 in London; it becomes 02:30 BST.
        let sundays = Schedule::parse("sun", "01:30").unwrap().unwrap();
        assert_eq!(
            sundays.next_after(at("2026-03-28T12:00:00Z"), &london),
            at("2026-03-29T01:30:00Z")
        );
        assert_eq!(sundays.days_text(), "sun");
        assert_eq!(weekdays.describe(), "Mon, Tue, Wed, Thu, Fri at 06:30");
    }

    #[test]
    fn a_schedule_needs_both_days_and_a_time() {
        assert_eq!(Schedule::parse("", ""), Ok(None));
        assert!(Schedule::parse("", "07:00").is_err());
        assert!(Schedule::parse("mon", "").is_err());
        assert!(Schedule::parse("mon", "25:00").is_err());
        assert!(Schedule::parse("someday", "07:00").is_err());
        assert_eq!(
            Schedule::parse("MON,fri", "7:05").unwrap().unwrap().days_text(),
            "mon fri"
        );
    }
}
