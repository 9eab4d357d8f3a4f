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
//!   every committed change, with a revision number; [`delta`] their history
//!   for streams, [`response_cache`] their pre-serialised answers; [`follow`]
//!   keeps them (and the tokens) up with changes made by other processes.
//! - [`evaluation`]: the frontend API's and OFREP's answers from a compiled
//!   engine, shared by `flagstaff serve` and `flagstaff edge`.
//! - [`api_tokens`]: API tokens (hashed at rest, cached in memory).
//! - [`streams`]: the open client streams, woken after every catch-up.
//! - [`metrics`]: SDK metrics, batched in memory and acknowledged once stored.
//! - [`integrations`]: notifications of events to outside services.
//! - [`actions`]: what a signal sent to a signal endpoint sets off — the
//!   matching action sets run their steps as ordinary operations.
//! - [`quota`]: per-key budgets (requests per address, runs per action set).
//! - `request_writes`: the writes a request starts besides an operation
//!   (sessions, signals, metrics), as [`DomainState`] methods.

pub mod actions;
pub mod api_tokens;
pub mod delta;
pub mod evaluation;
pub mod follow;
pub mod integrations;
pub mod metrics;
pub mod ops;
pub mod quota;
mod request_writes;
pub mod response_cache;
pub mod snapshot;
mod state;
pub mod streams;
pub mod wire;

pub use state::{DomainSettings, DomainState};
