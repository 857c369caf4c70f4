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
        let now = now_ms();
        let saved = async {
            let mut conn = state.store.writer().await?;
            users::set_last_seen(&mut conn, user, now).await
        };
        if let Err(e) = saved.await {
            tracing::warn!("could not save last seen: {e}");
        }
        let notice = PresenceNotice { user_id: user, online: false, last_seen_at: Some(rfc3339(now)) };
        announce(&state, user, notice).await;
    });
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
