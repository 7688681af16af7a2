//! Project automation, in Rust so that it runs wherever cargo does (STYLE K1).
//!
//! `cargo xtask` is an alias (see `.cargo/config.toml`) for running this binary. Each subcommand
//! is one module; `workspace` holds what they share: where things are and how to run a command.

mod bench_interpreter;
mod bench_jsonata;
mod bench_sdk;
mod bench_serve;
mod bench_validate;
mod ci;
mod conformance;
mod conformance_serve;
mod corpus;
mod workspace;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Automation for the Baton workspace.
#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "Automation for the Baton workspace"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Score `baton validate` against ../shared/asl-corpus and fail below a minimum agreement.
    Corpus(corpus::Args),
    /// Time `baton validate` over the whole corpus against the npm `asl-validator`.
    BenchValidate(bench_validate::Args),
    /// Time the interpreter on sfnbench W1 and W3 against the npm `aws-local-stepfunctions`.
    BenchInterpreter(bench_interpreter::Args),
    /// Measure `baton serve` against moto with sfnbench and a Rust load generator (issue 4).
    BenchServe(bench_serve::Args),
    /// Measure activity round trips through `baton serve` with baton-sdk workers (issue 6).
    BenchSdkWorkers(bench_sdk::Args),
    /// Time JSONata evaluation on 20 typical expressions against the npm `jsonata` package.
    BenchJsonata(bench_jsonata::Args),
    /// Replay the recorded AWS executions that need only the interpreter, in-process.
    Conformance(conformance::Args),
    /// Run the official conformance runner (boto3) against a real `baton serve`.
    ConformanceServe(conformance_serve::Args),
    /// Everything CI checks: formatting, clippy, the tests, the corpus agreement, and both
    /// conformance runs.
    Ci,
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Corpus(args) => corpus::run(&args),
        Command::BenchValidate(args) => bench_validate::run(&args),
        Command::BenchInterpreter(args) => bench_interpreter::run(&args),
        Command::BenchJsonata(args) => bench_jsonata::run(&args),
        Command::BenchServe(args) => bench_serve::run(&args),
        Command::BenchSdkWorkers(args) => bench_sdk::run(&args),
        Command::Conformance(args) => conformance::run(&args),
        Command::ConformanceServe(args) => conformance_serve::run(&args),
        Command::Ci => ci::run(),
    };
    // The error chain is the useful part; a backtrace of xtask itself never is.
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
