//! Nested executions: the `arn:aws:states:::states:startExecution` integration (and its AWS SDK
//! twin, `arn:aws:states:::aws-sdk:sfn:startExecution`), through which a Task state starts an
//! execution of another state machine of this server.
//!
//! Starting an execution is an API operation, so the work is done here, with the service's
//! state, and not by a [`TaskRunner`] of `baton-integrations`: each execution the API runs gets
//! a [`Nested`] runner that offers every request to the service's own runner first (so that a
//! mocked or hand-registered `states:startExecution` still wins) and does the nested start
//! itself when nobody else claims it. The work is a future the shell spawns like any task's, so
//! the parent's loop never waits on the child: the future starts the child as StartExecution
//! does and, for `.sync` and `.sync:2`, awaits the child's end through the service's in-memory
//! record of running executions.
//!
//! The patterns answer as AWS does:
//! - request-response: `{ExecutionArn, StartDate}` as soon as the child is recorded, the date
//!   in epoch milliseconds (the AWS SDK integration: ISO 8601 text);
//! - `.sync`: DescribeExecution's fields, PascalCase, with `Input` and `Output` as JSON text;
//! - `.sync:2`: the same with `Input` and `Output` parsed;
//! - a child that fails, times out or is aborted fails the task with `States.TaskFailed` and
//!   that DescribeExecution shape (as JSON text) as its cause;
//! - StartExecution's own errors fail the task as `StepFunctions.<Code>Exception`, with the
//!   cause the AWS SDK for Java writes (message, service, status, code, request id); the AWS
//!   SDK integration names them `Sfn.<Code>Exception`;
//! - `.waitForTaskToken`: the shell sends the request-response call and the task ends with
//!   SendTaskSuccess/Failure, so the child only needs the token in its input.
//!
//! When the task's work is dropped before the child ended (the parent was stopped, the task
//! timed out or a sibling branch failed), a `.sync` child is stopped too, as AWS aborts it;
//! a server that shuts down leaves its children running, since both resume at the next start.
//!
//! Durability: a Standard parent that resumes after a restart runs its pending tasks again.
//! The child it started before must be found, not started a second time, so a start without a
//! `Name` gets one derived from the parent's ARN and the task's id (a version-5 UUID), and a
//! start whose name is taken by an execution with the same input attaches to that execution
//! when the name was derived so, or when the task is one the parent resumed with. A named
//! start of a fresh task keeps StartExecution's rules: idempotent while the child runs,
//! `ExecutionAlreadyExists` otherwise. Express children keep no record, as in AWS, so a
//! resumed `.sync` task runs its Express child again.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::{Map, Value, json};
use sha1::{Digest, Sha1};

use baton_asl::model::{IntegrationPattern, Resource};
use baton_core::{Command, Millis, TaskId, TaskRequest};
use baton_integrations::{TaskError, TaskFuture, TaskResult, TaskRunner};
use baton_runtime::Beginning;
use baton_runtime::remote::Signal;
use baton_store::{ExecutionStatus, StateMachineType};

use super::{Request, executions, runs};
use crate::{Error, Handle};

/// The services and action of the integration, as `baton-asl` splits its resource ARN: the
/// optimized integration and the AWS SDK one.
const OPTIMIZED_SERVICE: &str = "states";
const SDK_SERVICE: &str = "aws-sdk:sfn";
const ACTION: &str = "startExecution";
/// The fields of DescribeExecution's answer that a `.sync` result shows, in AWS's order.
const DESCRIBED_FIELDS: &[&str] = &[
    "cause",
    "error",
    "executionArn",
    "input",
    "inputDetails",
    "name",
    "output",
    "outputDetails",
    "startDate",
    "stateMachineArn",
    "status",
    "stopDate",
];

/// The runner for the executions the API runs: the service's runner, then nested starts.
/// `parent_arn` is the execution whose tasks it runs; `beginning` says which of its tasks
/// were pending when it resumed after a restart (none for a new or an Express execution).
pub(super) fn runner(
    handle: &Handle,
    parent_arn: &str,
    beginning: Option<&Beginning>,
) -> Arc<dyn TaskRunner> {
    let resumed = match beginning {
        Some(Beginning::Resume(execution) | Beginning::Wake(execution)) => execution
            .pending_commands()
            .into_iter()
            .filter_map(|command| match command {
                Command::RunTask(request) => Some(request.task),
                _ => None,
            })
            .collect(),
        _ => HashSet::new(),
    };
    Arc::new(Nested { handle: handle.clone(), parent_arn: parent_arn.to_owned(), resumed })
}

/// See [`runner`].
struct Nested {
    handle: Handle,
    parent_arn: String,
    /// The tasks that were pending when the parent resumed: their children may exist already.
    resumed: HashSet<TaskId>,
}

impl TaskRunner for Nested {
    fn start(&self, request: &TaskRequest) -> Option<TaskFuture> {
        if let Some(work) = self.handle.inner.runner.start(request) {
            return Some(work);
        }
        let Resource::Integration { service, action, pattern, .. } = &request.resource else {
            return None;
        };
        let flavor = match service.as_str() {
            OPTIMIZED_SERVICE => Flavor::Optimized,
            SDK_SERVICE => Flavor::Sdk,
            _ => return None,
        };
        if action != ACTION {
            return None;
        }
        let call = Call::of(&request.input, &self.parent_arn, request.task);
        let child = Child {
            handle: self.handle.clone(),
            flavor,
            pattern: *pattern,
            may_attach: call.generated_name || self.resumed.contains(&request.task),
            call,
        };
        Some(Box::pin(child.run()))
    }
}

/// The StartExecution call a task's parameters (`StateMachineArn`, `Input`, `Name`) make.
struct Call {
    state_machine_arn: Value,
    /// As the parameters give it, so that StartExecution's request check sees what AWS's does.
    name: Value,
    /// The name was derived from the parent and the task, not given.
    generated_name: bool,
    input: String,
}

impl Call {
    fn of(parameters: &Value, parent_arn: &str, task: TaskId) -> Call {
        let (name, generated_name) = match parameters.get("Name") {
            None | Some(Value::Null) => (json!(child_name(parent_arn, task)), true),
            Some(name) => (name.clone(), false),
        };
        // AWS sends an object as its JSON text and a string as it is; no input is `{}`.
        let input = match parameters.get("Input") {
            None | Some(Value::Null) => "{}".to_owned(),
            Some(Value::String(text)) => text.clone(),
            Some(other) => other.to_string(),
        };
        let state_machine_arn = parameters.get("StateMachineArn").cloned().unwrap_or(Value::Null);
        Call { state_machine_arn, name, generated_name, input }
    }

    /// The ARN a Standard child of this call has: its state machine's, as an execution's.
    fn execution_arn(&self) -> Option<String> {
        let machine_arn = self.state_machine_arn.as_str()?;
        let (prefix, machine_name) = machine_arn.rsplit_once(":stateMachine:")?;
        Some(format!("{prefix}:execution:{machine_name}:{}", self.name.as_str()?))
    }

    /// The StartExecution (or StartSyncExecution) request.
    fn request(&self) -> Request {
        let mut request = Map::new();
        request.insert("stateMachineArn".to_owned(), self.state_machine_arn.clone());
        request.insert("name".to_owned(), self.name.clone());
        request.insert("input".to_owned(), json!(self.input));
        request
    }
}

/// A child's name when the task gives none: a version-5 UUID (the shape of AWS's generated
/// names) of the parent's ARN and the task's id, the same every time the task runs again.
fn child_name(parent_arn: &str, task: TaskId) -> String {
    let mut hasher = Sha1::new();
    hasher.update(uuid::Uuid::NAMESPACE_URL.as_bytes());
    hasher.update(format!("{parent_arn}#{}", task.0).as_bytes());
    let digest = hasher.finalize();
    let mut bytes = [0_u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_sha1_bytes(bytes).into_uuid().to_string()
}

/// Which integration starts the child: they answer and fail in different shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavor {
    /// `arn:aws:states:::states:startExecution`, the optimized integration.
    Optimized,
    /// `arn:aws:states:::aws-sdk:sfn:startExecution`, the AWS SDK integration: request-response
    /// (and `.waitForTaskToken`) only.
    Sdk,
}

impl Flavor {
    /// StartExecution's answer as the task's result: the start date in epoch milliseconds
    /// (optimized) or ISO 8601 text (AWS SDK, as the AWS SDK for Java prints an `Instant`).
    fn started(self, started: &Started) -> Value {
        let date = match self {
            Flavor::Optimized => json!(started.start_date_millis),
            Flavor::Sdk => match jiff::Timestamp::from_millisecond(started.start_date_millis) {
                Ok(date) => json!(date.to_string()),
                Err(_) => json!(started.start_date_millis),
            },
        };
        json!({ "ExecutionArn": started.arn, "StartDate": date })
    }

    /// How a StartExecution error fails the task. The optimized integration names it after the
    /// SDK's exception (`StepFunctions.StateMachineDoesNotExistException`), the AWS SDK one
    /// after the service's (`Sfn.StateMachineDoesNotExistException`); each with the cause its
    /// AWS SDK for Java writes.
    fn error(self, error: &Error) -> TaskError {
        let code = error.aws_type();
        let exception =
            if code.ends_with("Exception") { code.to_owned() } else { format!("{code}Exception") };
        let status = error.status().as_u16();
        let request_id = uuid::Uuid::new_v4();
        match self {
            Flavor::Optimized => TaskError::new(
                format!("StepFunctions.{exception}"),
                format!(
                    "{error} (Service: AWSStepFunctions; Status Code: {status}; Error Code: {code}; Request ID: {request_id}; Proxy: null)"
                ),
            ),
            Flavor::Sdk => TaskError::new(
                format!("Sfn.{exception}"),
                format!("{error} (Service: Sfn, Status Code: {status}, Request ID: {request_id})"),
            ),
        }
    }
}

/// One nested start: the task's work.
struct Child {
    handle: Handle,
    flavor: Flavor,
    pattern: IntegrationPattern,
    call: Call,
    /// An existing execution of the name with the same input is this task's own child.
    may_attach: bool,
}

/// A child that was started (or found).
struct Started {
    arn: String,
    start_date_millis: Millis,
}

impl Child {
    async fn run(self) -> TaskResult {
        let waits = matches!(self.pattern, IntegrationPattern::Sync | IntegrationPattern::Sync2);
        if !waits {
            let started = self.start().await?;
            return Ok(self.flavor.started(&started));
        }
        if self.is_express() {
            return self.run_express().await;
        }
        // Armed before the start, which answers once the child's first step is durable: a
        // parent stopped meanwhile stops the child that is already running.
        let mut stop = StopOnDrop { handle: self.handle.clone(), arn: self.call.execution_arn() };
        let started = match self.start().await {
            Ok(started) => started,
            Err(error) => {
                // No child of this task runs; another execution may hold the name.
                stop.arn = None;
                return Err(error);
            }
        };
        stop.arn = Some(started.arn.clone());
        let ending = ending(&self.handle, &started.arn).await;
        stop.arn = None;
        sync_result(&ending?, self.pattern)
    }

    /// Whether the called state machine is an Express one; an unknown one is left to
    /// StartExecution, which refuses it with AWS's error.
    fn is_express(&self) -> bool {
        let Some(arn) = self.call.state_machine_arn.as_str() else { return false };
        matches!(
            self.handle.store().state_machine(arn),
            Ok(Some(record)) if record.r#type == StateMachineType::Express
        )
    }

    /// Starts the child as StartExecution does, or finds the one this task started already.
    async fn start(&self) -> Result<Started, TaskError> {
        let request = self.call.request();
        match executions::start_execution(&self.handle, &request).await {
            Ok(answer) => Ok(Started {
                arn: answer["executionArn"].as_str().unwrap_or_default().to_owned(),
                start_date_millis: millis(&answer["startDate"]),
            }),
            Err(Error::ExecutionAlreadyExists(arn)) => {
                let existing = if self.may_attach { self.existing()? } else { None };
                existing.ok_or_else(|| self.flavor.error(&Error::ExecutionAlreadyExists(arn)))
            }
            Err(error) => Err(self.flavor.error(&error)),
        }
    }

    /// The execution of the call's name, if it has the call's input.
    fn existing(&self) -> Result<Option<Started>, TaskError> {
        let (Some(machine_arn), Some(name)) =
            (self.call.state_machine_arn.as_str(), self.call.name.as_str())
        else {
            return Ok(None);
        };
        let found = self
            .handle
            .store()
            .execution_by_name(machine_arn, name)
            .map_err(|error| self.flavor.error(&error.into()))?;
        Ok(found
            .filter(|record| record.input == self.call.input)
            .map(|record| Started { arn: record.arn, start_date_millis: record.start_date_millis }))
    }

    /// Runs an Express child to its end in memory, as StartSyncExecution does.
    async fn run_express(&self) -> TaskResult {
        let answer = executions::start_sync_execution(&self.handle, &self.call.request())
            .await
            .map_err(|error| self.flavor.error(&error))?;
        sync_result(&answer, self.pattern)
    }
}

/// Stops a `.sync` child whose parent's task was dropped before the child ended: the parent
/// was stopped, the task timed out or was cancelled. Disarmed once the child has ended.
struct StopOnDrop {
    handle: Handle,
    arn: Option<String>,
}

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        let Some(arn) = self.arn.take() else { return };
        // A server that shuts down stops every execution between two steps; parent and child
        // both resume at the next start, so the child keeps running.
        if self.handle.live().is_closing() {
            return;
        }
        // Without a runtime (the process is ending) nothing runs any more anyway.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let handle = self.handle.clone();
            runtime.spawn(async move {
                // A child that ended meanwhile keeps its own ending; a parked one is woken.
                let stop = Signal::Stop { error: None, cause: None };
                if let Err(error) = runs::signal(&handle, &arn, stop).await {
                    eprintln!("baton-api: cannot stop the child execution {arn}: {error}");
                }
            });
        }
    }
}

/// Waits until a Standard execution has ended and returns DescribeExecution's answer.
async fn ending(handle: &Handle, arn: &str) -> Result<Value, TaskError> {
    let mut request = Map::new();
    request.insert("executionArn".to_owned(), json!(arn));
    handle.live().wait_ended(arn, || executions::has_ended(handle, arn)).await;
    let described = executions::describe_execution(handle, &request)
        .map_err(|error| Flavor::Optimized.error(&error))?;
    if described["status"] == ExecutionStatus::Running.as_str() {
        // The server is closing: it stops this parent too, and both resume at the next start.
        std::future::pending::<()>().await;
    }
    Ok(described)
}

/// The `.sync` task's result from DescribeExecution's (or StartSyncExecution's) answer about
/// the child: its fields in PascalCase, in AWS's order, dates in epoch milliseconds, and the
/// input and output parsed for `.sync:2`. A child that did not succeed fails the task with
/// `States.TaskFailed` and that shape, as JSON text, as its cause.
fn sync_result(answer: &Value, pattern: IntegrationPattern) -> TaskResult {
    let parsed = pattern == IntegrationPattern::Sync2;
    let mut described = Map::new();
    for &field in DESCRIBED_FIELDS {
        let Some(value) = answer.get(field) else { continue };
        let value = match field {
            "startDate" | "stopDate" => json!(millis(value)),
            "inputDetails" | "outputDetails" => json!({ "Included": value["included"] }),
            "input" | "output" if parsed => value
                .as_str()
                .and_then(|text| serde_json::from_str(text).ok())
                .unwrap_or_else(|| value.clone()),
            _ => value.clone(),
        };
        let mut name = field.to_owned();
        name[..1].make_ascii_uppercase();
        described.insert(name, value);
    }
    let described = Value::Object(described);
    if answer["status"] == ExecutionStatus::Succeeded.as_str() {
        Ok(described)
    } else {
        Err(TaskError::new(baton_asl::error_match::TASK_FAILED, described.to_string()))
    }
}

/// An API timestamp (epoch seconds with milliseconds) in epoch milliseconds, as the
/// integration's outputs carry dates.
fn millis(seconds: &Value) -> Millis {
    // Rounded: the seconds came from whole milliseconds, and the float may be a hair off.
    seconds.as_f64().map_or(0, |seconds| (seconds * 1000.0).round() as Millis)
}

#[cfg(test)]
mod tests {
    use baton_integrations::Handlers;

    use super::*;
    use crate::Options;

    const PASS: &str = r#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#;

    /// A task whose child has ended finds it (resumed, or with a generated name) and is
    /// refused otherwise, as StartExecution refuses a name that is taken.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_ended_child_is_found_only_by_a_task_that_may_attach() {
        let handle = Options::local().build(Arc::new(Handlers::new())).handle();
        let create =
            json!({ "name": "Quick", "definition": PASS, "roleArn": "arn:aws:iam::1:role/r" });
        let create = create.as_object().cloned().expect("an object");
        let created = crate::actions::run(&handle, "CreateStateMachine", create).await;
        let machine = created.expect("the machine is created")["stateMachineArn"].clone();
        let child = |input: &str, may_attach: bool| Child {
            handle: handle.clone(),
            pattern: IntegrationPattern::RequestResponse,
            call: Call {
                state_machine_arn: machine.clone(),
                name: json!("kid"),
                generated_name: false,
                input: input.to_owned(),
            },
            flavor: Flavor::Optimized,
            may_attach,
        };
        let first = child("{}", false).start().await.expect("the child starts");
        ending(&handle, &first.arn).await.expect("the child ends");

        let cases = [
            ("{}", true, Ok(first.arn.as_str())),
            ("{}", false, Err("StepFunctions.ExecutionAlreadyExistsException")),
            (r#"{"other":1}"#, true, Err("StepFunctions.ExecutionAlreadyExistsException")),
        ];
        for (input, may_attach, expected) in cases {
            let found = child(input, may_attach).start().await;
            let found = found.as_ref().map(|started| started.arn.as_str());
            let found = found.map_err(|error| error.error.as_str());
            assert_eq!(found, expected, "input {input}, may attach: {may_attach}");
        }
    }

    /// Names derived for the same parent and task are equal; other tasks get other names.
    #[test]
    fn generated_names_are_stable_uuids() {
        let parent = "arn:aws:states:us-east-1:123456789012:execution:M:e";
        let name = child_name(parent, TaskId(3));
        assert_eq!(name, child_name(parent, TaskId(3)));
        assert_ne!(name, child_name(parent, TaskId(4)));
        let parsed = uuid::Uuid::parse_str(&name).expect("a UUID");
        assert_eq!(parsed.get_version_num(), 5);
    }
}
