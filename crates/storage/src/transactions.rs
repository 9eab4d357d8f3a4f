//! The kinds of transaction: a change ([`WriteTx`] from [`Store::write`]),
//! which holds the change head's row lock so changes queue across processes and
//! get gapless revisions in commit order; an unversioned write
//! ([`UnversionedTx`]: SDK metrics, signals, sessions), which is no change and
//! so has no way to record an event; and a consistent read ([`ReadTx`]).

use sqlx::AnyConnection;
use tokio::sync::MutexGuard;

use super::{
    InTransaction, NewEvent, Reader, Source, StorageError, StorageResult, Store, TxReader,
};
use crate::clock::Clock;

/// A read-only transaction that sees one committed state throughout
/// (PostgreSQL: REPEATABLE READ; SQLite: a WAL read transaction), so a client
/// snapshot built from it is exactly the state at the revision it reads.
pub struct ReadTx {
    pub(super) reads: TxReader,
}

impl ReadTx {
    /// Ends the transaction (it wrote nothing).
    pub async fn finish(self) -> StorageResult<()> {
        self.reads.into_source().into_inner().rollback().await?;
        Ok(())
    }
}

/// The PostgreSQL channel each committed change is announced on (payload: its revision).
pub const CHANGES_CHANNEL: &str = "flagstaff_changes";

/// A change ([`Store::write`]): holds the change head's lock from its first
/// statement until it commits or is dropped; only it can record events.
pub struct WriteTx<'s> {
    pub(super) reads: TxReader,
    _guard: MutexGuard<'s, ()>,
    /// The revision this transaction's events carry, once it has recorded one.
    revision: Option<i64>,
    /// The events recorded so far, in order.
    pub(super) events: Vec<NewEvent>,
    /// The enabled integrations, read at the first event (outbox rows).
    pub(super) enabled_addons: Option<Vec<super::IntegrationRow>>,
    /// Outbox rows written so far.
    pub(super) queued_deliveries: usize,
    /// How deep in a chain of action runs this change is made (0: not by an
    /// action set); recorded on its events, sent with their webhooks.
    pub action_depth: i64,
    /// The store's clock: what an operation that decides by the time reads.
    clock: Clock,
}

/// What a committed change was: its revision (`None` when it recorded no
/// event, so changed nothing) and its events in the order they were recorded.
#[derive(Debug, Clone, Default)]
pub struct Committed {
    pub revision: Option<i64>,
    pub events: Vec<NewEvent>,
    /// Integration deliveries it queued (the outbox rows written with its events).
    pub deliveries: usize,
}

impl Committed {
    /// The types of its events, in order.
    pub fn event_types(&self) -> Vec<&'static str> {
        self.events.iter().map(|e| e.event_type.as_str()).collect()
    }
}

impl WriteTx<'_> {
    /// The clock of the store this transaction is in: what an operation that
    /// decides by the time (an expiry in the future, a pause) reads.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Commits; a change that recorded events is announced to every process
    /// following the database (PostgreSQL delivers the notice at commit).
    pub async fn commit(mut self) -> StorageResult<Committed> {
        if let (Some(revision), super::Backend::Postgres) = (self.revision, self.backend()) {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANGES_CHANNEL)
                .bind(revision.to_string())
                .execute(self.tx())
                .await?;
        }
        commit(self.reads).await?;
        Ok(Committed {
            revision: self.revision,
            events: self.events,
            deliveries: self.queued_deliveries,
        })
    }

    /// The transaction's connection, for a write.
    pub(crate) fn tx(&mut self) -> &mut AnyConnection {
        self.reads.source_mut().get_mut()
    }

    /// The revision of this change: bumped once, on its first event.
    pub(crate) async fn revision(&mut self) -> StorageResult<i64> {
        if let Some(revision) = self.revision {
            return Ok(revision);
        }
        let revision: i64 = sqlx::query_scalar(
            "UPDATE change_head SET revision = revision + 1 WHERE id = 1 RETURNING revision",
        )
        .fetch_one(self.tx())
        .await?;
        self.revision = Some(revision);
        Ok(revision)
    }
}

/// A write that is not a change (SDK metrics, incoming signals, the log of
/// action runs, sessions): no revision, and no way to record an event, so it
/// neither waits for nor holds up changes beyond the database's own locking.
pub struct UnversionedTx {
    pub(super) reads: TxReader,
}

impl UnversionedTx {
    /// The transaction's connection, for a write.
    pub(crate) fn tx(&mut self) -> &mut AnyConnection {
        self.reads.source_mut().get_mut()
    }

    pub async fn commit(self) -> StorageResult<()> {
        commit(self.reads).await
    }
}

/// Commits; a connection lost meanwhile leaves the outcome unknown: say so.
async fn commit(reads: TxReader) -> StorageResult<()> {
    reads
        .into_source()
        .into_inner()
        .commit()
        .await
        .map_err(|e| match StorageError::from(e) {
            StorageError::Unreachable { source, .. } => StorageError::Unreachable {
                source,
                committing: true,
            },
            other => other,
        })
}

impl Store {
    /// Begins a change: the one write transaction of this process, holding the
    /// change head's row lock from its first statement, so changes queue across
    /// processes too and everything read inside decides on committed state.
    pub async fn write(&self) -> StorageResult<WriteTx<'_>> {
        let asked = std::time::Instant::now();
        let guard = self.writes.lock().await;
        let mut tx = self.pool().begin().await?;
        sqlx::query("UPDATE change_head SET revision = revision WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        self.note_lock_wait(asked.elapsed());
        Ok(WriteTx {
            reads: TxReader::new(InTransaction::new(tx), self.backend()),
            _guard: guard,
            revision: None,
            events: Vec::new(),
            enabled_addons: None,
            queued_deliveries: 0,
            action_depth: 0,
            clock: self.clock().clone(),
        })
    }

    /// An [`UnversionedTx`] for SDK metrics.
    pub async fn write_metrics(&self) -> StorageResult<UnversionedTx> {
        self.write_unversioned().await
    }

    /// Begins an [`UnversionedTx`].
    pub(crate) async fn write_unversioned(&self) -> StorageResult<UnversionedTx> {
        Ok(UnversionedTx {
            reads: TxReader::new(
                InTransaction::new(self.pool().begin().await?),
                self.backend(),
            ),
        })
    }

    /// Begins a [`ReadTx`].
    pub async fn read_consistent(&self) -> StorageResult<ReadTx> {
        let mut tx = self.pool().begin().await?;
        if self.backend() == super::Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                .execute(&mut *tx)
                .await?;
        }
        Ok(ReadTx {
            reads: TxReader::new(InTransaction::new(tx), self.backend()),
        })
    }
}

impl<S: Source> Reader<S> {
    /// The revision of the newest change committed (or, in a transaction,
    /// the newest it sees).
    pub async fn current_revision(&self) -> StorageResult<i64> {
        Ok(
            sqlx::query_scalar("SELECT revision FROM change_head WHERE id = 1")
                .fetch_one(&mut *self.conn().await?)
                .await?,
        )
    }
}
