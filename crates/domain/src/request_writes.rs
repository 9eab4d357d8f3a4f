//! The writes the HTTP layer starts besides an operation, each named here:
//! sessions, a personal access token's last use, a received signal, SDK
//! metrics, and an import's trial run. The HTTP layer holds only a
//! [`ReadOnlyStore`](flagstaff_storage::ReadOnlyStore), so these and
//! [`DomainState::apply`] are the only ways it can write.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use flagstaff_storage::{SignalRow, SignalsKept, StorageResult};
use serde_json::Value;
use tokio::task::JoinHandle;

use crate::metrics::{self, MetricsBuffer};
use crate::ops::{self, Actor, Context, ImportFlags, OpResult};
use crate::wire::transfer::ImportReport;
use crate::DomainState;

impl DomainState {
    /// A web UI session (not a change: no revision, no event).
    pub async fn create_session(
        &self,
        id_hash: &str,
        user_id: i64,
        csrf_token: &str,
        now: &DateTime<Utc>,
        expires_at: &DateTime<Utc>,
    ) -> StorageResult<()> {
        self.store
            .create_session(id_hash, user_id, csrf_token, now, expires_at)
            .await
    }

    /// Ends one session (sign-out, or a new sign-in in the same browser).
    pub async fn delete_session(&self, id_hash: &str) -> StorageResult<()> {
        self.store.delete_session(id_hash).await
    }

    /// Ends every session of `user_id` but `keep` (after a password change).
    pub async fn delete_other_sessions(&self, user_id: i64, keep: &str) -> StorageResult<()> {
        self.store.delete_other_sessions(user_id, keep).await
    }

    /// Notes a user's sign-in (not a change: listed on the users screen).
    pub async fn record_sign_in(
        &self,
        user_id: i64,
        at: &DateTime<Utc>,
        address: Option<&str>,
        via: &str,
    ) -> StorageResult<()> {
        self.store.record_sign_in(user_id, at, address, via).await
    }

    /// Notes that a personal access token was used at `now`.
    pub async fn touch_pat(&self, id: i64, now: &DateTime<Utc>) -> StorageResult<()> {
        self.store.touch_pat(id, now).await
    }

    /// Stores a signal sent to an enabled endpoint, pruned to what is `kept`;
    /// `None` when the endpoint is disabled.
    pub async fn store_signal(
        &self,
        endpoint_id: i64,
        token_name: &str,
        payload: &Value,
        action_depth: i64,
        kept: SignalsKept,
    ) -> StorageResult<Option<SignalRow>> {
        self.store
            .store_signal(endpoint_id, token_name, payload, action_depth, kept)
            .await
    }

    /// What importing `input` would report, tried in a change transaction
    /// that is rolled back ([`ops::validate_import`]).
    pub async fn validate_import(
        &self,
        actor: &Actor,
        input: &ImportFlags,
    ) -> OpResult<ImportReport> {
        let cx = Context::new(actor.clone(), self.limits);
        ops::validate_import(&self.store, &cx, input).await
    }

    /// Writes `buffer`'s metrics batches until the task is aborted.
    pub fn spawn_metrics_writer(&self, buffer: &Arc<MetricsBuffer>) -> JoinHandle<()> {
        buffer.spawn_writer(Arc::clone(&self.store))
    }

    /// Applies scheduled change requests when due until the task is aborted
    /// ([`crate::schedules`]).
    pub fn spawn_scheduler(&self) -> JoinHandle<()> {
        crate::schedules::spawn(self.clone())
    }

    /// The snapshot as if change request `id` were applied: its operations run
    /// in a change transaction that is dropped uncommitted (as
    /// `validate_import`), its flags reloaded from inside it. A request that
    /// could not apply is refused as applying it would be.
    pub async fn preview_change_request(
        &self,
        actor: &Actor,
        id: i64,
    ) -> OpResult<(
        flagstaff_storage::ChangeRequestRow,
        crate::snapshot::Snapshot,
    )> {
        let cx = Context::new(actor.clone(), self.limits);
        let mut w = self.store.write().await?;
        let row = ops::preview_change_request(&mut w, &cx, id).await?;
        let flags = w
            .change_request_changes(id)
            .await?
            .into_iter()
            .map(|c| c.feature_name)
            .collect();
        let snapshot =
            crate::snapshot::Snapshot::previewed(&self.snapshots.load(), &w, flags).await?;
        // Dropped uncommitted: rolled back, nothing recorded.
        drop(w);
        Ok((row, snapshot))
    }

    /// Follows changes made by other processes until the task is aborted
    /// (`follow`: PostgreSQL's `LISTEN`, and a look at the change head every second).
    pub fn spawn_follower(&self) -> JoinHandle<()> {
        crate::follow::spawn(self.clone())
    }

    /// Trips safeguards and makes release plan progressions when due, until
    /// the task is aborted (every replica runs one; each step happens once).
    pub fn spawn_rollouts(&self) -> JoinHandle<()> {
        crate::rollouts::spawn(self.clone())
    }

    /// Stores impact metric samples reported now (not a change: no revision).
    pub async fn record_impact_samples(
        &self,
        samples: &[flagstaff_storage::NewSample],
        caps: flagstaff_storage::SeriesCaps,
    ) -> StorageResult<flagstaff_storage::SamplesStored> {
        let now = self.store.clock().now();
        let mut w = self.store.write_metrics().await?;
        let stored = w
            .record_impact_samples(&uuid::Uuid::new_v4().to_string(), samples, &now, caps)
            .await?;
        w.commit().await?;
        Ok(stored)
    }

    /// Deletes metrics older than `retention_hours`, now and every ten minutes
    /// by the store's clock.
    pub fn spawn_metrics_pruner(&self, retention_hours: u32) -> JoinHandle<()> {
        metrics::spawn_pruner(Arc::clone(&self.store), retention_hours)
    }

    /// Writes what `buffer` still holds (at shutdown).
    pub async fn flush_metrics(&self, buffer: &MetricsBuffer) -> StorageResult<()> {
        buffer.flush(&self.store).await
    }

    /// Closes the database's connections (at shutdown, after the last write).
    pub async fn close(&self) {
        self.store.close().await;
    }
}
