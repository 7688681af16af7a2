//! Running executions that wait only for the outside world park: their runs end, the store
//! keeps them, and a signal (a worker, a callback, StopExecution) or their next timer wakes
//! them from their snapshot. Each test waits until its execution has parked, then checks that
//! everything that reaches a running execution still reaches it, exactly once.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use serde_json::{Value, json};
use tower::ServiceExt;

use baton_api::{Handle, Options};
use baton_integrations::Handlers;

const ROLE: &str = "arn:aws:iam::123456789012:role/test";
/// How long a test waits for an execution to reach the state it expects before it fails.
const WAIT_MAX: Duration = Duration::from_secs(30);
/// The pause between two looks at what a test waits for.
const POLL_PAUSE: Duration = Duration::from_millis(10);

/// A server whose `Notify` function counts its calls (a callback's request).
fn server(notified: &Arc<AtomicUsize>) -> Handle {
    let mut handlers = Handlers::new();
    let notified = Arc::clone(notified);
    handlers.register("Notify", move |_input: Value| {
        notified.fetch_add(1, Ordering::SeqCst);
        async { Ok(json!({ "sent": true })) }
    });
    Options::local().build(Arc::new(handlers)).handle()
}

async fn check(handle: &Handle, action: &str, body: Value) -> Value {
    let request = Request::post("/")
        .header("x-amz-target", format!("AWSStepFunctions.{action}"))
        .header("content-type", "application/x-amz-json-1.0")
        .body(Body::from(body.to_string()))
        .expect("a well-formed request");
    let response = baton_api::app(handle.clone()).oneshot(request).await.expect("infallible");
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("a body");
    let answer: Value = serde_json::from_slice(&bytes).expect("a JSON answer");
    assert_eq!(status, 200, "{action}: {answer}");
    answer
}

/// Creates the activity `Review` and starts an execution of a machine named `name` whose
/// definition `definition` gets the activity's ARN in place of `ACTIVITY`.
async fn start(handle: &Handle, name: &str, definition: &str) -> (String, String) {
    let activity = check(handle, "CreateActivity", json!({ "name": "Review" })).await;
    let activity = activity["activityArn"].as_str().expect("an activity ARN").to_owned();
    let definition = definition.replace("ACTIVITY", &activity);
    let body = json!({ "name": name, "definition": definition, "roleArn": ROLE });
    let machine = check(handle, "CreateStateMachine", body).await;
    let body = json!({ "stateMachineArn": machine["stateMachineArn"], "input": "{}" });
    let started = check(handle, "StartExecution", body).await;
    (started["executionArn"].as_str().expect("an execution ARN").to_owned(), activity)
}

/// Waits until no execution runs in memory: the one started has parked.
async fn parked(handle: &Handle) {
    let deadline = Instant::now() + WAIT_MAX;
    while handle.executions_in_memory() > 0 {
        assert!(Instant::now() < deadline, "the execution did not park");
        tokio::time::sleep(POLL_PAUSE).await;
    }
}

/// Describes an execution until it is no longer RUNNING.
async fn finished(handle: &Handle, arn: &str) -> Value {
    let deadline = Instant::now() + WAIT_MAX;
    loop {
        let answer = check(handle, "DescribeExecution", json!({ "executionArn": arn })).await;
        if answer["status"] != "RUNNING" {
            return answer;
        }
        assert!(Instant::now() < deadline, "execution {arn} did not finish");
        tokio::time::sleep(POLL_PAUSE).await;
    }
}

/// The execution's history as event types, after checking that its ids are 1, 2, 3...
async fn history_types(handle: &Handle, arn: &str) -> Vec<String> {
    let history = check(handle, "GetExecutionHistory", json!({ "executionArn": arn })).await;
    let events = history["events"].as_array().expect("events");
    let ids: Vec<u64> = events.iter().filter_map(|event| event["id"].as_u64()).collect();
    assert_eq!(ids, (1..=events.len() as u64).collect::<Vec<_>>(), "each event once");
    events.iter().filter_map(|event| event["type"].as_str()).map(str::to_owned).collect()
}

const ACTIVITY_TASK: &str = r#"{"StartAt":"Work","States":{
    "Work":{"Type":"Task","Resource":"ACTIVITY","TimeoutSeconds":3600,"End":true}}}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parked_activity_task_is_taken_and_answered() {
    let handle = server(&Arc::default());
    let (arn, activity) = start(&handle, "Parks", ACTIVITY_TASK).await;
    parked(&handle).await;
    let body = json!({ "activityArn": activity, "workerName": "w1" });
    let task = check(&handle, "GetActivityTask", body).await;
    let token = task["taskToken"].as_str().expect("the parked execution's task").to_owned();
    // Taken, it parks again while the worker works.
    parked(&handle).await;
    let heartbeat = check(&handle, "SendTaskHeartbeat", json!({ "taskToken": token })).await;
    assert_eq!(heartbeat, json!({}));
    parked(&handle).await;
    let success = json!({ "taskToken": token, "output": r#"{"done":1}"# });
    check(&handle, "SendTaskSuccess", success).await;
    let described = finished(&handle, &arn).await;
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    assert_eq!(described["output"], r#"{"done":1}"#);
    let types = history_types(&handle, &arn).await;
    let expected = [
        "ExecutionStarted",
        "TaskStateEntered",
        "ActivityScheduled",
        "ActivityStarted",
        "ActivitySucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
    ];
    assert_eq!(types, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parked_execution_is_woken_for_its_timer() {
    let handle = server(&Arc::default());
    // Nobody takes the task: its 2 s timeout fires in an execution parked since its start.
    let definition = ACTIVITY_TASK.replace("3600", "2");
    let (arn, _) = start(&handle, "TimesOut", &definition).await;
    parked(&handle).await;
    let described = finished(&handle, &arn).await;
    assert_eq!(described["status"], "FAILED", "{described}");
    assert_eq!(described["error"], "States.Timeout");
    let types = history_types(&handle, &arn).await;
    assert_eq!(types[types.len() - 2..], ["ActivityTimedOut", "ExecutionFailed"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parked_execution_is_stopped() {
    let handle = server(&Arc::default());
    let (arn, _) = start(&handle, "Stopped", ACTIVITY_TASK).await;
    parked(&handle).await;
    let stop = json!({ "executionArn": arn, "error": "Halt", "cause": "by hand" });
    let stopped = check(&handle, "StopExecution", stop).await;
    assert!(stopped["stopDate"].is_number(), "{stopped}");
    let described = finished(&handle, &arn).await;
    assert_eq!(described["status"], "ABORTED", "{described}");
    let types = history_types(&handle, &arn).await;
    assert_eq!(types.last().map(String::as_str), Some("ExecutionAborted"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parked_callback_is_completed_and_its_request_sent_once() {
    let notified = Arc::new(AtomicUsize::new(0));
    let handle = server(&notified);
    let definition = r#"{"StartAt":"Ask","States":{"Ask":{"Type":"Task",
        "Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters":{"FunctionName":"Notify","Payload":{"token.$":"$$.Task.Token"}},"End":true}}}"#;
    let (arn, _) = start(&handle, "Callback", definition).await;
    parked(&handle).await;
    let history = check(&handle, "GetExecutionHistory", json!({ "executionArn": arn })).await;
    let scheduled = history["events"]
        .as_array()
        .expect("events")
        .iter()
        .find(|event| event["type"] == "TaskScheduled")
        .map(|event| event["taskScheduledEventDetails"]["parameters"].clone())
        .expect("the task is scheduled");
    let parameters: Value =
        serde_json::from_str(scheduled.as_str().expect("parameters as text")).expect("JSON");
    let token = parameters["Payload"]["token"].as_str().expect("a token");
    let success = json!({ "taskToken": token, "output": r#"{"approved":true}"# });
    check(&handle, "SendTaskSuccess", success).await;
    let described = finished(&handle, &arn).await;
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    assert_eq!(notified.load(Ordering::SeqCst), 1, "the woken execution sent no second request");
}
