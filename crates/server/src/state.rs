//! What handlers share: the domain's state (the change pipeline, the store, the
//! token cache, the client snapshots and the open streams) and what only the
//! HTTP layer needs (request budgets, the web UI's settings, `GET /metrics`).

use std::sync::Arc;

use flagstaff_domain::actions::Automation;
use flagstaff_domain::integrations::Deliverer;
use flagstaff_domain::ops::{Actor, OpResult, Operation};
use flagstaff_domain::snapshot::Snapshots;
use flagstaff_domain::MetricsBuffer;
use flagstaff_domain::Quotas;
use flagstaff_domain::Streams;
use flagstaff_domain::TokenCache;
use flagstaff_domain::{DomainSettings, DomainState};
use flagstaff_storage::{Clock, ReadOnlyStore, StorageResult, Store};

use crate::client_address::TrustedProxies;
use crate::config::UiSettings;
use crate::telemetry::Telemetry;

/// The handles below that the domain also holds are the same objects
/// ([`DomainState`]'s), kept here so a handler reads `state.store`. That is a
/// [`ReadOnlyStore`]: a change goes through [`AppState::apply`], any other
/// write through the domain's named writers (`state.domain()`).
#[derive(Clone)]
pub struct AppState {
    domain: DomainState,
    pub(crate) store: ReadOnlyStore,
    pub(crate) tokens: Arc<TokenCache>,
    pub(crate) snapshots: Arc<Snapshots>,
    pub(crate) metrics: Arc<MetricsBuffer>,
    /// Per-address and per-token request budgets.
    pub(crate) quotas: Arc<Quotas>,
    /// The open client streams, woken after every catch-up.
    pub(crate) streams: Arc<Streams>,
    /// What `GET /metrics` reports.
    pub(crate) telemetry: Arc<Telemetry>,
    /// Sends integrations' notifications (the outbox worker).
    pub(crate) deliverer: Arc<Deliverer>,
    /// The web UI's settings (setup code, cookie flags).
    pub(crate) ui: Arc<UiSettings>,
    /// What signals and action runs are held to (body cap, storage per
    /// endpoint, runs per action set per minute).
    pub(crate) automation: Arc<Automation>,
    /// Whose forwarding headers name the client (`--trusted-proxies`).
    pub(crate) trusted_proxies: Arc<TrustedProxies>,
    /// Places for heavy admin reads (`--max-heavy-reads`, `api/admin/heavy.rs`).
    pub(crate) heavy_reads: Arc<tokio::sync::Semaphore>,
    /// The time every decision by the time reads: the store's clock.
    pub(crate) clock: Clock,
}

impl axum::extract::FromRef<AppState> for Arc<TrustedProxies> {
    fn from_ref(state: &AppState) -> Self {
        Arc::clone(&state.trusted_proxies)
    }
}

impl AppState {
    /// The state over an opened store: tokens and snapshots loaded.
    pub async fn new(
        store: Store,
        settings: DomainSettings,
        quotas: Quotas,
    ) -> StorageResult<AppState> {
        let domain = DomainState::new(store, settings).await?;
        Ok(AppState {
            store: domain.store(),
            tokens: Arc::clone(domain.tokens()),
            snapshots: Arc::clone(domain.snapshots()),
            streams: Arc::clone(domain.streams()),
            deliverer: Arc::clone(domain.deliverer()),
            automation: Arc::clone(domain.automation()),
            telemetry: Arc::new(Telemetry::new()),
            quotas: Arc::new(quotas),
            metrics: Arc::new(MetricsBuffer::default()),
            heavy_reads: Arc::new(tokio::sync::Semaphore::new(2)),
            ui: Arc::default(),
            trusted_proxies: Arc::default(),
            clock: domain.store().clock().clone(),
            domain,
        })
    }

    /// The domain's state, for the work that runs beside requests (the
    /// follower, action runs).
    pub(crate) fn domain(&self) -> &DomainState {
        &self.domain
    }

    /// The change pipeline ([`DomainState::apply`]): applies the operation in
    /// one change transaction, then brings this process up to date before the
    /// caller answers (read-your-writes). Every admin change goes through here.
    pub async fn apply<O: Operation>(&self, actor: &Actor, operation: O) -> OpResult<O::Output> {
        self.domain.apply(actor, operation).await
    }
}
