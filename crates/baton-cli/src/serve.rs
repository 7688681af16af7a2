//! `baton serve`: the AWS Step Functions API over HTTP, for unmodified AWS clients.
//!
//! It listens where Step Functions Local does (127.0.0.1:8083) and pretends to be its account
//! and region, so existing setups work unchanged. State machines, activities and Standard
//! executions live in one SQLite file in the data directory (`--data-dir`, default
//! `./baton-data`): each step of a Standard execution is committed (fsynced) before its effects,
//! and at startup every execution that was running resumes from its last durable step. Express
//! executions run in memory, as in AWS. Task states that call a Lambda function run the local command given
//! with `--lambda NAME=COMMAND` (a `.waitForTaskToken` call sends the token that way, then waits
//! for SendTaskSuccess/Failure); activity tasks wait for workers (GetActivityTask); other
//! resources fail the Task with `Baton.UnsupportedResource`.
//!
//! SIGTERM or Ctrl-C stops accepting connections, ends long polls, lets requests in flight
//! finish, stops the executions between two steps and flushes the store; they continue at the
//! next start.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use baton_api::Options;
use baton_integrations::{Chain, LambdaCommands, TaskRunner};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The address and port to listen on.
    #[arg(long, value_name = "ADDR:PORT", env = "BATON_BIND", default_value = "127.0.0.1:8083")]
    bind: SocketAddr,
    /// The account id in every ARN.
    #[arg(long, value_name = "ID", env = "BATON_ACCOUNT_ID", default_value = "123456789012")]
    account_id: String,
    /// The directory that keeps state machines, activities and Standard executions (one
    /// SQLite file, baton.db); created if absent. Relative to the working directory.
    #[arg(long, value_name = "DIR", env = "BATON_DATA_DIR", default_value = "baton-data")]
    data_dir: PathBuf,
    /// The region in every ARN.
    #[arg(long, value_name = "REGION", env = "BATON_REGION", default_value = "us-east-1")]
    region: String,
    /// Play Lambda function NAME with a shell command: the event arrives as JSON on standard
    /// input, the result is the JSON the command prints. Repeat for more functions.
    #[arg(long = "lambda", value_name = "NAME=COMMAND", value_parser = lambda_assignment)]
    lambdas: Vec<(String, String)>,
}

/// Serves until SIGTERM or Ctrl-C. Exits 0 after a clean shutdown, 2 when the server cannot
/// start (the address is taken, or the data directory cannot be opened, for example).
pub(crate) fn run(args: &Args) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("baton serve: cannot start the async runtime: {error}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(serve(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("baton serve: {error:#}");
            ExitCode::from(2)
        }
    }
}

async fn serve(args: &Args) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .map_err(|error| anyhow::anyhow!("cannot listen on {}: {error}", args.bind))?;
    let store = baton_api::open_data_dir(&args.data_dir)?;
    let options = Options { account_id: args.account_id.clone(), region: args.region.clone() };
    let service = options.build_on(Arc::new(store.clone()), runner(args));
    let recovered = service.recover().await?;
    eprintln!(
        "baton serve: listening on http://{} (data in {}; {recovered} running executions resumed)",
        listener.local_addr()?,
        args.data_dir.display(),
    );
    service.run(listener, shutdown_signal()).await?;
    // Every step the executions made is acknowledged; this commits what is still queued (a
    // claim, a removed task) and closes the file.
    store.shutdown()?;
    eprintln!("baton serve: stopped");
    Ok(())
}

/// The task runners: the Lambda commands, if any.
fn runner(args: &Args) -> Arc<dyn TaskRunner> {
    let mut runners: Vec<Arc<dyn TaskRunner>> = Vec::new();
    if !args.lambdas.is_empty() {
        let mut commands = LambdaCommands::new();
        for (function, command) in &args.lambdas {
            commands.insert(function.clone(), command.clone());
        }
        runners.push(Arc::new(commands));
    }
    Arc::new(Chain::new(runners))
}

/// Completes on Ctrl-C or, on Unix, SIGTERM (what `docker stop` and systemd send).
async fn shutdown_signal() {
    let interrupt = async {
        // If the handler cannot be installed, Ctrl-C keeps its default effect (the process
        // ends), so waiting forever here loses nothing.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

fn lambda_assignment(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, command)) if !name.is_empty() && !command.is_empty() => {
            Ok((name.to_owned(), command.to_owned()))
        }
        _ => Err(format!("expected NAME=COMMAND, got '{text}'")),
    }
}
