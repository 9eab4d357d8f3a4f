//! The storage layer: one code path for SQLite and PostgreSQL (sqlx's `Any`
//! driver, `$N` placeholders, portable column types: text, integers, booleans,
//! JSON as text, instants as RFC 3339 text). Only the DDL differs
//! (`migrations/sqlite`, `migrations/postgres`). Only this module writes SQL.
//!
//! Writes go through [`Store::write`]: one transaction at a time (admin writes
//! are rare; serialising them keeps SQLite free of lock upgrades and makes the
//! revision order total), and every write commits together with its event row.

mod events;
mod features;
mod location;
mod metrics;
mod segments;
mod snapshot_rows;
mod tokens;

use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyConnection, AnyPool, Connection, Row, Transaction};
use tokio::sync::{Mutex, MutexGuard};

pub use events::{ChangeRecord, EventFilter, EventRecord, NewEvent};
pub use features::{FeatureEnvironmentRow, FeatureRow, StrategyRow, StrategyValues};
pub use location::{redact, DatabaseLocation, OpenError};
pub use metrics::{InstanceRow, MetricCounts, MetricKey};
pub use segments::{ContextFieldRow, SegmentRow, SegmentUsers};
pub use tokens::TokenRow;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StorageError {
    /// A unique violation is a conflict (409), never an internal error: two
    /// writers raced to create the same thing.
    fn from(error: sqlx::Error) -> Self {
        match error.as_database_error() {
            Some(db) if db.is_unique_violation() => {
                StorageError::Conflict("A resource with that name already exists".to_owned())
            }
            _ => StorageError::Database(error),
        }
    }
}

pub type StorageResult<T> = Result<T, StorageError>;

/// How long opening the database, or waiting for a pooled connection, may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct Store {
    pool: AnyPool,
    backend: Backend,
    location: DatabaseLocation,
    writes: Mutex<()>,
}

/// A read-only transaction that sees one committed state throughout
/// (PostgreSQL: REPEATABLE READ; SQLite: a WAL read transaction), so a client
/// snapshot built from it is exactly the state at the revision it reads.
pub struct ReadTx {
    pub(crate) tx: Transaction<'static, Any>,
}

impl ReadTx {
    /// The revision of the newest change this transaction sees.
    pub async fn current_revision(&mut self) -> StorageResult<i64> {
        Ok(
            sqlx::query_scalar("SELECT revision FROM change_head WHERE id = 1")
                .fetch_one(&mut *self.tx)
                .await?,
        )
    }

    /// Ends the transaction (it wrote nothing).
    pub async fn finish(self) -> StorageResult<()> {
        self.tx.rollback().await?;
        Ok(())
    }
}

/// The PostgreSQL channel each committed change is announced on (payload: its revision).
pub const CHANGES_CHANNEL: &str = "flagstaff_changes";

/// A write transaction. A change transaction ([`Store::write`]) holds the
/// change head's lock from its first statement until it commits or is dropped.
pub struct WriteTx<'s> {
    pub(crate) tx: Transaction<'static, Any>,
    _guard: Option<MutexGuard<'s, ()>>,
    backend: Backend,
    /// The revision this transaction's events carry, once it has recorded one.
    revision: Option<i64>,
}

impl WriteTx<'_> {
    /// Commits; a change that recorded events is announced to every process
    /// following the database (PostgreSQL delivers the notice at commit).
    pub async fn commit(mut self) -> StorageResult<()> {
        if let (Some(revision), Backend::Postgres) = (self.revision, self.backend) {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANGES_CHANNEL)
                .bind(revision.to_string())
                .execute(&mut *self.tx)
                .await?;
        }
        self.tx.commit().await?;
        Ok(())
    }

    /// The revision of this change: bumped once, on its first event.
    pub(crate) async fn revision(&mut self) -> StorageResult<i64> {
        if let Some(revision) = self.revision {
            return Ok(revision);
        }
        let revision: i64 = sqlx::query_scalar(
            "UPDATE change_head SET revision = revision + 1 WHERE id = 1 RETURNING revision",
        )
        .fetch_one(&mut *self.tx)
        .await?;
        self.revision = Some(revision);
        Ok(revision)
    }
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Now, as stored: RFC 3339 with milliseconds, UTC (sorts as text).
pub fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

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
            pool,
            backend,
            location: location.clone(),
            writes: Mutex::new(()),
        };
        store
            .seed_defaults()
            .await
            .map_err(|e| failed("cannot seed", &e))?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn location(&self) -> &DatabaseLocation {
        &self.location
    }

    /// Begins a change: the one write transaction of this process, holding the
    /// change head's row lock from its first statement, so changes queue across
    /// processes too and everything read inside decides on committed state.
    pub async fn write(&self) -> StorageResult<WriteTx<'_>> {
        let guard = self.writes.lock().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE change_head SET revision = revision WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        Ok(WriteTx {
            tx,
            _guard: Some(guard),
            backend: self.backend,
            revision: None,
        })
    }

    /// A transaction for SDK metrics: not a change (no revision, no event), so
    /// it neither waits for nor holds up admin writes beyond the database's own locking.
    pub async fn write_metrics(&self) -> StorageResult<WriteTx<'_>> {
        Ok(WriteTx {
            tx: self.pool.begin().await?,
            _guard: None,
            backend: self.backend,
            revision: None,
        })
    }

    /// Begins a [`ReadTx`].
    pub async fn read_consistent(&self) -> StorageResult<ReadTx> {
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                .execute(&mut *tx)
                .await?;
        }
        Ok(ReadTx { tx })
    }

    /// The revision of the newest committed change.
    pub async fn current_revision(&self) -> StorageResult<i64> {
        Ok(
            sqlx::query_scalar("SELECT revision FROM change_head WHERE id = 1")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn seed_defaults(&self) -> StorageResult<()> {
        let mut w = self.write().await?;
        let now = now_text();
        let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM projects")
            .fetch_one(&mut *w.tx)
            .await?;
        if existing == 0 {
            sqlx::query(
                "INSERT INTO projects (id, name, description, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind("default")
            .bind("Default")
            .bind("Default project")
            .bind(&now)
            .execute(&mut *w.tx)
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
                    .execute(&mut *w.tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO project_environments (project_id, environment) VALUES ($1, $2)",
                )
                .bind("default")
                .bind(name)
                .execute(&mut *w.tx)
                .await?;
            }
            for i in 0..segments::BUILT_IN_CONTEXT_FIELDS.len() {
                w.upsert_context_field(&segments::built_in_context_field(i))
                    .await?;
            }
        }
        w.commit().await
    }

    pub async fn project_exists(&self, id: &str) -> StorageResult<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM projects WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }

    /// Environments enabled for a project, in sort order.
    pub async fn project_environments(&self, project: &str) -> StorageResult<Vec<EnvironmentRow>> {
        let rows = sqlx::query(
            "SELECT e.name, e.type, e.sort_order FROM environments e \
             JOIN project_environments pe ON pe.environment = e.name \
             WHERE pe.project_id = $1 ORDER BY e.sort_order, e.name",
        )
        .bind(project)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(EnvironmentRow::from_row).collect()
    }

    pub async fn environments(&self) -> StorageResult<Vec<EnvironmentRow>> {
        let rows = sqlx::query(
            "SELECT name, type, sort_order FROM environments ORDER BY sort_order, name",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(EnvironmentRow::from_row).collect()
    }

    pub async fn projects(&self) -> StorageResult<Vec<(String, String, Option<String>)>> {
        let rows = sqlx::query("SELECT id, name, description FROM projects ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("id")?,
                    r.try_get("name")?,
                    r.try_get("description")?,
                ))
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentRow {
    pub name: String,
    pub kind: String,
    pub sort_order: i64,
}

impl EnvironmentRow {
    fn from_row(row: &AnyRow) -> StorageResult<Self> {
        Ok(EnvironmentRow {
            name: row.try_get("name")?,
            kind: row.try_get("type")?,
            sort_order: row.try_get("sort_order")?,
        })
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

impl WriteTx<'_> {
    pub async fn project_exists(&mut self, id: &str) -> StorageResult<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM projects WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *self.tx)
            .await?;
        Ok(n > 0)
    }

    pub async fn environment_exists(&mut self, name: &str) -> StorageResult<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM environments WHERE name = $1")
            .bind(name)
            .fetch_one(&mut *self.tx)
            .await?;
        Ok(n > 0)
    }

    /// A new project, with every existing environment enabled for it.
    pub async fn insert_project(
        &mut self,
        id: &str,
        name: &str,
        description: Option<&str>,
    ) -> StorageResult<()> {
        sqlx::query(
            "INSERT INTO projects (id, name, description, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(name)
        .bind(description)
        .bind(now_text())
        .execute(&mut *self.tx)
        .await?;
        sqlx::query(
            "INSERT INTO project_environments (project_id, environment) SELECT $1, name FROM environments",
        )
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    pub async fn insert_environment(
        &mut self,
        name: &str,
        kind: &str,
        sort_order: i64,
    ) -> StorageResult<()> {
        sqlx::query(
            "INSERT INTO environments (name, type, sort_order, enabled) VALUES ($1, $2, $3, 1)",
        )
        .bind(name)
        .bind(kind)
        .bind(sort_order)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Enables an environment for a project; its flags get a switched-off row there.
    pub async fn link_project_environment(
        &mut self,
        project: &str,
        environment: &str,
    ) -> StorageResult<()> {
        sqlx::query("INSERT INTO project_environments (project_id, environment) VALUES ($1, $2)")
            .bind(project)
            .bind(environment)
            .execute(&mut *self.tx)
            .await?;
        sqlx::query(
            "INSERT INTO feature_environments (feature_name, environment, enabled, variants) \
             SELECT name, $1, 0, '[]' FROM features WHERE project_id = $2",
        )
        .bind(environment)
        .bind(project)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}
