//! `/healthz`: the process is up and answering. `/readyz`: it can also reach
//! its database, so a load balancer may send it traffic.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::db::sql;
use crate::state::AppState;

const PLAIN: (header::HeaderName, &str) = (header::CACHE_CONTROL, "no-store");

pub async fn live() -> Response {
    ([PLAIN], "ok\n").into_response()
}

pub async fn ready(State(state): State<AppState>) -> Response {
    let check = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        sql("SELECT COUNT(*) FROM sections").fetch_count(&state.db),
    )
    .await;
    match check {
        Ok(Ok(_)) => ([PLAIN], "ready\n").into_response(),
        Ok(Err(err)) => {
            tracing::warn!(%err, "not ready: the database refused a query");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [PLAIN],
                "the database is not answering\n",
            )
                .into_response()
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            [PLAIN],
            "the database took longer than 2 s to answer\n",
        )
            .into_response(),
    }
}
