//! The push client's HTTP/2 side (RFC 9113, spoken by the `h2` crate): POST
//! requests with small bodies, many thousands of them on a few long-lived
//! connections per push service, every connection on the push client's one
//! thread.
//!
//! `Client::send_all` hands requests to their service's queue (`pool`);
//! each connection (`connection`) takes from it as many as the service lets
//! it have open, so a refused or unsent request moves to another connection,
//! and one that may have arrived is never sent twice. An origin that turns
//! out to speak only HTTP/1.1 answers `Failure::Http1`, and the caller sends
//! those requests another way.

mod connection;
mod pool;

pub use pool::{Client, Origin};

use std::sync::Arc;
use std::sync::Mutex;

/// One POST to a push service.
pub struct Post {
    pub origin: Origin,
    /// Path and query.
    pub path: String,
    /// Fields every request of one alert carries (lower-case names).
    pub headers: Arc<[(String, String)]>,
    pub authorization: Arc<str>,
    pub body: bytes::Bytes,
}

/// What a push service answered.
#[derive(Debug, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub retry_after: Option<u64>,
    /// The start of the body, for the log.
    pub detail: String,
}

pub enum Failure {
    /// The request never reached the service (no connection, or the service
    /// said it did not process it): it may be tried again.
    Network(String),
    /// The request went out and no answer came (the connection broke, the
    /// service sent the connection away with this stream at or below its
    /// last-stream-id, a timeout, a reset): it may have been delivered, so
    /// it is not sent again (RFC 9113 §8.7, RFC 9110 §9.2.2).
    Unanswered(String),
    /// The service's name led only to addresses we refuse to reach: not sent.
    Misdirected(String),
    /// The service speaks only HTTP/1.1: here is the request back, unsent.
    Http1(Box<Post>),
}

pub type Reply = Result<Response, Failure>;

/// The replies of one `send_all`, filled in by whichever connection finishes
/// each request. When the last request lets go of it (answered, or dropped
/// with the push client), the replies go back to the caller.
struct Batch {
    replies: Mutex<Vec<Option<Reply>>>,
    done: Option<tokio::sync::oneshot::Sender<Vec<Option<Reply>>>>,
}

impl Batch {
    fn finish(&self, slot: usize, reply: Reply) {
        self.replies.lock().unwrap_or_else(|e| e.into_inner())[slot] = Some(reply);
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        if let Some(done) = self.done.take() {
            let replies = std::mem::take(&mut *self.replies.lock().unwrap_or_else(|e| e.into_inner()));
            let _ = done.send(replies);
        }
    }
}

/// A request on its way: where its reply goes, and how often it was handed back unsent.
struct Job {
    post: Post,
    batch: Arc<Batch>,
    slot: usize,
    requeued: u8,
}

impl Job {
    fn finish(self, reply: Reply) {
        self.batch.finish(self.slot, reply);
    }

    /// Hands the request back to be sent over HTTP/1.1.
    fn hand_to_http1(self) {
        let Job { post, batch, slot, .. } = self;
        batch.finish(slot, Err(Failure::Http1(Box::new(post))));
    }
}

#[cfg(test)]
mod tests;
