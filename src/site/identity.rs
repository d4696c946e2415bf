//! The publication's identity: its name, tagline, language, time zone,
//! accent colour and logo. Set in the newsroom (Site), kept in
//! `site_settings`; a value set in the settings file or the environment
//! wins and cannot be changed there. Every instance reloads it when content
//! changes, so a new name shows everywhere at once.

use crate::audit::Target;
use crate::change::Change;
use crate::config::{Settings, SiteSettings};
use crate::db::Db;
use crate::domain::{AuthorId, ImageId};
use crate::error::AppError;
use crate::events::{Bus, Event};
use crate::state::AppState;

use super::settings;

/// What a page needs to know of the publication.
#[derive(Clone, Debug, PartialEq)]
pub struct Identity {
    pub name: String,
    pub tagline: String,
    /// A BCP 47 tag ("en-GB").
    pub language: String,
    /// The IANA name of the time zone ("Europe/London").
    pub timezone_name: String,
    pub timezone: jiff::tz::TimeZone,
    /// "#rrggbb" for links, labels and badges; none: the built-in red.
    pub accent: Option<String>,
    /// A stored picture drawn in the masthead in place of the name in type.
    pub logo: Option<ImageId>,
    /// The picture shared with a story that has none of its own.
    pub share: Option<ImageId>,
    /// The byline a new story or update starts with when its writer has none of their own.
    pub author: Option<AuthorId>,
}

/// The fields, as named in the settings file (`site.name`) and in the
/// newsroom's form (`name`); stored under `identity.{field}`.
pub const FIELDS: [&str; 8] = [
    "name", "tagline", "language", "timezone", "accent", "logo", "share", "author",
];

impl Identity {
    pub fn from_settings(site: &SiteSettings) -> anyhow::Result<Self> {
        Ok(Self {
            name: site.name.clone(),
            tagline: site.tagline.clone(),
            language: site.language.clone(),
            timezone_name: site.timezone.clone(),
            timezone: jiff::tz::TimeZone::get(&site.timezone)?,
            accent: None,
            logo: None,
            share: None,
            author: None,
        })
    }

    /// The value of a field as the form shows it.
    pub fn value(&self, field: &str) -> String {
        match field {
            "name" => self.name.clone(),
            "tagline" => self.tagline.clone(),
            "language" => self.language.clone(),
            "timezone" => self.timezone_name.clone(),
            "accent" => self.accent.clone().unwrap_or_default(),
            "logo" => self.logo.map(|l| l.to_string()).unwrap_or_default(),
            "share" => self.share.map(|l| l.to_string()).unwrap_or_default(),
            "author" => self.author.map(|a| a.to_string()).unwrap_or_default(),
            _ => String::new(),
        }
    }

    /// Sets a field from text, checked; an empty accent or logo clears it.
    pub fn set(&mut self, field: &str, value: &str) -> Result<(), AppError> {
        let value = value.trim();
        let invalid = |message: String| AppError::Invalid {
            field: field.into(),
            message,
        };
        match field {
            "name" if value.is_empty() || value.chars().count() > 80 => {
                return Err(invalid("The name takes 1 to 80 characters.".into()));
            }
            "name" => self.name = value.into(),
            "tagline" if value.chars().count() > 160 => {
                return Err(invalid("The tagline takes at most 160 characters.".into()));
            }
            "tagline" => self.tagline = value.into(),
            "language" if !is_language_tag(value) => {
                return Err(invalid(format!(
                    "\"{value}\" is not a language tag; write it as en-GB, fr or pt-BR."
                )));
            }
            "language" => self.language = value.into(),
            "timezone" => {
                self.timezone = jiff::tz::TimeZone::get(value).map_err(|_| {
                    invalid(format!(
                        "\"{value}\" is not a time zone this server knows; write it as Europe/London."
                    ))
                })?;
                self.timezone_name = value.into();
            }
            "accent" if value.is_empty() => self.accent = None,
            "accent" => {
                let colour = Rgb::parse(value)
                    .ok_or_else(|| invalid(format!("\"{value}\" is not a colour; write it as #a3121d.")))?;
                let worst = [Rgb(255, 255, 255), Rgb(0xf4, 0xf1, 0xea)]
                    .into_iter()
                    .map(|ground| colour.contrast(ground))
                    .fold(f64::INFINITY, f64::min);
                if worst < 4.5 {
                    return Err(invalid(format!(
                        "{value} is too light to read on the page: its contrast is {worst:.1}:1 and words need at least 4.5:1. Choose a darker shade."
                    )));
                }
                self.accent = Some(value.to_ascii_lowercase());
            }
            "logo" if value.is_empty() => self.logo = None,
            "share" if value.is_empty() => self.share = None,
            "author" if value.is_empty() => self.author = None,
            "author" => {
                self.author = Some(
                    value
                        .parse()
                        .map_err(|_| invalid("Choose the default byline from the authors.".into()))?,
                )
            }
            "logo" | "share" => {
                let picture = value
                    .parse()
                    .map_err(|_| invalid("Choose the picture from the ones stored.".into()))?;
                if field == "logo" {
                    self.logo = Some(picture);
                } else {
                    self.share = Some(picture);
                }
            }
            _ => return Err(invalid(format!("There is no identity field {field}."))),
        }
        Ok(())
    }

    /// The stylesheet that puts the accent colour in place (light pages only:
    /// the dark scheme keeps its own, lighter accent).
    pub fn theme_css(&self) -> Option<String> {
        let accent = self.accent.as_deref()?;
        let dark = Rgb::parse(accent)?.darker();
        Some(format!(
            "@media (prefers-color-scheme: light) {{ :root {{ --accent: {accent}; --accent-fill: {accent}; --accent-dark: {dark}; }} }}\n"
        ))
    }
}

/// Which identity fields the settings file or the environment set (they win).
pub fn fixed(settings: &Settings) -> Vec<&'static str> {
    FIELDS
        .into_iter()
        .filter(|f| settings.site_fixed.iter().any(|s| s == f))
        .collect()
}

/// The identity as it stands: the settings, then what the newsroom stored
/// for each field the settings leave open. A stored value that no longer
/// reads (a time zone this server lacks) is passed over.
pub async fn load(db: &Db, settings: &Settings) -> anyhow::Result<Identity> {
    let mut identity = Identity::from_settings(&settings.site)?;
    let fixed = fixed(settings);
    // One read: this runs on every instance whenever content changes.
    let stored = settings::with_prefix(db, "identity.").await?;
    for field in FIELDS.into_iter().filter(|f| !fixed.contains(f)) {
        let key = format!("identity.{field}");
        if let Some((_, value)) = stored.iter().find(|(k, _)| *k == key)
            && let Err(err) = identity.set(field, value)
        {
            tracing::warn!(field, error = %err.report().detail, "a stored identity value does not read");
        }
    }
    Ok(identity)
}

/// Stores the newsroom's identity (the fields the settings leave open),
/// audited and announced.
pub async fn save(change: &mut Change, identity: &Identity) -> Result<(), AppError> {
    let fixed = fixed(&change.state().settings);
    let mut changed = Vec::new();
    let current = change.state().site.identity();
    for field in FIELDS.into_iter().filter(|f| !fixed.contains(f)) {
        let value = identity.value(field);
        if value != current.value(field) {
            changed.push(field);
        }
        settings::put(&mut *change, &format!("identity.{field}"), &value).await?;
    }
    change
        .audit(
            "changed the site's identity",
            Target::new("site", "identity", &identity.name),
            &changed.join(", "),
        )
        .await?;
    change.announce(Event::ContentChanged);
    Ok(())
}

/// Reads the identity again and, when it changed, puts it in place and
/// drops this instance's pages so none is served with the old one.
pub async fn refresh(state: &AppState) -> anyhow::Result<()> {
    let identity = load(&state.db, &state.settings).await?;
    if *state.site.identity() != identity {
        state.site.set_identity(identity);
        state.pages.apply(&Event::ContentChanged);
    }
    Ok(())
}

/// Keeps this instance's identity in step with changes made on any instance.
pub fn follow(state: &AppState, bus: &Bus) {
    let weak = state.downgrade();
    let mut events = bus.subscribe();
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(Event::ContentChanged | Event::Resync)
                | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    let Some(state) = AppState::upgrade(&weak) else { break };
                    if let Err(err) = refresh(&state).await {
                        tracing::warn!(error = %err, "could not reload the site's identity");
                    }
                }
                Ok(_) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}

/// Language tags as BCP 47 shapes them: a 2–3 letter language, then
/// subtags of 1–8 letters or digits.
fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let first = parts.next().unwrap_or("");
    (2..=3).contains(&first.len())
        && first.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

#[derive(Clone, Copy, Debug)]
struct Rgb(u8, u8, u8);

impl Rgb {
    fn parse(text: &str) -> Option<Self> {
        let hex = text.strip_prefix('#')?;
        if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        Some(Self(byte(0)?, byte(2)?, byte(4)?))
    }

    /// WCAG relative luminance.
    fn luminance(self) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(self.0) + 0.7152 * channel(self.1) + 0.0722 * channel(self.2)
    }

    /// WCAG contrast ratio, 1 to 21.
    fn contrast(self, other: Rgb) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    /// A shade a quarter darker, for links under a pointer.
    fn darker(self) -> String {
        let shade = |c: u8| (u16::from(c) * 3 / 4) as u8;
        format!("#{:02x}{:02x}{:02x}", shade(self.0), shade(self.1), shade(self.2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_accent_too_light_to_read_is_refused_with_its_contrast() {
        let mut identity = Identity::from_settings(&SiteSettings::default()).unwrap();
        assert!(identity.set("accent", "#a3121d").is_ok());
        let err = identity.set("accent", "#ffcc00").unwrap_err();
        assert!(
            err.report().detail.contains("at least 4.5:1"),
            "{}",
            err.report().detail
        );
        assert_eq!(identity.accent.as_deref(), Some("#a3121d"), "the old one stays");
        assert!(identity.set("accent", "red").is_err());
    }

    #[test]
    fn language_tags_and_time_zones_are_checked() {
        let mut identity = Identity::from_settings(&SiteSettings::default()).unwrap();
        assert!(identity.set("language", "pt-BR").is_ok());
        assert!(identity.set("language", "english please").is_err());
        assert!(identity.set("timezone", "America/Sao_Paulo").is_ok());
        assert!(identity.set("timezone", "Mars/Olympus").is_err());
        assert_eq!(identity.timezone_name, "America/Sao_Paulo");
    }
}
