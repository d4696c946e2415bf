//! Running Broadsheet: health and readiness probes for load balancers and
//! orchestrators, Prometheus metrics (`metrics`), and backups (`backup`).

pub mod backup;
pub mod health;
pub mod metrics;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .route("/metrics", get(metrics::show))
}
