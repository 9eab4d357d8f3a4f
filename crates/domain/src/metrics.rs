//! Metrics ingestion: counts from many SDK instances are merged in memory and
//! written in one transaction per batch (every 100 ms, and once more at
//! shutdown), outside the change lock. A request is answered only when its
//! batch is settled: 202 when it committed; 503 when it failed (the batch was
//! rolled back, so nothing of it is stored and a retry counts once). The
//! backlog is bounded: when it is full a request is refused at once (503),
//! nothing added.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{watch, Notify};

use flagstaff_storage::{InstanceRow, MetricCounts, MetricKey, StorageResult, Store, UnknownFlag};

/// How long a batch gathers before it is written.
const BATCH_WINDOW: Duration = Duration::from_millis(100);
/// Most distinct keys (counts, instances, unknown flags) waiting for the next batch.
pub const MAX_BACKLOG: usize = 50_000;
/// Most unknown flags kept in the database (made-up names cannot grow it further).
pub const MAX_UNKNOWN_FLAGS: i64 = 10_000;

/// One batch's outcome, shared by the requests whose counts it holds:
/// `None` while pending, then whether it committed (and if not, why).
type Outcome = watch::Sender<Option<Result<(), NotStored>>>;

struct Pending {
    counts: HashMap<MetricKey, MetricCounts>,
    instances: HashMap<(String, String, String), InstanceRow>,
    unknown: HashMap<(String, String, String), UnknownFlag>,
    outcome: Arc<Outcome>,
}

impl Pending {
    fn new() -> Pending {
        Pending {
            counts: HashMap::new(),
            instances: HashMap::new(),
            unknown: HashMap::new(),
            outcome: Arc::new(watch::channel(None).0),
        }
    }

    fn len(&self) -> usize {
        self.counts.len() + self.instances.len() + self.unknown.len()
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a report adds to the next batch.
#[derive(Debug, Default)]
pub struct Report {
    pub counts: Vec<(MetricKey, MetricCounts)>,
    pub instances: Vec<InstanceRow>,
    pub unknown: Vec<UnknownFlag>,
}

impl Report {
    fn len(&self) -> usize {
        self.counts.len() + self.instances.len() + self.unknown.len()
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Why a report was not stored; in either case nothing of it is.
#[derive(Debug, Clone, Copy, thiserror::Error, PartialEq, Eq)]
pub enum NotStored {
    #[error("too many metrics are waiting to be stored; send them again later")]
    Busy,
    #[error("the metrics could not be stored; send them again")]
    Failed,
    #[error(
        "the database is unreachable, so the metrics were not stored; send them again shortly"
    )]
    Unreachable,
}

pub struct MetricsBuffer {
    pending: Mutex<Pending>,
    wake: Notify,
    counts: IngestCounters,
}

/// Running totals of what ingestion did (for `GET /metrics`).
#[derive(Debug, Default)]
struct IngestCounters {
    reports_stored: AtomicU64,
    reports_refused: AtomicU64,
    batches_written: AtomicU64,
    batches_failed: AtomicU64,
}

/// A reading of [`MetricsBuffer::counts`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IngestCounts {
    pub reports_stored: u64,
    pub reports_refused: u64,
    pub batches_written: u64,
    pub batches_failed: u64,
}

impl Default for MetricsBuffer {
    fn default() -> Self {
        MetricsBuffer {
            pending: Mutex::new(Pending::new()),
            wake: Notify::new(),
            counts: IngestCounters::default(),
        }
    }
}

impl MetricsBuffer {
    /// Adds a report to the next batch and returns once that batch is settled.
    pub async fn record(&self, report: Report) -> Result<(), NotStored> {
        let recorded = self.settle(report).await;
        let counter = match recorded {
            Ok(()) => &self.counts.reports_stored,
            Err(_) => &self.counts.reports_refused,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        recorded
    }

    /// Running totals: reports stored and refused, batches written and failed.
    pub fn counts(&self) -> IngestCounts {
        let c = &self.counts;
        IngestCounts {
            reports_stored: c.reports_stored.load(Ordering::Relaxed),
            reports_refused: c.reports_refused.load(Ordering::Relaxed),
            batches_written: c.batches_written.load(Ordering::Relaxed),
            batches_failed: c.batches_failed.load(Ordering::Relaxed),
        }
    }

    async fn settle(&self, report: Report) -> Result<(), NotStored> {
        // Nothing to store: a batch is written only when something is pending,
        // so waiting for one would wait for someone else's report.
        if report.is_empty() {
            return Ok(());
        }
        let mut outcome = {
            let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
            if pending.len() + report.len() > MAX_BACKLOG {
                return Err(NotStored::Busy);
            }
            for (key, c) in report.counts {
                pending.counts.entry(key).or_default().add(&c);
            }
            for i in report.instances {
                let key = (
                    i.app_name.clone(),
                    i.instance_id.clone(),
                    i.environment.clone(),
                );
                // A metrics report names no strategies: what a registration
                // said stays (as in the table's upsert).
                let merged = match pending.instances.remove(&key) {
                    Some(old) => InstanceRow {
                        sdk_version: i.sdk_version.or(old.sdk_version),
                        strategies: if i.strategies.is_empty() {
                            old.strategies
                        } else {
                            i.strategies
                        },
                        started: i.started.or(old.started),
                        interval_ms: i.interval_ms.or(old.interval_ms),
                        ..i
                    },
                    None => i,
                };
                pending.instances.insert(key, merged);
            }
            for u in report.unknown {
                let key = (u.name.clone(), u.app_name.clone(), u.environment.clone());
                pending.unknown.insert(key, u);
            }
            pending.outcome.subscribe()
        };
        self.wake.notify_one();
        match outcome.wait_for(Option::is_some).await.map(|o| *o) {
            Ok(Some(settled)) => settled,
            _ => Err(NotStored::Failed),
        }
    }

    /// Writes everything pending in one transaction and tells its requests how
    /// it went. A failed batch is dropped whole (its requests are told so).
    pub async fn flush(&self, store: &Store) -> StorageResult<()> {
        let batch = {
            let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
            if pending.is_empty() {
                return Ok(());
            }
            std::mem::replace(&mut *pending, Pending::new())
        };
        let written = Self::write(store, &batch).await;
        let counter = match written {
            Ok(()) => &self.counts.batches_written,
            Err(_) => &self.counts.batches_failed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        batch.outcome.send_replace(Some(match &written {
            Ok(()) => Ok(()),
            Err(e) if e.is_unreachable() => Err(NotStored::Unreachable),
            Err(_) => Err(NotStored::Failed),
        }));
        written
    }

    async fn write(store: &Store, batch: &Pending) -> StorageResult<()> {
        let mut w = store.write_metrics().await?;
        let mut keys: Vec<_> = batch.counts.iter().collect();
        // In key order: concurrent writers (replicas) take row locks in one order.
        keys.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (key, c) in keys {
            w.add_metrics(key, c).await?;
        }
        for instance in batch.instances.values() {
            w.upsert_instance(instance).await?;
        }
        if !batch.unknown.is_empty() {
            let unknown: Vec<UnknownFlag> = batch.unknown.values().cloned().collect();
            w.note_unknown_flags(&unknown, MAX_UNKNOWN_FLAGS).await?;
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
                // The follower notes when the database answers again.
                match buffer.flush(&store).await {
                    Ok(()) => {}
                    Err(e) if e.is_unreachable() => {
                        store.reachability().down("writing a metrics batch", &e);
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "writing a metrics batch failed; its senders were told to send again");
                    }
                }
            }
        })
    }
}

/// How often old metrics buckets are deleted, by the store's clock.
const PRUNE_EVERY: chrono::TimeDelta = chrono::TimeDelta::minutes(10);
/// How often the pruner looks whether a prune is due (a timer that paces it:
/// when to look, not what is due, so a test that moves the clock sees a prune).
const PRUNE_LOOK: Duration = Duration::from_secs(1);

/// Deletes metrics buckets older than `retention_hours`, now and every ten
/// minutes by the store's clock.
pub fn spawn_pruner(store: Arc<Store>, retention_hours: u32) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut due = store.clock().now();
        loop {
            let now = store.clock().now();
            if now >= due {
                prune(&store, now, retention_hours).await;
                due = now + PRUNE_EVERY;
            }
            tokio::time::sleep(PRUNE_LOOK).await;
        }
    })
}

/// Deletes the buckets of hours that began `retention_hours` or more before `now`.
async fn prune(store: &Store, now: chrono::DateTime<chrono::Utc>, retention_hours: u32) {
    let cutoff_hour =
        flagstaff_storage::hour_bucket(now - chrono::Duration::hours(i64::from(retention_hours)));
    let pruned = async {
        let mut w = store.write_metrics().await?;
        let n = w.prune_metrics(&cutoff_hour).await?;
        w.commit().await?;
        Ok::<u64, flagstaff_storage::StorageError>(n)
    }
    .await;
    match pruned {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            rows = n,
            "pruned metrics older than {}",
            flagstaff_storage::instant_text(&cutoff_hour)
        ),
        Err(e) => tracing::error!(error = %e, "pruning metrics failed"),
    }
}
