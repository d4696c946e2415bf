//! A push service on loopback, as RFC 8030 describes one: it takes messages
//! posted to subscription endpoints, checks each request's VAPID token
//! (RFC 8292) and decrypts the body (RFC 8291) with the subscription's
//! private key, the way a browser would. Each subscription can be told to
//! answer with other statuses first (404, 410, 413, 429, 503).
//!
//! It listens in the clear (HTTP/1.1 and HTTP/2 with prior knowledge), or
//! over TLS with the protocols it offers by ALPN, its certificate issued by
//! `tests/fixtures/push-tls/ca.pem` for 127.0.0.1.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Version};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

#[path = "push_checks.rs"]
mod checks;

/// What one subscription received, decrypted.
#[derive(Clone, Debug)]
pub struct Received {
    pub subscriber: usize,
    pub message: serde_json::Value,
    pub topic: Option<String>,
    pub urgency: String,
    pub ttl: i64,
    /// The request came over HTTP/2 (else HTTP/1.1).
    pub http2: bool,
}

struct Subscriber {
    secret: p256::SecretKey,
    public: Vec<u8>,
    auth: [u8; 16],
    /// Statuses to answer before accepting (with a Retry-After of 1 s for 429).
    script: VecDeque<u16>,
}

#[derive(Default)]
struct Inner {
    /// What VAPID tokens must name as their audience.
    origin: String,
    subscribers: Vec<Subscriber>,
    received: Vec<Received>,
    /// Every request, including refused ones, by subscriber.
    attempts: HashMap<usize, usize>,
    problems: Vec<String>,
    delay: Duration,
}

#[derive(Clone)]
pub struct PushService {
    pub origin: String,
    inner: Arc<Mutex<Inner>>,
}

impl PushService {
    /// In the clear, HTTP/1.1 or HTTP/2.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let origin = format!("http://{}", listener.local_addr().expect("an address"));
        let (service, router) = Self::new(origin);
        tokio::spawn(async move { axum::serve(listener, router).await });
        service
    }

    /// Over TLS, offering these protocols by ALPN (`h2`, `http/1.1`).
    pub async fn start_tls(protocols: &[&str]) -> Self {
        Self::start_tls_with(protocols, None).await
    }

    /// Over TLS with HTTP/2 (hyper's server), three streams at a time, and each
    /// connection shut down gracefully (GOAWAY, RFC 9113 §6.8) once it has
    /// taken `requests` requests: what is above its last stream must be sent
    /// again on another connection, and nothing twice.
    pub async fn start_tls_closing_every(requests: usize) -> Self {
        Self::start_tls_with(&["h2"], Some(requests)).await
    }

    async fn start_tls_with(protocols: &[&str], closing_every: Option<usize>) -> Self {
        use std::sync::atomic::{AtomicUsize, Ordering};

        use hyper_util::rt::{TokioExecutor, TokioIo};
        use hyper_util::service::TowerToHyperService;
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};

        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/push-tls");
        let chain = vec![CertificateDer::from_pem_file(format!("{dir}/leaf.pem")).expect("the test certificate")];
        let key = PrivateKeyDer::from_pem_file(format!("{dir}/leaf.key")).expect("the test key");
        let mut config = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("a TLS configuration");
        config.alpn_protocols = protocols.iter().map(|p| p.as_bytes().to_vec()).collect();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let http1_only = !protocols.contains(&"h2");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let origin = format!("https://{}", listener.local_addr().expect("an address"));
        let (service, router) = Self::new(origin);
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let (acceptor, router) = (acceptor.clone(), router.clone());
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(socket).await else { return };
                    let mut server = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                    if http1_only {
                        server = server.http1_only();
                    }
                    server.http2().max_concurrent_streams(3);
                    let served = Arc::new(AtomicUsize::new(0));
                    let enough = Arc::new(tokio::sync::Notify::new());
                    let (counted, told) = (served.clone(), enough.clone());
                    let service = tower::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                        if closing_every.is_some_and(|every| counted.fetch_add(1, Ordering::SeqCst) + 1 == every) {
                            told.notify_one();
                        }
                        tower::ServiceExt::oneshot(router.clone(), request)
                    });
                    let connection = server.serve_connection(TokioIo::new(tls), TowerToHyperService::new(service));
                    tokio::pin!(connection);
                    tokio::select! {
                        _ = connection.as_mut() => return,
                        () = enough.notified() => connection.as_mut().graceful_shutdown(),
                    }
                    let _ = connection.await;
                });
            }
        });
        service
    }

    fn new(origin: String) -> (Self, Router) {
        let inner = Arc::new(Mutex::new(Inner {
            origin: origin.clone(),
            ..Inner::default()
        }));
        let router = Router::new()
            .route("/push/{id}", post(receive))
            .with_state(inner.clone());
        (Self { origin, inner }, router)
    }

    /// Makes every answer wait this long (to catch a fan-out in the middle).
    pub fn slow_down(&self, delay: Duration) {
        self.inner.lock().unwrap().delay = delay;
    }

    /// A new browser subscription: its number and the JSON a browser would send.
    pub fn subscribe(&self, script: &[u16]) -> (usize, serde_json::Value) {
        let mut bytes = [0u8; 32];
        let secret = loop {
            getrandom::fill(&mut bytes).expect("random bytes");
            if let Ok(secret) = p256::SecretKey::from_slice(&bytes) {
                break secret;
            }
        };
        let public = secret.public_key().to_sec1_bytes().to_vec();
        let mut auth = [0u8; 16];
        getrandom::fill(&mut auth).expect("random bytes");
        let mut inner = self.inner.lock().unwrap();
        let id = inner.subscribers.len();
        let json = serde_json::json!({
            "endpoint": format!("{}/push/{id}", self.origin),
            "expirationTime": null,
            "keys": { "p256dh": URL_SAFE_NO_PAD.encode(&public), "auth": URL_SAFE_NO_PAD.encode(auth) },
        });
        inner.subscribers.push(Subscriber {
            secret,
            public,
            auth,
            script: script.iter().copied().collect(),
        });
        (id, json)
    }

    pub fn endpoint(&self, id: usize) -> String {
        format!("{}/push/{id}", self.origin)
    }

    pub fn received(&self) -> Vec<Received> {
        self.inner.lock().unwrap().received.clone()
    }

    pub fn received_by(&self, subscriber: usize) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.subscriber == subscriber)
            .collect()
    }

    pub fn attempts(&self, subscriber: usize) -> usize {
        self.inner
            .lock()
            .unwrap()
            .attempts
            .get(&subscriber)
            .copied()
            .unwrap_or(0)
    }

    /// Requests that broke the protocol (bad token, undecryptable body …); a test asserts none.
    pub fn problems(&self) -> Vec<String> {
        self.inner.lock().unwrap().problems.clone()
    }

    /// Waits until `count` messages have arrived (at most 20 s).
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        for _ in 0..400 {
            if self.received().len() >= count {
                return self.received();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("expected {count} pushes, got {:?}", self.received());
    }
}

async fn receive(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path(id): Path<usize>,
    version: Version,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let delay = inner.lock().unwrap().delay;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let mut inner = inner.lock().unwrap();
    *inner.attempts.entry(id).or_default() += 1;
    let origin = inner.origin.clone();
    if let Err(problem) = checks::check_vapid(header("authorization").as_deref(), &origin) {
        inner.problems.push(problem);
        return StatusCode::UNAUTHORIZED.into_response();
    }
    if header("content-encoding").as_deref() != Some("aes128gcm") {
        inner.problems.push("no Content-Encoding: aes128gcm".into());
        return StatusCode::BAD_REQUEST.into_response();
    }
    let Some(ttl) = header("ttl").and_then(|v| v.parse::<i64>().ok()) else {
        inner.problems.push("no TTL".into());
        return StatusCode::BAD_REQUEST.into_response();
    };
    let Some(subscriber) = inner.subscribers.get_mut(id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if let Some(status) = subscriber.script.pop_front() {
        let mut response = StatusCode::from_u16(status).unwrap().into_response();
        if status == 429 {
            response.headers_mut().insert("retry-after", "1".parse().unwrap());
        }
        return response;
    }
    let plaintext = match decrypt(subscriber, &body) {
        Ok(plaintext) => plaintext,
        Err(problem) => {
            inner.problems.push(problem);
            return StatusCode::BAD_REQUEST.into_response();
        }
    };
    let message = serde_json::from_slice(&plaintext).unwrap_or(serde_json::Value::Null);
    inner.received.push(Received {
        subscriber: id,
        message,
        topic: header("topic"),
        urgency: header("urgency").unwrap_or_default(),
        ttl,
        http2: version == Version::HTTP_2,
    });
    StatusCode::CREATED.into_response()
}

fn decrypt(subscriber: &Subscriber, body: &[u8]) -> Result<Vec<u8>, String> {
    checks::decrypt(&subscriber.secret, &subscriber.public, &subscriber.auth, body)
}

impl super::TestApp {
    /// Saves a browser's push subscription with these topics, as the page script does.
    pub async fn subscribe_push(&self, subscription: &serde_json::Value, topics: &[&str]) {
        let response = self
            .client
            .post(self.url("/alerts/subscriptions"))
            .header("accept", "application/json")
            .json(&serde_json::json!({ "subscription": subscription, "topics": topics }))
            .send()
            .await
            .expect("answered");
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    }
}

impl super::newsroom::Session<'_> {
    /// Sends an alert through the newsroom form; returns the alert's id.
    pub async fn send_alert(&self, title: &str, topic: &str) -> String {
        let response = self
            .post(
                "/newsroom/alerts",
                &[
                    ("title", title),
                    ("body", "Read the full story on the site."),
                    ("url", "/world/story"),
                    ("image", ""),
                    ("topic", topic),
                    ("urgency", "high"),
                    ("ttl", "3600"),
                ],
            )
            .await;
        assert_eq!(response.status(), 303, "the alert is accepted");
        let location = response.headers()["location"].to_str().unwrap();
        location.trim_start_matches("/newsroom/alerts/").to_owned()
    }
}
