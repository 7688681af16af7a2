//! Executions: StartExecution, StartSyncExecution, DescribeExecution, ListExecutions,
//! GetExecutionHistory and StopExecution.
//!
//! A Standard execution runs under [`baton_runtime::run_durable`] (see [`super::runs`]): its
//! row, its history and its timers are written by the runtime's [`Journal`], one commit per
//! step, before the step's effects. StartExecution answers once the first step is durable, so
//! a DescribeExecution right after it finds the execution. Express executions run in memory
//! and leave no record, as in AWS.

use std::sync::Arc;

use serde_json::{Value, json};
use tokio::sync::oneshot;

use baton_asl::limits::PAYLOAD_BYTES_MAX;
use baton_core::{Millis, Outcome, Start, WorkflowType};
use baton_runtime::remote::Signal;
use baton_runtime::{Beginning, Clock, Journal, RunResult};
use baton_store::{
    ExecutionFilter, ExecutionRecord, ExecutionStatus, Order, StateMachineRecord,
    StateMachineStatus,
};

use super::runs::{self, Identity, Registered, Run};
use super::versions;
use super::{
    Request, arn_prefix, check_arn, check_name, not_in_enum, optional_bool, optional_str,
    page_request, page_response, parsed_machine, required, seconds, too_long, workflow,
};
use super::{nested, redrive};
use crate::live::Parsed;
use crate::{Error, Handle};

/// What AWS reports as the memory an Express execution was billed for.
const BILLED_MEMORY_MB: u64 = 64;
/// Express executions are billed in steps of 100 ms.
const BILLED_DURATION_STEP_MILLIS: u64 = 100;
/// The error of an execution the shell could not run to its end.
const RUNTIME_ERROR: &str = baton_asl::error_match::RUNTIME;

pub(super) async fn start_execution(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let (parsed, record, start, source) = prepare_start(handle, request)?;
    let arn = start.execution_arn.clone();
    let at = start.at;
    if start.workflow_type == WorkflowType::Express {
        // AWS keeps no record of Express executions (they go to CloudWatch Logs), so it runs
        // unobserved: DescribeExecution and GetExecutionHistory refuse its ARN.
        let runner = nested::runner(handle, &arn, None);
        let machine = Arc::clone(&parsed.machine);
        tokio::spawn(baton_runtime::run_express(machine, start, runner, run_options()));
        return Ok(json!({ "executionArn": arn, "startDate": seconds(at) }));
    }
    let mailbox = match runs::register(handle, &start)? {
        Registered::Existing { start_date_millis } => {
            return Ok(json!({ "executionArn": arn, "startDate": seconds(start_date_millis) }));
        }
        Registered::New { mailbox } => mailbox,
    };
    versions::record_source(handle, &arn, source).await?;
    let (recorded_sender, recorded) = oneshot::channel();
    let journal = Journal::new(Arc::clone(&handle.inner.store), &start, &record.revision_id)
        .on_first_recorded(recorded_sender);
    let identity = Identity {
        arn: arn.clone(),
        state_machine_arn: record.arn.clone(),
        unrecorded: Some((start.clone(), record.revision_id.clone())),
    };
    let run = Run { machine: parsed, journal: runs::journal(handle, journal, &arn), mailbox };
    runs::spawn(handle, Beginning::Start(start), run, identity);
    if recorded.await.is_err() {
        // The run ended before its first step was durable: the interpreter refused the start
        // (its failure is in the store once the run is over), or the store failed (and the
        // execution never will be). The run may have announced its end before this waits, so
        // a run no longer in memory counts as over.
        let over =
            || has_ended(handle, &arn) || !handle.live().running().executions.contains_key(&arn);
        handle.live().wait_ended(&arn, over).await;
        if handle.store().execution(&arn)?.is_none() {
            return Err(Error::Internal(format!("execution {arn} could not be recorded")));
        }
    }
    Ok(json!({ "executionArn": arn, "startDate": seconds(at) }))
}

pub(super) async fn start_sync_execution(
    handle: &Handle,
    request: &Request,
) -> Result<Value, Error> {
    let (parsed, _, start, _) = prepare_start(handle, request)?;
    if start.workflow_type != WorkflowType::Express {
        return Err(Error::StateMachineTypeNotSupported);
    }
    let arn = start.execution_arn.clone();
    let machine_arn = start.state_machine_arn.clone();
    let name = start.execution_name.clone();
    let input = start.input.clone();
    let at = start.at;
    let runner = nested::runner(handle, &arn, None);
    let machine = Arc::clone(&parsed.machine);
    let result = baton_runtime::run_express(machine, start, runner, run_options()).await;
    let stopped = baton_runtime::now_millis();
    let mut response = json!({
        "executionArn": arn,
        "stateMachineArn": machine_arn,
        "name": name,
        "startDate": seconds(at),
        "stopDate": seconds(stopped),
        "input": input,
        "inputDetails": { "included": true },
    });
    Ending::of_run(result, stopped).add_to(&mut response);
    let duration = u64::try_from(stopped - at).unwrap_or(0).max(1);
    let billed = duration.div_ceil(BILLED_DURATION_STEP_MILLIS) * BILLED_DURATION_STEP_MILLIS;
    response["billingDetails"] =
        json!({ "billedMemoryUsedInMB": BILLED_MEMORY_MB, "billedDurationInMilliseconds": billed });
    Ok(response)
}

pub(super) fn describe_execution(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let arn = required(request, "executionArn")?;
    check_arn(arn, &["execution"])?;
    let record = handle
        .store()
        .execution(arn)?
        .ok_or_else(|| Error::ExecutionDoesNotExist(arn.to_owned()))?;
    let mut response = json!({
        "executionArn": record.arn,
        "stateMachineArn": record.state_machine_arn,
        "name": record.name,
        "status": record.status.as_str(),
        "startDate": seconds(record.start_date_millis),
        "input": record.input,
        "inputDetails": { "included": true },
    });
    versions::add_source(handle, &record.arn, &mut response)?;
    redrive::describe(handle, &record, &mut response)?;
    Ending::of_record(record).add_to(&mut response);
    Ok(response)
}

pub(super) fn list_executions(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let machine_arn = required(request, "stateMachineArn")?;
    check_arn(machine_arn, &["stateMachine"])?;
    let status = status_filter(request)?;
    let machine = handle
        .store()
        .state_machine(machine_arn)?
        .ok_or_else(|| Error::StateMachineDoesNotExist(machine_arn.to_owned()))?;
    // AWS keeps no record of Express executions.
    if workflow(machine.r#type) == WorkflowType::Express {
        return Err(Error::StateMachineTypeNotSupported);
    }
    let redriven = redrive_filter(request)?;
    let filter = ExecutionFilter { state_machine_arn: machine_arn.to_owned(), status, redriven };
    // Newest first, as AWS lists them.
    let page = handle.store().list_executions(&filter, &page_request(request)?)?;
    Ok(page_response(page, "executions", |execution| list_item(&execution)))
}

/// ListExecutions' `redriveFilter`: only executions that were redriven (`REDRIVEN`), only
/// those never redriven (`NOT_REDRIVEN`), or all when it is absent.
pub(super) fn redrive_filter(request: &Request) -> Result<Option<bool>, Error> {
    match optional_str(request, "redriveFilter")? {
        None => Ok(None),
        Some("REDRIVEN") => Ok(Some(true)),
        Some("NOT_REDRIVEN") => Ok(Some(false)),
        Some(other) => Err(not_in_enum(other, "redriveFilter", "[REDRIVEN, NOT_REDRIVEN]")),
    }
}

/// ListExecutions' `statusFilter`.
pub(super) fn status_filter(request: &Request) -> Result<Option<ExecutionStatus>, Error> {
    let Some(name) = optional_str(request, "statusFilter")? else { return Ok(None) };
    match ExecutionStatus::from_name(name) {
        Some(status) => Ok(Some(status)),
        None => {
            // In the order AWS's message lists them.
            let allowed = "[SUCCEEDED, TIMED_OUT, PENDING_REDRIVE, ABORTED, FAILED, RUNNING]";
            Err(not_in_enum(name, "statusFilter", allowed))
        }
    }
}

/// One execution as ListExecutions shows it.
pub(super) fn list_item(execution: &ExecutionRecord) -> Value {
    let mut item = json!({
        "executionArn": execution.arn,
        "stateMachineArn": execution.state_machine_arn,
        "name": execution.name,
        "status": execution.status.as_str(),
        "startDate": seconds(execution.start_date_millis),
        "redriveCount": execution.redriven.map_or(0, |redriven| redriven.count),
    });
    if let Some(stopped) = execution.stop_date_millis {
        item["stopDate"] = seconds(stopped);
    }
    if let Some(redriven) = execution.redriven {
        item["redriveDate"] = seconds(redriven.date_millis);
    }
    item
}

pub(super) fn get_execution_history(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let arn = required(request, "executionArn")?;
    check_arn(arn, &["execution"])?;
    let order = match optional_bool(request, "reverseOrder")? {
        Some(true) => Order::Reverse,
        None | Some(false) => Order::Forward,
    };
    let include_data = optional_bool(request, "includeExecutionData")?.unwrap_or(true);
    let page = page_request(request)?;
    if handle.store().execution(arn)?.is_none() {
        return Err(Error::ExecutionDoesNotExist(arn.to_owned()));
    }
    let events = handle.store().history(arn, order, &page)?;
    Ok(page_response(events, "events", |event| {
        // The body is the event as the runtime wrote it, AWS's JSON.
        let mut event = serde_json::from_str(&event.body).unwrap_or(Value::Null);
        if !include_data {
            without_data(&mut event);
        }
        event
    }))
}

/// Stops a running execution through the interpreter (`Input::Stop`), which records
/// `ExecutionAborted`, and answers once the store holds the ending.
pub(super) async fn stop_execution(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let arn = required(request, "executionArn")?;
    check_arn(arn, &["execution"])?;
    let error = optional_str(request, "error")?.map(str::to_owned);
    let cause = optional_str(request, "cause")?.map(str::to_owned);
    // An execution that ended meanwhile rejects the signal and keeps its own ending.
    if runs::signal(handle, arn, Signal::Stop { error, cause }).await?.is_ok() {
        // A server that closes meanwhile stops waiting; the store then still says RUNNING,
        // which is the best answer there is.
        handle.live().wait_ended(arn, || has_ended(handle, arn)).await;
    }
    let record = handle
        .store()
        .execution(arn)?
        .ok_or_else(|| Error::ExecutionDoesNotExist(arn.to_owned()))?;
    Ok(match record.stop_date_millis {
        Some(stopped) => json!({ "stopDate": seconds(stopped) }),
        None => json!({}),
    })
}

/// The parsed machine, its record (at the revision the execution runs), the `Start` of an
/// execution that StartExecution or StartSyncExecution asks for, after checking the request,
/// and the version or alias it was asked for, if any.
fn prepare_start(
    handle: &Handle,
    request: &Request,
) -> Result<(Arc<Parsed>, StateMachineRecord, Start, Option<versions::Source>), Error> {
    let machine_arn = required(request, "stateMachineArn")?;
    check_arn(machine_arn, &["stateMachine"])?;
    let name = match optional_str(request, "name")? {
        Some(name) => {
            check_name(name, "name")?;
            name.to_owned()
        }
        None => baton_runtime::fresh_uuid(),
    };
    let input = optional_str(request, "input")?.unwrap_or("{}");
    if input.len() > PAYLOAD_BYTES_MAX {
        return Err(too_long("input", PAYLOAD_BYTES_MAX));
    }
    if input.trim().is_empty() {
        return Err(Error::InvalidExecutionInput("Invalid execution input.".to_owned()));
    }
    if let Err(error) = serde_json::from_str::<Value>(input) {
        return Err(Error::InvalidExecutionInput(super::jackson::message(input, &error)));
    }
    // A version or alias ARN runs the version's revision.
    let (record, source) = versions::resolve(handle, machine_arn, &name)?;
    if record.status == StateMachineStatus::Deleting {
        return Err(Error::StateMachineDeleting(machine_arn.to_owned()));
    }
    let parsed = parsed_machine(handle, &record)?;
    let workflow_type = workflow(record.r#type);
    let prefix = arn_prefix(handle);
    let execution_arn = match workflow_type {
        WorkflowType::Standard => format!("{prefix}:execution:{}:{name}", record.name),
        // An Express execution's ARN ends in a fresh id: names need not be unique.
        WorkflowType::Express => {
            format!("{prefix}:express:{}:{name}:{}", record.name, baton_runtime::fresh_uuid())
        }
    };
    let start = Start {
        input: input.to_owned(),
        execution_arn,
        execution_name: name,
        state_machine_arn: record.arn.clone(),
        state_machine_name: record.name.clone(),
        role_arn: record.role_arn.clone(),
        region: handle.options().region.clone(),
        workflow_type,
        record_history: true,
        seed: baton_runtime::seed(),
        at: baton_runtime::now_millis(),
    };
    Ok((parsed, record, start, source))
}

/// Whether the store holds execution `arn` as ended (a store that cannot be read counts as
/// an ending, so that nobody waits on it forever).
pub(super) fn has_ended(handle: &Handle, arn: &str) -> bool {
    match handle.store().execution(arn) {
        Ok(Some(record)) => record.status != ExecutionStatus::Running,
        Ok(None) => false,
        Err(_) => true,
    }
}

/// How every execution the API starts runs: on the real clock, its history kept by the
/// journal (Standard) or nowhere (Express).
pub(super) fn run_options() -> baton_runtime::Options {
    baton_runtime::Options {
        record_history: false,
        clock: Clock::Real,
        progress: None,
        evaluation_budget: baton_runtime::EVALUATION_BUDGET,
    }
}

/// How an execution ended, as responses show it.
struct Ending {
    status: ExecutionStatus,
    stop_date_millis: Option<Millis>,
    output: Option<String>,
    error: Option<String>,
    cause: Option<String>,
}

impl Ending {
    fn of_record(record: ExecutionRecord) -> Ending {
        Ending {
            status: record.status,
            stop_date_millis: record.stop_date_millis,
            output: record.output,
            error: record.error,
            cause: record.cause,
        }
    }

    /// The ending of an in-memory run. A run the shell could not finish (a feature the
    /// interpreter refuses, or an execution that waits for nothing) fails with the reason as
    /// its cause.
    fn of_run(result: Result<RunResult, baton_runtime::Error>, stopped: Millis) -> Ending {
        let ending = |status, output, error, cause| Ending {
            status,
            stop_date_millis: Some(stopped),
            output,
            error,
            cause,
        };
        match result {
            Ok(RunResult { outcome, .. }) => match outcome {
                Outcome::Succeeded { output } => {
                    ending(ExecutionStatus::Succeeded, Some(output), None, None)
                }
                Outcome::Failed { error, cause } => {
                    ending(ExecutionStatus::Failed, None, error, cause)
                }
                Outcome::TimedOut { error, cause } => {
                    ending(ExecutionStatus::TimedOut, None, error, cause)
                }
                Outcome::Aborted { error, cause } => {
                    ending(ExecutionStatus::Aborted, None, error, cause)
                }
            },
            Err(error) => ending(
                ExecutionStatus::Failed,
                None,
                Some(RUNTIME_ERROR.to_owned()),
                Some(error.to_string()),
            ),
        }
    }

    /// Adds the ending's fields (status, stop date, output or error and cause) to a response.
    fn add_to(self, response: &mut Value) {
        response["status"] = json!(self.status.as_str());
        if let Some(stopped) = self.stop_date_millis {
            response["stopDate"] = seconds(stopped);
        }
        if let Some(output) = self.output {
            response["output"] = json!(output);
            response["outputDetails"] = json!({ "included": true });
        }
        if let Some(error) = self.error {
            response["error"] = json!(error);
        }
        if let Some(cause) = self.cause {
            response["cause"] = json!(cause);
        }
    }
}

/// Drops the input and output from an event's details, for `includeExecutionData: false`.
fn without_data(event: &mut Value) {
    let Some(event) = event.as_object_mut() else { return };
    for (key, details) in event.iter_mut() {
        if let (true, Some(details)) = (key.ends_with("EventDetails"), details.as_object_mut()) {
            for field in ["input", "output", "inputDetails", "outputDetails"] {
                details.shift_remove(field);
            }
        }
    }
}
