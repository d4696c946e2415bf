//! Running Broadsheet: health and readiness probes for load balancers and
//! orchestrators, Prometheus metrics (`metrics`), and backups (`backup`).

pub mod backup;
pub mod health;
pub mod metrics;

use crate::http::Access::Public;
use crate::http::Routes;
use crate::state::AppState;

pub fn routes(state: &AppState) -> Routes {
    Routes::new(state)
        .get("/healthz", Public, health::live)
        .get("/readyz", Public, health::ready)
        .get("/metrics", Public, metrics::show)
}
