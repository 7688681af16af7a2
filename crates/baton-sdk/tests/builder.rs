//! The builder, one workflow a case: `check` compiles it for the local target and compares a
//! part of the definition (a JSON pointer into it) with the expectation; `check_error` compares
//! the message of a workflow that must not compile.

use serde_json::{Value, json};

use baton_sdk::condition::{Path, var};
use baton_sdk::{Catch, Delay, Flow, Retry, Target, Task, TaskFailure, Workflow};
use baton_sdk::{choice, fail, map, parallel, pass, succeed, wait};

#[test]
fn choice_operators_follow_the_compared_type() {
    let noon = "2024-06-01T12:00:00Z".parse::<jiff::Timestamp>().expect("a timestamp");
    let route = choice("Route")
        .when(var("$.name").equals("Ada"), Flow::new().then(pass("String")))
        .when(var("$.count").greater_than(2.5), Flow::new().then(pass("Number")))
        .when(var("$.vip").equals(true), Flow::new().then(pass("Boolean")))
        .when(var("$.at").less_than(noon), Flow::new().then(pass("Timestamp")))
        .when(
            var("$.count").greater_than_or_equal(Path::<u64>::new("$.limit")),
            Flow::new().then(pass("Path")),
        )
        .when(
            !var("$.note").is_present() | var("$.note").is_null() | var("$.code").matches("A*"),
            Flow::new().then(pass("Tests")),
        )
        .when(
            var("$.n").is_numeric() & var("$.s").is_string() & var("$.b").is_boolean(),
            Flow::new().then(pass("Kinds")),
        )
        .when(var("$.t").is_timestamp(), Flow::new().then(pass("Instant")));
    check(
        Workflow::new("route", Flow::new().then(route)),
        "/States/Route/Choices",
        json!([
            {"Variable": "$.name", "StringEquals": "Ada", "Next": "String"},
            {"Variable": "$.count", "NumericGreaterThan": 2.5, "Next": "Number"},
            {"Variable": "$.vip", "BooleanEquals": true, "Next": "Boolean"},
            {"Variable": "$.at", "TimestampLessThan": "2024-06-01T12:00:00Z", "Next": "Timestamp"},
            {"Variable": "$.count", "NumericGreaterThanEqualsPath": "$.limit", "Next": "Path"},
            {"Or": [
                {"Not": {"Variable": "$.note", "IsPresent": true}},
                {"Variable": "$.note", "IsNull": true},
                {"Variable": "$.code", "StringMatches": "A*"}
            ], "Next": "Tests"},
            {"And": [
                {"Variable": "$.n", "IsNumeric": true},
                {"Variable": "$.s", "IsString": true},
                {"Variable": "$.b", "IsBoolean": true}
            ], "Next": "Kinds"},
            {"Variable": "$.t", "IsTimestamp": true, "Next": "Instant"}
        ]),
    );
}

#[test]
fn choice_flows_go_on_after_the_choice_unless_they_end() {
    let flow = Flow::new()
        .then(
            choice("Size?")
                .when(
                    var("$.size").greater_than(10),
                    Flow::new().then(pass("Big")).then(pass("Bigger")),
                )
                .when(var("$.size").less_than(0), Flow::new().then(fail("Negative").error("Size")))
                .otherwise(Flow::new().then(pass("Small"))),
        )
        .then(pass("After"));
    check(
        Workflow::new("sizes", flow),
        "",
        json!({
            "StartAt": "Size?",
            "States": {
                "Size?": {
                    "Type": "Choice",
                    "Choices": [
                        {"Variable": "$.size", "NumericGreaterThan": 10, "Next": "Big"},
                        {"Variable": "$.size", "NumericLessThan": 0, "Next": "Negative"}
                    ],
                    "Default": "Small"
                },
                "Big": {"Type": "Pass", "Next": "Bigger"},
                "Bigger": {"Type": "Pass", "Next": "After"},
                "Negative": {"Type": "Fail", "Error": "Size"},
                "Small": {"Type": "Pass", "Next": "After"},
                "After": {"Type": "Pass", "End": true}
            }
        }),
    );
}

#[test]
fn task_steps_carry_the_declared_policy_after_their_own() {
    let charge = Task::new("charge", echo)
        .retry(
            Retry::all().interval(2).max_attempts(5).backoff_rate(1.5).max_delay(60).full_jitter(),
        )
        .catch(Catch::on(["Card.Declined"]), Flow::new().then(fail("Declined")))
        .timeout_seconds(30)
        .heartbeat_seconds(10);
    let step = charge
        .step()
        .named("Charge card")
        .comment("Takes the money.")
        .input_path("$.order")
        .parameters(json!({"amount.$": "$.total"}))
        .result_selector(json!({"id.$": "$.charge_id"}))
        .result_path("$.charge")
        .output_path("$.charge")
        .retry(Retry::on(["Card.Busy"]).max_attempts(0))
        .catch(Catch::all().result_path("$.error"), Flow::new().then(pass("Log failure")));
    check(
        Workflow::new("payments", Flow::new().then(step).then(succeed("Paid"))),
        "/States",
        json!({
            "Charge card": {
                "Type": "Task",
                "Comment": "Takes the money.",
                "Resource": "arn:aws:states:us-east-1:123456789012:activity:charge",
                "InputPath": "$.order",
                "Parameters": {"amount.$": "$.total"},
                "ResultSelector": {"id.$": "$.charge_id"},
                "ResultPath": "$.charge",
                "OutputPath": "$.charge",
                "TimeoutSeconds": 30,
                "HeartbeatSeconds": 10,
                "Retry": [
                    {"ErrorEquals": ["Card.Busy"], "MaxAttempts": 0},
                    {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2, "MaxAttempts": 5,
                     "BackoffRate": 1.5, "MaxDelaySeconds": 60, "JitterStrategy": "FULL"}
                ],
                "Catch": [
                    {"ErrorEquals": ["Card.Declined"], "Next": "Declined"},
                    {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Log failure"}
                ],
                "Next": "Paid"
            },
            "Declined": {"Type": "Fail"},
            "Log failure": {"Type": "Pass", "Next": "Paid"},
            "Paid": {"Type": "Succeed"}
        }),
    );
}

#[test]
fn parallel_and_map_steps_retry_and_catch() {
    let fan_out =
        parallel("Both", [Flow::new().then(pass("Left")), Flow::new().then(pass("Right"))])
            .retry(Retry::on(["States.BranchFailed"]))
            .catch(Catch::all(), Flow::new().then(pass("Recover")));
    let each = map("Each", "$.items", Flow::new().then(pass("Item")))
        .max_concurrency(4)
        .item_selector(json!({"item.$": "$$.Map.Item.Value", "shared.$": "$.shared"}))
        .result_path("$.results")
        .retry(Retry::all().max_attempts(1));
    check(
        Workflow::new("fan", Flow::new().then(fan_out).then(each)),
        "/States",
        json!({
            "Both": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": true}}},
                    {"StartAt": "Right", "States": {"Right": {"Type": "Pass", "End": true}}}
                ],
                "Retry": [{"ErrorEquals": ["States.BranchFailed"]}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Recover"}],
                "Next": "Each"
            },
            "Recover": {"Type": "Pass", "Next": "Each"},
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemSelector": {"item.$": "$$.Map.Item.Value", "shared.$": "$.shared"},
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Item",
                    "States": {"Item": {"Type": "Pass", "End": true}}
                },
                "MaxConcurrency": 4,
                "ResultPath": "$.results",
                "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1}],
                "End": true
            }
        }),
    );
}

#[test]
fn wait_steps_take_every_kind_of_delay() {
    let noon = "2024-06-01T12:00:00Z".parse::<jiff::Timestamp>().expect("a timestamp");
    let flow = Flow::new()
        .then(wait("Until noon", Delay::Until(noon)).comment("Lunch."))
        .then(wait("As long as asked", Delay::SecondsPath("$.seconds".to_owned())))
        .then(wait("Until asked", Delay::TimestampPath("$.at".to_owned())).output_path("$.rest"));
    check(
        Workflow::new("waits", flow),
        "/States",
        json!({
            "Until noon": {"Type": "Wait", "Comment": "Lunch.", "Timestamp": "2024-06-01T12:00:00Z", "Next": "As long as asked"},
            "As long as asked": {"Type": "Wait", "SecondsPath": "$.seconds", "Next": "Until asked"},
            "Until asked": {"Type": "Wait", "TimestampPath": "$.at", "OutputPath": "$.rest", "End": true}
        }),
    );
}

#[test]
fn nested_workflows_are_one_branch_parallels_with_prefixed_states() {
    let inner = Workflow::new(
        "greet",
        Flow::new().then(pass("Hello").result(json!("hi"))).then(&Task::new("shout", echo)),
    );
    let outer = Workflow::new(
        "outer",
        Flow::new()
            .then(&inner)
            .then(inner.step().named("Again").retry(Retry::all()))
            .then(pass("Done").input_path("$")),
    )
    .comment("Greets twice.");
    check(
        outer,
        "",
        json!({
            "Comment": "Greets twice.",
            "StartAt": "greet",
            "States": {
                "greet": {
                    "Type": "Parallel",
                    "Branches": [{"StartAt": "greet/Hello", "States": {
                        "greet/Hello": {"Type": "Pass", "Result": "hi", "Next": "greet/shout"},
                        "greet/shout": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:shout", "End": true}
                    }}],
                    "OutputPath": "$[0]",
                    "Next": "Again"
                },
                "Again": {
                    "Type": "Parallel",
                    "Branches": [{"StartAt": "Again/Hello", "States": {
                        "Again/Hello": {"Type": "Pass", "Result": "hi", "Next": "Again/shout"},
                        "Again/shout": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:shout", "End": true}
                    }}],
                    "OutputPath": "$[0]",
                    "Retry": [{"ErrorEquals": ["States.ALL"]}],
                    "Next": "Done"
                },
                "Done": {"Type": "Pass", "InputPath": "$", "End": true}
            }
        }),
    );
}

#[test]
fn prefixed_names_past_the_limit_end_in_a_hash() {
    let long = "a step name of exactly sixty characters, to nest it deeply..";
    let inner = Workflow::new("inner", Flow::new().then(pass("and the state inside it")));
    let outer = Workflow::new("outer", Flow::new().then(inner.step().named(long)));
    check(
        outer,
        "/States/a step name of exactly sixty characters, to nest it deeply../Branches/0/StartAt",
        json!("a step name of exactly sixty characters, to nest it deeply../and the st~4b7e7267"),
    );
}

#[test]
fn a_name_used_twice_is_refused() {
    check_error(
        Workflow::new("twice", Flow::new().then(pass("Same")).then(pass("Same"))),
        r#"two steps are named "Same"; state names must be unique across the workflow (rename one with `.named(..)`)"#,
    );
    let task = Task::new("echo", echo);
    check_error(
        Workflow::new(
            "tasks",
            Flow::new().then(parallel("P", [Flow::new().then(&task), Flow::new().then(&task)])),
        ),
        r#"two steps are named "echo"; state names must be unique across the workflow (rename one with `.named(..)`)"#,
    );
}

#[test]
fn two_handlers_under_one_name_are_refused() {
    let first = Task::new("work", echo);
    let second = Task::new("work", echo);
    check_error(
        Workflow::new("work", Flow::new().then(&first).then(second.step().named("Second"))),
        r#"two different handlers are declared as task "work"; a resource name stands for one handler (declare the task once and reuse it)"#,
    );
}

#[test]
fn names_must_fit_the_limit() {
    check_error(
        Workflow::new("long", Flow::new().then(pass("x".repeat(81)))),
        &format!(r#"step name "{}" must be 1 to 80 characters long"#, "x".repeat(81)),
    );
    check_error(
        Workflow::new("empty", Flow::new().then(pass(""))),
        r#"step name "" must be 1 to 80 characters long"#,
    );
}

#[test]
fn flows_without_steps_are_refused() {
    check_error(Workflow::new("nothing", Flow::new()), r#"workflow "nothing" has no steps"#);
    check_error(
        Workflow::new(
            "p",
            Flow::new().then(parallel("P", [Flow::new().then(pass("A")), Flow::new()])),
        ),
        r#"branch 2 of parallel step "P" has no steps"#,
    );
    check_error(
        Workflow::new("m", Flow::new().then(map("M", "$.items", Flow::new()))),
        r#"the processor of map step "M" has no steps"#,
    );
    check_error(
        Workflow::new("c", Flow::new().then(choice("C").when(var("$.a").is_null(), Flow::new()))),
        r#"rule 1 of choice "C" has no steps"#,
    );
    check_error(
        Workflow::new("c", Flow::new().then(choice("C"))),
        r#"choice "C" has no `when` rule"#,
    );
}

#[test]
fn steps_after_an_end_are_refused() {
    check_error(
        Workflow::new("s", Flow::new().then(succeed("Done")).then(pass("Later"))),
        r#"step "Later" can never run: "Done" before it always ends the flow"#,
    );
    let dead_end = choice("Which?")
        .when(var("$.a").is_null(), Flow::new().then(fail("No")))
        .otherwise(Flow::new().then(succeed("Yes")));
    check_error(
        Workflow::new("c", Flow::new().then(dead_end).then(pass("Later"))),
        r#"step "Later" can never run: "Which?" before it always ends the flow"#,
    );
}

#[test]
fn definitions_that_do_not_validate_are_refused_with_diagnostics() {
    check_error(
        Workflow::new("paths", Flow::new().then(pass("P").result_path("not a path"))),
        "workflow \"paths\" compiles to an invalid definition: SCHEMA_VALIDATION_FAILED: The value \
         'not a path' is not a valid JSONPath: a path must start with '$' at offset 0 at \
         /States/P/ResultPath",
    );
}

async fn echo(input: Value) -> Result<Value, TaskFailure> {
    Ok(input)
}

/// Compiles `workflow` and compares the part of its definition at `pointer` with `expect`; the
/// whole definition must compile to the same text twice.
fn check(workflow: Workflow, pointer: &str, expect: Value) {
    let definition = workflow.compile(&Target::local()).unwrap_or_else(|error| panic!("{error}"));
    let again = workflow.compile(&Target::local()).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(definition.to_text(), again.to_text(), "compiling is deterministic");
    let actual = definition.json().pointer(pointer).unwrap_or_else(|| panic!("no {pointer}"));
    // Compared as text, so that the order of keys (which the output promises) counts too.
    let (actual, expect) = (actual.to_string(), expect.to_string());
    assert!(actual == expect, "{pointer} differs:\nexpected {expect}\nactual   {actual}");
}

/// Compiles `workflow`, which must fail with the message `expect`.
fn check_error(workflow: Workflow, expect: &str) {
    match workflow.compile(&Target::local()) {
        Ok(definition) => panic!("compiled, to {}", definition.to_text()),
        Err(error) => assert_eq!(error.to_string(), expect),
    }
}
