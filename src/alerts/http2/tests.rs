//! The push client against a server that makes it work for every request:
//! two streams per connection, windows smaller than a body, the first
//! request refused, and each connection sent away (GOAWAY) after a few
//! answers. Every request must be answered, and reach the server once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::{Client, Origin, Post};

const BODY: usize = 150;
const STREAM_WINDOW: u32 = 100;

/// Just enough HTTP/2 framing (RFC 9113 §4, §6) for a server that misbehaves on purpose.
mod wire {
    pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    pub const DATA: u8 = 0x0;
    pub const HEADERS: u8 = 0x1;
    pub const SETTINGS: u8 = 0x4;
    pub const END_STREAM: u8 = 0x1;
    pub const ACK: u8 = 0x1;
    pub const END_HEADERS: u8 = 0x4;
    pub const MAX_CONCURRENT_STREAMS: u16 = 0x3;
    pub const INITIAL_WINDOW_SIZE: u16 = 0x4;
    pub const REFUSED_STREAM: u32 = 0x7;

    /// A frame's length, type, flags and stream, when its nine bytes are there.
    pub fn head(input: &[u8]) -> Option<(usize, u8, u8, u32)> {
        let h = input.get(..9)?;
        let len = (usize::from(h[0]) << 16) | (usize::from(h[1]) << 8) | usize::from(h[2]);
        let stream = u32::from_be_bytes([h[5], h[6], h[7], h[8]]) & 0x7fff_ffff;
        Some((len, h[3], h[4], stream))
    }

    pub fn frame(out: &mut Vec<u8>, kind: u8, flags: u8, stream: u32, payload: &[u8]) {
        out.extend_from_slice(&(payload.len() as u32).to_be_bytes()[1..]);
        out.extend_from_slice(&[kind, flags]);
        out.extend_from_slice(&stream.to_be_bytes());
        out.extend_from_slice(payload);
    }

    pub fn settings(out: &mut Vec<u8>, pairs: &[(u16, u32)]) {
        let payload: Vec<u8> = pairs
            .iter()
            .flat_map(|(id, value)| id.to_be_bytes().into_iter().chain(value.to_be_bytes()))
            .collect();
        frame(out, SETTINGS, 0, 0, &payload);
    }

    pub fn rst_stream(out: &mut Vec<u8>, stream: u32, code: u32) {
        frame(out, 0x3, 0, stream, &code.to_be_bytes());
    }

    pub fn goaway(out: &mut Vec<u8>, last: u32) {
        let payload: Vec<u8> = last.to_be_bytes().into_iter().chain(0u32.to_be_bytes()).collect();
        frame(out, 0x7, 0, 0, &payload);
    }

    pub fn window_update(out: &mut Vec<u8>, stream: u32, increment: u32) {
        frame(out, 0x8, 0, stream, &increment.to_be_bytes());
    }

    /// HEADERS with `:status: 201` (a literal with the static table's `:status` name), ending the stream.
    pub fn created(out: &mut Vec<u8>, stream: u32) {
        frame(
            out,
            HEADERS,
            END_HEADERS | END_STREAM,
            stream,
            &[0x08, 3, b'2', b'0', b'1'],
        );
    }
}

#[derive(Default)]
struct Seen {
    /// Request number and body length of every request answered 201.
    answered: Vec<(u8, usize)>,
    /// How often each request arrived at all.
    received: HashMap<u8, usize>,
    connections: usize,
    refused_one: bool,
    /// The request refused with REFUSED_STREAM (and so rightly sent again).
    refused: Option<u8>,
}

/// One connection of the awkward server; it answers `per_connection` requests, and when the next
/// one has come in, sends GOAWAY: naming the open streams as unprocessed, or (`abrupt`) as possibly
/// processed, then closes without answering them. Requests are told apart by their bodies (request i is BODY bytes of i).
async fn awkward(mut socket: TcpStream, seen: Arc<Mutex<Seen>>, per_connection: usize, abrupt: bool) {
    let mut input = Vec::new();
    let mut out = Vec::new();
    wire::settings(
        &mut out,
        &[
            (wire::MAX_CONCURRENT_STREAMS, 2),
            (wire::INITIAL_WINDOW_SIZE, STREAM_WINDOW),
        ],
    );
    // Stream → (request number once its first byte came, body bytes so far).
    let mut open: HashMap<u32, (Option<u8>, usize)> = HashMap::new();
    let mut preface = false;
    let mut answered_here = 0;
    loop {
        socket.write_all(&out).await.unwrap();
        out.clear();
        let mut buf = [0u8; 4096];
        let n = socket.read(&mut buf).await.unwrap_or(0);
        if n == 0 {
            return;
        }
        input.extend_from_slice(&buf[..n]);
        if !preface {
            if input.len() < wire::PREFACE.len() {
                continue;
            }
            assert!(input.starts_with(wire::PREFACE));
            input.drain(..wire::PREFACE.len());
            preface = true;
        }
        let mut at = 0;
        while let Some((len, kind, flags, stream)) = wire::head(&input[at..]) {
            if input.len() < at + 9 + len {
                break;
            }
            let payload = input[at + 9..at + 9 + len].to_vec();
            at += 9 + len;
            let mut ended = false;
            match kind {
                wire::SETTINGS if flags & wire::ACK == 0 => wire::frame(&mut out, wire::SETTINGS, wire::ACK, 0, &[]),
                wire::HEADERS => {
                    assert!(flags & wire::END_HEADERS != 0);
                    open.insert(stream, (None, 0));
                    assert!(open.len() <= 2, "more streams open than SETTINGS allow");
                    ended = flags & wire::END_STREAM != 0;
                }
                wire::DATA => {
                    let entry = open.get_mut(&stream).expect("DATA on an open stream");
                    if entry.0.is_none() && !payload.is_empty() {
                        entry.0 = Some(payload[0]);
                        *seen.lock().unwrap().received.entry(payload[0]).or_default() += 1;
                    }
                    entry.1 += payload.len();
                    assert!(entry.1 <= BODY, "a stream's data beyond its body");
                    // Give the window back, so the rest of the body can come.
                    if !payload.is_empty() {
                        wire::window_update(&mut out, 0, payload.len() as u32);
                        if flags & wire::END_STREAM == 0 {
                            wire::window_update(&mut out, stream, payload.len() as u32);
                        }
                    }
                    ended = flags & wire::END_STREAM != 0;
                }
                _ => {}
            }
            if !ended {
                continue;
            }
            if answered_here == per_connection {
                // Enough on this connection: the request that just came in, and any still open, are
                // named unprocessed (gently: the client must send them again) or possibly processed
                // (abruptly: never answered, and never to be sent again).
                let last = if abrupt {
                    open.keys().copied().max().unwrap_or(stream)
                } else {
                    open.keys().copied().min().unwrap_or(stream) - 2
                };
                wire::goaway(&mut out, last);
                socket.write_all(&out).await.unwrap();
                // Closed: what the client still sends is read and dropped.
                let _ = socket.shutdown().await;
                while socket.read(&mut buf).await.is_ok_and(|n| n > 0) {}
                return;
            }
            let (request, length) = open.remove(&stream).unwrap();
            let request = request.expect("a request with a body");
            let refuse = {
                let mut seen = seen.lock().unwrap();
                let refuse = !seen.refused_one;
                seen.refused_one = true;
                if refuse {
                    seen.refused = Some(request);
                } else {
                    seen.answered.push((request, length));
                }
                refuse
            };
            if refuse {
                wire::rst_stream(&mut out, stream, wire::REFUSED_STREAM);
                continue;
            }
            wire::created(&mut out, stream);
            answered_here += 1;
        }
        input.drain(..at);
    }
}

fn client_for(port: u16, limit: usize) -> (Client, Origin) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let tls = rustls::ClientConfig::builder()
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    let client = Client::new(Arc::new(tls), true, limit, tokio::runtime::Handle::current());
    let origin = Origin {
        tls: false,
        host: "127.0.0.1".into(),
        port,
    };
    (client, origin)
}

fn posts(origin: &Origin, count: usize) -> Vec<Post> {
    let headers: Arc<[(String, String)]> = vec![("ttl".to_owned(), "60".to_owned())].into();
    (0..count)
        .map(|i| Post {
            origin: origin.clone(),
            path: format!("/push/{i}"),
            headers: headers.clone(),
            authorization: Arc::from("vapid t=x, k=y"),
            body: vec![i as u8; BODY].into(),
        })
        .collect()
}

#[tokio::test]
async fn a_service_that_sends_every_connection_away_fails_the_requests_instead_of_looping() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = Arc::new(Mutex::new(0usize));
    let counted = connections.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            *counted.lock().unwrap() += 1;
            tokio::spawn(async move {
                let mut out = Vec::new();
                // One stream per connection: the client wants several connections at once.
                wire::settings(&mut out, &[(wire::MAX_CONCURRENT_STREAMS, 1)]);
                wire::goaway(&mut out, 0);
                let _ = socket.write_all(&out).await;
                let _ = socket.shutdown().await;
                let mut buf = [0u8; 1024];
                while socket.read(&mut buf).await.is_ok_and(|n| n > 0) {}
            });
        }
    });
    let (client, origin) = client_for(port, 10);
    let replies = tokio::time::timeout(std::time::Duration::from_secs(10), client.send_all(posts(&origin, 5)))
        .await
        .expect("answered, not reconnecting for ever");
    assert!(replies.iter().all(|r| matches!(r, Err(super::Failure::Network(_)))));
    // One, then four more once it says one stream each; none after the first is sent away.
    assert!(
        *connections.lock().unwrap() <= 5,
        "{} connections",
        connections.lock().unwrap()
    );
}

#[tokio::test]
async fn every_request_is_answered_once_through_refusals_small_windows_and_goaways() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let accepted = seen.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            accepted.lock().unwrap().connections += 1;
            tokio::spawn(awkward(socket, accepted.clone(), 4, false));
        }
    });
    let (client, origin) = client_for(port, 3);
    let replies = client.send_all(posts(&origin, 25)).await;
    for (i, reply) in replies.iter().enumerate() {
        match reply {
            Ok(response) => assert_eq!(response.status, 201, "request {i}"),
            Err(super::Failure::Network(why) | super::Failure::Unanswered(why) | super::Failure::Misdirected(why)) => {
                panic!("request {i} failed: {why}")
            }
            Err(super::Failure::Http1(_)) => panic!("request {i} was handed to HTTP/1.1"),
        }
    }
    let seen = seen.lock().unwrap();
    let mut requests: Vec<u8> = seen.answered.iter().map(|(request, _)| *request).collect();
    requests.sort();
    assert_eq!(
        requests,
        (0..25).collect::<Vec<u8>>(),
        "each request reached the server exactly once"
    );
    assert!(seen.answered.iter().all(|(_, length)| *length == BODY), "whole bodies");
    assert!(
        seen.connections >= 7,
        "sent away every 4 answers: {} connections",
        seen.connections
    );
}

#[tokio::test]
async fn a_request_the_service_may_have_processed_is_never_sent_twice() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let accepted = seen.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            accepted.lock().unwrap().connections += 1;
            tokio::spawn(awkward(socket, accepted.clone(), 3, true));
        }
    });
    let (client, origin) = client_for(port, 2);
    let replies = client.send_all(posts(&origin, 30)).await;
    let mut unanswered = 0;
    for (i, reply) in replies.iter().enumerate() {
        match reply {
            Ok(response) => assert_eq!(response.status, 201, "request {i}"),
            Err(super::Failure::Unanswered(_)) => unanswered += 1,
            Err(super::Failure::Network(why) | super::Failure::Misdirected(why)) => {
                panic!("request {i} was never sent: {why}")
            }
            Err(super::Failure::Http1(_)) => panic!("request {i} was handed to HTTP/1.1"),
        }
    }
    let seen = seen.lock().unwrap();
    assert!(unanswered > 0, "some requests were cut off after they were sent");
    for (request, times) in &seen.received {
        let refused = seen.refused == Some(*request);
        assert_eq!(
            *times,
            if refused { 2 } else { 1 },
            "request {request} reached the service {times} times"
        );
    }
    assert_eq!(
        seen.answered.len() + unanswered,
        30,
        "every request is answered or counted once"
    );
}
