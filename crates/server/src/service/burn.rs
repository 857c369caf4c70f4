//! Burn after reading: turning it on and off for a one-to-one chat, and the one task that
//! erases read messages when their time is up. Timers are rows (`messages.burn_at`), so a
//! restart loses none: the task looks at the database when it starts.

use std::time::Duration;

use confab_api::{BurnedNotice, Conversation, Event, Id, SystemKind, MAX_BURN_SECS};
use tokio::sync::Notify;

use super::conversations::broadcast_to_members;
use super::groups::Change;
use crate::error::{AppError, AppResult};
use crate::hub::Outbox;
use crate::store::{burn, conversations, events};
use crate::time::now_ms;
use crate::AppState;

/// The duration used when burn after reading is turned on without one (as OpenIM does).
pub const DEFAULT_BURN_SECS: i64 = 30;
/// Most messages erased in one transaction.
const BATCH: i64 = 200;

/// Wakes the burning task when a timer starts earlier than the one it sleeps on.
#[derive(Default)]
pub struct Burner {
    wake: Notify,
}

impl Burner {
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// What a conversation patch asks of burn after reading: `None` leaves it as it is.
pub fn requested(on: Option<bool>, secs: Option<i64>, current: i64) -> AppResult<Option<i64>> {
    if let Some(s) = secs {
        if !(1..=MAX_BURN_SECS).contains(&s) {
            return Err(AppError::unprocessable(format!("burnDuration must be 1 to {MAX_BURN_SECS} seconds")));
        }
    }
    Ok(match (on, secs) {
        (Some(false), _) => Some(0),
        (Some(true), s) => Some(s.unwrap_or(if current > 0 { current } else { DEFAULT_BURN_SECS })),
        (None, Some(s)) if current > 0 => Some(s),
        (None, Some(_)) => {
            return Err(AppError::unprocessable("burn after reading is off; turn it on with isPrivateChat: true"))
        }
        (None, None) => None,
    })
}

/// Changes the setting inside `tx` and commits: both sides get a system message and the
/// conversation as they now see it.
pub async fn set(
    state: &AppState,
    mut tx: crate::store::Tx<'_>,
    me: Id,
    conversation_id: Id,
    secs: i64,
    current: i64,
) -> AppResult<Conversation> {
    if crate::store::groups::kind(&mut tx, conversation_id).await?.as_deref() != Some("single") {
        return Err(AppError::unprocessable("burn after reading is for one-to-one chats"));
    }
    if current != secs {
        burn::set_duration(&mut tx, conversation_id, secs).await?;
        let mut change = Change::new(&mut tx, me, conversation_id).await?;
        let text = (secs > 0).then(|| secs.to_string());
        change.notice(state, &mut tx, SystemKind::BurnAfterReading, Vec::new(), text).await?;
        let view = conversations::get(&mut tx, me, conversation_id).await?.ok_or_else(AppError::internal)?;
        change.finish(state, tx).await?;
        return Ok(view);
    }
    // The setting stays as it was; the rest of the request (pin, mute, draft) may have changed:
    // the person's other tabs hear of it as from any other change of settings.
    let view = conversations::get(&mut tx, me, conversation_id).await?.ok_or_else(AppError::internal)?;
    let mut outbox = Outbox::default();
    outbox.push(me, events::append(&mut tx, me, Event::ConversationUpdated(view.clone()), now_ms()).await?);
    tx.commit().await?;
    state.hub.publish(outbox);
    Ok(view)
}

/// Runs until the server stops: sleeps until the next timer (or a wake-up), erases what is due.
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut stopping = state.hub.stopping();
        loop {
            let next = match next_due(&state).await {
                Ok(next) => next,
                Err(_) => return, // the store was closed: the server is stopping
            };
            let now = now_ms();
            let wait = match next {
                Some(at) if at <= now => {
                    if let Err(e) = burn_due(&state, now).await {
                        tracing::warn!("burn after reading: {}", e.message);
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                    continue;
                }
                Some(at) => Duration::from_millis((at - now) as u64),
                None => Duration::from_secs(3600),
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = state.burner.wake.notified() => {}
                _ = stopping.wait_for(|s| *s) => return,
            }
        }
    });
}

async fn next_due(state: &AppState) -> Result<Option<i64>, sqlx::Error> {
    let mut conn = state.store.reader().await?;
    burn::next_due(&mut conn).await
}

/// Erases every message whose time is up and tells both sides; returns how many.
pub async fn burn_due(state: &AppState, now: i64) -> AppResult<usize> {
    let mut conn = state.store.writer().await?;
    let mut tx = crate::store::begin(&mut conn).await?;
    // Read under the write lock: every instance of a cluster runs this timer, and another one
    // may have burned these a moment ago (then there is nothing left to do).
    let due = burn::due(&mut tx, now, BATCH).await?;
    if due.is_empty() {
        return Ok(0);
    }
    let mut blobs = Vec::new();
    let mut outbox = Outbox::default();
    let mut touched = std::collections::BTreeSet::new();
    for &(message_id, conversation_id) in &due {
        blobs.extend(burn::erase(&mut tx, message_id, conversation_id).await?);
        let notice = BurnedNotice { message_id, conversation_id };
        outbox.extend(broadcast_to_members(&mut tx, conversation_id, now, Event::MessageBurned(notice)).await?);
        touched.insert(conversation_id);
    }
    // The list's preview moves to the message before.
    for conversation_id in touched {
        for member in conversations::member_ids(&mut tx, conversation_id).await? {
            if let Some(view) = conversations::get(&mut tx, member, conversation_id).await? {
                outbox.push(member, events::append(&mut tx, member, Event::ConversationUpdated(view), now).await?);
            }
        }
    }
    tx.commit().await?;
    state.hub.publish(outbox);
    super::files::erase_unreferenced(state, &mut conn, &blobs).await?;
    drop(conn);
    if let Err(e) = state.store.checkpoint().await {
        tracing::warn!("checkpoint after burning failed: {e}");
    }
    Ok(due.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_read_as_people_mean_them() {
        assert_eq!(requested(None, None, 30).unwrap(), None);
        assert_eq!(requested(Some(false), None, 30).unwrap(), Some(0));
        assert_eq!(requested(Some(true), None, 0).unwrap(), Some(DEFAULT_BURN_SECS));
        assert_eq!(requested(Some(true), None, 60).unwrap(), Some(60));
        assert_eq!(requested(Some(true), Some(10), 0).unwrap(), Some(10));
        assert_eq!(requested(None, Some(10), 60).unwrap(), Some(10));
        assert!(requested(None, Some(10), 0).is_err());
        assert!(requested(Some(true), Some(0), 0).is_err());
        assert!(requested(Some(true), Some(-5), 0).is_err());
        assert!(requested(Some(true), Some(MAX_BURN_SECS + 1), 0).is_err());
    }
}
