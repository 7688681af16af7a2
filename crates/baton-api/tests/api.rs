//! The API as clients see it, through axum's `oneshot` without sockets (STYLE S7), plus one
//! test over a real listener. Every request goes through `check`, so a change in how requests
//! are sent touches one function (STYLE S1).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

use baton_api::{Handle, Options};
use baton_integrations::Handlers;

const ROLE: &str = "arn:aws:iam::123456789012:role/test";
const PREFIX: &str = "arn:aws:states:us-east-1:123456789012";
/// How long a test waits for an execution to reach the state it expects before it fails.
const WAIT_MAX: Duration = Duration::from_secs(30);
/// The pause between two looks at an execution that a test waits for.
const POLL_PAUSE: Duration = Duration::from_millis(10);

/// A server whose `Double` task doubles `n`, whose `Hang` task never ends, and whose `Notify`
/// function answers at once (a callback's request).
fn server() -> Handle {
    let mut handlers = Handlers::new();
    handlers.register("Double", |input: Value| async move {
        Ok(json!({ "n": input["n"].as_i64().unwrap_or(0) * 2 }))
    });
    handlers.register("Hang", |_input: Value| std::future::pending());
    handlers.register("Notify", |_input: Value| async { Ok(json!({ "sent": true })) });
    Options::local().build(Arc::new(handlers)).handle()
}

/// Sends `action` with `body` and returns the status and the JSON answer.
async fn check(handle: &Handle, action: &str, body: Value) -> (u16, Value) {
    send(handle, &format!("AWSStepFunctions.{action}"), body.to_string().into_bytes()).await
}

async fn send(handle: &Handle, target: &str, body: Vec<u8>) -> (u16, Value) {
    let request = Request::post("/")
        .header("x-amz-target", target)
        .header("content-type", "application/x-amz-json-1.0")
        .body(Body::from(body))
        .expect("a well-formed request");
    let response = baton_api::app(handle.clone()).oneshot(request).await.expect("infallible");
    let status = response.status().as_u16();
    let content_type = response.headers().get("content-type").cloned();
    assert_eq!(
        content_type.as_ref().and_then(|v| v.to_str().ok()),
        Some("application/x-amz-json-1.0")
    );
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("a body");
    (status, serde_json::from_slice(&bytes).expect("a JSON answer"))
}

/// Asserts an error answer: 400, `__type` and `message`.
fn assert_error(answer: &(u16, Value), aws_type: &str, message: &str) {
    assert_eq!(answer.0, 400, "{answer:?}");
    assert_eq!(answer.1["__type"], aws_type, "{answer:?}");
    assert_eq!(answer.1["message"], message, "{answer:?}");
}

async fn create(handle: &Handle, name: &str, definition: &str, kind: &str) -> String {
    let body = json!({ "name": name, "definition": definition, "roleArn": ROLE, "type": kind });
    let (status, answer) = check(handle, "CreateStateMachine", body).await;
    assert_eq!(status, 200, "{answer}");
    answer["stateMachineArn"].as_str().expect("an ARN").to_owned()
}

/// Describes an execution until it is no longer RUNNING.
async fn finished(handle: &Handle, arn: &str) -> Value {
    let deadline = Instant::now() + WAIT_MAX;
    while Instant::now() < deadline {
        let (_, answer) = check(handle, "DescribeExecution", json!({ "executionArn": arn })).await;
        if answer["status"] != "RUNNING" {
            return answer;
        }
        tokio::time::sleep(POLL_PAUSE).await;
    }
    panic!("execution {arn} did not finish");
}

/// The types of an execution's history events, in order.
async fn history_types(handle: &Handle, arn: &str) -> Vec<String> {
    let (_, history) = check(handle, "GetExecutionHistory", json!({ "executionArn": arn })).await;
    let events = history["events"].as_array().expect("events");
    events.iter().filter_map(|event| event["type"].as_str()).map(str::to_owned).collect()
}

const PASS: &str =
    r#"{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"ok":true},"End":true}}}"#;
const DOUBLE: &str = r#"{"StartAt":"D","States":{"D":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:Double","Next":"Done"},"Done":{"Type":"Succeed"}}}"#;
const HANG: &str = r#"{"StartAt":"H","States":{"H":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:Hang","End":true}}}"#;
const FAIL: &str =
    r#"{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Oops","Cause":"broken"}}}"#;
/// A Map Run that no execution ran.
const MISSING_MAP_RUN: &str =
    "arn:aws:states:us-east-1:123456789012:mapRun:M/Each:00000000-0000-0000-0000-000000000000";
/// A Distributed Map that reads its items from S3, which the interpreter does not run yet.
const ITEM_READER: &str = r#"{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"ItemReader":{"Resource":"arn:aws:states:::s3:listObjectsV2","Parameters":{"Bucket":"b"}},"End":true}}}"#;

#[tokio::test]
async fn state_machine_lifecycle() {
    let handle = server();
    let arn = create(&handle, "Orders", PASS, "STANDARD").await;
    assert_eq!(arn, format!("{PREFIX}:stateMachine:Orders"));

    // The same request again is idempotent; a different definition under the name is refused.
    let same = json!({ "name": "Orders", "definition": PASS, "roleArn": ROLE });
    let first = check(&handle, "DescribeStateMachine", json!({ "stateMachineArn": arn })).await;
    let again = check(&handle, "CreateStateMachine", same).await;
    assert_eq!(again.0, 200);
    assert_eq!(again.1["creationDate"], first.1["creationDate"]);
    let other = json!({ "name": "Orders", "definition": DOUBLE, "roleArn": ROLE });
    let refused = check(&handle, "CreateStateMachine", other).await;
    assert_error(
        &refused,
        "StateMachineAlreadyExists",
        &format!("State Machine Already Exists: '{arn}'"),
    );

    assert_eq!(first.0, 200);
    assert_eq!(first.1["name"], "Orders");
    assert_eq!(first.1["definition"], PASS);
    assert_eq!(first.1["type"], "STANDARD");
    assert_eq!(first.1["status"], "ACTIVE");
    assert!(first.1["creationDate"].is_f64());

    create(&handle, "Quick", PASS, "EXPRESS").await;
    let (_, listed) = check(&handle, "ListStateMachines", json!({ "maxResults": 1 })).await;
    assert_eq!(listed["stateMachines"][0]["name"], "Orders");
    let token = listed["nextToken"].clone();
    let (_, rest) = check(&handle, "ListStateMachines", json!({ "nextToken": token })).await;
    assert_eq!(rest["stateMachines"][0]["type"], "EXPRESS");
    assert!(rest.get("nextToken").is_none());

    let deleted = check(&handle, "DeleteStateMachine", json!({ "stateMachineArn": arn })).await;
    assert_eq!(deleted, (200, json!({})));
    let gone = check(&handle, "DescribeStateMachine", json!({ "stateMachineArn": arn })).await;
    assert_error(
        &gone,
        "StateMachineDoesNotExist",
        &format!("State Machine Does Not Exist: '{arn}'"),
    );
}

/// The definition of conformance case `BASE_REFERENCE_IN_CHOICE`, whose recorded
/// DescribeStateMachine answer holds the `variableReferences` asserted below.
const GUESS: &str = r#"{"StartAt":"Setup","States":{
    "Setup":{"Type":"Pass","Assign":{"guess":"the_guess","answer":"the_answer"},"Next":"CheckAnswer"},
    "CheckAnswer":{"Type":"Choice","Choices":[{"Variable":"$guess","StringEqualsPath":"$answer","Next":"CorrectAnswer"}],"Default":"WrongAnswer"},
    "CorrectAnswer":{"Type":"Pass","Result":{"state":"CORRECT"},"End":true},
    "WrongAnswer":{"Type":"Pass","Assign":{"guess.$":"$answer"},"Result":{"state":"WRONG"},"Next":"CheckAnswer"}}}"#;

#[tokio::test]
async fn describe_reports_variable_references() {
    let handle = server();
    let arn = create(&handle, "Guess", GUESS, "STANDARD").await;
    let (status, answer) =
        check(&handle, "DescribeStateMachine", json!({ "stateMachineArn": arn })).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["variableReferences"],
        json!({ "CheckAnswer": ["answer", "guess"], "WrongAnswer": ["answer"] })
    );

    // When no state reads a variable, AWS leaves the field out.
    let arn = create(&handle, "Plain", PASS, "STANDARD").await;
    let (_, answer) =
        check(&handle, "DescribeStateMachine", json!({ "stateMachineArn": arn })).await;
    assert!(answer.get("variableReferences").is_none(), "{answer}");
}

#[tokio::test]
async fn request_errors() {
    let handle = server();
    let body = |name: &str, definition: &str| json!({ "name": name, "definition": definition, "roleArn": ROLE });
    let missing = format!("Resource not found: '{MISSING_MAP_RUN}'");
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        (
            "CreateStateMachine",
            json!({ "definition": PASS, "roleArn": ROLE }),
            "ValidationException",
            "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null",
        ),
        ("CreateStateMachine", body("has space", PASS), "InvalidName", "Invalid Name: 'has space'"),
        ("CreateStateMachine", body("a:b", PASS), "InvalidName", "Invalid Name: 'a:b'"),
        (
            "CreateStateMachine",
            body(&"n".repeat(81), PASS),
            "ValidationException",
            "1 validation error detected: Value at 'name' failed to satisfy constraint: Member must have length less than or equal to 80",
        ),
        (
            "CreateStateMachine",
            body("Broken", r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}"#),
            "InvalidDefinition",
            "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: B at /States/A/Next'",
        ),
        (
            "CreateStateMachine",
            json!({ "name": "T", "definition": PASS, "roleArn": ROLE, "type": "FAST" }),
            "ValidationException",
            "1 validation error detected: Value 'FAST' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]",
        ),
        (
            "CreateStateMachine",
            json!({ "name": 7, "definition": PASS, "roleArn": ROLE }),
            "SerializationException",
            "Expected string for field 'name'",
        ),
        (
            "DescribeStateMachine",
            json!({ "stateMachineArn": "not-an-arn" }),
            "InvalidArn",
            "Invalid Arn: 'Invalid ARN prefix: not-an-arn'",
        ),
        (
            "DescribeExecution",
            json!({ "executionArn": format!("{PREFIX}:execution:M:e") }),
            "ExecutionDoesNotExist",
            "Execution Does Not Exist: 'arn:aws:states:us-east-1:123456789012:execution:M:e'",
        ),
        (
            "GetExecutionHistory",
            json!({ "executionArn": format!("{PREFIX}:express:M:e:1") }),
            "InvalidArn",
            "Invalid Arn: 'Resource type not valid in this context: express'",
        ),
        (
            "ListExecutions",
            json!({ "stateMachineArn": format!("{PREFIX}:stateMachine:M"), "statusFilter": "done" }),
            "ValidationException",
            "1 validation error detected: Value 'done' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [SUCCEEDED, TIMED_OUT, PENDING_REDRIVE, ABORTED, FAILED, RUNNING]",
        ),
        (
            "ListStateMachines",
            json!({ "maxResults": 1001 }),
            "ValidationException",
            "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000",
        ),
        (
            "ListStateMachines",
            json!({ "nextToken": "bogus" }),
            "InvalidToken",
            "Invalid Token: 'bogus'",
        ),
        ("DescribeMapRun", json!({ "mapRunArn": MISSING_MAP_RUN }), "ResourceNotFound", &missing),
        (
            "FlyToTheMoon",
            json!({}),
            "UnknownOperationException",
            "Unknown operation: 'AWSStepFunctions.FlyToTheMoon'",
        ),
    ];
    check_errors(&handle, cases).await;
}

/// Sends each `(action, body)` and asserts its error `__type` and message.
async fn check_errors(handle: &Handle, cases: Vec<(&str, Value, &str, &str)>) {
    for (action, body, aws_type, message) in cases {
        assert_error(&check(handle, action, body).await, aws_type, message);
    }
}

#[tokio::test]
async fn activity_request_errors() {
    let handle = server();
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        (
            "CreateActivity",
            json!({ "name": "activity name" }),
            "InvalidName",
            "Invalid Name: 'activity name'",
        ),
        (
            "DescribeActivity",
            json!({ "activityArn": "no_an_activity_arn" }),
            "InvalidArn",
            "Invalid Arn: 'Invalid ARN prefix: no_an_activity_arn'",
        ),
        (
            "GetActivityTask",
            json!({ "activityArn": format!("{PREFIX}:activity:Nobody") }),
            "ActivityDoesNotExist",
            "Activity Does Not Exist: 'arn:aws:states:us-east-1:123456789012:activity:Nobody'",
        ),
        (
            "SendTaskSuccess",
            json!({ "taskToken": "forged", "output": "{}" }),
            "InvalidToken",
            "Invalid Token: 'Invalid token'",
        ),
        (
            "SendTaskHeartbeat",
            json!({}),
            "ValidationException",
            "1 validation error detected: Value null at 'taskToken' failed to satisfy constraint: Member must not be null",
        ),
    ];
    check_errors(&handle, cases).await;
}

/// Bodies that are not a JSON request: AWS's JSON error shape, never axum's plain text.
#[tokio::test]
async fn malformed_bodies() {
    let handle = server();
    let not_json = send(&handle, "AWSStepFunctions.ListStateMachines", b"{oops".to_vec()).await;
    assert_eq!(not_json.1["__type"], "SerializationException");
    let not_object = send(&handle, "AWSStepFunctions.ListStateMachines", b"[1]".to_vec()).await;
    assert_error(
        &not_object,
        "SerializationException",
        "Start of structure or map found where not expected.",
    );
    let huge = vec![b' '; 8 * 1024 * 1024];
    let (status, too_large) = send(&handle, "AWSStepFunctions.ListStateMachines", huge).await;
    assert_eq!(status, 400);
    assert_eq!(too_large["__type"], "SerializationException");
    let no_target = send(&handle, "", b"{}".to_vec()).await;
    assert_error(&no_target, "UnknownOperationException", "Unknown operation: ''");
    // An empty body is an empty request, as SDKs send for actions without parameters.
    assert_eq!(send(&handle, "AWSStepFunctions.ListStateMachines", Vec::new()).await.0, 200);
}

#[tokio::test]
async fn validate_definition() {
    let handle = server();
    let ok = check(&handle, "ValidateStateMachineDefinition", json!({ "definition": PASS })).await;
    assert_eq!(ok, (200, json!({ "result": "OK", "diagnostics": [], "truncated": false })));
    let broken =
        json!({ "definition": r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}"# });
    let (status, fail) = check(&handle, "ValidateStateMachineDefinition", broken).await;
    assert_eq!(status, 200);
    assert_eq!(fail["result"], "FAIL");
    assert_eq!(fail["diagnostics"][0]["code"], "MISSING_TRANSITION_TARGET");
    assert_eq!(fail["diagnostics"][0]["severity"], "ERROR");
    assert_eq!(fail["diagnostics"][0]["location"], "/States/A/Next");
}

#[tokio::test]
async fn sync_executions() {
    let handle = server();
    let pass = create(&handle, "Quick", PASS, "EXPRESS").await;
    let fail = create(&handle, "Sad", FAIL, "EXPRESS").await;
    let standard = create(&handle, "Slow", PASS, "STANDARD").await;

    let body = json!({ "stateMachineArn": pass, "name": "one", "input": "{\"a\":1}" });
    let (status, answer) = check(&handle, "StartSyncExecution", body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["status"], "SUCCEEDED");
    assert_eq!(answer["output"], r#"{"ok":true}"#);
    assert_eq!(answer["input"], r#"{"a":1}"#);
    assert_eq!(answer["name"], "one");
    let arn = answer["executionArn"].as_str().expect("an ARN");
    assert!(arn.starts_with(&format!("{PREFIX}:express:Quick:one:")), "{arn}");
    assert!(answer["billingDetails"]["billedDurationInMilliseconds"].as_u64() >= Some(100));

    let (_, failed) =
        check(&handle, "StartSyncExecution", json!({ "stateMachineArn": fail })).await;
    assert_eq!(failed["status"], "FAILED");
    assert_eq!(failed["error"], "Oops");
    assert_eq!(failed["cause"], "broken");
    assert!(failed.get("output").is_none());

    let refused =
        check(&handle, "StartSyncExecution", json!({ "stateMachineArn": standard })).await;
    assert_error(
        &refused,
        "StateMachineTypeNotSupported",
        "This operation is not supported by this type of state machine",
    );
    let bad_input = json!({ "stateMachineArn": pass, "input": "{" });
    let (_, invalid) = check(&handle, "StartSyncExecution", bad_input).await;
    assert_eq!(invalid["__type"], "InvalidExecutionInput");
    let empty =
        check(&handle, "StartSyncExecution", json!({ "stateMachineArn": pass, "input": "" })).await;
    assert_error(
        &empty,
        "InvalidExecutionInput",
        "Invalid State Machine Execution Input: 'Invalid execution input.'",
    );
    let big = json!({ "stateMachineArn": pass, "input": format!("\"{}\"", "x".repeat(262_144)) });
    let (_, too_big) = check(&handle, "StartSyncExecution", big).await;
    assert_eq!(too_big["__type"], "ValidationException");

    // AWS keeps no record of Express executions started asynchronously.
    let (status, started) =
        check(&handle, "StartExecution", json!({ "stateMachineArn": pass })).await;
    assert_eq!(status, 200, "{started}");
    let express = started["executionArn"].as_str().expect("an ARN");
    assert!(express.starts_with(&format!("{PREFIX}:express:Quick:")), "{express}");
    let described = check(&handle, "DescribeExecution", json!({ "executionArn": express })).await;
    assert_error(
        &described,
        "InvalidArn",
        "Invalid Arn: 'Resource type not valid in this context: express'",
    );
    let listed = check(&handle, "ListExecutions", json!({ "stateMachineArn": pass })).await;
    assert_error(
        &listed,
        "StateMachineTypeNotSupported",
        "This operation is not supported by this type of state machine",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standard_execution_and_history() {
    let handle = server();
    let machine = create(&handle, "Doubler", DOUBLE, "STANDARD").await;
    let start = json!({ "stateMachineArn": machine, "name": "first", "input": "{\"n\":21}" });
    let (status, started) = check(&handle, "StartExecution", start.clone()).await;
    assert_eq!(status, 200, "{started}");
    let arn = format!("{PREFIX}:execution:Doubler:first");
    assert_eq!(started["executionArn"], arn.as_str());

    // The same name and input while it runs answers with the same execution; once it has
    // ended, or with another input, the name is taken.
    let described = finished(&handle, &arn).await;
    assert_eq!(described["status"], "SUCCEEDED");
    assert_eq!(described["output"], r#"{"n":42}"#);
    assert_eq!(described["input"], r#"{"n":21}"#);
    assert!(described["stopDate"].is_f64());
    assert_eq!(described["redriveCount"], 0);
    assert_eq!(described["redriveStatus"], "NOT_REDRIVABLE");
    assert_eq!(described["redriveStatusReason"], "Execution is SUCCEEDED and cannot be redriven");
    let again = check(&handle, "StartExecution", start).await;
    assert_error(&again, "ExecutionAlreadyExists", &format!("Execution Already Exists: '{arn}'"));

    let (_, history) = check(&handle, "GetExecutionHistory", json!({ "executionArn": arn })).await;
    let types: Vec<&str> = history["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionSucceeded",
            "TaskStateExited",
            "SucceedStateEntered",
            "SucceedStateExited",
            "ExecutionSucceeded",
        ]
    );
    let reversed = json!({ "executionArn": arn, "reverseOrder": true, "maxResults": 2 });
    let (_, page) = check(&handle, "GetExecutionHistory", reversed.clone()).await;
    assert_eq!(page["events"][0]["type"], "ExecutionSucceeded");
    assert_eq!(page["events"][1]["type"], "SucceedStateExited");
    let mut next = reversed;
    next["nextToken"] = page["nextToken"].clone();
    let (_, second) = check(&handle, "GetExecutionHistory", next).await;
    assert_eq!(second["events"][0]["type"], "SucceedStateEntered");
    let quiet = json!({ "executionArn": arn, "includeExecutionData": false });
    let (_, quiet) = check(&handle, "GetExecutionHistory", quiet).await;
    let started_details = &quiet["events"][0]["executionStartedEventDetails"];
    assert!(started_details.get("input").is_none(), "{started_details}");
    assert_eq!(started_details["roleArn"], ROLE);

    let listed = json!({ "stateMachineArn": machine, "statusFilter": "SUCCEEDED" });
    let (_, listed) = check(&handle, "ListExecutions", listed).await;
    assert_eq!(listed["executions"][0]["executionArn"], arn.as_str());
    let running = json!({ "stateMachineArn": machine, "statusFilter": "RUNNING" });
    let (_, running) = check(&handle, "ListExecutions", running).await;
    assert_eq!(running["executions"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_execution() {
    let handle = server();
    let machine = create(&handle, "Stuck", HANG, "STANDARD").await;
    let start = json!({ "stateMachineArn": machine, "name": "wait" });
    let (_, started) = check(&handle, "StartExecution", start.clone()).await;
    let arn = started["executionArn"].as_str().expect("an ARN").to_owned();
    // Starting it again with the same input while it runs is idempotent.
    let (status, again) = check(&handle, "StartExecution", start).await;
    assert_eq!(status, 200);
    assert_eq!(again, started);

    let stop = json!({ "executionArn": arn, "error": "Halt", "cause": "enough" });
    let (status, stopped) = check(&handle, "StopExecution", stop).await;
    assert_eq!(status, 200, "{stopped}");
    assert!(stopped["stopDate"].is_f64());
    let described = finished(&handle, &arn).await;
    assert_eq!(described["status"], "ABORTED");
    assert_eq!(described["error"], "Halt");
    let history = json!({ "executionArn": arn, "reverseOrder": true });
    let (_, history) = check(&handle, "GetExecutionHistory", history).await;
    let last = &history["events"][0];
    assert_eq!(last["type"], "ExecutionAborted");
    assert_eq!(last["executionAbortedEventDetails"], json!({ "error": "Halt", "cause": "enough" }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unrunnable_execution_fails_with_its_reason() {
    let handle = server();
    let machine = create(&handle, "Reader", ITEM_READER, "STANDARD").await;
    let (_, started) =
        check(&handle, "StartExecution", json!({ "stateMachineArn": machine })).await;
    let arn = started["executionArn"].as_str().expect("an ARN").to_owned();
    let described = finished(&handle, &arn).await;
    assert_eq!(described["status"], "FAILED");
    assert_eq!(described["error"], "States.Runtime");
    let cause = described["cause"].as_str().expect("a cause");
    assert!(cause.contains("ItemReader"), "{cause}");
    let (_, history) = check(&handle, "GetExecutionHistory", json!({ "executionArn": arn })).await;
    let events = history["events"].as_array().expect("events");
    assert_eq!(events.len(), 2, "{history}");
    assert_eq!(events[0]["type"], "ExecutionStarted");
    assert_eq!(events[0]["executionStartedEventDetails"]["roleArn"], ROLE);
    let last = &events[1];
    assert_eq!(last["type"], "ExecutionFailed");
    assert_eq!(last["previousEventId"], 1);
    assert_eq!(last["executionFailedEventDetails"]["cause"], cause);
}

/// What only a socket shows: the server answers over HTTP/1.1 and shuts down when asked.
#[tokio::test]
async fn real_listener() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let address = listener.local_addr().expect("an address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async move {
        let _ = stopped.await;
    };
    let service = Options::local().build(Arc::new(Handlers::new()));
    let server = tokio::spawn(service.run(listener, shutdown));

    let mut stream = tokio::net::TcpStream::connect(address).await.expect("a connection");
    let body = "{}";
    let request = format!(
        "POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: AWSStepFunctions.ListStateMachines\r\n\
         Content-Type: application/x-amz-json-1.0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("a request sent");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("a response");
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert!(response.ends_with(r#"{"stateMachines":[]}"#), "{response}");

    stop.send(()).expect("the server listens");
    server.await.expect("the server task").expect("a clean shutdown");
}

async fn create_activity(handle: &Handle, name: &str) -> String {
    let (status, answer) = check(handle, "CreateActivity", json!({ "name": name })).await;
    assert_eq!(status, 200, "{answer}");
    answer["activityArn"].as_str().expect("an ARN").to_owned()
}

/// Starts an execution of a new STANDARD machine and returns its ARN.
async fn start(handle: &Handle, machine_name: &str, definition: &str, input: Value) -> String {
    let machine = create(handle, machine_name, definition, "STANDARD").await;
    let body = json!({ "stateMachineArn": machine, "input": input.to_string() });
    let (status, started) = check(handle, "StartExecution", body).await;
    assert_eq!(status, 200, "{started}");
    started["executionArn"].as_str().expect("an ARN").to_owned()
}

/// Polls `activity` as `worker` and returns the task token and input.
async fn take_task(handle: &Handle, activity: &str, worker: &str) -> (String, Value) {
    let body = json!({ "activityArn": activity, "workerName": worker });
    let (status, task) = check(handle, "GetActivityTask", body).await;
    assert_eq!(status, 200, "{task}");
    let token = task["taskToken"].as_str().expect("a task arrived").to_owned();
    let input = serde_json::from_str(task["input"].as_str().expect("an input")).expect("JSON");
    (token, input)
}

/// A Task state working for `activity`, with `extra` fields (JSON members, may be empty),
/// followed by a Pass state that a `Catch` may go to as well.
fn activity_machine(activity: &str, extra: &str) -> String {
    format!(
        r#"{{"StartAt":"Work","States":{{
            "Work":{{"Type":"Task","Resource":"{activity}"{extra},"Next":"Handled"}},
            "Handled":{{"Type":"Pass","End":true}}}}}}"#
    )
}

#[tokio::test]
async fn activity_lifecycle() {
    let handle = server();
    let arn = create_activity(&handle, "Review").await;
    assert_eq!(arn, format!("{PREFIX}:activity:Review"));
    let (_, described) = check(&handle, "DescribeActivity", json!({ "activityArn": arn })).await;
    assert_eq!(described["name"], "Review");
    assert_eq!(described["encryptionConfiguration"], json!({ "type": "AWS_OWNED_KEY" }));
    // Creating it again (tags differ) answers with the same activity.
    let again = json!({ "name": "Review", "tags": [{ "key": "team", "value": "a" }] });
    let (status, again) = check(&handle, "CreateActivity", again).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["creationDate"], described["creationDate"]);

    create_activity(&handle, "Ship").await;
    let (_, listed) = check(&handle, "ListActivities", json!({ "maxResults": 1 })).await;
    assert_eq!(listed["activities"][0]["name"], "Review");
    let next = json!({ "nextToken": listed["nextToken"].clone() });
    let (_, rest) = check(&handle, "ListActivities", next).await;
    assert_eq!(rest["activities"][0]["name"], "Ship");
    assert!(rest.get("nextToken").is_none(), "{rest}");

    for _ in 0..2 {
        let deleted = check(&handle, "DeleteActivity", json!({ "activityArn": arn })).await;
        assert_eq!(deleted, (200, json!({})));
    }
    let gone = check(&handle, "DescribeActivity", json!({ "activityArn": arn })).await;
    assert_error(&gone, "ActivityDoesNotExist", &format!("Activity Does Not Exist: '{arn}'"));
}

/// A poll that finds nothing answers `{}` after the long-poll wait (on paused time).
#[tokio::test(start_paused = true)]
async fn an_empty_poll_answers_without_a_token() {
    let handle = server();
    let arn = create_activity(&handle, "Idle").await;
    let answer = check(&handle, "GetActivityTask", json!({ "activityArn": arn })).await;
    assert_eq!(answer, (200, json!({})));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activity_workers_finish_an_execution() {
    let handle = server();
    let activity = create_activity(&handle, "Double").await;
    let definition = format!(
        r#"{{"StartAt":"Each","States":{{"Each":{{"Type":"Map","End":true,
            "ItemProcessor":{{"StartAt":"Work","States":{{
                "Work":{{"Type":"Task","Resource":"{activity}","End":true}}}}}}}}}}}}"#
    );
    let arn = start(&handle, "Doubling", &definition, json!([1, 2, 3])).await;

    // Two workers share the tasks; each task goes to exactly one of them.
    let served = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = ["w1", "w2"]
        .into_iter()
        .map(|worker| {
            let (handle, activity, served) =
                (handle.clone(), activity.clone(), Arc::clone(&served));
            tokio::spawn(async move {
                loop {
                    let (token, input) = take_task(&handle, &activity, worker).await;
                    let output = json!({ "doubled": input.as_i64().expect("a number") * 2 });
                    let body = json!({ "taskToken": token, "output": output.to_string() });
                    let answer = check(&handle, "SendTaskSuccess", body).await;
                    assert_eq!(answer, (200, json!({})));
                    served.lock().expect("no worker panicked").push(token);
                }
            })
        })
        .collect();
    let described = finished(&handle, &arn).await;
    for worker in workers {
        worker.abort();
    }
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    assert_eq!(described["output"], r#"[{"doubled":2},{"doubled":4},{"doubled":6}]"#);
    let served = served.lock().expect("no worker panicked").clone();
    assert_eq!(served.len(), 3);
    assert_eq!(served.iter().collect::<BTreeSet<_>>().len(), 3, "a task went to two workers");

    let (_, history) = check(&handle, "GetExecutionHistory", json!({ "executionArn": arn })).await;
    let workers: BTreeSet<&str> = history["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|event| event["type"] == "ActivityStarted")
        .filter_map(|event| event["activityStartedEventDetails"]["workerName"].as_str())
        .collect();
    assert!(!workers.is_empty() && workers.is_subset(&BTreeSet::from(["w1", "w2"])), "{workers:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_task_failure_is_caught() {
    let handle = server();
    let activity = create_activity(&handle, "Judge").await;
    let catch = r#","Catch":[{"ErrorEquals":["Rejected"],"Next":"Handled"}]"#;
    let arn = start(&handle, "Judging", &activity_machine(&activity, catch), json!({"x": 1})).await;
    let (token, input) = take_task(&handle, &activity, "judge").await;
    assert_eq!(input, json!({"x": 1}));

    let bad_output = json!({ "taskToken": token, "output": "{" });
    let (_, invalid) = check(&handle, "SendTaskSuccess", bad_output).await;
    assert_eq!(invalid["__type"], "InvalidOutput", "{invalid}");
    let failure = json!({ "taskToken": token, "error": "Rejected", "cause": "not good" });
    assert_eq!(check(&handle, "SendTaskFailure", failure).await, (200, json!({})));
    let described = finished(&handle, &arn).await;
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    assert_eq!(described["output"], r#"{"Error":"Rejected","Cause":"not good"}"#);
    assert_eq!(
        history_types(&handle, &arn).await,
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "ActivityScheduled",
            "ActivityStarted",
            "ActivityFailed",
            "TaskStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded",
        ]
    );
    // The task is over: its token is refused.
    let late = json!({ "taskToken": token, "output": "{}" });
    assert_error(
        &check(&handle, "SendTaskSuccess", late).await,
        "TaskTimedOut",
        "Task Timed Out: 'Provided task does not exist anymore'",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeats_keep_a_task_alive() {
    let handle = server();
    let activity = create_activity(&handle, "Slow").await;
    let machine = activity_machine(&activity, r#","HeartbeatSeconds":2"#);
    let arn = start(&handle, "Beating", &machine, json!({})).await;
    let (token, _) = take_task(&handle, &activity, "slow").await;
    // Heartbeats well within the deadline, for longer than the deadline.
    let alive_until = Instant::now() + Duration::from_millis(2500);
    while Instant::now() < alive_until {
        let beat = check(&handle, "SendTaskHeartbeat", json!({ "taskToken": token })).await;
        assert_eq!(beat, (200, json!({})));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let success = json!({ "taskToken": token, "output": r#"{"done":true}"# });
    assert_eq!(check(&handle, "SendTaskSuccess", success).await, (200, json!({})));
    let described = finished(&handle, &arn).await;
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    assert_eq!(described["output"], r#"{"done":true}"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_heartbeat_times_the_task_out() {
    let handle = server();
    let activity = create_activity(&handle, "Quiet").await;
    let catch = r#","HeartbeatSeconds":1,"Catch":[{"ErrorEquals":["States.HeartbeatTimeout"],"Next":"Handled"}]"#;
    let arn = start(&handle, "Silent", &activity_machine(&activity, catch), json!({})).await;
    let (token, _) = take_task(&handle, &activity, "quiet").await;
    let described = finished(&handle, &arn).await;
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    let types = history_types(&handle, &arn).await;
    assert!(types.iter().any(|kind| kind == "ActivityTimedOut"), "{types:?}");
    let beat = check(&handle, "SendTaskHeartbeat", json!({ "taskToken": token })).await;
    assert_error(&beat, "TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_activity_fails_the_execution() {
    let handle = server();
    let missing = format!("{PREFIX}:activity:Missing");
    let arn = start(&handle, "Lost", &activity_machine(&missing, ""), json!({})).await;
    let described = finished(&handle, &arn).await;
    assert_eq!(described["status"], "FAILED", "{described}");
    assert_eq!(described["error"], "States.Runtime");
    assert_eq!(
        described["cause"],
        format!(
            "An error occurred while executing the state 'Work' (entered at the event id #2). The activity {missing} does not exist."
        )
    );
}

/// The callback pattern: the function gets the token in its payload; the task ends with what
/// SendTaskSuccess sends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_for_task_token() {
    let handle = server();
    let definition = r#"{"StartAt":"Ask","States":{"Ask":{"Type":"Task",
        "Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters":{"FunctionName":"Notify","Payload":{"token.$":"$$.Task.Token"}},"End":true}}}"#;
    let arn = start(&handle, "Approval", definition, json!({})).await;
    let token = scheduled_token(&handle, &arn).await;
    let success = json!({ "taskToken": token, "output": r#"{"approved":true}"# });
    assert_eq!(check(&handle, "SendTaskSuccess", success).await, (200, json!({})));
    let described = finished(&handle, &arn).await;
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    assert_eq!(described["output"], r#"{"approved":true}"#);
    assert_eq!(
        history_types(&handle, &arn).await,
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded",
        ]
    );
}

/// The task token in the payload of the execution's first `TaskScheduled` event, once it is
/// recorded.
async fn scheduled_token(handle: &Handle, arn: &str) -> String {
    let deadline = Instant::now() + WAIT_MAX;
    while Instant::now() < deadline {
        let (_, history) =
            check(handle, "GetExecutionHistory", json!({ "executionArn": arn })).await;
        let scheduled = history["events"]
            .as_array()
            .expect("events")
            .iter()
            .find(|event| event["type"] == "TaskScheduled")
            .map(|event| event["taskScheduledEventDetails"]["parameters"].clone());
        if let Some(Value::String(parameters)) = scheduled {
            let parameters: Value = serde_json::from_str(&parameters).expect("JSON parameters");
            return parameters["Payload"]["token"].as_str().expect("a token").to_owned();
        }
        tokio::time::sleep(POLL_PAUSE).await;
    }
    panic!("execution {arn} scheduled no task");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_aborts_a_waiting_activity() {
    let handle = server();
    let activity = create_activity(&handle, "Parked").await;
    let arn = start(&handle, "Parking", &activity_machine(&activity, ""), json!({})).await;
    let (token, _) = take_task(&handle, &activity, "parker").await;
    let stop = json!({ "executionArn": arn, "error": "Halt", "cause": "enough" });
    let (status, stopped) = check(&handle, "StopExecution", stop).await;
    assert_eq!(status, 200, "{stopped}");
    // StopExecution answers once the execution has ended.
    let (_, described) = check(&handle, "DescribeExecution", json!({ "executionArn": arn })).await;
    assert_eq!(described["status"], "ABORTED");
    assert_eq!(described["stopDate"], stopped["stopDate"]);
    assert_eq!(
        history_types(&handle, &arn).await,
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "ActivityScheduled",
            "ActivityStarted",
            "ExecutionAborted"
        ]
    );
    let late = json!({ "taskToken": token, "output": "{}" });
    let late = check(&handle, "SendTaskSuccess", late).await;
    assert_error(&late, "TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'");
}

/// One life of a server on the SQLite file in `dir`: its own runtime, so that dropping the node
/// stops everything it runs at whatever point it reached, as a killed process would.
struct Node {
    handle: Handle,
    runtime: tokio::runtime::Runtime,
}

impl Node {
    /// Starts a server on `dir`'s store and resumes what it holds as running; returns it and
    /// how many executions it resumed.
    fn start(dir: &std::path::Path) -> (Node, usize) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let store = baton_api::open_data_dir(dir).expect("the data directory opens");
        let (handle, recovered) = runtime.block_on(async {
            let service = Options::local().build_on(Arc::new(store), Arc::new(Handlers::new()));
            let recovered = service.recover().await.expect("recovery reads the store");
            (service.handle(), recovered)
        });
        (Node { handle, runtime }, recovered)
    }

    fn check(&self, action: &str, body: Value) -> (u16, Value) {
        self.runtime.block_on(check(&self.handle, action, body))
    }

    /// Polls the execution's history until an event of type `kind` is recorded.
    fn wait_for_event(&self, arn: &str, kind: &str) {
        self.runtime.block_on(async {
            let deadline = Instant::now() + WAIT_MAX;
            while Instant::now() < deadline {
                if history_types(&self.handle, arn).await.iter().any(|other| other == kind) {
                    return;
                }
                tokio::time::sleep(POLL_PAUSE).await;
            }
            panic!("execution {arn} recorded no {kind}");
        });
    }

    /// Stops the node as a crash would: the runtime and every task in it go away between two
    /// awaits, and the store closes once the last handle is gone.
    fn kill(self) {
        let Node { handle, runtime } = self;
        drop(handle);
        drop(runtime);
    }
}

/// Asserts that an execution's history is complete: ids 1, 2, 3... each once, every event
/// pointing back at an earlier one, and the types expected.
fn check_history(node: &Node, arn: &str, expected: &[&str]) {
    let (_, history) = node.check("GetExecutionHistory", json!({ "executionArn": arn }));
    let events = history["events"].as_array().expect("events");
    let ids: Vec<u64> = events.iter().map(|event| event["id"].as_u64().expect("an id")).collect();
    let contiguous: Vec<u64> = (1..=ids.len() as u64).collect();
    assert_eq!(ids, contiguous, "every event id once, none missing: {history}");
    for event in events {
        assert!(event["previousEventId"].as_u64() < event["id"].as_u64(), "{event}");
    }
    let types: Vec<&str> = events.iter().filter_map(|event| event["type"].as_str()).collect();
    assert_eq!(types, expected);
}

/// RedriveExecution: a failed execution runs again from its failed state (the states before
/// it do not), its record counts the redrive, a repeated client token answers the same, and
/// what cannot be redriven is refused with AWS's reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redrive_runs_again_what_did_not_finish() {
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut handlers = Handlers::new();
    let counted = Arc::clone(&calls);
    handlers.register("Once", move |_input: Value| {
        let call = counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        async move {
            if call == 0 {
                Err(baton_integrations::TaskError::new("Flaky", "the first call fails"))
            } else {
                Ok(json!({ "call": call }))
            }
        }
    });
    let handle = Options::local().build(Arc::new(handlers)).handle();
    let definition = r#"{"StartAt":"Prepare","States":{
        "Prepare":{"Type":"Pass","Result":"ready","ResultPath":"$.prepared","Next":"Work"},
        "Work":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:Once","End":true}}}"#;
    let machine = create(&handle, "Redriven", definition, "STANDARD").await;
    let start = json!({ "stateMachineArn": machine, "name": "once" });
    let (_, started) = check(&handle, "StartExecution", start).await;
    let arn = started["executionArn"].as_str().expect("an ARN").to_owned();
    let failed = finished(&handle, &arn).await;
    assert_eq!(failed["status"], "FAILED", "{failed}");
    assert_eq!(failed["redriveStatus"], "REDRIVABLE", "{failed}");
    assert_eq!(failed["redriveCount"], 0);
    assert!(failed.get("redriveDate").is_none(), "{failed}");

    let redrive = json!({ "executionArn": arn, "clientToken": "first-try" });
    let (status, redriven) = check(&handle, "RedriveExecution", redrive.clone()).await;
    assert_eq!(status, 200, "{redriven}");
    assert!(redriven["redriveDate"].is_f64(), "{redriven}");
    let described = finished(&handle, &arn).await;
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    assert_eq!(described["output"], r#"{"call":1}"#);
    assert_eq!(described["redriveCount"], 1);
    assert_eq!(described["redriveDate"], redriven["redriveDate"]);
    assert_eq!(described["startDate"], failed["startDate"]);
    assert_eq!(described["redriveStatusReason"], "Execution is SUCCEEDED and cannot be redriven");
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 2);
    // The same client token again answers as before and redrives nothing.
    let (status, repeated) = check(&handle, "RedriveExecution", redrive).await;
    assert_eq!((status, &repeated), (200, &redriven));
    let another = json!({ "executionArn": arn, "clientToken": "second-try" });
    assert_error(
        &check(&handle, "RedriveExecution", another).await,
        "ExecutionNotRedrivable",
        "Execution is SUCCEEDED and cannot be redriven",
    );

    let (_, history) = check(&handle, "GetExecutionHistory", json!({ "executionArn": arn })).await;
    let events = history["events"].as_array().expect("events");
    let types: Vec<&str> = events.iter().filter_map(|event| event["type"].as_str()).collect();
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "TaskStateEntered",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionFailed",
            "ExecutionFailed",
            "ExecutionRedriven",
            "TaskStateEntered",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded",
        ]
    );
    assert_eq!(events[8]["executionRedrivenEventDetails"], json!({ "redriveCount": 1 }));
    assert_eq!(
        events[9]["stateEnteredEventDetails"]["input"],
        events[3]["stateEnteredEventDetails"]["input"]
    );

    let list = |filter: &str| {
        let body = json!({ "stateMachineArn": machine, "redriveFilter": filter });
        check(&handle, "ListExecutions", body)
    };
    let (_, redriven_list) = list("REDRIVEN").await;
    assert_eq!(redriven_list["executions"][0]["name"], "once", "{redriven_list}");
    assert_eq!(redriven_list["executions"][0]["redriveCount"], 1);
    assert_eq!(redriven_list["executions"][0]["redriveDate"], redriven["redriveDate"]);
    assert_eq!(list("NOT_REDRIVEN").await.1, json!({ "executions": [] }));
}

/// RedriveExecution's request errors: an unknown execution, and client tokens out of shape.
#[tokio::test]
async fn redrive_request_errors() {
    let handle = server();
    let arn = format!("{PREFIX}:execution:Redriven:ghost");
    assert_error(
        &check(&handle, "RedriveExecution", json!({ "executionArn": arn })).await,
        "ExecutionDoesNotExist",
        &format!("Execution Does Not Exist: '{arn}'"),
    );
    assert_error(
        &check(&handle, "RedriveExecution", json!({ "executionArn": arn, "clientToken": "a b" }))
            .await,
        "ValidationException",
        "1 validation error detected: Value 'a b' at 'clientToken' failed to satisfy constraint: Member must satisfy regular expression pattern: [!-~]+",
    );
    let long = json!({ "executionArn": arn, "clientToken": "t".repeat(65) });
    assert_error(
        &check(&handle, "RedriveExecution", long).await,
        "ValidationException",
        "1 validation error detected: Value at 'clientToken' failed to satisfy constraint: Member must have length less than or equal to 64",
    );
}

/// DescribeMapRun and ListMapRuns follow a Distributed Map's run while its child executions
/// wait for a worker; UpdateMapRun raises its concurrency; the ended run keeps its counts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn map_runs_are_described_listed_and_updated() {
    let handle = server();
    let activity = create_activity(&handle, "Item").await;
    let definition = json!({"StartAt": "Each", "States": {"Each": {"Type": "Map",
        "Label": "Batch", "MaxConcurrency": 1,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": activity,
                "End": true}}},
        "End": true}}})
    .to_string();
    let arn = start(&handle, "MapRuns", &definition, json!([1, 2, 3])).await;
    let (first_token, _) = take_task(&handle, &activity, "w").await;

    let (status, listed) = check(&handle, "ListMapRuns", json!({ "executionArn": arn })).await;
    assert_eq!(status, 200, "{listed}");
    let runs = listed["mapRuns"].as_array().expect("mapRuns");
    assert_eq!(runs.len(), 1, "{listed}");
    let map_run = runs[0]["mapRunArn"].as_str().expect("an ARN").to_owned();
    assert!(map_run.starts_with(&format!("{PREFIX}:mapRun:MapRuns/Batch:")), "{map_run}");
    assert_eq!(runs[0]["stateMachineArn"], format!("{PREFIX}:stateMachine:MapRuns/Batch"));
    assert_eq!(runs[0]["executionArn"], arn.as_str());
    let describe = json!({ "mapRunArn": map_run });
    let (_, running) = check(&handle, "DescribeMapRun", describe.clone()).await;
    assert_eq!(running["status"], "RUNNING", "{running}");
    assert_eq!(running["maxConcurrency"], 1);
    let counts = |described: &Value, field: &str| -> Vec<u64> {
        ["total", "pending", "running", "succeeded", "failed", "aborted"]
            .iter()
            .map(|count| described[field][count].as_u64().expect("a count"))
            .collect()
    };
    assert_eq!(counts(&running, "executionCounts"), [3, 2, 1, 0, 0, 0]);
    assert_eq!(running["itemCounts"], running["executionCounts"]);

    let update = json!({ "mapRunArn": map_run, "maxConcurrency": 3 });
    let (status, updated) = check(&handle, "UpdateMapRun", update).await;
    assert_eq!((status, &updated), (200, &json!({})));
    // The answer comes once the new limit is durable.
    let (_, widened) = check(&handle, "DescribeMapRun", describe.clone()).await;
    assert_eq!(widened["maxConcurrency"], 3);
    let mut tokens = vec![first_token];
    for _ in 0..2 {
        tokens.push(take_task(&handle, &activity, "w").await.0);
    }
    let (_, widened) = check(&handle, "DescribeMapRun", describe.clone()).await;
    assert_eq!(widened["maxConcurrency"], 3);
    assert_eq!(counts(&widened, "executionCounts"), [3, 0, 3, 0, 0, 0]);
    for token in tokens {
        let done = json!({ "taskToken": token, "output": "{}" });
        assert_eq!(check(&handle, "SendTaskSuccess", done).await.0, 200);
    }
    assert_eq!(finished(&handle, &arn).await["status"], "SUCCEEDED");
    let (_, ended) = check(&handle, "DescribeMapRun", describe).await;
    assert_eq!(ended["status"], "SUCCEEDED", "{ended}");
    assert_eq!(counts(&ended, "executionCounts"), [3, 0, 0, 3, 0, 0]);
    assert!(ended["stopDate"].as_f64() >= ended["startDate"].as_f64(), "{ended}");
    let (_, listed) = check(&handle, "ListMapRuns", json!({ "executionArn": arn })).await;
    assert_eq!(listed["mapRuns"][0]["stopDate"], ended["stopDate"]);

    assert_error(
        &check(&handle, "UpdateMapRun", json!({ "mapRunArn": map_run, "maxConcurrency": 2 })).await,
        "ValidationException",
        &format!("Map Run {map_run} is SUCCEEDED and can no longer be updated"),
    );
    let too_tolerant = json!({ "mapRunArn": map_run, "toleratedFailurePercentage": 101 });
    assert_error(
        &check(&handle, "UpdateMapRun", too_tolerant).await,
        "ValidationException",
        "1 validation error detected: Value '101' at 'toleratedFailurePercentage' failed to satisfy constraint: Member must have value less than or equal to 100.0",
    );
    let ghost = format!("{PREFIX}:execution:MapRuns:ghost");
    assert_error(
        &check(&handle, "ListMapRuns", json!({ "executionArn": ghost })).await,
        "ExecutionDoesNotExist",
        &format!("Execution Does Not Exist: '{ghost}'"),
    );
}

/// An aborted execution whose activity task was cut short is redriven after a restart, from
/// the snapshot its SQLite file kept: the task is scheduled again and a worker completes it.
#[test]
fn an_aborted_execution_is_redriven_after_a_restart() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (node, _) = Node::start(dir.path());
    let activity = node.runtime.block_on(create_activity(&node.handle, "Approve"));
    let definition = activity_machine(&activity, "");
    let arn = node.runtime.block_on(start(&node.handle, "Approval", &definition, json!({"n": 1})));
    node.wait_for_event(&arn, "ActivityScheduled");
    let (status, _) = node.check("StopExecution", json!({ "executionArn": arn }));
    assert_eq!(status, 200);
    node.kill();

    let (node, recovered) = Node::start(dir.path());
    assert_eq!(recovered, 0);
    let (status, redriven) = node.check("RedriveExecution", json!({ "executionArn": arn }));
    assert_eq!(status, 200, "{redriven}");
    let (_, described) = node.check("DescribeExecution", json!({ "executionArn": arn }));
    assert_eq!(described["status"], "RUNNING", "{described}");
    assert_error(
        &node.check("RedriveExecution", json!({ "executionArn": arn })),
        "ExecutionNotRedrivable",
        "Execution is RUNNING and cannot be redriven",
    );
    let (token, input) = node.runtime.block_on(take_task(&node.handle, &activity, "w"));
    assert_eq!(input, json!({"n": 1}));
    let done = json!({ "taskToken": token, "output": "{\"approved\":true}" });
    assert_eq!(node.check("SendTaskSuccess", done).0, 200);
    let described = node.runtime.block_on(finished(&node.handle, &arn));
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    check_history(
        &node,
        &arn,
        &[
            "ExecutionStarted",
            "TaskStateEntered",
            "ActivityScheduled",
            "ExecutionAborted",
            "ExecutionRedriven",
            "TaskStateEntered",
            "ActivityScheduled",
            "ActivityStarted",
            "ActivitySucceeded",
            "TaskStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded",
        ],
    );
    node.kill();
}

/// A store that refuses the first step of a new execution (here: shut down under the server)
/// makes StartExecution answer a 500 that clients retry, not wait forever for a step that
/// will never be durable.
#[test]
fn a_start_the_store_refuses_is_a_server_error() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = baton_api::open_data_dir(dir.path()).expect("the data directory opens");
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let service = Options::local().build_on(Arc::new(store.clone()), Arc::new(Handlers::new()));
    let handle = service.handle();
    let definition = r#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#;
    let machine = runtime.block_on(create(&handle, "Refused", definition, "STANDARD"));
    store.shutdown().expect("the store shuts down");
    let start = json!({ "stateMachineArn": machine, "name": "never" });
    let answer = runtime.block_on(async {
        tokio::time::timeout(WAIT_MAX, check(&handle, "StartExecution", start))
            .await
            .expect("StartExecution answers")
    });
    assert_eq!(answer.0, 500, "{answer:?}");
    assert_eq!(answer.1["__type"], "InternalServerError", "{answer:?}");
}

/// A Wait whose timer was set before the crash fires after the restart, and the execution
/// ends with the history an uninterrupted run has.
#[test]
fn a_wait_survives_a_restart() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (node, recovered) = Node::start(dir.path());
    assert_eq!(recovered, 0);
    let definition = r#"{"StartAt":"Before","States":{
        "Before":{"Type":"Pass","Result":{"n":1},"Next":"Nap"},
        "Nap":{"Type":"Wait","Seconds":2,"Next":"After"},
        "After":{"Type":"Pass","End":true}}}"#;
    let body = json!({ "name": "Napper", "definition": definition, "roleArn": ROLE });
    let (_, created) = node.check("CreateStateMachine", body);
    let machine = created["stateMachineArn"].as_str().expect("an ARN").to_owned();
    let start = json!({ "stateMachineArn": machine, "name": "nap" });
    let (status, started) = node.check("StartExecution", start);
    assert_eq!(status, 200, "{started}");
    let arn = started["executionArn"].as_str().expect("an ARN").to_owned();
    // StartExecution answers once the first step is durable: the execution waits in Nap.
    let (_, described) = node.check("DescribeExecution", json!({ "executionArn": arn }));
    assert_eq!(described["status"], "RUNNING", "{described}");
    node.wait_for_event(&arn, "WaitStateEntered");
    node.kill();

    let (node, recovered) = Node::start(dir.path());
    assert_eq!(recovered, 1);
    let described = node.runtime.block_on(finished(&node.handle, &arn));
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    assert_eq!(described["output"], r#"{"n":1}"#);
    check_history(
        &node,
        &arn,
        &[
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "WaitStateEntered",
            "WaitStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded",
        ],
    );
    // What was durable before the crash is still there: the machine, and the name is taken.
    let again = node.check("StartExecution", json!({ "stateMachineArn": machine, "name": "nap" }));
    assert_error(&again, "ExecutionAlreadyExists", &format!("Execution Already Exists: '{arn}'"));
    node.kill();
    let (_, recovered) = Node::start(dir.path());
    assert_eq!(recovered, 0, "a finished execution does not run again");
}

/// An activity task scheduled before a crash reaches a worker after the restart: still queued
/// (`taken_before: false`), it is handed out then; taken by a worker before the crash
/// (`taken_before: true`), that worker's token still completes it.
fn check_activity_across_restart(taken_before: bool) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (node, _) = Node::start(dir.path());
    let (_, activity) = node.check("CreateActivity", json!({ "name": "Review" }));
    let activity = activity["activityArn"].as_str().expect("an ARN").to_owned();
    let body = json!({
        "name": "Reviewing",
        "definition": activity_machine(&activity, ""),
        "roleArn": ROLE,
    });
    let (_, created) = node.check("CreateStateMachine", body);
    let machine = created["stateMachineArn"].as_str().expect("an ARN");
    let start = json!({ "stateMachineArn": machine, "input": r#"{"doc":7}"# });
    let (_, started) = node.check("StartExecution", start);
    let arn = started["executionArn"].as_str().expect("an ARN").to_owned();
    node.wait_for_event(&arn, "ActivityScheduled");
    let taken =
        taken_before.then(|| node.runtime.block_on(take_task(&node.handle, &activity, "before")));
    node.kill();

    let (node, recovered) = Node::start(dir.path());
    assert_eq!(recovered, 1);
    let (token, input) = match taken {
        Some(taken) => taken,
        None => node.runtime.block_on(take_task(&node.handle, &activity, "after")),
    };
    assert_eq!(input, json!({"doc": 7}));
    let success = json!({ "taskToken": token, "output": r#"{"approved":true}"# });
    assert_eq!(node.check("SendTaskSuccess", success), (200, json!({})));
    let described = node.runtime.block_on(finished(&node.handle, &arn));
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    check_history(
        &node,
        &arn,
        &[
            "ExecutionStarted",
            "TaskStateEntered",
            "ActivityScheduled",
            "ActivityStarted",
            "ActivitySucceeded",
            "TaskStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded",
        ],
    );
}

#[test]
fn a_queued_activity_task_is_handed_out_after_a_restart() {
    check_activity_across_restart(false);
}

#[test]
fn a_taken_activity_task_is_completed_after_a_restart() {
    check_activity_across_restart(true);
}

#[tokio::test]
async fn update_state_machine_request_errors() {
    let handle = server();
    let arn = create(&handle, "Updated", PASS, "STANDARD").await;
    let update = |fields: Value| {
        let mut body = json!({ "stateMachineArn": arn });
        body.as_object_mut()
            .expect("an object")
            .extend(fields.as_object().cloned().unwrap_or_default());
        body
    };
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        (
            "UpdateStateMachine",
            update(json!({})),
            "MissingRequiredParameter",
            "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified",
        ),
        (
            "UpdateStateMachine",
            update(json!({ "definition": PASS, "versionDescription": "v" })),
            "ValidationException",
            "Version description can only be set when publish is true",
        ),
        (
            "UpdateStateMachine",
            update(
                json!({ "definition": r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}"# }),
            ),
            "InvalidDefinition",
            "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: B at /States/A/Next'",
        ),
        (
            "UpdateStateMachine",
            update(json!({ "loggingConfiguration": { "level": "LOUD" } })),
            "ValidationException",
            "1 validation error detected: Value 'LOUD' at 'loggingConfiguration.level' failed to satisfy constraint: Member must satisfy enum value set: [ALL, ERROR, FATAL, OFF]",
        ),
        (
            "UpdateStateMachine",
            update(json!({ "loggingConfiguration": { "level": "ALL" } })),
            "InvalidLoggingConfiguration",
            "Invalid Logging Configuration: Must specify exactly 1 Log Destination.",
        ),
        (
            "UpdateStateMachine",
            json!({ "stateMachineArn": format!("{PREFIX}:stateMachine:Nobody"), "roleArn": ROLE }),
            "StateMachineDoesNotExist",
            "State Machine Does Not Exist: 'arn:aws:states:us-east-1:123456789012:stateMachine:Nobody'",
        ),
        (
            "DescribeStateMachineForExecution",
            json!({ "executionArn": format!("{PREFIX}:execution:Updated:none") }),
            "ExecutionDoesNotExist",
            "Execution Does Not Exist: 'arn:aws:states:us-east-1:123456789012:execution:Updated:none'",
        ),
    ];
    check_errors(&handle, cases).await;
    // Nothing of the refused updates was applied.
    let (_, described) =
        check(&handle, "DescribeStateMachine", json!({ "stateMachineArn": arn })).await;
    assert_eq!(described["definition"], PASS);
    assert!(described.get("revisionId").is_none(), "{described}");
}

#[tokio::test]
async fn update_state_machine_makes_revisions() {
    let handle = server();
    let arn = create(&handle, "Revised", PASS, "STANDARD").await;
    let describe = || check(&handle, "DescribeStateMachine", json!({ "stateMachineArn": arn }));

    let body = json!({ "stateMachineArn": arn, "definition": DOUBLE });
    let (status, first) = check(&handle, "UpdateStateMachine", body.clone()).await;
    assert_eq!(status, 200, "{first}");
    assert!(first["updateDate"].is_f64(), "{first}");
    let revision = first["revisionId"].as_str().expect("a revision").to_owned();
    let (_, described) = describe().await;
    assert_eq!(described["definition"], DOUBLE);
    assert_eq!(described["revisionId"], revision.as_str());
    assert!(described.get("updateDate").is_none(), "DescribeStateMachine has none: {described}");

    // The same update again changes nothing and keeps the revision.
    let (_, same) = check(&handle, "UpdateStateMachine", body).await;
    assert_eq!(same["revisionId"], revision.as_str());

    let other_role = "arn:aws:iam::123456789012:role/other";
    let role = json!({
        "stateMachineArn": arn,
        "roleArn": other_role,
        "loggingConfiguration": { "level": "OFF", "includeExecutionData": true },
        "tracingConfiguration": { "enabled": true },
    });
    let (_, second) = check(&handle, "UpdateStateMachine", role).await;
    assert_ne!(second["revisionId"], revision.as_str());
    let (_, described) = describe().await;
    assert_eq!(described["roleArn"], other_role);
    assert_eq!(described["definition"], DOUBLE);
    assert_eq!(described["revisionId"], second["revisionId"]);
    assert_eq!(
        described["loggingConfiguration"],
        json!({ "level": "OFF", "includeExecutionData": true })
    );
    assert_eq!(described["tracingConfiguration"], json!({ "enabled": true }));
    assert_eq!(described["encryptionConfiguration"], json!({ "type": "AWS_OWNED_KEY" }));
}

/// An execution runs, and describes, the revision it started on; a later one the new one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_execution_keeps_its_revision() {
    let handle = server();
    let activity = create_activity(&handle, "Approve").await;
    let before = activity_machine(&activity, "");
    let old = start(&handle, "Approving", &before, json!({ "n": 3 })).await;
    let machine = format!("{PREFIX}:stateMachine:Approving");
    let (_, updated) = check(
        &handle,
        "UpdateStateMachine",
        json!({ "stateMachineArn": machine, "definition": DOUBLE }),
    )
    .await;
    let revision = updated["revisionId"].clone();

    let for_old = json!({ "executionArn": old });
    let (status, described) = check(&handle, "DescribeStateMachineForExecution", for_old).await;
    assert_eq!(status, 200, "{described}");
    assert_eq!(described["definition"], before.as_str());
    assert_eq!(described["stateMachineArn"], machine.as_str());
    assert_eq!(described["name"], "Approving");
    assert_eq!(described["roleArn"], ROLE);
    assert!(described["updateDate"].is_f64(), "{described}");
    assert!(described.get("revisionId").is_none(), "the created revision: {described}");

    let body = json!({ "stateMachineArn": machine, "input": r#"{"n":3}"# });
    let (_, started) = check(&handle, "StartExecution", body).await;
    let new = started["executionArn"].as_str().expect("an ARN").to_owned();
    assert_eq!(finished(&handle, &new).await["output"], r#"{"n":6}"#);
    let (_, described) =
        check(&handle, "DescribeStateMachineForExecution", json!({ "executionArn": new })).await;
    assert_eq!(described["definition"], DOUBLE);
    assert_eq!(described["revisionId"], revision);

    let (token, _) = take_task(&handle, &activity, "w").await;
    let success = json!({ "taskToken": token, "output": r#"{"old":true}"# });
    assert_eq!(check(&handle, "SendTaskSuccess", success).await, (200, json!({})));
    assert_eq!(finished(&handle, &old).await["output"], r#"{"old":true}"#);
}

/// An update while an execution waits does not change what it runs after a restart: recovery
/// resumes it on the revision it started on, which the store kept.
#[test]
fn a_revision_survives_an_update_and_a_restart() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (node, _) = Node::start(dir.path());
    let (_, activity) = node.check("CreateActivity", json!({ "name": "Sign" }));
    let activity = activity["activityArn"].as_str().expect("an ARN").to_owned();
    let before = activity_machine(&activity, "");
    let body = json!({ "name": "Signing", "definition": before, "roleArn": ROLE });
    let (_, created) = node.check("CreateStateMachine", body);
    let machine = created["stateMachineArn"].as_str().expect("an ARN").to_owned();
    let (_, started) = node.check("StartExecution", json!({ "stateMachineArn": machine }));
    let arn = started["executionArn"].as_str().expect("an ARN").to_owned();
    node.wait_for_event(&arn, "ActivityScheduled");
    let update = json!({ "stateMachineArn": machine, "definition": PASS });
    assert_eq!(node.check("UpdateStateMachine", update).0, 200);
    node.kill();

    let (node, recovered) = Node::start(dir.path());
    assert_eq!(recovered, 1);
    let (_, described) =
        node.check("DescribeStateMachineForExecution", json!({ "executionArn": arn }));
    assert_eq!(described["definition"], before.as_str());
    let (token, _) = node.runtime.block_on(take_task(&node.handle, &activity, "w"));
    let success = json!({ "taskToken": token, "output": "{}" });
    assert_eq!(node.check("SendTaskSuccess", success), (200, json!({})));
    let described = node.runtime.block_on(finished(&node.handle, &arn));
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    check_history(
        &node,
        &arn,
        &[
            "ExecutionStarted",
            "TaskStateEntered",
            "ActivityScheduled",
            "ActivityStarted",
            "ActivitySucceeded",
            "TaskStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded",
        ],
    );
    let (_, current) = node.check("DescribeStateMachine", json!({ "stateMachineArn": machine }));
    assert_eq!(current["definition"], PASS);
}

/// `count` tags `k0`, `k1`... with value `v`.
fn tag_list(count: usize) -> Value {
    (0..count).map(|index| json!({ "key": format!("k{index}"), "value": "v" })).collect()
}

#[tokio::test]
async fn tags_on_state_machines_and_activities() {
    let handle = server();
    let body = json!({
        "name": "Tagged",
        "definition": PASS,
        "roleArn": ROLE,
        "tags": [{ "key": "team", "value": "core" }, { "key": "env", "value": "dev" }],
    });
    let (_, created) = check(&handle, "CreateStateMachine", body).await;
    let machine = created["stateMachineArn"].as_str().expect("an ARN").to_owned();
    let list = |arn: &str| check(&handle, "ListTagsForResource", json!({ "resourceArn": arn }));
    assert_eq!(
        list(&machine).await,
        (
            200,
            json!({ "tags": [{ "key": "env", "value": "dev" }, { "key": "team", "value": "core" }] })
        )
    );
    let tag = json!({
        "resourceArn": machine,
        "tags": [{ "key": "team", "value": "edge" }, { "key": "cost", "value": "" }],
    });
    assert_eq!(check(&handle, "TagResource", tag).await, (200, json!({})));
    let untag = json!({ "resourceArn": machine, "tagKeys": ["env", "absent"] });
    assert_eq!(check(&handle, "UntagResource", untag).await, (200, json!({})));
    assert_eq!(
        list(&machine).await.1,
        json!({ "tags": [{ "key": "cost", "value": "" }, { "key": "team", "value": "edge" }] })
    );

    let body = json!({ "name": "TaggedQueue", "tags": [{ "key": "team", "value": "ops" }] });
    let (_, activity) = check(&handle, "CreateActivity", body).await;
    let activity = activity["activityArn"].as_str().expect("an ARN").to_owned();
    assert_eq!(list(&activity).await.1, json!({ "tags": [{ "key": "team", "value": "ops" }] }));
    let untag = json!({ "resourceArn": activity, "tagKeys": ["team"] });
    assert_eq!(check(&handle, "UntagResource", untag).await, (200, json!({})));
    assert_eq!(list(&activity).await.1, json!({ "tags": [] }));

    // The limit counts the tags there are and the new ones; replacing a value adds none.
    let full = json!({ "resourceArn": activity, "tags": tag_list(50) });
    assert_eq!(check(&handle, "TagResource", full).await.0, 200);
    let same = json!({ "resourceArn": activity, "tags": [{ "key": "k0", "value": "w" }] });
    assert_eq!(check(&handle, "TagResource", same).await.0, 200);
    let over = json!({ "resourceArn": activity, "tags": [{ "key": "k50", "value": "v" }] });
    assert_error(
        &check(&handle, "TagResource", over).await,
        "TooManyTags",
        &format!("Too many tags: '{activity}' may have at most 50 tags"),
    );
    assert_eq!(list(&activity).await.1["tags"].as_array().map(Vec::len), Some(50));
}

#[tokio::test]
async fn tag_request_errors() {
    let handle = server();
    let machine = create(&handle, "Plain", PASS, "STANDARD").await;
    let tag = |tags: Value| json!({ "resourceArn": machine, "tags": tags });
    let one = |key: &str, value: &str| tag(json!([{ "key": key, "value": value }]));
    let nobody = format!("{PREFIX}:stateMachine:Nobody");
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        (
            "TagResource",
            json!({ "resourceArn": nobody, "tags": [] }),
            "ResourceNotFound",
            "Resource not found: 'arn:aws:states:us-east-1:123456789012:stateMachine:Nobody'",
        ),
        (
            "ListTagsForResource",
            json!({ "resourceArn": format!("{PREFIX}:activity:Nobody") }),
            "ResourceNotFound",
            "Resource not found: 'arn:aws:states:us-east-1:123456789012:activity:Nobody'",
        ),
        (
            "UntagResource",
            json!({ "resourceArn": nobody, "tagKeys": [] }),
            "ResourceNotFound",
            "Resource not found: 'arn:aws:states:us-east-1:123456789012:stateMachine:Nobody'",
        ),
        (
            "ListTagsForResource",
            json!({ "resourceArn": format!("{PREFIX}:execution:Plain:e") }),
            "InvalidArn",
            "Invalid Arn: 'Resource type not valid in this context: execution'",
        ),
        (
            "TagResource",
            json!({ "resourceArn": machine }),
            "ValidationException",
            "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null",
        ),
        (
            "TagResource",
            tag(json!([{ "value": "v" }])),
            "ValidationException",
            "1 validation error detected: Value null at 'tags.1.member.key' failed to satisfy constraint: Member must not be null",
        ),
        (
            "TagResource",
            tag(json!([{ "key": "k" }])),
            "ValidationException",
            "1 validation error detected: Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null",
        ),
        (
            "TagResource",
            one("aws:owner", "v"),
            "ValidationException",
            "1 validation error detected: Value 'aws:owner' at 'tags.1.member.key' failed to satisfy constraint: Tag keys starting with 'aws:' are reserved for AWS",
        ),
        (
            "TagResource",
            one("", "v"),
            "ValidationException",
            "1 validation error detected: Value '' at 'tags.1.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ),
        (
            "TagResource",
            one(&"k".repeat(129), "v"),
            "ValidationException",
            "1 validation error detected: Value at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128",
        ),
        (
            "TagResource",
            one("k", &"v".repeat(257)),
            "ValidationException",
            "1 validation error detected: Value at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 256",
        ),
        (
            "TagResource",
            one("k", "a#b"),
            "ValidationException",
            "1 validation error detected: Value 'a#b' at 'tags.1.member.value' failed to satisfy constraint: Tags may only contain Unicode letters, digits, white space, or these symbols: _.:/=+-@",
        ),
        (
            "UntagResource",
            json!({ "resourceArn": machine, "tagKeys": "k" }),
            "SerializationException",
            "Expected list for field 'tagKeys'",
        ),
    ];
    check_errors(&handle, cases).await;
    let listed = check(&handle, "ListTagsForResource", json!({ "resourceArn": machine })).await;
    assert_eq!(listed.1, json!({ "tags": [] }), "nothing refused was tagged");
}

#[tokio::test]
async fn tags_at_creation_are_checked() {
    let handle = server();
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        (
            "CreateStateMachine",
            json!({ "name": "Many", "definition": PASS, "roleArn": ROLE, "tags": tag_list(51) }),
            "ValidationException",
            "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have at most 50 distinct keys",
        ),
        (
            "CreateActivity",
            json!({ "name": "Reserved", "tags": [{ "key": "AWS:x", "value": "" }] }),
            "ValidationException",
            "1 validation error detected: Value 'AWS:x' at 'tags.1.member.key' failed to satisfy constraint: Tag keys starting with 'aws:' are reserved for AWS",
        ),
    ];
    check_errors(&handle, cases).await;
    // Nothing refused was created.
    let missing = json!({ "stateMachineArn": format!("{PREFIX}:stateMachine:Many") });
    assert_eq!(
        check(&handle, "DescribeStateMachine", missing).await.1["__type"],
        "StateMachineDoesNotExist"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_executions_filters_and_pages() {
    let handle = server();
    let machine = create(&handle, "Listed", DOUBLE, "STANDARD").await;
    let mut arns = Vec::new();
    for index in 0..3 {
        let body = json!({ "stateMachineArn": machine, "name": format!("e{index}") });
        let (_, started) = check(&handle, "StartExecution", body).await;
        let arn = started["executionArn"].as_str().expect("an ARN").to_owned();
        finished(&handle, &arn).await;
        arns.push(arn);
    }
    let list = |fields: Value| {
        let mut body = json!({ "stateMachineArn": machine });
        body.as_object_mut()
            .expect("an object")
            .extend(fields.as_object().cloned().unwrap_or_default());
        check(&handle, "ListExecutions", body)
    };
    let names = |page: &Value| -> Vec<String> {
        page["executions"]
            .as_array()
            .expect("executions")
            .iter()
            .map(|e| e["name"].as_str().unwrap_or_default().to_owned())
            .collect()
    };

    // Newest first, two at a time.
    let (_, first) = list(json!({ "maxResults": 2 })).await;
    let mut seen = names(&first);
    let (_, second) = list(json!({ "maxResults": 2, "nextToken": first["nextToken"] })).await;
    assert!(second.get("nextToken").is_none(), "{second}");
    seen.extend(names(&second));
    assert_eq!(seen, ["e2", "e1", "e0"]);

    assert_eq!(names(&list(json!({ "statusFilter": "SUCCEEDED" })).await.1).len(), 3);
    assert_eq!(list(json!({ "statusFilter": "RUNNING" })).await.1, json!({ "executions": [] }));
    assert_eq!(names(&list(json!({ "redriveFilter": "NOT_REDRIVEN" })).await.1).len(), 3);
    assert_eq!(list(json!({ "redriveFilter": "REDRIVEN" })).await.1, json!({ "executions": [] }));

    assert_error(
        &list(json!({ "redriveFilter": "SOMETIMES" })).await,
        "ValidationException",
        "1 validation error detected: Value 'SOMETIMES' at 'redriveFilter' failed to satisfy constraint: Member must satisfy enum value set: [REDRIVEN, NOT_REDRIVEN]",
    );
    assert_error(
        &list(json!({ "nextToken": "forged" })).await,
        "InvalidToken",
        "Invalid Token: 'forged'",
    );
    let map_run = json!({ "mapRunArn": format!("{PREFIX}:mapRun:Listed/m:1") });
    assert_error(
        &check(&handle, "ListExecutions", map_run).await,
        "UnsupportedOperation",
        "Baton does not support listing a Map Run's child executions (ListExecutions mapRunArn) yet",
    );
}

// Nested executions: `arn:aws:states:::states:startExecution` (see actions/nested.rs).

/// A parent whose `Call` state starts `child` with the integration `resource`, passing its own
/// execution id as AWS documents, and whose output is the task's result.
fn nested_parent(resource: &str, child: &str, extra: &str) -> String {
    format!(
        r#"{{"StartAt":"Call","States":{{"Call":{{"Type":"Task","Resource":"{resource}",
            "Parameters":{{"StateMachineArn":"{child}","Input":{{"n.$":"$.n",
            "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$":"$$.Execution.Id"}}{extra}}},
            "End":true}}}}}}"#
    )
}

/// The executions of a state machine, newest first, once there are `count` of them.
async fn executions_of(handle: &Handle, machine: &str, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + WAIT_MAX;
    while Instant::now() < deadline {
        let body = json!({ "stateMachineArn": machine });
        let (_, listed) = check(handle, "ListExecutions", body).await;
        let executions = listed["executions"].as_array().cloned().unwrap_or_default();
        if executions.len() >= count {
            return executions;
        }
        tokio::time::sleep(POLL_PAUSE).await;
    }
    panic!("state machine {machine} has fewer than {count} executions");
}

/// Runs `Double` (n = 2) as the child of a parent using `resource`, and checks the parent's
/// output with `expect(output, child ARN)`.
async fn check_nested(resource: &str, expect: impl Fn(&Value, &str)) {
    let handle = server();
    let child = create(&handle, "Child", DOUBLE, "STANDARD").await;
    let parent =
        start(&handle, "Parent", &nested_parent(resource, &child, ""), json!({"n": 2})).await;
    let described = finished(&handle, &parent).await;
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    let output: Value = serde_json::from_str(described["output"].as_str().expect("an output"))
        .expect("JSON output");
    let listed = executions_of(&handle, &child, 1).await;
    assert_eq!(listed.len(), 1, "one child: {listed:?}");
    let child_arn = listed[0]["executionArn"].as_str().expect("an ARN");
    let child_described = finished(&handle, child_arn).await;
    assert_eq!(child_described["status"], "SUCCEEDED", "{child_described}");
    // The child got the input, with the parent's execution id as AWS's documented link.
    let child_input: Value =
        serde_json::from_str(child_described["input"].as_str().expect("an input")).expect("JSON");
    assert_eq!(
        child_input,
        json!({ "n": 2, "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID": parent })
    );
    // Without a Name, the child's name is a UUID, as AWS generates it.
    let name = child_described["name"].as_str().expect("a name");
    assert!(uuid::Uuid::parse_str(name).is_ok(), "{name}");
    expect(&output, child_arn);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_request_response_answers_at_once() {
    check_nested("arn:aws:states:::states:startExecution", |output, child| {
        assert_eq!(output["ExecutionArn"], child, "{output}");
        assert!(output["StartDate"].is_i64(), "epoch milliseconds: {output}");
        assert_eq!(output.as_object().map(|fields| fields.len()), Some(2), "{output}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_sync_answers_with_json_text() {
    check_nested("arn:aws:states:::states:startExecution.sync", |output, child| {
        assert_eq!(output["ExecutionArn"], child, "{output}");
        assert_eq!(output["Status"], "SUCCEEDED");
        assert_eq!(output["Output"], r#"{"n":4}"#);
        assert_eq!(output["OutputDetails"], json!({ "Included": true }));
        assert!(output["Input"].is_string(), "{output}");
        assert!(output["StartDate"].is_i64() && output["StopDate"].is_i64(), "{output}");
        assert_eq!(output["StateMachineArn"], format!("{PREFIX}:stateMachine:Child"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_sync2_answers_with_json() {
    check_nested("arn:aws:states:::states:startExecution.sync:2", |output, child| {
        assert_eq!(output["ExecutionArn"], child, "{output}");
        assert_eq!(output["Status"], "SUCCEEDED");
        assert_eq!(output["Output"], json!({ "n": 4 }));
        assert_eq!(output["Input"]["n"], 2, "{output}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_sdk_request_response_answers_with_an_iso_date() {
    check_nested("arn:aws:states:::aws-sdk:sfn:startExecution", |output, child| {
        assert_eq!(output["ExecutionArn"], child, "{output}");
        let date = output["StartDate"].as_str().expect("a date as text");
        assert!(date.parse::<jiff::Timestamp>().is_ok(), "ISO 8601: {date}");
    })
    .await;
}

/// A failing child fails the parent's task with `States.TaskFailed` and the child's
/// DescribeExecution shape as the cause; StartExecution's own errors become
/// `StepFunctions.<Code>Exception`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_failures() {
    let handle = server();
    let child = create(&handle, "Broken", FAIL, "STANDARD").await;
    let sync = "arn:aws:states:::states:startExecution.sync";
    let name = r#","Name":"broken-child""#;
    let parent =
        start(&handle, "Caller", &nested_parent(sync, &child, name), json!({"n": 1})).await;
    let described = finished(&handle, &parent).await;
    assert_eq!(described["status"], "FAILED", "{described}");
    assert_eq!(described["error"], "States.TaskFailed");
    let cause: Value =
        serde_json::from_str(described["cause"].as_str().expect("a cause")).expect("JSON cause");
    assert_eq!(cause["Status"], "FAILED", "{cause}");
    assert_eq!(cause["Error"], "Oops");
    assert_eq!(cause["Cause"], "broken");
    assert_eq!(cause["Name"], "broken-child");
    assert_eq!(cause["ExecutionArn"], format!("{PREFIX}:execution:Broken:broken-child"));
    assert!(cause.get("Output").is_none(), "{cause}");

    // StartExecution's errors, as each integration names them.
    let missing = format!("{PREFIX}:stateMachine:Nowhere");
    let message = format!("State Machine Does Not Exist: '{missing}'");
    let cases = [
        (
            "arn:aws:states:::states:startExecution",
            "StepFunctions.StateMachineDoesNotExistException",
            " (Service: AWSStepFunctions; Status Code: 400; Error Code: StateMachineDoesNotExist; Request ID: ",
            "; Proxy: null)",
        ),
        (
            "arn:aws:states:::aws-sdk:sfn:startExecution",
            "Sfn.StateMachineDoesNotExistException",
            " (Service: Sfn, Status Code: 400, Request ID: ",
            ")",
        ),
    ];
    for (index, (resource, error, details, end)) in cases.into_iter().enumerate() {
        let definition = nested_parent(resource, &missing, "");
        let parent = start(&handle, &format!("Lost{index}"), &definition, json!({"n": 1})).await;
        let described = finished(&handle, &parent).await;
        assert_eq!(described["status"], "FAILED", "{described}");
        assert_eq!(described["error"], error);
        let cause = described["cause"].as_str().expect("a cause");
        assert!(cause.starts_with(&format!("{message}{details}")), "{cause}");
        assert!(cause.ends_with(end), "{cause}");
    }
}

/// A `.sync` child whose parent's task ends first is aborted: the parent was stopped
/// (`timeout_seconds: None`) or the task timed out.
async fn check_child_stopped(timeout_seconds: Option<u64>) {
    let handle = server();
    let child = create(&handle, "Sleeper", HANG, "STANDARD").await;
    let timeout = timeout_seconds.map(|seconds| format!(r#""TimeoutSeconds":{seconds},"#));
    let definition = format!(
        r#"{{"StartAt":"Call","States":{{"Call":{{"Type":"Task",
            "Resource":"arn:aws:states:::states:startExecution.sync:2",{}
            "Parameters":{{"StateMachineArn":"{child}"}},"End":true}}}}}}"#,
        timeout.unwrap_or_default()
    );
    let parent = start(&handle, "Waiter", &definition, json!({})).await;
    let listed = executions_of(&handle, &child, 1).await;
    let child_arn = listed[0]["executionArn"].as_str().expect("an ARN").to_owned();
    let parent_status = match timeout_seconds {
        None => {
            let (status, _) =
                check(&handle, "StopExecution", json!({ "executionArn": parent })).await;
            assert_eq!(status, 200);
            "ABORTED"
        }
        Some(_) => "FAILED",
    };
    let described = finished(&handle, &child_arn).await;
    assert_eq!(described["status"], "ABORTED", "{described}");
    let described = finished(&handle, &parent).await;
    assert_eq!(described["status"], parent_status, "{described}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_the_parent_stops_a_sync_child() {
    check_child_stopped(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_sync_task_stops_its_child() {
    check_child_stopped(Some(1)).await;
}

/// `.waitForTaskToken`: the child gets the token in its input, and the parent's task ends with
/// what SendTaskSuccess sends, not with the child's end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_wait_for_task_token() {
    let handle = server();
    let child = create(&handle, "Approver", HANG, "STANDARD").await;
    let definition = format!(
        r#"{{"StartAt":"Ask","States":{{"Ask":{{"Type":"Task",
            "Resource":"arn:aws:states:::states:startExecution.waitForTaskToken",
            "Parameters":{{"StateMachineArn":"{child}","Input":{{"token.$":"$$.Task.Token"}}}},
            "End":true}}}}}}"#
    );
    let parent = start(&handle, "Asker", &definition, json!({})).await;
    let listed = executions_of(&handle, &child, 1).await;
    let child_arn = listed[0]["executionArn"].as_str().expect("an ARN");
    let (_, child_described) =
        check(&handle, "DescribeExecution", json!({ "executionArn": child_arn })).await;
    let input: Value =
        serde_json::from_str(child_described["input"].as_str().expect("an input")).expect("JSON");
    let token = input["token"].as_str().expect("the token in the child's input");
    let success = json!({ "taskToken": token, "output": r#"{"approved":true}"# });
    assert_eq!(check(&handle, "SendTaskSuccess", success).await, (200, json!({})));
    let described = finished(&handle, &parent).await;
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    assert_eq!(described["output"], r#"{"approved":true}"#);
    let (_, child_described) =
        check(&handle, "DescribeExecution", json!({ "executionArn": child_arn })).await;
    assert_eq!(child_described["status"], "RUNNING", "the token ends the task, not the child");
}

/// A `.sync` parent resumed after a crash finds the child it started before, whether the task
/// names the child (`name`) or not, and does not start a second one.
fn check_nested_across_restart(name: Option<&str>) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (node, _) = Node::start(dir.path());
    let nap = r#"{"StartAt":"Nap","States":{"Nap":{"Type":"Wait","Seconds":2,"Next":"Done"},
        "Done":{"Type":"Pass","Result":{"rested":true},"End":true}}}"#;
    let body = json!({ "name": "Napper", "definition": nap, "roleArn": ROLE });
    let (_, created) = node.check("CreateStateMachine", body);
    let child = created["stateMachineArn"].as_str().expect("an ARN").to_owned();
    let extra = name.map(|name| format!(r#","Name":"{name}""#)).unwrap_or_default();
    let sync = "arn:aws:states:::states:startExecution.sync:2";
    let body = json!({ "name": "Parent", "definition": nested_parent(sync, &child, &extra), "roleArn": ROLE });
    let (_, created) = node.check("CreateStateMachine", body);
    let machine = created["stateMachineArn"].as_str().expect("an ARN");
    let start = json!({ "stateMachineArn": machine, "name": "p", "input": r#"{"n":1}"# });
    let (_, started) = node.check("StartExecution", start);
    let parent = started["executionArn"].as_str().expect("an ARN").to_owned();
    let listed = node.runtime.block_on(executions_of(&node.handle, &child, 1));
    let child_arn = listed[0]["executionArn"].as_str().expect("an ARN").to_owned();
    node.wait_for_event(&child_arn, "WaitStateEntered");
    node.kill();

    let (node, recovered) = Node::start(dir.path());
    assert_eq!(recovered, 2, "the parent and its child resume");
    let described = node.runtime.block_on(finished(&node.handle, &parent));
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    let output: Value =
        serde_json::from_str(described["output"].as_str().expect("an output")).expect("JSON");
    assert_eq!(output["ExecutionArn"], child_arn.as_str());
    assert_eq!(output["Output"], json!({ "rested": true }));
    let listed = node.runtime.block_on(executions_of(&node.handle, &child, 1));
    assert_eq!(listed.len(), 1, "no second child: {listed:?}");
    if let Some(name) = name {
        assert_eq!(listed[0]["name"], name);
    }
    node.kill();
}

#[test]
fn a_sync_parent_finds_its_generated_child_after_a_restart() {
    check_nested_across_restart(None);
}

#[test]
fn a_sync_parent_finds_its_named_child_after_a_restart() {
    check_nested_across_restart(Some("napper-1"));
}

/// A `.waitForTaskToken` parent resumed after a crash sends its request again; the child it
/// started before has ended meanwhile, and the resumed task finds it instead of failing with
/// `ExecutionAlreadyExists`, whether the task names the child (`name`) or not.
fn check_token_child_across_restart(name: Option<&str>) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (node, _) = Node::start(dir.path());
    let body = json!({ "name": "Quick", "definition": PASS, "roleArn": ROLE });
    let (_, created) = node.check("CreateStateMachine", body);
    let child = created["stateMachineArn"].as_str().expect("an ARN").to_owned();
    let extra = name.map(|name| format!(r#","Name":"{name}""#)).unwrap_or_default();
    let definition = format!(
        r#"{{"StartAt":"Ask","States":{{"Ask":{{"Type":"Task",
            "Resource":"arn:aws:states:::states:startExecution.waitForTaskToken",
            "Parameters":{{"StateMachineArn":"{child}","Input":{{"token.$":"$$.Task.Token"}}{extra}}},
            "End":true}}}}}}"#
    );
    let body = json!({ "name": "Asker", "definition": definition, "roleArn": ROLE });
    let (_, created) = node.check("CreateStateMachine", body);
    let machine = created["stateMachineArn"].as_str().expect("an ARN");
    let (_, started) = node.check("StartExecution", json!({ "stateMachineArn": machine }));
    let parent = started["executionArn"].as_str().expect("an ARN").to_owned();
    let listed = node.runtime.block_on(executions_of(&node.handle, &child, 1));
    let child_arn = listed[0]["executionArn"].as_str().expect("an ARN").to_owned();
    let child_described = node.runtime.block_on(finished(&node.handle, &child_arn));
    assert_eq!(child_described["status"], "SUCCEEDED", "{child_described}");
    node.kill();

    let (node, recovered) = Node::start(dir.path());
    assert_eq!(recovered, 1, "the parent resumes; its child has ended");
    let input: Value =
        serde_json::from_str(child_described["input"].as_str().expect("an input")).expect("JSON");
    let success = json!({ "taskToken": input["token"], "output": r#"{"approved":true}"# });
    assert_eq!(node.check("SendTaskSuccess", success), (200, json!({})));
    let described = node.runtime.block_on(finished(&node.handle, &parent));
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    assert_eq!(described["output"], r#"{"approved":true}"#);
    let listed = node.runtime.block_on(executions_of(&node.handle, &child, 1));
    assert_eq!(listed.len(), 1, "no second child: {listed:?}");
    node.kill();
}

#[test]
fn a_callback_parent_finds_its_ended_generated_child_after_a_restart() {
    check_token_child_across_restart(None);
}

#[test]
fn a_callback_parent_finds_its_ended_named_child_after_a_restart() {
    check_token_child_across_restart(Some("quick-1"));
}
