//! Per-account rate limits (per-address limits are tower layers, see `routes::limits`).
//! Keys are only ever accounts that exist, so an anonymous caller cannot grow the table by
//! inventing names; old entries are dropped by the maintenance task.

use std::num::NonZeroU32;

use confab_api::Id;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::{Rate, RateLimits};
use crate::error::{AppError, AppResult};

pub fn quota(rate: Rate) -> Quota {
    let burst = NonZeroU32::new(rate.burst.max(1)).expect("at least 1");
    Quota::with_period(rate.every.max(std::time::Duration::from_nanos(1))).expect("non-zero period").allow_burst(burst)
}

pub struct AccountLimits {
    login: DefaultKeyedRateLimiter<Id>,
    send: DefaultKeyedRateLimiter<Id>,
    send_burst: u32,
    write: DefaultKeyedRateLimiter<Id>,
}

fn too_fast(what: &str, not_until: governor::NotUntil<governor::clock::QuantaInstant>) -> AppError {
    let wait = not_until.wait_time_from(governor::clock::Clock::now(&governor::clock::DefaultClock::default()));
    let secs = wait.as_secs() + 1;
    AppError::too_many(format!("{what}; try again in {secs} s"), secs)
}

impl AccountLimits {
    pub fn new(rates: &RateLimits) -> AccountLimits {
        AccountLimits {
            login: RateLimiter::keyed(quota(rates.login_per_account)),
            send: RateLimiter::keyed(quota(rates.send_per_account)),
            send_burst: rates.send_per_account.burst.max(1),
            write: RateLimiter::keyed(quota(rates.write_per_account)),
        }
    }

    /// Counts a change `account` asks for (see [`RateLimits::write_per_account`]); 429 once it
    /// has asked for too many.
    pub fn writing(&self, account: Id) -> AppResult<()> {
        self.write.check_key(&account).map_err(|n| too_fast("you are making changes too fast", n))
    }

    /// Counts `messages` sent by `account` (per instance); 429, counting none, once it has sent
    /// too many. More than the whole allowance at once (a forward of many to many) takes all of
    /// it, so it needs a full allowance and then empties it.
    pub fn sending(&self, account: Id, messages: usize) -> AppResult<()> {
        let n = u32::try_from(messages).unwrap_or(u32::MAX).clamp(1, self.send_burst);
        let n = NonZeroU32::new(n).expect("at least 1");
        match self.send.check_key_n(&account, n) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(not_until)) => Err(too_fast("you are sending too fast", not_until)),
            // Not reachable: `n` is at most the burst.
            Err(_) => Err(AppError::too_many("you are sending too fast; try again in a moment", 1)),
        }
    }

    /// Counts a sign-in attempt on `account`; 429 once it has had too many.
    pub fn login_attempt(&self, account: Id) -> AppResult<()> {
        self.login.check_key(&account).map_err(|n| too_fast("too many sign-in attempts for this account", n))
    }

    /// An attempt another instance of the cluster counted: it counts here too, so that
    /// several instances do not multiply the attempts an account allows.
    pub fn count_elsewhere(&self, account: Id) {
        let _ = self.login.check_key(&account);
    }

    /// Forgets accounts whose buckets are full again.
    pub fn forget_idle(&self) {
        self.login.retain_recent();
        self.login.shrink_to_fit();
        self.send.retain_recent();
        self.send.shrink_to_fit();
        self.write.retain_recent();
        self.write.shrink_to_fit();
    }
}
