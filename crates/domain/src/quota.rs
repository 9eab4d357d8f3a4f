//! Fixed-window quotas keyed by who asks: how many wrong tokens one client
//! address may present, and how many metrics reports and registrations (or
//! signals) one token may send, per window. Memory is bounded (at most [`MAX_KEYS`] keys;
//! expired windows are dropped first), and a request from a key with budget
//! left costs one short lock; failed-authentication checks cost one atomic load
//! while no address is over its budget.
//!
//! Sign-ins have their own throttle ([`SignIns`]): a streak of failures per
//! (address, login) and per login, each refused for a doubling delay past a
//! few failures ([`Backoff`]), counted *before* the password is hashed.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use flagstaff_storage::clock::Clock;

/// The quotas of one server.
pub struct Quotas {
    /// Wrong or missing tokens, per client address.
    pub failed_auth: Quota<IpAddr>,
    /// Metrics reports and registrations, per token (by its id); signals, per
    /// signal endpoint token (`signal-token:<id>`).
    pub reports: Quota<String>,
    /// Sign-in attempts, per (address, login) and per login.
    pub sign_ins: SignIns,
}

impl Quotas {
    /// Budgets per minute.
    pub fn per_minute(failed_auth: u32, reports: u32) -> Quotas {
        let minute = Duration::from_secs(60);
        Quotas {
            failed_auth: Quota::new(failed_auth, minute),
            reports: Quota::new(reports, minute),
            sign_ins: SignIns::default(),
        }
    }

    /// The quotas with their windows and delays measured by `clock`.
    pub fn with_clock(self, clock: &Clock) -> Quotas {
        Quotas {
            failed_auth: self.failed_auth.with_clock(clock),
            reports: self.reports.with_clock(clock),
            sign_ins: SignIns {
                pairs: self.sign_ins.pairs.with_clock(clock),
                logins: self.sign_ins.logins.with_clock(clock),
            },
        }
    }
}

/// Most keys tracked; past it, expired windows are dropped, then the oldest.
pub const MAX_KEYS: usize = 10_000;

pub struct Quota<K> {
    budget: u32,
    window: Duration,
    /// Key → (start of its window, uses in it).
    table: Mutex<HashMap<K, (Instant, u32)>>,
    /// Some key is over its budget (so [`Quota::refused`] must look).
    any_over: AtomicBool,
    clock: Clock,
}

impl<K: Hash + Eq + Clone> Quota<K> {
    pub fn new(budget: u32, window: Duration) -> Quota<K> {
        Quota {
            budget: budget.max(1),
            window,
            table: Mutex::new(HashMap::new()),
            any_over: AtomicBool::new(false),
            clock: Clock::System,
        }
    }

    /// The quota with its windows measured by `clock`.
    pub fn with_clock(self, clock: &Clock) -> Quota<K> {
        Quota {
            clock: clock.clone(),
            ..self
        }
    }

    /// Counts one use by `key`; `Err(seconds)` until its window ends when it
    /// has no budget left (the use is not counted then).
    pub fn take(&self, key: &K) -> Result<(), u64> {
        let now = self.clock.instant();
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        if table.len() >= MAX_KEYS && !table.contains_key(key) {
            self.make_room(&mut table, now);
        }
        let entry = table.entry(key.clone()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.budget {
            self.any_over.store(true, Ordering::Relaxed);
            return Err(self.retry_after(entry.0, now));
        }
        entry.1 += 1;
        if entry.1 >= self.budget {
            self.any_over.store(true, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Gives back one use counted by [`Quota::take`] in the current window
    /// (a sign-in counted before its password was checked, that succeeded).
    pub fn give_back(&self, key: &K) {
        let now = self.clock.instant();
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((start, used)) = table.get_mut(key) {
            if now.duration_since(*start) < self.window {
                *used = used.saturating_sub(1);
            }
        }
    }

    /// `Some(seconds)` while `key` has no budget left in its window.
    pub fn refused(&self, key: &K) -> Option<u64> {
        if !self.any_over.load(Ordering::Relaxed) {
            return None;
        }
        let now = self.clock.instant();
        let table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        let (start, used) = *table.get(key)?;
        (now.duration_since(start) < self.window && used >= self.budget)
            .then(|| self.retry_after(start, now))
    }

    fn retry_after(&self, start: Instant, now: Instant) -> u64 {
        (self
            .window
            .saturating_sub(now.duration_since(start))
            .as_secs()
            + 1)
        .min(self.window.as_secs() + 1)
    }

    /// Drops expired windows; if none expired, the oldest half.
    fn make_room(&self, table: &mut HashMap<K, (Instant, u32)>, now: Instant) {
        table.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        if table.len() >= MAX_KEYS {
            let mut starts: Vec<Instant> = table.values().map(|(s, _)| *s).collect();
            starts.sort_unstable();
            let cutoff = starts[starts.len() / 2];
            table.retain(|_, (start, _)| *start > cutoff);
        }
        let over = table.values().any(|(_, used)| *used >= self.budget);
        self.any_over.store(over, Ordering::Relaxed);
    }
}

/// Streaks of consecutive failures per key: the first `free` failures cost
/// nothing; each one after them refuses the key for a delay that doubles
/// (1 s, 2 s, 4 s, … up to `max`). A success clears the streak; a streak
/// with no failure for `forget` is dropped. At most [`MAX_KEYS`] keys: past
/// it, forgotten streaks go first, then those not being refused, then the
/// oldest half (so a flood of new keys cannot wipe a refused key's streak
/// before keys it has not refused).
pub struct Backoff<K> {
    free: u32,
    max: Duration,
    forget: Duration,
    table: Mutex<HashMap<K, Streak>>,
    clock: Clock,
}

#[derive(Debug, Clone, Copy)]
struct Streak {
    failures: u32,
    last: Instant,
    /// Refused until then.
    until: Instant,
}

impl<K: Hash + Eq + Clone> Backoff<K> {
    pub fn new(free: u32, max: Duration, forget: Duration) -> Backoff<K> {
        Backoff {
            free,
            max,
            forget: forget.max(max),
            table: Mutex::new(HashMap::new()),
            clock: Clock::System,
        }
    }

    /// The backoff with its delays measured by `clock`.
    pub fn with_clock(self, clock: &Clock) -> Backoff<K> {
        Backoff {
            clock: clock.clone(),
            ..self
        }
    }

    /// `Some(seconds)` while `key` is refused.
    pub fn refused(&self, key: &K) -> Option<u64> {
        let now = self.clock.instant();
        let table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        table
            .get(key)
            .filter(|s| s.until > now)
            .map(|s| seconds_until(s.until, now))
    }

    /// Whether `key` failed lately (its streak is not forgotten).
    pub fn failed_lately(&self, key: &K) -> bool {
        let now = self.clock.instant();
        let table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        table
            .get(key)
            .is_some_and(|s| s.failures > 0 && now.duration_since(s.last) < self.forget)
    }

    /// Counts a failure by `key` unless it is refused now (`Err(seconds)`,
    /// not counted): one lock, so parallel attempts cannot all get through.
    pub fn fail(&self, key: &K) -> Result<(), u64> {
        let now = self.clock.instant();
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        if table.len() >= MAX_KEYS && !table.contains_key(key) {
            self.make_room(&mut table, now);
        }
        let streak = table.entry(key.clone()).or_insert(Streak {
            failures: 0,
            last: now,
            until: now,
        });
        if streak.until > now {
            return Err(seconds_until(streak.until, now));
        }
        if now.duration_since(streak.last) >= self.forget {
            streak.failures = 0;
        }
        streak.failures = streak.failures.saturating_add(1);
        streak.last = now;
        if let Some(past) = streak.failures.checked_sub(self.free) {
            let delay = Duration::from_secs(1u64 << past.min(20)).min(self.max);
            streak.until = now + delay;
        }
        Ok(())
    }

    /// A success: `key`'s streak ends.
    pub fn clear(&self, key: &K) {
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        table.remove(key);
    }

    fn make_room(&self, table: &mut HashMap<K, Streak>, now: Instant) {
        table.retain(|_, s| now.duration_since(s.last) < self.forget || s.until > now);
        if table.len() >= MAX_KEYS {
            table.retain(|_, s| s.until > now);
        }
        if table.len() >= MAX_KEYS {
            let mut lasts: Vec<Instant> = table.values().map(|s| s.last).collect();
            lasts.sort_unstable();
            let cutoff = lasts[lasts.len() / 2];
            table.retain(|_, s| s.last > cutoff);
        }
    }
}

/// Whole seconds from `now` to `until`, rounded up (a `Retry-After`).
fn seconds_until(until: Instant, now: Instant) -> u64 {
    let left = until.saturating_duration_since(now);
    left.as_secs() + u64::from(left.subsec_nanos() > 0)
}

/// Failures of one login from one address before it is refused for a while.
pub const SIGN_IN_FREE_PER_ADDRESS: u32 = 5;
/// Failures of one login from anywhere before addresses that failed on it are refused for a while.
pub const SIGN_IN_FREE_PER_LOGIN: u32 = 20;

/// The sign-in throttle. Every attempt is counted as a failure *before* its
/// password is hashed (a success clears it again), so parallel attempts
/// cannot all slip under a budget. An attempt of login L from address A is
/// refused (429, nothing hashed):
/// - while (A, L) is in its backoff: past [`SIGN_IN_FREE_PER_ADDRESS`]
///   consecutive failures, 1 s doubling to 15 minutes — brute force on one
///   account from one address;
/// - when (A, L) failed lately *and* L is in its backoff (past
///   [`SIGN_IN_FREE_PER_LOGIN`] consecutive failures from anywhere, 1 s
///   doubling to 5 minutes — brute force on one account from many addresses)
///   or A is over its failed-authentication budget (wrong tokens and
///   sign-ins from A).
///
/// So nobody can lock out someone else's correct password: an address that
/// has not failed on a login gets its attempt whatever others did from the
/// same address or to the same login, while every address that guesses is
/// slowed down on its own streak. (The cost: from an address over its
/// budget, each login named for the first time still gets one try; the
/// hashing limit bounds what those cost.)
pub struct SignIns {
    pairs: Backoff<(IpAddr, String)>,
    logins: Backoff<String>,
}

impl Default for SignIns {
    fn default() -> SignIns {
        SignIns {
            pairs: Backoff::new(
                SIGN_IN_FREE_PER_ADDRESS,
                Duration::from_secs(15 * 60),
                Duration::from_secs(15 * 60),
            ),
            logins: Backoff::new(
                SIGN_IN_FREE_PER_LOGIN,
                Duration::from_secs(5 * 60),
                Duration::from_secs(15 * 60),
            ),
        }
    }
}

/// A sign-in attempt counted as a failure; [`SignInAttempt::succeeded`]
/// takes it back.
#[must_use]
pub struct SignInAttempt {
    address: IpAddr,
    login: String,
    /// Whether the address's failed-authentication quota counted it.
    counted: bool,
}

impl SignIns {
    /// `Some(seconds)` when an attempt of `login` from `address` is refused
    /// now (see [`SignIns`]); counts nothing.
    pub fn refused(
        &self,
        failed_auth: &Quota<IpAddr>,
        address: IpAddr,
        login: &str,
    ) -> Option<u64> {
        let pair = (address, login.to_owned());
        if let Some(seconds) = self.pairs.refused(&pair) {
            return Some(seconds);
        }
        if !self.pairs.failed_lately(&pair) {
            return None;
        }
        self.logins
            .refused(&pair.1)
            .or_else(|| failed_auth.refused(&address))
    }

    /// Counts an attempt as a failure before its password is checked, or
    /// `Err(seconds)` when it is refused (nothing counted).
    pub fn begin(
        &self,
        failed_auth: &Quota<IpAddr>,
        address: IpAddr,
        login: &str,
    ) -> Result<SignInAttempt, u64> {
        if let Some(seconds) = self.refused(failed_auth, address, login) {
            return Err(seconds);
        }
        // The one lock that parallel attempts of one pair queue on.
        self.pairs.fail(&(address, login.to_owned()))?;
        let _ = self.logins.fail(&login.to_owned());
        Ok(SignInAttempt {
            address,
            login: login.to_owned(),
            counted: failed_auth.take(&address).is_ok(),
        })
    }
}

impl SignInAttempt {
    /// The password was right: the streaks end and the address's budget gets
    /// its use back.
    pub fn succeeded(self, quotas: &Quotas) {
        quotas
            .sign_ins
            .pairs
            .clear(&(self.address, self.login.clone()));
        quotas.sign_ins.logins.clear(&self.login);
        if self.counted {
            quotas.failed_auth.give_back(&self.address);
        }
    }
}

#[cfg(test)]
mod tests;
