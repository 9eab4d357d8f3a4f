//! `flagstaff edge` and `flagstaff offline` (also `flagstaff edge offline`):
//! logging, the runtime, binding and the shutdown signal around
//! `flagstaff_edge::run_edge`/`run_offline`; `flagstaff health`/`ready`,
//! Edge's probes of a running edge.

use flagstaff_edge::config::{
    EdgeArgs, EdgeLogFormat, EdgeMode, OfflineArgs, ProbeArgs, ServerArgs,
};
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

/// `GET <edge-url><base-path>/internal-backstage/<what>`: Ok on 200.
pub fn probe(server: &ServerArgs, args: &ProbeArgs, what: &str) -> anyhow::Result<()> {
    let mut client =
        reqwest::blocking::Client::builder().timeout(std::time::Duration::from_secs(5));
    if let Some(path) = &args.ca_certificate_file {
        let pem = std::fs::read(path)
            .map_err(|e| anyhow::anyhow!("--ca-certificate-file {}: {e}", path.display()))?;
        client = client.add_root_certificate(reqwest::Certificate::from_pem(&pem)?);
    }
    let base = server.base_path.trim_end_matches('/');
    let url = format!(
        "{}{base}/internal-backstage/{what}",
        args.edge_url.trim_end_matches('/')
    );
    let response = client.build()?.get(&url).send()?;
    let status = response.status();
    let body = response.text().unwrap_or_default();
    if status == reqwest::StatusCode::OK {
        println!("{body}");
        Ok(())
    } else {
        Err(anyhow::anyhow!("{url} answered {status}: {body}"))
    }
}
