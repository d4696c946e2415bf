//! Connections per push service: a queue of requests each service's
//! connections take from, as many connections as its open requests need
//! (at most `limit` requests open at once across them), and the TLS set-up
//! they share.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use super::{Batch, Failure, Job, Post, Reply};

/// Where requests go: scheme, host and port.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    pub tls: bool,
    pub host: String,
    pub port: u16,
}

impl Origin {
    /// The `:authority` of its requests: the host, and the port unless it is the scheme's.
    pub fn authority(&self) -> String {
        let default = if self.tls { 443 } else { 80 };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == default {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

/// How connections are made.
pub(super) struct Connector {
    pub tls: Arc<rustls::ClientConfig>,
    pub allow_private: bool,
    pub net: tokio::runtime::Handle,
}

/// One push service: its queue and its connections' shared counts.
pub(super) struct Service {
    pub origin: Origin,
    pub authority: String,
    pub queue: Mutex<VecDeque<Job>>,
    /// Rung when requests are queued.
    pub wake: Notify,
    /// Requests open on all its connections.
    pub open_requests: AtomicUsize,
    /// Connections taking work (or being made).
    pub connections: AtomicUsize,
    /// Requests one connection may have open, as the service last said.
    pub per_connection: AtomicUsize,
    /// The service answered in HTTP/1.1 only.
    pub http1: AtomicBool,
    /// A connection failed since the last answer: one new connection at a time until one works.
    pub failing: AtomicBool,
    pub limit: usize,
    pub connector: Arc<Connector>,
}

impl Service {
    pub fn push(&self, job: Job) {
        self.queue.lock().unwrap_or_else(|e| e.into_inner()).push_back(job);
    }

    pub fn pop(&self) -> Option<Job> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner()).pop_front()
    }

    pub fn queued(&self) -> usize {
        self.queue.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    fn take_queued(&self) -> Vec<Job> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner()).drain(..).collect()
    }

    /// A connection could not be made: if no other is left, what is queued fails.
    pub fn connect_failed(&self, why: &str) {
        self.give_up_connecting(why, || Failure::Network(why.to_owned()));
    }

    /// The service's name led only to refused addresses: what is queued is not sent.
    pub fn connect_refused(&self, why: &str) {
        self.give_up_connecting(why, || Failure::Misdirected(why.to_owned()));
    }

    fn give_up_connecting(&self, why: &str, failure: impl Fn() -> Failure) {
        tracing::warn!(origin = self.authority, why, "a connection to a push service failed");
        self.failing.store(true, Ordering::Release);
        if self.connections.fetch_sub(1, Ordering::AcqRel) == 1 {
            for job in self.take_queued() {
                job.finish(Err(failure()));
            }
        }
    }

    /// A request was answered: the service's connections work.
    pub fn answered(&self) {
        if self.failing.load(Ordering::Relaxed) {
            self.failing.store(false, Ordering::Release);
        }
    }

    /// Hands everything queued back for HTTP/1.1.
    pub fn hand_queued_to_http1(&self) {
        for job in self.take_queued() {
            job.hand_to_http1();
        }
    }

    /// Opens connections until there are enough for what is queued and open.
    pub fn ensure_connections(self: &Arc<Self>) {
        if self.http1.load(Ordering::Acquire) {
            self.hand_queued_to_http1();
            return;
        }
        let wanted = (self.queued() + self.open_requests.load(Ordering::Acquire)).min(self.limit);
        let per_connection = self.per_connection.load(Ordering::Acquire).max(1);
        let mut needed = wanted.div_ceil(per_connection);
        if self.failing.load(Ordering::Acquire) {
            needed = needed.min(1);
        }
        // Worker threads and the connections' thread may both be here: each new connection is claimed first.
        let mut current = self.connections.load(Ordering::Acquire);
        while current < needed {
            match self
                .connections
                .compare_exchange(current, current + 1, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => {
                    self.connector.net.spawn(super::connection::run(self.clone()));
                    current += 1;
                }
                Err(now) => current = now,
            }
        }
        self.wake.notify_waiters();
    }

    /// A connection stops taking work; if it was the last and work is left, another is opened.
    pub fn connection_gone(self: &Arc<Self>) {
        self.connections.fetch_sub(1, Ordering::AcqRel);
        if self.queued() > 0 {
            self.ensure_connections();
        }
    }
}

/// The HTTP/2 push client: one service per origin, its connections on `net`.
pub struct Client {
    services: Mutex<HashMap<Origin, Arc<Service>>>,
    connector: Arc<Connector>,
    limit: usize,
}

impl Client {
    /// `limit`: requests open at once per service; `net`: the runtime connections run on.
    pub fn new(tls: Arc<rustls::ClientConfig>, allow_private: bool, limit: usize, net: tokio::runtime::Handle) -> Self {
        let mut tls = (*tls).clone();
        tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Self {
            services: Mutex::new(HashMap::new()),
            connector: Arc::new(Connector {
                tls: Arc::new(tls),
                allow_private,
                net,
            }),
            limit: limit.max(1),
        }
    }

    fn service(&self, origin: &Origin) -> Arc<Service> {
        let mut services = self.services.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(service) = services.get(origin) {
            return service.clone();
        }
        let service = Arc::new(Service {
            origin: origin.clone(),
            authority: origin.authority(),
            queue: Mutex::new(VecDeque::new()),
            wake: Notify::new(),
            open_requests: AtomicUsize::new(0),
            connections: AtomicUsize::new(0),
            // RFC 9113 §6.5.2 recommends at least 100; corrected by the service's SETTINGS.
            per_connection: AtomicUsize::new(100),
            http1: AtomicBool::new(false),
            failing: AtomicBool::new(false),
            limit: self.limit,
            connector: self.connector.clone(),
        });
        services.insert(origin.clone(), service.clone());
        service
    }

    /// Sends every request and returns the replies in the same order.
    pub async fn send_all(&self, posts: Vec<Post>) -> Vec<Reply> {
        let count = posts.len();
        if count == 0 {
            return Vec::new();
        }
        let (done, finished) = tokio::sync::oneshot::channel();
        let batch = Arc::new(Batch {
            replies: Mutex::new((0..count).map(|_| None).collect()),
            done: Some(done),
        });
        let mut touched: Vec<Arc<Service>> = Vec::new();
        for (slot, post) in posts.into_iter().enumerate() {
            let service = match touched.iter().find(|s| s.origin == post.origin) {
                Some(service) => service.clone(),
                None => {
                    let service = self.service(&post.origin);
                    touched.push(service.clone());
                    service
                }
            };
            let job = Job {
                post,
                batch: batch.clone(),
                slot,
                requeued: 0,
            };
            if service.http1.load(Ordering::Acquire) {
                job.hand_to_http1();
            } else {
                service.push(job);
            }
        }
        for service in &touched {
            service.ensure_connections();
        }
        drop(batch);
        let replies = finished.await.unwrap_or_default();
        replies
            .into_iter()
            .chain(std::iter::repeat_with(|| None))
            .take(count)
            .map(|reply| reply.unwrap_or_else(|| Err(Failure::Network("the push client stopped".into()))))
            .collect()
    }
}
