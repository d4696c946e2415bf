//! `/healthz`: the process is up and answering. `/readyz`: it can also read
//! and write its database, so a load balancer may send it traffic. A
//! database that answers reads but cannot write (a full disk) is not ready.

use std::time::Duration;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::db::sql;
use crate::domain::Timestamp;
use crate::state::AppState;

const PLAIN: (header::HeaderName, &str) = (header::CACHE_CONTROL, "no-store");
const WITHIN: Duration = Duration::from_secs(2);

pub async fn live() -> Response {
    ([PLAIN], "ok\n").into_response()
}

pub async fn ready(State(state): State<AppState>) -> Response {
    let check = tokio::time::timeout(WITHIN, async {
        sql("SELECT COUNT(*) FROM sections").fetch_count(&state.db).await?;
        sql("INSERT INTO readiness_checks (instance, checked_at) VALUES ($1, $2)
             ON CONFLICT (instance) DO UPDATE SET checked_at = excluded.checked_at")
        .bind(state.settings.server.bind.clone())
        .bind(Timestamp::now())
        .execute(&state.db)
        .await
    })
    .await;
    let failed = match check {
        Ok(Ok(_)) => return ([PLAIN], "ready\n").into_response(),
        Ok(Err(err)) => {
            // A load balancer asks every few seconds: an outage is logged
            // once where it is noticed, not on every probe.
            tracing::debug!(%err, "not ready: the database refused a query");
            format!("the database cannot read and write: {}\n", err.cause())
        }
        Err(_) => format!("the database took longer than {} s to answer\n", WITHIN.as_secs()),
    };
    (StatusCode::SERVICE_UNAVAILABLE, [PLAIN], failed).into_response()
}
