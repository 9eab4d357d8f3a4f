//! Flagstaff's domain: every change as a typed operation, the events it
//! records, the client snapshots those events bring up to date, and the work
//! that follows a change (integrations' notifications, action sets set off by
//! signals). No HTTP here: the server crate maps what happens to status codes
//! and pages; configuration comes in as plain values ([`DomainSettings`]).
//!
//! A guided tour:
//! - [`ops`]: the operations, each run inside one change transaction;
//!   [`DomainState::apply`] is the change pipeline around them.
//! - [`wire`]: Unleash's views of stored rows (the admin API's shapes).
//! - [`snapshot`]: per-environment client-features documents, rebuilt after
//!   every committed change, with a revision number; `delta` their history
//!   for streams, `response_cache` their pre-serialised answers; `follow`
//!   keeps them (and the tokens) up with changes made by other processes
//!   ([`DomainState::spawn_follower`]).
//! - [`evaluation`]: the frontend API's and OFREP's answers from a compiled
//!   engine, shared by `flagstaff serve` and `flagstaff edge`.
//! - `api_tokens`: API tokens (hashed at rest, cached in memory: [`TokenCache`]).
//! - `streams`: the open client streams, woken after every catch-up ([`Streams`]).
//! - `metrics`: SDK metrics, batched in memory and acknowledged once stored
//!   ([`MetricsBuffer`]).
//! - [`integrations`]: notifications of events to outside services.
//! - [`migrate`]: moving from Unleash (its admin API or a file, written
//!   through the operations: `flagstaff migrate-from-unleash`).
//! - [`actions`]: what a signal sent to a signal endpoint sets off — the
//!   matching action sets run their steps as ordinary operations.
//! - `quota`: per-key budgets (requests per address, runs per action set:
//!   [`Quotas`]).
//! - [`rollouts`]: the task that trips safeguards and makes release plan
//!   progressions when due ([`DomainState::spawn_rollouts`]), and how impact
//!   metrics aggregate.
//! - `request_writes`: the writes a request starts besides an operation
//!   (sessions, signals, metrics), as [`DomainState`] methods.
//!
//! A module is public only where another crate uses it as a namespace; the
//! few names other crates use from the rest are re-exported here.

pub mod actions;
mod api_tokens;
mod delta;
pub mod evaluation;
mod follow;
pub mod integrations;
mod metrics;
pub mod migrate;
pub mod ops;
mod quota;
mod request_writes;
mod response_cache;
pub mod rollouts;
pub mod schedules;
pub mod snapshot;
mod state;
mod streams;
pub mod wire;

pub use api_tokens::{hash_secret, ApiToken, TokenCache, TokenKind};
pub use delta::FlagFilter;
pub use metrics::{MetricsBuffer, NotStored, Report};
pub use quota::Quotas;
pub use response_cache::{CachedBody, ResponseCache};
pub use state::{DomainSettings, DomainState};
pub use streams::{StreamLimits, StreamSlot, Streams};
