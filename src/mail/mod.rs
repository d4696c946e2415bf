//! Email: queued as a job in the same transaction as the change that sends
//! it, then delivered by SMTP when `mail.smtp_url` is set, or written to the
//! outbox folder (and its link logged) when it is not.

use std::path::PathBuf;

use anyhow::Context;
use lettre::message::{Mailbox, SinglePart, header};
use lettre::transport::file::AsyncFileTransport;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::{Deserialize, Serialize};

use crate::config::MailSettings;
use crate::db::Conn;
use crate::jobs::Step;
use crate::state::AppState;

pub const JOB: &str = "email";

/// One plain-text message.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Message {
    pub to: String,
    pub subject: String,
    pub text: String,
}

/// Queues an email; it is sent once the surrounding transaction commits.
pub async fn queue<'c>(conn: impl Into<Conn<'c>>, email: &Message) -> anyhow::Result<()> {
    crate::jobs::enqueue(conn, JOB, email, None).await?;
    Ok(())
}

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

impl Mailer {
    /// `site_name` is the sender's name when `mail.from` gives only an address.
    pub fn from_settings(settings: &MailSettings, site_name: &str) -> anyhow::Result<Self> {
        let mut from: Mailbox = settings
            .from
            .parse()
            .with_context(|| format!("mail.from {:?} is not an email address", settings.from))?;
        if from.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
            from.name = Some(site_name.to_owned());
        }
        let transport = if settings.smtp_url.expose().is_empty() {
            std::fs::create_dir_all(&settings.outbox_dir).map_err(|e| {
                anyhow::anyhow!("cannot create the outbox folder {}: {e}", settings.outbox_dir.display())
            })?;
            Transport::Outbox(
                AsyncFileTransport::new(&settings.outbox_dir),
                settings.outbox_dir.clone(),
            )
        } else {
            let smtp = AsyncSmtpTransport::<Tokio1Executor>::from_url(settings.smtp_url.expose())
                .context("mail.smtp_url is not a valid SMTP URL (smtp://, smtps:// …)")?
                .build();
            Transport::Smtp(smtp)
        };
        Ok(Self { transport, from })
    }

    /// Sends one message. A message that can never go (an address the
    /// mail server refuses for good, or one that is not an address) is
    /// `Undeliverable`; anything else may pass on a later try.
    pub async fn send(&self, email: &Message) -> Result<(), SendError> {
        let to = email
            .to
            .parse()
            .map_err(|e| SendError::Undeliverable(format!("{:?} is not an email address: {e}", email.to)))?;
        // Large mail providers refuse messages without a Message-ID.
        let message = lettre::Message::builder()
            .message_id(Some(format!(
                "<{}@{}>",
                uuid::Uuid::now_v7().simple(),
                self.from.email.domain()
            )))
            .from(self.from.clone())
            .to(to)
            .subject(&email.subject)
            .singlepart(
                SinglePart::builder()
                    .header(header::ContentType::TEXT_PLAIN)
                    .header(header::ContentTransferEncoding::Base64)
                    .body(email.text.clone()),
            )
            .map_err(|e| SendError::Undeliverable(format!("the message cannot be written: {e}")))?;
        match &self.transport {
            Transport::Smtp(smtp) => match smtp.send(message).await {
                Ok(_) => {}
                Err(e) if e.is_permanent() => {
                    return Err(SendError::Undeliverable(format!("the mail server refused it: {e}")));
                }
                Err(e) => return Err(SendError::Failed(anyhow::Error::new(e).context("sending by SMTP"))),
            },
            Transport::Outbox(outbox, dir) => {
                let id = outbox
                    .send(message)
                    .await
                    .map_err(|e| SendError::Failed(anyhow::Error::new(e).context("writing to the outbox")))?;
                let link = email
                    .text
                    .split_whitespace()
                    .find(|w| w.starts_with("http://") || w.starts_with("https://"));
                tracing::info!(
                    to = email.to,
                    subject = email.subject,
                    file = %dir.join(format!("{id}.eml")).display(),
                    link = link.unwrap_or(""),
                    "email written to the outbox"
                );
            }
        }
        Ok(())
    }
}

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Trying again cannot help.
    #[error("{0}")]
    Undeliverable(String),
    /// It may pass later (the server was down, or busy).
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// The job that delivers a queued email: sent, given up for good, or failed
/// for now (and tried again later).
pub async fn send_queued(state: &AppState, payload: &str) -> anyhow::Result<Step> {
    let email: Message = serde_json::from_str(payload).context("reading a queued email")?;
    match state.mailer.send(&email).await {
        Ok(()) => Ok(Step::Done),
        Err(SendError::Undeliverable(reason)) => Ok(Step::GaveUp(reason)),
        Err(SendError::Failed(err)) => Err(err),
    }
}
