//! Flagstaff's HTTP layer: Unleash's admin, client, frontend and OFREP APIs
//! and the web UI over the domain ([`flagstaff_domain`]), which keeps client
//! answers in in-memory snapshots. Only this crate knows HTTP: routes,
//! extractors, status codes, pages.
//!
//! A guided tour:
//! - [`config`]: `flagstaff serve` options (clap, each with an env var); it
//!   builds the plain settings the domain is given.
//! - `auth`: the extractors that give handlers a parsed, scoped token (API
//!   tokens, PATs, signal endpoint tokens); `client_address`: who a request
//!   comes from (the TCP peer, or behind `--trusted-proxies` the forwarded
//!   address), for every quota.
//! - `state`: `AppState`, what handlers share: the domain's state and the
//!   HTTP layer's own budgets and settings.
//! - [`api`]: one file per API area, each with its router; `api::router` merges them.
//! - `ui`: the server-rendered web UI.
//! - [`http`]: the connection loop (limits per address, timeouts).
//! - `error`: the one HTTP error type, in Unleash's JSON shape; `path_segment`:
//!   a name in a URL the API or the UI builds.
//! - `clock`: the time every decision by the time reads (moved by tests);
//!   [`flagstaff_storage::clock`], re-exported.

pub mod api;
mod auth;
pub mod client_address;
pub mod config;
mod error;
pub mod http;
mod path_segment;
mod request_context;
mod sign_in;
mod state;
mod telemetry;
mod ui;

use std::future::Future;
use std::time::Duration;

use tokio::net::TcpListener;

pub use config::ServeArgs;
use flagstaff_domain::ops;
pub use flagstaff_storage::clock;
use flagstaff_storage::Store;
use state::AppState;

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
    let (args, given) = args.with_public_url_for(address);
    let args = &args;
    if given {
        tracing::info!(public_url = %args.public_url(), "links in notifications use the public URL (--public-url)");
    } else {
        tracing::info!(
            public_url = %args.public_url(),
            "links in notifications use the address this server listens on; set --public-url (UNLEASH_URL) if people reach it elsewhere"
        );
    }
    let store = Store::connect(&args.database_url)
        .await?
        .with_clock(args.clock.clone());
    for token in ops::tokens::apply_init_tokens(&store, &args.init_token_secrets()).await? {
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
        args.domain_settings(),
        args.quotas().with_clock(&args.clock),
    )
    .await?;
    state.ui = std::sync::Arc::new(args.ui_settings());
    state.trusted_proxies = std::sync::Arc::new(client_address::TrustedProxies::new(
        args.trusted_proxies.clone(),
    ));
    state.heavy_reads =
        std::sync::Arc::new(tokio::sync::Semaphore::new(args.max_heavy_reads.max(1)));
    let writer = state.domain().spawn_metrics_writer(&state.metrics);
    let pruner = state
        .domain()
        .spawn_metrics_pruner(args.metrics_retention_hours);
    let follower = state.domain().spawn_follower();
    let scheduler = state.domain().spawn_scheduler();
    let rollouts = state.domain().spawn_rollouts();
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
    scheduler.abort();
    rollouts.abort();
    deliverer.abort();
    let flushed = state.domain().flush_metrics(&state.metrics).await;
    state.domain().close().await;
    flushed?;
    tracing::info!("stopped");
    Ok(())
}

/// The host part of links printed at start.
use config::printed_host;

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
