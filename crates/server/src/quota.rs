//! Fixed-window quotas keyed by who asks: how many wrong tokens one client
//! address may present, and how many metrics reports and registrations (or
//! signals) one token may send, per window. Memory is bounded (at most [`MAX_KEYS`] keys;
//! expired windows are dropped first), and a request from a key with budget
//! left costs one short lock; failed-authentication checks cost one atomic load
//! while no address is over its budget.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The quotas of one server.
pub struct Quotas {
    /// Wrong or missing tokens, per client address.
    pub failed_auth: Quota<std::net::IpAddr>,
    /// Metrics reports and registrations, per token (by its id); signals, per
    /// signal endpoint token (`signal-token:<id>`).
    pub reports: Quota<String>,
}

impl Quotas {
    /// Budgets per minute.
    pub fn per_minute(failed_auth: u32, reports: u32) -> Quotas {
        let minute = Duration::from_secs(60);
        Quotas {
            failed_auth: Quota::new(failed_auth, minute),
            reports: Quota::new(reports, minute),
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
}

impl<K: Hash + Eq + Clone> Quota<K> {
    pub fn new(budget: u32, window: Duration) -> Quota<K> {
        Quota {
            budget: budget.max(1),
            window,
            table: Mutex::new(HashMap::new()),
            any_over: AtomicBool::new(false),
        }
    }

    /// Counts one use by `key`; `Err(seconds)` until its window ends when it
    /// has no budget left (the use is not counted then).
    pub fn take(&self, key: &K) -> Result<(), u64> {
        let now = Instant::now();
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

    /// `Some(seconds)` while `key` has no budget left in its window.
    pub fn refused(&self, key: &K) -> Option<u64> {
        if !self.any_over.load(Ordering::Relaxed) {
            return None;
        }
        let now = Instant::now();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_gets_its_budget_per_window_and_others_are_untouched() {
        let quota = Quota::new(3, Duration::from_millis(200));
        for _ in 0..3 {
            assert_eq!(quota.take(&"a"), Ok(()));
        }
        assert!(quota.take(&"a").is_err());
        assert!(quota.refused(&"a").is_some());
        assert_eq!(quota.refused(&"b"), None);
        assert_eq!(quota.take(&"b"), Ok(()));
        std::thread::sleep(Duration::from_millis(250));
        assert_eq!(quota.refused(&"a"), None);
        assert_eq!(quota.take(&"a"), Ok(()));
    }

    #[test]
    fn memory_stays_bounded() {
        let quota = Quota::new(1, Duration::from_secs(60));
        for key in 0..(3 * MAX_KEYS) {
            let _ = quota.take(&key);
        }
        let table = quota.table.lock().unwrap_or_else(PoisonError::into_inner);
        assert!(table.len() <= MAX_KEYS, "{}", table.len());
    }
}
