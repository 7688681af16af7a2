//! The recorded cases (../shared/conformance/cases.json) and which of them the interpreter can
//! run on its own.
//!
//! A case is a list of API calls with what AWS answered. The interpreter alone can replay a
//! case that only creates state machines, starts executions and reads their outcome and
//! history, and whose definitions have no Task state (every Task needs a service: a Lambda, an
//! SDK integration, a nested execution). Everything else is skipped with the reason, so the
//! skipped count says what the API and the integrations still have to cover.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Context;
use serde::Deserialize;
use serde_json::{Map, Value};

/// The API calls the in-process runner performs itself.
const OPERATIONS: &[&str] = &[
    "create_state_machine",
    "start_execution",
    "await",
    "describe_execution",
    "get_execution_history",
];

/// The CreateStateMachine arguments that only shape the definition and its identity; others
/// (publish, versionDescription, tags, logging, tracing) are API features.
const CREATE_ARGUMENTS: &[&str] = &["name", "definition", "roleArn", "type"];

/// The StartExecution arguments the interpreter takes.
const START_ARGUMENTS: &[&str] = &["stateMachineArn", "input", "name"];

/// How deep the definition walk goes into Parallel branches and Map processors; deeper
/// definitions are rejected by validation anyway.
const DEFINITION_DEPTH_MAX: usize = 64;

#[derive(Debug, Deserialize)]
struct CaseFile {
    cases: Vec<Case>,
}

/// One recorded test.
#[derive(Debug, Deserialize)]
pub(crate) struct Case {
    pub(crate) id: String,
    pub(crate) category: String,
    #[serde(default)]
    pub(crate) steps: Vec<Step>,
    /// What was recorded: each snapshot key and how to build its value from the responses.
    #[serde(default)]
    pub(crate) matches: Vec<Match>,
    #[serde(default)]
    pub(crate) transformers: Vec<Transformer>,
    /// The recorded (normalised) value of each snapshot key.
    #[serde(default)]
    pub(crate) expected: Map<String, Value>,
    pub(crate) runnable: bool,
    #[serde(default)]
    pub(crate) not_runnable_reasons: Vec<String>,
}

/// One API call (or a wait for an execution to reach a state).
#[derive(Debug, Deserialize)]
pub(crate) struct Step {
    #[serde(rename = "ref")]
    pub(crate) reference: Option<u64>,
    pub(crate) op: String,
    /// The AWS operation name (`CreateStateMachine`).
    pub(crate) op_name: Option<String>,
    #[serde(default)]
    pub(crate) args: Map<String, Value>,
    /// AWS answered this call with an error.
    #[serde(default)]
    pub(crate) expect_error: bool,
    /// AWS recorded the history while the execution was still running.
    #[serde(default)]
    pub(crate) expect_running: bool,
}

/// A snapshot key and the spec of its value (`{"$sym": {"ref": 3}}`, or a structure holding
/// such references).
#[derive(Debug, Deserialize)]
pub(crate) struct Match {
    pub(crate) key: String,
    pub(crate) spec: Value,
}

/// A snapshot transformer the test registered, in application order.
#[derive(Debug, Deserialize)]
pub(crate) struct Transformer {
    pub(crate) t: Value,
    #[serde(default)]
    pub(crate) priority: i64,
    #[serde(default)]
    pub(crate) seq: i64,
}

/// Reads the case file.
pub(crate) fn load(path: &Path) -> anyhow::Result<Vec<Case>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
    let file: CaseFile = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a case file", path.display()))?;
    Ok(file.cases)
}

/// Why the interpreter alone cannot run `case`, or `None` when it can.
pub(crate) fn skip_reason(case: &Case) -> Option<String> {
    if !case.runnable {
        let reasons = case.not_runnable_reasons.join(", ");
        return Some(format!("recorded as not runnable: {reasons}"));
    }
    let other: BTreeSet<&str> = case
        .steps
        .iter()
        .map(|step| step.op.as_str())
        .filter(|op| !OPERATIONS.contains(op))
        .collect();
    if !other.is_empty() {
        return Some(format!(
            "needs the API: {}",
            other.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    for step in &case.steps {
        let allowed = match step.op.as_str() {
            "create_state_machine" => CREATE_ARGUMENTS,
            "start_execution" => START_ARGUMENTS,
            _ if step.expect_error => {
                return Some(format!("needs the API: an error from {}", step.op));
            }
            _ => continue,
        };
        let extra: Vec<&str> =
            step.args.keys().map(String::as_str).filter(|key| !allowed.contains(key)).collect();
        if !extra.is_empty() {
            return Some(format!("needs the API: {} with {}", step.op, extra.join(", ")));
        }
        if let Some(resource) = step
            .args
            .get("definition")
            .and_then(Value::as_str)
            .and_then(|text| serde_json::from_str::<Value>(text).ok())
            .and_then(|definition| first_task_resource(&definition, 0))
        {
            return Some(format!("needs a service: Task {resource}"));
        }
    }
    None
}

/// The `Resource` of the first Task state anywhere in `definition` (or `"(dynamic)"` when it
/// is not a string).
fn first_task_resource(definition: &Value, depth: usize) -> Option<String> {
    if depth > DEFINITION_DEPTH_MAX {
        return None;
    }
    let states = definition.get("States")?.as_object()?;
    for state in states.values() {
        if state.get("Type").and_then(Value::as_str) == Some("Task") {
            let resource = state.get("Resource").and_then(Value::as_str).unwrap_or("(dynamic)");
            return Some(resource.to_owned());
        }
        let branches = state.get("Branches").and_then(Value::as_array).into_iter().flatten();
        let processors = ["Iterator", "ItemProcessor"].into_iter().filter_map(|key| state.get(key));
        for inner in branches.chain(processors) {
            if let Some(resource) = first_task_resource(inner, depth + 1) {
                return Some(resource);
            }
        }
    }
    None
}
