//! `flagstaff export` and `flagstaff import`: flags of one environment in
//! Unleash's export format, to standard output and back from a file.
//!
//! Against a running server (`--url`, `--token`: an admin token) they call
//! the admin API (`/api/admin/features-batch/…`), so they work with Unleash
//! too. With `--database-url` they open the store directly and apply the very
//! operations the server applies (`ops::ExportFlags`, `ops::ImportFlags`), so
//! the rules and events are the same; servers on that database catch up by
//! themselves (within about a second). An import first asks for the
//! validation report and prints it; the server refuses a file with errors,
//! and one naming flags the project already has unless `--overwrite` confirms.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{anyhow, bail, Context as _, Result};
use clap::Args;
use flagstaff_domain::ops::{self, Actor, Context, ExportFlags, ImportFlags, Limits};
use flagstaff_domain::wire::transfer::{ExportDocument, ImportReport};
use flagstaff_storage::Store;
use serde_json::{json, Value};

/// Where the flags are: a running server, or its database.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("where").required(true).args(["url", "database_url"])))]
pub struct Target {
    /// A running server's base URL (`http://localhost:4242`).
    #[arg(long, requires = "token")]
    url: Option<String>,
    /// An admin API token for `--url`.
    #[arg(long)]
    token: Option<String>,
    /// Open this database instead (as `flagstaff serve --database-url`).
    #[arg(long, conflicts_with_all = ["url", "token"])]
    database_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    target: Target,
    /// The environment whose strategies and state are exported.
    #[arg(long)]
    environment: String,
    /// Only this project's flags (default: every project's).
    #[arg(long)]
    project: Option<String>,
    /// Only these flags (comma-separated).
    #[arg(long, value_delimiter = ',')]
    features: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    target: Target,
    /// The project the flags are imported into.
    #[arg(long)]
    project: String,
    /// The environment the strategies and state are imported into.
    #[arg(long)]
    environment: String,
    /// Confirm updating flags the project already has.
    #[arg(long)]
    overwrite: bool,
    /// Most flags one import may hold, with `--database-url` (a server holds
    /// imports to its own `MAX_IMPORT_FLAGS`). The import holds the change
    /// lock while it writes: about 1.2 s per 500 flags on SQLite.
    #[arg(long, env = "MAX_IMPORT_FLAGS", default_value_t = Limits::default().import_flags)]
    max_import_flags: usize,
    /// An export document (`flagstaff export`'s output, or Unleash's).
    file: PathBuf,
}

pub fn export(args: &ExportArgs) -> Result<()> {
    let features = (!args.features.is_empty()).then(|| args.features.clone());
    let document: Value = match &args.target.database_url {
        Some(url) => {
            let operation = ExportFlags {
                environment: parse(ops::EnvironmentName::parse(&args.environment))?,
                project: args
                    .project
                    .as_deref()
                    .map(ops::ProjectId::parse)
                    .transpose()
                    .map_err(|e| anyhow!("{e}"))?,
                features,
                tag: None,
            };
            serde_json::to_value(on_store(url, Limits::default(), |store, cx| async move {
                ops::apply(&store, &cx, operation)
                    .await
                    .map(|applied| applied.output)
            })?)?
        }
        None => Http::new(&args.target)?.post(
            "export",
            &json!({"environment": args.environment, "project": args.project, "features": features}),
        )?,
    };
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &document)?;
    out.write_all(b"\n")?;
    Ok(())
}

pub fn import(args: &ImportArgs) -> Result<()> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let data: ExportDocument = serde_json::from_str(&text)
        .with_context(|| format!("{}: not an export document", args.file.display()))?;
    let count = data.features.len();
    let report = match &args.target.database_url {
        Some(url) => {
            let operation = ImportFlags {
                project: parse(ops::ProjectId::parse(&args.project))?,
                environment: parse(ops::EnvironmentName::parse(&args.environment))?,
                data,
                overwrite: args.overwrite,
            };
            let limits = Limits {
                import_flags: args.max_import_flags,
                ..Limits::default()
            };
            on_store(url, limits, |store, cx| async move {
                let report = ops::validate_import(&store, &cx, &operation).await?;
                print_report(&report);
                if report.errors.is_empty() {
                    ops::apply(&store, &cx, operation).await?;
                }
                Ok(report)
            })?
        }
        None => {
            let http = Http::new(&args.target)?;
            let body = json!({"project": args.project, "environment": args.environment,
                              "data": data, "overwrite": args.overwrite});
            let report: ImportReport = serde_json::from_value(http.post("validate", &body)?)
                .context("the server's validation report")?;
            print_report(&report);
            if report.errors.is_empty() {
                http.post("import", &body)?;
            }
            report
        }
    };
    if !report.errors.is_empty() {
        bail!("the file has errors: nothing was imported");
    }
    eprintln!(
        "imported {count} flags into project {}, environment {}",
        args.project, args.environment
    );
    Ok(())
}

fn print_report(report: &ImportReport) {
    for (label, items) in [("error", &report.errors), ("warning", &report.warnings)] {
        for item in items {
            eprintln!(
                "{label}: {} {}",
                item.message,
                item.affected_items.join(", ")
            );
        }
    }
}

fn parse<T>(parsed: Result<T, ops::OpError>) -> Result<T> {
    parsed.map_err(|e| anyhow!("{e}"))
}

/// Runs `work` on the store at `url`, as the actor `flagstaff-cli`.
fn on_store<T, F, Fut>(url: &str, limits: Limits, work: F) -> Result<T>
where
    F: FnOnce(std::sync::Arc<Store>, Context) -> Fut,
    Fut: std::future::Future<Output = ops::OpResult<T>>,
{
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let store = std::sync::Arc::new(Store::connect(url).await.map_err(|e| anyhow!("{e}"))?);
        let cx = Context::new(Actor::named("flagstaff-cli"), limits);
        let result = work(store.clone(), cx).await.map_err(|e| anyhow!("{e}"));
        store.close().await;
        result
    })
}

/// The admin API of a running server.
struct Http {
    client: reqwest::blocking::Client,
    base: String,
    token: String,
}

impl Http {
    fn new(target: &Target) -> Result<Http> {
        let (Some(url), Some(token)) = (&target.url, &target.token) else {
            bail!("give --url and --token, or --database-url");
        };
        Ok(Http {
            client: reqwest::blocking::Client::builder()
                .timeout(std::time::Duration::from_secs(120))
                .build()?,
            base: url.trim_end_matches('/').to_owned(),
            token: token.clone(),
        })
    }

    /// POSTs to `/api/admin/features-batch/<what>`; a refusal is an error
    /// with the server's message.
    fn post(&self, what: &str, body: &Value) -> Result<Value> {
        let url = format!("{}/api/admin/features-batch/{what}", self.base);
        let response = self
            .client
            .post(&url)
            .header("Authorization", &self.token)
            .json(body)
            .send()
            .with_context(|| format!("cannot reach {url}"))?;
        let status = response.status();
        let text = response.text()?;
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if !status.is_success() {
            let message = value["message"].as_str().unwrap_or(&text);
            match value["details"][0]["path"].as_str() {
                Some(path) => bail!("{what}: {status}: {message} (at {path})"),
                None => bail!("{what}: {status}: {message}"),
            }
        }
        Ok(value)
    }
}
