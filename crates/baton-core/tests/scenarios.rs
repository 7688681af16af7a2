//! Interpreter scenarios. Each runs twice (../shared/STYLE.md S3): live, answering tasks as
//! they come, and replayed from the recorded inputs; both must render the same history. A third
//! run without history must end the same way.

use serde_json::{Value, json};

mod support;

use baton_core::simulate::{self, TaskAnswer};
use baton_core::{Outcome, Start, TaskRequest};

use support::{machine, render, start};

/// Runs `definition` on `input`, answering tasks in order from `answers`, and compares the
/// rendered history (one line per event) with `expect`.
fn check_execution(definition: &str, input: Value, answers: &[TaskAnswer], expect: &str) {
    let machine = machine(definition);
    let start = start(&input);
    let mut remaining = answers.iter().cloned();
    let mut answer = |_: &TaskRequest| remaining.next().expect("a scripted answer for every task");
    let live = simulate::run(&machine, start.clone(), &mut answer).expect("the execution runs");
    // Without history the execution must end the same way, having entered the same states.
    let mut remaining = answers.iter().cloned();
    let mut answer = |_: &TaskRequest| remaining.next().expect("a scripted answer for every task");
    let quiet = simulate::run(&machine, Start { record_history: false, ..start }, &mut answer)
        .expect("the execution runs without history");
    assert_eq!(quiet.outcome, live.outcome, "the outcome depends on recording history");
    assert_eq!(quiet.transitions, live.transitions);
    assert!(quiet.events.is_empty(), "events were built although history was not recorded");
    let (_, replayed) = simulate::replay(&machine, &live.inputs).expect("the inputs replay");
    let live_text = render(&live.events);
    assert_eq!(live_text, render(&replayed), "replay differs from the live run");
    assert_eq!(live_text.trim(), expect.trim(), "history differs:\n{live_text}");
}

fn ok(value: Value) -> TaskAnswer {
    TaskAnswer::Succeeded(value)
}

fn fail(error: &str) -> TaskAnswer {
    TaskAnswer::Failed { error: error.to_owned(), cause: format!("{error} happened") }
}

#[test]
fn pass_chain_with_parameters_and_result_path() {
    check_execution(
        r#"{"StartAt":"A","States":{
            "A":{"Type":"Pass","Parameters":{"v.$":"$.x"},"ResultPath":"$.a","Next":"B"},
            "B":{"Type":"Pass","Result":{"done":true},"ResultPath":"$.b","OutputPath":"$.b","End":true}}}"#,
        json!({"x": 1}),
        &[],
        r#"
1 0 ExecutionStarted {"input":"{\"x\":1}"}
2 0 PassStateEntered {"input":"{\"x\":1}","name":"A"}
3 2 PassStateExited {"name":"A","output":"{\"x\":1,\"a\":{\"v\":1}}"}
4 3 PassStateEntered {"input":"{\"x\":1,\"a\":{\"v\":1}}","name":"B"}
5 4 PassStateExited {"name":"B","output":"{\"done\":true}"}
6 5 ExecutionSucceeded {"output":"{\"done\":true}"}
"#,
    );
}

#[test]
fn task_retry_then_catch() {
    check_execution(
        r#"{"StartAt":"T","States":{
            "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},
                 "Retry":[{"ErrorEquals":["Boom"],"MaxAttempts":1,"IntervalSeconds":1}],
                 "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Caught"}],"End":true},
            "Caught":{"Type":"Pass","End":true}}}"#,
        json!({}),
        &[fail("Boom"), fail("Boom")],
        r#"
1 0 ExecutionStarted {"input":"{}"}
2 0 TaskStateEntered {"input":"{}","name":"T"}
3 2 TaskScheduled {"parameters":"{\"FunctionName\":\"f\"}","region":"us-east-1","resource":"invoke","resourceType":"lambda"}
4 3 TaskStarted {"resource":"invoke","resourceType":"lambda"}
5 4 TaskFailed {"cause":"Boom happened","error":"Boom","resource":"invoke","resourceType":"lambda"}
6 5 TaskScheduled {"parameters":"{\"FunctionName\":\"f\"}","region":"us-east-1","resource":"invoke","resourceType":"lambda"}
7 6 TaskStarted {"resource":"invoke","resourceType":"lambda"}
8 7 TaskFailed {"cause":"Boom happened","error":"Boom","resource":"invoke","resourceType":"lambda"}
9 8 TaskStateExited {"name":"T","output":"{\"error\":{\"Error\":\"Boom\",\"Cause\":\"Boom happened\"}}"}
10 9 PassStateEntered {"input":"{\"error\":{\"Error\":\"Boom\",\"Cause\":\"Boom happened\"}}","name":"Caught"}
11 10 PassStateExited {"name":"Caught","output":"{\"error\":{\"Error\":\"Boom\",\"Cause\":\"Boom happened\"}}"}
12 11 ExecutionSucceeded {"output":"{\"error\":{\"Error\":\"Boom\",\"Cause\":\"Boom happened\"}}"}
"#,
    );
}

#[test]
fn map_in_order_with_item_selector() {
    check_execution(
        r#"{"StartAt":"M","States":{
            "M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":1,
                 "ItemSelector":{"v.$":"$$.Map.Item.Value","i.$":"$$.Map.Item.Index"},
                 "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}"#,
        json!({"items": ["a", "b"]}),
        &[],
        r#"
1 0 ExecutionStarted {"input":"{\"items\":[\"a\",\"b\"]}"}
2 0 MapStateEntered {"input":"{\"items\":[\"a\",\"b\"]}","name":"M"}
3 2 MapStateStarted {"length":2}
4 3 MapIterationStarted {"index":0,"name":"M"}
5 4 PassStateEntered {"input":"{\"v\":\"a\",\"i\":0}","name":"P"}
6 5 PassStateExited {"name":"P","output":"{\"v\":\"a\",\"i\":0}"}
7 6 MapIterationSucceeded {"index":0,"name":"M"}
8 6 MapIterationStarted {"index":1,"name":"M"}
9 8 PassStateEntered {"input":"{\"v\":\"b\",\"i\":1}","name":"P"}
10 9 PassStateExited {"name":"P","output":"{\"v\":\"b\",\"i\":1}"}
11 10 MapIterationSucceeded {"index":1,"name":"M"}
12 11 MapStateSucceeded
13 11 MapStateExited {"name":"M","output":"[{\"v\":\"a\",\"i\":0},{\"v\":\"b\",\"i\":1}]"}
14 13 ExecutionSucceeded {"output":"[{\"v\":\"a\",\"i\":0},{\"v\":\"b\",\"i\":1}]"}
"#,
    );
}

#[test]
fn parallel_branch_failure_is_caught() {
    check_execution(
        r#"{"StartAt":"Par","States":{
            "Par":{"Type":"Parallel","Branches":[
                {"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":10,"End":true}}},
                {"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Nope","Cause":"no"}}}],
             "Catch":[{"ErrorEquals":["Nope"],"Next":"Done"}],"End":true},
            "Done":{"Type":"Succeed"}}}"#,
        json!({}),
        &[],
        r#"
1 0 ExecutionStarted {"input":"{}"}
2 0 ParallelStateEntered {"input":"{}","name":"Par"}
3 2 ParallelStateStarted
4 3 WaitStateEntered {"input":"{}","name":"W"}
5 3 FailStateEntered {"input":"{}","name":"F"}
6 4 WaitStateAborted
7 5 ParallelStateFailed
8 7 ParallelStateExited {"name":"Par","output":"{\"Error\":\"Nope\",\"Cause\":\"no\"}"}
9 8 SucceedStateEntered {"input":"{\"Error\":\"Nope\",\"Cause\":\"no\"}","name":"Done"}
10 9 SucceedStateExited {"name":"Done","output":"{\"Error\":\"Nope\",\"Cause\":\"no\"}"}
11 10 ExecutionSucceeded {"output":"{\"Error\":\"Nope\",\"Cause\":\"no\"}"}
"#,
    );
}

#[test]
fn choice_wait_and_variables() {
    check_execution(
        r#"{"StartAt":"C","States":{
            "C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":1,"Next":"W","Assign":{"big":true}}],"Default":"Done"},
            "W":{"Type":"Wait","SecondsPath":"$.n","Next":"Done"},
            "Done":{"Type":"Pass","Parameters":{"big.$":"$big"},"End":true}}}"#,
        json!({"n": 2}),
        &[],
        r#"
1 0 ExecutionStarted {"input":"{\"n\":2}"}
2 0 ChoiceStateEntered {"input":"{\"n\":2}","name":"C"}
3 2 ChoiceStateExited {"assignedVariables":{"big":"true"},"name":"C","output":"{\"n\":2}"}
4 3 WaitStateEntered {"input":"{\"n\":2}","name":"W"}
5 4 WaitStateExited {"name":"W","output":"{\"n\":2}"}
6 5 PassStateEntered {"input":"{\"n\":2}","name":"Done"}
7 6 PassStateExited {"name":"Done","output":"{\"big\":true}"}
8 7 ExecutionSucceeded {"output":"{\"big\":true}"}
"#,
    );
}

fn silent() -> TaskAnswer {
    TaskAnswer::Silent
}

#[test]
fn task_timeout_is_caught_as_states_timeout() {
    check_execution(
        r#"{"StartAt":"T","States":{
            "T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:slow","TimeoutSeconds":5,
                 "Catch":[{"ErrorEquals":["States.Timeout"],"Next":"Late"}],"End":true},
            "Late":{"Type":"Fail","Error":"TooSlow"}}}"#,
        json!({"a": 1}),
        &[silent()],
        r#"
1 0 ExecutionStarted {"input":"{\"a\":1}"}
2 0 TaskStateEntered {"input":"{\"a\":1}","name":"T"}
3 2 LambdaFunctionScheduled {"input":"{\"a\":1}","resource":"arn:aws:lambda:us-east-1:123456789012:function:slow","timeoutInSeconds":5}
4 3 LambdaFunctionStarted
5 4 LambdaFunctionTimedOut {"error":"States.Timeout"}
6 5 TaskStateExited {"name":"T","output":"{\"Error\":\"States.Timeout\",\"Cause\":\"\"}"}
7 6 FailStateEntered {"input":"{\"Error\":\"States.Timeout\",\"Cause\":\"\"}","name":"Late"}
8 7 ExecutionFailed {"error":"TooSlow"}
"#,
    );
}

#[test]
fn missing_input_path_is_an_uncatchable_runtime_error() {
    check_execution(
        r#"{"StartAt":"P","States":{
            "P":{"Type":"Pass","InputPath":"$.NoSuchInputPath","End":true}}}"#,
        json!({}),
        &[],
        r#"
1 0 ExecutionStarted {"input":"{}"}
2 0 PassStateEntered {"input":"{}","name":"P"}
3 2 ExecutionFailed {"cause":"An error occurred while executing the state 'P' (entered at the event id #2). Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']","error":"States.Runtime"}
"#,
    );
}

#[test]
fn no_choice_matched() {
    check_execution(
        r#"{"StartAt":"C","States":{
            "C":{"Type":"Choice","Choices":[{"Variable":"$.x","IsPresent":true,"Next":"D"}]},
            "D":{"Type":"Succeed"}}}"#,
        json!({}),
        &[],
        r#"
1 0 ExecutionStarted {"input":"{}"}
2 0 ChoiceStateEntered {"input":"{}","name":"C"}
3 2 ExecutionFailed {"cause":"No Choice Rules matched and no Default was specified for state 'C'.","error":"States.NoChoiceMatched"}
"#,
    );
}

#[test]
fn map_tolerated_failures_then_threshold() {
    check_execution(
        r#"{"StartAt":"M","States":{
            "M":{"Type":"Map","MaxConcurrency":1,"ToleratedFailureCount":1,
                 "ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}},
                 "End":true}}}"#,
        json!([1, 2, 3]),
        &[fail("E"), TaskAnswer::Succeeded(json!("ok")), fail("E")],
        r#"
1 0 ExecutionStarted {"input":"[1,2,3]"}
2 0 MapStateEntered {"input":"[1,2,3]","name":"M"}
3 2 MapStateStarted {"length":3}
4 3 MapIterationStarted {"index":0,"name":"M"}
5 4 TaskStateEntered {"input":"1","name":"T"}
6 5 TaskScheduled {"parameters":"1","region":"us-east-1","resource":"invoke","resourceType":"lambda"}
7 6 TaskStarted {"resource":"invoke","resourceType":"lambda"}
8 7 TaskFailed {"cause":"E happened","error":"E","resource":"invoke","resourceType":"lambda"}
9 8 MapIterationFailed {"index":0,"name":"M"}
10 8 MapIterationStarted {"index":1,"name":"M"}
11 10 TaskStateEntered {"input":"2","name":"T"}
12 11 TaskScheduled {"parameters":"2","region":"us-east-1","resource":"invoke","resourceType":"lambda"}
13 12 TaskStarted {"resource":"invoke","resourceType":"lambda"}
14 13 TaskSucceeded {"output":"\"ok\"","resource":"invoke","resourceType":"lambda"}
15 14 TaskStateExited {"name":"T","output":"\"ok\""}
16 15 MapIterationSucceeded {"index":1,"name":"M"}
17 15 MapIterationStarted {"index":2,"name":"M"}
18 17 TaskStateEntered {"input":"3","name":"T"}
19 18 TaskScheduled {"parameters":"3","region":"us-east-1","resource":"invoke","resourceType":"lambda"}
20 19 TaskStarted {"resource":"invoke","resourceType":"lambda"}
21 20 TaskFailed {"cause":"E happened","error":"E","resource":"invoke","resourceType":"lambda"}
22 21 MapIterationFailed {"index":2,"name":"M"}
23 21 MapStateFailed
24 23 ExecutionFailed {"cause":"The specified tolerated failure threshold was exceeded","error":"States.ExceedToleratedFailureThreshold"}
"#,
    );
}

#[test]
fn execution_timeout() {
    check_execution(
        r#"{"TimeoutSeconds":1,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":10,"End":true}}}"#,
        json!({}),
        &[],
        r#"
1 0 ExecutionStarted {"input":"{}"}
2 0 WaitStateEntered {"input":"{}","name":"W"}
3 2 ExecutionTimedOut {"cause":"The execution timed out.","error":"States.Timeout"}
"#,
    );
}

#[test]
fn state_output_over_the_payload_limit_fails_the_execution() {
    let big = "x".repeat(150_000);
    check_execution(
        r#"{"StartAt":"Double","States":{
            "Double":{"Type":"Pass","Parameters":{"twice.$":"States.Array($.s, $.s)"},
                      "End":true}}}"#,
        json!({ "s": big }),
        &[],
        &format!(
            r#"
1 0 ExecutionStarted {{"input":"{{\"s\":\"{big}\"}}"}}
2 0 PassStateEntered {{"input":"{{\"s\":\"{big}\"}}","name":"Double"}}
3 2 ExecutionFailed {{"cause":"The state/task 'Double' returned a result with a size exceeding the maximum number of bytes service limit.","error":"States.DataLimitExceeded"}}
"#
        ),
    );
}

#[test]
fn distributed_map_runs_iterations_as_child_executions() {
    // The iterations' events belong to the child executions' histories; they see none of the
    // parent's variables, so `$outer` resolves to nothing and the iteration fails, which the
    // tolerance absorbs.
    check_execution(
        r#"{"StartAt":"Set","States":{
            "Set":{"Type":"Pass","Assign":{"outer":1},"Next":"D"},
            "D":{"Type":"Map","ToleratedFailureCount":1,
                 "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},
                   "StartAt":"Use","States":{"Use":{"Type":"Pass","Parameters":{"v.$":"$outer"},"End":true}}},
                 "End":true}}}"#,
        json!([1]),
        &[],
        r#"
1 0 ExecutionStarted {"input":"[1]"}
2 0 PassStateEntered {"input":"[1]","name":"Set"}
3 2 PassStateExited {"assignedVariables":{"outer":"1"},"name":"Set","output":"[1]"}
4 3 MapStateEntered {"input":"[1]","name":"D"}
5 4 MapStateStarted {"length":1}
6 5 MapRunStarted {"mapRunArn":"arn:aws:states:us-east-1:123456789012:mapRun:test/D:1a30d3c0-635d-49b5-a017-1067701f1cac"}
7 6 MapRunSucceeded
8 7 MapStateSucceeded
9 7 MapStateExited {"name":"D","output":"[{\"Error\":\"States.Runtime\",\"Cause\":\"An error occurred while executing the state 'Use' (entered at the event id #2). The JSONPath '$outer' specified for the field 'v.$' could not be found in the input '1'\"}]"}
10 9 ExecutionSucceeded {"output":"[{\"Error\":\"States.Runtime\",\"Cause\":\"An error occurred while executing the state 'Use' (entered at the event id #2). The JSONPath '$outer' specified for the field 'v.$' could not be found in the input '1'\"}]"}
"#,
    );
}

#[test]
fn jsonata_task_output_assign_and_catch() {
    check_execution(
        r#"{"QueryLanguage":"JSONata","StartAt":"Call","States":{
            "Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                 "Arguments":{"FunctionName":"f","Payload":{"id":"{% $states.input.id %}","exec":"{% $states.context.Execution.Name %}"}},
                 "Output":{"total":"{% $states.result.Payload.a + $states.result.Payload.b %}","id":"{% $states.input.id %}"},
                 "Assign":{"first":"{% $states.result.Payload.a %}"},
                 "Next":"Again"},
            "Again":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                 "Arguments":{"FunctionName":"f","Payload":"{% $first %}"},
                 "Retry":[{"ErrorEquals":["Boom"],"MaxAttempts":1,"IntervalSeconds":1}],
                 "Catch":[{"ErrorEquals":["States.ALL"],"Output":{"why":"{% $states.errorOutput.Error %}","kept":"{% $states.input.total %}"},
                           "Assign":{"failed":true},"Next":"Report"}],
                 "End":true},
            "Report":{"Type":"Pass","Output":"{% $merge([$states.input, {'first': $first, 'failed': $failed}]) %}","End":true}}}"#,
        json!({"id": 7}),
        &[ok(json!({"Payload": {"a": 1, "b": 2}})), fail("Boom"), fail("Boom")],
        r#"
1 0 ExecutionStarted {"input":"{\"id\":7}"}
2 0 TaskStateEntered {"input":"{\"id\":7}","name":"Call"}
3 2 TaskScheduled {"parameters":"{\"FunctionName\":\"f\",\"Payload\":{\"id\":7,\"exec\":\"run\"}}","region":"us-east-1","resource":"invoke","resourceType":"lambda"}
4 3 TaskStarted {"resource":"invoke","resourceType":"lambda"}
5 4 TaskSucceeded {"output":"{\"Payload\":{\"a\":1,\"b\":2}}","resource":"invoke","resourceType":"lambda"}
6 5 TaskStateExited {"assignedVariables":{"first":"1"},"name":"Call","output":"{\"total\":3,\"id\":7}"}
7 6 TaskStateEntered {"input":"{\"total\":3,\"id\":7}","name":"Again"}
8 7 TaskScheduled {"parameters":"{\"FunctionName\":\"f\",\"Payload\":1}","region":"us-east-1","resource":"invoke","resourceType":"lambda"}
9 8 TaskStarted {"resource":"invoke","resourceType":"lambda"}
10 9 TaskFailed {"cause":"Boom happened","error":"Boom","resource":"invoke","resourceType":"lambda"}
11 10 TaskScheduled {"parameters":"{\"FunctionName\":\"f\",\"Payload\":1}","region":"us-east-1","resource":"invoke","resourceType":"lambda"}
12 11 TaskStarted {"resource":"invoke","resourceType":"lambda"}
13 12 TaskFailed {"cause":"Boom happened","error":"Boom","resource":"invoke","resourceType":"lambda"}
14 13 TaskStateExited {"assignedVariables":{"failed":"true"},"name":"Again","output":"{\"why\":\"Boom\",\"kept\":3}"}
15 14 PassStateEntered {"input":"{\"why\":\"Boom\",\"kept\":3}","name":"Report"}
16 15 PassStateExited {"name":"Report","output":"{\"why\":\"Boom\",\"kept\":3,\"first\":1,\"failed\":true}"}
17 16 ExecutionSucceeded {"output":"{\"why\":\"Boom\",\"kept\":3,\"first\":1,\"failed\":true}"}
"#,
    );
}

#[test]
fn jsonata_map_parallel_choice_wait_and_fail() {
    check_execution(
        r#"{"QueryLanguage":"JSONata","StartAt":"Setup","States":{
            "Setup":{"Type":"Pass","Assign":{"factor":10,"pause":"{% $count($states.input.items) %}"},"Next":"Each"},
            "Each":{"Type":"Map","Items":"{% $states.input.items[$ > 1] %}","MaxConcurrency":"{% 1 %}",
                 "ItemSelector":{"value":"{% $states.context.Map.Item.Value %}","at":"{% $states.context.Map.Item.Index %}"},
                 "ItemProcessor":{"StartAt":"Scale","States":{
                     "Scale":{"Type":"Pass","Output":"{% $states.input.value * $factor + $states.input.at %}","End":true}}},
                 "Output":"{% $sum($states.result) %}","Next":"Both"},
            "Both":{"Type":"Parallel","Arguments":{"n":"{% $states.input %}"},
                 "Branches":[
                     {"StartAt":"Half","States":{"Half":{"Type":"Pass","Output":"{% $states.input.n / 2 %}","End":true}}},
                     {"StartAt":"Pause","States":{"Pause":{"Type":"Wait","Seconds":"{% $pause %}","End":true}}}],
                 "Output":"{% $states.result[0] %}","Next":"Decide"},
            "Decide":{"Type":"Choice","Choices":[
                     {"Condition":"{% $states.input > 100 %}","Next":"TooBig","Assign":{"verdict":"big"}}],
                 "Default":"Done"},
            "TooBig":{"Type":"Fail","Error":"{% 'Big.' & $verdict %}","Cause":"{% 'value ' & $string($states.input) %}"},
            "Done":{"Type":"Succeed"}}}"#,
        json!({"items": [1, 5, 20]}),
        &[],
        r#"
1 0 ExecutionStarted {"input":"{\"items\":[1,5,20]}"}
2 0 PassStateEntered {"input":"{\"items\":[1,5,20]}","name":"Setup"}
3 2 PassStateExited {"assignedVariables":{"factor":"10","pause":"3"},"name":"Setup","output":"{\"items\":[1,5,20]}"}
4 3 MapStateEntered {"input":"{\"items\":[1,5,20]}","name":"Each"}
5 4 MapStateStarted {"length":2}
6 5 MapIterationStarted {"index":0,"name":"Each"}
7 6 PassStateEntered {"input":"{\"value\":5,\"at\":0}","name":"Scale"}
8 7 PassStateExited {"name":"Scale","output":"50"}
9 8 MapIterationSucceeded {"index":0,"name":"Each"}
10 8 MapIterationStarted {"index":1,"name":"Each"}
11 10 PassStateEntered {"input":"{\"value\":20,\"at\":1}","name":"Scale"}
12 11 PassStateExited {"name":"Scale","output":"201"}
13 12 MapIterationSucceeded {"index":1,"name":"Each"}
14 13 MapStateSucceeded
15 13 MapStateExited {"name":"Each","output":"251"}
16 15 ParallelStateEntered {"input":"251","name":"Both"}
17 16 ParallelStateStarted
18 17 PassStateEntered {"input":"{\"n\":251}","name":"Half"}
19 18 PassStateExited {"name":"Half","output":"125.5"}
20 17 WaitStateEntered {"input":"{\"n\":251}","name":"Pause"}
21 20 WaitStateExited {"name":"Pause","output":"{\"n\":251}"}
22 21 ParallelStateSucceeded
23 21 ParallelStateExited {"name":"Both","output":"125.5"}
24 23 ChoiceStateEntered {"input":"125.5","name":"Decide"}
25 24 ChoiceStateExited {"assignedVariables":{"verdict":"\"big\""},"name":"Decide","output":"125.5"}
26 25 FailStateEntered {"input":"125.5","name":"TooBig"}
27 26 ExecutionFailed {"cause":"value 125.5","error":"Big.big"}
"#,
    );
}

#[test]
fn jsonata_evaluation_failure_is_caught_with_its_event() {
    check_execution(
        r#"{"QueryLanguage":"JSONata","StartAt":"Call","States":{
            "Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                 "Arguments":{"FunctionName":"f"},
                 "Output":{"missing":"{% $states.result.nothing %}"},
                 "Catch":[{"ErrorEquals":["States.QueryEvaluationError"],"Next":"Caught"}],
                 "End":true},
            "Caught":{"Type":"Pass","End":true}}}"#,
        json!({}),
        &[ok(json!({"Payload": 1}))],
        r#"
1 0 ExecutionStarted {"input":"{}"}
2 0 TaskStateEntered {"input":"{}","name":"Call"}
3 2 TaskScheduled {"parameters":"{\"FunctionName\":\"f\"}","region":"us-east-1","resource":"invoke","resourceType":"lambda"}
4 3 TaskStarted {"resource":"invoke","resourceType":"lambda"}
5 4 TaskSucceeded {"output":"{\"Payload\":1}","resource":"invoke","resourceType":"lambda"}
6 5 EvaluationFailed {"cause":"An error occurred while executing the state 'Call' (entered at the event id #2). The JSONata expression '$states.result.nothing' specified for the field 'Output/missing' returned nothing (undefined).","error":"States.QueryEvaluationError","location":"Output/missing","state":"Call"}
7 6 TaskStateExited {"name":"Call","output":"{\"Error\":\"States.QueryEvaluationError\",\"Cause\":\"An error occurred while executing the state 'Call' (entered at the event id #2). The JSONata expression '$states.result.nothing' specified for the field 'Output/missing' returned nothing (undefined).\"}"}
8 7 PassStateEntered {"input":"{\"Error\":\"States.QueryEvaluationError\",\"Cause\":\"An error occurred while executing the state 'Call' (entered at the event id #2). The JSONata expression '$states.result.nothing' specified for the field 'Output/missing' returned nothing (undefined).\"}","name":"Caught"}
9 8 PassStateExited {"name":"Caught","output":"{\"Error\":\"States.QueryEvaluationError\",\"Cause\":\"An error occurred while executing the state 'Call' (entered at the event id #2). The JSONata expression '$states.result.nothing' specified for the field 'Output/missing' returned nothing (undefined).\"}"}
10 9 ExecutionSucceeded {"output":"{\"Error\":\"States.QueryEvaluationError\",\"Cause\":\"An error occurred while executing the state 'Call' (entered at the event id #2). The JSONata expression '$states.result.nothing' specified for the field 'Output/missing' returned nothing (undefined).\"}"}
"#,
    );
}

/// Runs `definition` (no tasks) and checks how it ends: `(status, error, cause prefix)`.
fn check_outcome(definition: &str, input: Value, expect: (&str, &str, &str)) {
    let machine = machine(definition);
    let mut no_tasks = |_: &TaskRequest| -> TaskAnswer { panic!("the scenario has no tasks") };
    let run = simulate::run(&machine, start(&input), &mut no_tasks).expect("the execution runs");
    let (error, cause) = match &run.outcome {
        Outcome::Failed { error, cause } => (error.clone(), cause.clone()),
        _ => (None, None),
    };
    let (status, expected_error, cause_prefix) = expect;
    assert_eq!(run.outcome.status(), status, "{:?}", run.outcome);
    assert_eq!(error.unwrap_or_default(), expected_error);
    let cause = cause.unwrap_or_default();
    assert!(cause.starts_with(cause_prefix), "cause: {cause}");
}

#[test]
fn variable_limits() {
    // One variable of 300,000 bytes; two of 150,000 in one Assign; 60 parked Map iterations
    // holding 200,000 bytes each (12 MB, over the execution's 10 MiB).
    let one_big = r#"{"QueryLanguage":"JSONata","StartAt":"A","States":{
        "A":{"Type":"Pass","Assign":{"big":"{% $pad('', 300000, 'x') %}"},"End":true}}}"#;
    let assign_big = r#"{"QueryLanguage":"JSONata","StartAt":"A","States":{
        "A":{"Type":"Pass","Assign":{"a":"{% $pad('', 150000, 'x') %}","b":"{% $pad('', 150000, 'y') %}"},"End":true}}}"#;
    let execution_big = r#"{"QueryLanguage":"JSONata","StartAt":"M","States":{
        "M":{"Type":"Map","Items":"{% [1..60] %}","ItemProcessor":{"StartAt":"Hold","States":{
            "Hold":{"Type":"Pass","Assign":{"held":"{% $pad('', 200000, 'x') %}"},"Next":"Park"},
            "Park":{"Type":"Wait","Seconds":1,"End":true}}},"End":true}}}"#;
    let reassigned = r#"{"QueryLanguage":"JSONata","StartAt":"M","States":{
        "M":{"Type":"Map","MaxConcurrency":1,"Items":"{% [1..60] %}","ItemProcessor":{"StartAt":"Hold","States":{
            "Hold":{"Type":"Pass","Assign":{"held":"{% $pad('', 200000, 'x') %}"},"Next":"Park"},
            "Park":{"Type":"Wait","Seconds":1,"End":true}}},"Output":"{% $count($states.result) %}","End":true}}}"#;
    let failed = "States.DataLimitExceeded";
    check_outcome(
        one_big,
        json!({}),
        (
            "FAILED",
            failed,
            "An error occurred while executing the state 'A' (entered at the event id #2). The variable 'big' is larger than 262144 bytes.",
        ),
    );
    check_outcome(
        assign_big,
        json!({}),
        (
            "FAILED",
            failed,
            "An error occurred while executing the state 'A' (entered at the event id #2). The variables assigned by the state total more than 262144 bytes.",
        ),
    );
    check_outcome(
        execution_big,
        json!({}),
        ("FAILED", failed, "An error occurred while executing the state 'Hold'"),
    );
    // Iterations that finish release their variables: one at a time stays under the limit.
    check_outcome(reassigned, json!({}), ("SUCCEEDED", "", ""));
}

#[test]
fn item_batcher_groups_items_for_each_child_execution() {
    let run = |definition: &str, input: Value| {
        let machine = machine(definition);
        let mut no_tasks = |_: &TaskRequest| -> TaskAnswer { panic!("the scenario has no tasks") };
        simulate::run(&machine, start(&input), &mut no_tasks).expect("the execution runs").outcome
    };
    let jsonpath = r#"{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items",
        "ItemSelector":{"v.$":"$$.Map.Item.Value"},
        "ItemBatcher":{"MaxItemsPerBatch":2,"BatchInput":{"tag.$":"$.tag"}},
        "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
            "StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}"#;
    assert_eq!(
        run(jsonpath, json!({"items": [1, 2, 3], "tag": "t"})),
        Outcome::Succeeded {
            output: r#"[{"BatchInput":{"tag":"t"},"Items":[{"v":1},{"v":2}]},{"BatchInput":{"tag":"t"},"Items":[{"v":3}]}]"#.to_owned()
        }
    );
    // By size: each item serializes to 12 bytes; 40 bytes hold two of them after the framing.
    let jsonata = r#"{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map",
        "Items":"{% $states.input.items %}",
        "ItemBatcher":{"MaxInputBytesPerBatch":"{% $states.input.bytes %}"},
        "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
            "StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $count($states.input.Items) %}","End":true}}},
        "End":true}}}"#;
    let items = json!(["aaaaaaaaaa", "bbbbbbbbbb", "cccccccccc", "dddddddddd", "eeeeeeeeee"]);
    // BatchInput reads the context object (as a recorded AWS definition does).
    let with_context = r#"{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map",
        "Items":"{% [1, 2, 3] %}",
        "ItemBatcher":{"MaxItemsPerBatch":2,"BatchInput":{"from":"{% $states.context.State.Name %}"}},
        "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
            "StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $states.input.BatchInput.from %}","End":true}}},
        "End":true}}}"#;
    assert_eq!(
        run(with_context, json!({})),
        Outcome::Succeeded { output: r#"["M","M"]"#.to_owned() }
    );
    assert_eq!(
        run(jsonata, json!({"items": items, "bytes": 40})),
        Outcome::Succeeded { output: "[2,2,1]".to_owned() }
    );
}

#[test]
fn evaluation_failed_points_where_aws_points_it() {
    // Recorded: BASE_UNDEFINED_OUTPUT_MULTIPLE_STATES (EvaluationFailed points at what the
    // Entered event points at) and test_wait_timestamp_jsonata (a bad Timestamp points at the
    // Entered event).
    check_execution(
        r#"{"QueryLanguage":"JSONata","StartAt":"A","States":{
            "A":{"Type":"Pass","Next":"B"},
            "B":{"Type":"Pass","Output":{"result":"{% $doesNotExist %}"},"End":true}}}"#,
        json!({}),
        &[],
        r#"
1 0 ExecutionStarted {"input":"{}"}
2 0 PassStateEntered {"input":"{}","name":"A"}
3 2 PassStateExited {"name":"A","output":"{}"}
4 3 PassStateEntered {"input":"{}","name":"B"}
5 3 EvaluationFailed {"cause":"An error occurred while executing the state 'B' (entered at the event id #4). The JSONata expression '$doesNotExist' specified for the field 'Output/result' returned nothing (undefined).","error":"States.QueryEvaluationError","location":"Output/result","state":"B"}
6 5 ExecutionFailed {"cause":"An error occurred while executing the state 'B' (entered at the event id #4). The JSONata expression '$doesNotExist' specified for the field 'Output/result' returned nothing (undefined).","error":"States.QueryEvaluationError"}
"#,
    );
    check_execution(
        r#"{"QueryLanguage":"JSONata","StartAt":"W","States":{
            "W":{"Type":"Wait","Timestamp":"{% '2016-12-05T21:29:29' %}","End":true}}}"#,
        json!({}),
        &[],
        r#"
1 0 ExecutionStarted {"input":"{}"}
2 0 WaitStateEntered {"input":"{}","name":"W"}
3 2 EvaluationFailed {"cause":"An error occurred while executing the state 'W' (entered at the event id #2). The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: 2016-12-05T21:29:29","error":"States.QueryEvaluationError","location":"Timestamp","state":"W"}
4 3 ExecutionFailed {"cause":"An error occurred while executing the state 'W' (entered at the event id #2). The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: 2016-12-05T21:29:29","error":"States.QueryEvaluationError"}
"#,
    );
}

#[test]
fn task_fields_outside_the_payload_read_the_context_object() {
    // An activity hands out a task token; `$$` is built for what reads it, not for the token:
    // TimeoutSecondsPath, HeartbeatSecondsPath and a Catch's Assign read it here.
    check_execution(
        r#"{"StartAt":"T","States":{
            "T":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:work",
                 "TimeoutSecondsPath":"$$.Execution.Input.timeout",
                 "HeartbeatSecondsPath":"$$.Execution.Input.heartbeat",
                 "Catch":[{"ErrorEquals":["States.ALL"],"Assign":{"from.$":"$$.State.Name"},"Next":"Caught"}],
                 "End":true},
            "Caught":{"Type":"Pass","Parameters":{"from.$":"$from"},"End":true}}}"#,
        json!({"timeout": 30, "heartbeat": 10}),
        &[fail("Boom")],
        r#"
1 0 ExecutionStarted {"input":"{\"timeout\":30,\"heartbeat\":10}"}
2 0 TaskStateEntered {"input":"{\"timeout\":30,\"heartbeat\":10}","name":"T"}
3 2 ActivityScheduled {"heartbeatInSeconds":10,"input":"{\"timeout\":30,\"heartbeat\":10}","resource":"arn:aws:states:us-east-1:123456789012:activity:work","timeoutInSeconds":30}
4 3 ActivityFailed {"cause":"Boom happened","error":"Boom"}
5 4 TaskStateExited {"assignedVariables":{"from":"\"T\""},"name":"T","output":"{\"Error\":\"Boom\",\"Cause\":\"Boom happened\"}"}
6 5 PassStateEntered {"input":"{\"Error\":\"Boom\",\"Cause\":\"Boom happened\"}","name":"Caught"}
7 6 PassStateExited {"name":"Caught","output":"{\"from\":\"T\"}"}
8 7 ExecutionSucceeded {"output":"{\"from\":\"T\"}"}
"#,
    );
}
