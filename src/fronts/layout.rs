//! What a front is made of, as stored (JSON) and as the editor shows it.

use serde::{Deserialize, Serialize};

use crate::domain::{ArticleId, ImageId, Timestamp};
use crate::site::Section;
use crate::site::menus::MenuItem;

/// The most stories one container shows.
pub const MAX_SIZE: usize = 12;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FrontLayout {
    pub containers: Vec<Container>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The front's lead: the first story drawn large (the featured story when not chosen).
    Lead,
    /// The newest stories of the source (everything, a section or a tag).
    Stories,
    /// Like `Stories`, with each card's byline.
    Opinion,
    /// Live blogs that are running.
    Live,
    /// A list of links (no stories).
    Links,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::Lead, Kind::Stories, Kind::Opinion, Kind::Live, Kind::Links];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Lead => "lead",
            Kind::Stories => "stories",
            Kind::Opinion => "opinion",
            Kind::Live => "live",
            Kind::Links => "links",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Lead => "Lead story",
            Kind::Stories => "Stories",
            Kind::Opinion => "Opinion (with bylines)",
            Kind::Live => "Live now",
            Kind::Links => "List of links",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Container {
    pub kind: Kind,
    /// The heading readers see ("Top stories"); the lead has none.
    pub title: String,
    /// Where automatic stories come from: "" (everything), "/world" (a
    /// section) or "/tag/energy" (a tag).
    #[serde(default)]
    pub source: String,
    /// How many stories it shows, curated ones first.
    pub size: usize,
    /// A pinned container is shown only until then.
    #[serde(default)]
    pub until: Option<Timestamp>,
    #[serde(default)]
    pub slots: Vec<Slot>,
    #[serde(default)]
    pub links: Vec<MenuItem>,
}

/// A story an editor placed, with what the front says of it in place of the story's own words.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Slot {
    pub article: ArticleId,
    #[serde(default)]
    pub headline: String,
    #[serde(default)]
    pub standfirst: String,
    /// "Analysis", "Live", "Exclusive"… shown before the headline.
    #[serde(default)]
    pub kicker: String,
    #[serde(default)]
    pub picture: Option<ImageId>,
    /// Kept here until then ("keep this lead until 18:00"); after it, the
    /// place is filled automatically.
    #[serde(default)]
    pub until: Option<Timestamp>,
}

impl Container {
    pub fn new(kind: Kind, title: &str, source: &str, size: usize) -> Self {
        Self {
            kind,
            title: title.to_owned(),
            source: source.to_owned(),
            size,
            until: None,
            slots: Vec::new(),
            links: Vec::new(),
        }
    }

    /// Whether readers see it at `now` (a pinned container's time may be up).
    pub fn showing(&self, now: Timestamp) -> bool {
        self.until.is_none_or(|until| until > now)
    }
}

impl Slot {
    pub fn new(article: ArticleId) -> Self {
        Self {
            article,
            headline: String::new(),
            standfirst: String::new(),
            kicker: String::new(),
            picture: None,
            until: None,
        }
    }

    pub fn holding(&self, now: Timestamp) -> bool {
        self.until.is_none_or(|until| until > now)
    }
}

impl FrontLayout {
    /// The homepage before anyone edits it: the lead, the latest news, then
    /// a strip for each section.
    pub fn automatic_home(sections: &[Section]) -> Self {
        let mut containers = vec![
            Container::new(Kind::Lead, "", "", 1),
            Container::new(Kind::Live, "Live now", "", 3),
            Container::new(Kind::Stories, "Latest", "", 6),
        ];
        containers.extend(
            sections
                .iter()
                .map(|s| Container::new(Kind::Stories, &s.name, &format!("/{}", s.slug), 4)),
        );
        Self { containers }
    }

    /// A section's front before anyone edits it: its lead and its newest.
    pub fn automatic_section(section: &Section) -> Self {
        let source = format!("/{}", section.slug);
        Self {
            containers: vec![
                Container::new(Kind::Lead, "", &source, 1),
                Container::new(Kind::Stories, &format!("Latest in {}", section.name), &source, 8),
            ],
        }
    }

    /// The next moment something on the front changes by itself (a pin runs out).
    pub fn next_expiry(&self, now: Timestamp) -> Option<Timestamp> {
        self.containers
            .iter()
            .flat_map(|c| std::iter::once(c.until).chain(c.slots.iter().map(|s| s.until)))
            .flatten()
            .filter(|t| *t > now)
            .min()
    }
}
