//! Reading a server-sent-events stream the way a browser's EventSource does.

use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};

use super::TestApp;

type Chunks = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

pub struct Events {
    chunks: Chunks,
    buffer: String,
}

impl Events {
    /// The next event named `kind` (others are skipped) as JSON, waiting at most `within`.
    pub async fn next(&mut self, kind: &str, within: Duration) -> serde_json::Value {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let event: String = self.buffer.drain(..end + 2).collect();
                if event.lines().any(|l| l == format!("event: {kind}")) {
                    let data = event.lines().find_map(|l| l.strip_prefix("data: ")).unwrap_or("null");
                    return serde_json::from_str(data).expect("event data is JSON");
                }
                continue;
            }
            let chunk = tokio::time::timeout_at(deadline, self.chunks.next())
                .await
                .unwrap_or_else(|_| panic!("a {kind} event within {within:?}"))
                .expect("the stream stays open")
                .expect("the stream reads");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

impl Events {
    /// Whether the server ends the stream within `within` (events before the end are skipped).
    pub async fn ends(&mut self, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.chunks.next()).await {
                Err(_) => return false,
                Ok(None) | Ok(Some(Err(_))) => return true,
                Ok(Some(Ok(_))) => {}
            }
        }
    }
}

impl TestApp {
    /// Opens an event stream; once its headers are in, the server is holding it.
    pub async fn events(&self, path: &str) -> Events {
        let response = self.client.get(self.url(path)).send().await.expect("the stream opens");
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        Events {
            chunks: Box::pin(response.bytes_stream()),
            buffer: String::new(),
        }
    }
}
