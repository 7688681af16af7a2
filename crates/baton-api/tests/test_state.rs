//! TestState over HTTP (axum's `oneshot`, STYLE S7): requests and answers in AWS's wire shape,
//! each through `check`.

use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use serde_json::{Value, json};
use tower::ServiceExt;

use baton_api::Options;
use baton_integrations::Handlers;

/// Sends a TestState request and compares the answer (its body, or `__type: message` for an
/// error) with `expect`.
async fn check(body: Value, expect: Value) {
    let handle = Options::local().build(Arc::new(Handlers::new())).handle();
    let request = Request::post("/")
        .header("x-amz-target", "AWSStepFunctions.TestState")
        .header("content-type", "application/x-amz-json-1.0")
        .body(Body::from(body.to_string()))
        .expect("a well-formed request");
    let response = baton_api::app(handle).oneshot(request).await.expect("infallible");
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("a body");
    let answer: Value = serde_json::from_slice(&bytes).expect("a JSON answer");
    let shown = if status == 200 {
        answer
    } else {
        json!(format!(
            "{}: {}",
            answer["__type"].as_str().unwrap_or(""),
            answer["message"].as_str().unwrap_or("")
        ))
    };
    assert_eq!(shown, expect);
}

#[tokio::test]
async fn a_pass_state_with_inspection() {
    check(
        json!({
            "definition": r#"{"Type": "Pass", "InputPath": "$.a", "Next": "Done"}"#,
            "input": r#"{"a": {"b": 1}}"#,
            "inspectionLevel": "DEBUG",
        }),
        json!({
            "output": r#"{"b":1}"#,
            "nextState": "Done",
            "status": "SUCCEEDED",
            "inspectionData": {
                "input": r#"{"a":{"b":1}}"#,
                "afterInputPath": r#"{"b":1}"#,
                "afterParameters": r#"{"b":1}"#,
                "afterResultSelector": r#"{"b":1}"#,
                "afterResultPath": r#"{"b":1}"#,
            },
        }),
    )
    .await;
}

#[tokio::test]
async fn a_mocked_task_error_caught() {
    check(
        json!({
            "definition": r#"{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handler"}], "End": true}"#,
            "mock": {"errorOutput": {"error": "Boom", "cause": "why"}},
        }),
        json!({
            "output": r#"{"Error":"Boom","Cause":"why"}"#,
            "error": "Boom",
            "cause": "why",
            "nextState": "Handler",
            "status": "CAUGHT_ERROR",
        }),
    )
    .await;
}

#[tokio::test]
async fn request_errors() {
    let task = r#"{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}"#;
    let cases = [
        (
            json!({"definition": task, "mock": {"result": "{}", "errorOutput": {"error": "E"}}}),
            "ValidationException: A test mock should have only one of the following fields: [result, errorOutput].",
        ),
        (
            json!({"definition": task, "mock": {"result": "not JSON"}}),
            "ValidationException: Mocked result must be valid JSON",
        ),
        (
            json!({"definition": task, "mock": {"result": r#"{"StatusCode": "200"}"#}}),
            "ValidationException: Mock result schema validation error: Field 'StatusCode' must be a number",
        ),
        (
            json!({"definition": task}),
            "ValidationException: RoleArn must be specified when testing a Task state",
        ),
        (
            json!({"definition": task, "mock": {"result": "{}"}, "context": r#"{"Map": {}}"#}),
            "ValidationException: Invalid Context object provided: 'Map' field is not supported when mocking a Context object",
        ),
        (
            json!({"definition": r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}"#, "stateName": "B"}),
            "ValidationException: State not found in definition",
        ),
    ];
    for (body, expect) in cases {
        check(body, json!(expect)).await;
    }
}
