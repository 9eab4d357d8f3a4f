//! One read API for the pool and for transactions. A read is the same SQL
//! wherever it runs, so each is written once, on [`Reader`], generic over
//! where its connection comes from ([`Source`]): the pool (one pooled
//! connection a read) or an open transaction (whose reads see its own writes,
//! and decide on the state it holds locked). [`Store`](super::Store),
//! [`WriteTx`](super::WriteTx), [`UnversionedTx`](super::UnversionedTx) and
//! [`ReadTx`](super::ReadTx) each dereference to their reader, so a read is
//! called the same way on each: `store.flag(name)`, `tx.flag(name)`.

use std::future::Future;
use std::ops::{Deref, DerefMut};

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Transaction};
use tokio::sync::{MappedMutexGuard, Mutex, MutexGuard};

use super::{Backend, StorageResult};

/// Where a [`Reader`]'s connection comes from.
pub trait Source: Send + Sync {
    /// A connection held for one read (a read of several statements runs
    /// them all on it); dropped, it goes back.
    type Conn<'a>: DerefMut<Target = AnyConnection> + Send
    where
        Self: 'a;

    fn conn(&self) -> impl Future<Output = StorageResult<Self::Conn<'_>>> + Send;
}

impl Source for AnyPool {
    type Conn<'a> = PoolConnection<Any>;

    async fn conn(&self) -> StorageResult<PoolConnection<Any>> {
        Ok(self.acquire().await?)
    }
}

/// An open transaction. Reads borrow the reader shared, so they take turns
/// on the transaction's one connection; its writes hold it exclusively
/// ([`InTransaction::get_mut`]) and never wait.
pub struct InTransaction(Mutex<Transaction<'static, Any>>);

impl InTransaction {
    pub(crate) fn new(tx: Transaction<'static, Any>) -> InTransaction {
        InTransaction(Mutex::new(tx))
    }

    pub(crate) fn get_mut(&mut self) -> &mut AnyConnection {
        self.0.get_mut()
    }

    pub(crate) fn into_inner(self) -> Transaction<'static, Any> {
        self.0.into_inner()
    }
}

impl Source for InTransaction {
    type Conn<'a> = MappedMutexGuard<'a, AnyConnection>;

    async fn conn(&self) -> StorageResult<MappedMutexGuard<'_, AnyConnection>> {
        Ok(MutexGuard::map(self.0.lock().await, |tx| &mut **tx))
    }
}

/// Every read of the database, on a connection from `S`.
pub struct Reader<S> {
    source: S,
    backend: Backend,
}

impl<S: Source> Reader<S> {
    pub(crate) fn new(source: S, backend: Backend) -> Reader<S> {
        Reader { source, backend }
    }

    /// A connection for one read. Never call another read while holding it:
    /// in a transaction that read would wait for it forever.
    pub(crate) async fn conn(&self) -> StorageResult<S::Conn<'_>> {
        self.source.conn().await
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub(crate) fn source(&self) -> &S {
        &self.source
    }

    pub(crate) fn source_mut(&mut self) -> &mut S {
        &mut self.source
    }

    pub(crate) fn into_source(self) -> S {
        self.source
    }
}

/// A [`Reader`] on an open transaction.
pub type TxReader = Reader<InTransaction>;

/// A [`Reader`] on the pool (what [`Store`](super::Store) and
/// [`ReadOnlyStore`](super::ReadOnlyStore) dereference to).
pub type PoolReader = Reader<AnyPool>;

impl Deref for super::ReadTx {
    type Target = TxReader;

    fn deref(&self) -> &TxReader {
        &self.reads
    }
}

impl Deref for super::WriteTx<'_> {
    type Target = TxReader;

    fn deref(&self) -> &TxReader {
        &self.reads
    }
}

impl Deref for super::UnversionedTx {
    type Target = TxReader;

    fn deref(&self) -> &TxReader {
        &self.reads
    }
}

impl Deref for super::Store {
    type Target = Reader<AnyPool>;

    fn deref(&self) -> &Reader<AnyPool> {
        &self.reads
    }
}
