//! The sessions this instance checked a moment ago, so that a request does not read its token
//! from the database each time (a reader round trip per request was a fifth of the server's
//! time on sends: `cargo xtask bench`, docs/BENCHMARKS.md).
//!
//! A session is forgotten when it is signed out (here at once; on the other instances when the
//! revocation reaches them over the bus) and, whatever happens, [`FRESH_FOR`] after it was read:
//! a revocation the bus lost holds there at most that long. Idle expiry is checked on every use,
//! as the database would. Only tokens that worked for a request are kept (not a WebSocket's,
//! which checks its token when it opens and then rarely), at most [`CAPACITY`] of them, and
//! those gone stale leave at the latest [`FRESH_FOR`] later.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;

use confab_api::{Id, User};

/// How long a session read from the database is trusted without reading it again (ms).
pub const FRESH_FOR: i64 = 10_000;
/// Sessions kept at most (~150 bytes each).
pub const CAPACITY: usize = 20_000;

struct Known {
    user: User,
    /// The token's `last_used_at` as this instance last saw or set it.
    last_used: i64,
    /// When it was read from the database.
    read_at: i64,
}

/// The cache's key for a token's SHA-256 (`None` for anything else: never kept, never found).
fn key(token_hash: &[u8]) -> Option<[u8; 32]> {
    token_hash.try_into().ok()
}

#[derive(Default)]
pub struct SessionCache {
    /// By the token's SHA-256.
    known: Mutex<HashMap<[u8; 32], Known>>,
    /// Counts revocations, so that a session read before one is not kept after it (see
    /// [`SessionCache::keep`]).
    revocations: AtomicU64,
    /// When [`SessionCache::keep`] next drops the sessions gone stale (ms).
    next_sweep: AtomicI64,
}

impl SessionCache {
    /// The user of a token read less than [`FRESH_FOR`] ago and used since `used_since`, and
    /// when it was last used.
    pub fn get(&self, token_hash: &[u8], now: i64, used_since: i64) -> Option<(User, i64)> {
        let known = self.known.lock().expect("sessions lock");
        let k = known.get(&key(token_hash)?)?;
        (now - k.read_at < FRESH_FOR && k.last_used >= used_since).then(|| (k.user.clone(), k.last_used))
    }

    /// A mark to take before reading a session from the database, for [`SessionCache::keep`].
    pub fn mark(&self) -> u64 {
        self.revocations.load(Ordering::SeqCst)
    }

    /// Keeps a session read from the database at `read_at`, unless something was revoked since
    /// `mark` (the read may predate it).
    pub fn keep(&self, token_hash: &[u8], user: &User, last_used: i64, read_at: i64, mark: u64) {
        let Some(key) = key(token_hash) else { return };
        let mut known = self.known.lock().expect("sessions lock");
        if self.revocations.load(Ordering::SeqCst) != mark {
            return;
        }
        // Sessions gone stale leave at the latest FRESH_FOR after they went stale, or when the
        // cache is full (and if all are fresh then, it starts again).
        let full = known.len() >= CAPACITY && !known.contains_key(&key);
        if full || (!known.is_empty() && read_at >= self.next_sweep.load(Ordering::Relaxed)) {
            known.retain(|_, k| read_at - k.read_at < FRESH_FOR);
            if known.len() >= CAPACITY {
                known.clear();
            }
            if known.capacity() > 4 * known.len().max(16) {
                known.shrink_to_fit();
            }
            self.next_sweep.store(read_at + FRESH_FOR, Ordering::Relaxed);
        }
        known.insert(key, Known { user: user.clone(), last_used, read_at });
    }

    /// The token's `last_used_at` was set to `at`.
    pub fn touched(&self, token_hash: &[u8], at: i64) {
        let Some(key) = key(token_hash) else { return };
        if let Some(k) = self.known.lock().expect("sessions lock").get_mut(&key) {
            k.last_used = at;
        }
    }

    /// The token was signed out.
    pub fn forget_token(&self, token_hash: &[u8]) {
        let mut known = self.known.lock().expect("sessions lock");
        self.revocations.fetch_add(1, Ordering::SeqCst);
        if let Some(key) = key(token_hash) {
            known.remove(&key);
        }
    }

    /// Every session of `user` was signed out.
    pub fn forget_user(&self, user: Id) {
        let mut known = self.known.lock().expect("sessions lock");
        self.revocations.fetch_add(1, Ordering::SeqCst);
        known.retain(|_, k| k.user.user_id != user);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.known.lock().expect("sessions lock").len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A token hash.
    fn t(name: &str) -> [u8; 32] {
        let mut h = [0; 32];
        h[..name.len()].copy_from_slice(name.as_bytes());
        h
    }

    fn user(id: Id) -> User {
        User { user_id: id, user_name: format!("u{id}"), display_name: format!("U {id}"), avatar: String::new() }
    }

    #[test]
    fn a_session_is_trusted_for_a_while_and_while_it_is_not_idle_too_long() {
        let c = SessionCache::default();
        let mark = c.mark();
        c.keep(&t("t"), &user(1), 500, 1_000, mark);
        assert_eq!(c.get(&t("t"), 1_000 + FRESH_FOR - 1, 0).map(|(u, used)| (u.user_id, used)), Some((1, 500)));
        assert!(c.get(&t("t"), 1_000 + FRESH_FOR, 0).is_none(), "read again after FRESH_FOR");
        assert!(c.get(&t("t"), 2_000, 501).is_none(), "idle since before used_since");
        c.touched(&t("t"), 1_500);
        assert_eq!(c.get(&t("t"), 2_000, 501).map(|(_, used)| used), Some(1_500));
        assert!(c.get(&t("other"), 2_000, 0).is_none());
    }

    #[test]
    fn signing_out_forgets_the_token_or_every_session_of_the_person() {
        let c = SessionCache::default();
        for (token, id) in [("a1", 1), ("a2", 1), ("b1", 2)] {
            c.keep(&t(token), &user(id), 0, 0, c.mark());
        }
        c.forget_token(&t("a1"));
        assert!(c.get(&t("a1"), 1, 0).is_none());
        assert!(c.get(&t("a2"), 1, 0).is_some());
        c.forget_user(1);
        assert!(c.get(&t("a2"), 1, 0).is_none());
        assert_eq!(c.get(&t("b1"), 1, 0).map(|(u, _)| u.user_id), Some(2));
    }

    #[test]
    fn a_session_read_before_a_revocation_is_not_kept_after_it() {
        let c = SessionCache::default();
        let mark = c.mark();
        // The read saw the token; it is signed out before the read is kept.
        c.forget_token(&t("t"));
        c.keep(&t("t"), &user(1), 0, 0, mark);
        assert!(c.get(&t("t"), 1, 0).is_none());
        assert_eq!(c.len(), 0);
    }

    #[test]
    fn stale_sessions_leave_when_a_later_one_is_kept() {
        let c = SessionCache::default();
        c.keep(&t("old"), &user(1), 0, 0, c.mark());
        c.keep(&t("older"), &user(2), 0, 1, c.mark());
        c.keep(&t("new"), &user(3), 0, FRESH_FOR - 1_000, c.mark());
        assert_eq!(c.len(), 3, "all fresh");
        // The next sweep is FRESH_FOR after the last one (at 1).
        c.keep(&t("newest"), &user(4), 0, FRESH_FOR + 1, c.mark());
        assert!(c.get(&t("new"), FRESH_FOR + 1, 0).is_some());
        assert_eq!(c.len(), 2, "the two stale ones are gone");
    }

    #[test]
    fn it_never_holds_more_than_its_capacity() {
        let c = SessionCache::default();
        for n in 0..CAPACITY + 10 {
            c.keep(&t(&n.to_string()), &user(n as Id), 0, 0, c.mark());
            assert!(c.len() <= CAPACITY);
        }
        // Stale ones go first; all still fresh, so it started again.
        assert!(c.get(&t(&(CAPACITY + 9).to_string()), 1, 0).is_some());
    }
}
