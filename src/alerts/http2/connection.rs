//! One HTTP/2 connection to a push service: made (TLS with ALPN, or in the
//! clear when the service is known to speak HTTP/2), then driven by one task
//! that reads frames, writes what is due, and takes requests from its
//! service's queue while the service's stream limit and flow control allow.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use super::frame::{self, Head, code, flag, kind, setting};
use super::hpack::{self, Decoder, Encoder, Name, index};
use super::pool::Service;
use super::{Failure, Job, Reply, Response};

/// How long a request may wait for its answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a connection with nothing to do stays open.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How much of an error answer's body is kept for the log.
const DETAIL_LIMIT: usize = 2048;
/// Our receive window for the connection (the streams keep the default).
const RECEIVE_WINDOW: u32 = 1 << 20;
/// The most bytes waiting to be written before no more requests are taken.
const WRITE_BACKLOG: usize = 256 * 1024;
/// Times a request goes back to the queue unsent before it counts as failed.
const MAX_REQUEUES: u8 = 3;
/// The largest answer header block we collect from CONTINUATION frames.
const MAX_HEADER_BLOCK: usize = 64 * 1024;
/// The last stream number a client may use (§5.1.1).
const LAST_STREAM_ID: u32 = (1 << 31) - 1;

/// Makes a connection for the service and drives it until it closes.
pub(super) async fn run(service: Arc<Service>) {
    match connect(&service).await {
        Ok(Connected::Tls(io)) => Connection::new(service).drive(*io).await,
        Ok(Connected::Plain(io)) => Connection::new(service).drive(io).await,
        Ok(Connected::Http1) => {
            service.http1.store(true, Ordering::Release);
            service.connections.fetch_sub(1, Ordering::AcqRel);
            service.hand_queued_to_http1();
        }
        Err(err) => {
            tracing::debug!(origin = service.authority, error = %err, "could not connect to a push service");
            service.connect_failed(&format!("could not connect: {err}"));
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
    let mut last = std::io::Error::other(format!("{} has no public address", origin.host));
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

/// Writes some of what is pending (how much, in `Some`), or flushes when nothing is.
async fn write_or_flush<W: AsyncWrite + Unpin>(writer: &mut W, pending: &[u8]) -> std::io::Result<Option<usize>> {
    if pending.is_empty() {
        writer.flush().await.map(|()| None)
    } else {
        writer.write(pending).await.map(Some)
    }
}

/// A request in flight.
struct Stream {
    job: Job,
    /// Body bytes written so far.
    sent: usize,
    /// What we may still send on it.
    window: i64,
    /// Waiting in `blocked` for window.
    blocked: bool,
    status: Option<u16>,
    retry_after: Option<u64>,
    detail: Vec<u8>,
    started: Instant,
}

/// What the service's SETTINGS allow us.
struct Peer {
    max_streams: usize,
    initial_window: i64,
    max_frame: usize,
}

/// A connection-level error: the connection ends with GOAWAY and this code.
struct Fatal(u32, &'static str);

struct Connection {
    service: Arc<Service>,
    encoder: Encoder,
    decoder: Decoder,
    peer: Peer,
    /// The service's SETTINGS arrived: requests may go.
    ready: bool,
    /// No more requests on this connection (GOAWAY, stream numbers used up, idle).
    draining: bool,
    /// Frames waiting to be written, from `written` on.
    out: Vec<u8>,
    written: usize,
    streams: HashMap<u32, Stream>,
    next_stream: u32,
    send_window: i64,
    /// Data received on the connection and not yet given back by WINDOW_UPDATE.
    unacknowledged: u32,
    /// Streams with body left to send once a window opens.
    blocked: VecDeque<u32>,
    /// A header block still arriving in CONTINUATION frames: its stream, bytes, END_STREAM.
    continuing: Option<(u32, Vec<u8>, bool)>,
    block: Vec<u8>,
    idle_since: Instant,
    opened: Instant,
    /// Requests started on this connection.
    started: usize,
}

impl Connection {
    fn new(service: Arc<Service>) -> Self {
        Self {
            service,
            encoder: Encoder::default(),
            decoder: Decoder::new(4096),
            peer: Peer {
                max_streams: 100,
                initial_window: frame::DEFAULT_WINDOW,
                max_frame: frame::DEFAULT_MAX_FRAME,
            },
            ready: false,
            draining: false,
            out: Vec::with_capacity(64 * 1024),
            written: 0,
            streams: HashMap::new(),
            next_stream: 1,
            send_window: frame::DEFAULT_WINDOW,
            unacknowledged: 0,
            blocked: VecDeque::new(),
            continuing: None,
            block: Vec::with_capacity(512),
            idle_since: Instant::now(),
            opened: Instant::now(),
            started: 0,
        }
    }

    async fn drive<S: AsyncRead + AsyncWrite>(mut self, io: S) {
        let (mut reader, mut writer) = tokio::io::split(io);
        self.out.extend_from_slice(frame::PREFACE);
        frame::settings(
            &mut self.out,
            &[
                (setting::ENABLE_PUSH, 0),
                (setting::MAX_CONCURRENT_STREAMS, 0),
                (setting::HEADER_TABLE_SIZE, 4096),
            ],
        );
        frame::window_update(&mut self.out, 0, RECEIVE_WINDOW - frame::DEFAULT_WINDOW as u32);
        let mut input: Vec<u8> = Vec::with_capacity(64 * 1024);
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        let mut unflushed = false;
        let ending: Result<(), String> = loop {
            let service = self.service.clone();
            let queued = service.wake.notified();
            tokio::pin!(queued);
            queued.as_mut().enable();
            self.take_work();
            let can_take = self.can_take();
            if self.draining && self.streams.is_empty() && self.written == self.out.len() && !unflushed {
                break Ok(());
            }
            tokio::select! {
                read = reader.read_buf(&mut input) => match read {
                    Ok(0) => break Err("the push service closed the connection".into()),
                    Ok(_) => {
                        if let Err(Fatal(error, why)) = self.read_frames(&mut input) {
                            frame::goaway(&mut self.out, 0, error);
                            let _ = writer.write_all(&self.out[self.written..]).await;
                            break Err(format!("HTTP/2 error: {why}"));
                        }
                        if input.capacity() - input.len() < 16 * 1024 {
                            input.reserve(32 * 1024);
                        }
                    }
                    Err(err) => break Err(err.to_string()),
                },
                wrote = write_or_flush(&mut writer, &self.out[self.written..]), if self.written < self.out.len() || unflushed => match wrote {
                    Ok(Some(0)) => break Err("the connection stopped taking data".into()),
                    Ok(Some(n)) => {
                        self.written += n;
                        unflushed = true;
                        if self.written == self.out.len() {
                            self.out.clear();
                            self.written = 0;
                        }
                    }
                    Ok(None) => unflushed = false,
                    Err(err) => break Err(err.to_string()),
                },
                () = &mut queued, if can_take => {}
                _ = tick.tick() => if let Err(why) = self.on_tick() {
                    break Err(why);
                },
            }
        };
        let why = match ending {
            Ok(()) => {
                let _ = writer.shutdown().await;
                "the connection closed".to_owned()
            }
            Err(why) => why,
        };
        // One that never started a request counts as a failed connect.
        self.stop_taking(&why, self.started == 0);
        for (_, stream) in self.streams.drain() {
            self.service.open_requests.fetch_sub(1, Ordering::AcqRel);
            stream.job.finish(Err(Failure::Unanswered(why.clone())));
        }
    }

    fn can_take(&self) -> bool {
        self.ready
            && !self.draining
            && self.streams.len() < self.peer.max_streams
            && self.out.len() - self.written < WRITE_BACKLOG
            && self.service.open_requests.load(Ordering::Acquire) < self.service.limit
    }

    /// Starts queued requests while this connection and its service have room.
    fn take_work(&mut self) {
        while self.can_take() {
            if self.next_stream > LAST_STREAM_ID {
                self.stop_taking("stream numbers used up", false);
                return;
            }
            let Some(job) = self.service.pop() else { return };
            self.start(job);
        }
    }

    /// No more requests on this connection. One that `failed` (sent away or
    /// closed before it started any) counts as a failed connect, so a service
    /// that sends every connection away at once is not reconnected to in a loop.
    fn stop_taking(&mut self, why: &str, failed: bool) {
        if !self.draining {
            self.draining = true;
            if failed {
                self.service.connect_failed(why);
            } else {
                self.service.connection_gone();
            }
        }
    }

    /// Writes a request's HEADERS and as much of its body as the windows allow.
    fn start(&mut self, job: Job) {
        let id = self.next_stream;
        self.next_stream += 2;
        self.started += 1;
        let post = &job.post;
        let block = &mut self.block;
        block.clear();
        let encoder = &mut self.encoder;
        encoder.begin(block);
        encoder.indexed(block, index::METHOD_POST);
        encoder.indexed(
            block,
            if post.origin.tls {
                index::SCHEME_HTTPS
            } else {
                index::SCHEME_HTTP
            },
        );
        encoder.repeated(block, Name::Static(index::AUTHORITY), self.service.authority.as_bytes());
        encoder.once(block, Name::Static(index::PATH), post.path.as_bytes());
        for (name, value) in post.headers.iter() {
            encoder.repeated(block, Name::Text(name), value.as_bytes());
        }
        encoder.repeated(block, Name::Static(index::AUTHORIZATION), post.authorization.as_bytes());
        let length = post.body.len().to_string();
        encoder.repeated(block, Name::Static(index::CONTENT_LENGTH), length.as_bytes());
        encoder.repeated(block, Name::Static(index::USER_AGENT), b"Broadsheet");
        frame::header_block(&mut self.out, id, block, post.body.is_empty(), self.peer.max_frame);
        self.service.open_requests.fetch_add(1, Ordering::AcqRel);
        self.streams.insert(
            id,
            Stream {
                job,
                sent: 0,
                window: self.peer.initial_window,
                blocked: false,
                status: None,
                retry_after: None,
                detail: Vec::new(),
                started: Instant::now(),
            },
        );
        self.send_body(id);
    }

    /// Writes DATA for a stream while its window and the connection's allow.
    fn send_body(&mut self, id: u32) {
        let Some(stream) = self.streams.get_mut(&id) else {
            return;
        };
        let body = &stream.job.post.body;
        while stream.sent < body.len() {
            let room = stream.window.min(self.send_window).min(self.peer.max_frame as i64);
            if room <= 0 {
                if !stream.blocked {
                    stream.blocked = true;
                    self.blocked.push_back(id);
                }
                return;
            }
            let n = (body.len() - stream.sent).min(room as usize);
            let end = stream.sent + n == body.len();
            frame::head(&mut self.out, n, kind::DATA, if end { flag::END_STREAM } else { 0 }, id);
            self.out.extend_from_slice(&body[stream.sent..stream.sent + n]);
            stream.sent += n;
            stream.window -= n as i64;
            self.send_window -= n as i64;
        }
    }

    /// Sends what waited for window, oldest first, until the window closes again.
    fn unblock(&mut self) {
        for _ in 0..self.blocked.len() {
            if self.send_window <= 0 {
                return;
            }
            let Some(id) = self.blocked.pop_front() else { return };
            if let Some(stream) = self.streams.get_mut(&id) {
                stream.blocked = false;
                self.send_body(id);
            }
        }
    }

    fn read_frames(&mut self, input: &mut Vec<u8>) -> Result<(), Fatal> {
        let mut at = 0;
        while let Some(head) = Head::parse(&input[at..]) {
            if head.len > frame::DEFAULT_MAX_FRAME {
                return Err(Fatal(code::FRAME_SIZE_ERROR, "a frame larger than we allow"));
            }
            let end = at + 9 + head.len;
            if input.len() < end {
                break;
            }
            self.on_frame(head, &input[at + 9..end])?;
            at = end;
        }
        input.drain(..at);
        Ok(())
    }

    fn on_frame(&mut self, head: Head, payload: &[u8]) -> Result<(), Fatal> {
        if let Some((stream, _, _)) = &self.continuing
            && (head.kind != kind::CONTINUATION || head.stream != *stream)
        {
            return Err(Fatal(code::PROTOCOL_ERROR, "a header block was interrupted"));
        }
        match head.kind {
            kind::DATA => self.on_data(head, payload),
            kind::HEADERS => {
                let range =
                    frame::unpad(&head, payload).ok_or(Fatal(code::PROTOCOL_ERROR, "padding longer than the frame"))?;
                let mut fragment = &payload[range];
                if head.has(flag::PRIORITY) {
                    fragment = fragment.get(5..).ok_or(Fatal(
                        code::FRAME_SIZE_ERROR,
                        "a HEADERS frame too short for its priority",
                    ))?;
                }
                let end_stream = head.has(flag::END_STREAM);
                if head.has(flag::END_HEADERS) {
                    self.on_header_block(head.stream, fragment, end_stream)
                } else {
                    self.continuing = Some((head.stream, fragment.to_vec(), end_stream));
                    Ok(())
                }
            }
            kind::CONTINUATION => {
                let Some((stream, mut block, end_stream)) = self.continuing.take() else {
                    return Err(Fatal(code::PROTOCOL_ERROR, "CONTINUATION without HEADERS"));
                };
                block.extend_from_slice(payload);
                if block.len() > MAX_HEADER_BLOCK {
                    return Err(Fatal(code::PROTOCOL_ERROR, "a header block larger than we take"));
                }
                if head.has(flag::END_HEADERS) {
                    self.on_header_block(stream, &block, end_stream)
                } else {
                    self.continuing = Some((stream, block, end_stream));
                    Ok(())
                }
            }
            kind::RST_STREAM => {
                let error = frame::read_u32(payload).ok_or(Fatal(code::FRAME_SIZE_ERROR, "a short RST_STREAM"))?;
                self.on_reset(head.stream, error);
                Ok(())
            }
            kind::SETTINGS => self.on_settings(head, payload),
            kind::PING => {
                if payload.len() != 8 {
                    return Err(Fatal(code::FRAME_SIZE_ERROR, "a PING not eight bytes long"));
                }
                if !head.has(flag::ACK) {
                    frame::ping_ack(&mut self.out, payload);
                }
                Ok(())
            }
            kind::GOAWAY => {
                if payload.len() < 8 {
                    return Err(Fatal(code::FRAME_SIZE_ERROR, "a short GOAWAY"));
                }
                let last =
                    frame::read_u32(payload).ok_or(Fatal(code::FRAME_SIZE_ERROR, "a short GOAWAY"))? & LAST_STREAM_ID;
                let error = frame::read_u32(&payload[4..]).unwrap_or(code::NO_ERROR);
                self.on_goaway(last, error);
                Ok(())
            }
            kind::WINDOW_UPDATE => {
                let increment = frame::read_u32(payload)
                    .ok_or(Fatal(code::FRAME_SIZE_ERROR, "a short WINDOW_UPDATE"))?
                    & LAST_STREAM_ID;
                self.on_window_update(head.stream, i64::from(increment))
            }
            kind::PUSH_PROMISE => Err(Fatal(code::PROTOCOL_ERROR, "a server push, which we turned off")),
            // PRIORITY, and frame types we do not know, are ignored (§4.1, §5.5).
            _ => Ok(()),
        }
    }

    fn on_data(&mut self, head: Head, payload: &[u8]) -> Result<(), Fatal> {
        self.unacknowledged += head.len as u32;
        if self.unacknowledged >= RECEIVE_WINDOW / 4 {
            frame::window_update(&mut self.out, 0, self.unacknowledged);
            self.unacknowledged = 0;
        }
        let range = frame::unpad(&head, payload).ok_or(Fatal(code::PROTOCOL_ERROR, "padding longer than the frame"))?;
        let Some(stream) = self.streams.get_mut(&head.stream) else {
            return Ok(());
        };
        let room = DETAIL_LIMIT.saturating_sub(stream.detail.len());
        let data = &payload[range];
        stream.detail.extend_from_slice(&data[..data.len().min(room)]);
        if head.has(flag::END_STREAM) {
            self.close(head.stream, None);
        } else if stream.detail.len() >= DETAIL_LIMIT && stream.status.is_some() {
            // Enough of it for the log: the rest is not read.
            frame::rst_stream(&mut self.out, head.stream, code::CANCEL);
            self.close(head.stream, None);
        }
        Ok(())
    }

    fn on_header_block(&mut self, id: u32, block: &[u8], end_stream: bool) -> Result<(), Fatal> {
        let (mut status, mut retry_after) = (None, None);
        self.decoder
            .decode(block, |name, value| match name {
                b":status" => status = std::str::from_utf8(value).ok().and_then(|v| v.parse::<u16>().ok()),
                b"retry-after" => {
                    retry_after = std::str::from_utf8(value)
                        .ok()
                        .and_then(crate::alerts::send::retry_after_secs)
                }
                _ => {}
            })
            .map_err(|_: hpack::HpackError| Fatal(code::COMPRESSION_ERROR, "a header block we cannot decode"))?;
        let Some(stream) = self.streams.get_mut(&id) else {
            return Ok(());
        };
        match status {
            // Trailers, after the answer: they end the stream and carry no status.
            None if stream.status.is_some() && end_stream => {}
            _ if stream.status.is_some() => {
                // Malformed, but the answer already came: it stands.
                frame::rst_stream(&mut self.out, id, code::PROTOCOL_ERROR);
                self.close(id, None);
                return Ok(());
            }
            // An interim answer (100 Continue …): the real one follows.
            Some(100..=199) if !end_stream => return Ok(()),
            Some(status @ 200..) => {
                stream.status = Some(status);
                stream.retry_after = retry_after;
            }
            _ => {
                frame::rst_stream(&mut self.out, id, code::PROTOCOL_ERROR);
                self.close(id, Some(Failure::Unanswered("an answer without a final status".into())));
                return Ok(());
            }
        }
        if end_stream {
            if stream.sent < stream.job.post.body.len() {
                // Answered before it had all of the body: the rest is not wanted.
                frame::rst_stream(&mut self.out, id, code::NO_ERROR);
            }
            self.close(id, None);
        }
        Ok(())
    }

    fn on_reset(&mut self, id: u32, error: u32) {
        let Some(stream) = self.streams.get(&id) else { return };
        match error {
            code::REFUSED_STREAM => self.requeue(id),
            code::HTTP_1_1_REQUIRED => {
                self.service.http1.store(true, Ordering::Release);
                self.requeue(id);
            }
            code::NO_ERROR if stream.status.is_some() => self.close(id, None),
            _ => self.close(
                id,
                Some(Failure::Unanswered(format!(
                    "the push service reset the request ({error:#x})"
                ))),
            ),
        }
    }

    fn on_settings(&mut self, head: Head, payload: &[u8]) -> Result<(), Fatal> {
        if head.stream != 0 {
            return Err(Fatal(code::PROTOCOL_ERROR, "SETTINGS on a stream"));
        }
        if !payload.len().is_multiple_of(6) {
            return Err(Fatal(code::FRAME_SIZE_ERROR, "a malformed SETTINGS frame"));
        }
        if head.has(flag::ACK) {
            return Ok(());
        }
        for pair in payload.chunks_exact(6) {
            let id = u16::from_be_bytes([pair[0], pair[1]]);
            let value = u32::from_be_bytes([pair[2], pair[3], pair[4], pair[5]]);
            match id {
                setting::HEADER_TABLE_SIZE => self.encoder.set_limit(value as usize),
                setting::MAX_CONCURRENT_STREAMS => self.peer.max_streams = value as usize,
                setting::INITIAL_WINDOW_SIZE => {
                    let value = i64::from(value);
                    if value > frame::MAX_WINDOW {
                        return Err(Fatal(code::FLOW_CONTROL_ERROR, "an initial window beyond the limit"));
                    }
                    let delta = value - self.peer.initial_window;
                    self.peer.initial_window = value;
                    for stream in self.streams.values_mut() {
                        stream.window += delta;
                        if stream.window > frame::MAX_WINDOW {
                            return Err(Fatal(code::FLOW_CONTROL_ERROR, "a stream window beyond the limit"));
                        }
                    }
                }
                setting::MAX_FRAME_SIZE => {
                    if !(16_384..=16_777_215).contains(&value) {
                        return Err(Fatal(code::PROTOCOL_ERROR, "a frame size outside the allowed range"));
                    }
                    self.peer.max_frame = value as usize;
                }
                _ => {}
            }
        }
        frame::settings_ack(&mut self.out);
        if self.peer.max_streams > 0 {
            self.service
                .per_connection
                .store(self.peer.max_streams.min(1000), Ordering::Release);
        }
        if !self.ready {
            self.ready = true;
            // The service may allow fewer streams per connection than guessed.
            self.service.ensure_connections();
        }
        self.unblock();
        Ok(())
    }

    fn on_goaway(&mut self, last: u32, error: u32) {
        if error != code::NO_ERROR {
            tracing::warn!(
                origin = self.service.authority,
                error,
                "a push service closed its connection with an error"
            );
        }
        if error == code::HTTP_1_1_REQUIRED {
            self.service.http1.store(true, Ordering::Release);
        }
        let unprocessed: Vec<u32> = self.streams.keys().copied().filter(|id| *id > last).collect();
        self.stop_taking("the push service sent the connection away", self.started == 0);
        for id in unprocessed {
            self.requeue(id);
        }
    }

    fn on_window_update(&mut self, id: u32, increment: i64) -> Result<(), Fatal> {
        if id == 0 {
            if increment == 0 {
                return Err(Fatal(code::PROTOCOL_ERROR, "a window update of nothing"));
            }
            self.send_window += increment;
            if self.send_window > frame::MAX_WINDOW {
                return Err(Fatal(
                    code::FLOW_CONTROL_ERROR,
                    "the connection window beyond the limit",
                ));
            }
            self.unblock();
            return Ok(());
        }
        let Some(stream) = self.streams.get_mut(&id) else {
            return Ok(());
        };
        stream.window += increment;
        if increment == 0 || stream.window > frame::MAX_WINDOW {
            frame::rst_stream(&mut self.out, id, code::FLOW_CONTROL_ERROR);
            self.close(id, Some(Failure::Unanswered("a bad window update".into())));
        } else if stream.blocked && self.send_window > 0 {
            stream.blocked = false;
            self.blocked.retain(|b| *b != id);
            self.send_body(id);
        }
        Ok(())
    }

    /// A request the service did not process goes back to the queue for another try.
    fn requeue(&mut self, id: u32) {
        let Some(stream) = self.streams.remove(&id) else { return };
        self.service.open_requests.fetch_sub(1, Ordering::AcqRel);
        let mut job = stream.job;
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

    /// Ends a stream with its answer, or with `failure`.
    fn close(&mut self, id: u32, failure: Option<Failure>) {
        let Some(stream) = self.streams.remove(&id) else { return };
        self.service.open_requests.fetch_sub(1, Ordering::AcqRel);
        if self.streams.is_empty() {
            self.idle_since = Instant::now();
        }
        if self.draining && self.service.queued() > 0 {
            // Room under the service's limit that this connection will not use.
            self.service.wake.notify_waiters();
        }
        let reply: Reply = match (failure, stream.status) {
            (Some(failure), _) => Err(failure),
            (None, Some(status)) => Ok(Response {
                status,
                retry_after: stream.retry_after,
                detail: String::from_utf8_lossy(&stream.detail).into_owned(),
            }),
            (None, None) => Err(Failure::Unanswered("the request ended without an answer".into())),
        };
        if reply.is_ok() {
            self.service.answered();
        }
        stream.job.finish(reply);
    }

    /// Once a second: requests that waited too long end, an idle connection
    /// closes, and one whose service never sent its SETTINGS is given up.
    fn on_tick(&mut self) -> Result<(), String> {
        let now = Instant::now();
        if now - self.opened > CONNECT_TIMEOUT && self.started == 0 {
            if !self.ready {
                return Err("the push service never sent its HTTP/2 settings".into());
            }
            if self.peer.max_streams == 0 {
                return Err("the push service allows no requests on its connection".into());
            }
        }
        let late: Vec<u32> = self
            .streams
            .iter()
            .filter(|(_, s)| now - s.started > REQUEST_TIMEOUT)
            .map(|(id, _)| *id)
            .collect();
        for id in late {
            frame::rst_stream(&mut self.out, id, code::CANCEL);
            self.close(
                id,
                Some(Failure::Unanswered("the push service did not answer in time".into())),
            );
        }
        if self.streams.is_empty() && now - self.idle_since > IDLE_TIMEOUT && self.service.queued() == 0 {
            frame::goaway(&mut self.out, 0, code::NO_ERROR);
            self.stop_taking("idle", false);
        }
        Ok(())
    }
}
