//! The open client streams (`GET /api/client/streaming`) and what wakes them.
//!
//! A stream holds no queue of its own: it remembers the revision it last sent
//! and, when [`Streams::announce`] says the snapshot moved, asks the delta
//! history what changed since. So a stream that cannot keep up costs nothing
//! while it waits, and when it is read again it gets one catch-up event (or a
//! hydration if the history no longer reaches back to it) — memory does not
//! grow with how far behind a consumer is.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::watch;

use crate::api_tokens::ApiToken;

/// How streams are bounded.
#[derive(Debug, Clone, Copy)]
pub struct StreamLimits {
    /// Most open streams one token may have.
    pub per_token: usize,
    /// How often a quiet stream is sent an SSE comment (Unleash Edge: 15 s),
    /// so neither side's idle timeout closes it.
    pub keep_alive: std::time::Duration,
}

/// One open stream, as the metrics see it.
#[derive(Debug)]
pub struct StreamInfo {
    pub environment: String,
    /// The revision of the environment's document last sent (0 before the first event).
    pub sent: AtomicI64,
}

#[derive(Debug, Default)]
struct Open {
    streams: HashMap<u64, Arc<StreamInfo>>,
    per_token: HashMap<String, usize>,
}

#[derive(Debug)]
pub struct Streams {
    limits: StreamLimits,
    /// The snapshot revision, sent after every catch-up (tokens included).
    revision: watch::Sender<i64>,
    /// True once the server is shutting down: every stream ends.
    closing: watch::Sender<bool>,
    open: Mutex<Open>,
    next_id: AtomicU64,
}

/// A stream's place among the open ones; dropping it (the connection ended)
/// frees the place.
#[derive(Debug)]
pub struct StreamSlot {
    streams: Arc<Streams>,
    id: u64,
    token_id: String,
    pub info: Arc<StreamInfo>,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.streams.open();
        open.streams.remove(&self.id);
        if let Some(count) = open.per_token.get_mut(&self.token_id) {
            *count -= 1;
            if *count == 0 {
                open.per_token.remove(&self.token_id);
            }
        }
    }
}

impl Streams {
    pub fn new(limits: StreamLimits) -> Streams {
        Streams {
            limits,
            revision: watch::Sender::new(0),
            closing: watch::Sender::new(false),
            open: Mutex::default(),
            next_id: AtomicU64::new(0),
        }
    }

    fn open(&self) -> std::sync::MutexGuard<'_, Open> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A place for a new stream of `token`, or `None` when the token has as
    /// many open streams as it may.
    pub fn join(self: &Arc<Self>, token: &ApiToken) -> Option<StreamSlot> {
        let mut open = self.open();
        let count = open.per_token.entry(token.id.clone()).or_default();
        if *count >= self.limits.per_token {
            return None;
        }
        *count += 1;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let info = Arc::new(StreamInfo {
            environment: token.environment.clone(),
            sent: AtomicI64::new(0),
        });
        open.streams.insert(id, Arc::clone(&info));
        Some(StreamSlot {
            streams: Arc::clone(self),
            id,
            token_id: token.id.clone(),
            info,
        })
    }

    /// Wakes every stream: the snapshot is now at `revision`.
    pub fn announce(&self, revision: i64) {
        self.revision.send_if_modified(|current| {
            let moved = *current != revision;
            *current = revision;
            moved
        });
    }

    pub fn changes(&self) -> watch::Receiver<i64> {
        self.revision.subscribe()
    }

    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Ends every stream (at shutdown, so connections can drain).
    pub fn close_all(&self) {
        self.closing.send_replace(true);
    }

    pub fn limits(&self) -> StreamLimits {
        self.limits
    }

    /// The open streams: environment and revision last sent.
    pub fn list(&self) -> Vec<Arc<StreamInfo>> {
        self.open().streams.values().cloned().collect()
    }

    pub fn count(&self) -> usize {
        self.open().streams.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api_tokens::TokenKind;

    fn token(id: &str) -> ApiToken {
        ApiToken {
            id: id.to_owned(),
            name: id.to_owned(),
            kind: TokenKind::Client,
            projects: vec!["*".to_owned()],
            environment: "development".to_owned(),
            expires_at: None,
        }
    }

    #[test]
    fn places_are_bounded_per_token_and_freed_on_drop() {
        let streams = Arc::new(Streams::new(StreamLimits {
            per_token: 2,
            keep_alive: std::time::Duration::from_secs(15),
        }));
        let a = token("a");
        let first = streams.join(&a).expect("first");
        let second = streams.join(&a).expect("second");
        assert!(streams.join(&a).is_none(), "a third stream of one token");
        let other = streams
            .join(&token("b"))
            .expect("another token has its own places");
        assert_eq!(streams.count(), 3);
        drop(first);
        assert!(
            streams.join(&a).is_some(),
            "a freed place can be taken again"
        );
        drop((second, other));
        assert_eq!(streams.count(), 0);
        assert!(streams.open().per_token.is_empty());
    }
}
