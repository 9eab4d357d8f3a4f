//! A handle on the store that can read and cannot write. The HTTP layer holds
//! this, never a [`Store`]: a handler can read anything, but a change
//! transaction ([`Store::write`]) or an unversioned one is out of its reach,
//! so every write goes through the domain (an operation, or one of its named
//! writers for metrics, sessions and signals).

use std::ops::Deref;
use std::sync::Arc;

use sqlx::AnyPool;

use super::{Clock, LockWaitTotals, PoolState, Reachability, Reader, StorageResult, Store};

/// The store's reads ([`Reader`]) and its read-only facts, over the one
/// shared [`Store`].
#[derive(Clone)]
pub struct ReadOnlyStore(Arc<Store>);

impl ReadOnlyStore {
    pub fn new(store: Arc<Store>) -> ReadOnlyStore {
        ReadOnlyStore(store)
    }

    pub fn clock(&self) -> &Clock {
        self.0.clock()
    }

    pub fn reachability(&self) -> &Reachability {
        self.0.reachability()
    }

    pub fn pool_state(&self) -> PoolState {
        self.0.pool_state()
    }

    pub fn lock_waits(&self) -> LockWaitTotals {
        self.0.lock_waits()
    }

    /// `SELECT 1`: is the database answering?
    pub async fn ping(&self) -> StorageResult<()> {
        self.0.ping().await
    }
}

impl Deref for ReadOnlyStore {
    type Target = Reader<AnyPool>;

    fn deref(&self) -> &Reader<AnyPool> {
        &self.0
    }
}
