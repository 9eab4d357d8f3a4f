//! Flagstaff's server: Unleash's admin API and client API over SQLite or
//! PostgreSQL, with client answers served from in-memory snapshots.
//!
//! A guided tour:
//! - [`config`]: `flagstaff serve` options (clap, each with an env var).
//! - [`storage`]: the one storage layer for both databases; only it writes SQL.
//! - [`auth`]: API tokens (hashed at rest, cached in memory) and the extractors
//!   that give handlers a parsed, scoped token; [`client_address`]: who a
//!   request comes from (the TCP peer, or behind `--trusted-proxies` the
//!   forwarded address), for every quota; [`tokens`]: the operations that
//!   create and revoke them (admin API, `INIT_*` variables, first start).
//! - [`snapshot`]: per-environment client-features documents, rebuilt in one
//!   place after every committed change, with a revision number; [`follow`]
//!   keeps them (and the tokens) up with changes made by other processes.
//! - [`api`]: one file per API area, each with its router; `api::router` merges them.
//! - [`metrics`]: SDK metrics, batched in memory and acknowledged once stored.
//! - [`actions`]: what a signal sent to a signal endpoint sets off — the
//!   matching action sets run their steps as ordinary operations.
//! - [`error`]: the one HTTP error type, in Unleash's JSON shape.
//! - [`clock`]: the time every decision by the time reads (moved by tests).

pub mod actions;
pub mod api;
pub mod auth;
pub mod client_address;
pub mod clock;
pub mod config;
pub mod delta;
pub mod error;
pub mod follow;
pub mod http;
pub mod integrations;
pub mod metrics;
pub mod ops;
pub mod quota;
pub mod response_cache;
pub mod snapshot;
pub mod state;
pub mod storage;
pub mod streams;
pub mod telemetry;
pub mod ui;
pub mod wire;

use std::future::Future;
use std::time::Duration;

use tokio::net::TcpListener;

pub use config::ServeArgs;
pub use state::AppState;
use storage::Store;

/// Opens the database, applies the bootstrap tokens, and serves on `listener`
/// until `shutdown` completes; in-flight requests finish first. Says what it
/// does in the log: version, database, schema, tokens, then "listening" once
/// requests are answered, and a line when it stops.
pub async fn serve(
    args: &ServeArgs,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "flagstaff starting");
    let address = listener.local_addr()?;
    let store = Store::connect(&args.database_url)
        .await?
        .with_clock(args.clock.clone());
    for token in ops::tokens::apply_init_tokens(&store, args).await? {
        let outcome = if token.created {
            "created"
        } else {
            "already present"
        };
        tracing::info!(
            variable = token.variable,
            name = %token.name,
            prefix = %token.prefix,
            "API token from {}: {outcome}",
            token.variable
        );
    }
    if let Some(created) = ops::tokens::ensure_admin_token(&store).await? {
        announce_bootstrap_token(&created, address);
    }
    if let Some(user) = args.init_admin_user.as_deref() {
        let outcome =
            ops::users::apply_init_admin(&store, user, args.init_admin_password.as_deref()).await?;
        let outcome = match outcome {
            ops::users::InitAdmin::Created => "created",
            ops::users::InitAdmin::Present => "already present",
        };
        tracing::info!(user = %user, "admin user from INIT_ADMIN_USER: {outcome}");
    }
    let setup_code = if args.init_admin_user.is_none() && store.user_count().await? == 0 {
        let code = ui::random_hex()?;
        announce_setup_link(&code, address);
        Some(code)
    } else {
        None
    };
    *args
        .setup_code
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = setup_code;
    let mut state = AppState::new(
        store,
        args.limits(),
        args.quotas().with_clock(&args.clock),
        args.stream_limits(),
        args.delivery_settings(),
    )
    .await?;
    state.ui = std::sync::Arc::new(ui::UiSettings {
        setup_code: args.setup_code.clone(),
        secure_cookies: args.public_url.starts_with("https://"),
        public_host: ui::url_host(&args.public_url),
    });
    state.automation = std::sync::Arc::new(args.automation().with_clock(&args.clock));
    state.trusted_proxies = std::sync::Arc::new(client_address::TrustedProxies::new(
        args.trusted_proxies.clone(),
    ));
    state.heavy_reads =
        std::sync::Arc::new(tokio::sync::Semaphore::new(args.max_heavy_reads.max(1)));
    let writer = state.metrics.spawn_writer(state.store.clone());
    let pruner = metrics::spawn_pruner(state.store.clone(), args.metrics_retention_hours);
    let follower = follow::spawn(state.clone());
    let deliverer = state.deliverer.spawn();
    let app = api::router(state.clone(), args);
    let mut max_connections = args.max_connections.max(1);
    if let Some(open_files) = http::raise_open_files_limit() {
        // Room for the database pool, the listener and the log.
        let fits = usize::try_from(open_files.saturating_sub(64)).unwrap_or(usize::MAX);
        if fits < max_connections {
            tracing::warn!(
                max_connections = fits,
                "fewer connections than asked for fit the open-files limit"
            );
            max_connections = fits.max(1);
        }
    }
    let limits = http::ConnectionLimits {
        header_timeout: Duration::from_secs(args.header_timeout.max(1)),
        body_timeout: Duration::from_secs(args.body_timeout.max(1)),
        max_connections,
        max_per_address: http::ConnectionLimits::per_address_cap(
            args.max_connections_per_address,
            max_connections,
        ),
        max_header_bytes: 16 * 1024,
    };
    tracing::info!("listening on {address}");
    let streams = state.streams.clone();
    http::serve_connections(listener, app, limits, async move {
        shutdown.await;
        tracing::info!("shutting down: finishing requests in flight");
        // Streams never finish by themselves: end them so connections drain.
        streams.close_all();
    })
    .await;
    // Every request has finished: write what the last batch holds, then close.
    writer.abort();
    pruner.abort();
    follower.abort();
    deliverer.abort();
    let flushed = state.metrics.flush(&state.store).await;
    state.store.close().await;
    flushed?;
    tracing::info!("stopped");
    Ok(())
}

/// The host part of links printed at start.
fn printed_host(address: std::net::SocketAddr) -> String {
    if address.ip().is_unspecified() {
        format!("localhost:{}", address.port())
    } else {
        address.to_string()
    }
}

/// Shows the one-time link that creates the first web UI admin.
fn announce_setup_link(code: &str, address: std::net::SocketAddr) {
    tracing::warn!(
        "no web UI user exists yet: open http://{}/setup?code={code} to create the first admin \
         (the link works once; a new one is printed at each start until a user exists)",
        printed_host(address)
    );
}

/// Shows the first start's admin token, once: the only time its secret is known.
fn announce_bootstrap_token(created: &ops::tokens::CreatedToken, address: std::net::SocketAddr) {
    let host = printed_host(address);
    tracing::warn!(
        name = %created.row.token_name,
        id = %created.row.id,
        "no admin API token existed, so this one was created; it is shown only now: {}",
        created.secret
    );
    tracing::warn!(
        "send it as the Authorization header of admin API calls, e.g. \
         curl -H \"Authorization: $TOKEN\" http://{host}/api/admin/projects ; \
         create named tokens with POST /api/admin/api-tokens and revoke this one with \
         DELETE /api/admin/api-tokens/{}",
        created.row.id
    );
}
