//! The benchmark's push service over HTTP/2 in the clear, on the `h2`
//! crate's server. It checks what a push service checks, as cheaply as a
//! real one can: each distinct VAPID `Authorization` header is verified once
//! (the token is the same for every request of an alert), every request
//! must carry a TTL and `Content-Encoding: aes128gcm`, and one message in a
//! thousand is decrypted with the browser's private key and must be the
//! alert's JSON. It answers 201, or 400 to anything else, and prints its
//! counts every second.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{HeaderMap, Method, Response, StatusCode};

#[path = "../../tests/support/push_checks.rs"]
mod checks;

const WINDOW: u32 = 16 << 20;
/// One message in this many is decrypted.
const SAMPLE_EVERY: u64 = 1000;

/// The browser the seeded subscriptions belong to.
pub struct Browser {
    pub secret: p256::SecretKey,
    pub public: Vec<u8>,
    pub auth: Vec<u8>,
}

struct Sink {
    origin: String,
    browser: Browser,
    /// The last `Authorization` header that verified.
    verified: Mutex<Option<String>>,
    requests: AtomicU64,
    tokens: AtomicU64,
    opened: AtomicU64,
    problems: AtomicU64,
}

pub async fn serve(port: u16, browser: Browser) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let sink = Arc::new(Sink {
        origin: format!("http://127.0.0.1:{port}"),
        browser,
        verified: Mutex::new(None),
        requests: AtomicU64::new(0),
        tokens: AtomicU64::new(0),
        opened: AtomicU64::new(0),
        problems: AtomicU64::new(0),
    });
    tokio::spawn(report(sink.clone()));
    loop {
        let (socket, _) = listener.accept().await?;
        socket.set_nodelay(true)?;
        let sink = sink.clone();
        tokio::spawn(async move {
            if let Err(err) = connection(socket, sink).await {
                eprintln!("sink: {err}");
            }
        });
    }
}

/// Prints the counts each second they change.
async fn report(sink: Arc<Sink>) {
    let mut last = u64::MAX;
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        let requests = sink.requests.load(Ordering::Relaxed);
        if requests != last {
            last = requests;
            println!(
                "sink: {requests} requests, {} VAPID tokens verified, {} messages decrypted, {} problems",
                sink.tokens.load(Ordering::Relaxed),
                sink.opened.load(Ordering::Relaxed),
                sink.problems.load(Ordering::Relaxed)
            );
        }
    }
}

async fn connection(socket: tokio::net::TcpStream, sink: Arc<Sink>) -> anyhow::Result<()> {
    let mut connection = h2::server::Builder::new()
        .max_concurrent_streams(1000)
        .initial_window_size(WINDOW)
        .initial_connection_window_size(WINDOW)
        .handshake::<_, Bytes>(socket)
        .await?;
    while let Some(request) = connection.accept().await {
        let (request, mut respond) = request?;
        let sink = sink.clone();
        tokio::spawn(async move {
            let (head, mut body) = request.into_parts();
            let mut message = Vec::new();
            while let Some(Ok(chunk)) = body.data().await {
                let _ = body.flow_control().release_capacity(chunk.len());
                message.extend_from_slice(&chunk);
            }
            let status = match sink.check(head.method, &head.headers, &message) {
                Ok(()) => StatusCode::CREATED,
                Err(problem) => {
                    if sink.problems.fetch_add(1, Ordering::Relaxed) < 5 {
                        eprintln!("sink: {problem}");
                    }
                    StatusCode::BAD_REQUEST
                }
            };
            let mut answer = Response::new(());
            *answer.status_mut() = status;
            let _ = respond.send_response(answer, true);
        });
    }
    Ok(())
}

impl Sink {
    fn check(&self, method: Method, headers: &HeaderMap, message: &[u8]) -> Result<(), String> {
        let n = self.requests.fetch_add(1, Ordering::Relaxed);
        if method != Method::POST {
            return Err(format!("{method}, not POST"));
        }
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let authorization = header("authorization").ok_or("no Authorization header")?;
        let known = self.verified.lock().unwrap().as_deref() == Some(authorization);
        if !known {
            checks::check_vapid(Some(authorization), &self.origin)?;
            self.tokens.fetch_add(1, Ordering::Relaxed);
            *self.verified.lock().unwrap() = Some(authorization.to_owned());
        }
        if header("content-encoding") != Some("aes128gcm") {
            return Err("no Content-Encoding: aes128gcm".into());
        }
        header("ttl").and_then(|v| v.parse::<u64>().ok()).ok_or("no TTL")?;
        if n.is_multiple_of(SAMPLE_EVERY) {
            let browser = &self.browser;
            let plain = checks::decrypt(&browser.secret, &browser.public, &browser.auth, message)?;
            let alert: serde_json::Value = serde_json::from_slice(&plain).map_err(|e| format!("not JSON: {e}"))?;
            if !alert["title"].is_string() {
                return Err(format!("no title in {alert}"));
            }
            self.opened.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }
}
