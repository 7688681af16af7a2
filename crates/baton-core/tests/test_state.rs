//! TestState in the core: one state of a definition run once, data-driven through `check`.
//! The expectations are the shapes AWS recorded (see the `test_state/*` conformance cases).

use serde_json::{Value, json};

use baton_core::test_state::{self, Configuration, Mock, Request, Response};

/// Runs `state` of `definition` on `input` and compares the rendered response:
/// `STATUS output=.. error=.. cause=.. next=.. details=..`, or `refused: <message>`.
fn check(
    definition: Value,
    state: &str,
    input: Value,
    mock: Option<Mock>,
    configuration: Configuration,
    expect: &str,
) {
    let options = baton_asl::Options { machine_type: baton_asl::MachineType::Standard };
    let (machine, diagnostics) = baton_asl::parse_value(&definition, &options);
    let machine = machine.unwrap_or_else(|| panic!("invalid definition: {diagnostics:?}"));
    let request = Request {
        machine: &machine,
        state_name: state,
        input,
        context: json!({"Execution": {"Id": "arn:aws:states:us-east-1:1:express:m:e"}}),
        variables: serde_json::Map::new(),
        mock,
        configuration,
        now: 0,
        seed: "seed".to_owned(),
    };
    let shown = match test_state::run(&request) {
        Ok(response) => render(&response),
        Err(error) => format!("refused: {error}"),
    };
    assert_eq!(shown, expect);
}

fn render(response: &Response) -> String {
    let mut shown = response.status.as_str().to_owned();
    if let Some(output) = &response.output {
        shown.push_str(&format!(" output={output}"));
    }
    if let Some((error, cause)) = &response.error {
        shown.push_str(&format!(" error={error} cause={cause}"));
    }
    if let Some(next) = &response.next_state {
        shown.push_str(&format!(" next={next}"));
    }
    if let Some(details) = &response.inspection.error_details {
        shown.push_str(&format!(
            " details=catch:{:?},retry:{:?},backoff:{:?}",
            details.catch_index, details.retry_index, details.retry_backoff_interval_seconds
        ));
    }
    shown
}

/// A machine around `state` with the placeholder states it transitions to (unreachable
/// states are invalid).
fn machine(state: Value) -> Value {
    let text = state.to_string();
    let mut states = serde_json::Map::new();
    states.insert("S".to_owned(), state);
    for target in ["Next1", "Handler"] {
        if text.contains(&format!("\"{target}\"")) {
            states.insert(target.to_owned(), json!({"Type": "Succeed"}));
        }
    }
    json!({"StartAt": "S", "States": states})
}

fn error(name: &str) -> Option<Mock> {
    Some(Mock::Error { error: name.to_owned(), cause: "it broke".to_owned() })
}

const TASK: &str = "arn:aws:states:::lambda:invoke";

#[test]
fn pass_choice_succeed_fail_and_wait() {
    let none = Configuration::default;
    check(
        machine(
            json!({"Type": "Pass", "InputPath": "$.a", "Parameters": {"b.$": "$.x"}, "ResultPath": "$.r", "Next": "Next1"}),
        ),
        "S",
        json!({"a": {"x": 1}}),
        None,
        none(),
        r#"SUCCEEDED output={"a":{"x":1},"r":{"b":1}} next=Next1"#,
    );
    check(
        machine(
            json!({"Type": "Choice", "Choices": [{"Variable": "$.v", "NumericGreaterThan": 1, "Next": "Next1"}], "Default": "Handler"}),
        ),
        "S",
        json!({"v": 0}),
        None,
        none(),
        r#"SUCCEEDED output={"v":0} next=Handler"#,
    );
    check(
        machine(json!({"Type": "Succeed", "OutputPath": "$.k"})),
        "S",
        json!({"k": 2}),
        None,
        none(),
        "SUCCEEDED output=2",
    );
    check(
        machine(json!({"Type": "Fail", "Error": "E", "CausePath": "$.why"})),
        "S",
        json!({"why": "because"}),
        None,
        none(),
        "FAILED error=E cause=because",
    );
    // TestState does not wait.
    check(
        machine(json!({"Type": "Wait", "Seconds": 3600, "Next": "Next1"})),
        "S",
        json!({}),
        None,
        none(),
        "SUCCEEDED output={} next=Next1",
    );
    check(
        machine(json!({"Type": "Pass", "End": true})),
        "S",
        json!({}),
        Some(Mock::Result(json!(1))),
        none(),
        "refused: State type 'Pass' is not supported when a mock is specified",
    );
    check(
        machine(json!({"Type": "Pass", "End": true})),
        "T",
        json!({}),
        None,
        none(),
        "refused: State not found in definition",
    );
}

#[test]
fn task_results_retries_and_catches() {
    let retry =
        json!([{"ErrorEquals": ["E"], "IntervalSeconds": 1, "MaxAttempts": 5, "BackoffRate": 2.0}]);
    let catch = json!([{"ErrorEquals": ["Other"], "Next": "Next1"}, {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Handler"}]);
    check(
        machine(
            json!({"Type": "Task", "Resource": TASK, "ResultSelector": {"p.$": "$.Payload"}, "End": true}),
        ),
        "S",
        json!({}),
        Some(Mock::Result(json!({"Payload": 7}))),
        Configuration::default(),
        r#"SUCCEEDED output={"p":7}"#,
    );
    check(
        machine(json!({"Type": "Task", "Resource": TASK, "Retry": retry, "End": true})),
        "S",
        json!({}),
        error("E"),
        Configuration { retrier_retry_count: 4, ..Configuration::default() },
        "RETRIABLE error=E cause=it broke details=catch:None,retry:Some(0),backoff:Some(16)",
    );
    check(
        machine(json!({"Type": "Task", "Resource": TASK, "Retry": retry, "End": true})),
        "S",
        json!({}),
        error("E"),
        Configuration { retrier_retry_count: 5, ..Configuration::default() },
        "FAILED error=E cause=it broke details=catch:None,retry:Some(0),backoff:None",
    );
    check(
        machine(json!({"Type": "Task", "Resource": TASK, "Catch": catch, "End": true})),
        "S",
        json!({"in": 1}),
        error("E"),
        Configuration::default(),
        r#"CAUGHT_ERROR output={"in":1,"error":{"Error":"E","Cause":"it broke"}} error=E cause=it broke next=Handler details=catch:Some(1),retry:None,backoff:None"#,
    );
    check(
        machine(json!({"Type": "Task", "Resource": TASK, "End": true})),
        "S",
        json!({}),
        None,
        Configuration::default(),
        "refused: Baton's TestState does not call the resource arn:aws:states:::lambda:invoke: give a mock result or error for Task states",
    );
}

#[test]
fn jsonata_task_output_sees_the_result() {
    check(
        json!({"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {"Type": "Task", "Resource": TASK, "Arguments": {"a": "{% $states.input.x %}"}, "Output": {"sum": "{% $states.result.n + $states.input.x %}"}, "End": true}}}),
        "S",
        json!({"x": 2}),
        Some(Mock::Result(json!({"n": 40}))),
        Configuration::default(),
        r#"SUCCEEDED output={"sum":42}"#,
    );
}

#[test]
fn map_and_parallel_take_the_mock_as_their_results() {
    let processor = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
    let map = |extra: Value| {
        let mut state =
            json!({"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": processor, "End": true});
        state.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        machine(state)
    };
    check(
        map(json!({})),
        "S",
        json!({"items": [1, 2]}),
        Some(Mock::Result(json!([3, 4]))),
        Configuration { map_iteration_failure_count: Some(2), ..Configuration::default() },
        "SUCCEEDED output=[3,4]",
    );
    check(
        map(
            json!({"ToleratedFailureCount": 1, "Catch": [{"ErrorEquals": ["States.ExceedToleratedFailureThreshold"], "Next": "Handler"}]}),
        ),
        "S",
        json!({"items": [1, 2]}),
        Some(Mock::Result(json!([3, 4]))),
        Configuration { map_iteration_failure_count: Some(2), ..Configuration::default() },
        r#"CAUGHT_ERROR output={"Error":"States.ExceedToleratedFailureThreshold","Cause":"The specified tolerated failure threshold was exceeded"} error=States.ExceedToleratedFailureThreshold cause=The specified tolerated failure threshold was exceeded next=Handler details=catch:Some(0),retry:None,backoff:None"#,
    );
    check(
        map(json!({})),
        "S",
        json!({"items": {}}),
        Some(Mock::Result(json!([]))),
        Configuration::default(),
        r#"FAILED error=States.Runtime cause=Reference path "$.items" must point to array."#,
    );
    check(
        map(json!({})),
        "S",
        json!({}),
        Some(Mock::Result(json!({}))),
        Configuration::default(),
        "refused: Mocked result must be an array.",
    );
    check(
        map(json!({})),
        "P",
        json!({"v": 1}),
        None,
        Configuration::default(),
        r#"SUCCEEDED output={"v":1}"#,
    );
    let parallel = machine(
        json!({"Type": "Parallel", "Branches": [processor, json!({"StartAt": "Q", "States": {"Q": {"Type": "Pass", "End": true}}})], "End": true}),
    );
    check(
        parallel.clone(),
        "S",
        json!({}),
        Some(Mock::Result(json!([1]))),
        Configuration::default(),
        "refused: Mocked result must contain the same number of items as number of Parallel branches.",
    );
    check(
        parallel.clone(),
        "S",
        json!({}),
        None,
        Configuration::default(),
        "refused: TestState API does not support Map or Parallel states. Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]",
    );
    check(
        parallel,
        "S",
        json!({}),
        Some(Mock::Result(json!([1, 2]))),
        Configuration::default(),
        "SUCCEEDED output=[1,2]",
    );
}
