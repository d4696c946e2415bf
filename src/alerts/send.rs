//! Delivering one message to one browser through its push service (RFC 8030):
//! encrypted body, VAPID authorization, TTL, Urgency and Topic headers, a
//! bounded number of requests in flight per push service, pooled connections
//! (HTTP/2 where the service offers it), and no requests to private networks.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Url;
use reqwest::dns::{Name, Resolve, Resolving};
use ring::rand::SystemRandom;
use tokio::sync::Semaphore;

use crate::config::AlertSettings;

use super::crypto;
use super::vapid::Vapid;

/// What became of one delivery.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The push service took it (201).
    Delivered,
    /// The subscription is gone (404, 410): drop it.
    Gone,
    /// Refused for good (400, 413, a bad key …): counted as failed.
    Failed(String),
    /// Try again later (429, 5xx, network trouble), after this many seconds if the service said.
    Retry(Option<u64>),
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
    origin: String,
    body: Vec<u8>,
    authorization: String,
}

pub struct Pusher {
    client: reqwest::Client,
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
    allow_private: bool,
}

/// Refuses an endpoint that is not https on a public host (unless allowed).
pub fn check_endpoint(endpoint: &str, allow_private: bool) -> Result<Url, String> {
    let url = Url::parse(endpoint).map_err(|_| "The push endpoint is not a URL.".to_owned())?;
    let host = url.host_str().ok_or("The push endpoint has no host.")?;
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
    if host == "localhost" || host.ends_with(".localhost") || host.ends_with(".local") || host.ends_with(".internal") {
        return Err("The push endpoint points at a local host.".into());
    }
    Ok(url)
}

/// Whether an address is on the public internet (SSRF guard).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || (o[0] == 198 && (o[1] == 18 || o[1] == 19))
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
        }
    }
}

/// Resolves names to public addresses only, so a push endpoint cannot be
/// turned against the private network (even by DNS that changes its answer).
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 443))
                .await?
                .filter(|a| is_public(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

impl Pusher {
    pub fn new(settings: &AlertSettings, vapid: Vapid) -> anyhow::Result<Self> {
        let mut builder = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .pool_max_idle_per_host(settings.concurrency_per_service.max(1))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("Broadsheet");
        if !settings.allow_private_endpoints {
            builder = builder.dns_resolver(Arc::new(PublicOnly));
        }
        if settings.http2_prior_knowledge {
            builder = builder.http2_prior_knowledge();
        }
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let net = runtime.handle().clone();
        let (net_stop, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new().name("push-client".into()).spawn(move || {
            let _ = runtime.block_on(stopped);
        })?;
        Ok(Self {
            client: builder.build()?,
            net,
            _net_stop: net_stop,
            vapid,
            rng: SystemRandom::new(),
            concurrency: settings.concurrency_per_service.max(1),
            limits: Mutex::new(HashMap::new()),
            allow_private: settings.allow_private_endpoints,
        })
    }

    pub fn public_key(&self) -> &str {
        &self.vapid.public_key
    }

    pub fn allows_private(&self) -> bool {
        self.allow_private
    }

    fn limit_for(&self, origin: &str) -> Arc<Semaphore> {
        let mut limits = self.limits.lock().unwrap_or_else(|e| e.into_inner());
        limits
            .entry(origin.to_owned())
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
        let origin = url.origin().ascii_serialization();
        let authorization = self
            .vapid
            .authorization(&origin)
            .map_err(|err| Outcome::Failed(format!("{err:#}")))?;
        Ok(Prepared {
            url,
            origin,
            body,
            authorization,
        })
    }

    /// Posts prepared messages to their push services, all at once on the
    /// push client's thread, and reads the answers (in the same order).
    pub async fn post_all(&self, batch: Vec<Prepared>, message: &Message<'_>) -> Vec<Outcome> {
        let count = batch.len();
        let shared = Arc::new(Shared {
            ttl: message.ttl_secs.to_string(),
            urgency: message.urgency.to_owned(),
            topic: message.topic.map(str::to_owned),
        });
        let requests: Vec<_> = batch
            .into_iter()
            .map(|ready| {
                let limit = self.limit_for(&ready.origin);
                post(self.client.clone(), limit, ready, shared.clone())
            })
            .collect();
        match self.net.spawn(futures_util::future::join_all(requests)).await {
            Ok(outcomes) => outcomes,
            // The push client's thread is gone (shutting down): try again later.
            Err(_) => (0..count).map(|_| Outcome::Retry(None)).collect(),
        }
    }
}

/// What every request for one alert carries.
struct Shared {
    ttl: String,
    urgency: String,
    topic: Option<String>,
}

/// Posts one prepared message to its push service and reads the answer.
async fn post(client: reqwest::Client, limit: Arc<Semaphore>, ready: Prepared, shared: Arc<Shared>) -> Outcome {
    let Prepared {
        url,
        body,
        authorization,
        ..
    } = ready;
    let Ok(_permit) = limit.acquire().await else {
        return Outcome::Retry(None);
    };
    let mut request = client.post(url);
    if let Some(topic) = &shared.topic {
        request = request.header("Topic", topic);
    }
    let response = request
        .header("TTL", &shared.ttl)
        .header("Urgency", &shared.urgency)
        .header("Content-Encoding", "aes128gcm")
        .header("Content-Type", "application/octet-stream")
        .header("Authorization", authorization)
        .body(body)
        .send()
        .await;
    let response = match response {
        Ok(response) => response,
        Err(err) => return Outcome::Retry(None).tap(|| tracing::debug!(error = %err, "push request failed")),
    };
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match status {
        200..=299 => Outcome::Delivered,
        404 | 410 => Outcome::Gone,
        429 | 500..=599 => Outcome::Retry(retry_after),
        _ => {
            let endpoint = response.url().to_string();
            let detail = response.text().await.unwrap_or_default();
            tracing::warn!(status, endpoint, detail, "a push service refused a message");
            Outcome::Failed(format!("push service answered {status}"))
        }
    }
}

trait Tap: Sized {
    fn tap(self, f: impl FnOnce()) -> Self {
        f();
        self
    }
}

impl Tap for Outcome {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_endpoints_on_public_hosts_are_accepted() {
        assert!(check_endpoint("https://fcm.googleapis.com/fcm/send/abc", false).is_ok());
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
