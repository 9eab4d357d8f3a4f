//! The `flagstaff` command: one binary for the server and its tools.
//!
//! `flagstaff serve` runs the server (crate `flagstaff-server`); `flagstaff eval`
//! is the batch and debugging front end of the engine; `flagstaff export` and
//! `flagstaff import` move flags between servers in Unleash's export format;
//! `flagstaff migrate-from-unleash` moves a whole Unleash instance in;
//! `flagstaff edge` (and `offline`) is a drop-in for Unleash Edge (crate
//! `flagstaff-edge`).

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use flagstaff_server::config::LogFormat;

mod edge;
mod eval;
mod migrate;
mod transfer;

/// An Unleash-compatible feature-flag server.
#[derive(Debug, Parser)]
#[command(name = "flagstaff", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Unleash Edge's top-level options, for `edge` and `offline`.
    #[command(flatten)]
    edge_server: flagstaff_edge::config::ServerArgs,
}

// Parsed once per process: the size of `serve`'s options costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (embedded SQLite by default).
    Serve(flagstaff_server::ServeArgs),
    /// Evaluate flags of a client-features document for given contexts.
    Eval(eval::EvalArgs),
    /// Print the flags of one environment in Unleash's export format.
    Export(transfer::ExportArgs),
    /// Import an export document into a project and environment (as one change).
    Import(transfer::ImportArgs),
    /// Move an Unleash instance (its admin API, or a file) into Flagstaff's database.
    MigrateFromUnleash(migrate::MigrateArgs),
    /// Run as a drop-in for Unleash Edge in front of Unleash or Flagstaff
    /// (`flagstaff edge offline` serves a file instead).
    Edge(flagstaff_edge::config::EdgeArgs),
    /// Serve a client-features file as Unleash Edge's offline mode does.
    Offline(flagstaff_edge::config::OfflineArgs),
    /// Check that a running edge is alive (`/internal-backstage/health`).
    Health(flagstaff_edge::config::ProbeArgs),
    /// Check that a running edge is ready (`/internal-backstage/ready`).
    Ready(flagstaff_edge::config::ProbeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Eval(args) => eval::run(&args),
        Command::Export(args) => transfer::export(&args),
        Command::Import(args) => transfer::import(&args),
        Command::MigrateFromUnleash(args) => migrate::run(&args),
        Command::Serve(args) => serve(args),
        Command::Edge(args) => edge::run(&cli.edge_server, args),
        Command::Offline(args) => edge::offline(&cli.edge_server, &args),
        Command::Health(args) => edge::probe(&cli.edge_server, &args, "health"),
        Command::Ready(args) => edge::probe(&cli.edge_server, &args, "ready"),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn serve(args: flagstaff_server::ServeArgs) -> anyhow::Result<()> {
    init_logging(args.log_format);
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let shutdown = shutdown_signal();
        let address = format!("{}:{}", args.host, args.port);
        let listener = tokio::net::TcpListener::bind(&address)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {address}: {e}"))?;
        flagstaff_server::serve(&args, listener, shutdown)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
    })
}

/// Logs to standard output at `RUST_LOG`'s level (default `info`, sqlx's own
/// lines from `warn`: its pool notes every dead connection it drops at `info`,
/// which during a database outage is a line per request — the server logs the
/// outage itself once): text, in colour only on a terminal (and never with
/// `NO_COLOR`), or one JSON object a line.
pub(crate) fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Json => builder.json().with_current_span(false).init(),
        LogFormat::Text => {
            let colour = std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            builder.with_ansi(colour).init();
        }
    }
}

/// Registers the SIGTERM and Ctrl-C handlers now — so a signal that arrives
/// while the server is still starting is neither lost nor fatal — and returns
/// a future that completes on the first of them.
pub(crate) fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let (terminate, interrupt) = {
        use tokio::signal::unix::{signal, SignalKind};
        (
            signal(SignalKind::terminate()).ok(),
            signal(SignalKind::interrupt()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let wait = |handler: Option<tokio::signal::unix::Signal>| async move {
                match handler {
                    Some(mut handler) => {
                        handler.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = wait(terminate) => {},
                () = wait(interrupt) => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
