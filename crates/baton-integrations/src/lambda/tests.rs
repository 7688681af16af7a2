//! Tests for Lambda targets, the `Invoke` response wrapper and error documents.

use serde_json::{Value, json};

use super::{Metadata, function_error, function_name, invoke_response, target};
use crate::test_support::request;

const INVOKE: &str = "arn:aws:states:::lambda:invoke";

/// Renders the target of a request as `shape name (reference) <- payload`, or `none`.
fn check_target(arn: &str, input: Value, expect: &str) {
    let actual = match target(&request("T", arn, input)) {
        Some(target) => format!(
            "{:?} {} ({}) <- {}",
            target.shape, target.function_name, target.function_reference, target.payload
        ),
        None => "none".to_owned(),
    };
    assert_eq!(actual, expect, "target of {arn}");
}

#[test]
fn targets() {
    check_target(
        INVOKE,
        json!({"FunctionName": "Greet", "Payload": {"name": "Ada"}}),
        r#"Invoke Greet (Greet) <- {"name":"Ada"}"#,
    );
    check_target(INVOKE, json!({"FunctionName": "Greet"}), "Invoke Greet (Greet) <- {}");
    check_target(
        INVOKE,
        json!({"FunctionName": "Greet", "Payload": null}),
        "Invoke Greet (Greet) <- null",
    );
    check_target(INVOKE, json!({"Payload": 1}), "none");
    check_target(INVOKE, json!({"FunctionName": 7}), "none");
    check_target(
        "arn:aws:lambda:us-east-1:123456789012:function:Greet",
        json!({"a": 1}),
        r#"Function Greet (arn:aws:lambda:us-east-1:123456789012:function:Greet) <- {"a":1}"#,
    );
    check_target(
        "arn:aws:states:::lambda:invoke.waitForTaskToken",
        json!({"FunctionName": "F"}),
        "none",
    );
    check_target("arn:aws:states:::sqs:sendMessage", json!({"FunctionName": "F"}), "none");
    check_target("arn:aws:states:us-east-1:123456789012:activity:A", json!({}), "none");
}

#[test]
fn function_names() {
    for (reference, expect) in [
        ("Greet", "Greet"),
        ("Greet:live", "Greet"),
        ("123456789012:function:Greet", "Greet"),
        ("arn:aws:lambda:us-east-1:123456789012:function:Greet", "Greet"),
        ("arn:aws:lambda:us-east-1:123456789012:function:Greet:$LATEST", "Greet"),
        ("", ""),
    ] {
        assert_eq!(function_name(reference), expect, "{reference}");
    }
}

#[test]
fn invoke_response_has_aws_fields_in_aws_order() {
    let metadata = Metadata {
        request_id: "r-1".to_owned(),
        date: "Tue, 04 Mar 2025 10:00:00 GMT".to_owned(),
        trace_id: "root=1-0-0;sampled=0".to_owned(),
    };
    let response = invoke_response(json!({"hello": "Ada"}), &metadata);
    let keys: Vec<&String> =
        response.as_object().map(|object| object.keys().collect()).unwrap_or_default();
    assert_eq!(
        keys,
        ["ExecutedVersion", "Payload", "SdkHttpMetadata", "SdkResponseMetadata", "StatusCode"]
    );
    assert_eq!(response["Payload"], json!({"hello": "Ada"}));
    assert_eq!(response["StatusCode"], json!(200));
    assert_eq!(response["SdkResponseMetadata"], json!({"RequestId": "r-1"}));
    // `{"hello":"Ada"}` is 15 bytes.
    assert_eq!(response["SdkHttpMetadata"]["HttpHeaders"]["Content-Length"], json!("15"));
    assert_eq!(response["SdkHttpMetadata"]["AllHttpHeaders"]["Content-Length"], json!(["15"]));
    assert_eq!(response["SdkHttpMetadata"]["HttpStatusCode"], json!(200));
}

#[test]
fn fresh_metadata_is_shaped_like_lambdas() {
    let metadata = Metadata::fresh();
    assert_eq!(metadata.request_id.len(), 36, "{metadata:?}");
    assert!(metadata.date.ends_with(" GMT"), "{metadata:?}");
    assert!(metadata.trace_id.starts_with("root=1-"), "{metadata:?}");
    assert!(metadata.trace_id.ends_with(";sampled=0"), "{metadata:?}");
}

fn check_error(body: Value, expect: &str) {
    let actual = match function_error(&body) {
        Some(error) => format!("{} {}", error.error, error.cause),
        None => "result".to_owned(),
    };
    assert_eq!(actual, expect, "{body}");
}

#[test]
fn error_documents() {
    check_error(
        json!({"errorMessage": "Some exception was raised.", "errorType": "Exception", "requestId": "r", "stackTrace": ["line"]}),
        r#"Exception {"errorMessage":"Some exception was raised.","errorType":"Exception","requestId":"r","stackTrace":["line"]}"#,
    );
    check_error(
        json!({"errorType": "CustomException", "errorMessage": ""}),
        r#"CustomException {"errorType":"CustomException","errorMessage":""}"#,
    );
    check_error(json!({"errorMessage": "no type"}), r#"Lambda.Unknown {"errorMessage":"no type"}"#);
    // Ordinary results that happen to carry an error-like key stay results.
    check_error(json!({"errorMessage": "x", "status": 1}), "result");
    check_error(json!({"stackTrace": []}), "result");
    check_error(json!({}), "result");
    check_error(json!("errorType"), "result");
    check_error(json!(null), "result");
}
