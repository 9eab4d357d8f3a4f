//! `flagstaff migrate-from-unleash`: reads a running Unleash (`--url`,
//! `--token`: an admin token) or a file (`--from-file`: what `--save` wrote,
//! or one Unleash export document) and writes it into Flagstaff's database
//! through the domain's operations (`flagstaff_domain::migrate`): one change
//! for the instance, one per project, one for the tokens. Prints a summary
//! (`--json`: as JSON), with the new tokens' secrets and the new users'
//! password reset links (`--with-users`), shown this once.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{anyhow, Context as _, Result};
use clap::Args;
use flagstaff_domain::migrate::{self, Options, Progress, Summary, UnleashState};
use flagstaff_domain::ops::{Actor, Context, Limits};
use flagstaff_storage::Store;

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["url", "from_file"])))]
pub struct MigrateArgs {
    /// The Unleash to read (`http://localhost:4242`).
    #[arg(long, requires = "token")]
    url: Option<String>,
    /// An admin API token of that Unleash.
    #[arg(long)]
    token: Option<String>,
    /// Read a file instead: one `--save` wrote, or an Unleash export document.
    #[arg(long, conflicts_with_all = ["url", "token"])]
    from_file: Option<PathBuf>,
    /// For an export document: the project its flags go into (default: their own).
    #[arg(long, requires = "from_file")]
    project: Option<String>,
    /// For an export document: its environment (default: the one it names).
    #[arg(long, requires = "from_file")]
    environment: Option<String>,
    /// Also save what was read from Unleash to this file (for `--from-file`).
    #[arg(long, requires = "url")]
    save: Option<PathBuf>,
    /// Flagstaff's database (as `flagstaff serve --database-url`).
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://flagstaff.db")]
    database_url: String,
    /// Write into a Flagstaff that has flags or segments already (found by
    /// name and updated; running twice changes nothing).
    #[arg(long)]
    merge: bool,
    /// Also make API tokens with Unleash's tokens' names and scopes, and new
    /// secrets (printed once).
    #[arg(long)]
    with_tokens: bool,
    /// Also make Unleash's users (from its admin API), without passwords and
    /// with their root roles, each with a password reset link (printed once);
    /// from a file, the users `--save` wrote with `--with-users`.
    #[arg(long)]
    with_users: bool,
    /// Where people open this Flagstaff (as `flagstaff serve --public-url`):
    /// the start of the reset links.
    #[arg(long, env = "UNLEASH_URL", default_value = "http://localhost:4242")]
    public_url: String,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

/// Progress on standard error: a bar redrawn in place on a terminal, plain
/// lines otherwise.
fn reporter() -> impl FnMut(Progress) + Send {
    let terminal = std::io::stderr().is_terminal();
    move |p: Progress| {
        let mut err = std::io::stderr().lock();
        if terminal {
            let width = 30;
            let filled = (p.done * width).checked_div(p.total).unwrap_or(width);
            let _ = write!(
                err,
                "\r\x1b[2K[{}{}] {}/{} {}",
                "#".repeat(filled),
                " ".repeat(width - filled),
                p.done,
                p.total,
                p.step
            );
            if p.done == p.total && p.step == "done" {
                let _ = writeln!(err);
            }
        } else {
            let _ = writeln!(err, "[{}/{}] {}", p.done, p.total, p.step);
        }
    }
}

pub fn run(args: &MigrateArgs) -> Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    let started = std::time::Instant::now();
    let summary = runtime.block_on(async {
        let state = read(args).await?;
        let store = Store::connect(&args.database_url)
            .await
            .map_err(|e| anyhow!("{e}"))?;
        let cx = Context::new(Actor::named("flagstaff-migrate"), Limits::default());
        let options = Options {
            merge: args.merge,
            with_tokens: args.with_tokens,
            with_users: args.with_users.then(|| args.public_url.clone()),
        };
        let result = migrate::migrate(&store, &cx, &state, options, &mut reporter())
            .await
            .map_err(|e| anyhow!("migration stopped: {e}"));
        store.close().await;
        result
    })?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print_summary(&summary, started.elapsed());
    }
    Ok(())
}

async fn read(args: &MigrateArgs) -> Result<UnleashState> {
    if let Some(file) = &args.from_file {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        return migrate::from_file(&text, args.project.as_deref(), args.environment.as_deref())
            .map_err(|e| anyhow!("{}: {e}", file.display()));
    }
    let (Some(url), Some(token)) = (&args.url, &args.token) else {
        return Err(anyhow!("give --url and --token, or --from-file"));
    };
    let state = migrate::fetch(
        url,
        token,
        args.with_tokens,
        args.with_users,
        &mut reporter(),
    )
    .await
    .map_err(|e| anyhow!("reading Unleash: {e}"))?;
    if let Some(save) = &args.save {
        std::fs::write(save, serde_json::to_vec(&state)?)
            .with_context(|| format!("cannot write {}", save.display()))?;
    }
    Ok(state)
}

fn print_summary(s: &Summary, took: std::time::Duration) {
    println!(
        "Migrated in {:.1} s ({} revisions):\n  {} environments, {} projects, {} context fields, {} tag types, {} custom strategies, {} segments\n  {} flags ({} strategies across environments), {} archived flags",
        took.as_secs_f64(),
        s.revisions.len(),
        s.environments,
        s.projects,
        s.context_fields,
        s.tag_types,
        s.strategies,
        s.segments,
        s.flags,
        s.strategies_of_flags,
        s.archived_flags,
    );
    if !s.tokens.is_empty() {
        println!("New API tokens (their secrets are shown only now; give them to your SDKs):");
        for t in &s.tokens {
            println!(
                "  {} ({}, {}, projects {}): {}",
                t.token_name,
                t.kind,
                t.environment,
                t.projects.join(","),
                t.secret
            );
        }
    }
    if !s.users.is_empty() || s.users_kept > 0 {
        println!(
            "Users: {} made, {} kept (their usernames exist here already)",
            s.users.len(),
            s.users_kept
        );
    }
    if !s.users.is_empty() {
        println!(
            "Each new user sets a password with their link (shown only now; it works once, for {} hours):",
            flagstaff_domain::ops::user_admin::RESET_LINK_HOURS
        );
        for u in &s.users {
            println!("  {} ({}): {}", u.username, u.root_role, u.reset_link);
        }
    }
}
