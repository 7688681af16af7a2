//! Replaying a case's API calls in-process: CreateStateMachine parses and validates the
//! definition, StartExecution runs the whole execution with `baton_core::simulate::run` on
//! virtual time, and the reads answer from the simulated history.
//!
//! Each call produces the response AWS would have sent (the parts the comparison reads), kept
//! by step number so that later placeholders (`zzr2.executionArnzz`) and the recorded matches
//! resolve against it, exactly as in the official runner.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use baton_asl::{Diagnostic, MachineType, Options, StateMachine};
use baton_core::simulate::{self, TaskAnswer};
use baton_core::{Event, EventKind, Millis, Start, TaskRequest, WorkflowType};

use super::case::Case;
use super::resolve::{Identity, Resolver, Unresolvable};

/// The account, region and role the harness runs as. The account differs from the recordings'
/// `111111111111` on purpose, so that a normalisation gap shows up as a failure.
pub(crate) const IDENTITY: Identity = Identity {
    account: "123456789012",
    region: "us-east-1",
    role_arn: "arn:aws:iam::123456789012:role/baton-conformance",
};

/// When every execution starts: 2026-11-21T20:14:54Z, the clock the recordings were extracted
/// with (their transformers name this instant, and inputs derived from "now" assume it).
pub(crate) const START_MILLIS: Millis = 1_795_292_094_000;

/// The secret seed of every execution: fixed, so reruns produce the same tokens and numbers.
const SEED: &str = "ba70ba70ba70ba70ba70ba70ba70ba70ba70ba70ba70ba70ba70ba70ba70ba70";

/// How long the official runner lets an execution run when AWS recorded it still running.
const RUNNING_GRACE_MILLIS: Millis = 3_000;

/// Everything the replay produced.
#[derive(Debug, Default)]
pub(crate) struct Replay {
    /// The response to each numbered step.
    pub(crate) responses: HashMap<u64, Value>,
    /// The AWS operation name of each numbered step.
    pub(crate) operations: HashMap<u64, String>,
    /// Why the replay stopped early, as the official runner would report it.
    pub(crate) aborted: Option<String>,
}

impl Replay {
    pub(crate) fn resolver(&self) -> Resolver<'_> {
        Resolver { responses: &self.responses, operations: &self.operations, identity: IDENTITY }
    }
}

/// Replays every step of `case`.
pub(crate) fn replay(case: &Case) -> Replay {
    let mut session = Session::default();
    for step in &case.steps {
        if let Some(reference) = step.reference {
            let name = step.op_name.clone().unwrap_or_else(|| step.op.clone());
            session.replay.operations.insert(reference, name);
        }
        let args = match session.replay.resolver().value(&Value::Object(step.args.clone()), false) {
            Ok(Value::Object(args)) => args,
            Ok(_) | Err(Unresolvable(_)) => {
                let reason =
                    format!("{} r{:?}: cannot build the arguments", step.op, step.reference);
                session.replay.aborted = Some(reason);
                break;
            }
        };
        let response = match step.op.as_str() {
            "create_state_machine" => session.create_state_machine(&args),
            "start_execution" => session.start_execution(&args),
            "await" => {
                if step.expect_running {
                    session.cut_at_grace(&args);
                }
                continue;
            }
            "get_execution_history" => session.history(&args),
            "describe_execution" => session.describe(&args),
            other => Err(format!("the harness does not perform {other}")),
        };
        let response = match response {
            Ok(response) => response,
            Err(reason) => {
                session.replay.aborted = Some(format!("{}: {reason}", step.op));
                break;
            }
        };
        let failed = response.get("Error").is_some();
        if step.expect_error && !failed {
            session.replay.aborted =
                Some(format!("{}: AWS answered with an error here, Baton succeeded", step.op));
        } else if failed && !step.expect_error {
            let message = response.pointer("/Error/Message").and_then(Value::as_str);
            let reason =
                format!("{}: Baton answered with an error: {}", step.op, message.unwrap_or("?"));
            session.replay.aborted = Some(reason);
        }
        if let Some(reference) = step.reference {
            session.replay.responses.insert(reference, response);
        }
        if session.replay.aborted.is_some() {
            break;
        }
    }
    session.replay
}

/// A state machine the case created.
#[derive(Debug)]
struct Machine {
    name: String,
    definition: StateMachine,
    express: bool,
}

/// An execution the case started, with its whole simulated history.
#[derive(Debug)]
struct Execution {
    arn: String,
    state_machine_arn: String,
    name: String,
    input: String,
    events: Vec<Event>,
}

#[derive(Debug, Default)]
struct Session {
    replay: Replay,
    machines: HashMap<String, Machine>,
    executions: HashMap<String, Execution>,
    /// Executions started without a name get a deterministic UUID from this counter.
    unnamed_executions: u64,
}

impl Session {
    fn create_state_machine(&mut self, args: &Map<String, Value>) -> Result<Value, String> {
        let name = text(args, "name")?;
        let definition = text(args, "definition")?;
        let express = args.get("type").and_then(Value::as_str) == Some("EXPRESS");
        let machine_type = if express { MachineType::Express } else { MachineType::Standard };
        let (machine, diagnostics) = baton_asl::parse(&definition, &Options { machine_type });
        let Some(machine) = machine else {
            let message = invalid_definition(&definition, &diagnostics);
            return Ok(error_response("InvalidDefinition", &message));
        };
        let arn =
            format!("arn:aws:states:{}:{}:stateMachine:{name}", IDENTITY.region, IDENTITY.account);
        self.machines.insert(arn.clone(), Machine { name, definition: machine, express });
        Ok(json!({ "stateMachineArn": arn, "creationDate": "datetime" }))
    }

    fn start_execution(&mut self, args: &Map<String, Value>) -> Result<Value, String> {
        let state_machine_arn = text(args, "stateMachineArn")?;
        let machine = self
            .machines
            .get(&state_machine_arn)
            .ok_or_else(|| format!("no state machine {state_machine_arn}"))?;
        let input = args.get("input").and_then(Value::as_str).unwrap_or("{}").to_owned();
        let name = match args.get("name").and_then(Value::as_str) {
            Some(name) => name.to_owned(),
            None => {
                self.unnamed_executions += 1;
                format!("ba70e8ec-0000-4000-8000-{:012x}", self.unnamed_executions)
            }
        };
        let (kind, workflow_type) = if machine.express {
            ("express", WorkflowType::Express)
        } else {
            ("execution", WorkflowType::Standard)
        };
        let arn = format!(
            "arn:aws:states:{}:{}:{kind}:{}:{name}",
            IDENTITY.region, IDENTITY.account, machine.name
        );
        let start = Start {
            input: input.clone(),
            execution_arn: arn.clone(),
            execution_name: name.clone(),
            state_machine_arn: state_machine_arn.clone(),
            state_machine_name: machine.name.clone(),
            role_arn: IDENTITY.role_arn.to_owned(),
            region: IDENTITY.region.to_owned(),
            workflow_type,
            record_history: true,
            seed: SEED.to_owned(),
            at: START_MILLIS,
        };
        let mut tasks: Vec<String> = Vec::new();
        let mut answer = |request: &TaskRequest| {
            // Cases with Task states are skipped; a task asked for anyway is a harness gap.
            tasks.push(request.state_name.clone());
            TaskAnswer::Failed {
                error: "Baton.Conformance".to_owned(),
                cause: "the conformance harness serves no tasks".to_owned(),
            }
        };
        let simulation = match simulate::run(&machine.definition, start, &mut answer) {
            Ok(simulation) => simulation,
            Err(baton_core::Error::InvalidInput { reason }) => {
                let message = format!("Invalid State Machine Execution Input: '{reason}'");
                return Ok(error_response("InvalidExecutionInput", &message));
            }
            Err(error @ baton_core::Error::Unsupported { .. }) => return Err(error.to_string()),
            Err(error) => return Err(format!("the interpreter failed: {error}")),
        };
        if let Some(state) = tasks.first() {
            return Err(format!("state {state} asked for a task, which the harness cannot serve"));
        }
        self.executions.insert(
            arn.clone(),
            Execution {
                arn: arn.clone(),
                state_machine_arn,
                name,
                input,
                events: simulation.events,
            },
        );
        Ok(json!({ "executionArn": arn, "startDate": "datetime" }))
    }

    /// AWS recorded this execution still running: keep what the official runner would have
    /// seen after its grace period.
    fn cut_at_grace(&mut self, args: &Map<String, Value>) {
        let arn = args.get("executionArn").and_then(Value::as_str).unwrap_or_default();
        if let Some(execution) = self.executions.get_mut(arn) {
            execution.events.retain(|event| event.timestamp <= START_MILLIS + RUNNING_GRACE_MILLIS);
        }
    }

    fn history(&self, args: &Map<String, Value>) -> Result<Value, String> {
        let execution = self.execution(args)?;
        if args.get("includeExecutionData").and_then(Value::as_bool) == Some(false) {
            return Err("the harness does not leave execution data out".to_owned());
        }
        let mut events: Vec<Value> = execution.events.iter().map(Event::to_json).collect();
        if args.get("reverseOrder").and_then(Value::as_bool) == Some(true) {
            events.reverse();
        }
        Ok(json!({ "events": events }))
    }

    fn describe(&self, args: &Map<String, Value>) -> Result<Value, String> {
        let execution = self.execution(args)?;
        let mut response = json!({
            "executionArn": execution.arn,
            "stateMachineArn": execution.state_machine_arn,
            "name": execution.name,
            "status": "RUNNING",
            "startDate": "datetime",
            "input": execution.input,
            "inputDetails": { "included": true },
        });
        let (status, details) = match execution.events.last().map(|event| &event.kind) {
            Some(EventKind::ExecutionSucceeded { output }) => {
                ("SUCCEEDED", json!({ "output": output, "outputDetails": { "included": true } }))
            }
            Some(EventKind::ExecutionFailed(failure)) => ("FAILED", failure_fields(failure)),
            Some(EventKind::ExecutionTimedOut(failure)) => ("TIMED_OUT", failure_fields(failure)),
            Some(EventKind::ExecutionAborted(failure)) => ("ABORTED", failure_fields(failure)),
            _ => return Ok(response),
        };
        response["status"] = json!(status);
        response["stopDate"] = json!("datetime");
        if let (Value::Object(fields), Value::Object(details)) = (&mut response, details) {
            fields.extend(details);
        }
        Ok(response)
    }

    fn execution(&self, args: &Map<String, Value>) -> Result<&Execution, String> {
        let arn = text(args, "executionArn")?;
        self.executions.get(&arn).ok_or_else(|| format!("no execution {arn}"))
    }
}

fn failure_fields(failure: &baton_core::event::Failure) -> Value {
    let mut fields = Map::new();
    if let Some(error) = &failure.error {
        fields.insert("error".to_owned(), json!(error));
    }
    if let Some(cause) = &failure.cause {
        fields.insert("cause".to_owned(), json!(cause));
    }
    Value::Object(fields)
}

fn text(args: &Map<String, Value>, name: &str) -> Result<String, String> {
    args.get(name).and_then(Value::as_str).map(str::to_owned).ok_or_else(|| format!("no {name}"))
}

/// An API error as botocore hands it to the test.
fn error_response(code: &str, message: &str) -> Value {
    json!({ "Error": { "Code": code, "Message": message }, "message": message })
}

/// CreateStateMachine's message for a rejected definition, as `baton serve` gives it: AWS's
/// own text for a forbidden Map label character, otherwise the diagnostics framed. AWS quotes
/// one diagnostic in every recording we have; joining several with ", " is our guess at its
/// format for more.
fn invalid_definition(definition: &str, diagnostics: &[Diagnostic]) -> String {
    if let Some(message) = baton_asl::aws_message::forbidden_label_message(definition, diagnostics)
    {
        return message;
    }
    let errors: Vec<String> = diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.is_error())
        .map(ToString::to_string)
        .collect();
    format!("Invalid State Machine Definition: '{}'", errors.join(", "))
}
