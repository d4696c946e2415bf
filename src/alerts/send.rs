//! Delivering one message to one browser through its push service (RFC 8030):
//! encrypted body, VAPID authorization, TTL, Urgency and Topic headers, a
//! bounded number of requests in flight per push service, pooled connections
//! (HTTP/2 where the service offers it), and no requests to private networks.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Url;
use ring::rand::SystemRandom;
use rustls::pki_types::CertificateDer;
use tokio::sync::Semaphore;

use crate::config::AlertSettings;
pub use crate::http::outbound::{PublicOnly, RefusedAddress, is_public, refused_address};

use super::vapid::Vapid;
use super::{crypto, http2};

/// What became of one delivery.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The push service took it (201).
    Delivered,
    /// The subscription is gone (404, 410): drop it.
    Gone,
    /// Refused for good (400, 413, a bad key …): counted as failed.
    Failed(String),
    /// Sent, and no answer came: it may have arrived, so it is counted as
    /// failed and not sent again.
    Unanswered(String),
    /// Try again later (429, 5xx, network trouble), after this many seconds if the service said.
    Retry(Option<u64>),
    /// The endpoint's host resolved only to addresses we do not send to
    /// (private, local): tried once more, then the subscription is dropped.
    Misdirected(String),
}

/// The keys of a subscription, as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Target {
    pub id: uuid::Uuid,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
}

/// One alert's delivery settings.
pub struct Message<'a> {
    pub payload: &'a [u8],
    pub ttl_secs: i64,
    pub urgency: &'a str,
    /// Push-service `Topic`: a newer message with the same topic replaces an unseen older one.
    pub topic: Option<&'a str>,
}

/// One message encrypted for one browser, ready to post.
pub struct Prepared {
    url: Url,
    /// Its push service, as the metrics name it (worked out once, here).
    service: &'static str,
    body: bytes::Bytes,
    authorization: Arc<str>,
}

pub struct Pusher {
    /// HTTP/2, for every push service that speaks it (all the big ones do).
    http2: http2::Client,
    /// HTTP/1.1, for the rest.
    http1: reqwest::Client,
    /// The push client's own thread, where its connections and requests run:
    /// kept apart from the encryption on the worker threads, the connection
    /// state is never contended between threads, and a batch of requests
    /// crosses over (and its answers back) in one hand-off.
    net: tokio::runtime::Handle,
    /// Ends that thread when the pusher goes.
    _net_stop: tokio::sync::oneshot::Sender<()>,
    vapid: Vapid,
    rng: SystemRandom,
    concurrency: usize,
    limits: Mutex<HashMap<String, Arc<Semaphore>>>,
    /// Messages by push service and outcome, for `/metrics`.
    counts: Mutex<std::collections::BTreeMap<(&'static str, &'static str), u64>>,
    allow_private: bool,
    /// Plain-http push services speak HTTP/2 from the first byte.
    http2_in_the_clear: bool,
}

/// Refuses an endpoint that is not https on a public host (unless allowed).
pub fn check_endpoint(endpoint: &str, allow_private: bool) -> Result<Url, String> {
    let url = Url::parse(endpoint).map_err(|_| "The push endpoint is not a URL.".to_owned())?;
    // `localhost.` is `localhost`: a name's trailing dot changes nothing it points at.
    let host = url
        .host_str()
        .ok_or("The push endpoint has no host.")?
        .trim_end_matches('.')
        .to_ascii_lowercase();
    if allow_private {
        return match url.scheme() {
            "https" | "http" => Ok(url),
            _ => Err("The push endpoint must be an http(s) URL.".into()),
        };
    }
    if url.scheme() != "https" {
        return Err("The push endpoint must be an https URL.".into());
    }
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = literal.parse::<IpAddr>()
        && !is_public(ip)
    {
        return Err("The push endpoint points at a private or local address.".into());
    }
    if host.is_empty()
        || host == "localhost"
        || host.ends_with(".localhost")
        || host.ends_with(".local")
        || host.ends_with(".internal")
        || host.ends_with(".home.arpa")
    {
        return Err("The push endpoint points at a local host.".into());
    }
    Ok(url)
}

/// Refuses an endpoint whose name resolves only to private, loopback or
/// other non-public addresses, so it is turned away when the reader
/// subscribes rather than failing at every alert. A name that does not
/// resolve just now is let through: sending resolves again, public
/// addresses only.
pub async fn check_resolves(endpoint: &Url, allow_private: bool) -> Result<(), String> {
    let Some(host) = endpoint.host_str() else { return Ok(()) };
    if allow_private
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok()
    {
        return Ok(());
    }
    let port = endpoint.port_or_known_default().unwrap_or(443);
    let lookup = tokio::time::timeout(Duration::from_secs(3), tokio::net::lookup_host((host, port))).await;
    let Ok(Ok(addresses)) = lookup else { return Ok(()) };
    let addresses: Vec<SocketAddr> = addresses.collect();
    if !addresses.is_empty() && !addresses.iter().any(|a| is_public(a.ip())) {
        return Err("The push endpoint's name leads to a private or local address.".into());
    }
    Ok(())
}

impl Pusher {
    pub fn new(settings: &AlertSettings, vapid: Vapid) -> anyhow::Result<Self> {
        let extra_roots = match &settings.extra_root_certificates {
            Some(path) => read_certificates(path)?,
            None => Vec::new(),
        };
        let mut builder = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .pool_max_idle_per_host(settings.concurrency_per_service.max(1))
            .redirect(reqwest::redirect::Policy::none())
            .http1_only()
            .user_agent("Broadsheet");
        for der in &extra_roots {
            builder = builder.add_root_certificate(reqwest::Certificate::from_der(der)?);
        }
        if !settings.allow_private_endpoints {
            builder = builder.dns_resolver(Arc::new(PublicOnly));
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = rustls_platform_verifier::Verifier::new_with_extra_roots(extra_roots, provider.clone())?;
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let net = runtime.handle().clone();
        let (net_stop, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new().name("push-client".into()).spawn(move || {
            let _ = runtime.block_on(stopped);
        })?;
        let concurrency = settings.concurrency_per_service.max(1);
        Ok(Self {
            http2: http2::Client::new(
                Arc::new(tls),
                settings.allow_private_endpoints,
                concurrency,
                net.clone(),
            ),
            http1: builder.build()?,
            net,
            _net_stop: net_stop,
            vapid,
            rng: SystemRandom::new(),
            concurrency,
            limits: Mutex::new(HashMap::new()),
            counts: Mutex::default(),
            allow_private: settings.allow_private_endpoints,
            http2_in_the_clear: settings.http2_prior_knowledge,
        })
    }

    pub fn public_key(&self) -> &str {
        &self.vapid.public_key
    }

    pub fn allows_private(&self) -> bool {
        self.allow_private
    }

    fn limit_for(&self, origin: String) -> Arc<Semaphore> {
        let mut limits = self.limits.lock().unwrap_or_else(|e| e.into_inner());
        limits
            .entry(origin)
            .or_insert_with(|| Arc::new(Semaphore::new(self.concurrency)))
            .clone()
    }

    pub async fn send(&self, target: &Target, message: &Message<'_>) -> Outcome {
        match self.prepare(target, message) {
            Ok(ready) => self
                .post_all(vec![ready], message)
                .await
                .pop()
                .unwrap_or(Outcome::Retry(None)),
            Err(outcome) => outcome,
        }
    }

    /// Everything before the request: the endpoint checked, the message
    /// encrypted for this browser, the VAPID header. A refusal is the outcome.
    pub fn prepare(&self, target: &Target, message: &Message<'_>) -> Result<Prepared, Outcome> {
        let url = check_endpoint(&target.endpoint, self.allow_private).map_err(Outcome::Failed)?;
        let decode = |b64: &str| {
            base64::Engine::decode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                b64.trim_end_matches('='),
            )
        };
        let (Ok(browser_public), Ok(auth)) = (decode(&target.p256dh), decode(&target.auth)) else {
            return Err(Outcome::Failed("the subscription's keys are not base64url".into()));
        };
        let body = crypto::encrypt(message.payload, &browser_public, &auth, &self.rng)
            .map_err(|err| Outcome::Failed(err.to_string()))?;
        let authorization = self
            .vapid
            .authorization(&url.origin().ascii_serialization())
            .map_err(|err| Outcome::Failed(format!("{err:#}")))?;
        Ok(Prepared {
            service: service_of(url.host_str().unwrap_or("")),
            url,
            body: body.into(),
            authorization,
        })
    }

    /// Posts prepared messages to their push services and reads the answers
    /// (in the same order): over HTTP/2 where the service speaks it, else
    /// over HTTP/1.1, all on the push client's thread.
    pub async fn post_all(&self, batch: Vec<Prepared>, message: &Message<'_>) -> Vec<Outcome> {
        let services: Vec<&'static str> = batch.iter().map(Prepared::service).collect();
        let outcomes = self.post_each(batch, message).await;
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        for (service, outcome) in services.into_iter().zip(&outcomes) {
            *counts.entry((service, outcome.label())).or_default() += 1;
        }
        outcomes
    }

    /// Messages pushed since this instance started, by push service and outcome.
    pub fn counts(&self) -> Vec<((&'static str, &'static str), u64)> {
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.iter().map(|(k, v)| (*k, *v)).collect()
    }

    async fn post_each(&self, batch: Vec<Prepared>, message: &Message<'_>) -> Vec<Outcome> {
        let mut headers = vec![
            ("ttl".to_owned(), message.ttl_secs.to_string()),
            ("urgency".to_owned(), message.urgency.to_owned()),
            ("content-encoding".to_owned(), "aes128gcm".to_owned()),
            ("content-type".to_owned(), "application/octet-stream".to_owned()),
        ];
        if let Some(topic) = message.topic {
            headers.push(("topic".to_owned(), topic.to_owned()));
        }
        let headers: Arc<[(String, String)]> = headers.into();
        let mut outcomes: Vec<Option<Outcome>> = (0..batch.len()).map(|_| None).collect();
        let (mut posts, mut slots, mut by_http1) = (Vec::new(), Vec::new(), Vec::new());
        for (slot, ready) in batch.into_iter().enumerate() {
            // A service known to speak only HTTP/1.1 hands its requests straight back.
            match self.http2_origin(&ready.url) {
                Some(origin) => {
                    let path = match ready.url.query() {
                        Some(query) => format!("{}?{query}", ready.url.path()),
                        None => ready.url.path().to_owned(),
                    };
                    posts.push(http2::Post {
                        origin,
                        path,
                        headers: headers.clone(),
                        authorization: ready.authorization,
                        body: ready.body,
                    });
                    slots.push(slot);
                }
                _ => by_http1.push((slot, ready)),
            }
        }
        if !posts.is_empty() {
            let replies = self.http2.send_all(posts).await;
            for (slot, reply) in slots.into_iter().zip(replies) {
                outcomes[slot] = Some(match reply {
                    Ok(response) => outcome(response.status, response.retry_after, &response.detail),
                    Err(http2::Failure::Network(why)) => {
                        tracing::debug!(error = why, "push request failed");
                        Outcome::Retry(None)
                    }
                    Err(http2::Failure::Unanswered(why)) => Outcome::Unanswered(why),
                    Err(http2::Failure::Misdirected(why)) => Outcome::Misdirected(why),
                    Err(http2::Failure::Http1(post)) => match Prepared::from_post(*post) {
                        Ok(ready) => {
                            by_http1.push((slot, ready));
                            continue;
                        }
                        Err(outcome) => outcome,
                    },
                });
            }
        }
        if !by_http1.is_empty() {
            let requests: Vec<_> = by_http1
                .into_iter()
                .map(|(slot, post)| {
                    let limit = self.limit_for(post.url.origin().ascii_serialization());
                    let client = self.http1.clone();
                    let headers = headers.clone();
                    async move { (slot, post_http1(client, limit, post, headers).await) }
                })
                .collect();
            match self.net.spawn(futures_util::future::join_all(requests)).await {
                Ok(answered) => {
                    for (slot, outcome) in answered {
                        outcomes[slot] = Some(outcome);
                    }
                }
                // The push client's thread is gone (shutting down): try again later.
                Err(_) => tracing::debug!("the push client stopped"),
            }
        }
        outcomes
            .into_iter()
            .map(|o| o.unwrap_or(Outcome::Retry(None)))
            .collect()
    }

    /// The origin to reach over HTTP/2: https ones negotiate it, plain-http ones only by setting.
    fn http2_origin(&self, url: &Url) -> Option<http2::Origin> {
        let tls = match url.scheme() {
            "https" => true,
            "http" if self.http2_in_the_clear => false,
            _ => return None,
        };
        Some(http2::Origin {
            tls,
            host: url.host_str()?.trim_start_matches('[').trim_end_matches(']').to_owned(),
            port: url.port_or_known_default()?,
        })
    }
}

impl Prepared {
    pub fn service(&self) -> &'static str {
        self.service
    }

    /// A request the HTTP/2 client handed back, to send over HTTP/1.1.
    fn from_post(post: http2::Post) -> Result<Self, Outcome> {
        let scheme = if post.origin.tls { "https" } else { "http" };
        let url = Url::parse(&format!("{scheme}://{}{}", post.origin.authority(), post.path))
            .map_err(|err| Outcome::Failed(format!("the push endpoint could not be rebuilt: {err}")))?;
        Ok(Self {
            service: service_of(url.host_str().unwrap_or("")),
            url,
            body: post.body,
            authorization: post.authorization,
        })
    }
}

/// Posts one prepared message over HTTP/1.1 and reads the answer.
async fn post_http1(
    client: reqwest::Client,
    limit: Arc<Semaphore>,
    ready: Prepared,
    headers: Arc<[(String, String)]>,
) -> Outcome {
    let Ok(_permit) = limit.acquire().await else {
        return Outcome::Retry(None);
    };
    let mut request = client
        .post(ready.url)
        .header("Authorization", &*ready.authorization)
        .body(ready.body);
    for (name, value) in headers.iter() {
        request = request.header(name, value);
    }
    let response = match request.send().await {
        Ok(response) => response,
        Err(err) => {
            return if let Some(refused) = refused_address(&err) {
                Outcome::Misdirected(refused.to_string())
            } else if err.is_connect() {
                // No connection: the request never left, so it may go again.
                tracing::debug!(error = %err, "push request failed");
                Outcome::Retry(None)
            } else {
                Outcome::Unanswered(err.to_string())
            };
        }
    };
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(retry_after_secs);
    let detail = if (200..300).contains(&status) {
        String::new()
    } else {
        response.text().await.unwrap_or_default()
    };
    outcome(status, retry_after, &detail)
}

/// What a push service's answer means for the subscription.
impl Outcome {
    /// A metrics label for the outcome.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Delivered => "delivered",
            Outcome::Gone => "gone",
            Outcome::Failed(_) => "refused",
            Outcome::Unanswered(_) => "unanswered",
            Outcome::Retry(_) | Outcome::Misdirected(_) => "retried",
        }
    }
}

/// The push service an endpoint belongs to, as a metrics label: the big
/// services by name, anything else as "other" (a subscriber chooses the
/// endpoint, so its host cannot become a label).
pub fn service_of(host: &str) -> &'static str {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let under = |domain: &str| host == domain || host.ends_with(&format!(".{domain}"));
    if under("googleapis.com") {
        "fcm"
    } else if under("mozilla.com") {
        "mozilla"
    } else if under("push.apple.com") {
        "apple"
    } else if under("notify.windows.com") {
        "windows"
    } else {
        "other"
    }
}

/// The push service of a subscription's endpoint, as `service_of` names it.
pub fn service_of_endpoint(endpoint: &str) -> &'static str {
    Url::parse(endpoint).map_or("other", |url| service_of(url.host_str().unwrap_or("")))
}

/// A `Retry-After` value in seconds: given as seconds, or as an HTTP date
/// (RFC 9110 §10.2.3), counted from now.
pub fn retry_after_secs(value: &str) -> Option<u64> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(seconds);
    }
    let at = crate::domain::Timestamp::parse_http_date(value)?;
    Some((at.as_seconds() - crate::domain::Timestamp::now().as_seconds()).max(0) as u64)
}

fn outcome(status: u16, retry_after: Option<u64>, detail: &str) -> Outcome {
    match status {
        200..=299 => Outcome::Delivered,
        404 | 410 => Outcome::Gone,
        429 | 500..=599 => Outcome::Retry(retry_after),
        _ => {
            tracing::warn!(status, detail, "a push service refused a message");
            Outcome::Failed(format!("push service answered {status}"))
        }
    }
}

/// Certificate authorities from a PEM file.
fn read_certificates(path: &std::path::Path) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    use rustls::pki_types::pem::PemObject;
    let certificates = CertificateDer::pem_file_iter(path)
        .and_then(|iter| iter.collect::<Result<Vec<_>, _>>())
        .map_err(|err| anyhow::anyhow!("reading certificates from {}: {err}", path.display()))?;
    anyhow::ensure!(!certificates.is_empty(), "{} holds no certificates", path.display());
    Ok(certificates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_name_that_leads_only_to_local_addresses_is_refused() {
        let local = Url::parse("https://localhost/push/1").unwrap();
        assert!(check_resolves(&local, false).await.is_err());
        assert!(
            check_resolves(&local, true).await.is_ok(),
            "allowed where private endpoints are"
        );
        let unknown = Url::parse("https://push.invalid/x").unwrap();
        assert!(
            check_resolves(&unknown, false).await.is_ok(),
            "a name that does not resolve is left to sending"
        );
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_as_a_date() {
        assert_eq!(retry_after_secs(" 120 "), Some(120));
        let in_a_minute = crate::domain::Timestamp::now().plus_seconds(60).http_date();
        let secs = retry_after_secs(&in_a_minute).expect("a date is read");
        assert!((58..=60).contains(&secs), "{secs}");
        assert_eq!(
            retry_after_secs("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(0),
            "a date gone by"
        );
        assert_eq!(retry_after_secs("soon"), None);
    }

    #[test]
    fn only_https_endpoints_on_public_hosts_are_accepted() {
        assert!(check_endpoint("https://fcm.googleapis.com/fcm/send/abc", false).is_ok());
        assert!(check_endpoint("https://[2a00:1450:4009:81f::200a]/x", false).is_ok());
        assert!(
            check_endpoint("https://[2002:808:808::]/x", false).is_ok(),
            "6to4 of a public address"
        );
        for bad in [
            "http://push.example/x",
            "https://127.0.0.1/x",
            "https://10.1.2.3/x",
            "https://192.168.0.5/x",
            "https://169.254.169.254/latest",
            "https://[::1]/x",
            "https://[fe80::1]/x",
            "https://[::ffff:10.0.0.1]/x",
            "https://localhost/x",
            "https://localhost./x",
            "https://metadata.google.internal./x",
            "https://[::127.0.0.1]/x",
            "https://[64:ff9b::a9fe:a9fe]/x",
            "https://[fec0::1]/x",
            "https://[2002:7f00:1::]/x",
            "https://[2001:db8::1]/x",
            "ftp://push.example/x",
            "not a url",
        ] {
            assert!(check_endpoint(bad, false).is_err(), "{bad} is refused");
        }
        assert!(
            check_endpoint("http://127.0.0.1:9000/push/1", true).is_ok(),
            "allowed when the setting says so"
        );
    }
}
