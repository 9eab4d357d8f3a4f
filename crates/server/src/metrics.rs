//! Metrics ingestion: counts from many SDK instances are merged in memory and
//! written in one transaction per batch (every few hundred milliseconds, and
//! once more at shutdown). A request is acknowledged only after the batch that
//! holds its counts is committed, so an acknowledged count is never lost, and
//! the database sees one upsert per key per batch however many SDKs report.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{watch, Notify};

use crate::storage::{InstanceRow, MetricCounts, MetricKey, StorageResult, Store};

/// How long a batch gathers before it is written.
const BATCH_WINDOW: Duration = Duration::from_millis(100);
/// How long a request waits for its batch before giving up (it is then not acknowledged).
const ACK_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Default)]
struct Pending {
    generation: u64,
    counts: HashMap<MetricKey, MetricCounts>,
    instances: HashMap<(String, String, String), InstanceRow>,
}

pub struct MetricsBuffer {
    pending: Mutex<Pending>,
    written: watch::Sender<u64>,
    wake: Notify,
}

impl Default for MetricsBuffer {
    fn default() -> Self {
        MetricsBuffer {
            pending: Mutex::new(Pending {
                generation: 1,
                ..Pending::default()
            }),
            written: watch::channel(0).0,
            wake: Notify::new(),
        }
    }
}

/// The batch holding a request's counts was not written in time.
#[derive(Debug, thiserror::Error)]
#[error("metrics could not be stored in time")]
pub struct NotStored;

impl MetricsBuffer {
    /// Adds counts (and the reporting instance) and returns once they are stored.
    pub async fn record(
        &self,
        counts: Vec<(MetricKey, MetricCounts)>,
        instance: Option<InstanceRow>,
    ) -> Result<(), NotStored> {
        let generation = {
            let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
            for (key, c) in counts {
                pending.counts.entry(key).or_default().add(&c);
            }
            if let Some(i) = instance {
                pending.instances.insert(
                    (
                        i.app_name.clone(),
                        i.instance_id.clone(),
                        i.environment.clone(),
                    ),
                    i,
                );
            }
            pending.generation
        };
        self.wake.notify_one();
        let mut written = self.written.subscribe();
        let stored = tokio::time::timeout(ACK_TIMEOUT, async {
            written.wait_for(|&g| g >= generation).await.is_ok()
        })
        .await;
        match stored {
            Ok(true) => Ok(()),
            _ => Err(NotStored),
        }
    }

    /// Writes everything pending in one transaction. On failure the counts go
    /// back into the buffer for the next attempt.
    pub async fn flush(&self, store: &Store) -> StorageResult<()> {
        let (generation, counts, instances) = {
            let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
            let generation = pending.generation;
            pending.generation += 1;
            (
                generation,
                std::mem::take(&mut pending.counts),
                std::mem::take(&mut pending.instances),
            )
        };
        if !counts.is_empty() || !instances.is_empty() {
            if let Err(e) = Self::write(store, &counts, &instances).await {
                let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
                for (key, c) in counts {
                    pending.counts.entry(key).or_default().add(&c);
                }
                for (k, i) in instances {
                    pending.instances.entry(k).or_insert(i);
                }
                return Err(e);
            }
        }
        self.written.send_if_modified(|g| {
            let advanced = generation > *g;
            *g = (*g).max(generation);
            advanced
        });
        Ok(())
    }

    async fn write(
        store: &Store,
        counts: &HashMap<MetricKey, MetricCounts>,
        instances: &HashMap<(String, String, String), InstanceRow>,
    ) -> StorageResult<()> {
        let mut w = store.write_metrics().await?;
        for (key, c) in counts {
            w.add_metrics(key, c).await?;
        }
        for instance in instances.values() {
            w.upsert_instance(instance).await?;
        }
        w.commit().await.map(drop)
    }

    /// Writes batches until the task is aborted; the caller flushes once more after.
    pub fn spawn_writer(self: &Arc<Self>, store: Arc<Store>) -> tokio::task::JoinHandle<()> {
        let buffer = Arc::clone(self);
        tokio::spawn(async move {
            loop {
                buffer.wake.notified().await;
                tokio::time::sleep(BATCH_WINDOW).await;
                if let Err(e) = buffer.flush(&store).await {
                    tracing::error!(error = %e, "writing metrics failed; will retry");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    buffer.wake.notify_one();
                }
            }
        })
    }
}

/// Deletes metrics buckets older than `retention_hours`, now and every ten minutes.
pub fn spawn_pruner(store: Arc<Store>, retention_hours: u32) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let cutoff = (chrono::Utc::now() - chrono::Duration::hours(i64::from(retention_hours)))
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            let cutoff_hour = format!("{}:00:00.000Z", &cutoff[..13]);
            let pruned = async {
                let mut w = store.write_metrics().await?;
                let n = w.prune_metrics(&cutoff_hour).await?;
                w.commit().await?;
                Ok::<u64, crate::storage::StorageError>(n)
            }
            .await;
            match pruned {
                Ok(0) => {}
                Ok(n) => tracing::info!(rows = n, "pruned metrics older than {cutoff_hour}"),
                Err(e) => tracing::error!(error = %e, "pruning metrics failed"),
            }
            tokio::time::sleep(Duration::from_secs(600)).await;
        }
    })
}
