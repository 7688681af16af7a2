//! Tests for mock configurations: parsing, test case selection and invocation counting.

use serde_json::json;

use super::MockConfig;
use crate::test_support::{answer, render, request};

/// The example from AWS's documentation, trimmed.
const CONFIG: &str = r#"{
  "StateMachines": {
    "LambdaSQSIntegration": {
      "TestCases": {
        "HappyPath": { "LambdaState": "MockedLambdaSuccess", "SQSState": "MockedSQSSuccess" },
        "RetryPath": { "LambdaState": "MockedLambdaRetry", "SQSState": "MockedSQSSuccess" },
        "HybridPath": { "LambdaState": "MockedLambdaSuccess" }
      }
    }
  },
  "MockedResponses": {
    "MockedLambdaSuccess": {
      "0": { "Return": { "StatusCode": 200, "Payload": { "StatusCode": 200, "body": "Hello from Lambda!" } } }
    },
    "MockedSQSSuccess": {
      "0": { "Return": { "MD5OfMessageBody": "3bcb6e8e", "MessageId": "3bcb6e8e-8b51" } }
    },
    "MockedLambdaRetry": {
      "0": { "Throw": { "Error": "Lambda.ResourceNotReadyException", "Cause": "Lambda resource is not ready." } },
      "1-2": { "Throw": { "Error": "Lambda.TimeoutException", "Cause": "Lambda timed out." } },
      "3": { "Return": { "StatusCode": 200, "Payload": { "StatusCode": 200, "body": "Hello from Lambda!" } } }
    }
  }
}"#;

/// Runs `calls` (Task state names) in order against one test case of [`CONFIG`] and compares
/// the rendered answers, one per line.
fn check(test_case: &str, calls: &[&str], expect: &str) {
    let config = MockConfig::parse(CONFIG).expect("the documented example parses");
    let runner = config.runner("LambdaSQSIntegration", test_case).expect("the test case exists");
    let lines: Vec<String> = calls
        .iter()
        .map(|state| {
            let request =
                request(state, "arn:aws:states:::lambda:invoke", json!({"FunctionName": "F"}));
            format!("{state}: {}", render(answer(&runner, &request)))
        })
        .collect();
    assert_eq!(lines.join("\n"), expect.trim(), "test case {test_case}");
}

#[test]
fn happy_path() {
    check(
        "HappyPath",
        &["LambdaState", "SQSState", "OtherState"],
        r#"
LambdaState: ok {"StatusCode":200,"Payload":{"StatusCode":200,"body":"Hello from Lambda!"}}
SQSState: ok {"MD5OfMessageBody":"3bcb6e8e","MessageId":"3bcb6e8e-8b51"}
OtherState: declined
"#,
    );
}

#[test]
fn retry_path_counts_invocations_per_state() {
    check(
        "RetryPath",
        &["LambdaState", "SQSState", "LambdaState", "LambdaState", "LambdaState", "LambdaState"],
        r#"
LambdaState: error Lambda.ResourceNotReadyException: Lambda resource is not ready.
SQSState: ok {"MD5OfMessageBody":"3bcb6e8e","MessageId":"3bcb6e8e-8b51"}
LambdaState: error Lambda.TimeoutException: Lambda timed out.
LambdaState: error Lambda.TimeoutException: Lambda timed out.
LambdaState: ok {"StatusCode":200,"Payload":{"StatusCode":200,"body":"Hello from Lambda!"}}
LambdaState: error Baton.MockInvocationMissing: Mocked response 'MockedLambdaRetry' for state 'LambdaState' in test case 'RetryPath' has no response for invocation 4; it defines invocations 0, 1-2, 3.
"#,
    );
}

#[test]
fn hybrid_path_leaves_unmocked_states_to_other_runners() {
    check("HybridPath", &["SQSState"], "SQSState: declined");
}

/// Parses `text` and selects `LambdaSQSIntegration`/`Case`; renders the error, or `ok`.
fn check_config(text: &str, expect: &str) {
    let actual = match MockConfig::parse(text).and_then(|config| config.runner("M", "Case")) {
        Ok(_) => "ok".to_owned(),
        Err(error) => error.to_string(),
    };
    assert_eq!(actual, expect, "{text}");
}

#[test]
fn configuration_errors() {
    let with = |responses: &str| {
        format!(
            r#"{{"StateMachines": {{"M": {{"TestCases": {{"Case": {{"S": "R"}}}}}}}}, "MockedResponses": {{"R": {responses}}}}}"#
        )
    };
    check_config(&with(r#"{"0": {"Return": 1}, "1-3": {"Throw": {"Error": "E"}}}"#), "ok");
    check_config(
        "{",
        "the mock configuration is not JSON: EOF while parsing an object at line 1 column 1",
    );
    check_config("[]", "the mock configuration is invalid at $: expected an object");
    check_config(
        r#"{"StateMachines": {"Other": {"TestCases": {}}}}"#,
        "the mock configuration has no state machine named 'M' (it has: Other)",
    );
    check_config(
        r#"{"StateMachines": {"M": {"TestCases": {"A": {}, "B": {}}}}}"#,
        "state machine 'M' has no test case named 'Case' in the mock configuration (it has: A, B)",
    );
    check_config(
        r#"{"StateMachines": {"M": {"TestCases": {"Case": {"S": "Nope"}}}}}"#,
        "test case 'Case' maps state 'S' to mocked response 'Nope', which MockedResponses does not define",
    );
    check_config(
        r#"{"StateMachines": {"M": {}}}"#,
        "the mock configuration is invalid at $.StateMachines.M: TestCases is missing",
    );
    check_config(
        r#"{"StateMachines": {"M": {"TestCases": {"Case": {"S": 1}}}}}"#,
        "the mock configuration is invalid at $.StateMachines.M.TestCases.Case.S: expected the name of a mocked response",
    );
    check_config(
        &with(r#"{"first": {"Return": 1}}"#),
        "the mock configuration is invalid at $.MockedResponses.R.first: expected an invocation number such as \"0\" or an inclusive range such as \"1-2\"",
    );
    check_config(
        &with(r#"{"2-1": {"Return": 1}}"#),
        "the mock configuration is invalid at $.MockedResponses.R.2-1: expected an invocation number such as \"0\" or an inclusive range such as \"1-2\"",
    );
    check_config(
        &with(r#"{"-1": {"Return": 1}}"#),
        "the mock configuration is invalid at $.MockedResponses.R.-1: expected an invocation number such as \"0\" or an inclusive range such as \"1-2\"",
    );
    check_config(
        &with(r#"{"0-2": {"Return": 1}, "2": {"Return": 2}}"#),
        "the mock configuration is invalid at $.MockedResponses.R: invocation 2 has more than one response",
    );
    check_config(
        &with(r#"{"0": {"Return": 1, "Throw": {"Error": "E"}}}"#),
        "the mock configuration is invalid at $.MockedResponses.R.0: expected an object with exactly one field, Return or Throw",
    );
    check_config(
        &with(r#"{"0": {"Throw": {"Cause": "no error"}}}"#),
        "the mock configuration is invalid at $.MockedResponses.R.0.Throw.Error: expected a string",
    );
    check_config(
        &with("{}"),
        "the mock configuration is invalid at $.MockedResponses.R: a mocked response needs at least one invocation",
    );
}
