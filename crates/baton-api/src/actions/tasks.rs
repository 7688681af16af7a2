//! Activities and task tokens: CreateActivity, DescribeActivity, DeleteActivity,
//! ListActivities, GetActivityTask, SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat,
//! and the hook through which a running execution hands over the tasks whose result comes from
//! outside.
//!
//! An activity task waits in its activity's queue (in memory) until a poller takes it; taking
//! it sends `TaskStarted` with the worker's name to the execution, which accepts it only while
//! it still waits for the task, so each task goes to exactly one poller and a task that timed
//! out in the queue is skipped. Every SendTask* finds the task by its token and becomes a
//! signal to the execution; a signal the execution rejects (the task is over) is AWS's
//! `TaskTimedOut`.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use baton_asl::limits::{PAYLOAD_BYTES_MAX, RESOURCE_NAME_CHARS_MAX};
use baton_asl::model::Resource;
use baton_core::TaskRequest;
use baton_integrations::TaskError;
use baton_runtime::remote::{Outside, Signal};

use super::{
    Request, arn_prefix, check_arn, check_name, optional_str, page, required, seconds, too_long,
    wrong_type,
};
use crate::store::{Activity, Queued, TaskRef};
use crate::{Error, Handle};

/// The longest GetActivityTask holds a request open when no task is waiting (AWS: 60 s).
const ACTIVITY_POLL_WAIT_MAX: Duration = Duration::from_secs(60);
/// The longest task token a request may carry.
const TASK_TOKEN_CHARS_MAX: usize = 2048;
/// The longest error name and cause SendTaskFailure accepts.
const TASK_ERROR_CHARS_MAX: usize = 256;
const TASK_CAUSE_CHARS_MAX: usize = 32_768;
/// The error an execution fails with when a Task names an activity that does not exist (AWS
/// fails the execution; the error is not retried or caught).
const RUNTIME_ERROR: &str = baton_asl::error_match::RUNTIME;

pub(super) fn create_activity(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let name = required(request, "name")?;
    check_name(name, "name")?;
    // Tags are accepted and not kept: TagResource and ListTagsForResource are not supported
    // yet, so nothing could read them back.
    match request.get("tags") {
        None | Some(Value::Null | Value::Array(_)) => {}
        Some(_) => return Err(wrong_type("tags", "list")),
    }
    let arn = format!("{}:activity:{name}", arn_prefix(handle));
    let mut store = handle.store();
    // CreateActivity is idempotent by name: AWS ignores differences in the other fields.
    if let Some(existing) = store.activities.get(&arn) {
        return Ok(json!({ "activityArn": arn, "creationDate": seconds(existing.created) }));
    }
    let created = baton_runtime::now_millis();
    store.activity_order.push(arn.clone());
    let activity = Activity {
        arn: arn.clone(),
        name: name.to_owned(),
        created,
        queue: VecDeque::new(),
        arrived: Arc::default(),
    };
    store.activities.insert(arn.clone(), activity);
    Ok(json!({ "activityArn": arn, "creationDate": seconds(created) }))
}

pub(super) fn describe_activity(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let arn = required(request, "activityArn")?;
    check_arn(arn, &["activity"])?;
    let store = handle.store();
    let activity =
        store.activities.get(arn).ok_or_else(|| Error::ActivityDoesNotExist(arn.to_owned()))?;
    Ok(json!({
        "activityArn": activity.arn,
        "name": activity.name,
        "creationDate": seconds(activity.created),
        "encryptionConfiguration": { "type": "AWS_OWNED_KEY" },
    }))
}

pub(super) fn delete_activity(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let arn = required(request, "activityArn")?;
    check_arn(arn, &["activity"])?;
    // Deleting is idempotent. Tasks still queued go with the activity; their executions wait
    // until the tasks time out, as in AWS.
    let mut store = handle.store();
    store.activities.remove(arn);
    store.activity_order.retain(|other| other != arn);
    Ok(json!({}))
}

pub(super) fn list_activities(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let store = handle.store();
    let items = store
        .activity_order
        .iter()
        .filter_map(|arn| store.activities.get(arn))
        .map(|activity| {
            json!({
                "activityArn": activity.arn,
                "name": activity.name,
                "creationDate": seconds(activity.created),
            })
        })
        .collect();
    page(items, request, "activities")
}

/// Waits up to [`ACTIVITY_POLL_WAIT_MAX`] for a task of the activity, and answers `{}` (no
/// `taskToken`) when none arrives.
pub(super) async fn get_activity_task(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let arn = required(request, "activityArn")?;
    check_arn(arn, &["activity"])?;
    let worker_name = optional_str(request, "workerName")?;
    if worker_name.is_some_and(|name| name.chars().count() > RESOURCE_NAME_CHARS_MAX) {
        return Err(too_long("workerName", RESOURCE_NAME_CHARS_MAX));
    }
    let deadline = tokio::time::Instant::now() + ACTIVITY_POLL_WAIT_MAX;
    loop {
        let arrived = {
            let store = handle.store();
            let activity = store
                .activities
                .get(arn)
                .ok_or_else(|| Error::ActivityDoesNotExist(arn.to_owned()))?;
            Arc::clone(&activity.arrived)
        };
        // Registered before looking at the queue, so a task that arrives in between still
        // wakes this poller.
        let notified = arrived.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        while let Some(queued) = take_queued(handle, arn) {
            let remote = handle
                .store()
                .executions
                .get(&queued.task.execution_arn)
                .and_then(|execution| execution.remote.clone());
            let Some(remote) = remote else { continue };
            let started = Signal::TaskStarted {
                task: queued.task.task,
                worker_name: worker_name.map(str::to_owned),
            };
            // A task the execution no longer waits for (it timed out in the queue, or the
            // execution ended) is dropped; the poller takes the next one.
            if remote.send(started).await.is_ok() {
                return Ok(json!({ "taskToken": queued.token, "input": queued.input }));
            }
        }
        if tokio::time::timeout_at(deadline, notified).await.is_err() {
            return Ok(json!({}));
        }
    }
}

fn take_queued(handle: &Handle, arn: &str) -> Option<Queued> {
    handle.store().activities.get_mut(arn)?.queue.pop_front()
}

pub(super) async fn send_task_success(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let token = task_token(request)?;
    let output = required(request, "output")?;
    if output.len() > PAYLOAD_BYTES_MAX {
        return Err(too_long("output", PAYLOAD_BYTES_MAX));
    }
    let output: Value =
        serde_json::from_str(output).map_err(|error| Error::InvalidOutput(error.to_string()))?;
    signal(handle, token, |task| Signal::TaskSucceeded { task, output }).await
}

pub(super) async fn send_task_failure(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let token = task_token(request)?;
    let error = optional_str(request, "error")?.unwrap_or_default();
    if error.chars().count() > TASK_ERROR_CHARS_MAX {
        return Err(too_long("error", TASK_ERROR_CHARS_MAX));
    }
    let cause = optional_str(request, "cause")?.unwrap_or_default();
    if cause.chars().count() > TASK_CAUSE_CHARS_MAX {
        return Err(too_long("cause", TASK_CAUSE_CHARS_MAX));
    }
    let (error, cause) = (error.to_owned(), cause.to_owned());
    signal(handle, token, |task| Signal::TaskFailed { task, error, cause }).await
}

pub(super) async fn send_task_heartbeat(
    handle: &Handle,
    request: &Request,
) -> Result<Value, Error> {
    let token = task_token(request)?;
    signal(handle, token, |task| Signal::TaskHeartbeat { task }).await
}

fn task_token(request: &Request) -> Result<&str, Error> {
    let token = required(request, "taskToken")?;
    if token.is_empty() {
        return Err(Error::Validation(
            "Value '' at 'taskToken' failed to satisfy constraint: Member must have length greater than or equal to 1"
                .to_owned(),
        ));
    }
    if token.chars().count() > TASK_TOKEN_CHARS_MAX {
        return Err(too_long("taskToken", TASK_TOKEN_CHARS_MAX));
    }
    Ok(token)
}

/// Sends the signal `make` builds for the token's task to its execution.
async fn signal(
    handle: &Handle,
    token: &str,
    make: impl FnOnce(baton_core::TaskId) -> Signal,
) -> Result<Value, Error> {
    let (task, remote) = {
        let store = handle.store();
        let task_ref = store
            .tokens
            .get(token)
            .ok_or_else(|| Error::InvalidToken("Invalid token".to_owned()))?;
        let remote = store
            .executions
            .get(&task_ref.execution_arn)
            .and_then(|execution| execution.remote.clone());
        (task_ref.task, remote)
    };
    let remote = remote.ok_or(Error::TaskTimedOut)?;
    remote.send(make(task)).await.map_err(|_| Error::TaskTimedOut)?;
    Ok(json!({}))
}

/// The hook through which execution `execution_arn` hands over a task whose result comes from
/// outside: its token is remembered, and an activity task joins its activity's queue. A Task
/// naming an activity that does not exist fails the execution with `States.Runtime`.
pub(super) fn outside(handle: Handle, execution_arn: String) -> Outside {
    Box::new(move |request: &TaskRequest| {
        let Some(token) = request.token.clone() else {
            // The interpreter draws a token for every activity and callback task.
            return Err(TaskError::new(
                RUNTIME_ERROR,
                format!("Task state '{}' has no task token.", request.state_name),
            ));
        };
        let task = TaskRef { execution_arn: execution_arn.clone(), task: request.task };
        let mut store = handle.store();
        if let Resource::Activity { arn } = &request.resource {
            let Some(activity) = store.activities.get_mut(arn) else {
                return Err(TaskError::new(
                    RUNTIME_ERROR,
                    format!(
                        "An error occurred while executing the state '{}'. The activity {arn} does not exist.",
                        request.state_name
                    ),
                ));
            };
            let input = request.input.to_string();
            activity.queue.push_back(Queued { token: token.clone(), input, task: task.clone() });
            activity.arrived.notify_waiters();
        }
        store.tokens.insert(token, task);
        Ok(())
    })
}
