//! Background upkeep: drop events older than the catch-up retention.

use std::time::Duration;

use crate::store::events;
use crate::time::now_ms;
use crate::AppState;

pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            let cutoff = now_ms() - state.config.event_retention.as_millis() as i64;
            match state.store.writer().await {
                Ok(mut conn) => match events::prune(&mut conn, cutoff).await {
                    Ok(n) if n > 0 => tracing::info!("pruned {n} old events"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!("event pruning failed: {e}"),
                },
                Err(_) => return, // the store was closed: the server is stopping
            }
        }
    });
}
