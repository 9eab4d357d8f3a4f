//! The follower: keeps this process's snapshots and token cache up with
//! changes committed by any process on the same database, so several
//! `flagstaff serve` replicas are interchangeable.
//!
//! On PostgreSQL every change is announced with `NOTIFY` at commit
//! ([`flagstaff_storage::CHANGES_CHANNEL`]); the follower listens and reloads when
//! the announced revision is ahead of its snapshot. Whatever the database, it
//! also compares the change head with its snapshot every [`CHECK_EVERY`]: the
//! safety net for a dropped listener (which reconnects and catches up) and the
//! only path on SQLite.

use std::time::Duration;

use sqlx::postgres::PgListener;

use crate::state::DomainState;
use flagstaff_storage::{DatabaseLocation, StorageError, CHANGES_CHANNEL};

/// How often the change head is compared with the snapshot, whatever else happens.
pub const CHECK_EVERY: Duration = Duration::from_secs(1);

/// Runs until aborted.
pub fn spawn(state: DomainState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        match state.store.location().clone() {
            DatabaseLocation::Postgres { url } => follow_postgres(&state, &url).await,
            _ => loop {
                tokio::time::sleep(CHECK_EVERY).await;
                catch_up_if_behind(&state).await;
            },
        }
    })
}

/// Reloads when the database's change head differs from this process's
/// snapshot. While the database cannot be reached the snapshot stays as it
/// is (client APIs answer from it) and the outage is logged once, by
/// [`flagstaff_storage::Reachability`], not at every look.
async fn catch_up_if_behind(state: &DomainState) {
    let reachability = state.store.reachability();
    match state.store.current_revision().await {
        Ok(head) => {
            reachability.answered();
            if head != state.snapshots.load().revision {
                match state.catch_up().await {
                    Ok(()) => {
                        tracing::debug!(
                            revision = head,
                            "caught up with changes of another process"
                        );
                    }
                    Err(e) => reachability.failed(&format!("catching up with revision {head}"), &e),
                }
            }
        }
        Err(e) => reachability.failed("reading the change head", &e),
    }
}

async fn follow_postgres(state: &DomainState, url: &str) -> ! {
    let mut backoff = Duration::from_millis(100);
    loop {
        match PgListener::connect(url).await {
            Ok(mut listener) => match listener.listen(CHANGES_CHANNEL).await {
                Ok(()) => {
                    backoff = Duration::from_millis(100);
                    // Anything committed while not listening.
                    catch_up_if_behind(state).await;
                    listen(state, &mut listener).await;
                }
                Err(e) => state
                    .store
                    .reachability()
                    .failed("LISTEN for changes", &StorageError::from(e)),
            },
            Err(e) => state
                .store
                .reachability()
                .failed("connecting to listen for changes", &StorageError::from(e)),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

/// Follows notifications until the connection fails.
async fn listen(state: &DomainState, listener: &mut PgListener) {
    let mut check = tokio::time::interval(CHECK_EVERY);
    loop {
        tokio::select! {
            received = listener.try_recv() => match received {
                Ok(Some(notification)) => {
                    let announced: i64 = notification.payload().parse().unwrap_or(i64::MAX);
                    if announced > state.snapshots.load().revision {
                        catch_up_if_behind(state).await;
                    }
                }
                // The connection was lost (e.g. the server ended it).
                Ok(None) => {
                    tracing::warn!("the change listener lost its connection; reconnecting");
                    return;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the change listener failed; reconnecting");
                    return;
                }
            },
            _ = check.tick() => catch_up_if_behind(state).await,
        }
    }
}
