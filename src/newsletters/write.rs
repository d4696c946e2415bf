//! The one way newsletters and editions are written: created, changed,
//! started, paused and resumed, each with its audit line.

use crate::audit::Target;
use crate::change::Change;
use crate::db::sql;
use crate::domain::{EditionId, Email, NewsletterId, Slug, Timestamp};
use crate::error::AppError;
use crate::events::Event;

use super::model::{EDITION_COLUMNS, Edition, Newsletter};
use super::schedule::Schedule;
use super::subscribers::SHARDS;

const MAX_NAME: usize = 80;
const MAX_SUBJECT: usize = 150;
const MAX_PREHEADER: usize = 200;
/// Gmail clips a message past 102 KB; the words alone are kept well below.
pub const MAX_BODY: usize = 60_000;

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

/// A newsletter as the newsroom's form gives it, checked.
#[derive(Clone, Debug, Default)]
pub struct NewsletterDraft {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub frequency: String,
    pub sender_name: String,
    pub sender_address: String,
    pub reply_to: String,
    pub position: i64,
    pub retired: bool,
    /// Days as three-letter names ("mon tue"), and HH:MM: when editions
    /// are built by themselves; both empty for none.
    pub schedule_days: String,
    pub schedule_at: String,
    /// "all", or the slug of the section whose stories it takes.
    pub schedule_from: String,
    /// Built as a draft for an editor to send, rather than sent at once.
    pub schedule_review: bool,
    pub count_clicks: bool,
    /// Markdown every new edition starts from.
    pub template: String,
}

impl NewsletterDraft {
    pub fn check(&mut self) -> Result<(), AppError> {
        let schedule =
            Schedule::parse(&self.schedule_days, &self.schedule_at).map_err(|m| invalid("schedule_at", m))?;
        (self.schedule_days, self.schedule_at) = match &schedule {
            Some(s) => (s.days_text(), s.at.strftime("%H:%M").to_string()),
            None => (String::new(), String::new()),
        };
        self.template = self.template.replace("\r\n", "\n").trim_end().to_owned();
        if self.template.len() > MAX_BODY / 2 {
            return Err(invalid(
                "template",
                "Keep the starting words short: they begin every edition.",
            ));
        }
        self.schedule_from = match self.schedule_from.trim() {
            "" | "all" => "all".into(),
            slug => Slug::parse(slug)
                .map_err(|_| invalid("schedule_from", "Pick a section from the list."))?
                .to_string(),
        };
        self.name = self.name.trim().to_owned();
        if self.name.is_empty() || self.name.chars().count() > MAX_NAME {
            return Err(invalid(
                "name",
                format!("Give the newsletter a name of 1 to {MAX_NAME} characters."),
            ));
        }
        let slug = if self.slug.trim().is_empty() {
            Slug::suggest(&self.name)
        } else {
            Slug::parse(self.slug.trim()).ok()
        };
        self.slug = slug
            .ok_or_else(|| invalid("slug", "Use lower-case letters, digits and hyphens for the address."))?
            .to_string();
        for (field, value) in [
            ("sender_address", &mut self.sender_address),
            ("reply_to", &mut self.reply_to),
        ] {
            if !value.trim().is_empty() {
                *value = Email::parse(value)
                    .map_err(|_| {
                        invalid(
                            field,
                            "Enter an email address like desk@example.com, or leave it empty.",
                        )
                    })?
                    .as_str()
                    .to_owned();
            }
        }
        self.sender_name = self.sender_name.trim().replace(['\r', '\n', '"', '<', '>'], " ");
        Ok(())
    }
}

fn slug_taken(err: crate::db::DbError) -> AppError {
    if err.is_unique_violation() {
        invalid("slug", "Another newsletter already uses this address.")
    } else {
        AppError::Internal(anyhow::Error::new(err).context("writing a newsletter"))
    }
}

/// When the next scheduled edition is due, as of now; none without a
/// schedule, for a retired newsletter, or when its section does not exist.
async fn next_edition(change: &mut Change, draft: &NewsletterDraft) -> Result<Option<Timestamp>, AppError> {
    if draft.schedule_from != "all" {
        let known: Option<(String,)> = sql("SELECT slug FROM sections WHERE slug = $1")
            .bind(&draft.schedule_from)
            .fetch_optional(&mut *change)
            .await?;
        if known.is_none() {
            return Err(invalid("schedule_from", "Pick a section from the list."));
        }
    }
    let schedule = Schedule::parse(&draft.schedule_days, &draft.schedule_at).ok().flatten();
    let tz = change.state().site.timezone();
    Ok(schedule
        .filter(|_| !draft.retired)
        .map(|s| s.next_after(Timestamp::now(), &tz)))
}

pub async fn create_newsletter(change: &mut Change, draft: &NewsletterDraft) -> Result<NewsletterId, AppError> {
    let id = NewsletterId::new();
    let now = Timestamp::now();
    let next = next_edition(change, draft).await?;
    sql(
        "INSERT INTO newsletters (id, slug, name, description, frequency, sender_name, sender_address, reply_to,
             position, retired_at, created_at, updated_at, schedule_days, schedule_at, schedule_from,
             schedule_review, next_edition_at, count_clicks, template)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13, $14, $15, $16, $17, $18)",
    )
    .bind(id)
    .bind(&draft.slug)
    .bind(&draft.name)
    .bind(draft.description.trim())
    .bind(draft.frequency.trim())
    .bind(&draft.sender_name)
    .bind(&draft.sender_address)
    .bind(&draft.reply_to)
    .bind(draft.position)
    .bind(draft.retired.then_some(now))
    .bind(now)
    .bind(&draft.schedule_days)
    .bind(&draft.schedule_at)
    .bind(&draft.schedule_from)
    .bind(draft.schedule_review)
    .bind(next)
    .bind(draft.count_clicks)
    .bind(&draft.template)
    .execute(&mut *change)
    .await
    .map_err(slug_taken)?;
    change
        .audit("created a newsletter", Target::new("newsletter", id, &draft.name), "")
        .await?;
    // Articles offer the first newsletter: their cached pages are stale.
    change.announce(Event::ContentChanged);
    Ok(id)
}

pub async fn update_newsletter(change: &mut Change, id: NewsletterId, draft: &NewsletterDraft) -> Result<(), AppError> {
    let now = Timestamp::now();
    let next = next_edition(change, draft).await?;
    let changed = sql(
        "UPDATE newsletters SET slug = $1, name = $2, description = $3, frequency = $4, sender_name = $5,
             sender_address = $6, reply_to = $7, position = $8,
             retired_at = CASE WHEN $9 THEN COALESCE(retired_at, $10) ELSE NULL END, updated_at = $10,
             schedule_days = $12, schedule_at = $13, schedule_from = $14, schedule_review = $15,
             next_edition_at = $16, count_clicks = $17, template = $18
         WHERE id = $11",
    )
    .bind(&draft.slug)
    .bind(&draft.name)
    .bind(draft.description.trim())
    .bind(draft.frequency.trim())
    .bind(&draft.sender_name)
    .bind(&draft.sender_address)
    .bind(&draft.reply_to)
    .bind(draft.position)
    .bind(draft.retired)
    .bind(now)
    .bind(id)
    .bind(&draft.schedule_days)
    .bind(&draft.schedule_at)
    .bind(&draft.schedule_from)
    .bind(draft.schedule_review)
    .bind(next)
    .bind(draft.count_clicks)
    .bind(&draft.template)
    .execute(&mut *change)
    .await
    .map_err(slug_taken)?;
    if changed == 0 {
        return Err(AppError::NotFound);
    }
    change
        .audit("changed a newsletter", Target::new("newsletter", id, &draft.name), "")
        .await?;
    change.announce(Event::ContentChanged);
    Ok(())
}

/// Brings a newsletter in from an export; one already here (same id or
/// address) is kept as it is. True when it was added.
pub async fn restore_newsletter<'c>(conn: impl Into<crate::db::Conn<'c>>, row: &Newsletter) -> Result<bool, AppError> {
    let now = Timestamp::now();
    let added = sql(
        "INSERT INTO newsletters (id, slug, name, description, frequency, sender_name, sender_address,
             reply_to, position, retired_at, created_at, updated_at, schedule_days, schedule_at, schedule_from,
             schedule_review, next_edition_at, count_clicks, template)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13, $14, $15, $16, $17, $18)
         ON CONFLICT DO NOTHING",
    )
    .bind(row.id)
    .bind(&row.slug)
    .bind(&row.name)
    .bind(&row.description)
    .bind(&row.frequency)
    .bind(&row.sender_name)
    .bind(&row.sender_address)
    .bind(&row.reply_to)
    .bind(row.position)
    .bind(row.retired_at)
    .bind(now)
    .bind(&row.schedule_days)
    .bind(&row.schedule_at)
    .bind(&row.schedule_from)
    .bind(row.schedule_review)
    .bind(row.next_edition_at)
    .bind(row.count_clicks)
    .bind(&row.template)
    .execute(conn)
    .await?;
    Ok(added > 0)
}

/// Takes a newsletter's due time `slot` and sets its next one: true for the
/// one caller that moved it, so each due edition is built once however
/// many instances look.
pub async fn claim_slot(
    change: &mut Change,
    newsletter: NewsletterId,
    slot: Timestamp,
    next: Option<Timestamp>,
) -> Result<bool, AppError> {
    let moved = sql("UPDATE newsletters SET next_edition_at = $1 WHERE id = $2 AND next_edition_at = $3")
        .bind(next)
        .bind(newsletter)
        .bind(slot)
        .execute(&mut *change)
        .await?;
    Ok(moved == 1)
}

/// An edition's words as the editor gives them, checked.
#[derive(Clone, Debug, Default)]
pub struct EditionDraft {
    pub subject: String,
    pub preheader: String,
    pub body: String,
    pub with_appeal: bool,
}

impl EditionDraft {
    pub fn check(&mut self) -> Result<(), AppError> {
        self.subject = self.subject.trim().replace(['\r', '\n'], " ");
        self.preheader = self.preheader.trim().replace(['\r', '\n'], " ");
        // Browsers send CRLF; the words are kept with plain line ends.
        self.body = self.body.replace("\r\n", "\n");
        if self.subject.is_empty() || self.subject.chars().count() > MAX_SUBJECT {
            return Err(invalid(
                "subject",
                format!("Write a subject line of 1 to {MAX_SUBJECT} characters."),
            ));
        }
        if self.preheader.chars().count() > MAX_PREHEADER {
            return Err(invalid(
                "preheader",
                format!("Keep the preview line under {MAX_PREHEADER} characters."),
            ));
        }
        if self.body.trim().is_empty() {
            return Err(invalid("body", "Write the edition before saving it."));
        }
        if self.body.len() > MAX_BODY {
            return Err(invalid(
                "body",
                format!(
                    "This edition is {} KB of text; keep it under {} KB so mail programs show it whole.",
                    self.body.len() / 1000,
                    MAX_BODY / 1000
                ),
            ));
        }
        Ok(())
    }
}

/// Writes a draft edition; `scheduled_for` when the schedule built it.
pub async fn create_edition(
    change: &mut Change,
    newsletter: &Newsletter,
    draft: &EditionDraft,
    scheduled_for: Option<Timestamp>,
) -> Result<Edition, AppError> {
    let id = EditionId::new();
    let now = Timestamp::now();
    let by = change.actor().name.clone();
    if change.db().backend() == crate::db::Backend::Postgres {
        // Numbers count up across the site: two editions made at once wait
        // for each other here rather than both taking the same one.
        sql("SELECT pg_advisory_xact_lock($1)")
            .bind(EDITION_NUMBER_LOCK)
            .execute(&mut *change)
            .await?;
    }
    let edition: Edition = sql(format!(
        "INSERT INTO editions (id, number, newsletter_id, subject, preheader, body, with_appeal, status,
             created_by_name, created_at, updated_at, scheduled_for)
         VALUES ($1, (SELECT COALESCE(MAX(number), 0) + 1 FROM editions), $2, $3, $4, $5, $6, 'draft', $7, $8, $8, $9)
         RETURNING {EDITION_COLUMNS}"
    ))
    .bind(id)
    .bind(newsletter.id)
    .bind(&draft.subject)
    .bind(&draft.preheader)
    .bind(&draft.body)
    .bind(draft.with_appeal)
    .bind(by)
    .bind(now)
    .bind(scheduled_for)
    .fetch_one(&mut *change)
    .await
    .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("writing an edition")))?;
    let detail = if scheduled_for.is_some() {
        format!("{}, at its scheduled time", newsletter.name)
    } else {
        newsletter.name.clone()
    };
    change
        .audit(
            "wrote a newsletter edition",
            Target::new("edition", id, &draft.subject),
            &detail,
        )
        .await?;
    Ok(edition)
}

/// A lock number private to edition numbering (PostgreSQL advisory lock).
const EDITION_NUMBER_LOCK: i64 = 0x6273_6564_6e6f;

/// Saves new words over `revision`; someone else's save in between is a conflict, not overwritten.
pub async fn update_edition(
    change: &mut Change,
    edition: &Edition,
    revision: i64,
    draft: &EditionDraft,
) -> Result<(), AppError> {
    let changed = sql(
        "UPDATE editions SET subject = $1, preheader = $2, body = $3, with_appeal = $4,
             revision = revision + 1, updated_at = $5
         WHERE id = $6 AND revision = $7 AND status = 'draft'",
    )
    .bind(&draft.subject)
    .bind(&draft.preheader)
    .bind(&draft.body)
    .bind(draft.with_appeal)
    .bind(Timestamp::now())
    .bind(edition.id)
    .bind(revision)
    .execute(&mut *change)
    .await?;
    if changed == 0 {
        return Err(AppError::Conflict(if edition.is_out() {
            "This edition has been sent, so its words can no longer change.".into()
        } else {
            "Someone else saved this edition while you were editing. Your words are below; \
             open the edition again to see theirs, then copy yours in."
                .into()
        }));
    }
    change
        .audit(
            "changed a newsletter edition",
            Target::new("edition", edition.id, &draft.subject),
            "",
        )
        .await?;
    Ok(())
}

/// Queues one sending job per shard; it goes out when the change commits.
/// Each shard counts its own audience once its first batch has gone, so
/// counting a million subscribers never holds up the first message.
pub async fn start(change: &mut Change, newsletter: &Newsletter, edition: &Edition) -> Result<(), AppError> {
    let now = Timestamp::now();
    if newsletter.count_clicks {
        super::clicks::remember_links(change, newsletter, edition).await?;
    }
    let changed = sql("UPDATE editions SET status = 'sending', sent_at = $1, updated_at = $1
         WHERE id = $2 AND status = 'draft'")
    .bind(now)
    .bind(edition.id)
    .execute(&mut *change)
    .await?;
    if changed == 0 {
        return Err(AppError::Conflict("This edition has already been sent.".into()));
    }
    for shard in 0..SHARDS {
        sql("INSERT INTO edition_shards (edition_id, shard) VALUES ($1, $2)")
            .bind(edition.id)
            .bind(shard)
            .execute(&mut *change)
            .await?;
    }
    queue_shards(change, edition.id).await?;
    change
        .audit(
            "sent a newsletter edition",
            Target::new("edition", edition.id, &edition.subject),
            "",
        )
        .await?;
    Ok(())
}

/// One job for each shard not yet finished.
async fn queue_shards(change: &mut Change, edition: EditionId) -> Result<(), AppError> {
    let open: Vec<(i64,)> = sql("SELECT shard FROM edition_shards WHERE edition_id = $1 AND done_at IS NULL")
        .bind(edition)
        .fetch_all(&mut *change)
        .await?;
    // A job from before a pause may still be waiting or running; the two
    // cannot both send a batch (see `fanout`), so one more does no harm.
    for (shard,) in open {
        crate::jobs::enqueue(
            &mut *change,
            super::fanout::JOB,
            &super::fanout::ShardJob { edition, shard },
            None,
        )
        .await?;
    }
    change.queued_work();
    Ok(())
}

/// Stops sending after the batches under way; nothing is lost or sent twice.
pub async fn pause(change: &mut Change, edition: &Edition) -> Result<(), AppError> {
    let refusal = "Only an edition that is being sent can be paused.";
    move_status(
        change,
        edition,
        ("sending", "paused"),
        refusal,
        "paused a newsletter edition",
    )
    .await
}

/// Carries on from where each shard stopped.
pub async fn resume(change: &mut Change, edition: &Edition) -> Result<(), AppError> {
    let refusal = "Only a paused edition can be resumed.";
    move_status(
        change,
        edition,
        ("paused", "sending"),
        refusal,
        "resumed a newsletter edition",
    )
    .await?;
    queue_shards(change, edition.id).await
}

/// Moves an edition from one status to another, or refuses with `refusal`
/// when it is not in the first (someone else moved it first).
async fn move_status(
    change: &mut Change,
    edition: &Edition,
    (from, to): (&str, &str),
    refusal: &str,
    action: &str,
) -> Result<(), AppError> {
    let changed = sql("UPDATE editions SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
        .bind(to)
        .bind(Timestamp::now())
        .bind(edition.id)
        .bind(from)
        .execute(&mut *change)
        .await?;
    if changed == 0 {
        return Err(AppError::Conflict(refusal.into()));
    }
    change
        .audit(action, Target::new("edition", edition.id, &edition.subject), "")
        .await?;
    Ok(())
}
