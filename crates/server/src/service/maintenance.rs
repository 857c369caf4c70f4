//! Background upkeep: drop events older than the catch-up retention and tokens past their
//! idle expiry, erase uploads never sent, and forget idle rate-limit keys.

use std::time::Duration;

use crate::store::{events, users};
use crate::time::now_ms;
use crate::AppState;

/// How often the rate-limit tables are trimmed.
const FORGET_EVERY: Duration = Duration::from_secs(60);
/// How often the database and the files are tidied.
const TIDY_EVERY: Duration = Duration::from_secs(3600);

pub fn spawn(state: AppState) {
    let limits = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(FORGET_EVERY);
        loop {
            tick.tick().await;
            limits.address_limits.forget_idle();
            limits.account_limits.forget_idle();
            if *limits.hub.stopping().borrow() {
                return;
            }
        }
    });
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TIDY_EVERY);
        loop {
            tick.tick().await;
            if tidy(&state).await.is_err() {
                return; // the store was closed: the server is stopping
            }
        }
    });
}

/// One round of tidying; an error means the store is gone.
pub async fn tidy(state: &AppState) -> Result<(), sqlx::Error> {
    let now = now_ms();
    match events::prune(&state.store, now - state.config.event_retention.as_millis() as i64).await {
        Ok(n) if n > 0 => tracing::info!("pruned {n} old events"),
        Ok(_) => {}
        Err(e) => tracing::warn!("event pruning failed: {e}"),
    }
    let mut conn = state.store.writer().await?;
    if let Err(e) = users::prune_tokens(&mut conn, now - state.config.token_idle_ttl.as_millis() as i64).await {
        tracing::warn!("token pruning failed: {e}");
    }
    drop(conn);
    match super::files::expire_unsent(state).await {
        Ok(n) if n > 0 => tracing::info!("erased {n} uploads that were never sent"),
        Ok(_) => {}
        Err(e) => tracing::warn!("expiring unsent uploads failed: {}", e.message),
    }
    Ok(())
}
