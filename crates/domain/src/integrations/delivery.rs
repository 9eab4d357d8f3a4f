//! The delivery worker: claims due outbox rows (on any replica; a lease makes
//! each row one process's at a time), sends them with a timeout, logs every
//! attempt, and retries failures with exponential backoff and jitter for a
//! bounded time. Woken at once by a commit that queued deliveries (and by
//! every catch-up, for other replicas' commits); looks again every second
//! whatever happens, so retries and rows left by a crashed process are sent.
//!
//! Fair between integrations: claims go round-robin over them, and each has
//! at most [`PER_INTEGRATION`] requests in flight (on all replicas together:
//! the count is of leased rows), so a slow or failing target delays only
//! itself. A circuit breaker pauses an integration after
//! [`Breaker::pause_after`] failed attempts in a row (its deliveries stay
//! queued), probes it with one delivery when the pause is over (each failed
//! probe doubles the pause, up to [`Breaker::max_pause`]) and resumes it when
//! a delivery succeeds; both changes are recorded as events
//! (`addon-delivery-paused`, `addon-delivery-resumed`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, Notify, Semaphore};
use tokio::task::JoinSet;

use super::target::TargetPolicy;
use crate::ops::{self, Actor, Context, Limits, SetDeliveryCircuit};
use flagstaff_storage::clock::Clock;
use flagstaff_storage::{AttemptOutcome, ClaimedDelivery, EventKind, Store};

/// How long one request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a claimed row stays this process's (longer than any attempt).
const LEASE: Duration = Duration::from_secs(30);
/// First retry after this; doubling, at most [`MAX_BACKOFF`], ±20% jitter.
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// A delivery still failing this long after its event is given up.
const RETRY_FOR: chrono::Duration = chrono::Duration::hours(24);
/// Most rows claimed at once, and most requests in flight in all.
const BATCH: i64 = 32;
const IN_FLIGHT: usize = 64;
/// Most requests in flight to one integration (on all replicas together), so
/// slow targets hold few of the [`IN_FLIGHT`] places: sixteen integrations
/// whose targets never answer are needed to fill them, and the breaker pauses
/// each after [`PAUSE_AFTER_FAILURES`] timeouts.
pub const PER_INTEGRATION: i64 = 4;
/// Failed attempts in a row after which an integration is paused
/// (`--integrations-pause-after-failures`).
pub const PAUSE_AFTER_FAILURES: u32 = 10;
/// The first pause of an integration; doubled by every failed probe, at most [`MAX_PAUSE`].
pub const FIRST_PAUSE: Duration = Duration::from_secs(30);
pub const MAX_PAUSE: Duration = Duration::from_secs(600);
/// The delivery log and settled rows are kept this long.
const KEEP_LOG: chrono::Duration = chrono::Duration::days(7);

#[derive(Debug, Clone)]
pub struct DeliverySettings {
    pub policy: TargetPolicy,
    /// Where people open Flagstaff (links in chat messages).
    pub public_url: String,
    /// When integrations whose attempts keep failing are paused.
    pub breaker: Breaker,
}

/// The circuit breaker's settings (see the module comment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Breaker {
    /// Failed attempts in a row after which an integration is paused.
    pub pause_after: u32,
    /// The first pause; each failed probe doubles it, up to `max_pause`.
    pub first_pause: Duration,
    pub max_pause: Duration,
}

impl Default for Breaker {
    fn default() -> Self {
        Breaker {
            pause_after: PAUSE_AFTER_FAILURES,
            first_pause: FIRST_PAUSE,
            max_pause: MAX_PAUSE,
        }
    }
}

impl Breaker {
    /// Pause number `pauses` in a row (1 = the first).
    pub fn pause(&self, pauses: i64) -> Duration {
        let doublings = u32::try_from(pauses.clamp(1, 30) - 1).unwrap_or(0);
        self.first_pause
            .saturating_mul(1 << doublings)
            .min(self.max_pause.max(self.first_pause))
    }

    fn pause_after(&self) -> i64 {
        i64::from(self.pause_after.max(1))
    }
}

pub struct Deliverer {
    store: Arc<Store>,
    settings: DeliverySettings,
    client: reqwest::Client,
    wake: Notify,
}

/// `wait` from now by `clock`.
fn stamp_in(clock: &Clock, wait: Duration) -> DateTime<Utc> {
    clock.now() + chrono::Duration::from_std(wait).unwrap_or_default()
}

/// The wait before retry number `attempts` (1 = the first retry).
pub fn backoff(attempts: i64, jitter: f64) -> Duration {
    let doubled = FIRST_BACKOFF.saturating_mul(1 << attempts.clamp(1, 20).saturating_sub(1));
    doubled
        .min(MAX_BACKOFF)
        .mul_f64(0.8 + 0.4 * jitter.clamp(0.0, 1.0))
}

/// A number in [0, 1) that differs from call to call.
fn jitter() -> f64 {
    (uuid::Uuid::new_v4().as_u128() % 1_000_000) as f64 / 1_000_000.0
}

impl Deliverer {
    pub fn new(store: Arc<Store>, settings: DeliverySettings) -> Deliverer {
        Deliverer {
            client: settings.policy.client(REQUEST_TIMEOUT),
            store,
            settings,
            wake: Notify::new(),
        }
    }

    /// The URL policy integrations are held to.
    pub fn policy(&self) -> &TargetPolicy {
        &self.settings.policy
    }

    /// Something may be due now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Runs until aborted (which also ends its attempts in flight; their
    /// leases run out and the rows are tried again: at least once).
    pub fn spawn(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let deliverer = Arc::clone(self);
        tokio::spawn(async move {
            let mut tasks = JoinSet::new();
            let (done, mut finished) = mpsc::channel::<(ClaimedDelivery, AttemptOutcome)>(1024);
            // Outcomes are recorded as they come, many to a transaction.
            let recorder = Arc::clone(&deliverer);
            tasks.spawn(async move {
                let mut batch = Vec::new();
                while finished.recv_many(&mut batch, 64).await > 0 {
                    let breaker = recorder.settings.breaker;
                    match recorder
                        .store
                        .finish_attempts(&batch, breaker.pause_after())
                        .await
                    {
                        Ok(changing) => {
                            for id in changing {
                                recorder.set_circuit(id).await;
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "recording integration attempts failed; they will be tried again");
                        }
                    }
                    batch.clear();
                    recorder.wake(); // leases were released
                }
            });
            let slots = Arc::new(Semaphore::new(IN_FLIGHT));
            let mut pruned = Instant::now() - Duration::from_secs(3600);
            loop {
                let free = slots.available_permits();
                let claimed = if free == 0 {
                    Vec::new()
                } else {
                    let lease_until = stamp_in(deliverer.store.clock(), LEASE);
                    let limit = i64::try_from(free).unwrap_or(BATCH).min(BATCH);
                    deliverer
                        .store
                        .claim_deliveries(limit, &lease_until, PER_INTEGRATION)
                        .await
                        .unwrap_or_else(|e| {
                            // An outage is logged once, not at every look.
                            deliverer
                                .store
                                .reachability()
                                .failed("claiming integration deliveries", &e);
                            Vec::new()
                        })
                };
                let idle = claimed.is_empty();
                for delivery in claimed {
                    let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
                        break;
                    };
                    let (deliverer, done) = (Arc::clone(&deliverer), done.clone());
                    tasks.spawn(async move {
                        let outcome = deliverer.attempt(&delivery).await;
                        if !outcome.succeeded {
                            tracing::info!(
                                integration = delivery.addon.id,
                                event = delivery.event.id,
                                attempt = delivery.attempts + 1,
                                "integration delivery failed: {}",
                                outcome.details
                            );
                        }
                        let _ = done.send((delivery, outcome)).await;
                        drop(slot);
                        deliverer.wake(); // a slot is free
                    });
                }
                // Forget finished tasks (their results are in the channel).
                while tasks.try_join_next().is_some() {}
                if pruned.elapsed() > Duration::from_secs(3600) {
                    pruned = Instant::now();
                    if let Err(e) = deliverer
                        .store
                        .prune_deliveries(&(deliverer.store.clock().now() - KEEP_LOG))
                        .await
                    {
                        tracing::warn!(error = %e, "pruning the integration delivery log failed");
                    }
                }
                if idle {
                    let _ = tokio::time::timeout(Duration::from_secs(1), deliverer.wake.notified())
                        .await;
                }
            }
        })
    }

    /// Pauses or resumes an integration, as its stored state says (an
    /// operation: decided under the change lock, recorded as an event).
    async fn set_circuit(&self, id: i64) {
        let breaker = self.settings.breaker;
        let operation = SetDeliveryCircuit {
            id,
            pause_after: breaker.pause_after(),
            paused_until: stamp_in(self.store.clock(), breaker.pause(1)),
        };
        let cx = Context::new(Actor::system(), Limits::default());
        match ops::apply(&self.store, &cx, operation).await {
            Ok(applied) => {
                match applied.output {
                    Some(EventKind::AddonDeliveryPaused) => tracing::warn!(
                        integration = id,
                        pause_s = breaker.pause(1).as_secs_f64(),
                        "integration paused after {} failed deliveries in a row; its deliveries stay queued",
                        breaker.pause_after()
                    ),
                    Some(_) => tracing::info!(integration = id, "integration resumed: a delivery succeeded"),
                    None => {}
                }
                if applied.committed.deliveries > 0 {
                    self.wake();
                }
            }
            Err(e) => {
                tracing::warn!(integration = id, error = %e, "changing an integration's delivery circuit failed; decided again after its next attempt");
            }
        }
    }

    async fn attempt(&self, delivery: &ClaimedDelivery) -> AttemptOutcome {
        let started = Instant::now();
        let addon = &delivery.addon;
        let event = crate::wire::to_value(&crate::wire::EventView::from(&delivery.event));
        let result = match super::outgoing(
            &addon.provider,
            &addon.parameters,
            &addon.signing_secret,
            &event,
            delivery.event.action_depth,
            &self.settings.public_url,
        ) {
            Err(why) => Err((None, why)),
            Ok(outgoing) => match self.settings.policy.problem(&outgoing.url).await {
                Some(why) => Err((None, format!("not sent: {why}"))),
                None => {
                    let mut request = self.client.post(&outgoing.url).body(outgoing.body);
                    for (name, value) in &outgoing.headers {
                        request = request.header(name, value);
                    }
                    match request.send().await {
                        Ok(response) if response.status().is_success() => {
                            Ok(i64::from(response.status().as_u16()))
                        }
                        Ok(response) => {
                            let status = i64::from(response.status().as_u16());
                            Err((Some(status), format!("answered HTTP {status}")))
                        }
                        Err(e) => Err((None, describe(&e))),
                    }
                }
            },
        };
        let latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        match result {
            Ok(status) => AttemptOutcome {
                succeeded: true,
                status: Some(status),
                latency_ms,
                details: format!("delivered (HTTP {status})"),
                retry_at: None,
                paused_again_until: None,
            },
            Err((status, why)) => {
                let created = delivery.created_at;
                let wait = backoff(delivery.attempts + 1, jitter());
                let next =
                    self.store.clock().now() + chrono::Duration::from_std(wait).unwrap_or_default();
                let retry_at = (next < created + RETRY_FOR).then_some(next);
                let details = if retry_at.is_some() {
                    format!("{why}; retrying in {:.1} s", wait.as_secs_f64())
                } else {
                    format!("{why}; given up after {} attempts", delivery.attempts + 1)
                };
                // Claimed while paused: a probe, which failed.
                let circuit = &addon.circuit;
                let paused_again_until = circuit.paused_until.as_ref().map(|_| {
                    stamp_in(
                        self.store.clock(),
                        self.settings.breaker.pause(circuit.pauses + 1),
                    )
                });
                AttemptOutcome {
                    succeeded: false,
                    status,
                    latency_ms,
                    details,
                    retry_at,
                    paused_again_until,
                }
            }
        }
    }
}

/// A transport error in a sentence (without the URL, which may hold a secret).
fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        format!("no answer within {} s", REQUEST_TIMEOUT.as_secs())
    } else if error.is_connect() {
        format!("could not connect: {}", root_cause(error))
    } else {
        format!("request failed: {}", root_cause(error))
    }
}

fn root_cause(error: &dyn std::error::Error) -> String {
    let mut cause = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        assert_eq!(backoff(1, 0.5), Duration::from_millis(500));
        assert_eq!(backoff(2, 0.5), Duration::from_millis(1000));
        assert_eq!(backoff(4, 0.5), Duration::from_millis(4000));
        assert_eq!(backoff(1, 0.0), Duration::from_millis(400));
        assert_eq!(backoff(1, 1.0), Duration::from_millis(600));
        assert_eq!(backoff(40, 0.5), MAX_BACKOFF);
    }

    #[test]
    fn pauses_double_and_are_capped() {
        let breaker = Breaker::default();
        assert_eq!(breaker.pause(1), Duration::from_secs(30));
        assert_eq!(breaker.pause(2), Duration::from_secs(60));
        assert_eq!(breaker.pause(4), Duration::from_secs(240));
        assert_eq!(breaker.pause(5), Duration::from_secs(480));
        assert_eq!(breaker.pause(6), MAX_PAUSE);
        assert_eq!(breaker.pause(1000), MAX_PAUSE);
        assert_eq!(breaker.pause(0), FIRST_PAUSE);
    }
}
