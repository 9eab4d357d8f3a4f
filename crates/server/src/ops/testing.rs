//! Running operations in unit tests: a fresh in-memory SQLite store, migrated
//! and seeded as a new server's (project `default`, environments
//! `development` and `production`, the built-in strategy types), with a
//! manual clock, and the change pipeline's first half ([`super::apply`]) in
//! one call. Public so that other crates' tests use the same bench; it holds
//! nothing that production code calls.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{apply, Actor, Applied, Context, Limits, OpResult, Operation};
use crate::clock::ManualClock;
use crate::storage::{OpenError, Store};

/// A fresh in-memory store that operations run against.
pub struct OpBench {
    pub store: Store,
    /// The store's clock; [`ManualClock::advance`] moves it.
    pub clock: ManualClock,
    /// Who applies the operations (`Actor::named("tester")` unless changed).
    pub cx: Context,
}

impl OpBench {
    /// A new, empty server's database, in memory (a few milliseconds).
    pub async fn new() -> Result<OpBench, OpenError> {
        let clock = ManualClock::new();
        let store = Store::connect("sqlite::memory:")
            .await?
            .with_clock(clock.clock());
        Ok(OpBench {
            store,
            clock,
            cx: Context::new(Actor::named("tester"), Limits::default()),
        })
    }

    /// Applies `operation` as one change: its output and the committed
    /// revision and events, or the refusal (and then nothing is stored).
    pub async fn apply<O: Operation>(&self, operation: O) -> OpResult<Applied<O::Output>> {
        apply(&self.store, &self.cx, operation).await
    }

    /// Applies `operation` and gives the types of the events it recorded, in
    /// order; panics (naming the refusal) when it is refused.
    pub async fn events_of<O: Operation>(&self, operation: O) -> Vec<&'static str> {
        match self.apply(operation).await {
            Ok(applied) => applied.committed.event_types(),
            Err(e) => panic!("refused: {e:?}"),
        }
    }
}

/// An operation from its JSON form (the form change requests store), for
/// short tests; panics when the JSON does not describe one.
pub fn operation<O: DeserializeOwned>(json: Value) -> O {
    match serde_json::from_value(json.clone()) {
        Ok(operation) => operation,
        Err(e) => panic!("not an operation ({e}): {json}"),
    }
}
