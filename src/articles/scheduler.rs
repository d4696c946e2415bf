//! The worker that publishes scheduled articles when their time comes.

use std::time::Duration;

use crate::state::AppState;

const TICK: Duration = Duration::from_secs(1);

/// Runs for the life of the process.
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match super::workflow::publish_due(&state).await {
                Ok(published) => {
                    for (id, headline) in &published {
                        tracing::info!(%id, headline, "published a scheduled article");
                    }
                }
                // Shutting down: nothing more to publish from this instance.
                Err(_) if state.db.is_closed() => break,
                Err(err) => tracing::warn!(
                    error = format!("{err:#}"),
                    "the scheduler could not check for due articles"
                ),
            }
        }
    });
}
