//! The embedded engine, one workflow and input a case: `check` runs it with the virtual clock
//! and compares the outcome and the history with the expectation (see `support::run`).

mod support;

use serde::{Deserialize, Serialize};
use serde_json::json;

use baton_sdk::condition::var;
use baton_sdk::{Catch, Engine, Flow, Retry, Status, Task, TaskFailure, Workflow};
use baton_sdk::{choice, fail, pass};

#[derive(Deserialize)]
struct Numbers {
    a: i64,
    b: i64,
}

#[derive(Serialize)]
struct Sum {
    sum: i64,
}

async fn add(numbers: Numbers) -> Result<Sum, TaskFailure> {
    Ok(Sum { sum: numbers.a + numbers.b })
}

async fn divide(numbers: Numbers) -> Result<i64, TaskFailure> {
    numbers.a.checked_div(numbers.b).ok_or_else(|| {
        TaskFailure::new("Math.DivideByZero", format!("{} cannot be divided by zero", numbers.a))
    })
}

#[test]
fn a_nested_workflow_runs_inline_and_returns_its_output() {
    let add = Task::new("add", add);
    let inner = Workflow::new("sum", Flow::new().then(&add));
    let outer = Workflow::new(
        "outer",
        Flow::new().then(&inner).then(
            choice("Big?")
                .when(var("$.sum").greater_than(10), Flow::new().then(pass("Big")))
                .otherwise(Flow::new().then(fail("Small").error("Sum.TooSmall"))),
        ),
    );
    support::check(
        &outer,
        json!({"a": 7, "b": 5}),
        r#"
SUCCEEDED {"sum":12}
+0 ExecutionStarted
+0 ParallelStateEntered sum
+0 ParallelStateStarted
+0 TaskStateEntered sum/add
+0 ActivityScheduled
+0 ActivityStarted
+0 ActivitySucceeded
+0 TaskStateExited sum/add
+0 ParallelStateSucceeded
+0 ParallelStateExited sum
+0 ChoiceStateEntered Big?
+0 ChoiceStateExited Big?
+0 PassStateEntered Big
+0 PassStateExited Big
+0 ExecutionSucceeded
"#,
    );
    support::check(
        &outer,
        json!({"a": 1, "b": 2}),
        r#"
Failed Sum.TooSmall: -
+0 ExecutionStarted
+0 ParallelStateEntered sum
+0 ParallelStateStarted
+0 TaskStateEntered sum/add
+0 ActivityScheduled
+0 ActivityStarted
+0 ActivitySucceeded
+0 TaskStateExited sum/add
+0 ParallelStateSucceeded
+0 ParallelStateExited sum
+0 ChoiceStateEntered Big?
+0 ChoiceStateExited Big?
+0 FailStateEntered Small
+0 ExecutionFailed Sum.TooSmall
"#,
    );
}

#[test]
fn a_handler_error_fails_the_execution_with_its_name_and_cause() {
    let divide = Task::new("divide", divide)
        .retry(Retry::on(["Math.DivideByZero"]).interval(5).max_attempts(1));
    let workflow = Workflow::new("divide", Flow::new().then(&divide));
    support::check(
        &workflow,
        json!({"a": 6, "b": 3}),
        r#"
SUCCEEDED 2
+0 ExecutionStarted
+0 TaskStateEntered divide
+0 ActivityScheduled
+0 ActivityStarted
+0 ActivitySucceeded
+0 TaskStateExited divide
+0 ExecutionSucceeded
"#,
    );
    support::check(
        &workflow,
        json!({"a": 6, "b": 0}),
        r#"
Failed Math.DivideByZero: 6 cannot be divided by zero
+0 ExecutionStarted
+0 TaskStateEntered divide
+0 ActivityScheduled
+0 ActivityStarted
+0 ActivityFailed Math.DivideByZero
+5000 ActivityScheduled
+5000 ActivityStarted
+5000 ActivityFailed Math.DivideByZero
+5000 ExecutionFailed Math.DivideByZero
"#,
    );
}

#[test]
fn an_input_that_does_not_fit_the_handler_fails_with_its_own_error() {
    let add = Task::new("add", add).catch(
        Catch::on([baton_sdk::INPUT_INVALID]).result_path("$.error"),
        Flow::new().then(pass("Explain")),
    );
    support::check(
        &Workflow::new("add", Flow::new().then(&add)),
        json!({"a": "seven", "b": 5}),
        r#"
SUCCEEDED {"a":"seven","b":5,"error":{"Error":"Baton.TaskInputInvalid","Cause":"the task input does not fit: invalid type: string \"seven\", expected i64"}}
+0 ExecutionStarted
+0 TaskStateEntered add
+0 ActivityScheduled
+0 ActivityStarted
+0 ActivityFailed Baton.TaskInputInvalid
+0 TaskStateExited add
+0 PassStateEntered Explain
+0 PassStateExited Explain
+0 ExecutionSucceeded
"#,
    );
}

#[test]
fn the_real_clock_runs_too_and_the_history_has_the_api_shape() {
    let workflow = Workflow::new("hello", Flow::new().then(pass("Hello").result(json!("world"))));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let outcome =
        runtime.block_on(Engine::embedded().run(&workflow, &json!({}))).expect("the workflow runs");
    assert_eq!(outcome.result, Ok(json!("world")));
    let history = outcome.history.to_json();
    let types: Vec<&str> = history["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|event| event["type"].as_str())
        .collect();
    assert_eq!(
        types,
        ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]
    );
    let failed = runtime
        .block_on(
            Engine::embedded()
                .run(&Workflow::new("no", Flow::new().then(fail("No").error("Nope"))), &json!({})),
        )
        .expect("the workflow runs");
    assert_eq!(
        failed.result.map_err(|failure| (failure.status, failure.error)),
        Err((Status::Failed, Some("Nope".to_owned())))
    );
}
