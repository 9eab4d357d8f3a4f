//! The `flagstaff` command: one binary for the server and its tools.
//!
//! Today it has `flagstaff eval`, the batch and debugging front end of the
//! engine; `serve` joins it with the server.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod eval;

/// An Unleash-compatible feature-flag server.
#[derive(Debug, Parser)]
#[command(name = "flagstaff", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Evaluate flags of a client-features document for given contexts.
    Eval(eval::EvalArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Eval(args) => eval::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
