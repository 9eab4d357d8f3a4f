//! `flagstaff edge` and `flagstaff offline` (also `flagstaff edge offline`):
//! logging, the runtime, binding and the shutdown signal around
//! `flagstaff_edge::run_edge`/`run_offline`.

use flagstaff_edge::config::{EdgeArgs, EdgeLogFormat, EdgeMode, OfflineArgs, ServerArgs};
use flagstaff_server::config::LogFormat;

fn start(server: &ServerArgs) -> anyhow::Result<tokio::runtime::Runtime> {
    crate::init_logging(match server.log_format {
        EdgeLogFormat::Json => LogFormat::Json,
        EdgeLogFormat::Plain | EdgeLogFormat::Pretty => LogFormat::Text,
    });
    Ok(tokio::runtime::Runtime::new()?)
}

async fn bind(address: &str) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {address}: {e}"))
}

pub fn run(server: &ServerArgs, args: EdgeArgs) -> anyhow::Result<()> {
    if let Some(EdgeMode::Offline(offline_args)) = &args.mode {
        return offline(server, offline_args);
    }
    let runtime = start(server)?;
    runtime.block_on(async move {
        let shutdown = crate::shutdown_signal();
        let listener = bind(&flagstaff_edge::listen_address(server, &args.listen)).await?;
        flagstaff_edge::run_edge(server, &args, listener, shutdown)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
    })
}

pub fn offline(server: &ServerArgs, args: &OfflineArgs) -> anyhow::Result<()> {
    let runtime = start(server)?;
    runtime.block_on(async move {
        let shutdown = crate::shutdown_signal();
        let listener = bind(&flagstaff_edge::listen_address(server, &args.listen)).await?;
        flagstaff_edge::run_offline(server, args, listener, shutdown)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
    })
}
