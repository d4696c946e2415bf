//! Prometheus metrics at `/metrics` (text format 0.0.4): requests and their
//! latency by route, method and status, counted by a middleware as they are
//! answered; and, read when scraped, the database pool, queued jobs, alerts
//! delivered, open live streams and cached pages.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::db::{Db, sql};
use crate::state::AppState;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

#[derive(Default)]
struct Series {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    micros: AtomicU64,
}

impl Series {
    fn observe(&self, seconds: f64) {
        if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.micros.fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
    }
}

/// (method, route, status)
type Key = (String, String, u16);

#[derive(Default)]
pub struct Metrics {
    requests: RwLock<HashMap<Key, Arc<Series>>>,
}

impl Metrics {
    fn series(&self, key: Key) -> Arc<Series> {
        if let Some(series) = self.requests.read().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return series.clone();
        }
        let mut all = self.requests.write().unwrap_or_else(|e| e.into_inner());
        all.entry(key).or_default().clone()
    }
}

/// Counts every answered request by its route pattern (not its address, so
/// the number of series stays bounded).
pub async fn record(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = known_method(request.method()).to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let response = next.run(request).await;
    // Statuses are a small set in practice, but a handler could pass one
    // through; anything outside the standard classes is counted as 0.
    let status = match response.status().as_u16() {
        code @ 100..=599 => code,
        _ => 0,
    };
    let key = (method, route, status);
    state.metrics.series(key).observe(started.elapsed().as_secs_f64());
    response
}

/// The method as a label: the standard ones by name, any invented one as
/// `OTHER`, so made-up methods cannot grow the series without bound.
fn known_method(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "OTHER",
    }
}

fn label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// `GET /metrics`
pub async fn show(State(state): State<AppState>) -> Response {
    let mut out = String::with_capacity(16 * 1024);
    write_requests(&state, &mut out);
    if let Err(err) = write_gauges(&state, &mut out).await {
        tracing::warn!(error = format!("{err:#}"), "some metrics could not be read");
    }
    (
        [
            (header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        out,
    )
        .into_response()
}

fn write_requests(state: &AppState, out: &mut String) {
    let all = state.metrics.requests.read().unwrap_or_else(|e| e.into_inner());
    let mut keys: Vec<&Key> = all.keys().collect();
    keys.sort();
    out.push_str("# HELP broadsheet_http_requests_total Requests answered, by method, route and status.\n");
    out.push_str("# TYPE broadsheet_http_requests_total counter\n");
    for key in &keys {
        let (method, route, status) = key;
        let count = all[*key].count.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "broadsheet_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {count}",
            label(route)
        );
    }
    out.push_str("# HELP broadsheet_http_request_duration_seconds Time to answer, by method, route and status.\n");
    out.push_str("# TYPE broadsheet_http_request_duration_seconds histogram\n");
    for key in &keys {
        let (method, route, status) = key;
        let series = &all[*key];
        let labels = format!("method=\"{method}\",route=\"{}\",status=\"{status}\"", label(route));
        let mut cumulative = 0;
        for (bound, bucket) in BUCKETS.iter().zip(&series.buckets) {
            cumulative += bucket.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "broadsheet_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
            );
        }
        let count = series.count.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "broadsheet_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {count}"
        );
        let sum = series.micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "broadsheet_http_request_duration_seconds_sum{{{labels}}} {sum}");
        let _ = writeln!(
            out,
            "broadsheet_http_request_duration_seconds_count{{{labels}}} {count}"
        );
    }
}

fn gauge(out: &mut String, name: &str, help: &str, kind: &str, values: &[(String, f64)]) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    for (labels, value) in values {
        if labels.is_empty() {
            let _ = writeln!(out, "{name} {value}");
        } else {
            let _ = writeln!(out, "{name}{{{labels}}} {value}");
        }
    }
}

async fn write_gauges(state: &AppState, out: &mut String) -> anyhow::Result<()> {
    let (size, idle) = match &state.db {
        Db::Sqlite(pool) => (pool.size(), pool.num_idle()),
        Db::Postgres(pool, _) => (pool.size(), pool.num_idle()),
    };
    gauge(
        out,
        "broadsheet_db_pool_connections",
        "Database connections held by the pool, by state.",
        "gauge",
        &[
            ("state=\"idle\"".into(), idle as f64),
            ("state=\"busy\"".into(), f64::from(size).max(idle as f64) - idle as f64),
        ],
    );
    gauge(
        out,
        "broadsheet_live_connections",
        "Open live streams on this instance, by kind.",
        "gauge",
        &[
            ("stream=\"comments\"".into(), state.live.hub.connections() as f64),
            ("stream=\"liveblog\"".into(), state.live_entries.connections() as f64),
        ],
    );
    gauge(
        out,
        "broadsheet_page_cache_pages",
        "Pages held rendered in memory on this instance.",
        "gauge",
        &[(String::new(), state.pages.len() as f64)],
    );
    let queued: Vec<(String, i64)> =
        sql("SELECT kind, COUNT(*) FROM jobs WHERE done_at IS NULL GROUP BY kind ORDER BY kind")
            .fetch_all(&state.db)
            .await?;
    let queued: Vec<(String, f64)> = queued
        .into_iter()
        .map(|(kind, n)| (format!("kind=\"{}\"", label(&kind)), n as f64))
        .collect();
    gauge(
        out,
        "broadsheet_jobs_queued",
        "Jobs waiting or running, by kind (all instances).",
        "gauge",
        &queued,
    );
    let pushed: Vec<(String, f64)> = state
        .pusher
        .counts()
        .into_iter()
        .map(|((service, outcome), n)| (format!("service=\"{service}\",outcome=\"{outcome}\""), n as f64))
        .collect();
    gauge(
        out,
        "broadsheet_push_requests_total",
        "Push messages sent by this instance, by push service and outcome (delivered, gone, refused, retried, unanswered).",
        "counter",
        &pushed,
    );
    let (delivered, failed): (i64, i64) =
        sql("SELECT CAST(COALESCE(SUM(delivered), 0) AS BIGINT), CAST(COALESCE(SUM(failed), 0) AS BIGINT) FROM alerts")
            .fetch_one(&state.db)
            .await?;
    gauge(
        out,
        "broadsheet_alert_messages_total",
        "Alert messages pushed, by outcome (all instances).",
        "counter",
        &[
            ("outcome=\"delivered\"".into(), delivered as f64),
            ("outcome=\"failed\"".into(), failed as f64),
        ],
    );
    Ok(())
}
