//! What the domain's work shares: the store, the snapshots and the token cache
//! that follow it, the open client streams they wake, the delivery worker, and
//! what operations and action runs are held to. Its [`DomainState::apply`] is
//! the change pipeline every change goes through, whoever makes it (the admin
//! API, the web UI, an action set's run); the HTTP layer's `AppState` holds one.

use std::sync::Arc;

use flagstaff_storage::{ReadOnlyStore, StorageResult, Store};

use crate::actions::Automation;
use crate::api_tokens::TokenCache;
use crate::integrations::delivery::{Deliverer, DeliverySettings};
use crate::ops::{self, Actor, Context, Limits, OpResult, Operation};
use crate::snapshot::Snapshots;
use crate::streams::{StreamLimits, Streams};

/// The configuration the domain is given: plain values, built by whoever
/// reads the command line (`flagstaff serve`'s options) or by a test.
pub struct DomainSettings {
    /// What one admin change may store.
    pub limits: Limits,
    /// How client streams are bounded.
    pub streams: StreamLimits,
    /// How integrations' notifications are sent.
    pub delivery: DeliverySettings,
    /// What signals and action runs are held to.
    pub automation: Automation,
}

/// A change with this many events wrote enough flag rows at once that the
/// database's planner statistics are refreshed after it
/// (`Store::refresh_flag_statistics`).
const BULK_CHANGE_EVENTS: usize = 1_000;

#[derive(Clone)]
pub struct DomainState {
    pub(crate) store: Arc<Store>,
    pub(crate) tokens: Arc<TokenCache>,
    pub(crate) snapshots: Arc<Snapshots>,
    pub(crate) limits: Limits,
    /// The open client streams, woken after every catch-up.
    pub(crate) streams: Arc<Streams>,
    /// Sends integrations' notifications (the outbox worker).
    pub(crate) deliverer: Arc<Deliverer>,
    /// What signals and action runs are held to (body cap, storage per
    /// endpoint, runs per action set per minute).
    pub(crate) automation: Arc<Automation>,
    /// One catch-up (snapshots, then tokens) at a time: a writer that finds
    /// the follower mid-way waits for it to finish, tokens included.
    catching_up: Arc<tokio::sync::Mutex<()>>,
}

impl DomainState {
    /// The state over an opened store: tokens and snapshots loaded.
    pub async fn new(store: Store, settings: DomainSettings) -> StorageResult<DomainState> {
        let store = Arc::new(store);
        let state = DomainState {
            deliverer: Arc::new(Deliverer::new(Arc::clone(&store), settings.delivery)),
            limits: settings.limits,
            streams: Arc::new(Streams::new(settings.streams)),
            tokens: Arc::new(TokenCache::new(store.clock().clone())),
            snapshots: Arc::new(Snapshots::default()),
            automation: Arc::new(settings.automation),
            catching_up: Arc::default(),
            store,
        };
        state.catch_up().await?;
        Ok(state)
    }

    /// The store's reads. Only the domain writes: through [`DomainState::apply`]
    /// and its named unversioned writers, never through this handle.
    pub fn store(&self) -> ReadOnlyStore {
        ReadOnlyStore::new(Arc::clone(&self.store))
    }

    pub fn tokens(&self) -> &Arc<TokenCache> {
        &self.tokens
    }

    pub fn snapshots(&self) -> &Arc<Snapshots> {
        &self.snapshots
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    pub fn streams(&self) -> &Arc<Streams> {
        &self.streams
    }

    pub fn deliverer(&self) -> &Arc<Deliverer> {
        &self.deliverer
    }

    pub fn automation(&self) -> &Arc<Automation> {
        &self.automation
    }

    /// The change pipeline: applies the operation in one change transaction
    /// ([`ops::apply`]), then brings this process up to date before the caller
    /// answers (read-your-writes). Every change goes through here.
    pub async fn apply<O: Operation>(&self, actor: &Actor, operation: O) -> OpResult<O::Output> {
        let cx = Context::new(actor.clone(), self.limits);
        let applied = ops::apply(&self.store, &cx, operation).await?;
        if applied.committed.deliveries > 0 {
            self.deliverer.wake();
        }
        if applied.committed.revision.is_some() {
            self.after_commit().await;
        }
        if applied.committed.events.len() >= BULK_CHANGE_EVENTS {
            if let Err(e) = self.store.refresh_flag_statistics().await {
                tracing::warn!(error = %e, "could not refresh the planner's statistics after a bulk change");
            }
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
