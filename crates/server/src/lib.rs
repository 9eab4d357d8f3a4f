//! Flagstaff's server: Unleash's admin API and client API over SQLite or
//! PostgreSQL, with client answers served from in-memory snapshots.
//!
//! A guided tour:
//! - [`config`]: `flagstaff serve` options (clap, each with an env var).
//! - [`storage`]: the one storage layer for both databases; only it writes SQL.
//! - [`auth`]: API tokens (hashed at rest, cached in memory) and the extractors
//!   that give handlers a parsed, scoped token.
//! - [`snapshot`]: per-environment client-features documents, rebuilt in one
//!   place after every committed change, with a revision number.
//! - [`api`]: one file per API area, each with its router; `api::router` merges them.
//! - [`metrics`]: SDK metrics, batched in memory and acknowledged once stored.
//! - [`error`]: the one HTTP error type, in Unleash's JSON shape.

pub mod api;
pub mod auth;
pub mod config;
pub mod error;
pub mod metrics;
pub mod snapshot;
pub mod state;
pub mod storage;

use std::future::Future;

use tokio::net::TcpListener;

pub use config::ServeArgs;
pub use state::AppState;

/// Opens the database, applies the bootstrap tokens, and serves on `listener`
/// until `shutdown` completes; in-flight requests finish first.
pub async fn serve(
    args: &ServeArgs,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let state = AppState::open(args).await?;
    let writer = state.metrics.spawn_writer(state.store.clone());
    let pruner = metrics::spawn_pruner(state.store.clone(), args.metrics_retention_hours);
    let app = api::router(state.clone(), args)
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    // Every request has finished: write what the last batch holds, then close.
    writer.abort();
    pruner.abort();
    let flushed = state.metrics.flush(&state.store).await;
    state.store.close().await;
    served?;
    flushed?;
    Ok(())
}
