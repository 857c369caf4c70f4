//! Messages written but not yet accepted by the server, kept in the browser's storage: a
//! reload, a crash or a dead connection does not lose them, and they go out once (the
//! server de-duplicates by `clientMsgId`), in the order they were written, when it is back.

use crate::local_storage as storage;
use confab_api::{Id, Message};

const KEY_PREFIX: &str = "confab.outbox.";

fn key(user: Id) -> String {
    format!("{KEY_PREFIX}{user}")
}

/// What `user` still has to send, oldest first.
pub fn load(user: Id) -> Vec<Message> {
    storage()
        .and_then(|s| s.get_item(&key(user)).ok().flatten())
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default()
}

fn save(user: Id, messages: &[Message]) {
    let Some(s) = storage() else { return };
    let _ = if messages.is_empty() {
        s.remove_item(&key(user))
    } else {
        s.set_item(&key(user), &serde_json::to_string(messages).unwrap_or_default())
    };
}

/// Adds a message to the end (no-op if that clientMsgId is already there).
pub fn push(user: Id, m: &Message) {
    let mut all = load(user);
    if !all.iter().any(|o| o.client_msg_id == m.client_msg_id) {
        all.push(m.clone());
        save(user, &all);
    }
}

/// Takes out the message with this clientMsgId (accepted, or refused for good).
pub fn remove(user: Id, client_msg_id: &str) {
    let mut all = load(user);
    let before = all.len();
    all.retain(|o| o.client_msg_id.as_deref() != Some(client_msg_id));
    if all.len() != before {
        save(user, &all);
    }
}

/// Forgets everything (sign-out: nothing of this person stays in the browser).
pub fn clear(user: Id) {
    save(user, &[]);
}
