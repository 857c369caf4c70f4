//! Presence and typing: live-only frames (nothing logged, nothing replayed). Presence goes to
//! the people someone has a one-to-one chat with; typing to the other members of the
//! conversation, and never to anyone who is not one.

use std::sync::Arc;
use std::time::Duration;

use confab_api::{Id, LiveEvent, Presence, PresenceNotice, TypingNotice};

use crate::error::{AppError, AppResult};
use crate::store::{conversations, users};
use crate::time::{now_ms, rfc3339};
use crate::AppState;

/// A connection that drops and comes back within this long is not announced as offline.
const OFFLINE_AFTER: Duration = Duration::from_secs(3);

fn live_json(event: &LiveEvent) -> Arc<str> {
    serde_json::to_string(event).expect("live events serialize").into()
}

/// Whether `user` is online and when they were last seen; only for someone the caller has a
/// one-to-one chat with.
pub async fn of(state: &AppState, me: Id, user: Id) -> AppResult<Presence> {
    let mut conn = state.store.reader().await?;
    if user == me || conversations::find_direct(&mut conn, me, user).await?.is_none() {
        return Err(AppError::not_found(format!("no chat with user {user}")));
    }
    let online = state.hub.online_anywhere(user).await;
    let last_seen = if online { None } else { users::last_seen(&mut conn, user).await? };
    Ok(Presence { online, last_seen_at: last_seen.map(rfc3339) })
}

/// The person's first socket opened here: their one-to-one contacts hear they are online.
pub async fn came_online(state: &AppState, user: Id) {
    announce(state, user, PresenceNotice { user_id: user, online: true, last_seen_at: None }).await;
}

/// The person's last socket closed: unless another opens soon (a reload, a network change),
/// the time is kept as "last seen" and their contacts hear they went offline.
pub fn went_away(state: &AppState, user: Id) {
    let state = state.clone();
    tokio::spawn(async move {
        tokio::time::sleep(OFFLINE_AFTER).await;
        if state.hub.online_anywhere(user).await {
            return;
        }
        // The first to leave writes for everyone who leaves with them (see [`Departures`]).
        if !state.departures.add(user, now_ms()) {
            return;
        }
        tokio::time::sleep(GATHER).await;
        let gone = state.departures.take();
        for chunk in gone.chunks(LAST_SEEN_CHUNK) {
            let saved = async {
                let mut conn = state.store.writer().await?;
                users::set_last_seen(&mut conn, chunk).await
            };
            if let Err(e) = saved.await {
                tracing::warn!("could not save last seen: {e}");
            }
            for &(user, at) in chunk {
                let notice = PresenceNotice { user_id: user, online: false, last_seen_at: Some(rfc3339(at)) };
                announce(&state, user, notice).await;
            }
        }
    });
}

/// How long the first of the people going away together waits for the others to join it.
const GATHER: Duration = Duration::from_millis(50);
/// The most "last seen" times written in one statement.
const LAST_SEEN_CHUNK: usize = 1000;

/// People gone offline whose "last seen" is not written yet. A proxy that restarts drops
/// thousands of sockets at once: written one by one, each a commit of its own that waits for
/// the sends' flush and flushes itself, their times held the writer from the sends for seconds,
/// [`OFFLINE_AFTER`] later. The first of them writes for all who joined it within [`GATHER`],
/// in one statement a [`LAST_SEEN_CHUNK`].
#[derive(Default)]
pub struct Departures(std::sync::Mutex<Vec<(Id, i64)>>);

impl Departures {
    /// Adds one; `true` for the first since the last [`Departures::take`], whose task writes.
    fn add(&self, user: Id, at: i64) -> bool {
        let mut waiting = self.0.lock().expect("departures lock");
        waiting.push((user, at));
        waiting.len() == 1
    }

    fn take(&self) -> Vec<(Id, i64)> {
        std::mem::take(&mut *self.0.lock().expect("departures lock"))
    }
}

async fn announce(state: &AppState, user: Id, notice: PresenceNotice) {
    let contacts = match state.store.reader().await {
        Ok(mut conn) => users::direct_contacts(&mut conn, user).await.unwrap_or_default(),
        Err(_) => return,
    };
    state.hub.publish_live(&contacts, &live_json(&LiveEvent::Presence(notice)));
}

/// `me` is typing in `conversation_id`: the other current members hear it. Anything else (not a
/// member, left the group, no such conversation) is dropped without a word.
pub async fn typing(state: &AppState, me: Id, my_name: &str, conversation_id: Id) {
    let members = match state.store.reader().await {
        Ok(mut conn) => conversations::member_ids(&mut conn, conversation_id).await.unwrap_or_default(),
        Err(_) => return,
    };
    if !members.contains(&me) {
        return;
    }
    let others: Vec<Id> = members.into_iter().filter(|u| *u != me).collect();
    let notice = TypingNotice { conversation_id, user_id: me, user_name: my_name.to_string() };
    state.hub.publish_live(&others, &live_json(&LiveEvent::Typing(notice)));
}

#[cfg(test)]
mod tests {
    use super::Departures;

    #[test]
    fn the_first_to_leave_writes_for_those_who_join_it_and_the_next_one_after_starts_again() {
        let d = Departures::default();
        assert!(d.add(1, 10), "the first writes");
        assert!(!d.add(2, 11) && !d.add(3, 12), "the others join it");
        assert_eq!(d.take(), [(1, 10), (2, 11), (3, 12)]);
        assert!(d.add(4, 20), "after the write, the next one starts a batch of its own");
        assert_eq!(d.take(), [(4, 20)]);
        assert!(d.take().is_empty());
    }
}
