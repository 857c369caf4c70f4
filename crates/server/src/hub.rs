//! In-process fan-out of per-user events to that user's WebSocket connections.
//! Kept behind this one type so a NATS or Redis backend can replace it for several instances.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use confab_api::Id;
use tokio::sync::broadcast;

/// An event ready to send: its sequence number and its frame as JSON.
#[derive(Debug, Clone)]
pub struct Frame {
    pub seq: i64,
    pub json: Arc<str>,
}

/// Frames produced by one change, published once the change is committed.
#[derive(Default)]
pub struct Outbox(Vec<(Id, Frame)>);

impl Outbox {
    pub fn push(&mut self, user_id: Id, (seq, json): (i64, String)) {
        self.0.push((user_id, Frame { seq, json: json.into() }));
    }
}

pub struct Hub {
    channels: Mutex<HashMap<Id, broadcast::Sender<Frame>>>,
    /// Hashes of tokens revoked (sign-out): sockets opened with them close.
    revoked: broadcast::Sender<Arc<[u8]>>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub { channels: Mutex::default(), revoked: broadcast::channel(64).0 }
    }
}

/// How many frames a slow connection may fall behind before it re-reads them from the log.
const BUFFER: usize = 256;

impl Hub {
    pub fn subscribe(&self, user_id: Id) -> broadcast::Receiver<Frame> {
        let mut channels = self.channels.lock().expect("hub lock");
        channels.entry(user_id).or_insert_with(|| broadcast::channel(BUFFER).0).subscribe()
    }

    pub fn publish(&self, outbox: Outbox) {
        let mut channels = self.channels.lock().expect("hub lock");
        for (user_id, frame) in outbox.0 {
            if let Some(tx) = channels.get(&user_id) {
                if tx.send(frame).is_err() {
                    // Nobody listens any more.
                    channels.remove(&user_id);
                }
            }
        }
    }

    pub fn revoke(&self, token_hash: &[u8]) {
        let _ = self.revoked.send(token_hash.into());
    }

    pub fn revocations(&self) -> broadcast::Receiver<Arc<[u8]>> {
        self.revoked.subscribe()
    }
}
