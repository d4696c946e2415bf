//! The worker that publishes scheduled articles when their time comes.

use std::time::Duration;

use crate::state::AppState;

const TICK: Duration = Duration::from_secs(1);

/// Runs for the life of the process.
pub fn spawn(state: AppState) {
    crate::jobs::every(
        state,
        TICK,
        "the scheduler could not check for due articles",
        |state| async move {
            for (id, headline) in super::workflow::publish_due(&state).await? {
                tracing::info!(%id, headline, "published a scheduled article");
            }
            Ok(())
        },
    );
}
