//! Whether the database answered the background work of this process lately
//! (the follower, the delivery worker, the metrics writer, the readiness
//! check), so that an outage is logged once when it begins and once when it
//! ends, not at every retry of every loop.

use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use super::StorageError;

#[derive(Debug, Default)]
pub struct Reachability {
    /// When the current outage was first noticed; `None` while the database answers.
    down_since: Mutex<Option<Instant>>,
}

impl Reachability {
    /// Notes a failure of `what` (e.g. "reading the change head"): an
    /// unreachable database is logged once per outage, any other failure each time.
    pub fn failed(&self, what: &str, error: &StorageError) {
        if error.is_unreachable() {
            self.down(what, error);
        } else {
            tracing::warn!(error = %error, "{what} failed; will retry");
        }
    }

    /// Notes that the database could not be reached (or did not answer in
    /// time) while doing `what`: a warning at the first, debug after.
    pub fn down(&self, what: &str, cause: &dyn std::fmt::Display) {
        let mut down_since = self.lock();
        if down_since.is_none() {
            *down_since = Some(Instant::now());
            tracing::warn!(error = %cause,
                "the database is unreachable ({what} failed): client APIs keep answering from memory, \
                 writes are refused with 503 until it answers again");
        } else {
            tracing::debug!(error = %cause, "{what} failed: the database is still unreachable");
        }
    }

    /// Notes that the database answered: the end of an outage is logged.
    pub fn answered(&self) {
        if let Some(since) = self.lock().take() {
            tracing::info!(
                seconds = since.elapsed().as_secs(),
                "the database answers again"
            );
        }
    }

    /// Whether an outage is noted and not yet over.
    pub fn is_down(&self) -> bool {
        self.lock().is_some()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        self.down_since
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
