//! Tests for Lambda functions played by local commands: real `sh` processes.

use serde_json::{Value, json};

use super::LambdaCommands;
use crate::test_support::{answer, render, request};

const INVOKE: &str = "arn:aws:states:::lambda:invoke";
const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:F";

/// Plays function `F` with `command`, calls it through `arn` with `input`, and compares the
/// rendered answer; for `lambda:invoke` only `Payload` is shown, since the wrapper's other
/// fields change with every call. Request ids in causes are replaced by `<id>`.
fn check(command: &str, arn: &str, input: Value, expect: &str) {
    let mut commands = LambdaCommands::new();
    commands.insert("F", command);
    let answer = answer(&commands, &request("T", arn, input)).map(|result| {
        result.map(|output| match output.get("ExecutedVersion") {
            Some(_) => json!({ "Payload": output["Payload"] }),
            None => output,
        })
    });
    let rendered = render(answer);
    let rendered = match rendered.split_once("RequestId: ") {
        Some((before, after)) => {
            format!("{before}RequestId: <id>{}", after.get(36..).unwrap_or(""))
        }
        None => rendered,
    };
    assert_eq!(rendered, expect, "command {command}");
}

#[test]
fn results() {
    check(
        "cat",
        INVOKE,
        json!({"FunctionName": "F", "Payload": {"a": [1, 2]}}),
        r#"ok {"Payload":{"a":[1,2]}}"#,
    );
    check("cat", FUNCTION_ARN, json!({"whole": "input"}), r#"ok {"whole":"input"}"#);
    check(
        "echo \"$AWS_LAMBDA_FUNCTION_NAME\" | sed 's/.*/\"&\"/'",
        FUNCTION_ARN,
        json!({}),
        r#"ok "F""#,
    );
    // A command that ignores its event and prints nothing returns null.
    check("true", FUNCTION_ARN, json!({"big": "x".repeat(200_000)}), "ok null");
    check("cat", INVOKE, json!({"FunctionName": "G"}), "declined");
}

#[test]
fn failures() {
    check(
        r#"printf '{"errorMessage": "bad name", "errorType": "ValueError", "stackTrace": []}'"#,
        INVOKE,
        json!({"FunctionName": "F"}),
        r#"error ValueError: {"errorMessage":"bad name","errorType":"ValueError","stackTrace":[]}"#,
    );
    check(
        r#"printf '{"errorType": "Custom", "errorMessage": "x"}'; exit 1"#,
        FUNCTION_ARN,
        json!({}),
        r#"error Custom: {"errorType":"Custom","errorMessage":"x"}"#,
    );
    check(
        "exit 3",
        INVOKE,
        json!({"FunctionName": "F"}),
        r#"error Lambda.Unknown: {"errorType":"Runtime.ExitError","errorMessage":"RequestId: <id> Error: Runtime exited with error: exit status 3"}"#,
    );
    check(
        "echo hello",
        FUNCTION_ARN,
        json!({}),
        r#"error Lambda.Unknown: {"errorType":"Baton.InvalidOutput","errorMessage":"The command's standard output is not JSON (expected value at line 1 column 1): hello"}"#,
    );
    check(
        "head -c 6291557 /dev/zero",
        FUNCTION_ARN,
        json!({}),
        r#"error Lambda.Unknown: {"errorType":"Function.ResponseSizeTooLarge","errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes)."}"#,
    );
}
