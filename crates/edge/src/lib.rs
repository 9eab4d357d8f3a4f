//! `flagstaff edge`: a read layer in front of Unleash (8.x) or Flagstaff that
//! speaks what Unleash Edge speaks, with Edge's options, so it can replace it.
//!
//! A guided tour:
//! - [`config`]: the command line (Edge's names, env vars and defaults).
//! - [`tokens`]: tokens SDKs present, validated upstream once and cached.
//! - [`scopes`]: per token scope, the upstream's last good document, served
//!   as it came (plain and pre-gzipped), and its compiled engine.
//! - [`follow`]: fetching each scope (`If-None-Match`, backoff), token
//!   re-validation, the metrics sender, and the start from the backup.
//! - `stream`: with `--streaming`, the upstream's SSE stream per scope,
//!   which makes the scope fetch at once when a change is announced.
//! - [`backup`]: `--backup-folder`, written atomically, read at start.
//! - [`metrics`]: SDK metrics merged in memory, sent upstream in bulk.
//! - `routes`: the HTTP API (client, frontend and OFREP, backstage).
//!
//! The frontend API and OFREP answer through `flagstaff_domain::evaluation`,
//! client documents are held in the domain's `CachedBody`, and connections
//! are served by `flagstaff_server::http`: the same code `flagstaff serve`
//! runs.

pub mod backup;
pub mod config;
mod filter;
pub mod follow;
pub mod metrics;
mod routes;
pub mod scopes;
pub mod state;
mod stream;
mod telemetry;
pub mod tokens;
pub mod upstream;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use flagstaff_server::client_address::TrustedProxies;
use flagstaff_server::http::{serve_connections, ConnectionLimits};
use tokio::net::TcpListener;

use crate::config::{EdgeArgs, OfflineArgs, ServerArgs};
use crate::scopes::Flags;
use crate::state::{EdgeState, Inner, Settings};
use crate::tokens::{EdgeToken, TokenKind, Tokens};
use crate::upstream::{Upstream, UpstreamSettings};

/// The address to listen on: after the mode if given there, else the top level.
pub fn listen_address(server: &ServerArgs, listen: &config::Listen) -> String {
    let interface = listen.interface.as_deref().unwrap_or(&server.interface);
    let port = listen.port.unwrap_or(server.port);
    if interface.contains(':') && !interface.starts_with('[') {
        format!("[{interface}]:{port}")
    } else {
        format!("{interface}:{port}")
    }
}

fn settings(
    server: &ServerArgs,
    refresh: u64,
    revalidate: u64,
    metrics: u64,
    streaming: bool,
) -> Settings {
    Settings {
        refresh_interval: Duration::from_secs(refresh.max(1)),
        revalidation_interval: Duration::from_secs(revalidate.max(1)),
        metrics_interval: Duration::from_secs(metrics.max(1)),
        first_fetch_wait: Duration::from_secs(server.edge_request_timeout.max(1)),
        app_name: server.app_name.clone(),
        instance_id: server
            .instance_id
            .clone()
            .unwrap_or_else(|| format!("flagstaff-edge@{:016x}", rand_id())),
        token_header: server
            .token_header
            .clone()
            .unwrap_or_else(|| "authorization".to_owned())
            .to_ascii_lowercase(),
        disable_metrics_endpoint: server.disable_metrics_endpoint,
        disable_features_endpoint: server.disable_features_endpoint,
        disable_tokens_endpoint: server.disable_tokens_endpoint,
        disable_metrics_batch_endpoint: server.disable_metrics_batch_endpoint,
        disable_instance_data_endpoint: server.disable_instance_data_endpoint,
        disable_all_endpoint: server.disable_all_endpoint,
        trusted_proxies: Arc::new(TrustedProxies::new(server.trusted_proxies())),
        allow_list: server.allow_list.clone(),
        deny_list: server.deny_list.clone(),
        streaming,
    }
}

fn rand_id() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
}

fn limits(server: &ServerArgs) -> ConnectionLimits {
    let request = Duration::from_secs(server.edge_request_timeout.max(1));
    let keepalive = Duration::from_secs(server.edge_keepalive_timeout.max(1));
    ConnectionLimits {
        header_timeout: request.max(keepalive),
        body_timeout: request,
        max_connections: 4096,
        max_per_address: ConnectionLimits::per_address_cap(4096, 4096),
        max_header_bytes: 16 * 1024,
    }
}

async fn serve_state(
    state: EdgeState,
    server: &ServerArgs,
    base_path: &str,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) {
    let mut router = routes::router(state.clone(), base_path, &server.cors_origin);
    // Without --allow-list or --deny-list everyone is admitted: no check per request.
    if !(state.settings.allow_list.is_empty() && state.settings.deny_list.is_empty()) {
        router = router.layer(axum::middleware::from_fn_with_state(
            state.clone(),
            routes::admit_networks,
        ));
    }
    let router = router.layer(axum::middleware::from_fn_with_state(
        state.clone(),
        telemetry::count_requests,
    ));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let sender = tokio::spawn(follow::send_metrics_every(state.clone(), stopped));
    if let Ok(address) = listener.local_addr() {
        tracing::info!("flagstaff edge listening on {address}");
    }
    serve_connections(listener, router, limits(server), shutdown).await;
    let _ = stop.send(true);
    let _ = sender.await;
}

/// Runs `flagstaff edge` on `listener` until `shutdown` resolves, then sends
/// the metrics still buffered.
pub async fn run_edge(
    server: &ServerArgs,
    args: &EdgeArgs,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> Result<(), String> {
    let url = args
        .upstream_url
        .clone()
        .ok_or("--upstream-url is required")?;
    let certificate_pem = match &args.upstream_certificate_file {
        Some(path) => Some(
            std::fs::read(path)
                .map_err(|e| format!("--upstream-certificate-file {}: {e}", path.display()))?,
        ),
        None => None,
    };
    let settings = settings(
        server,
        args.features_refresh_interval_seconds,
        args.token_revalidation_interval_seconds,
        args.metrics_interval_seconds,
        args.streaming,
    );
    let upstream = Upstream::new(&UpstreamSettings {
        url,
        app_name: settings.app_name.clone(),
        instance_id: settings.instance_id.clone(),
        custom_headers: args.custom_client_headers.clone(),
        certificate_pem,
        skip_tls_verification: args.skip_ssl_verification,
        request_timeout: Duration::from_secs(args.upstream_request_timeout.max(1)),
        keepalive: Duration::from_secs(args.client_keepalive_timeout.max(1)),
    })?;
    let pretrusted = args.pretrusted_tokens.iter().filter_map(|text| {
        let token = EdgeToken::from_text(text, TokenKind::Frontend);
        if token.is_none() {
            tracing::warn!(token = %tokens::masked(text), "skipping a --pretrusted-tokens entry that is neither project:environment.secret nor secret@environment");
        }
        token
    });
    let backup = match &args.backup_folder {
        Some(folder) => Some(
            backup::Backup::new(folder)
                .map_err(|e| format!("--backup-folder {}: {e}", folder.display()))?,
        ),
        None => None,
    };
    tracing::info!(upstream = %upstream.url(), "flagstaff edge starting");
    let state = EdgeState(Arc::new(Inner {
        settings,
        tokens: Tokens::new(pretrusted),
        scopes: scopes::Scopes::default(),
        metrics: metrics::MetricsBuffer::default(),
        upstream: Some(upstream),
        backup,
        started: SystemTime::now(),
        requests: telemetry::RequestCounts::default(),
        validations: tokio::sync::Semaphore::new(state::MAX_VALIDATIONS),
    }));
    follow::start(&state, args.tokens.clone()).await;
    tokio::spawn(follow::revalidate_tokens(state.clone()));
    let base_path = args.base_path.as_deref().unwrap_or(&server.base_path);
    serve_state(state, server, base_path, listener, shutdown).await;
    Ok(())
}

/// Runs the offline mode: the bootstrap file for every token given.
pub async fn run_offline(
    server: &ServerArgs,
    args: &OfflineArgs,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> Result<(), String> {
    let mut tokens = Vec::new();
    for (texts, kind) in [
        (&args.client_tokens, TokenKind::Client),
        (&args.frontend_tokens, TokenKind::Frontend),
    ] {
        for text in texts.iter().filter(|t| !t.trim().is_empty()) {
            tokens.push(EdgeToken::from_text(text, kind).ok_or_else(|| {
                format!(
                    "{} is not a project:environment.secret token",
                    tokens::masked(text)
                )
            })?);
        }
    }
    let state = EdgeState(Arc::new(Inner {
        settings: settings(server, 15, 3600, 60, false),
        tokens: Tokens::new(tokens.iter().cloned()),
        scopes: scopes::Scopes::default(),
        metrics: metrics::MetricsBuffer::default(),
        upstream: None,
        backup: None,
        started: SystemTime::now(),
        requests: telemetry::RequestCounts::default(),
        validations: tokio::sync::Semaphore::new(state::MAX_VALIDATIONS),
    }));
    // Offline, every token sees the whole file: one scope per token's own scope.
    load_bootstrap(&state, &args.bootstrap_file, &tokens)?;
    if args.reload_interval > 0 {
        let state = state.clone();
        let every = Duration::from_secs(args.reload_interval);
        let file = args.bootstrap_file.clone();
        let tokens = tokens.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                if let Err(error) = load_bootstrap(&state, &file, &tokens) {
                    tracing::warn!(%error, "re-reading the bootstrap file failed; keeping the last one");
                }
            }
        });
    }
    let base_path = args.base_path.as_deref().unwrap_or(&server.base_path);
    serve_state(state, server, base_path, listener, shutdown).await;
    Ok(())
}

/// Offline, every token sees the whole file: its scope gets the file's flags
/// (all scopes or none, so a bad file changes nothing).
fn load_bootstrap(
    state: &EdgeState,
    file: &std::path::Path,
    tokens: &[EdgeToken],
) -> Result<(), String> {
    let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut fresh = Vec::new();
    for token in tokens {
        let flags = Flags::parse(bytes.clone().into(), None)
            .map_err(|e| format!("{}: {e}", file.display()))?;
        fresh.push((token, flags));
    }
    for (token, flags) in fresh {
        let (entry, _) = state.scopes.get_or_insert(token.scope(), &token.token);
        entry.set_flags(flags);
    }
    Ok(())
}
