//! Scheduled changes: every replica looks twice a second (tokio pacing) for
//! change requests whose `scheduledAt` has come by the store's clock (so tests
//! move a `ManualClock` instead of sleeping), and applies each through
//! [`ApplyScheduled`], which claims it under the change lock and marks it
//! applied in the same transaction: of several replicas on one database
//! exactly one applies it, the others find it applied. The schedule is
//! stored, so a restart picks it up. One that cannot apply (a conflict, a
//! refused operation) is marked failed with the reason, and its event goes to
//! integrations.

use std::time::Duration;

use crate::ops::{ApplyScheduled, MarkScheduleFailed, OpError};
use crate::{ops::Actor, DomainState};
use flagstaff_storage::StorageResult;

/// Who the event log names for scheduled applications.
pub const SCHEDULER: &str = "scheduler";

/// Applies the due schedules until the task is aborted.
pub fn spawn(state: DomainState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(500));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            // An outage is logged once (not twice a second), as by the follower.
            if let Err(e) = apply_due(&state).await {
                state
                    .store
                    .reachability()
                    .failed("applying scheduled change requests", &e);
            }
        }
    })
}

/// Applies (or marks failed) every schedule due now; how many it applied.
pub async fn apply_due(state: &DomainState) -> StorageResult<usize> {
    let now = state.store.clock().now();
    let due = state.store.due_change_requests(&now).await?;
    let actor = Actor::named(SCHEDULER);
    let mut applied = 0;
    for id in due {
        match state.apply(&actor, ApplyScheduled { id }).await {
            Ok(true) => applied += 1,
            Ok(false) => {}
            Err(OpError::Storage(e)) => return Err(e),
            Err(refused) => {
                tracing::warn!(change_request = id, reason = %refused, "a scheduled change request could not be applied");
                let failed = MarkScheduleFailed {
                    id,
                    reason: refused.to_string(),
                };
                match state.apply(&actor, failed).await {
                    Ok(()) => {}
                    Err(OpError::Storage(e)) => return Err(e),
                    Err(other) => {
                        tracing::error!(change_request = id, error = %other, "could not mark a schedule failed")
                    }
                }
            }
        }
    }
    Ok(applied)
}
