//! What handlers share: the store, the token cache, the client snapshots and
//! the open streams.

use std::sync::Arc;

use crate::auth::TokenCache;
use crate::clock::Clock;
use crate::integrations::delivery::{Deliverer, DeliverySettings};
use crate::metrics::MetricsBuffer;
use crate::ops::{self, Actor, Context, Limits, OpResult, Operation};
use crate::quota::Quotas;
use crate::snapshot::Snapshots;
use crate::storage::{StorageResult, Store};
use crate::streams::{StreamLimits, Streams};
use crate::telemetry::Telemetry;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    pub tokens: Arc<TokenCache>,
    pub snapshots: Arc<Snapshots>,
    pub metrics: Arc<MetricsBuffer>,
    /// What one admin change may store.
    pub limits: Limits,
    /// Per-address and per-token request budgets.
    pub quotas: Arc<Quotas>,
    /// The open client streams, woken after every catch-up.
    pub streams: Arc<Streams>,
    /// What `GET /metrics` reports.
    pub telemetry: Arc<Telemetry>,
    /// Sends integrations' notifications (the outbox worker).
    pub deliverer: Arc<Deliverer>,
    /// The web UI's settings (setup code, cookie flags).
    pub ui: Arc<crate::ui::UiSettings>,
    /// What signals and action runs are held to (body cap, storage per
    /// endpoint, runs per action set per minute).
    pub automation: Arc<crate::actions::Automation>,
    /// Whose forwarding headers name the client (`--trusted-proxies`).
    pub trusted_proxies: Arc<crate::client_address::TrustedProxies>,
    /// Places for heavy admin reads (`--max-heavy-reads`, `api/admin/heavy.rs`).
    pub heavy_reads: Arc<tokio::sync::Semaphore>,
    /// The time every decision by the time reads: the store's clock.
    pub clock: Clock,
    /// One catch-up (snapshots, then tokens) at a time: a writer that finds
    /// the follower mid-way waits for it to finish, tokens included.
    catching_up: Arc<tokio::sync::Mutex<()>>,
}

impl AppState {
    /// The state over an opened store: tokens and snapshots loaded.
    pub async fn new(
        store: Store,
        limits: Limits,
        quotas: Quotas,
        stream_limits: StreamLimits,
        delivery: DeliverySettings,
    ) -> StorageResult<AppState> {
        let store = Arc::new(store);
        let state = AppState {
            deliverer: Arc::new(Deliverer::new(Arc::clone(&store), delivery)),
            limits,
            streams: Arc::new(Streams::new(stream_limits)),
            telemetry: Arc::new(Telemetry::new()),
            quotas: Arc::new(quotas),
            tokens: Arc::new(TokenCache::new(store.clock().clone())),
            snapshots: Arc::new(Snapshots::default()),
            metrics: Arc::new(MetricsBuffer::default()),
            heavy_reads: Arc::new(tokio::sync::Semaphore::new(2)),
            catching_up: Arc::default(),
            ui: Arc::default(),
            automation: Arc::default(),
            trusted_proxies: Arc::default(),
            clock: store.clock().clone(),
            store,
        };
        state.catch_up().await?;
        Ok(state)
    }

    /// The change pipeline: applies the operation in one change transaction
    /// ([`ops::apply`]), then brings this process up to date before the caller
    /// answers (read-your-writes). Every admin change goes through here.
    pub async fn apply<O: Operation>(&self, actor: &Actor, operation: O) -> OpResult<O::Output> {
        let cx = Context::new(actor.clone(), self.limits);
        let applied = ops::apply(&self.store, &cx, operation).await?;
        if applied.committed.deliveries > 0 {
            self.deliverer.wake();
        }
        if applied.committed.revision.is_some() {
            self.after_commit().await;
        }
        Ok(applied.output)
    }

    /// After a commit, before answering: rebuilds the snapshots and reloads the
    /// tokens, so this process answers with its own writes. A failure here is
    /// logged, not returned — the change is committed, and the follower
    /// ([`crate::follow`]) catches up from the change head.
    async fn after_commit(&self) {
        if let Err(e) = self.catch_up().await {
            tracing::error!(error = %e, "committed, but this process could not reload yet; the follower retries");
        }
    }

    /// Brings the snapshots up to the change head (only what changed since
    /// they were built) and reloads the tokens when tokens changed.
    pub async fn catch_up(&self) -> StorageResult<()> {
        let _one_at_a_time = self.catching_up.lock().await;
        let caught_up = self.snapshots.catch_up(&self.store).await?;
        if caught_up.tokens {
            self.tokens.reload(&self.store).await?;
        }
        self.streams.announce(self.snapshots.load().revision);
        // Another process's commit may have queued deliveries.
        self.deliverer.wake();
        Ok(())
    }
}
