//! `flagstaff eval`: evaluate a client-features document offline.
//!
//! With `--input`, each line of a JSON Lines file (`{"toggle":…,"context":{…}}`)
//! gives exactly one output line, in order. With `--context`, every flag is
//! evaluated for that one context. `--explain` adds the engine's explanation.
//! A missing `currentTime` is filled with the current time, as the SDKs do.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _, Result};
use clap::Args;
use flagstaff_engine::{
    ClientFeatures, Context, Engine, EngineOptions, Explanation, VariantResult,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["input", "context"])))]
pub struct EvalArgs {
    /// A client-features document (the body of `GET /api/client/features`), or a
    /// delta document `{"events":[…]}`.
    #[arg(long, value_name = "STATE.json")]
    state: PathBuf,
    /// JSON Lines, one `{"toggle":"<flag>","context":{…}}` per line; `-` reads stdin.
    #[arg(long, value_name = "INPUT.jsonl")]
    input: Option<PathBuf>,
    /// One context (JSON object): evaluate every flag for it.
    #[arg(long, value_name = "JSON")]
    context: Option<String>,
    /// Add an `explain` field saying why each answer is what it is.
    #[arg(long)]
    explain: bool,
    /// Host name for the `applicationHostname` strategy.
    #[arg(long, env = "HOSTNAME")]
    hostname: Option<String>,
    /// Seed for random stickiness (defaults to one drawn from the clock).
    #[arg(long)]
    seed: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InputLine {
    toggle: String,
    #[serde(default)]
    context: Option<Context>,
}

#[derive(Serialize)]
struct OutputLine<'a> {
    toggle: &'a str,
    enabled: bool,
    variant: VariantResult<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    explain: Option<Explanation>,
}

pub fn run(args: &EvalArgs) -> Result<()> {
    let state = read_state(&args.state)?;
    let now = chrono::Utc::now();
    let options = EngineOptions {
        hostname: args.hostname.clone(),
        random_seed: args
            .seed
            .unwrap_or_else(|| now.timestamp_nanos_opt().unwrap_or_default() as u64),
    };
    let engine = Engine::with_options(&state, &options);
    for warning in engine.warnings() {
        eprintln!("warning: {}: {warning}", args.state.display());
    }
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut emit = |toggle: &str, context: &Context| -> Result<()> {
        let evaluation = engine.evaluate(toggle, context);
        let line = OutputLine {
            toggle,
            enabled: evaluation.enabled,
            variant: evaluation.variant,
            explain: args.explain.then(|| engine.explain(toggle, context)),
        };
        serde_json::to_writer(&mut out, &line)?;
        out.write_all(b"\n")?;
        Ok(())
    };
    if let Some(text) = &args.context {
        let context = parse_context(text)
            .context("--context")?
            .with_current_time(now);
        for name in engine.flag_names() {
            emit(name, &context)?;
        }
    } else if let Some(input) = &args.input {
        let reader: Box<dyn BufRead> = if input == Path::new("-") {
            Box::new(BufReader::new(io::stdin()))
        } else {
            Box::new(BufReader::new(File::open(input).with_context(|| {
                format!("cannot read input file {}", input.display())
            })?))
        };
        for (number, line) in reader.lines().enumerate() {
            let place = || format!("{}:{}", input.display(), number + 1);
            let line = line.with_context(place)?;
            if line.trim().is_empty() {
                continue;
            }
            let parsed = parse_input_line(&line).with_context(place)?;
            let context = parsed.context.unwrap_or_default().with_current_time(now);
            emit(&parsed.toggle, &context)?;
        }
    }
    out.flush()?;
    Ok(())
}

fn read_state(path: &Path) -> Result<ClientFeatures> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read state file {}", path.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{}: invalid JSON", path.display()))?;
    if !value.is_object() {
        bail!(
            "{}: expected a client-features document (a JSON object)",
            path.display()
        );
    }
    ClientFeatures::from_json_value(value)
        .with_context(|| format!("{}: not a client-features document", path.display()))
}

fn parse_context(text: &str) -> Result<Context> {
    let value: serde_json::Value = serde_json::from_str(text).context("invalid JSON")?;
    if !value.is_object() {
        bail!("expected a JSON object, found {}", kind(&value));
    }
    serde_json::from_value(value).map_err(|e| anyhow!("not a valid context: {e}"))
}

fn parse_input_line(line: &str) -> Result<InputLine> {
    let value: serde_json::Value = serde_json::from_str(line).context("invalid JSON")?;
    if !value.is_object() {
        bail!(
            "expected a JSON object like {{\"toggle\":\"…\",\"context\":{{…}}}}, found {}",
            kind(&value)
        );
    }
    if let Some(context) = value.get("context") {
        if !context.is_object() && !context.is_null() {
            bail!("\"context\" must be a JSON object, found {}", kind(context));
        }
    }
    serde_json::from_value(value).map_err(|e| anyhow!("{e}"))
}

fn kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}
