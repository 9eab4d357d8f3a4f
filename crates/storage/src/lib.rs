//! The storage layer: one code path for SQLite and PostgreSQL (sqlx's `Any`
//! driver, `$N` placeholders, portable column types: text, integers, booleans,
//! JSON as text, instants as RFC 3339 text). Only the DDL differs
//! (`migrations/sqlite`, `migrations/postgres`). Only this module writes SQL.
//! Rows carry typed columns (`DateTime<Utc>`, enums), decoded once (`columns.rs`).
//!
//! Writes go through [`Store::write`]: one transaction at a time (admin writes
//! are rare; serialising them keeps SQLite free of lock upgrades and makes the
//! revision order total), and every write commits together with its event row.
//! Writes that are not changes (metrics, signals, sessions) go through an
//! [`UnversionedTx`], which cannot record an event. Reads are written once, on
//! [`Reader`], and run on the pool or inside any of the transactions.

mod actions;
mod change_requests;
pub mod clock;
mod columns;
mod deliveries;
mod dependencies;
mod error;
mod event_kind;
mod events;
mod favorites;
mod flag_list;
mod flag_search;
mod flags;
mod impact_charts;
mod impact_metrics;
mod insights;
mod integrations;
mod legacy_event_kind;
mod lifecycle;
mod links;
mod location;
mod metrics;
mod pats;
mod projects;
mod reachability;
mod read_only;
mod reader;
mod release_plan_writes;
mod release_plans;
#[cfg(test)]
mod schema_parity;
mod segments;
mod settings;
mod signals;
mod snapshot_rows;
mod strategies;
mod strategy_types;
mod tags;
mod tokens;
mod transactions;
mod user_admin;
mod users;

use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::{AnyConnection, AnyPool, Connection, Row};
use tokio::sync::Mutex;

pub use clock::{Clock, ManualClock};
pub(crate) use columns::now_text;
pub use columns::{instant_text, now, parse_instant, stored};

pub use actions::{ActionRunRow, ActionSetRow, ActionStep, PayloadFilter, RunState};
pub use change_requests::{ChangeRequestRow, ChangeRequestState, ChangeRow, CommentRow, ReviewRow};
pub use deliveries::{AttemptOutcome, AttemptRow, ClaimedDelivery};
pub use dependencies::DependencyRow;
pub use error::{unreachable, StorageError, StorageResult};
pub use event_kind::{EventKind, Part, Touches, UnknownEventKind};
pub use events::{ChangeRecord, EventFilter, EventRecord, NewEvent};
pub use favorites::FavoriteKind;
pub use flag_list::FlagPage;
pub use flag_search::{FlagSearch, Lifecycle, TagMatch};
pub use flags::{FlagEnvironmentRow, FlagRow, FlagType, UnknownFlagType};
pub use impact_charts::{ImpactChart, ImpactChartRow};
pub use impact_metrics::{
    minute_bucket, AggregationMode, Comparison, ImpactMetricSelector, MetricType, NewSample,
    SafeguardRow, SampleData, SampleRow, SamplesStored, SeriesCaps, SeriesRow, TimeRange,
    TriggerCondition,
};
pub use insights::{FlagReport, ProjectStrategy, SdkSighting};
pub use integrations::{DeliveryCircuit, IntegrationRow};
pub use legacy_event_kind::{FilterEventKind, LegacyEventKind};
pub use lifecycle::{LifecycleCounts, LifecycleStage};
pub use links::LinkRow;
pub use location::{redact, DatabaseLocation, OpenError};
pub use metrics::{hour_bucket, InstanceRow, MetricCounts, MetricKey, UnknownFlag};
pub use pats::PatRow;
pub use projects::EnvironmentRow;
pub use reachability::Reachability;
pub use read_only::ReadOnlyStore;
pub use reader::{InTransaction, PoolReader, Reader, Source, TxReader};
pub use release_plans::{MilestoneRow, MilestoneStrategyRow, PlanRow, ProgressionRow};
pub use segments::{ContextFieldRow, SegmentRow, SegmentUsers};
pub use signals::{SignalEndpointRow, SignalRow, SignalTokenRow, SignalsKept};
pub use snapshot_rows::FlagRows;
pub use strategies::{StrategyRow, StrategyValues};
pub use strategy_types::{StrategyParameter, StrategyTypeRow};
pub use tags::{Tag, TagTypeRow};
pub use tokens::{TokenKind, TokenRow};
pub use transactions::{Committed, ReadTx, UnversionedTx, WriteTx, CHANGES_CHANNEL};
pub use user_admin::{PasswordResetRow, SignInRow, SIGN_INS_KEPT};
pub use users::{NewUser, RootRole, SessionRow, UserRow};

/// How long opening the database, or waiting for a pooled connection, may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct Store {
    /// The pool, as every read's source ([`Reader`]).
    reads: Reader<AnyPool>,
    location: DatabaseLocation,
    writes: Mutex<()>,
    /// How long changes waited for the change lock, in all.
    lock_waits: LockWaits,
    /// Whether the database answered background work lately (outages logged once).
    reachability: Reachability,
    /// Where decisions by the time read it (see [`crate::clock`]).
    clock: Clock,
}

/// Changes that took the change lock, and how long they waited for it in all
/// (this process's queue and the database's row lock).
#[derive(Debug, Default)]
struct LockWaits {
    count: std::sync::atomic::AtomicU64,
    nanos: std::sync::atomic::AtomicU64,
}

/// Totals of [`Store::lock_waits`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LockWaitTotals {
    pub count: u64,
    pub seconds: f64,
}

/// Connections the pool holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolState {
    pub open: i64,
    pub idle: i64,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Store {
    /// Parses `--database-url`, then opens it with [`Store::open`].
    pub async fn connect(url: &str) -> Result<Store, OpenError> {
        Store::open(&DatabaseLocation::parse(url)?).await
    }

    /// Connects (failing within [`CONNECT_TIMEOUT`] with the cause), creates
    /// the SQLite file if needed, migrates, and seeds what a fresh Unleash has
    /// (project `default`, environments `development` and `production`).
    pub async fn open(location: &DatabaseLocation) -> Result<Store, OpenError> {
        sqlx::any::install_default_drivers();
        location.precheck()?;
        let backend = match location {
            DatabaseLocation::Postgres { .. } => Backend::Postgres,
            _ => Backend::Sqlite,
        };
        let options: AnyConnectOptions = location
            .sqlx_url()
            .parse()
            .map_err(|e| location.connect_failed(e))?;
        // One connection first: a pool would retry until its timeout and
        // report only "pool timed out", losing the cause.
        if !matches!(location, DatabaseLocation::SqliteMemory) {
            match tokio::time::timeout(CONNECT_TIMEOUT, AnyConnection::connect_with(&options)).await
            {
                Ok(Ok(probe)) => {
                    let _ = probe.close().await;
                }
                Ok(Err(e)) => return Err(location.connect_failed(e)),
                Err(_) => {
                    return Err(location.connect_failed(format_args!(
                        "no answer within {} s",
                        CONNECT_TIMEOUT.as_secs()
                    )))
                }
            }
        }
        let pool_options = match location {
            // An in-memory database lives as long as its one connection.
            DatabaseLocation::SqliteMemory => AnyPoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None),
            DatabaseLocation::SqliteFile { .. } => AnyPoolOptions::new().max_connections(4),
            DatabaseLocation::Postgres { .. } => AnyPoolOptions::new().max_connections(8),
        };
        let pool = pool_options
            .acquire_timeout(CONNECT_TIMEOUT)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        sqlx::query("PRAGMA foreign_keys = ON")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA busy_timeout = 5000")
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| location.connect_failed(e))?;
        tracing::info!(database = %location.display(), "database opened");
        let failed = |what: &str, e: &dyn std::fmt::Display| {
            OpenError(format!("{what} {}: {e}", location.display()))
        };
        if backend == Backend::Sqlite {
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await
                .map_err(|e| failed("cannot use", &e))?;
        }
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        // Absent on a fresh database: nothing applied yet.
        let applied_before: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                .fetch_all(&pool)
                .await
                .unwrap_or_default();
        migrator
            .run(&pool)
            .await
            .map_err(|e| failed("cannot migrate", &e))?;
        let newly: Vec<String> = migrator
            .iter()
            .filter(|m| !applied_before.contains(&m.version))
            .map(|m| format!("{:04} {}", m.version, m.description))
            .collect();
        let version = migrator.iter().map(|m| m.version).max().unwrap_or(0);
        if newly.is_empty() {
            tracing::info!(version, "database schema up to date");
        } else {
            tracing::info!(version, applied = %newly.join(", "), "database schema migrated");
        }
        let store = Store {
            reads: Reader::new(pool, backend),
            location: location.clone(),
            writes: Mutex::new(()),
            lock_waits: LockWaits::default(),
            reachability: Reachability::default(),
            clock: Clock::System,
        };
        store
            .seed_defaults()
            .await
            .map_err(|e| failed("cannot seed", &e))?;
        Ok(store)
    }

    /// The pool's connections now.
    pub fn pool_state(&self) -> PoolState {
        PoolState {
            open: i64::from(self.pool().size()),
            idle: i64::try_from(self.pool().num_idle()).unwrap_or(i64::MAX),
        }
    }

    /// Changes that took the change lock so far, and their total wait.
    pub fn lock_waits(&self) -> LockWaitTotals {
        use std::sync::atomic::Ordering::Relaxed;
        LockWaitTotals {
            count: self.lock_waits.count.load(Relaxed),
            seconds: self.lock_waits.nanos.load(Relaxed) as f64 / 1e9,
        }
    }

    pub(crate) fn note_lock_wait(&self, waited: Duration) {
        use std::sync::atomic::Ordering::Relaxed;
        self.lock_waits.count.fetch_add(1, Relaxed);
        let nanos = u64::try_from(waited.as_nanos()).unwrap_or(u64::MAX);
        self.lock_waits.nanos.fetch_add(nanos, Relaxed);
    }

    /// The store with decisions by the time reading `clock` (a test's
    /// [`crate::clock::ManualClock`]).
    pub fn with_clock(self, clock: Clock) -> Store {
        Store { clock, ..self }
    }

    /// The clock this store, and the server over it, decide by.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Whether the database answered this process's background work lately.
    pub fn reachability(&self) -> &Reachability {
        &self.reachability
    }

    /// A trivial query through the pool: whether the database answers.
    pub async fn ping(&self) -> StorageResult<()> {
        sqlx::query("SELECT 1").execute(self.pool()).await?;
        Ok(())
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        self.reads.source()
    }

    /// Brings the query planner's statistics of the flag tables up to date
    /// after a change that wrote many of their rows at once (an import of
    /// thousands of flags). Until autovacuum gets to them, PostgreSQL plans
    /// with the statistics from before (none in a new database) and, expecting
    /// a handful of rows, scans a project's flags instead of asking the flag
    /// search's trigram index (10,000 imported flags: 11 ms a search instead
    /// of 0.6 ms). SQLite plans from its indexes alone: nothing to do.
    pub async fn refresh_flag_statistics(&self) -> StorageResult<()> {
        if self.backend() == Backend::Postgres {
            sqlx::query("ANALYZE features, feature_environments, feature_strategies, feature_tags")
                .execute(self.pool())
                .await?;
        }
        Ok(())
    }

    pub fn location(&self) -> &DatabaseLocation {
        &self.location
    }

    pub async fn close(&self) {
        self.pool().close().await;
    }

    async fn seed_defaults(&self) -> StorageResult<()> {
        let mut w = self.write().await?;
        let now = instant_text(&now());
        let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM projects")
            .fetch_one(w.tx())
            .await?;
        if existing == 0 {
            sqlx::query(
                "INSERT INTO projects (id, name, description, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind("default")
            .bind("Default")
            .bind("Default project")
            .bind(&now)
            .execute(w.tx())
            .await?;
            for (name, kind, order) in [
                ("development", "development", 100i64),
                ("production", "production", 200),
            ] {
                sqlx::query("INSERT INTO environments (name, type, sort_order, enabled) VALUES ($1, $2, $3, $4)")
                    .bind(name)
                    .bind(kind)
                    .bind(order)
                    .bind(1i64)
                    .execute(w.tx())
                    .await?;
                sqlx::query(
                    "INSERT INTO project_environments (project_id, environment) VALUES ($1, $2)",
                )
                .bind("default")
                .bind(name)
                .execute(w.tx())
                .await?;
            }
            for i in 0..segments::BUILT_IN_CONTEXT_FIELDS.len() {
                w.upsert_context_field(&segments::built_in_context_field(i))
                    .await?;
            }
        }
        w.commit().await.map(drop)
    }
}

/// JSON stored as text, read back; a corrupt value is a database error.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> StorageResult<T> {
    serde_json::from_str(text).map_err(|e| StorageError::Database(sqlx::Error::Decode(Box::new(e))))
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

/// A boolean column (stored as 0/1 on both backends).
pub(crate) fn flag(row: &AnyRow, column: &str) -> StorageResult<bool> {
    Ok(row.try_get::<i64, _>(column)? != 0)
}
