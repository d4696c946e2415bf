//! One HTTP/2 connection to a push service: made (TLS with ALPN, or in the
//! clear when the service is known to speak HTTP/2), handed to the `h2`
//! crate for the protocol, then driven by one task that takes requests from
//! its service's queue while the service's stream limit allows, and sorts
//! each failure into "not processed, send again" and "may have arrived".

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use h2::Reason;
use h2::client::{ResponseFuture, SendRequest};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use super::pool::Service;
use super::{Failure, Job, Response};

/// How long a request may wait for its answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a connection with nothing to do stays open.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a closing connection may take to say goodbye.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);
/// How much of an error answer's body is kept for the log.
const DETAIL_LIMIT: usize = 2048;
/// Our receive window for the connection (the streams keep the default).
const RECEIVE_WINDOW: u32 = 1 << 20;
/// Times a request goes back to the queue unsent before it counts as failed.
const MAX_REQUEUES: u8 = 3;
/// The largest answer header list we take.
const MAX_HEADER_LIST: u32 = 64 * 1024;
/// Streams a connection opens before the service's SETTINGS say how many it
/// allows: one, and no more until it is answered (by then the SETTINGS,
/// which come first, are known), so none is refused for arriving too early.
const INITIAL_STREAMS: usize = 1;

/// Makes a connection for the service and drives it until it closes.
pub(super) async fn run(service: Arc<Service>) {
    match connect(&service).await {
        Ok(Connected::Tls(io)) => drive(service, *io).await,
        Ok(Connected::Plain(io)) => drive(service, io).await,
        Ok(Connected::Http1) => {
            service.http1.store(true, Ordering::Release);
            service.connections.fetch_sub(1, Ordering::AcqRel);
            service.hand_queued_to_http1();
        }
        Err(err) => {
            tracing::debug!(origin = service.authority, error = %err, "could not connect to a push service");
            match crate::alerts::send::refused_address(&err) {
                Some(refused) => service.connect_refused(&refused.to_string()),
                None => service.connect_failed(&format!("could not connect: {err}")),
            }
        }
    }
}

enum Connected {
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
    Plain(TcpStream),
    Http1,
}

async fn connect(service: &Service) -> std::io::Result<Connected> {
    let origin = &service.origin;
    let connector = &service.connector;
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((origin.host.as_str(), origin.port))
        .await?
        .filter(|a| connector.allow_private || crate::alerts::send::is_public(a.ip()))
        .collect();
    let mut last = std::io::Error::new(
        std::io::ErrorKind::PermissionDenied,
        crate::alerts::send::RefusedAddress(origin.host.clone()),
    );
    let mut tcp = None;
    for addr in addrs {
        match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => {
                tcp = Some(stream);
                break;
            }
            Ok(Err(err)) => last = err,
            Err(_) => last = std::io::Error::new(std::io::ErrorKind::TimedOut, "connecting timed out"),
        }
    }
    let tcp = tcp.ok_or(last)?;
    tcp.set_nodelay(true)?;
    if !origin.tls {
        return Ok(Connected::Plain(tcp));
    }
    let name = rustls::pki_types::ServerName::try_from(origin.host.clone())
        .map_err(|_| std::io::Error::other("the push service's host is not a valid name"))?;
    let tls = tokio_rustls::TlsConnector::from(connector.tls.clone());
    let stream = tokio::time::timeout(CONNECT_TIMEOUT, tls.connect(name, tcp))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "the TLS handshake timed out"))??;
    if stream.get_ref().1.alpn_protocol() == Some(b"h2") {
        Ok(Connected::Tls(Box::new(stream)))
    } else {
        Ok(Connected::Http1)
    }
}

/// How a request that went out ended.
enum Ended {
    Answered(Response),
    /// The service said it did not process it (REFUSED_STREAM, or above GOAWAY's last stream).
    NotProcessed,
    /// The service wants HTTP/1.1 for it.
    Http1,
    Failed(Failure),
}

/// What became of a request handed to the connection.
enum Started<F> {
    /// Sent: the future ends with its outcome.
    Open(F),
    /// Not sent (the connection is going away): it goes back to the queue.
    NotSent(Job, String),
    /// It could not be made into a request, and has been answered so.
    Dropped,
}

/// Runs the HTTP/2 connection over `io` for the service until it closes.
async fn drive<S>(service: Arc<Service>, io: S)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let handshake = h2::client::Builder::new()
        .enable_push(false)
        .initial_connection_window_size(RECEIVE_WINDOW)
        .initial_max_send_streams(INITIAL_STREAMS)
        .max_header_list_size(MAX_HEADER_LIST)
        .handshake::<_, Bytes>(io);
    let (send, mut connection) = match tokio::time::timeout(CONNECT_TIMEOUT, handshake).await {
        Ok(Ok(made)) => made,
        Ok(Err(err)) => return service.connect_failed(&format!("HTTP/2 handshake failed: {err}")),
        Err(_) => return service.connect_failed("the HTTP/2 handshake timed out"),
    };
    let mut link = Link {
        service,
        send: Some(send),
        shared: None,
        started: 0,
        answered: 0,
    };
    let mut open = FuturesUnordered::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut idle_since = Instant::now();
    let mut closed: Option<String> = None;
    loop {
        let service = link.service.clone();
        let queued = service.wake.notified();
        tokio::pin!(queued);
        queued.as_mut().enable();
        if closed.is_some() && open.is_empty() {
            break;
        }
        if link.send.is_none() && open.is_empty() && closed.is_none() {
            // Nothing left: give the connection a moment to close gently.
            let _ = tokio::time::timeout(CLOSE_TIMEOUT, &mut connection).await;
            break;
        }
        let room = link.room(open.len());
        tokio::select! {
            ended = &mut connection, if closed.is_none() => {
                let why = match ended {
                    Ok(()) => "the push service closed the connection".to_owned(),
                    Err(err) => {
                        if err.reason() == Some(Reason::HTTP_1_1_REQUIRED) {
                            service.http1.store(true, Ordering::Release);
                        }
                        format!("HTTP/2 connection ended: {err}")
                    }
                };
                link.stop_taking(&why);
                closed = Some(why);
            }
            Some((job, ended)) = open.next(), if !open.is_empty() => {
                link.finish(job, ended);
                if open.is_empty() {
                    idle_since = Instant::now();
                }
            }
            ready = link.ready(), if room && service.queued() > 0 => match ready {
                Ok(()) => {
                    if let Some(job) = service.pop() {
                        match link.start(job) {
                            Started::Open(exchange) => open.push(exchange),
                            Started::Dropped => {}
                            Started::NotSent(job, why) => {
                                link.stop_taking(&format!("the connection took no more requests: {why}"));
                                link.requeue(job);
                            }
                        }
                    }
                }
                Err(err) => link.stop_taking(&format!("the connection took no more requests: {err}")),
            },
            // New work, or room under the service's limit that another connection let go of.
            () = &mut queued, if link.send.is_some() => {}
            _ = tick.tick() => {
                if link.send.is_some() && open.is_empty() && service.queued() == 0 && idle_since.elapsed() > IDLE_TIMEOUT {
                    link.stop_taking("idle");
                }
            }
        }
    }
}

/// A connection's side of the pool: its request sender while it takes work.
struct Link {
    service: Arc<Service>,
    /// None once the connection takes no more requests.
    send: Option<SendRequest<Bytes>>,
    /// The fields of the alert last sent, ready to copy into each request.
    shared: Option<Shared>,
    started: usize,
    answered: usize,
}

impl Link {
    /// Whether this connection may start another request: it takes them, it
    /// has a stream the service allows free, and the service's limit has room.
    fn room(&self, open: usize) -> bool {
        let Some(send) = &self.send else { return false };
        let streams = if self.answered == 0 {
            INITIAL_STREAMS
        } else {
            send.current_max_send_streams()
        };
        open < streams && self.service.open_requests.load(Ordering::Acquire) < self.service.limit
    }

    /// Waits until the connection can take a request.
    async fn ready(&mut self) -> Result<(), h2::Error> {
        match self.send.as_mut() {
            Some(send) => std::future::poll_fn(|cx| send.poll_ready(cx)).await,
            None => std::future::pending().await,
        }
    }

    /// No more requests on this connection. One that never got an answer
    /// counts as a failed connect, so a service that sends every connection
    /// away at once is not reconnected to in a loop.
    fn stop_taking(&mut self, why: &str) {
        if self.send.take().is_some() {
            if self.answered == 0 {
                self.service.connect_failed(why);
            } else {
                self.service.connection_gone();
            }
        }
    }

    /// Sends a request's headers and body.
    fn start(&mut self, job: Job) -> Started<impl Future<Output = (Job, Ended)> + use<>> {
        let Some(send) = self.send.as_mut() else {
            return Started::NotSent(job, "the connection takes no more requests".into());
        };
        let limit = send.current_max_send_streams();
        if limit > 0 {
            self.service.per_connection.store(limit.min(1000), Ordering::Release);
        }
        let request = match request(&job, &self.service.authority, &mut self.shared) {
            Ok(request) => request,
            Err(why) => {
                job.finish(Err(Failure::Network(why)));
                return Started::Dropped;
            }
        };
        let body = job.post.body.clone();
        let (response, mut stream) = match send.send_request(request, body.is_empty()) {
            Ok(sent) => sent,
            Err(err) => return Started::NotSent(job, err.to_string()),
        };
        if !body.is_empty() {
            // Buffered by h2 and written as the service's windows allow.
            let _ = stream.send_data(body, true);
        }
        self.started += 1;
        self.service.open_requests.fetch_add(1, Ordering::AcqRel);
        Started::Open(async move {
            let ended = match tokio::time::timeout(REQUEST_TIMEOUT, exchange(response)).await {
                Ok(Ok(answer)) => Ended::Answered(answer),
                Ok(Err(err)) => sort(&err),
                // Dropping the response and the stream resets it (CANCEL).
                Err(_) => Ended::Failed(Failure::Unanswered("the push service did not answer in time".into())),
            };
            drop(stream);
            (job, ended)
        })
    }

    /// A request that went out has ended.
    fn finish(&mut self, job: Job, ended: Ended) {
        self.service.open_requests.fetch_sub(1, Ordering::AcqRel);
        if self.service.queued() > 0 {
            // Room under the service's limit, for whichever of its connections has a stream free.
            self.service.wake.notify_waiters();
        }
        match ended {
            Ended::Answered(answer) => {
                self.answered += 1;
                self.service.answered();
                job.finish(Ok(answer));
            }
            Ended::NotProcessed => self.requeue(job),
            Ended::Http1 => {
                self.service.http1.store(true, Ordering::Release);
                self.requeue(job);
            }
            Ended::Failed(failure) => job.finish(Err(failure)),
        }
    }

    /// A request the service did not process goes back to the queue for another try.
    fn requeue(&self, mut job: Job) {
        job.requeued += 1;
        if job.requeued > MAX_REQUEUES {
            job.finish(Err(Failure::Network(
                "the push service kept refusing the request".into(),
            )));
        } else if self.service.http1.load(Ordering::Acquire) {
            job.hand_to_http1();
        } else {
            self.service.push(job);
            self.service.ensure_connections();
        }
    }
}

/// An alert's fields (as its posts share them), and as a header map.
type Shared = (Arc<[(String, String)]>, HeaderMap);

/// The request for a job: the alert's shared fields (made into a header map
/// once per alert and connection), then its own.
fn request(job: &Job, authority: &str, shared: &mut Option<Shared>) -> Result<Request<()>, String> {
    let post = &job.post;
    let uri = http::Uri::builder()
        .scheme(if post.origin.tls { "https" } else { "http" })
        .authority(authority)
        .path_and_query(post.path.as_str())
        .build()
        .map_err(|err| format!("the push endpoint is not a valid address: {err}"))?;
    let fields = match shared {
        Some((alert, fields)) if Arc::ptr_eq(alert, &post.headers) => fields,
        _ => {
            let mut fields = HeaderMap::with_capacity(post.headers.len() + 3);
            for (name, value) in post.headers.iter() {
                let name = HeaderName::from_bytes(name.as_bytes()).map_err(|err| format!("header {name}: {err}"))?;
                let value = HeaderValue::from_str(value).map_err(|err| format!("header {name}: {err}"))?;
                fields.insert(name, value);
            }
            fields.insert(http::header::USER_AGENT, HeaderValue::from_static("Broadsheet"));
            &mut shared.insert((post.headers.clone(), fields)).1
        }
    };
    let mut request = Request::new(());
    *request.method_mut() = Method::POST;
    *request.uri_mut() = uri;
    *request.headers_mut() = fields.clone();
    let headers = request.headers_mut();
    let authorization =
        HeaderValue::from_str(&post.authorization).map_err(|err| format!("the authorization header: {err}"))?;
    headers.insert(http::header::AUTHORIZATION, authorization);
    headers.insert(http::header::CONTENT_LENGTH, HeaderValue::from(post.body.len()));
    Ok(request)
}

/// Waits for the answer and keeps the start of its body for the log.
async fn exchange(response: ResponseFuture) -> Result<Response, h2::Error> {
    let response = response.await?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(http::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(crate::alerts::send::retry_after_secs);
    let mut body = response.into_body();
    let mut detail = Vec::new();
    while detail.len() < DETAIL_LIMIT {
        match body.data().await {
            Some(Ok(chunk)) => {
                let _ = body.flow_control().release_capacity(chunk.len());
                let room = DETAIL_LIMIT - detail.len();
                detail.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            // The answer came: a body cut short does not change it.
            Some(Err(_)) | None => break,
        }
    }
    // Dropping the rest of a long body resets the stream (CANCEL).
    Ok(Response {
        status,
        retry_after,
        detail: String::from_utf8_lossy(&detail).into_owned(),
    })
}

/// Sorts a failed request: only what the service said it did not process is
/// sent again (RFC 9113 §8.7); anything else may have been delivered.
fn sort(err: &h2::Error) -> Ended {
    let remote = err.is_remote();
    match err.reason() {
        Some(Reason::REFUSED_STREAM) if remote && err.is_reset() => Ended::NotProcessed,
        Some(Reason::HTTP_1_1_REQUIRED) if remote => Ended::Http1,
        // Given only to streams above the GOAWAY's last stream id.
        _ if remote && err.is_go_away() => Ended::NotProcessed,
        _ => Ended::Failed(Failure::Unanswered(format!("no answer: {err}"))),
    }
}
