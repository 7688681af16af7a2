//! The actions: each reads its request (a JSON object), checks it as AWS's request model does,
//! and answers with AWS's response shape or an [`Error`]. Activities and task tokens are in
//! [`tasks`].

mod tasks;

use std::sync::Arc;

use serde_json::{Map, Value, json};

use baton_asl::StateMachine;
use baton_asl::limits::{DEFINITION_BYTES_MAX, PAYLOAD_BYTES_MAX};
use baton_core::{Event, EventKind, Millis, Outcome, Start, WorkflowType};
use baton_runtime::remote::Signal;
use baton_runtime::{Clock, Mailbox, Progress, RunResult};

use crate::store::{Execution, Machine, Status};
use crate::{Error, Handle};

/// The most items one List* or GetExecutionHistory page holds, and the default page size.
const PAGE_ITEMS_MAX: u64 = 1000;
const PAGE_ITEMS_DEFAULT: u64 = 100;
/// Characters AWS refuses in state machine and execution names, besides whitespace and
/// control characters.
const NAME_FORBIDDEN_CHARS: &str = "<>{}[]?*\"#%\\^|~`$&,;:/";
/// What AWS reports as the memory an Express execution was billed for.
const BILLED_MEMORY_MB: u64 = 64;
/// Express executions are billed in steps of 100 ms.
const BILLED_DURATION_STEP_MILLIS: u64 = 100;
/// Real Step Functions actions this slice does not implement; they answer
/// [`Error::UnsupportedOperation`] rather than [`Error::UnknownOperation`].
const UNSUPPORTED_ACTIONS: &[&str] = &[
    "UpdateStateMachine",
    "DescribeStateMachineForExecution",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
    "RedriveExecution",
    "DescribeMapRun",
    "ListMapRuns",
    "UpdateMapRun",
    "PublishStateMachineVersion",
    "DeleteStateMachineVersion",
    "ListStateMachineVersions",
    "CreateStateMachineAlias",
    "DescribeStateMachineAlias",
    "UpdateStateMachineAlias",
    "DeleteStateMachineAlias",
    "ListStateMachineAliases",
    "TestState",
];

type Request = Map<String, Value>;

/// Runs `action` on `request`.
pub(crate) async fn run(handle: &Handle, action: &str, request: Request) -> Result<Value, Error> {
    match action {
        "CreateStateMachine" => create_state_machine(handle, &request),
        "DescribeStateMachine" => describe_state_machine(handle, &request),
        "ListStateMachines" => list_state_machines(handle, &request),
        "DeleteStateMachine" => delete_state_machine(handle, &request),
        "ValidateStateMachineDefinition" => validate_definition(&request),
        "StartExecution" => start_execution(handle, &request),
        "StartSyncExecution" => start_sync_execution(handle, &request).await,
        "DescribeExecution" => describe_execution(handle, &request),
        "ListExecutions" => list_executions(handle, &request),
        "GetExecutionHistory" => get_execution_history(handle, &request),
        "StopExecution" => stop_execution(handle, &request).await,
        "CreateActivity" => tasks::create_activity(handle, &request),
        "DescribeActivity" => tasks::describe_activity(handle, &request),
        "DeleteActivity" => tasks::delete_activity(handle, &request),
        "ListActivities" => tasks::list_activities(handle, &request),
        "GetActivityTask" => tasks::get_activity_task(handle, &request).await,
        "SendTaskSuccess" => tasks::send_task_success(handle, &request).await,
        "SendTaskFailure" => tasks::send_task_failure(handle, &request).await,
        "SendTaskHeartbeat" => tasks::send_task_heartbeat(handle, &request).await,
        other if UNSUPPORTED_ACTIONS.contains(&other) => {
            Err(Error::UnsupportedOperation(other.to_owned()))
        }
        other => Err(Error::UnknownOperation(format!("AWSStepFunctions.{other}"))),
    }
}

fn create_state_machine(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let name = required(request, "name")?;
    check_name(name, "name")?;
    let definition = required(request, "definition")?;
    if definition.len() > DEFINITION_BYTES_MAX {
        return Err(too_long("definition", DEFINITION_BYTES_MAX));
    }
    let role_arn = required(request, "roleArn")?;
    let workflow_type = machine_type(request)?;
    let machine = parse_definition(definition, workflow_type)?;
    let arn = format!("{}:stateMachine:{name}", arn_prefix(handle));
    let mut store = handle.store();
    if let Some(existing) = store.machines.get(&arn) {
        // CreateStateMachine is idempotent: the same request again answers with the machine
        // it created, and a different one under the same name is refused.
        let same = existing.definition == definition
            && existing.role_arn == role_arn
            && existing.workflow_type == workflow_type;
        if !same {
            return Err(Error::StateMachineAlreadyExists(arn));
        }
        return Ok(json!({ "stateMachineArn": arn, "creationDate": seconds(existing.created) }));
    }
    let created = baton_runtime::now_millis();
    store.machine_order.push(arn.clone());
    store.machines.insert(
        arn.clone(),
        Machine {
            arn: arn.clone(),
            name: name.to_owned(),
            definition: definition.to_owned(),
            role_arn: role_arn.to_owned(),
            workflow_type,
            created,
            variable_references: machine.variable_references(),
            machine: Arc::new(machine),
        },
    );
    Ok(json!({ "stateMachineArn": arn, "creationDate": seconds(created) }))
}

fn describe_state_machine(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let arn = required(request, "stateMachineArn")?;
    check_arn(arn, &["stateMachine"])?;
    let store = handle.store();
    let machine =
        store.machines.get(arn).ok_or_else(|| Error::StateMachineDoesNotExist(arn.to_owned()))?;
    let mut response = json!({
        "stateMachineArn": machine.arn,
        "name": machine.name,
        "status": "ACTIVE",
        "definition": machine.definition,
        "roleArn": machine.role_arn,
        "type": type_name(machine.workflow_type),
        "creationDate": seconds(machine.created),
        "loggingConfiguration": { "level": "OFF", "includeExecutionData": false },
        "tracingConfiguration": { "enabled": false },
    });
    // AWS leaves the field out when no state reads a variable.
    if !machine.variable_references.is_empty() {
        response["variableReferences"] = json!(machine.variable_references);
    }
    Ok(response)
}

fn list_state_machines(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let store = handle.store();
    let items = store
        .machine_order
        .iter()
        .filter_map(|arn| store.machines.get(arn))
        .map(|machine| {
            json!({
                "stateMachineArn": machine.arn,
                "name": machine.name,
                "type": type_name(machine.workflow_type),
                "creationDate": seconds(machine.created),
            })
        })
        .collect();
    page(items, request, "stateMachines")
}

fn delete_state_machine(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let arn = required(request, "stateMachineArn")?;
    check_arn(arn, &["stateMachine"])?;
    // Deleting is idempotent, and executions already running go on to their end, as in AWS.
    let mut store = handle.store();
    store.machines.remove(arn);
    store.machine_order.retain(|other| other != arn);
    Ok(json!({}))
}

fn validate_definition(request: &Request) -> Result<Value, Error> {
    let definition = required(request, "definition")?;
    if definition.len() > DEFINITION_BYTES_MAX {
        return Err(too_long("definition", DEFINITION_BYTES_MAX));
    }
    let workflow_type = machine_type(request)?;
    let with_warnings = match optional_str(request, "severity")? {
        None | Some("ERROR") => false,
        Some("WARNING") => true,
        Some(other) => return Err(not_in_enum(other, "severity", "[ERROR, WARNING]")),
    };
    let options = baton_asl::Options { machine_type: asl_type(workflow_type) };
    let (_, diagnostics) = baton_asl::parse(definition, &options);
    let result =
        if diagnostics.iter().any(baton_asl::Diagnostic::is_error) { "FAIL" } else { "OK" };
    let limit = page_size(request)?;
    let shown: Vec<_> =
        diagnostics.iter().filter(|diagnostic| with_warnings || diagnostic.is_error()).collect();
    let truncated = u64::try_from(shown.len()).unwrap_or(u64::MAX) > limit;
    let shown: Vec<Value> = shown
        .into_iter()
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(|diagnostic| serde_json::to_value(diagnostic).unwrap_or(Value::Null))
        .collect();
    Ok(json!({ "result": result, "diagnostics": shown, "truncated": truncated }))
}

fn start_execution(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let (machine, start) = prepare_start(handle, request)?;
    let arn = start.execution_arn.clone();
    let at = start.at;
    if start.workflow_type == WorkflowType::Express {
        // AWS keeps no record of Express executions (they go to CloudWatch Logs), so it runs
        // unobserved: DescribeExecution and GetExecutionHistory refuse its ARN.
        let runner = Arc::clone(&handle.inner.runner);
        let options = baton_runtime::Options {
            record_history: false,
            clock: Clock::Real,
            progress: None,
            evaluation_budget: baton_runtime::EVALUATION_BUDGET,
        };
        tokio::spawn(baton_runtime::run_express(machine, start, runner, options));
        return Ok(json!({ "executionArn": arn, "startDate": seconds(at) }));
    }
    let (remote, mailbox) = baton_runtime::mailbox(tasks::outside(handle.clone(), arn.clone()));
    let (ended_sender, ended) = tokio::sync::watch::channel(false);
    {
        let mut store = handle.store();
        if let Some(existing) = store.executions.get(&arn) {
            // Starting the same name with the same input while it runs is idempotent.
            if matches!(existing.status, Status::Running) && existing.input == start.input {
                return Ok(json!({ "executionArn": arn, "startDate": seconds(existing.started) }));
            }
            return Err(Error::ExecutionAlreadyExists(arn));
        }
        store.execution_order.push(arn.clone());
        store.executions.insert(
            arn.clone(),
            Execution {
                arn: arn.clone(),
                name: start.execution_name.clone(),
                machine_arn: start.state_machine_arn.clone(),
                input: start.input.clone(),
                role_arn: start.role_arn.clone(),
                started: at,
                status: Status::Running,
                events: Vec::new(),
                remote: Some(remote),
                ended,
            },
        );
    }
    tokio::spawn(run_execution(handle.clone(), machine, start, mailbox, ended_sender));
    Ok(json!({ "executionArn": arn, "startDate": seconds(at) }))
}

/// Runs a stored execution to its end, keeping its history as it grows, and says so on
/// `stored` once the store holds its ending.
async fn run_execution(
    handle: Handle,
    machine: Arc<StateMachine>,
    start: Start,
    mailbox: Mailbox,
    stored: tokio::sync::watch::Sender<bool>,
) {
    let arn = start.execution_arn.clone();
    let progress_handle = handle.clone();
    let progress_arn = arn.clone();
    let progress: Progress = Box::new(move |event: &Event| {
        if let Some(execution) = progress_handle.store().executions.get_mut(&progress_arn) {
            execution.events.push(event.clone());
        }
    });
    let options = baton_runtime::Options {
        record_history: false,
        clock: Clock::Real,
        progress: Some(progress),
        evaluation_budget: baton_runtime::EVALUATION_BUDGET,
    };
    let runner = Arc::clone(&handle.inner.runner);
    let result = baton_runtime::run_controlled(machine, start, runner, options, mailbox).await;
    let failed_to_run = result.is_err();
    let stopped = baton_runtime::now_millis();
    let status = ended(result, stopped);
    if let Some(execution) = handle.store().executions.get_mut(&arn)
        && matches!(execution.status, Status::Running)
    {
        if failed_to_run && let Status::Ended { error, cause, .. } = &status {
            // The shell could not run the execution to its end (a feature Baton does not run
            // yet, for example), so the history gets the ending the interpreter could not
            // give it, and clients that follow the history see the execution end. An
            // execution the interpreter refused at its start has not even begun its history.
            if execution.events.is_empty() {
                let kind = EventKind::ExecutionStarted {
                    input: execution.input.clone(),
                    role_arn: execution.role_arn.clone(),
                };
                append(execution, kind, execution.started);
            }
            let kind = EventKind::ExecutionFailed(baton_core::event::Failure {
                error: error.clone(),
                cause: cause.clone(),
            });
            append(execution, kind, stopped);
        }
        execution.status = status;
        execution.remote = None;
    }
    // Nobody waiting for the ending is fine: StopExecution is the only one who asks.
    let _ = stored.send(true);
}

/// Appends an event that the shell, not the interpreter, records to an execution's history.
fn append(execution: &mut Execution, kind: EventKind, at: Millis) {
    let previous = execution.events.last().map_or(0, |event| event.id);
    execution.events.push(Event {
        id: previous + 1,
        previous_event_id: previous,
        timestamp: at,
        kind,
    });
}

async fn start_sync_execution(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let (machine, start) = prepare_start(handle, request)?;
    if start.workflow_type != WorkflowType::Express {
        return Err(Error::StateMachineTypeNotSupported);
    }
    let arn = start.execution_arn.clone();
    let machine_arn = start.state_machine_arn.clone();
    let name = start.execution_name.clone();
    let input = start.input.clone();
    let at = start.at;
    let options = baton_runtime::Options {
        record_history: false,
        clock: Clock::Real,
        progress: None,
        evaluation_budget: baton_runtime::EVALUATION_BUDGET,
    };
    let runner = Arc::clone(&handle.inner.runner);
    let result = baton_runtime::run_express(machine, start, runner, options).await;
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
    add_ending(&mut response, &ended(result, stopped));
    let duration = u64::try_from(stopped - at).unwrap_or(0).max(1);
    let billed = duration.div_ceil(BILLED_DURATION_STEP_MILLIS) * BILLED_DURATION_STEP_MILLIS;
    response["billingDetails"] =
        json!({ "billedMemoryUsedInMB": BILLED_MEMORY_MB, "billedDurationInMilliseconds": billed });
    Ok(response)
}

fn describe_execution(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let arn = required(request, "executionArn")?;
    check_arn(arn, &["execution"])?;
    let store = handle.store();
    let execution =
        store.executions.get(arn).ok_or_else(|| Error::ExecutionDoesNotExist(arn.to_owned()))?;
    let mut response = json!({
        "executionArn": execution.arn,
        "stateMachineArn": execution.machine_arn,
        "name": execution.name,
        "status": execution.status.name(),
        "startDate": seconds(execution.started),
                "input": execution.input,
        "inputDetails": { "included": true },
    });
    add_ending(&mut response, &execution.status);
    // TODO(#4): RedriveExecution is not implemented, but DescribeExecution answers as AWS
    // does, which says whether AWS would let the execution be redriven.
    response["redriveCount"] = json!(0);
    let status = execution.status.name();
    if matches!(status, "FAILED" | "ABORTED" | "TIMED_OUT") {
        response["redriveStatus"] = json!("REDRIVABLE");
    } else {
        response["redriveStatus"] = json!("NOT_REDRIVABLE");
        response["redriveStatusReason"] =
            json!(format!("Execution is {status} and cannot be redriven"));
    }
    Ok(response)
}

fn list_executions(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let machine_arn = required(request, "stateMachineArn")?;
    check_arn(machine_arn, &["stateMachine"])?;
    let status_filter = optional_str(request, "statusFilter")?;
    if let Some(status) = status_filter {
        // In the order AWS's message lists them.
        const STATUSES: [&str; 6] =
            ["SUCCEEDED", "TIMED_OUT", "PENDING_REDRIVE", "ABORTED", "FAILED", "RUNNING"];
        if !STATUSES.contains(&status) {
            let allowed = format!("[{}]", STATUSES.join(", "));
            return Err(not_in_enum(status, "statusFilter", &allowed));
        }
    }
    let store = handle.store();
    let machine = store
        .machines
        .get(machine_arn)
        .ok_or_else(|| Error::StateMachineDoesNotExist(machine_arn.to_owned()))?;
    // AWS keeps no record of Express executions.
    if machine.workflow_type == WorkflowType::Express {
        return Err(Error::StateMachineTypeNotSupported);
    }
    // Newest first, as AWS lists them.
    let items = store
        .execution_order
        .iter()
        .rev()
        .filter_map(|arn| store.executions.get(arn))
        .filter(|execution| execution.machine_arn == machine_arn)
        .filter(|execution| status_filter.is_none_or(|status| execution.status.name() == status))
        .map(|execution| {
            let mut item = json!({
                "executionArn": execution.arn,
                "stateMachineArn": execution.machine_arn,
                "name": execution.name,
                                "status": execution.status.name(),
                "startDate": seconds(execution.started),
                "redriveCount": 0,
            });
            if let Status::Ended { stopped, .. } = &execution.status {
                item["stopDate"] = seconds(*stopped);
            }
            item
        })
        .collect();
    page(items, request, "executions")
}

fn get_execution_history(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let arn = required(request, "executionArn")?;
    check_arn(arn, &["execution"])?;
    let reverse = optional_bool(request, "reverseOrder")?.unwrap_or(false);
    let include_data = optional_bool(request, "includeExecutionData")?.unwrap_or(true);
    let mut events: Vec<Value> = {
        let store = handle.store();
        let execution = store
            .executions
            .get(arn)
            .ok_or_else(|| Error::ExecutionDoesNotExist(arn.to_owned()))?;
        execution.events.iter().map(Event::to_json).collect()
    };
    if reverse {
        events.reverse();
    }
    if !include_data {
        events.iter_mut().for_each(without_data);
    }
    page(events, request, "events")
}

/// Stops a running execution through the interpreter (`Input::Stop`), which records
/// `ExecutionAborted`, and answers once the store holds the ending.
async fn stop_execution(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let arn = required(request, "executionArn")?;
    check_arn(arn, &["execution"])?;
    let error = optional_str(request, "error")?.map(str::to_owned);
    let cause = optional_str(request, "cause")?.map(str::to_owned);
    let (remote, mut ended) = {
        let store = handle.store();
        let execution = store
            .executions
            .get(arn)
            .ok_or_else(|| Error::ExecutionDoesNotExist(arn.to_owned()))?;
        (execution.remote.clone(), execution.ended.clone())
    };
    if let Some(remote) = remote {
        // An execution that ended meanwhile rejects the signal and keeps its own ending.
        let _ = remote.send(Signal::Stop { error, cause }).await;
        // The sender goes away only if the task running the execution panicked; the store
        // then still says RUNNING, which is the best answer there is.
        let _ = ended.wait_for(|ended| *ended).await;
    }
    let store = handle.store();
    let execution =
        store.executions.get(arn).ok_or_else(|| Error::ExecutionDoesNotExist(arn.to_owned()))?;
    match &execution.status {
        Status::Ended { stopped, .. } => Ok(json!({ "stopDate": seconds(*stopped) })),
        Status::Running => Ok(json!({})),
    }
}

/// The machine and the `Start` of an execution that StartExecution or StartSyncExecution asks
/// for, after checking the request.
fn prepare_start(handle: &Handle, request: &Request) -> Result<(Arc<StateMachine>, Start), Error> {
    let machine_arn = required(request, "stateMachineArn")?;
    check_arn(machine_arn, &["stateMachine"])?;
    let name = match optional_str(request, "name")? {
        Some(name) => {
            check_name(name, "name")?;
            name.to_owned()
        }
        None => uuid::Uuid::new_v4().to_string(),
    };
    let input = optional_str(request, "input")?.unwrap_or("{}");
    if input.len() > PAYLOAD_BYTES_MAX {
        return Err(too_long("input", PAYLOAD_BYTES_MAX));
    }
    if input.trim().is_empty() {
        return Err(Error::InvalidExecutionInput("Invalid execution input.".to_owned()));
    }
    if let Err(error) = serde_json::from_str::<Value>(input) {
        return Err(Error::InvalidExecutionInput(error.to_string()));
    }
    let store = handle.store();
    let machine = store
        .machines
        .get(machine_arn)
        .ok_or_else(|| Error::StateMachineDoesNotExist(machine_arn.to_owned()))?;
    let prefix = arn_prefix(handle);
    let execution_arn = match machine.workflow_type {
        WorkflowType::Standard => format!("{prefix}:execution:{}:{name}", machine.name),
        // An Express execution's ARN ends in a fresh id: names need not be unique.
        WorkflowType::Express => {
            format!("{prefix}:express:{}:{name}:{}", machine.name, uuid::Uuid::new_v4())
        }
    };
    let start = Start {
        input: input.to_owned(),
        execution_arn,
        execution_name: name,
        state_machine_arn: machine.arn.clone(),
        state_machine_name: machine.name.clone(),
        role_arn: machine.role_arn.clone(),
        region: handle.options().region.clone(),
        workflow_type: machine.workflow_type,
        record_history: true,
        seed: baton_runtime::seed(),
        at: baton_runtime::now_millis(),
    };
    Ok((Arc::clone(&machine.machine), start))
}

/// How a run ended, as the store and the responses describe it. A run the shell could not
/// finish (a feature the interpreter refuses, or an execution that waits for nothing) fails
/// with the reason as its cause.
fn ended(result: Result<RunResult, baton_runtime::Error>, stopped: Millis) -> Status {
    match result {
        Ok(RunResult { outcome, .. }) => {
            let status = outcome.status();
            match outcome {
                Outcome::Succeeded { output } => Status::Ended {
                    status,
                    stopped,
                    output: Some(output),
                    error: None,
                    cause: None,
                },
                Outcome::Failed { error, cause }
                | Outcome::TimedOut { error, cause }
                | Outcome::Aborted { error, cause } => {
                    Status::Ended { status, stopped, output: None, error, cause }
                }
            }
        }
        Err(error) => Status::Ended {
            status: "FAILED",
            stopped,
            output: None,
            error: Some("States.Runtime".to_owned()),
            cause: Some(error.to_string()),
        },
    }
}

/// Adds the ending's fields (status, stop date, output or error and cause) to a response.
fn add_ending(response: &mut Value, status: &Status) {
    response["status"] = json!(status.name());
    if let Status::Ended { stopped, output, error, cause, .. } = status {
        response["stopDate"] = seconds(*stopped);
        if let Some(output) = output {
            response["output"] = json!(output);
            response["outputDetails"] = json!({ "included": true });
        }
        if let Some(error) = error {
            response["error"] = json!(error);
        }
        if let Some(cause) = cause {
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

/// One page of `items` under `key`, with a `nextToken` when more follow.
fn page(items: Vec<Value>, request: &Request, key: &str) -> Result<Value, Error> {
    let size = usize::try_from(page_size(request)?).unwrap_or(usize::MAX);
    let offset = match optional_str(request, "nextToken")? {
        None => 0,
        Some(token) => token
            .parse::<usize>()
            .ok()
            .filter(|offset| *offset <= items.len())
            .ok_or_else(|| Error::InvalidToken(token.to_owned()))?,
    };
    let end = offset.saturating_add(size).min(items.len());
    let next = (end < items.len()).then(|| end.to_string());
    let shown: Vec<Value> = items.into_iter().skip(offset).take(end - offset).collect();
    let mut response = json!({ key: shown });
    if let Some(next) = next {
        response["nextToken"] = json!(next);
    }
    Ok(response)
}

/// `maxResults`: 0 or absent means the default page size.
fn page_size(request: &Request) -> Result<u64, Error> {
    match request.get("maxResults") {
        None | Some(Value::Null) => Ok(PAGE_ITEMS_DEFAULT),
        Some(value) => match value.as_u64() {
            Some(0) => Ok(PAGE_ITEMS_DEFAULT),
            Some(size) if size <= PAGE_ITEMS_MAX => Ok(size),
            Some(size) => Err(Error::Validation(format!(
                "Value '{size}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to {PAGE_ITEMS_MAX}"
            ))),
            None => Err(wrong_type("maxResults", "integer")),
        },
    }
}

fn parse_definition(definition: &str, workflow_type: WorkflowType) -> Result<StateMachine, Error> {
    let options = baton_asl::Options { machine_type: asl_type(workflow_type) };
    let (machine, diagnostics) = baton_asl::parse(definition, &options);
    machine.ok_or_else(|| {
        let errors: Vec<String> = diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.is_error())
            .map(ToString::to_string)
            .collect();
        Error::InvalidDefinition(errors.join(", "))
    })
}

fn machine_type(request: &Request) -> Result<WorkflowType, Error> {
    match optional_str(request, "type")? {
        None | Some("STANDARD") => Ok(WorkflowType::Standard),
        Some("EXPRESS") => Ok(WorkflowType::Express),
        Some(other) => Err(not_in_enum(other, "type", "[STANDARD, EXPRESS]")),
    }
}

fn asl_type(workflow_type: WorkflowType) -> baton_asl::MachineType {
    match workflow_type {
        WorkflowType::Standard => baton_asl::MachineType::Standard,
        WorkflowType::Express => baton_asl::MachineType::Express,
    }
}

fn type_name(workflow_type: WorkflowType) -> &'static str {
    match workflow_type {
        WorkflowType::Standard => "STANDARD",
        WorkflowType::Express => "EXPRESS",
    }
}

/// AWS's name rules for state machines and executions: 1 to 80 characters, no whitespace, no
/// brackets, wildcards or special characters, no control characters.
fn check_name(name: &str, field: &str) -> Result<(), Error> {
    let count = name.chars().count();
    if count == 0 {
        return Err(Error::Validation(format!(
            "Value '{name}' at '{field}' failed to satisfy constraint: Member must have length greater than or equal to 1"
        )));
    }
    if count > baton_asl::limits::RESOURCE_NAME_CHARS_MAX {
        return Err(too_long(field, baton_asl::limits::RESOURCE_NAME_CHARS_MAX));
    }
    let forbidden = |c: char| {
        c.is_whitespace()
            || NAME_FORBIDDEN_CHARS.contains(c)
            || c <= '\u{1f}'
            || ('\u{7f}'..='\u{9f}').contains(&c)
    };
    if name.chars().any(forbidden) {
        return Err(Error::InvalidName(name.to_owned()));
    }
    Ok(())
}

/// Checks that `arn` is a Step Functions ARN whose resource type is one of `types`, with
/// AWS's two messages: a text that is no Step Functions ARN, and an ARN of another resource
/// type (an Express execution's, for example, which AWS does not keep).
fn check_arn(arn: &str, types: &[&str]) -> Result<(), Error> {
    let parts: Vec<&str> = arn.split(':').collect();
    let prefix_ok =
        parts.len() >= 7 && parts.first() == Some(&"arn") && parts.get(2) == Some(&"states");
    if !prefix_ok {
        return Err(Error::InvalidArn(format!("Invalid ARN prefix: {arn}")));
    }
    match parts.get(5) {
        Some(kind) if types.contains(kind) => Ok(()),
        kind => Err(Error::InvalidArn(format!(
            "Resource type not valid in this context: {}",
            kind.unwrap_or(&"")
        ))),
    }
}

fn arn_prefix(handle: &Handle) -> String {
    let options = handle.options();
    format!("arn:aws:states:{}:{}", options.region, options.account_id)
}

/// Epoch seconds with milliseconds, as AWS's JSON protocol sends timestamps.
fn seconds(millis: Millis) -> Value {
    json!(millis as f64 / 1000.0)
}

fn required<'request>(request: &'request Request, field: &str) -> Result<&'request str, Error> {
    optional_str(request, field)?.ok_or_else(|| {
        Error::Validation(format!(
            "Value null at '{field}' failed to satisfy constraint: Member must not be null"
        ))
    })
}

fn optional_str<'request>(
    request: &'request Request,
    field: &str,
) -> Result<Option<&'request str>, Error> {
    match request.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(wrong_type(field, "string")),
    }
}

fn optional_bool(request: &Request, field: &str) -> Result<Option<bool>, Error> {
    match request.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(flag)) => Ok(Some(*flag)),
        Some(_) => Err(wrong_type(field, "boolean")),
    }
}

fn wrong_type(field: &str, expected: &str) -> Error {
    Error::Serialization(format!("Expected {expected} for field '{field}'"))
}

fn too_long(field: &str, max: usize) -> Error {
    Error::Validation(format!(
        "Value at '{field}' failed to satisfy constraint: Member must have length less than or equal to {max}"
    ))
}

fn not_in_enum(value: &str, field: &str, allowed: &str) -> Error {
    Error::Validation(format!(
        "Value '{value}' at '{field}' failed to satisfy constraint: Member must satisfy enum value set: {allowed}"
    ))
}
