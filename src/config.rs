//! Settings: built-in defaults, then a TOML file, then environment variables
//! (`DATABASE_URL`, then `BROADSHEET_SECTION__KEY`). Built once in `main` and
//! passed down; nothing reads settings from a global.

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// The file read when `--config` is not given, if it exists.
pub const DEFAULT_CONFIG_FILE: &str = "broadsheet.toml";

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub site: SiteSettings,
    pub media: MediaSettings,
    pub cache: CacheSettings,
    pub log: LogSettings,
    pub demo: DemoSettings,
    pub mail: MailSettings,
    pub community: CommunitySettings,
    pub alerts: AlertSettings,
    pub donations: DonationSettings,
    pub newsletters: NewsletterSettings,
    /// The `site.*` keys the settings file or the environment set: they win
    /// over what the newsroom sets (see `site::identity`).
    #[serde(skip)]
    pub site_fixed: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NewsletterSettings {
    /// The relay newsletters go through; empty: the one in `mail.smtp_url`.
    pub smtp_url: Secret<String>,
    /// SMTP connections kept open to the relay, per instance.
    pub connections: usize,
    /// Messages handed to the relay per second, by all instances together; 0: as fast as it takes them.
    pub messages_per_second: u64,
    /// Return path for bounces (bounces@news.example); each message's is bounces+<who>-<edition>@…
    pub bounce_address: String,
    /// Key the inbound bounce webhook must be given; empty turns it off.
    pub inbound_key: Secret<String>,
    /// Soft bounces after which an address gets no more newsletters.
    pub soft_bounce_limit: u64,
    /// Recipients one sending job handles between two saved checkpoints.
    pub batch_size: usize,
    /// First wait before a deferred message is tried again (doubling each time).
    pub retry_after_secs: u64,
    /// DKIM: the signing domain (d=), usually the sender addresses' domain; empty: no signature.
    pub dkim_domain: String,
    /// DKIM: the selector (s=) whose public key is published at <selector>._domainkey.<domain>.
    pub dkim_selector: String,
    /// DKIM: file holding the private key (RSA as PKCS#1 PEM, or Ed25519 as PKCS#8 PEM or base64).
    pub dkim_key_file: String,
}

impl Default for NewsletterSettings {
    fn default() -> Self {
        Self {
            smtp_url: Secret::new(String::new()),
            connections: 8,
            messages_per_second: 0,
            bounce_address: String::new(),
            inbound_key: Secret::new(String::new()),
            soft_bounce_limit: 3,
            batch_size: 500,
            retry_after_secs: 60,
            dkim_domain: String::new(),
            dkim_selector: String::new(),
            dkim_key_file: String::new(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DonationSettings {
    /// Stripe secret key (sk_live_… / sk_test_…); empty turns donations off.
    pub stripe_secret_key: Secret<String>,
    /// Signing secret of the webhook endpoint (whsec_…).
    pub stripe_webhook_secret: Secret<String>,
    /// Where Stripe's API is (a local stand-in in tests).
    pub stripe_api_base: String,
    /// Where Checkout pages are, allowed as a form target.
    pub checkout_origin: String,
    /// ISO 4217, lower case, as Stripe writes it.
    pub currency: String,
    /// Smallest and largest donation, in minor units (pence).
    pub min_minor: i64,
    pub max_minor: i64,
    /// Amounts offered, in major units (pounds).
    pub presets: Vec<i64>,
    /// "Cover the fees": percentage in basis points plus a fixed part in minor units.
    pub fee_basis_points: i64,
    pub fee_fixed_minor: i64,
    /// The appeal appears after this paragraph of every article (0: nowhere).
    pub appeal_after_paragraph: usize,
    /// Days the appeal stays hidden for a reader who just donated.
    pub hide_after_donating_days: i64,
    /// Largest accepted gap between a webhook's signed time and ours.
    pub webhook_tolerance_secs: i64,
}

impl Default for DonationSettings {
    fn default() -> Self {
        Self {
            stripe_secret_key: Secret::new(String::new()),
            stripe_webhook_secret: Secret::new(String::new()),
            stripe_api_base: "https://api.stripe.com".into(),
            checkout_origin: "https://checkout.stripe.com".into(),
            currency: "gbp".into(),
            min_minor: 100,
            max_minor: 1_000_000,
            presets: vec![5, 10, 25],
            fee_basis_points: 150,
            fee_fixed_minor: 20,
            appeal_after_paragraph: 3,
            hide_after_donating_days: 30,
            webhook_tolerance_secs: 300,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertSettings {
    /// Contact for push services (VAPID `sub`): a mailto: or https: URL.
    pub subject: String,
    /// base64url P-256 private key; empty: one is made on first start and kept.
    pub vapid_private_key: Secret<String>,
    pub vapid_public_key: String,
    /// Let subscriptions point at http:// or private addresses (tests and local push services only).
    pub allow_private_endpoints: bool,
    /// A breaking-news alert waits for a second editor's approval.
    pub second_approval_for_breaking: bool,
    /// Requests in flight to one push service at a time.
    pub concurrency_per_service: usize,
    /// Subscriptions one fan-out job sends between two saved checkpoints.
    pub batch_size: usize,
    /// Speak HTTP/2 from the first byte to push services reached over plain
    /// http (a local push service); https services negotiate it anyway.
    pub http2_prior_knowledge: bool,
    /// A PEM file of certificate authorities trusted beside the system's, for push services.
    pub extra_root_certificates: Option<PathBuf>,
}

impl Default for AlertSettings {
    fn default() -> Self {
        Self {
            subject: "mailto:newsroom@localhost".into(),
            vapid_private_key: Secret::new(String::new()),
            vapid_public_key: String::new(),
            allow_private_endpoints: false,
            second_approval_for_breaking: false,
            concurrency_per_service: 128,
            batch_size: 500,
            http2_prior_knowledge: false,
            extra_root_certificates: None,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailSettings {
    /// Empty: messages go to `outbox_dir`.
    pub smtp_url: Secret<String>,
    pub from: String,
    pub outbox_dir: PathBuf,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            smtp_url: Secret::new(String::new()),
            from: "newsroom@localhost".into(),
            outbox_dir: PathBuf::from("data/outbox"),
        }
    }
}

/// What happens to a reader's comments when they delete their account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnAccountDelete {
    /// Comments stay, shown as by "a deleted reader".
    Anonymise,
    /// Comments are removed (replies to them stay).
    Remove,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CommunitySettings {
    pub on_account_delete: OnAccountDelete,
    pub edit_window_secs: i64,
    /// New reader accounts one network address may open per hour.
    pub registrations_per_address_per_hour: i64,
}

impl Default for CommunitySettings {
    fn default() -> Self {
        Self {
            on_account_delete: OnAccountDelete::Anonymise,
            edit_window_secs: 15 * 60,
            registrations_per_address_per_hour: 5,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    pub bind: String,
    pub request_timeout_secs: u64,
    /// A request body that sends nothing for this long is given up.
    pub body_idle_timeout_secs: u64,
    /// After SIGTERM, how long requests in flight may take before they are cut.
    pub shutdown_grace_secs: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseSettings {
    pub url: Secret<String>,
    pub max_connections: u32,
    /// SQLite: how much of the file may be read through memory mapping (0: off).
    pub sqlite_mmap_mb: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SiteSettings {
    pub name: String,
    pub tagline: String,
    pub base_url: String,
    pub timezone: String,
    pub language: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MediaSettings {
    pub dir: PathBuf,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CacheSettings {
    pub max_pages: usize,
    pub cdn_max_age_secs: u32,
    /// Where to ask a CDN to drop pages by surrogate key; empty: no purging.
    pub cdn_purge_url: String,
    /// The header carrying the purge token (Fastly: Fastly-Key).
    pub cdn_purge_auth_header: String,
    pub cdn_purge_token: Secret<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSettings {
    pub format: LogFormat,
    pub level: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DemoSettings {
    pub load_when_empty: bool,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            request_timeout_secs: 30,
            body_idle_timeout_secs: 15,
            shutdown_grace_secs: 25,
        }
    }
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: Secret::new("sqlite://data/broadsheet.db".into()),
            max_connections: 10,
            sqlite_mmap_mb: 0,
        }
    }
}

impl Default for SiteSettings {
    fn default() -> Self {
        Self {
            name: "The Broadsheet".into(),
            tagline: "Independent news, free for everyone".into(),
            base_url: "http://127.0.0.1:8080".into(),
            timezone: "Europe/London".into(),
            language: "en-GB".into(),
        }
    }
}

impl Default for MediaSettings {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("data/media"),
        }
    }
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self {
            max_pages: 5_000,
            cdn_max_age_secs: 60,
            cdn_purge_url: String::new(),
            cdn_purge_auth_header: "Fastly-Key".into(),
            cdn_purge_token: Secret::new(String::new()),
        }
    }
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            format: LogFormat::Text,
            level: "info".into(),
        }
    }
}

impl Default for DemoSettings {
    fn default() -> Self {
        Self { load_when_empty: true }
    }
}

impl Settings {
    /// Layers the sources in order. `file` is the `--config` argument; without
    /// it, `broadsheet.toml` in the working directory is read when present.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        // What the file and the environment say alone, to tell which site
        // settings they set (those win over the newsroom's).
        let mut given = Figment::new();
        match file {
            Some(path) => {
                anyhow::ensure!(path.is_file(), "the settings file {} does not exist", path.display());
                figment = figment.merge(Toml::file_exact(path));
                given = given.merge(Toml::file_exact(path));
            }
            None => {
                figment = figment.merge(Toml::file(DEFAULT_CONFIG_FILE));
                given = given.merge(Toml::file(DEFAULT_CONFIG_FILE));
            }
        }
        if let Ok(url) = std::env::var("DATABASE_URL") {
            figment = figment.merge(Serialized::default("database.url", url));
        }
        // Only `SECTION__KEY` names are settings; other BROADSHEET_* variables
        // (such as BROADSHEET_CONFIG) belong to the command line.
        let env = Env::prefixed("BROADSHEET_")
            .filter(|key| key.as_str().contains("__"))
            .split("__");
        let given = given.merge(env.clone());
        let mut settings: Settings = figment
            .merge(env)
            .extract()
            .map_err(|e| anyhow::anyhow!("invalid settings: {e}"))?;
        settings.site_fixed = ["name", "tagline", "language", "timezone"]
            .into_iter()
            .filter(|key| given.contains(&format!("site.{key}")))
            .map(str::to_owned)
            .collect();
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> anyhow::Result<()> {
        jiff::tz::TimeZone::get(&self.site.timezone)
            .with_context(|| format!("site.timezone {:?} is not a known time zone", self.site.timezone))?;
        anyhow::ensure!(
            self.site.base_url.starts_with("http://") || self.site.base_url.starts_with("https://"),
            "site.base_url must start with http:// or https://, not {:?}",
            self.site.base_url
        );
        anyhow::ensure!(
            self.database.max_connections > 0,
            "database.max_connections must be at least 1"
        );
        Ok(())
    }

    /// The site's address without a trailing slash, for absolute links.
    pub fn base_url(&self) -> &str {
        self.site.base_url.trim_end_matches('/')
    }
}

/// A value that never appears in logs, `Debug` output or a listing of the
/// settings (which shows only whether it is set).
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret<T>(T);

thread_local! {
    /// Set while [`flatten`] lists the settings for people to read. Any
    /// other serialization (the defaults layered under the file and the
    /// environment when settings load) must carry the real value.
    static LISTING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

impl Serialize for Secret<String> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let hidden = LISTING.get() && !self.0.is_empty();
        serializer.serialize_str(if hidden { "(set, hidden)" } else { &self.0 })
    }
}

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Every setting with its default and meaning; `--help` prints this table
/// and a test keeps it in step with [`Settings`].
pub const SETTINGS_HELP: &[(&str, &str)] = &[
    ("server.bind", "address and port the site listens on"),
    (
        "server.request_timeout_secs",
        "longest a page may take to prepare before a 503",
    ),
    (
        "server.body_idle_timeout_secs",
        "a request body (an upload, a form) that sends nothing for this long is given up",
    ),
    (
        "server.shutdown_grace_secs",
        "after SIGTERM, how long requests in flight may finish before they are cut",
    ),
    (
        "database.url",
        "sqlite://PATH (embedded) or postgres://USER@HOST/DB; DATABASE_URL also works",
    ),
    ("database.max_connections", "size of the database connection pool"),
    (
        "database.sqlite_mmap_mb",
        "SQLite: megabytes of the file read through memory mapping (0: off); speeds up search on large archives",
    ),
    ("site.name", "the publication's name, shown in the masthead and feeds"),
    ("site.tagline", "one line under the masthead and in feed descriptions"),
    (
        "site.base_url",
        "public address of the site, used in canonical links, feeds and sitemaps",
    ),
    (
        "site.timezone",
        "IANA time zone in which dates are shown (e.g. Europe/London)",
    ),
    ("site.language", "BCP 47 language tag of the content"),
    ("media.dir", "folder where uploaded and resized images are kept"),
    ("cache.max_pages", "rendered pages kept in memory"),
    ("cache.cdn_max_age_secs", "how long a CDN may keep a page (s-maxage)"),
    (
        "cache.cdn_purge_url",
        "POSTed with a Surrogate-Key header when content changes (e.g. https://api.fastly.com/service/ID/purge); empty: off",
    ),
    ("cache.cdn_purge_auth_header", "header that carries the purge token"),
    ("cache.cdn_purge_token", "token for the CDN's purge API"),
    ("log.format", "text or json"),
    ("log.level", "error, warn, info, debug or trace (RUST_LOG overrides)"),
    (
        "demo.load_when_empty",
        "load the demo content when the database has no articles",
    ),
    (
        "mail.smtp_url",
        "smtp://user:password@host:587 or smtps://…; empty writes mail to mail.outbox_dir",
    ),
    (
        "mail.from",
        "sender of the site's email (an address alone is shown with the site's name)",
    ),
    ("mail.outbox_dir", "folder for email when no SMTP server is configured"),
    (
        "newsletters.smtp_url",
        "relay for newsletters (smtp://…); empty uses mail.smtp_url",
    ),
    (
        "newsletters.connections",
        "SMTP connections kept open to the relay, per instance",
    ),
    (
        "newsletters.messages_per_second",
        "messages handed to the relay per second, all instances together; 0 for no limit",
    ),
    (
        "newsletters.bounce_address",
        "return path for bounces; each message's is user+<subscriber>-<edition>@domain",
    ),
    (
        "newsletters.inbound_key",
        "key the bounce webhook must be given; empty turns it off",
    ),
    (
        "newsletters.soft_bounce_limit",
        "soft bounces after which an address gets no more newsletters",
    ),
    (
        "newsletters.batch_size",
        "recipients a sending job handles between saved checkpoints",
    ),
    (
        "newsletters.retry_after_secs",
        "first wait before a deferred message is tried again, doubling each time",
    ),
    (
        "newsletters.dkim_domain",
        "domain newsletters are DKIM-signed for (d=); empty: not signed",
    ),
    ("newsletters.dkim_selector", "DKIM selector (s=) of the published key"),
    (
        "newsletters.dkim_key_file",
        "DKIM private key: RSA (PKCS#1 PEM) or Ed25519 (PKCS#8 PEM)",
    ),
    (
        "community.on_account_delete",
        "anonymise or remove a deleted reader's comments",
    ),
    (
        "community.edit_window_secs",
        "how long readers may edit a comment after posting",
    ),
    (
        "community.registrations_per_address_per_hour",
        "new reader accounts one network address may open per hour",
    ),
    (
        "alerts.subject",
        "contact push services see for our alerts (mailto: or https:)",
    ),
    (
        "alerts.vapid_private_key",
        "base64url VAPID private key; empty makes one on first start",
    ),
    (
        "alerts.vapid_public_key",
        "base64url VAPID public key, with a configured private key",
    ),
    (
        "alerts.allow_private_endpoints",
        "accept http:// and private-address push endpoints (testing only)",
    ),
    (
        "alerts.second_approval_for_breaking",
        "breaking-news alerts wait for a second editor's approval",
    ),
    (
        "alerts.concurrency_per_service",
        "requests in flight to one push service at a time",
    ),
    (
        "alerts.batch_size",
        "subscriptions an alert's fan-out sends between two saved checkpoints",
    ),
    (
        "alerts.http2_prior_knowledge",
        "use HTTP/2 without negotiation for plain-http push services (local ones)",
    ),
    (
        "alerts.extra_root_certificates",
        "PEM file of certificate authorities push services may use beside the system's",
    ),
    (
        "donations.stripe_secret_key",
        "Stripe secret key; empty turns donations off",
    ),
    (
        "donations.stripe_webhook_secret",
        "signing secret of the Stripe webhook endpoint (whsec_...)",
    ),
    ("donations.stripe_api_base", "Stripe's API address"),
    (
        "donations.checkout_origin",
        "origin of Stripe Checkout pages (allowed as a form target)",
    ),
    ("donations.currency", "the site's currency (ISO 4217, e.g. gbp)"),
    ("donations.min_minor", "smallest donation in minor units (pence)"),
    ("donations.max_minor", "largest donation in minor units (pence)"),
    ("donations.presets", "amounts offered, in major units, e.g. [5, 10, 25]"),
    (
        "donations.fee_basis_points",
        "cover-the-fees percentage, in basis points",
    ),
    ("donations.fee_fixed_minor", "cover-the-fees fixed part, in minor units"),
    (
        "donations.appeal_after_paragraph",
        "the appeal appears after this paragraph of articles (0: nowhere)",
    ),
    (
        "donations.hide_after_donating_days",
        "days the appeal stays hidden after donating",
    ),
    (
        "donations.webhook_tolerance_secs",
        "largest accepted age of a signed webhook",
    ),
];

/// The settings table shown by `--help`.
pub fn settings_help() -> String {
    let defaults = flatten(&Settings::default());
    let mut out = String::from(
        "Settings (TOML file `broadsheet.toml` or --config FILE; each can be overridden by its environment variable):\n",
    );
    for (key, meaning) in SETTINGS_HELP {
        let default = defaults
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        out.push_str(&format!(
            "  {key:<28} {:<40} default {default}\n      {meaning}\n",
            env_name(key)
        ));
    }
    out
}

/// `server.bind` → `BROADSHEET_SERVER__BIND`.
pub fn env_name(key: &str) -> String {
    format!("BROADSHEET_{}", key.to_uppercase().replace('.', "__"))
}

/// Every leaf of the settings as `section.key` with its value shown as text.
pub fn flatten(settings: &Settings) -> Vec<(String, String)> {
    LISTING.set(true);
    let value = serde_json::to_value(settings).unwrap_or_default();
    LISTING.set(false);
    let mut out = Vec::new();
    if let serde_json::Value::Object(sections) = value {
        for (section, keys) in sections {
            if let serde_json::Value::Object(keys) = keys {
                for (key, value) in keys {
                    let shown = match value {
                        serde_json::Value::String(s) => s,
                        other => other.to_string(),
                    };
                    out.push((format!("{section}.{key}"), shown));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_nothing_set_the_site_runs_on_its_default_sqlite_file_and_secrets_list_hidden() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.toml");
        std::fs::write(&missing, "").unwrap();
        let settings = Settings::load(Some(&missing)).unwrap();
        assert_eq!(settings.database.url.expose(), "sqlite://data/broadsheet.db");
        let mut with_secret = settings.clone();
        with_secret.donations.stripe_secret_key = Secret::new("sk_live_abc".into());
        let listed = flatten(&with_secret);
        let shown = |key: &str| listed.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        assert_eq!(shown("donations.stripe_secret_key").as_deref(), Some("(set, hidden)"));
        assert!(!format!("{listed:?}").contains("sk_live_abc"));
        // Listing leaves serialization as it was for loading.
        assert!(serde_json::to_string(&with_secret).unwrap().contains("sk_live_abc"));
    }

    #[test]
    fn every_setting_is_documented_and_every_documented_setting_exists() {
        let mut actual: Vec<String> = flatten(&Settings::default()).into_iter().map(|(k, _)| k).collect();
        let mut documented: Vec<String> = SETTINGS_HELP.iter().map(|(k, _)| k.to_string()).collect();
        actual.sort();
        documented.sort();
        assert_eq!(actual, documented);
    }

    #[test]
    fn secrets_are_redacted_in_debug_output() {
        let settings = DatabaseSettings {
            url: Secret::new("postgres://user:hunter2@db/news".into()),
            max_connections: 1,
            sqlite_mmap_mb: 0,
        };
        assert!(!format!("{settings:?}").contains("hunter2"));
    }
}
