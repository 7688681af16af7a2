//! The `baton` command line: one subcommand per job, each in its own module.

mod run;
mod serve;
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
    /// Run one execution of a definition in memory and print its output. Tasks are answered
    /// by a Step Functions Local mock configuration and by local commands playing Lambda
    /// functions. Exits 0 when the execution succeeded, 1 when it failed, timed out or was
    /// aborted, 2 when it could not run.
    Run(run::Args),
    /// Serve the AWS Step Functions API (awsJson1_0) for AWS SDKs, the AWS CLI and boto3, by
    /// default on 127.0.0.1:8083 like Step Functions Local. State machines, activities and
    /// Standard executions are kept in --data-dir; running executions resume after a restart.
    Serve(serve::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Validate(args) => validate::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Serve(args) => serve::run(&args),
    }
}
