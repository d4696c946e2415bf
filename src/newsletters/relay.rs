//! The SMTP relay newsletters go through, over `smtp://` (plain, or
//! upgraded with STARTTLS): connections kept open and reused, never more
//! than the sender allows at once, each with Nagle's algorithm off. lettre,
//! which speaks the protocol, writes a message and its closing dot in two
//! writes; with Nagle on, the second waits for the relay's delayed
//! acknowledgement, about 40 ms a message on Linux (bench/newsletter.sh
//! measured a ceiling of 178 messages/s over 8 connections that way).

use std::time::{Duration, Instant};

use anyhow::Context;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::{ClientId, Extension};
use tokio::net::TcpStream;
use tokio::sync::Mutex;

/// How long to wait for a connection and its greeting.
const CONNECT: Duration = Duration::from_secs(15);
/// How long one message may take, from MAIL FROM to the relay's answer after the data.
const SEND: Duration = Duration::from_secs(60);
/// A connection idle longer than this is checked (NOOP) before it is used again.
const FRESH: Duration = Duration::from_secs(20);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StartTls {
    Never,
    IfOffered,
    Required,
}

pub struct Relay {
    host: String,
    port: u16,
    starttls: StartTls,
    credentials: Option<Credentials>,
    hello: ClientId,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
}

/// Why a message did not reach the relay.
pub enum Failure {
    /// No connection could be made (or greeted, encrypted, authenticated): nothing was sent.
    NotConnected(String),
    /// The relay answered with an error, or the conversation broke.
    Smtp(lettre::transport::smtp::Error),
    /// No answer in time, after the message may have gone.
    TimedOut,
}

impl Relay {
    /// From `smtp://[user:password@]host[:port][?tls=required|opportunistic]`;
    /// None for other schemes (`smtps://` goes through lettre's own transport).
    pub fn from_url(url: &str) -> anyhow::Result<Option<Self>> {
        let parsed = url::Url::parse(url).context("the SMTP URL cannot be read")?;
        if parsed.scheme() != "smtp" {
            return Ok(None);
        }
        let host = parsed.host_str().context("the SMTP URL names no host")?.to_owned();
        let tls = parsed
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.into_owned());
        let starttls = match tls.as_deref() {
            None | Some("none") => StartTls::Never,
            Some("opportunistic") => StartTls::IfOffered,
            Some("required") => StartTls::Required,
            Some(other) => anyhow::bail!("the SMTP URL's tls={other} is not none, opportunistic or required"),
        };
        let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
        let credentials = (!parsed.username().is_empty())
            .then(|| Credentials::new(decode(parsed.username()), decode(parsed.password().unwrap_or(""))));
        Ok(Some(Self {
            port: parsed.port().unwrap_or(25),
            host,
            starttls,
            credentials,
            hello: ClientId::default(),
            idle: Mutex::new(Vec::new()),
        }))
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, Failure> {
        let failed = |why: String| Failure::NotConnected(why);
        let tcp = tokio::time::timeout(CONNECT, TcpStream::connect((self.host.as_str(), self.port)))
            .await
            .map_err(|_| failed("timed out".into()))?
            .map_err(|e| failed(e.to_string()))?;
        tcp.set_nodelay(true).map_err(|e| failed(e.to_string()))?;
        let mut conn = tokio::time::timeout(
            CONNECT,
            AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello),
        )
        .await
        .map_err(|_| failed("no greeting in time".into()))?
        .map_err(|e| failed(e.to_string()))?;
        if self.starttls != StartTls::Never {
            if conn.server_info().supports_feature(Extension::StartTls) {
                let tls = TlsParameters::new(self.host.clone()).map_err(|e| failed(e.to_string()))?;
                conn.starttls(tls, &self.hello)
                    .await
                    .map_err(|e| failed(e.to_string()))?;
            } else if self.starttls == StartTls::Required {
                return Err(failed(
                    "the relay does not offer STARTTLS, which tls=required asks for".into(),
                ));
            }
        }
        if let Some(credentials) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .await
                .map_err(|e| failed(format!("signing in to the relay: {e}")))?;
        }
        Ok(conn)
    }

    /// A kept connection that still answers, or a new one.
    async fn connection(&self) -> Result<AsyncSmtpConnection, Failure> {
        while let Some((mut conn, since)) = self.idle.lock().await.pop() {
            if since.elapsed() < FRESH || conn.test_connected().await {
                return Ok(conn);
            }
        }
        self.connect().await
    }

    /// Hands one message to the relay.
    pub async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<(), Failure> {
        let mut conn = self.connection().await?;
        match tokio::time::timeout(SEND, conn.send(envelope, message)).await {
            Ok(Ok(_)) => {
                self.idle.lock().await.push((conn, Instant::now()));
                Ok(())
            }
            Ok(Err(e)) => {
                // A refused recipient leaves the connection usable; a broken one is dropped.
                if !conn.has_broken() {
                    self.idle.lock().await.push((conn, Instant::now()));
                }
                Err(Failure::Smtp(e))
            }
            Err(_) => Err(Failure::TimedOut),
        }
    }
}
