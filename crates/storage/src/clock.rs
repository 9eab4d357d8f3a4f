//! Time as an input. Whatever decides by the time — token, PAT and session
//! expiry, quotas and sign-in backoff, metrics retention, delivery retries
//! and pauses, `currentTime` of evaluations — asks the [`Clock`] the server
//! was started with instead of the operating system, so tests move time
//! forward instead of sleeping. (The engine takes the time as an argument and
//! reads no clock at all.)
//!
//! Timers that pace the server itself (connection timeouts, the follower's
//! look every second, the metrics batch window) stay on tokio's timers: they
//! decide when to look, not what the answer is.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

/// Where the server reads the time from: the system's clock in production, a
/// [`ManualClock`] in tests.
#[derive(Debug, Clone, Default)]
pub enum Clock {
    #[default]
    System,
    Manual(ManualClock),
}

impl Clock {
    /// The wall-clock time.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.moved()
    }

    /// The monotonic time (for windows and delays measured in this process).
    pub fn instant(&self) -> Instant {
        Instant::now() + self.moved()
    }

    fn moved(&self) -> Duration {
        match self {
            Clock::System => Duration::ZERO,
            Clock::Manual(manual) => manual.moved(),
        }
    }
}

/// A clock for tests: the system's time plus however far the test moved it
/// forward. Clones share one offset, so the test keeps one and gives the
/// server another. It keeps running with the system clock, so what a test
/// does not move behaves as in production; moving it makes hours pass at once.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    moved_nanos: Arc<AtomicU64>,
}

impl ManualClock {
    pub fn new() -> ManualClock {
        ManualClock::default()
    }

    /// The [`Clock`] that reads this one (to give to the server).
    pub fn clock(&self) -> Clock {
        Clock::Manual(self.clone())
    }

    /// Moves every clone of this clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let nanos = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        self.moved_nanos.fetch_add(nanos, Ordering::SeqCst);
    }

    fn moved(&self) -> Duration {
        Duration::from_nanos(self.moved_nanos.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_every_clone_and_both_kinds_of_time() {
        let hand = ManualClock::new();
        let clock = hand.clock();
        let (wall, mono) = (clock.now(), clock.instant());
        hand.advance(Duration::from_secs(3600));
        assert!(clock.now() - wall >= chrono::Duration::hours(1));
        assert!(clock.instant().duration_since(mono) >= Duration::from_secs(3600));
        let system = Clock::System;
        assert!(system.now() < clock.now() - chrono::Duration::minutes(59));
    }
}
