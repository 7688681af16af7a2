//! The `baton` command line: one subcommand per job, each in its own module.

mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Baton runs AWS Step Functions state machines anywhere.
#[derive(Debug, Parser)]
#[command(name = "baton", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check Amazon States Language definitions (JSON or YAML) as AWS's
    /// ValidateStateMachineDefinition does. Exits 0 when every file is valid, 1 when any is
    /// invalid, 2 on usage errors or unreadable files.
    Validate(validate::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Validate(args) => validate::run(&args),
    }
}
