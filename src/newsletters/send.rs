//! Handing newsletter messages to the mail relay: one pool of SMTP
//! connections per instance, kept open between messages, with a ceiling on
//! messages per second; each message carries its recipient's own links,
//! one-click unsubscribe headers (RFC 8058) and, when a bounce address is
//! set, a return path that names the recipient and the edition (VERP), so a
//! bounce says whom it is about. Without an SMTP server, messages go to the
//! outbox folder, as the site's other email does.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use lettre::address::Envelope;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};
use lettre::transport::file::AsyncFileTransport;
use lettre::transport::smtp::PoolConfig;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use tokio::sync::{Mutex, Semaphore};

use super::model::Newsletter;
use super::render::Parts;
use crate::config::Settings;

/// What became of one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The relay took it.
    Sent,
    /// The relay said not now (4xx), or could not be reached: nothing was taken; try again later.
    Deferred(String),
    /// The relay refused it for good (5xx); `mailbox` when the refusal is about the address itself.
    Refused { why: String, mailbox: bool },
    /// The conversation broke after the message may have been taken: counted
    /// as failed and not sent again, so no one gets it twice.
    Unanswered(String),
}

enum Transport {
    /// `smtp://`: our own kept connections (see `relay`).
    Relay(super::relay::Relay),
    /// `smtps://`: lettre's pooled transport.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(AsyncFileTransport<Tokio1Executor>),
}

pub struct Sender {
    transport: Transport,
    /// Messages in flight at once (each holds one pooled connection).
    slots: Semaphore,
    connections: usize,
    /// Time between two messages when a rate is set, and when the next may leave.
    spacing: Option<Duration>,
    next: Mutex<Instant>,
    default_from: Mailbox,
    bounce: Option<Address>,
    /// Signs every message when DKIM is configured.
    dkim: Option<Arc<lettre::message::dkim::DkimConfig>>,
}

impl Sender {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Arc<Self>> {
        let n = &settings.newsletters;
        let url = if n.smtp_url.expose().is_empty() {
            settings.mail.smtp_url.expose()
        } else {
            n.smtp_url.expose()
        };
        let connections = n.connections.max(1);
        let transport = if url.is_empty() {
            std::fs::create_dir_all(&settings.mail.outbox_dir)
                .with_context(|| format!("creating the outbox folder {}", settings.mail.outbox_dir.display()))?;
            Transport::Outbox(AsyncFileTransport::new(&settings.mail.outbox_dir))
        } else if let Some(relay) = super::relay::Relay::from_url(url)? {
            Transport::Relay(relay)
        } else {
            Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .context("the newsletters' SMTP URL is not valid (smtp://, smtps:// …)")?
                    .pool_config(PoolConfig::new().max_size(connections as u32))
                    .timeout(Some(Duration::from_secs(30)))
                    .build(),
            )
        };
        let bounce = if n.bounce_address.trim().is_empty() {
            None
        } else {
            Some(
                n.bounce_address
                    .trim()
                    .parse()
                    .with_context(|| format!("newsletters.bounce_address {:?} is not an address", n.bounce_address))?,
            )
        };
        Ok(Arc::new(Self {
            transport,
            slots: Semaphore::new(connections),
            connections,
            spacing: (n.messages_per_second > 0).then(|| Duration::from_secs_f64(1.0 / n.messages_per_second as f64)),
            next: Mutex::new(Instant::now()),
            default_from: settings
                .mail
                .from
                .parse()
                .with_context(|| format!("mail.from {:?} is not an email address", settings.mail.from))?,
            bounce,
            dkim: super::dkim::from_settings(n)?.map(Arc::new),
        }))
    }

    /// How many messages may be in flight at once.
    pub fn parallel(&self) -> usize {
        self.connections
    }

    /// The sender a newsletter's email shows: its own name and address, or the site's.
    pub fn from_for(&self, newsletter: &Newsletter) -> Mailbox {
        let name = if newsletter.sender_name.is_empty() {
            self.default_from.name.clone()
        } else {
            Some(newsletter.sender_name.clone())
        };
        let email = newsletter
            .sender_address
            .parse()
            .unwrap_or_else(|_| self.default_from.email.clone());
        Mailbox::new(name, email)
    }

    /// The return path that carries a signed tag (see `links::Signer::verp_tag`): bounces+TAG@domain.
    pub fn return_path(&self, tag: &str) -> Option<Address> {
        let bounce = self.bounce.as_ref()?;
        Address::new(format!("{}+{tag}", bounce.user()), bounce.domain()).ok()
    }

    /// With a rate set, books the stretch of time `count` messages take at
    /// that rate, after whatever any instance booked before, and waits for
    /// it to begin: the ceiling is the relay's, however many instances send.
    pub async fn book(&self, db: &crate::db::Db, count: usize) {
        let Some(spacing) = self.spacing else {
            return;
        };
        let span = spacing.saturating_mul(count as u32);
        match book_stretch(db, span).await {
            Ok(start) => {
                let wait = start.as_micros() - crate::domain::Timestamp::now().as_micros();
                if wait > 0 {
                    tokio::time::sleep(Duration::from_micros(wait as u64)).await;
                }
            }
            // The local ceiling still holds; only the shared one is lost.
            Err(e) => tracing::warn!(error = %e, "could not book sending time with the other instances"),
        }
    }

    /// Waits for a free connection and for the rate's next slot.
    async fn turn(&self) -> tokio::sync::SemaphorePermit<'_> {
        let permit = self.slots.acquire().await.expect("the semaphore is never closed");
        if let Some(spacing) = self.spacing {
            let at = {
                let mut next = self.next.lock().await;
                let now = Instant::now();
                let at = (*next).max(now);
                *next = at + spacing;
                at
            };
            tokio::time::sleep_until(at.into()).await;
        }
        permit
    }

    /// Sends one recipient their copy.
    pub async fn send(&self, letter: &Letter<'_>) -> Outcome {
        let mut message = match letter.build() {
            Ok(message) => message,
            Err(why) => return Outcome::Refused { why, mailbox: true },
        };
        if let Some(dkim) = &self.dkim {
            // An RSA signature is a couple of milliseconds of arithmetic: done
            // off the threads that answer readers.
            let dkim = Arc::clone(dkim);
            message = match tokio::task::spawn_blocking(move || {
                message.sign(&dkim);
                message
            })
            .await
            {
                Ok(signed) => signed,
                Err(e) => return Outcome::Deferred(format!("signing the message: {e}")),
            };
        }
        let _permit = self.turn().await;
        match &self.transport {
            Transport::Relay(relay) => {
                use super::relay::Failure;
                match relay.send(message.envelope(), &message.formatted()).await {
                    Ok(()) => Outcome::Sent,
                    Err(Failure::NotConnected(why)) => Outcome::Deferred(format!("no connection to the relay: {why}")),
                    Err(Failure::Smtp(e)) => classify(&e),
                    Err(Failure::TimedOut) => Outcome::Unanswered("the relay did not answer in time".into()),
                }
            }
            Transport::Smtp(smtp) => match smtp.send(message).await {
                Ok(_) => Outcome::Sent,
                Err(e) => classify(&e),
            },
            Transport::Outbox(outbox) => match outbox.send(message).await {
                Ok(_) => Outcome::Sent,
                Err(e) => Outcome::Deferred(format!("writing to the outbox: {e}")),
            },
        }
    }
}

/// The key of the one relay's row in `newsletter_pace`.
const RELAY: &str = "newsletters";

/// Moves the relay's booked time on by `span`, from now or from where the
/// last booking ends, whichever is later; returns where this one begins.
/// Compare-and-set, so two instances booking at once both get their own stretch.
async fn book_stretch(db: &crate::db::Db, span: Duration) -> Result<crate::domain::Timestamp, crate::db::DbError> {
    use crate::db::sql;
    use crate::domain::Timestamp;
    sql("INSERT INTO newsletter_pace (relay, next_at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(RELAY)
        .bind(Timestamp::now())
        .execute(db)
        .await?;
    loop {
        let (booked,): (Timestamp,) = sql("SELECT next_at FROM newsletter_pace WHERE relay = $1")
            .bind(RELAY)
            .fetch_one(db)
            .await?;
        let start = booked.max(Timestamp::now());
        let end = Timestamp::from_micros(start.as_micros() + span.as_micros() as i64);
        let moved = sql("UPDATE newsletter_pace SET next_at = $1 WHERE relay = $2 AND next_at = $3")
            .bind(end)
            .bind(RELAY)
            .bind(booked)
            .execute(db)
            .await?;
        if moved == 1 {
            return Ok(start);
        }
    }
}

/// Enhanced status codes (RFC 3463) that are about the recipient's address.
const MAILBOX_CODES: [&str; 5] = [" 5.1.1", " 5.1.2", " 5.1.3", " 5.1.6", " 5.1.10"];

/// Sorts an SMTP failure by whether the message could have been taken.
fn classify(e: &lettre::transport::smtp::Error) -> Outcome {
    let why = e.to_string();
    if e.is_transient() {
        Outcome::Deferred(why)
    } else if e.is_permanent() {
        // Only the codes about the recipient's own address (no such mailbox,
        // no such domain, a malformed or moved address) cost a reader their
        // subscription; other refusals (relaying denied, authentication, the
        // sender's domain) are about the setup.
        let mailbox = MAILBOX_CODES.iter().any(|code| why.contains(code));
        Outcome::Refused { why, mailbox }
    } else if e.is_client() {
        // This end could not go on (no STARTTLS, no common authentication): a setup fault.
        Outcome::Refused { why, mailbox: false }
    } else if e.is_tls() || why.starts_with("Connection error") {
        // No connection was made: nothing can have been sent.
        Outcome::Deferred(why)
    } else {
        Outcome::Unanswered(why)
    }
}

/// The longest line a 7bit part may have (RFC 5322: 998 characters and CRLF).
const MAX_LINE: usize = 998;

/// A body part. Drawn once per edition with CRLF line ends, ASCII HTML and
/// short lines (`render`), it goes as it is (7bit); only a part that is not
/// (a plain-text part with accented letters) is encoded, by lettre.
fn part(content_type: ContentType, content: String) -> SinglePart {
    let body = if content.is_ascii()
        && content
            .split("\r\n")
            .all(|line| line.len() <= MAX_LINE && !line.contains('\n'))
    {
        Body::dangerous_pre_encoded(content.into_bytes(), ContentTransferEncoding::SevenBit)
    } else {
        Body::new(content)
    };
    SinglePart::builder().header(content_type).body(body)
}

/// One recipient's message.
pub struct Letter<'a> {
    pub subject: &'a str,
    /// The edition's parts, waiting for this recipient's links.
    pub parts: &'a Parts,
    pub from: &'a Mailbox,
    pub reply_to: Option<&'a Mailbox>,
    pub to: &'a str,
    pub to_name: &'a str,
    pub return_path: Option<Address>,
    /// Absolute URLs of this recipient's own links.
    pub leave: &'a str,
    pub manage: &'a str,
    /// Names the list, for mail programs that group by it (RFC 2919).
    pub list_id: &'a str,
}

impl Letter<'_> {
    fn build(&self) -> Result<lettre::Message, String> {
        let to_address: Address = self
            .to
            .parse()
            .map_err(|e| format!("{:?} is not an email address: {e}", self.to))?;
        let to = Mailbox::new(
            (!self.to_name.is_empty()).then(|| self.to_name.to_owned()),
            to_address.clone(),
        );
        let from_address = self.return_path.clone().unwrap_or_else(|| self.from.email.clone());
        let envelope = Envelope::new(Some(from_address), vec![to_address]).map_err(|e| e.to_string())?;
        let (html, text) = self.parts.personal(self.leave, self.manage);
        // Large mail providers refuse messages without one.
        let message_id = format!("<{}@{}>", uuid::Uuid::now_v7().simple(), self.from.email.domain());
        let mut builder = lettre::Message::builder()
            .message_id(Some(message_id))
            .from(self.from.clone())
            .to(to)
            .subject(self.subject)
            .envelope(envelope)
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{}>", self.leave),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".into(),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Id"),
                self.list_id.to_owned(),
            ));
        if let Some(reply_to) = self.reply_to {
            builder = builder.reply_to(reply_to.clone());
        }
        builder
            .multipart(
                MultiPart::alternative()
                    .singlepart(part(ContentType::TEXT_PLAIN, text))
                    .singlepart(part(ContentType::TEXT_HTML, html)),
            )
            .map_err(|e| format!("the message cannot be written: {e}"))
    }
}
