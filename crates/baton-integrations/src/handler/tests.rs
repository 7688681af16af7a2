//! Tests for in-process handlers: which key answers which request, and in what shape.

use serde_json::{Value, json};

use super::Handlers;
use crate::TaskError;
use crate::test_support::{answer, render, request};

fn handlers() -> Handlers {
    let mut handlers = Handlers::new();
    handlers
        .register("Greet", |event: Value| async move {
            let name = event["name"].as_str().unwrap_or("world").to_owned();
            Ok(json!({ "hello": name }))
        })
        .register("Fail", |_| async { Err(TaskError::new("Oops", "it went wrong")) })
        .register("arn:aws:states:::sqs:sendMessage", |parameters: Value| async move {
            Ok(json!({ "MessageId": "m-1", "Sent": parameters }))
        });
    handlers
}

/// Answers `input` for `arn` with [`handlers`]; a `lambda:invoke` answer shows only `Payload`,
/// since the wrapper's other fields change with every call.
fn check(arn: &str, input: Value, expect: &str) {
    let answer = answer(&handlers(), &request("T", arn, input)).map(|result| {
        result.map(|output| match output.get("ExecutedVersion") {
            Some(_) => json!({ "Payload": output["Payload"] }),
            None => output,
        })
    });
    assert_eq!(render(answer), expect, "{arn}");
}

#[test]
fn answers() {
    let invoke = "arn:aws:states:::lambda:invoke";
    check(
        invoke,
        json!({"FunctionName": "Greet", "Payload": {"name": "Ada"}}),
        r#"ok {"Payload":{"hello":"Ada"}}"#,
    );
    check(
        invoke,
        json!({"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:Greet:live", "Payload": {}}),
        r#"ok {"Payload":{"hello":"world"}}"#,
    );
    check(invoke, json!({"FunctionName": "Fail"}), "error Oops: it went wrong");
    check(invoke, json!({"FunctionName": "Missing"}), "declined");
    check(
        "arn:aws:lambda:us-east-1:123456789012:function:Greet",
        json!({"name": "Bo"}),
        r#"ok {"hello":"Bo"}"#,
    );
    check(
        "arn:aws:states:::sqs:sendMessage",
        json!({"MessageBody": "x"}),
        r#"ok {"MessageId":"m-1","Sent":{"MessageBody":"x"}}"#,
    );
    check("arn:aws:states:::sns:publish", json!({}), "declined");
}
