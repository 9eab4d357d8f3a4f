//! `flagstaff serve` configuration: every option is a flag and an environment
//! variable; the doc comments are the `--help` text.

mod addresses;

use clap::{Args, ValueEnum};
use flagstaff_domain::actions::Automation;
use flagstaff_domain::integrations::TargetPolicy;
use flagstaff_domain::integrations::{Breaker, DeliverySettings};
use flagstaff_domain::ops::tokens::InitTokenSecrets;
use flagstaff_domain::ops::Limits;
use flagstaff_domain::DomainSettings;
use flagstaff_domain::Quotas;
use flagstaff_domain::StreamLimits;

pub use addresses::{parse_network, printed_host, url_host};

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Port to listen on.
    #[arg(long, env = "PORT", default_value_t = 4242)]
    pub port: u16,
    /// Address to bind.
    #[arg(long, env = "HOST", default_value = "0.0.0.0")]
    pub host: String,
    /// A SQLite file (`./flagstaff.db`, `sqlite:///abs/path.db`; created if missing),
    /// `sqlite::memory:` (lost on exit), or `postgres://user:password@host:5432/database`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://flagstaff.db")]
    pub database_url: String,
    /// Admin tokens to create if not stored yet (`*:*.<secret>`, comma-separated; checked on every start).
    #[arg(long, env = "INIT_ADMIN_API_TOKENS", value_delimiter = ',')]
    pub init_admin_api_tokens: Vec<String>,
    /// Backend (client) tokens to create if not stored yet (`<project>:<env>.<secret>`).
    #[arg(long, env = "INIT_CLIENT_API_TOKENS", value_delimiter = ',')]
    pub init_client_api_tokens: Vec<String>,
    /// Same as --init-client-api-tokens (Unleash's newer name).
    #[arg(long, env = "INIT_BACKEND_API_TOKENS", value_delimiter = ',')]
    pub init_backend_api_tokens: Vec<String>,
    /// Frontend tokens to create if not stored yet (`<project>:<env>.<secret>`).
    #[arg(long, env = "INIT_FRONTEND_API_TOKENS", value_delimiter = ',')]
    pub init_frontend_api_tokens: Vec<String>,
    /// Origins browsers may call the frontend API from (comma-separated; `*` for any).
    #[arg(long, env = "CORS_ORIGINS", value_delimiter = ',', default_value = "*")]
    pub cors_origins: Vec<String>,
    /// How long hourly metrics buckets are kept, in hours.
    #[arg(long, env = "METRICS_RETENTION_HOURS", default_value_t = 48)]
    pub metrics_retention_hours: u32,
    /// Largest accepted request body, in bytes.
    #[arg(long, env = "BODY_LIMIT", default_value_t = 1024 * 1024)]
    pub body_limit: usize,
    /// Seconds a client has to send a request's headers; a keep-alive
    /// connection idle that long is closed too.
    #[arg(long, env = "HEADER_TIMEOUT", default_value_t = 30)]
    pub header_timeout: u64,
    /// Seconds a client has to send a request's body.
    #[arg(long, env = "BODY_TIMEOUT", default_value_t = 30)]
    pub body_timeout: u64,
    /// Most connections open at once; past it a new one gets 503 and is closed
    /// (lowered to fit the open-files limit).
    #[arg(long, env = "MAX_CONNECTIONS", default_value_t = 4096)]
    pub max_connections: usize,
    /// Most connections open at once from one address (the TCP peer's);
    /// past it a new one from there gets 503 and is closed. Kept an eighth
    /// below --max-connections, so one address never fills the server.
    #[arg(long, env = "MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 256)]
    pub max_connections_per_address: usize,
    /// Wrong or missing tokens one client address may present per minute;
    /// past it the address gets 429 until the minute is over.
    #[arg(long, env = "AUTH_FAILURES_PER_MINUTE", default_value_t = 600)]
    pub auth_failures_per_minute: u32,
    /// Proxies (load balancers) whose `X-Forwarded-For` / `Forwarded` headers
    /// name the client, as networks or addresses (comma-separated, e.g.
    /// `10.0.0.0/8,192.168.1.1`). Requests from anywhere else are taken to
    /// come from their TCP peer, whatever those headers say. Default: none.
    #[arg(long, env = "TRUSTED_PROXIES", value_delimiter = ',',
          value_parser = parse_network)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Metrics reports and registrations one token may send per minute (429 past it).
    #[arg(long, env = "REPORTS_PER_MINUTE", default_value_t = 6000)]
    pub reports_per_minute: u32,
    /// Most strategies one flag may have in one environment.
    #[arg(long, env = "MAX_STRATEGIES_PER_ENVIRONMENT", default_value_t = 30)]
    pub max_strategies_per_environment: usize,
    /// Most constraints in one strategy or segment.
    #[arg(long, env = "MAX_CONSTRAINTS", default_value_t = 30)]
    pub max_constraints: usize,
    /// Most values in one constraint.
    #[arg(long, env = "MAX_CONSTRAINT_VALUES", default_value_t = 250)]
    pub max_constraint_values: usize,
    /// Most values across one segment's constraints.
    #[arg(long, env = "MAX_SEGMENT_VALUES", default_value_t = 1000)]
    pub max_segment_values: usize,
    /// Most tags one flag may have.
    #[arg(long, env = "MAX_TAGS_PER_FLAG", default_value_t = 1000)]
    pub max_tags_per_flag: usize,
    /// Most projects.
    #[arg(long, env = "MAX_PROJECTS", default_value_t = 500)]
    pub max_projects: usize,
    /// Most environments.
    #[arg(long, env = "MAX_ENVIRONMENTS", default_value_t = 100)]
    pub max_environments: usize,
    /// Most flags in one import: an import is one change, and other changes
    /// wait while it is applied.
    #[arg(long, env = "MAX_IMPORT_FLAGS", default_value_t = 500)]
    pub max_import_flags: usize,
    /// Most heavy admin reads (the unpaged flag lists, exports) answered at
    /// once; past it they get 503 with `Retry-After` at once, so they cannot
    /// take every database connection.
    #[arg(long, env = "MAX_HEAVY_READS", default_value_t = 2)]
    pub max_heavy_reads: usize,
    /// Most open streams (`GET /api/client/streaming`) one API token may have;
    /// past it a new stream is answered 429 (the Node SDK then polls).
    #[arg(long, env = "MAX_STREAMS_PER_TOKEN", default_value_t = 10_000)]
    pub max_streams_per_token: usize,
    /// Answer `GET /metrics` (Prometheus) to anyone, not only to admin tokens:
    /// for scrapers inside a private network.
    #[arg(long, env = "METRICS_PUBLIC")]
    pub metrics_public: bool,
    /// Where people open Flagstaff: the base of links in integrations' messages,
    /// and the origin web UI forms are accepted from (besides an IP address or
    /// `localhost` the page was opened at). Default: the address the server
    /// listens on (`localhost` for all interfaces) and its port; the start-up
    /// log says which it is.
    #[arg(long, env = "UNLEASH_URL")]
    pub public_url: Option<String>,
    /// Let integrations call hosts that resolve to private, loopback or
    /// link-local addresses (refused by default, against SSRF).
    #[arg(long, env = "INTEGRATIONS_ALLOW_PRIVATE_URLS")]
    pub integrations_allow_private_urls: bool,
    /// Hosts integrations may call whatever they resolve to (comma-separated).
    #[arg(long, env = "INTEGRATIONS_ALLOWED_HOSTS", value_delimiter = ',')]
    pub integrations_allowed_hosts: Vec<String>,
    /// Largest signal body (`POST /api/signal-endpoint/<name>`) accepted, in
    /// bytes; a larger one is refused with 413 and not stored.
    #[arg(long, env = "MAX_SIGNAL_BYTES", default_value_t = 64 * 1024)]
    pub max_signal_bytes: usize,
    /// Bytes of signal payloads kept per signal endpoint (besides the newest
    /// 1,000); older signals are pruned as new ones come.
    #[arg(long, env = "SIGNAL_BYTES_PER_ENDPOINT", default_value_t = 16 * 1024 * 1024)]
    pub signal_bytes_per_endpoint: usize,
    /// Runs one action set may make per minute; past it a run is skipped and
    /// logged with the reason (a backstop against loops through other systems).
    #[arg(long, env = "ACTION_RUNS_PER_MINUTE", default_value_t = 60)]
    pub action_runs_per_minute: u32,
    /// Failed deliveries in a row after which an integration is paused: its
    /// deliveries stay queued, one is tried after 30 s (then after pauses
    /// doubling up to 10 min) and the first that succeeds resumes it.
    #[arg(long, env = "INTEGRATIONS_PAUSE_AFTER_FAILURES", default_value_t = 10)]
    pub integrations_pause_after_failures: u32,
    /// The first pause of a failing integration, in milliseconds (for tests).
    #[arg(
        long,
        env = "INTEGRATIONS_FIRST_PAUSE_MS",
        default_value_t = 30_000,
        hide = true
    )]
    pub integrations_first_pause_ms: u64,
    /// A web UI admin to create at start unless a user of this name exists.
    #[arg(long, env = "INIT_ADMIN_USER")]
    pub init_admin_user: Option<String>,
    /// The password of `--init-admin-user` when it is created (at least 10 characters).
    #[arg(long, env = "INIT_ADMIN_PASSWORD", hide_env_values = true)]
    pub init_admin_password: Option<String>,
    /// Where the one-time setup code is kept while no user exists (tests read
    /// it here; not an option).
    #[arg(skip)]
    pub setup_code: SetupCode,
    /// The clock the server decides by (tests give a manual one; not an option).
    #[arg(skip)]
    pub clock: flagstaff_storage::Clock,
    /// Log lines as text (coloured only on a terminal) or as JSON objects for log shippers.
    /// The level is set with `RUST_LOG` (default `info`; `debug` adds a line per SDK request).
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// The first-run setup code, shared between start-up and the setup page.
pub type SetupCode = std::sync::Arc<std::sync::Mutex<Option<String>>>;

/// What the web UI is given besides the store: plain values made from these
/// options ([`ServeArgs::ui_settings`]), and the setup code's cell.
#[derive(Debug, Default)]
pub struct UiSettings {
    /// The one-time first-run setup code while no user exists.
    pub setup_code: SetupCode,
    /// Session cookies carry `Secure` (the public URL is https).
    pub secure_cookies: bool,
    /// The public URL's `host[:port]`: a form posted from there is ours even
    /// when a proxy in front changes the `Host` header.
    pub public_host: Option<String>,
    /// How many hours of metrics are kept (the metrics tab offers windows within it).
    pub metrics_retention_hours: u32,
    /// The public URL without a trailing `/`: the base of password reset links.
    pub public_url: String,
}

impl UiSettings {
    /// Whether `presented` is the live setup code.
    pub fn setup_code_matches(&self, presented: &str) -> bool {
        use subtle::ConstantTimeEq;
        let code = self
            .setup_code
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        code.as_deref()
            .is_some_and(|c| bool::from(c.as_bytes().ct_eq(presented.as_bytes())))
    }

    /// The setup code is used: no other sign-up through it.
    pub fn clear_setup_code(&self) {
        *self
            .setup_code
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl ServeArgs {
    /// The public URL given, else `http://localhost:4242` (what
    /// [`ServeArgs::with_public_url_for`] replaces once the server listens).
    pub fn public_url(&self) -> &str {
        self.public_url
            .as_deref()
            .unwrap_or("http://localhost:4242")
    }

    /// These options with the public URL settled for a server listening on
    /// `address`: the one given, else that address ([`printed_host`]); and
    /// whether it was given.
    pub fn with_public_url_for(&self, address: std::net::SocketAddr) -> (ServeArgs, bool) {
        let given = self
            .public_url
            .as_ref()
            .is_some_and(|u| !u.trim().is_empty());
        let mut args = self.clone();
        if !given {
            args.public_url = Some(format!("http://{}", printed_host(address)));
        }
        (args, given)
    }

    /// What the domain is given: plain values, never these options.
    pub fn domain_settings(&self) -> DomainSettings {
        DomainSettings {
            limits: self.limits(),
            streams: self.stream_limits(),
            delivery: self.delivery_settings(),
            automation: self.automation().with_clock(&self.clock),
        }
    }

    /// What the web UI is given: the setup code's cell, and how the public
    /// URL shapes cookies and the origin check.
    pub fn ui_settings(&self) -> UiSettings {
        UiSettings {
            setup_code: self.setup_code.clone(),
            secure_cookies: self.public_url().starts_with("https://"),
            public_host: url_host(self.public_url()),
            metrics_retention_hours: self.metrics_retention_hours,
            public_url: self.public_url().trim_end_matches('/').to_owned(),
        }
    }

    /// The `INIT_*_API_TOKENS` secrets.
    pub fn init_token_secrets(&self) -> InitTokenSecrets {
        InitTokenSecrets {
            admin: self.init_admin_api_tokens.clone(),
            backend: self.init_backend_api_tokens.clone(),
            client: self.init_client_api_tokens.clone(),
            frontend: self.init_frontend_api_tokens.clone(),
        }
    }

    /// The request budgets.
    pub fn quotas(&self) -> Quotas {
        Quotas::per_minute(self.auth_failures_per_minute, self.reports_per_minute)
    }

    /// How client streams are bounded; keep-alives come often enough that the
    /// idle timeout (`--header-timeout`) never closes a quiet stream.
    pub fn stream_limits(&self) -> StreamLimits {
        let idle = std::time::Duration::from_secs(self.header_timeout.max(1));
        StreamLimits {
            per_token: self.max_streams_per_token.max(1),
            keep_alive: std::time::Duration::from_secs(15).min(idle / 2),
        }
    }

    /// Where integrations may send, and the links they carry.
    pub fn delivery_settings(&self) -> DeliverySettings {
        DeliverySettings {
            policy: TargetPolicy {
                allow_private: self.integrations_allow_private_urls,
                allowed_hosts: self
                    .integrations_allowed_hosts
                    .iter()
                    .map(|h| h.trim().to_ascii_lowercase())
                    .filter(|h| !h.is_empty())
                    .collect(),
            },
            public_url: self.public_url().to_owned(),
            breaker: Breaker {
                pause_after: self.integrations_pause_after_failures,
                first_pause: std::time::Duration::from_millis(self.integrations_first_pause_ms),
                ..Default::default()
            },
        }
    }

    /// What signals and action runs are held to.
    pub fn automation(&self) -> Automation {
        Automation::new(
            self.max_signal_bytes,
            self.signal_bytes_per_endpoint,
            self.action_runs_per_minute,
        )
    }

    /// The limits admin changes are held to.
    pub fn limits(&self) -> Limits {
        Limits {
            strategies_per_environment: self.max_strategies_per_environment,
            constraints_per_strategy: self.max_constraints,
            values_per_constraint: self.max_constraint_values,
            segment_values: self.max_segment_values,
            document_bytes: self.body_limit,
            tags_per_flag: self.max_tags_per_flag,
            projects: self.max_projects,
            environments: self.max_environments,
            import_flags: self.max_import_flags,
        }
    }

    /// Defaults for a given database, as tests and embedders want them.
    pub fn for_database(database_url: impl Into<String>) -> Self {
        ServeArgs {
            port: 0,
            host: "127.0.0.1".to_owned(),
            database_url: database_url.into(),
            init_admin_api_tokens: Vec::new(),
            init_client_api_tokens: Vec::new(),
            init_backend_api_tokens: Vec::new(),
            init_frontend_api_tokens: Vec::new(),
            cors_origins: vec!["*".to_owned()],
            metrics_retention_hours: 48,
            body_limit: 1024 * 1024,
            header_timeout: 30,
            body_timeout: 30,
            max_connections: 4096,
            max_connections_per_address: 256,
            auth_failures_per_minute: 600,
            trusted_proxies: Vec::new(),
            reports_per_minute: 6000,
            max_strategies_per_environment: 30,
            max_constraints: 30,
            max_constraint_values: 250,
            max_segment_values: 1000,
            max_tags_per_flag: 1000,
            max_projects: 500,
            max_environments: 100,
            max_import_flags: 500,
            max_heavy_reads: 2,
            max_streams_per_token: 10_000,
            public_url: None,
            integrations_allow_private_urls: false,
            integrations_allowed_hosts: Vec::new(),
            max_signal_bytes: 64 * 1024,
            signal_bytes_per_endpoint: 16 * 1024 * 1024,
            action_runs_per_minute: 60,
            integrations_pause_after_failures: 10,
            integrations_first_pause_ms: 30_000,
            metrics_public: false,
            log_format: LogFormat::Text,
            init_admin_user: None,
            init_admin_password: None,
            setup_code: SetupCode::default(),
            clock: flagstaff_storage::Clock::System,
        }
    }
}
