//! `baton run`: runs one execution of a definition in memory and prints its output.
//!
//! Task states are answered, in this order, by the test case of a Step Functions Local mock
//! configuration (`--mock-config F --test-case NAME`), then by local commands that play Lambda
//! functions (`--lambda NAME=COMMAND`); anything else fails the Task with
//! `Baton.UnsupportedResource`. Timers follow the real clock.
//!
//! Standard output carries one JSON document, so that it pipes into other tools: the
//! execution's output (`--format text`, the default), or its history as AWS's
//! `GetExecutionHistory` events (`--history`, instead of the output), or a
//! `StartSyncExecution`-shaped response (`--format json`, with the history under `events` when
//! `--history` is given). A failed execution also prints its error and cause on standard
//! error. On a terminal, standard error shows live progress.
//!
//! Exit status: 0 when the execution succeeded, 1 when it failed, timed out or was aborted,
//! 2 when it could not run (usage, unreadable file, invalid definition, input or mock
//! configuration, a feature Baton does not run yet).

mod progress;

use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};

use clap::ValueEnum;
use serde_json::{Value, json};

use baton_asl::source::Format;
use baton_asl::{MachineType, StateMachine};
use baton_core::{Event, Outcome, Start};
use baton_integrations::{Chain, LambdaCommands, MockConfig, TaskRunner};
use baton_runtime::{Clock, Options, RunResult};

use self::progress::Display;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The definition to run; `-` reads standard input. Files ending in .yaml or .yml are read
    /// as YAML, everything else as JSON.
    #[arg(value_name = "DEFINITION")]
    definition: PathBuf,
    /// The execution input, as JSON text. Default: `{}`.
    #[arg(long, value_name = "JSON", conflicts_with = "input_file")]
    input: Option<String>,
    /// Read the execution input from this file; `-` reads standard input.
    #[arg(long, value_name = "FILE")]
    input_file: Option<PathBuf>,
    /// A Step Functions Local mock configuration (MockConfigFile.json) whose test case answers
    /// the Task states it mocks.
    #[arg(long, value_name = "FILE", requires = "test_case")]
    mock_config: Option<PathBuf>,
    /// The test case of the mock configuration to run.
    #[arg(long, value_name = "NAME", requires = "mock_config")]
    test_case: Option<String>,
    /// The state machine's name, as the mock configuration knows it. Default: the definition's
    /// file name without `.json`, `.yaml`, `.yml` and `.asl`.
    #[arg(long, value_name = "NAME")]
    state_machine_name: Option<String>,
    /// Play Lambda function NAME with a shell command: the event arrives as JSON on standard
    /// input, the result is the JSON the command prints. Repeat for more functions.
    #[arg(long = "lambda", value_name = "NAME=COMMAND", value_parser = lambda_assignment)]
    lambdas: Vec<(String, String)>,
    /// Print the execution's history (AWS's event list) instead of its output.
    #[arg(long)]
    history: bool,
    /// Output format: `text` prints the output (or the history) alone, `json` a
    /// StartSyncExecution-shaped response.
    #[arg(long, value_enum, default_value = "text")]
    format: OutputFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum OutputFormat {
    Text,
    Json,
}

/// Why the run could not happen; the message is already complete.
struct Unrunnable(String);

pub(crate) fn run(args: &Args) -> ExitCode {
    match run_checked(args) {
        Ok(code) => code,
        Err(Unrunnable(message)) => {
            eprintln!("baton run: {message}");
            ExitCode::from(2)
        }
    }
}

fn run_checked(args: &Args) -> Result<ExitCode, Unrunnable> {
    let reads_stdin = |path: Option<&PathBuf>| path.is_some_and(|path| path.as_os_str() == "-");
    if reads_stdin(Some(&args.definition)) && reads_stdin(args.input_file.as_ref()) {
        return Err(Unrunnable(
            "the definition and the input cannot both come from standard input".to_owned(),
        ));
    }
    let machine = definition(&args.definition)?;
    let input = input(args)?;
    let name = args.state_machine_name.clone().unwrap_or_else(|| file_stem(&args.definition));
    let runner = runner(args, &name)?;
    let start = baton_runtime::local_start(&name, input);
    let display = std::io::stderr().is_terminal().then(|| Arc::new(Mutex::new(Display::default())));
    let options = Options {
        record_history: args.history,
        clock: Clock::Real,
        progress: display.clone().map(|display| {
            let progress: baton_runtime::Progress = Box::new(move |event: &Event| {
                let text = display.lock().unwrap_or_else(PoisonError::into_inner).event(event);
                // Progress is a courtesy: a terminal that stopped listening must not stop the run.
                let _ = io::stderr().write_all(text.as_bytes());
            });
            progress
        }),
        evaluation_budget: baton_runtime::EVALUATION_BUDGET,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| Unrunnable(format!("cannot start the async runtime: {error}")))?;
    let execution = Execution::of(&start);
    let result = runtime
        .block_on(baton_runtime::run_express(Arc::new(machine), start, runner, options))
        .map_err(|error| Unrunnable(error.to_string()))?;
    if let Some(display) = display {
        let text = display.lock().unwrap_or_else(PoisonError::into_inner).finish();
        let _ = io::stderr().write_all(text.as_bytes());
    }
    report(args, &execution, &result)
}

/// Reads and validates the definition; an invalid one prints its diagnostics.
fn definition(path: &Path) -> Result<StateMachine, Unrunnable> {
    let name = path.display().to_string();
    let (text, format) = if path.as_os_str() == "-" {
        let text = read_stdin()
            .map_err(|error| Unrunnable(format!("cannot read standard input: {error}")))?;
        let format = Format::sniff(&text);
        (text, format)
    } else {
        let text = std::fs::read_to_string(path)
            .map_err(|error| Unrunnable(format!("cannot read {name}: {error}")))?;
        (text, Format::from_file_name(&name))
    };
    let options = baton_asl::Options { machine_type: MachineType::Standard };
    let (machine, diagnostics) = baton_asl::parse_as(&text, format, &options);
    machine.ok_or_else(|| {
        let lines: Vec<String> = diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.is_error())
            .map(|diagnostic| format!("{name}: error: {diagnostic}"))
            .collect();
        Unrunnable(format!("{name} is not a valid definition:\n{}", lines.join("\n")))
    })
}

/// The execution input as JSON text, checked as StartExecution checks it.
fn input(args: &Args) -> Result<String, Unrunnable> {
    let text = match (&args.input, &args.input_file) {
        (Some(text), _) => text.clone(),
        (None, Some(path)) if path.as_os_str() == "-" => read_stdin()
            .map_err(|error| Unrunnable(format!("cannot read standard input: {error}")))?,
        (None, Some(path)) => std::fs::read_to_string(path)
            .map_err(|error| Unrunnable(format!("cannot read {}: {error}", path.display())))?,
        (None, None) => "{}".to_owned(),
    };
    serde_json::from_str::<Value>(&text)
        .map_err(|error| Unrunnable(format!("the execution input is not valid JSON: {error}")))?;
    Ok(text)
}

/// The task runners: the mock test case first, then the Lambda commands.
fn runner(args: &Args, state_machine_name: &str) -> Result<Arc<dyn TaskRunner>, Unrunnable> {
    let mut runners: Vec<Arc<dyn TaskRunner>> = Vec::new();
    if let (Some(path), Some(test_case)) = (&args.mock_config, &args.test_case) {
        let text = std::fs::read_to_string(path)
            .map_err(|error| Unrunnable(format!("cannot read {}: {error}", path.display())))?;
        let mocks = MockConfig::parse(&text)
            .and_then(|config| config.runner(state_machine_name, test_case))
            .map_err(|error| Unrunnable(format!("{}: {error}", path.display())))?;
        runners.push(Arc::new(mocks));
    }
    if !args.lambdas.is_empty() {
        let mut commands = LambdaCommands::new();
        for (function, command) in &args.lambdas {
            commands.insert(function.clone(), command.clone());
        }
        runners.push(Arc::new(commands));
    }
    Ok(Arc::new(Chain::new(runners)))
}

/// The identity of the execution, for the JSON report.
struct Execution {
    execution_arn: String,
    state_machine_arn: String,
    name: String,
    input: String,
    start_seconds: f64,
}

impl Execution {
    fn of(start: &Start) -> Execution {
        Execution {
            execution_arn: start.execution_arn.clone(),
            state_machine_arn: start.state_machine_arn.clone(),
            name: start.execution_name.clone(),
            input: start.input.clone(),
            start_seconds: seconds(start.at),
        }
    }
}

/// Prints the result and chooses the exit status.
fn report(args: &Args, execution: &Execution, result: &RunResult) -> Result<ExitCode, Unrunnable> {
    let history = || Value::Array(result.events.iter().map(Event::to_json).collect());
    let document = match args.format {
        OutputFormat::Text if args.history => Some(pretty(&history())),
        OutputFormat::Text => match &result.outcome {
            Outcome::Succeeded { output } => Some(output.clone()),
            Outcome::Failed { .. } | Outcome::TimedOut { .. } | Outcome::Aborted { .. } => None,
        },
        OutputFormat::Json => {
            let mut response = sync_response(execution, &result.outcome);
            if args.history {
                response["events"] = history();
            }
            Some(pretty(&response))
        }
    };
    if let Some(document) = document {
        let mut stdout = io::stdout().lock();
        let written = writeln!(stdout, "{document}").and_then(|()| stdout.flush());
        // A closed pipe (`baton run ... | head`) is the reader's choice, not a failure.
        if let Err(error) = written
            && error.kind() != io::ErrorKind::BrokenPipe
        {
            return Err(Unrunnable(format!("cannot write the output: {error}")));
        }
    }
    match &result.outcome {
        Outcome::Succeeded { .. } => Ok(ExitCode::SUCCESS),
        Outcome::Failed { error, cause }
        | Outcome::TimedOut { error, cause }
        | Outcome::Aborted { error, cause } => {
            eprintln!("baton run: the execution ended {}", result.outcome.status());
            if let Some(error) = error {
                eprintln!("  error: {error}");
            }
            if let Some(cause) = cause {
                eprintln!("  cause: {cause}");
            }
            if error.as_deref() == Some(baton_integrations::UNSUPPORTED_RESOURCE) {
                eprintln!(
                    "  hint: answer such Task states with a --mock-config test case, or with \
                     --lambda NAME=COMMAND for Lambda functions"
                );
            }
            Ok(ExitCode::from(1))
        }
    }
}

/// The execution's result in the shape of AWS's `StartSyncExecution` response.
fn sync_response(execution: &Execution, outcome: &Outcome) -> Value {
    let mut response = json!({
        "executionArn": execution.execution_arn,
        "stateMachineArn": execution.state_machine_arn,
        "name": execution.name,
        "startDate": execution.start_seconds,
        "stopDate": seconds(baton_runtime::now_millis()),
        "status": outcome.status(),
    });
    match outcome {
        Outcome::Succeeded { .. } => {}
        Outcome::Failed { error, cause }
        | Outcome::TimedOut { error, cause }
        | Outcome::Aborted { error, cause } => {
            if let Some(error) = error {
                response["error"] = json!(error);
            }
            if let Some(cause) = cause {
                response["cause"] = json!(cause);
            }
        }
    }
    response["input"] = json!(execution.input);
    response["inputDetails"] = json!({ "included": true });
    if let Outcome::Succeeded { output } = outcome {
        response["output"] = json!(output);
        response["outputDetails"] = json!({ "included": true });
    }
    response
}

/// `NAME=COMMAND` of `--lambda`.
fn lambda_assignment(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, command)) if !name.is_empty() && !command.is_empty() => {
            Ok((name.to_owned(), command.to_owned()))
        }
        _ => Err(format!("expected NAME=COMMAND, got '{text}'")),
    }
}

/// The state machine name a definition file implies: `orders.asl.json` → `orders`.
fn file_stem(path: &Path) -> String {
    if path.as_os_str() == "-" {
        return "stdin".to_owned();
    }
    let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let mut stem = name.as_str();
    for suffix in [".json", ".yaml", ".yml", ".asl"] {
        stem = stem.strip_suffix(suffix).unwrap_or(stem);
    }
    stem.to_owned()
}

fn read_stdin() -> io::Result<String> {
    let mut text = String::new();
    io::stdin().read_to_string(&mut text)?;
    Ok(text)
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

#[allow(clippy::cast_precision_loss)] // Milliseconds since 1970 fit a double exactly for ages.
fn seconds(millis: baton_core::Millis) -> f64 {
    millis as f64 / 1000.0
}
