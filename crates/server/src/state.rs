//! What handlers share: the store, the token cache and the client snapshots.

use std::sync::Arc;

use crate::auth::TokenCache;
use crate::metrics::MetricsBuffer;
use crate::snapshot::Snapshots;
use crate::storage::{NewEvent, StorageResult, Store, WriteTx};

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    pub tokens: Arc<TokenCache>,
    pub snapshots: Arc<Snapshots>,
    pub metrics: Arc<MetricsBuffer>,
}

impl AppState {
    /// The state over an opened store: tokens and snapshots loaded.
    pub async fn new(store: Store) -> StorageResult<AppState> {
        let state = AppState {
            tokens: Arc::new(TokenCache::default()),
            snapshots: Arc::new(Snapshots::default()),
            metrics: Arc::new(MetricsBuffer::default()),
            store: Arc::new(store),
        };
        state.refresh_tokens().await?;
        state.refresh_snapshots().await?;
        Ok(state)
    }

    /// Records the change's event, commits the change with it, and brings this
    /// process up to date: how every flag, strategy and segment write ends.
    pub async fn commit_change(&self, mut w: WriteTx<'_>, event: NewEvent) -> StorageResult<()> {
        w.record_event(event).await?;
        w.commit().await?;
        self.after_commit().await;
        Ok(())
    }

    /// After a commit, before answering: rebuilds the snapshots and reloads the
    /// tokens, so this process answers with its own writes. A failure here is
    /// logged, not returned — the change is committed, and the follower
    /// ([`crate::follow`]) catches up from the change head.
    pub async fn after_commit(&self) {
        if let Err(e) = self.catch_up().await {
            tracing::error!(error = %e, "committed, but this process could not reload yet; the follower retries");
        }
    }

    /// Reloads snapshots and tokens from the database.
    pub async fn catch_up(&self) -> StorageResult<()> {
        self.refresh_snapshots().await?;
        self.refresh_tokens().await
    }

    /// Rebuilds the client snapshots from the database; called after every
    /// committed change to flags or strategies.
    pub async fn refresh_snapshots(&self) -> StorageResult<()> {
        self.snapshots.rebuild(&self.store).await
    }

    /// Reloads the token cache; called after every token change, so revocation
    /// takes effect on the next request.
    pub async fn refresh_tokens(&self) -> StorageResult<()> {
        self.tokens.reload(&self.store).await
    }
}
