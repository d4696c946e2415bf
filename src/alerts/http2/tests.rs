//! The push client against a server that makes it work for every request:
//! two streams per connection, windows smaller than a body, the first
//! request refused, and each connection sent away (GOAWAY) after a few
//! answers. Every request must be answered, and reach the server once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::frame::{self, Head, code, flag, kind, setting};
use super::hpack::{Decoder, Encoder, Name, index};
use super::{Client, Origin, Post};

const BODY: usize = 150;
const STREAM_WINDOW: u32 = 100;

#[derive(Default)]
struct Seen {
    /// Path and body length of every request answered 201.
    answered: Vec<(String, usize)>,
    /// How often each path arrived at all.
    received: HashMap<String, usize>,
    connections: usize,
    refused_one: bool,
    /// The request refused with REFUSED_STREAM (and so rightly sent again).
    refused: Option<String>,
}

/// One connection of the awkward server; it answers `per_connection` requests, then sends GOAWAY:
/// naming the open streams as unprocessed, or (`abrupt`) as possibly processed, then closing
/// without answering them.
async fn awkward(mut socket: TcpStream, seen: Arc<Mutex<Seen>>, per_connection: usize, abrupt: bool) {
    let mut input = Vec::new();
    let mut out = Vec::new();
    frame::settings(
        &mut out,
        &[
            (setting::MAX_CONCURRENT_STREAMS, 2),
            (setting::INITIAL_WINDOW_SIZE, STREAM_WINDOW),
        ],
    );
    let (mut decoder, mut encoder) = (Decoder::new(4096), Encoder::default());
    // Stream → (path, body bytes so far).
    let mut open: HashMap<u32, (String, usize)> = HashMap::new();
    let mut preface = false;
    let mut answered_here = 0;
    let mut highest_answered = 0;
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
            if input.len() < frame::PREFACE.len() {
                continue;
            }
            assert!(input.starts_with(frame::PREFACE));
            input.drain(..frame::PREFACE.len());
            preface = true;
        }
        let mut at = 0;
        while let Some(head) = Head::parse(&input[at..]) {
            if input.len() < at + 9 + head.len {
                break;
            }
            let payload = input[at + 9..at + 9 + head.len].to_vec();
            at += 9 + head.len;
            let mut ended = false;
            match head.kind {
                kind::SETTINGS if !head.has(flag::ACK) => frame::settings_ack(&mut out),
                kind::HEADERS => {
                    assert!(head.has(flag::END_HEADERS));
                    let mut path = String::new();
                    decoder
                        .decode(&payload, |name, value| {
                            if name == b":path" {
                                path = String::from_utf8_lossy(value).into_owned();
                            }
                        })
                        .unwrap();
                    *seen.lock().unwrap().received.entry(path.clone()).or_default() += 1;
                    open.insert(head.stream, (path, 0));
                    assert!(open.len() <= 2, "more streams open than SETTINGS allow");
                    ended = head.has(flag::END_STREAM);
                }
                kind::DATA => {
                    let entry = open.get_mut(&head.stream).expect("DATA on an open stream");
                    entry.1 += payload.len();
                    assert!(entry.1 <= BODY, "a stream's data beyond its body");
                    // Give the window back, so the rest of the body can come.
                    if !payload.is_empty() {
                        frame::window_update(&mut out, 0, payload.len() as u32);
                        if !head.has(flag::END_STREAM) {
                            frame::window_update(&mut out, head.stream, payload.len() as u32);
                        }
                    }
                    ended = head.has(flag::END_STREAM);
                }
                _ => {}
            }
            if !ended {
                continue;
            }
            let (path, length) = open.remove(&head.stream).unwrap();
            let refuse = {
                let mut seen = seen.lock().unwrap();
                let refuse = !seen.refused_one;
                seen.refused_one = true;
                if refuse {
                    seen.refused = Some(path);
                } else {
                    seen.answered.push((path, length));
                }
                refuse
            };
            if refuse {
                frame::rst_stream(&mut out, head.stream, code::REFUSED_STREAM);
                continue;
            }
            let mut block = Vec::new();
            encoder.begin(&mut block);
            encoder.repeated(&mut block, Name::Static(index::STATUS), b"201");
            frame::header_block(&mut out, head.stream, &block, true, frame::DEFAULT_MAX_FRAME);
            answered_here += 1;
            highest_answered = highest_answered.max(head.stream);
            if answered_here == per_connection {
                // Everything still open is below nothing processed: the client must send it again.
                let last = match open.keys().min() {
                    Some(_) if abrupt => *open.keys().max().unwrap_or(&highest_answered),
                    Some(lowest) => lowest - 2,
                    None => highest_answered,
                };
                frame::goaway(&mut out, last, code::NO_ERROR);
                socket.write_all(&out).await.unwrap();
                // Closed gently: what the client still sends is read and dropped.
                let _ = socket.shutdown().await;
                while socket.read(&mut buf).await.is_ok_and(|n| n > 0) {}
                return;
            }
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
            body: vec![i as u8; BODY],
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
                frame::settings(&mut out, &[(setting::MAX_CONCURRENT_STREAMS, 1)]);
                frame::goaway(&mut out, 0, code::NO_ERROR);
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
            Err(super::Failure::Network(why) | super::Failure::Unanswered(why)) => panic!("request {i} failed: {why}"),
            Err(super::Failure::Http1(_)) => panic!("request {i} was handed to HTTP/1.1"),
        }
    }
    let seen = seen.lock().unwrap();
    let mut paths: Vec<&str> = seen.answered.iter().map(|(p, _)| p.as_str()).collect();
    paths.sort();
    let mut expected: Vec<String> = (0..25).map(|i| format!("/push/{i}")).collect();
    expected.sort();
    assert_eq!(paths, expected, "each request reached the server exactly once");
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
            Err(super::Failure::Network(why)) => panic!("request {i} was never sent: {why}"),
            Err(super::Failure::Http1(_)) => panic!("request {i} was handed to HTTP/1.1"),
        }
    }
    let seen = seen.lock().unwrap();
    assert!(unanswered > 0, "some requests were cut off after they were sent");
    for (path, times) in &seen.received {
        let refused = seen.refused.as_deref() == Some(path.as_str());
        assert_eq!(
            *times,
            if refused { 2 } else { 1 },
            "{path} reached the service {times} times"
        );
    }
    assert_eq!(
        seen.answered.len() + unanswered,
        30,
        "every request is answered or counted once"
    );
}
