//! State machine versions and aliases through the API, without sockets (STYLE S7): publishing
//! (on its own and with Create/UpdateStateMachine), listing, describing and deleting versions;
//! aliases and their routing; executions started on a version or an alias. Each scenario is a
//! list of steps run by one `check` (STYLE S1): an action, its request (where `$name` stands
//! for an ARN an earlier step answered) and what the answer must hold.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use serde_json::{Value, json};
use tower::ServiceExt;

use baton_api::{Handle, Options};
use baton_integrations::Handlers;

const ROLE: &str = "arn:aws:iam::123456789012:role/test";
const MACHINE: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:M";
/// How long a step waits for an execution to end before it fails.
const WAIT_MAX: Duration = Duration::from_secs(30);

fn definition(result: &str) -> String {
    json!({ "StartAt": "P", "States": { "P": { "Type": "Pass", "Result": result, "End": true } } })
        .to_string()
}

/// One step: `action` with `request`; the answer must contain `expect` (every field of it,
/// recursively; `"*"` matches any value). `save` names answer fields to keep as `$name`.
struct Step {
    action: &'static str,
    request: Value,
    expect: Value,
    save: &'static [(&'static str, &'static str)],
}

fn step(action: &'static str, request: Value, expect: Value) -> Step {
    Step { action, request, expect, save: &[] }
}

fn saving(
    action: &'static str,
    request: Value,
    expect: Value,
    save: &'static [(&'static str, &'static str)],
) -> Step {
    Step { action, request, expect, save }
}

fn error(aws_type: &str, message: &str) -> Value {
    json!({ "__type": aws_type, "message": message })
}

async fn check(steps: Vec<Step>) {
    let handle = Options::local().build(Arc::new(Handlers::new())).handle();
    let mut saved = BTreeMap::new();
    for (index, step) in steps.into_iter().enumerate() {
        let request = substitute(step.request, &saved);
        let mut answer = send(&handle, step.action, &request).await;
        if step.action == "StartExecution" && answer.get("executionArn").is_some() {
            finished(&handle, answer["executionArn"].as_str().unwrap_or_default()).await;
        }
        if step.action == "DescribeExecution" {
            answer = finished(&handle, request["executionArn"].as_str().unwrap_or_default()).await;
        }
        let expect = substitute(step.expect, &saved);
        assert!(
            contains(&answer, &expect),
            "step {index} {}: {request}\nexpected {expect}\ngot {answer}",
            step.action
        );
        for (name, field) in step.save {
            saved.insert(format!("${name}"), answer[*field].clone());
        }
    }
}

async fn send(handle: &Handle, action: &str, body: &Value) -> Value {
    let request = Request::post("/")
        .header("x-amz-target", format!("AWSStepFunctions.{action}"))
        .header("content-type", "application/x-amz-json-1.0")
        .body(Body::from(body.to_string()))
        .expect("a well-formed request");
    let response = baton_api::app(handle.clone()).oneshot(request).await.expect("infallible");
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("a body");
    serde_json::from_slice(&bytes).expect("a JSON answer")
}

/// DescribeExecution until the execution has ended.
async fn finished(handle: &Handle, arn: &str) -> Value {
    let deadline = Instant::now() + WAIT_MAX;
    loop {
        let answer = send(handle, "DescribeExecution", &json!({ "executionArn": arn })).await;
        if answer["status"] != "RUNNING" || Instant::now() > deadline {
            return answer;
        }
        tokio::task::yield_now().await;
    }
}

fn substitute(value: Value, saved: &BTreeMap<String, Value>) -> Value {
    match value {
        Value::String(text) => saved.get(&text).cloned().unwrap_or_else(|| {
            // Inside a longer text (a message), a saved string stands in for its name.
            let replaced = saved.iter().fold(text, |text, (name, value)| match value {
                Value::String(value) => text.replace(name.as_str(), value),
                _ => text,
            });
            Value::String(replaced)
        }),
        Value::Array(items) => items.into_iter().map(|item| substitute(item, saved)).collect(),
        Value::Object(fields) => {
            fields.into_iter().map(|(key, value)| (key, substitute(value, saved))).collect()
        }
        other => other,
    }
}

/// Whether `actual` holds everything `expected` says; `null` in `expected` means "absent".
fn contains(actual: &Value, expected: &Value) -> bool {
    match (expected, actual) {
        (Value::String(star), _) if star == "*" => true,
        (Value::Object(fields), Value::Object(actual)) => {
            fields.iter().all(|(key, value)| match actual.get(key) {
                Some(found) => contains(found, value),
                None => value.is_null(),
            })
        }
        (Value::Array(items), Value::Array(actual)) => {
            items.len() == actual.len() && items.iter().zip(actual).all(|(e, a)| contains(a, e))
        }
        _ => expected == actual,
    }
}

fn create(publish: bool) -> Value {
    json!({ "name": "M", "definition": definition("one"), "roleArn": ROLE, "publish": publish })
}

fn version(number: u64) -> String {
    format!("{MACHINE}:{number}")
}

#[tokio::test]
async fn publishing_numbers_versions_and_keeps_their_definitions() {
    check(vec![
        step("CreateStateMachine", create(true), json!({ "stateMachineVersionArn": version(1) })),
        // The current revision has a version: publishing again answers with it.
        step(
            "PublishStateMachineVersion",
            json!({ "stateMachineArn": MACHINE }),
            json!({ "stateMachineVersionArn": version(1) }),
        ),
        saving(
            "UpdateStateMachine",
            json!({ "stateMachineArn": MACHINE, "definition": definition("two") }),
            json!({ "revisionId": "*", "stateMachineVersionArn": null }),
            &[("revision2", "revisionId")],
        ),
        step(
            "PublishStateMachineVersion",
            json!({ "stateMachineArn": MACHINE, "revisionId": "stale" }),
            error(
                "ConflictException",
                "Failed to publish the State Machine version for revision stale. The current State Machine revision is $revision2.",
            ),
        ),
        step(
            "PublishStateMachineVersion",
            json!({ "stateMachineArn": MACHINE, "description": "second" }),
            json!({ "stateMachineVersionArn": version(2) }),
        ),
        step(
            "UpdateStateMachine",
            json!({ "stateMachineArn": MACHINE, "definition": definition("three"), "publish": true, "versionDescription": "third" }),
            json!({ "stateMachineVersionArn": version(3) }),
        ),
        step(
            "ListStateMachineVersions",
            json!({ "stateMachineArn": MACHINE, "maxResults": 2 }),
            json!({
                "stateMachineVersions": [
                    { "stateMachineVersionArn": version(3) },
                    { "stateMachineVersionArn": version(2) },
                ],
                "nextToken": "*",
            }),
        ),
        step(
            "DescribeStateMachine",
            json!({ "stateMachineArn": version(1) }),
            json!({ "stateMachineArn": version(1), "definition": definition("one"), "revisionId": null, "description": null, "status": "ACTIVE" }),
        ),
        step(
            "DescribeStateMachine",
            json!({ "stateMachineArn": version(2) }),
            json!({ "definition": definition("two"), "revisionId": "$revision2", "description": "second" }),
        ),
        step(
            "DeleteStateMachineVersion",
            json!({ "stateMachineVersionArn": version(3) }),
            json!({}),
        ),
        // A deleted version's number is not given again.
        step(
            "PublishStateMachineVersion",
            json!({ "stateMachineArn": MACHINE }),
            json!({ "stateMachineVersionArn": version(4) }),
        ),
        step(
            "DescribeStateMachine",
            json!({ "stateMachineArn": version(3) }),
            error("StateMachineDoesNotExist", &format!("State Machine Does Not Exist: '{}'", version(3))),
        ),
        step(
            "PublishStateMachineVersion",
            json!({ "stateMachineArn": "invalid_arn" }),
            error("InvalidArn", "Invalid Arn: 'Invalid ARN prefix: invalid_arn'"),
        ),
        step(
            "CreateStateMachine",
            json!({ "name": "N", "definition": definition("n"), "roleArn": ROLE, "versionDescription": "v" }),
            error("ValidationException", "Version description can only be set when publish is true"),
        ),
        // Deleting the machine deletes its versions.
        step("DeleteStateMachine", json!({ "stateMachineArn": MACHINE }), json!({})),
        step(
            "DescribeStateMachine",
            json!({ "stateMachineArn": version(1) }),
            error("StateMachineDoesNotExist", &format!("State Machine Does Not Exist: '{}'", version(1))),
        ),
    ])
    .await;
}

/// The executions' names sort as they start, so listings (newest first, then by ARN) have one
/// order whether or not two starts share a millisecond.
#[tokio::test]
async fn executions_run_the_version_they_were_started_on() {
    let alias = format!("{MACHINE}:live");
    check(vec![
        step("CreateStateMachine", create(true), json!({})),
        step(
            "UpdateStateMachine",
            json!({ "stateMachineArn": MACHINE, "definition": definition("two") }),
            json!({}),
        ),
        saving(
            "StartExecution",
            json!({ "stateMachineArn": version(1), "name": "e1-version" }),
            json!({ "executionArn": "*" }),
            &[("on_version", "executionArn")],
        ),
        step(
            "DescribeExecution",
            json!({ "executionArn": "$on_version" }),
            json!({ "output": "\"one\"", "stateMachineArn": MACHINE, "stateMachineVersionArn": version(1), "stateMachineAliasArn": null }),
        ),
        step(
            "CreateStateMachineAlias",
            json!({ "name": "live", "routingConfiguration": [{ "stateMachineVersionArn": version(1), "weight": 100 }] }),
            json!({ "stateMachineAliasArn": alias }),
        ),
        saving(
            "StartExecution",
            json!({ "stateMachineArn": alias, "name": "e2-alias" }),
            json!({ "executionArn": "*" }),
            &[("on_alias", "executionArn")],
        ),
        step(
            "DescribeExecution",
            json!({ "executionArn": "$on_alias" }),
            json!({ "output": "\"one\"", "stateMachineVersionArn": version(1), "stateMachineAliasArn": alias }),
        ),
        saving(
            "StartExecution",
            json!({ "stateMachineArn": MACHINE, "name": "e3-machine" }),
            json!({ "executionArn": "*" }),
            &[("on_machine", "executionArn")],
        ),
        step(
            "DescribeExecution",
            json!({ "executionArn": "$on_machine" }),
            json!({ "output": "\"two\"", "stateMachineVersionArn": null }),
        ),
        step(
            "ListExecutions",
            json!({ "stateMachineArn": version(1) }),
            json!({ "executions": [
                { "name": "e2-alias", "stateMachineAliasArn": alias },
                { "name": "e1-version", "stateMachineVersionArn": version(1) },
            ] }),
        ),
        step(
            "ListExecutions",
            json!({ "stateMachineArn": MACHINE }),
            json!({ "executions": [
                { "name": "e3-machine", "stateMachineVersionArn": null },
                { "name": "e2-alias", "stateMachineVersionArn": version(1) },
                { "name": "e1-version", "stateMachineVersionArn": version(1) },
            ] }),
        ),
        step(
            "DescribeStateMachineForExecution",
            json!({ "executionArn": "$on_version" }),
            json!({ "definition": definition("one"), "stateMachineArn": MACHINE }),
        ),
    ])
    .await;
}

#[tokio::test]
async fn aliases_route_to_versions_and_hold_on_to_them() {
    let alias = format!("{MACHINE}:live");
    let routes = |first: u64, second: u64| {
        json!([
            { "stateMachineVersionArn": version(1), "weight": first },
            { "stateMachineVersionArn": version(2), "weight": second },
        ])
    };
    check(vec![
        step("CreateStateMachine", create(true), json!({})),
        step(
            "UpdateStateMachine",
            json!({ "stateMachineArn": MACHINE, "definition": definition("two"), "publish": true }),
            json!({ "stateMachineVersionArn": version(2) }),
        ),
        step(
            "CreateStateMachineAlias",
            json!({ "name": "live", "routingConfiguration": routes(70, 29) }),
            error("ValidationException", "Sum of routing configuration weights must equal 100. Received: [70, 29]"),
        ),
        step(
            "CreateStateMachineAlias",
            json!({ "name": "live", "routingConfiguration": [
                { "stateMachineVersionArn": version(1), "weight": 50 },
                { "stateMachineVersionArn": version(1), "weight": 50 },
            ] }),
            error("ValidationException", &format!("Routing configuration must contain distinct state machine version ARNs. Received: [{0}, {0}]", version(1))),
        ),
        step(
            "CreateStateMachineAlias",
            json!({ "name": "live", "routingConfiguration": [{ "stateMachineVersionArn": MACHINE, "weight": 100 }] }),
            error("ValidationException", &format!("Routing configuration must contain state machine version ARNs. Received: [{MACHINE}]")),
        ),
        step(
            "CreateStateMachineAlias",
            json!({ "name": "live", "routingConfiguration": [{ "stateMachineVersionArn": version(1), "weight": 101 }] }),
            error("ValidationException", "1 validation error detected: Value '101' at 'routingConfiguration.1.member.weight' failed to satisfy constraint: Member must have value less than or equal to 100"),
        ),
        step(
            "CreateStateMachineAlias",
            json!({ "name": "live", "description": "d", "routingConfiguration": routes(50, 50) }),
            json!({ "stateMachineAliasArn": alias }),
        ),
        // The same request again is idempotent; another configuration under the name is not.
        step(
            "CreateStateMachineAlias",
            json!({ "name": "live", "description": "d", "routingConfiguration": routes(50, 50) }),
            json!({ "stateMachineAliasArn": alias }),
        ),
        step(
            "CreateStateMachineAlias",
            json!({ "name": "live", "routingConfiguration": routes(60, 40) }),
            json!({ "__type": "ConflictException" }),
        ),
        step(
            "DeleteStateMachineVersion",
            json!({ "stateMachineVersionArn": version(1) }),
            error("ConflictException", "Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [live]"),
        ),
        step(
            "UpdateStateMachineAlias",
            json!({ "stateMachineAliasArn": alias, "routingConfiguration": [{ "stateMachineVersionArn": version(2), "weight": 100 }] }),
            json!({ "updateDate": "*" }),
        ),
        step(
            "DescribeStateMachineAlias",
            json!({ "stateMachineAliasArn": alias }),
            json!({ "name": "live", "description": "d", "updateDate": "*", "routingConfiguration": [{ "stateMachineVersionArn": version(2), "weight": 100 }] }),
        ),
        step("DeleteStateMachineVersion", json!({ "stateMachineVersionArn": version(1) }), json!({})),
        step(
            "ListStateMachineAliases",
            json!({ "stateMachineArn": MACHINE }),
            json!({ "stateMachineAliases": [{ "stateMachineAliasArn": alias }] }),
        ),
        step(
            "ListStateMachineAliases",
            json!({ "stateMachineArn": MACHINE, "nextToken": "InvalidToken" }),
            error("InvalidToken", "Invalid Token: 'Invalid token'"),
        ),
        step("DeleteStateMachineAlias", json!({ "stateMachineAliasArn": alias }), json!({})),
        step("DeleteStateMachineAlias", json!({ "stateMachineAliasArn": alias }), json!({})),
        step(
            "UpdateStateMachineAlias",
            json!({ "stateMachineAliasArn": alias, "description": "gone" }),
            error("ResourceNotFound", "Request references a resource that does not exist."),
        ),
        step(
            "ListStateMachineAliases",
            json!({ "stateMachineArn": MACHINE }),
            json!({ "stateMachineAliases": [] }),
        ),
    ])
    .await;
}

/// An alias splits executions by weight, each name always to the same version.
#[tokio::test]
async fn alias_routing_follows_the_weights() {
    let alias = format!("{MACHINE}:split");
    let mut steps = vec![
        step("CreateStateMachine", create(true), json!({})),
        step(
            "UpdateStateMachine",
            json!({ "stateMachineArn": MACHINE, "definition": definition("two"), "publish": true }),
            json!({}),
        ),
        step(
            "CreateStateMachineAlias",
            json!({ "name": "split", "routingConfiguration": [
                { "stateMachineVersionArn": version(1), "weight": 0 },
                { "stateMachineVersionArn": version(2), "weight": 100 },
            ] }),
            json!({}),
        ),
    ];
    for index in 0..5 {
        steps.push(step(
            "StartExecution",
            json!({ "stateMachineArn": alias, "name": format!("e{index}") }),
            json!({ "executionArn": "*" }),
        ));
    }
    steps.push(step(
        "ListExecutions",
        json!({ "stateMachineArn": version(1) }),
        json!({ "executions": [] }),
    ));
    check(steps).await;
}
