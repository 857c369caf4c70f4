//! In-process fan-out of per-user events to that user's WebSocket connections.
//! Kept behind this one type so a NATS or Redis backend can replace it for several instances.

mod nats;
pub mod sessions;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use confab_api::Id;
use tokio::sync::{broadcast, watch};

/// An event ready to send: its sequence number and the event as JSON (`{"type":…,"data":…}`),
/// shared by every member it goes to; the frame text is put together when it is sent.
#[derive(Debug, Clone)]
pub struct Frame {
    pub seq: i64,
    pub event: Arc<str>,
    /// When the change it tells of was committed and published (fan-out latency).
    pub published: std::time::Instant,
}

impl Frame {
    /// `{"seq":n,"type":…,"data":…}`, as logged.
    pub fn text(&self) -> String {
        crate::store::events::frame_text(self.seq, &self.event)
    }
}

impl Frame {
    /// A live-only frame (typing, presence): no sequence number, not logged, not replayed.
    pub fn live(event: Arc<str>) -> Frame {
        Frame { seq: 0, event, published: std::time::Instant::now() }
    }

    pub fn is_live(&self) -> bool {
        self.seq == 0
    }
}

/// Frames produced by one change, published once the change is committed.
#[derive(Default)]
pub struct Outbox(Vec<(Id, Frame)>);

impl Outbox {
    pub fn push(&mut self, user_id: Id, (seq, event): (i64, Arc<str>)) {
        self.0.push((user_id, Frame { seq, event, published: std::time::Instant::now() }));
    }

    /// The same event for several people, each with their own sequence number.
    pub fn push_shared(&mut self, numbered: &[(Id, i64)], event: &Arc<str>) {
        let now = std::time::Instant::now();
        self.0.extend(
            numbered.iter().map(|&(user_id, seq)| (user_id, Frame { seq, event: event.clone(), published: now })),
        );
    }

    pub fn extend(&mut self, other: Outbox) {
        self.0.extend(other.0);
    }
}

pub struct Hub {
    channels: Mutex<HashMap<Id, broadcast::Sender<Frame>>>,
    /// Set when several instances share a NATS bus; without it frames go straight to sockets here.
    bus: OnceLock<nats::Nats>,
    sockets: Mutex<Sockets>,
    limits: SocketLimits,
    /// Set once when the server stops: every socket closes with 1001.
    stopping: watch::Sender<bool>,
    /// Sessions checked a moment ago; revocations here and from the bus forget them.
    pub sessions: sessions::SessionCache,
}

#[derive(Debug, Clone, Copy)]
pub struct SocketLimits {
    pub per_user: usize,
    pub total: usize,
}

impl Default for SocketLimits {
    fn default() -> Self {
        SocketLimits { per_user: 16, total: 10_000 }
    }
}

/// The open sockets: how many each person has, and a revocation switch per token. A `watch`
/// cannot lag or drop a value, so a socket busy sending still sees its token revoked.
#[derive(Default)]
struct Sockets {
    per_user: HashMap<Id, usize>,
    total: usize,
    tokens: HashMap<Vec<u8>, (Id, watch::Sender<bool>)>,
}

/// Why a socket was refused; each has a close code the app understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    TooManyForUser,
    TooManyOverall,
}

/// One open socket's place in the registry; dropping it frees the place.
pub struct SocketSlot<'h> {
    hub: &'h Hub,
    user: Id,
    token_hash: Vec<u8>,
    /// Becomes `true` when the token is revoked.
    pub revoked: watch::Receiver<bool>,
    /// The person had no other socket open here: they just came online.
    pub first: bool,
}

impl Drop for SocketSlot<'_> {
    fn drop(&mut self) {
        let mut sockets = self.hub.sockets.lock().expect("hub lock");
        sockets.total -= 1;
        if let Some(n) = sockets.per_user.get_mut(&self.user) {
            *n -= 1;
            if *n == 0 {
                sockets.per_user.remove(&self.user);
            }
        }
        // The last socket of this token removes its switch (this receiver is the one counted).
        if sockets.tokens.get(&self.token_hash).is_some_and(|(_, tx)| tx.receiver_count() <= 1) {
            sockets.tokens.remove(&self.token_hash);
        }
    }
}

impl Hub {
    pub fn new(limits: SocketLimits) -> Hub {
        Hub {
            channels: Mutex::default(),
            bus: OnceLock::new(),
            sockets: Mutex::default(),
            limits,
            stopping: watch::channel(false).0,
            sessions: sessions::SessionCache::default(),
        }
    }
}

impl Default for Hub {
    fn default() -> Self {
        Hub::new(SocketLimits::default())
    }
}

/// How many frames a slow connection may fall behind before it re-reads them from the log
/// (every slot is allocated up front for each person online, so it stays small).
const BUFFER: usize = 32;

impl Hub {
    pub fn subscribe(&self, user_id: Id) -> broadcast::Receiver<Frame> {
        let mut channels = self.channels.lock().expect("hub lock");
        channels.entry(user_id).or_insert_with(|| broadcast::channel(BUFFER).0).subscribe()
    }

    /// Delivers a committed change's frames: through the bus when there is one (every
    /// instance, this one included, delivers to the sockets it holds), else here directly.
    pub fn publish(&self, outbox: Outbox) {
        let now = std::time::Instant::now();
        if let Some(bus) = self.bus.get() {
            for (user_id, mut frame) in outbox.0 {
                frame.published = now;
                bus.send(user_id, frame);
            }
            return;
        }
        let mut channels = self.channels.lock().expect("hub lock");
        for (user_id, mut frame) in outbox.0 {
            frame.published = now;
            Self::deliver(&mut channels, user_id, frame);
        }
    }

    fn deliver(channels: &mut HashMap<Id, broadcast::Sender<Frame>>, user_id: Id, frame: Frame) {
        if let Some(tx) = channels.get(&user_id) {
            if tx.send(frame).is_err() {
                // Nobody listens any more.
                channels.remove(&user_id);
            }
        }
    }

    /// A frame from the bus, for the sockets of `user_id` on this instance.
    fn deliver_here(&self, user_id: Id, frame: Frame) {
        Self::deliver(&mut self.channels.lock().expect("hub lock"), user_id, frame);
    }

    /// Tells the other instances of a sign-in attempt on `account` (they count it against
    /// the account's limit too); nothing without a bus.
    pub fn share_login_attempt(&self, account: Id) {
        if let Some(bus) = self.bus.get() {
            bus.share_login_attempt(account);
        }
    }

    /// Joins the NATS bus at `url`: from now on frames go through it; sign-in attempts counted
    /// elsewhere are counted in `limits` too.
    pub async fn connect_nats(
        self: &Arc<Hub>,
        url: &str,
        limits: Arc<crate::service::rate_limits::AccountLimits>,
    ) -> anyhow::Result<()> {
        let bus = nats::Nats::start(url, Arc::downgrade(self), limits).await?;
        if self.bus.set(bus).is_err() {
            anyhow::bail!("the hub is already on a bus");
        }
        Ok(())
    }

    /// Whether the bus is usable, and its state in words (`in-process` without one).
    pub fn bus_state(&self) -> (bool, String) {
        self.bus.get().map_or((true, "in-process".into()), nats::Nats::state)
    }

    /// Sends a live-only frame to whichever of `users` are connected here.
    pub fn publish_live(&self, users: &[Id], event: &Arc<str>) {
        if let Some(bus) = self.bus.get() {
            for user_id in users {
                bus.send(*user_id, Frame::live(event.clone()));
            }
            return;
        }
        let mut channels = self.channels.lock().expect("hub lock");
        for user_id in users {
            Self::deliver(&mut channels, *user_id, Frame::live(event.clone()));
        }
    }

    /// Whether the person has a socket open on any instance (asking the others over the bus
    /// when there is one and they have none here).
    pub async fn online_anywhere(&self, user: Id) -> bool {
        if self.is_online(user) {
            return true;
        }
        match self.bus.get() {
            Some(bus) => bus.online_elsewhere(user).await,
            None => false,
        }
    }

    /// Whether the person has a socket open here.
    pub fn is_online(&self, user: Id) -> bool {
        self.sockets.lock().expect("hub lock").per_user.contains_key(&user)
    }

    /// Takes a place for a new socket of `user` opened with the token `token_hash`.
    pub fn open_socket(&self, user: Id, token_hash: &[u8]) -> Result<SocketSlot<'_>, Refusal> {
        let mut sockets = self.sockets.lock().expect("hub lock");
        if sockets.total >= self.limits.total {
            return Err(Refusal::TooManyOverall);
        }
        let mine = sockets.per_user.entry(user).or_default();
        if *mine >= self.limits.per_user {
            return Err(Refusal::TooManyForUser);
        }
        *mine += 1;
        let first = *mine == 1;
        sockets.total += 1;
        let revoked =
            sockets.tokens.entry(token_hash.to_vec()).or_insert_with(|| (user, watch::channel(false).0)).1.subscribe();
        Ok(SocketSlot { hub: self, user, token_hash: token_hash.to_vec(), revoked, first })
    }

    /// Closes every socket opened with this token.
    pub fn revoke(&self, token_hash: &[u8]) {
        match self.bus.get() {
            Some(bus) => {
                // Refused here at once, before the bus brings the revocation back.
                self.sessions.forget_token(token_hash);
                bus.revoke(nats::Revocation::Token(token_hash.to_vec()))
            }
            None => self.revoke_here(token_hash),
        }
    }

    fn revoke_here(&self, token_hash: &[u8]) {
        self.sessions.forget_token(token_hash);
        if let Some((_, tx)) = self.sockets.lock().expect("hub lock").tokens.remove(token_hash) {
            tx.send_replace(true);
        }
    }

    /// Closes every socket of `user` (signed out everywhere), on every instance.
    pub fn revoke_user(&self, user: Id) {
        match self.bus.get() {
            Some(bus) => {
                self.sessions.forget_user(user);
                bus.revoke(nats::Revocation::User(user))
            }
            None => self.revoke_user_here(user),
        }
    }

    fn revoke_user_here(&self, user: Id) {
        self.sessions.forget_user(user);
        self.sockets.lock().expect("hub lock").tokens.retain(|_, (owner, tx)| {
            if *owner == user {
                tx.send_replace(true);
            }
            *owner != user
        });
    }

    /// Sockets open now (all people).
    pub fn open_sockets(&self) -> usize {
        self.sockets.lock().expect("hub lock").total
    }

    /// Tells every socket the server is stopping.
    pub fn stop(&self) {
        self.stopping.send_replace(true);
    }

    pub fn stopping(&self) -> watch::Receiver<bool> {
        self.stopping.subscribe()
    }
}
