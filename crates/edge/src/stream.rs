//! `--streaming`: per scope, the upstream's `/api/client/streaming` (a
//! Flagstaff upstream, or Unleash Enterprise) as a change signal. Each
//! `unleash-updated` event wakes the scope's fetch at once, so a change is at
//! the edge a fetch after the upstream announced it — milliseconds — and the
//! document served stays exactly the upstream's. Polling goes on at its
//! interval beside it, so a broken stream costs freshness, never
//! correctness; the stream reconnects with backoff, and an upstream without
//! one (404, Unleash OSS) is polled only.

use std::sync::Arc;
use std::time::Duration;

use crate::follow::backoff;
use crate::scopes::ScopeEntry;
use crate::state::EdgeState;

/// Follows `entry`'s stream until its scope is gone.
pub async fn listen(state: EdgeState, entry: Arc<ScopeEntry>) {
    let Some(upstream) = state.upstream.clone() else {
        return;
    };
    let mut failures = 0;
    loop {
        if !state
            .scopes
            .get(&entry.scope)
            .is_some_and(|current| Arc::ptr_eq(&current, &entry))
        {
            return;
        }
        match upstream.stream(&entry.token()).await {
            Ok(Some(mut response)) => {
                failures = 0;
                let mut line = Vec::new();
                while let Ok(Some(chunk)) = response.chunk().await {
                    for &byte in chunk.iter() {
                        if byte != b'\n' {
                            line.push(byte);
                            continue;
                        }
                        // A change (or, after a reconnect, a fresh hydration): fetch now.
                        if line.starts_with(b"event:") {
                            entry.wake.notify_one();
                        }
                        line.clear();
                    }
                }
            }
            Ok(None) => {
                tracing::info!(scope = %entry.scope.key(), "the upstream has no /api/client/streaming; polling only");
                return;
            }
            Err(error) => {
                if failures == 0 {
                    tracing::warn!(scope = %entry.scope.key(), %error, "the upstream's stream failed; polling meanwhile");
                }
                failures += 1;
            }
        }
        tokio::time::sleep(backoff(Duration::from_secs(1), failures)).await;
    }
}
