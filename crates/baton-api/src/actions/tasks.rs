//! Activities and task tokens: CreateActivity, DescribeActivity, DeleteActivity,
//! ListActivities, GetActivityTask, SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat,
//! and the hook through which a running execution hands over the tasks whose result comes from
//! outside.
//!
//! An activity task waits in its activity's durable queue in the store until a poller claims
//! it (a claim is a durable write, so each task goes to exactly one poller, even across a
//! restart); claiming sends `TaskStarted` with the worker's name to the execution, which
//! accepts it only while it still waits for the task, so a task that timed out in the queue
//! is dropped and the poller takes the next. Pollers wait on an in-memory [`Notify`] per
//! activity, woken once a task's enqueue is durable.
//!
//! An activity task's queue entry and a task's token are written with the step that schedules
//! the task ([`Effects`], in the same commit), so no crash can leave a scheduled task without
//! them, and the queue entry goes with the step after which the task is over. Tokens stay in
//! the store, so that a late answer, even after a restart, is `TaskTimedOut`, not
//! `InvalidToken`; while their execution runs in memory they are also found there without a
//! read. Every SendTask* finds the task by its token and becomes a signal to the execution
//! (waking it if it is parked); a signal the execution rejects (the task is over) is AWS's
//! `TaskTimedOut`.
//!
//! After a restart, the resumed executions hand out their pending tasks again with the same
//! tokens; their queue entries and tokens are in the store already.

use std::time::Duration;

use serde_json::{Value, json};

use baton_asl::limits::{PAYLOAD_BYTES_MAX, RESOURCE_NAME_CHARS_MAX};
use baton_asl::model::{IntegrationPattern, Resource};
use baton_core::{TaskId, TaskRequest};
use baton_integrations::TaskError;
use baton_runtime::TaskEffects;
use baton_runtime::remote::{Outside, Signal};
use baton_store::{
    ActivityRecord, ActivityTaskRecord, Change, ClaimRequest, Commit, TaskTokenRecord,
};

use super::{
    Request, arn_prefix, check_arn, check_name, commit, optional_str, page_request, page_response,
    required, runs, seconds, too_long,
};
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

pub(super) async fn create_activity(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let name = required(request, "name")?;
    check_name(name, "name")?;
    let tags = super::tags::request_tags(request)?.unwrap_or_default();
    let arn = format!("{}:activity:{name}", arn_prefix(handle));
    // CreateActivity is idempotent by name: AWS ignores differences in the other fields.
    if let Some(existing) = handle.store().activity(&arn)? {
        return Ok(
            json!({ "activityArn": arn, "creationDate": seconds(existing.creation_date_millis) }),
        );
    }
    let created = baton_runtime::now_millis();
    let record = ActivityRecord {
        arn: arn.clone(),
        name: name.to_owned(),
        creation_date_millis: created,
        tags,
    };
    match commit(handle, vec![Change::CreateActivity(record)]).await {
        Ok(()) => Ok(json!({ "activityArn": arn, "creationDate": seconds(created) })),
        // Created meanwhile by another request: answer with that one.
        Err(baton_store::Error::AlreadyExists { .. }) => {
            let existing = handle.store().activity(&arn)?.ok_or_else(|| {
                Error::Internal(format!("activity {arn} vanished while it was created"))
            })?;
            Ok(
                json!({ "activityArn": arn, "creationDate": seconds(existing.creation_date_millis) }),
            )
        }
        Err(error) => Err(error.into()),
    }
}

pub(super) fn describe_activity(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let arn = required(request, "activityArn")?;
    check_arn(arn, &["activity"])?;
    let activity =
        handle.store().activity(arn)?.ok_or_else(|| Error::ActivityDoesNotExist(arn.to_owned()))?;
    Ok(json!({
        "activityArn": activity.arn,
        "name": activity.name,
        "creationDate": seconds(activity.creation_date_millis),
        "encryptionConfiguration": { "type": "AWS_OWNED_KEY" },
    }))
}

pub(super) async fn delete_activity(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let arn = required(request, "activityArn")?;
    check_arn(arn, &["activity"])?;
    // Deleting is idempotent. Tasks still queued stay in the store, where nobody can claim
    // them; their executions wait until the tasks time out, as in AWS.
    match commit(handle, vec![Change::DeleteActivity { arn: arn.to_owned() }]).await {
        Ok(()) | Err(baton_store::Error::NotFound { .. }) => Ok(json!({})),
        Err(error) => Err(error.into()),
    }
}

pub(super) fn list_activities(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let page = handle.store().list_activities(&page_request(request)?)?;
    Ok(page_response(page, "activities", |activity| {
        json!({
            "activityArn": activity.arn,
            "name": activity.name,
            "creationDate": seconds(activity.creation_date_millis),
        })
    }))
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
    if handle.store().activity(arn)?.is_none() {
        return Err(Error::ActivityDoesNotExist(arn.to_owned()));
    }
    let worker_name = worker_name.map(str::to_owned);
    let pollers = handle.live().pollers(arn);
    let deadline = tokio::time::Instant::now() + ACTIVITY_POLL_WAIT_MAX;
    loop {
        // Registered before looking at the queue, so a task that arrives in between still
        // wakes this poller.
        let notified = pollers.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        while let Some(task) = claim(handle, arn, worker_name.as_deref()).await? {
            let started = |task| Signal::TaskStarted { task, worker_name: worker_name.clone() };
            // A task the execution no longer waits for (it timed out in the queue, or the
            // execution ended) is dropped; the poller takes the next one.
            if send(handle, &task.task_token, started).await.is_ok() {
                return Ok(json!({ "taskToken": task.task_token, "input": task.input }));
            }
            forget_task(handle, &task.task_token);
        }
        tokio::select! {
            () = &mut notified => {}
            () = tokio::time::sleep_until(deadline) => return Ok(json!({})),
            // A server that stops answers its long polls at once, as if nothing came.
            () = handle.live().closed() => return Ok(json!({})),
        }
    }
}

/// Claims the oldest unclaimed task of the activity for the worker, once the claim is durable.
async fn claim(
    handle: &Handle,
    activity_arn: &str,
    worker_name: Option<&str>,
) -> Result<Option<ActivityTaskRecord>, Error> {
    let claim = ClaimRequest {
        activity_arn: activity_arn.to_owned(),
        worker_name: worker_name.unwrap_or_default().to_owned(),
        now_millis: baton_runtime::now_millis(),
    };
    let (sender, receiver) = tokio::sync::oneshot::channel();
    handle.store().submit_claim(
        claim,
        Box::new(move |result| {
            let _ = sender.send(result);
        }),
    );
    Ok(receiver.await.unwrap_or(Err(baton_store::Error::Closed))?)
}

/// Removes an activity task from the queue, claimed or not, without waiting: it is over.
fn forget_task(handle: &Handle, task_token: &str) {
    let remove = Change::RemoveActivityTask { task_token: task_token.to_owned() };
    // A removal that fails leaves a task whose execution rejects it; the next claim drops it.
    handle.store().submit(Commit::new(vec![remove]), Box::new(|_| {}));
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

/// Sends the signal `make` builds for the token's task to its execution. The step that
/// applies a task's result also removes its activity task from the queue.
async fn signal(
    handle: &Handle,
    token: &str,
    make: impl FnOnce(TaskId) -> Signal,
) -> Result<Value, Error> {
    send(handle, token, make).await?;
    Ok(json!({}))
}

/// Sends the signal `make` builds for the token's task to its execution: `InvalidToken` for a
/// token Baton never issued, `TaskTimedOut` when the task or its execution is over.
async fn send(
    handle: &Handle,
    token: &str,
    make: impl FnOnce(TaskId) -> Signal,
) -> Result<(), Error> {
    let (execution_arn, task) = match task_of(handle, token)? {
        Some(found) => found,
        None => return Err(Error::InvalidToken("Invalid token".to_owned())),
    };
    // A resumed or woken execution that has not handed its task out again yet reads the
    // signal after it did: its pending tasks are open before it reads any signal.
    runs::signal(handle, &execution_arn, make(task)).await?.map_err(|_| Error::TaskTimedOut)
}

/// The execution and task a token belongs to: from memory while the execution that handed it
/// out runs (its commit may not be durable yet), from the store otherwise (a task over, or
/// an execution resumed after a restart).
fn task_of(handle: &Handle, token: &str) -> Result<Option<(String, TaskId)>, Error> {
    if let Some(found) = handle.live().running().tokens.get(token) {
        return Ok(Some(found.clone()));
    }
    let Some(record) = handle.store().task_token(token)? else { return Ok(None) };
    let task = record.task_id.parse().map(TaskId).map_err(|_| {
        Error::Internal(format!("task token of {} names no task", record.execution_arn))
    })?;
    Ok(Some((record.execution_arn, task)))
}

/// The hook through which execution `execution_arn` hands over a task whose result comes from
/// outside, once the step that scheduled it is durable (with its token and queue entry, see
/// [`Effects`]): its token is remembered in memory, and an activity's pollers are woken. A
/// Task naming an activity that does not exist fails the execution with `States.Runtime`.
pub(super) fn outside(handle: Handle, execution_arn: String) -> Outside {
    Box::new(move |request: &TaskRequest| {
        let Some(token) = request.token.clone() else {
            // The interpreter draws a token for every activity and callback task.
            return Err(TaskError::new(
                RUNTIME_ERROR,
                format!("Task state '{}' has no task token.", request.state_name),
            ));
        };
        if let Resource::Activity { arn } = &request.resource {
            if !activity_exists(&handle, arn)? {
                return Err(TaskError::new(
                    RUNTIME_ERROR,
                    format!(
                        "An error occurred while executing the state '{}' (entered at the event id #{}). The activity {arn} does not exist.",
                        request.state_name, request.state_entered_event_id
                    ),
                ));
            }
            // One poller per task: waking them all would have each of them claim, and all
            // but one claim nothing. A woken poller that goes away passes the wake-up on.
            handle.live().pollers(arn).notify_one();
        }
        let mut running = handle.live().running();
        running.tokens.insert(token.clone(), (execution_arn.clone(), request.task));
        if let Some(execution) = running.executions.get_mut(&execution_arn) {
            execution.tokens.push(token);
        }
        Ok(())
    })
}

/// Whether the activity exists, by the store.
fn activity_exists(handle: &Handle, activity_arn: &str) -> Result<bool, TaskError> {
    let found = handle.store().activity(activity_arn).map_err(|error| {
        TaskError::new(RUNTIME_ERROR, format!("Cannot read the activity {activity_arn}: {error}"))
    })?;
    Ok(found.is_some())
}

/// The records of an execution's tasks that wait for the outside world, written with its
/// steps: a task's token, and an activity task's queue entry, with the step that schedules
/// it; the queue entry's removal with the step after which the task is over.
pub(super) struct Effects {
    handle: Handle,
    execution_arn: String,
}

impl Effects {
    pub(super) fn new(handle: Handle, execution_arn: String) -> Effects {
        Effects { handle, execution_arn }
    }
}

impl TaskEffects for Effects {
    fn scheduled(&mut self, request: &TaskRequest, changes: &mut Vec<Change>) {
        let Some(token) = &request.token else { return };
        let queued = match &request.resource {
            // A missing activity gets no entry: the outside hook fails the task.
            Resource::Activity { arn } => match activity_exists(&self.handle, arn) {
                Ok(true) => Some(queued_task(arn, &self.execution_arn, request, token)),
                Ok(false) | Err(_) => None,
            },
            Resource::Integration { pattern: IntegrationPattern::WaitForTaskToken, .. } => None,
            _ => return,
        };
        changes.push(Change::AddTaskToken(TaskTokenRecord {
            token: token.clone(),
            execution_arn: self.execution_arn.clone(),
            task_id: request.task.0.to_string(),
        }));
        if let Some(task) = queued {
            changes.push(Change::EnqueueActivityTask(task));
        }
    }

    fn settled(&mut self, token: &str, changes: &mut Vec<Change>) {
        // A callback's token has no queue entry; removing none is nothing.
        changes.push(Change::RemoveActivityTask { task_token: token.to_owned() });
    }
}

/// The queue entry of an activity task.
fn queued_task(
    activity_arn: &str,
    execution_arn: &str,
    request: &TaskRequest,
    token: &str,
) -> ActivityTaskRecord {
    ActivityTaskRecord {
        task_token: token.to_owned(),
        activity_arn: activity_arn.to_owned(),
        execution_arn: execution_arn.to_owned(),
        input: request.input.to_string(),
        enqueued_millis: baton_runtime::now_millis(),
        // The interpreter keeps the task's deadlines as timers of its execution.
        claim: None,
    }
}
