//! The command line, with Unleash Edge 20's option names, short forms,
//! environment variables and defaults, so an Edge command line (or Helm
//! values file) works with the binary name changed. As in Edge, the options
//! of the HTTP server (`--port`, `--interface`, `--base-path`, the backstage
//! switches …) come before the mode (`flagstaff --port 3063 edge …`); the
//! listening address may also be given after it (`flagstaff edge --port …`).

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

/// Edge's top-level options (before `edge` or `offline`).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Edge server (before `edge`/`offline`, as in Unleash Edge)")]
pub struct ServerArgs {
    /// Which port `flagstaff edge` listens on.
    #[arg(short = 'p', long = "port", env = "PORT", default_value_t = 3063)]
    pub port: u16,
    /// Which interface `flagstaff edge` listens on.
    #[arg(
        short = 'i',
        long = "interface",
        env = "INTERFACE",
        default_value = "0.0.0.0"
    )]
    pub interface: String,
    /// A path prefix for every route (e.g. `/edge`).
    #[arg(long = "base-path", env = "BASE_PATH", default_value = "")]
    pub base_path: String,
    /// Seconds a client request may take (its headers and body).
    #[arg(long, env = "EDGE_REQUEST_TIMEOUT", default_value_t = 5)]
    pub edge_request_timeout: u64,
    /// Seconds an idle client connection is kept open.
    #[arg(long, env = "EDGE_KEEPALIVE_TIMEOUT", default_value_t = 5)]
    pub edge_keepalive_timeout: u64,
    /// Access-Control-Allow-Origin for the frontend API (default: any origin).
    #[arg(long, env = "CORS_ORIGIN", value_delimiter = ',')]
    pub cors_origin: Vec<String>,
    /// The app name Edge reports upstream as.
    #[arg(short = 'a', long, env = "APP_NAME", default_value = "unleash-edge")]
    pub app_name: String,
    /// This instance's id, reported upstream (default: `flagstaff-edge@<random>`).
    #[arg(long, env = "INSTANCE_ID")]
    pub instance_id: Option<String>,
    /// Log format.
    #[arg(
        short = 'l',
        long,
        env = "LOG_FORMAT",
        value_enum,
        default_value = "plain"
    )]
    pub log_format: EdgeLogFormat,
    /// Header SDKs send their token in (default `Authorization`).
    #[arg(long, env = "TOKEN_HEADER")]
    pub token_header: Option<String>,
    /// Disables /internal-backstage/metrics.
    #[arg(long, env = "DISABLE_METRICS_ENDPOINT")]
    pub disable_metrics_endpoint: bool,
    /// Disables /internal-backstage/features.
    #[arg(long, env = "DISABLE_FEATURES_ENDPOINT")]
    pub disable_features_endpoint: bool,
    /// Disables /internal-backstage/tokens.
    #[arg(long, env = "DISABLE_TOKENS_ENDPOINT")]
    pub disable_tokens_endpoint: bool,
    /// Disables /internal-backstage/metricsbatch (the metrics waiting to go upstream).
    #[arg(long, env = "DISABLE_METRICS_BATCH_ENDPOINT")]
    pub disable_metrics_batch_endpoint: bool,
    /// Disables /internal-backstage/instancedata.
    #[arg(long, env = "DISABLE_INSTANCE_DATA_ENDPOINT")]
    pub disable_instance_data_endpoint: bool,
    /// Disables /api/frontend/all and /api/proxy/all, which answer every flag
    /// of the token's projects, off ones included.
    #[arg(long, env = "DISABLE_ALL_ENDPOINT")]
    pub disable_all_endpoint: bool,
    /// Believe `X-Forwarded-For`/`Forwarded` (for the frontend API's
    /// `remoteAddress` and the allow and deny lists) from the proxies named by
    /// `--proxy-trusted-servers`, or from any peer when none are named.
    #[arg(long, env = "TRUST_PROXY")]
    pub trust_proxy: bool,
    /// The proxies whose forwarding headers `--trust-proxy` believes: addresses
    /// or networks (`10.0.0.0/8`), comma-separated or repeated.
    #[arg(long, env = "PROXY_TRUSTED_SERVERS", value_delimiter = ',', value_parser = flagstaff_server::config::parse_network)]
    pub proxy_trusted_servers: Vec<ipnet::IpNet>,
    /// Answer only clients in these networks (CIDR, comma-separated); others get 403.
    #[arg(long, env = "ALLOW_LIST", value_delimiter = ',', value_parser = parse_cidr)]
    pub allow_list: Vec<ipnet::IpNet>,
    /// Refuse clients in these networks (CIDR, comma-separated) with 403.
    #[arg(long, env = "DENY_LIST", value_delimiter = ',', value_parser = parse_cidr)]
    pub deny_list: Vec<ipnet::IpNet>,
}

/// A network as Edge's allow and deny lists take it: CIDR only (`10.0.0.0/8`,
/// `192.168.0.7/32`), so that a bare address is not silently a network of one.
fn parse_cidr(text: &str) -> Result<ipnet::IpNet, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a network in CIDR form (e.g. 192.168.0.0/16)"))
}

impl ServerArgs {
    /// The proxies whose forwarding headers are believed: none without
    /// `--trust-proxy`; with it, those named, or every peer.
    pub fn trusted_proxies(&self) -> Vec<ipnet::IpNet> {
        match (self.trust_proxy, self.proxy_trusted_servers.is_empty()) {
            (false, _) => Vec::new(),
            (true, false) => self.proxy_trusted_servers.clone(),
            (true, true) => [
                std::net::IpAddr::from(std::net::Ipv4Addr::UNSPECIFIED),
                std::net::IpAddr::from(std::net::Ipv6Addr::UNSPECIFIED),
            ]
            .into_iter()
            .filter_map(|any| ipnet::IpNet::new(any, 0).ok())
            .collect(),
        }
    }
}

/// Edge's log formats. `text` is accepted too: `LOG_FORMAT` is also
/// `flagstaff serve`'s variable (`text` or `json`), and this top-level option
/// reads it for every subcommand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EdgeLogFormat {
    #[value(alias = "text")]
    Plain,
    Json,
    Pretty,
}

/// Where to listen, when given after the mode (overrides the top-level options).
#[derive(Debug, Clone, Default, Args)]
pub struct Listen {
    /// Which port to listen on (as the top-level `--port`).
    #[arg(long = "port", id = "listen_port", value_name = "PORT")]
    pub port: Option<u16>,
    /// Which interface to listen on (as the top-level `--interface`).
    #[arg(
        long = "interface",
        visible_alias = "host",
        id = "listen_interface",
        value_name = "INTERFACE"
    )]
    pub interface: Option<String>,
}

/// `flagstaff edge`: in front of an Unleash or Flagstaff upstream.
#[derive(Debug, Clone, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct EdgeArgs {
    #[command(subcommand)]
    pub mode: Option<EdgeMode>,
    /// The upstream's URL, without a trailing `/api`.
    #[arg(short = 'u', long, env = "UPSTREAM_URL", required = true)]
    pub upstream_url: Option<String>,
    /// A folder where the last good flags of each token scope (and the
    /// validated tokens) are written, and read back at start.
    #[arg(
        short = 'b',
        long,
        env = "BACKUP_FOLDER",
        visible_alias = "persistence-dir"
    )]
    pub backup_folder: Option<PathBuf>,
    /// A path prefix for every route (as the top-level `--base-path`).
    #[arg(long = "base-path", id = "edge_base_path", value_name = "BASE_PATH")]
    pub base_path: Option<String>,
    /// Seconds between metrics posts upstream.
    #[arg(
        short = 'm',
        long,
        env = "METRICS_INTERVAL_SECONDS",
        default_value_t = 60
    )]
    pub metrics_interval_seconds: u64,
    /// Seconds between refreshes of each token scope's flags.
    #[arg(
        short = 'f',
        long,
        env = "FEATURES_REFRESH_INTERVAL_SECONDS",
        default_value_t = 15
    )]
    pub features_refresh_interval_seconds: u64,
    /// Seconds between re-validations of the tokens SDKs presented.
    #[arg(
        long,
        env = "TOKEN_REVALIDATION_INTERVAL_SECONDS",
        default_value_t = 3600
    )]
    pub token_revalidation_interval_seconds: u64,
    /// Client tokens whose flags are fetched at start (comma-separated).
    #[arg(short = 't', long, env = "TOKENS", value_delimiter = ',')]
    pub tokens: Vec<String>,
    /// Frontend tokens trusted without asking the upstream: Unleash tokens, or
    /// `secret@environment`.
    #[arg(short = 'p', long, env = "PRETRUSTED_TOKENS", value_delimiter = ',')]
    pub pretrusted_tokens: Vec<String>,
    /// Headers sent upstream with every request, `Name: value`.
    #[arg(
        short = 'H',
        long,
        env = "CUSTOM_CLIENT_HEADERS",
        value_delimiter = ','
    )]
    pub custom_client_headers: Vec<String>,
    /// An extra PEM certificate to trust for the upstream.
    #[arg(long, env = "UPSTREAM_CERTIFICATE_FILE")]
    pub upstream_certificate_file: Option<PathBuf>,
    /// Skips TLS verification of the upstream.
    #[arg(short = 's', long, env = "SKIP_SSL_VERIFICATION")]
    pub skip_ssl_verification: bool,
    /// Seconds a request to the upstream may take.
    #[arg(long, env = "UPSTREAM_REQUEST_TIMEOUT", default_value_t = 5)]
    pub upstream_request_timeout: u64,
    /// Seconds an idle connection to the upstream is kept.
    #[arg(long, env = "CLIENT_KEEPALIVE_TIMEOUT", default_value_t = 15)]
    pub client_keepalive_timeout: u64,
    /// Follows the upstream's `/api/client/streaming` (a Flagstaff upstream,
    /// or Unleash Enterprise) instead of polling, falling back to polling.
    #[arg(long, env = "STREAMING")]
    pub streaming: bool,
    #[command(flatten)]
    pub listen: Listen,
}

#[derive(Debug, Clone, Subcommand)]
pub enum EdgeMode {
    /// Serves a client-features file, with no upstream.
    Offline(OfflineArgs),
}

/// `flagstaff offline` (or `flagstaff edge offline`): a file, no upstream.
#[derive(Debug, Clone, Args)]
pub struct OfflineArgs {
    /// The client-features document to serve.
    #[arg(short = 'b', long, env = "BOOTSTRAP_FILE")]
    pub bootstrap_file: PathBuf,
    /// Client tokens allowed (comma-separated or repeated).
    #[arg(short = 'c', long, env = "CLIENT_TOKENS", value_delimiter = ',')]
    pub client_tokens: Vec<String>,
    /// Frontend tokens allowed (comma-separated or repeated).
    #[arg(short = 'f', long, env = "FRONTEND_TOKENS", value_delimiter = ',')]
    pub frontend_tokens: Vec<String>,
    /// Seconds between re-reads of the file (0: never).
    #[arg(short = 'r', long, env = "RELOAD_INTERVAL", default_value_t = 0)]
    pub reload_interval: u64,
    /// A path prefix for every route (as the top-level `--base-path`).
    #[arg(long = "base-path", id = "offline_base_path", value_name = "BASE_PATH")]
    pub base_path: Option<String>,
    #[command(flatten)]
    pub listen: Listen,
}

/// `flagstaff health` and `flagstaff ready`: Edge's probes of a running edge
/// (for container health checks), exit status 0 when it answers 200.
#[derive(Debug, Clone, Args)]
pub struct ProbeArgs {
    /// Where the edge to check runs.
    #[arg(
        short = 'e',
        long,
        env = "EDGE_URL",
        default_value = "http://localhost:3063"
    )]
    pub edge_url: String,
    /// A PEM CA certificate to trust for the edge's TLS.
    #[arg(short = 'c', long, env = "CA_CERTIFICATE_FILE")]
    pub ca_certificate_file: Option<PathBuf>,
}
