//! Comparing a normalised replay with the recording, as `evaluate` in
//! ../shared/conformance/sfn_conformance.py does: an execution's outcome (status, output as
//! parsed JSON, error, cause), its history's event types with concurrent Parallel/Map blocks
//! compared as multisets, and any other recorded response structurally.
//!
//! One deliberate difference: a recorded API error (a definition AWS rejected, an input it
//! refused) passes when Baton answers with the same error code. The message is the API's wording
//! and is reported as a note, not a failure, because this harness measures the interpreter.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value, json};

use super::case::{Case, Step};

/// A snapshot placeholder (`<uuid:1>`, `<ArnPart_0idx>`): it stands for any text.
static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"<[A-Za-z][A-Za-z0-9_\-]*:\d+>|<[A-Za-z][A-Za-z0-9_]*_\d+idx>")
        .expect("the placeholder pattern is valid")
});

/// The note for an API error with the right code and another message.
pub(crate) const MESSAGE_DIFFERS: &str = "message differs";

/// How many differences one comparison lists at most.
const DIFFERENCES_MAX: usize = 20;

/// How many events of each side a history difference shows.
const EVENTS_SHOWN_MAX: usize = 6;

/// The events that open and close a block whose inner events may interleave in any order.
const BLOCK_OPEN: &[&str] = &["ParallelStateStarted", "MapStateStarted", "MapRunStarted"];
const BLOCK_CLOSE: &[&str] = &[
    "ParallelStateSucceeded",
    "ParallelStateFailed",
    "ParallelStateAborted",
    "MapStateSucceeded",
    "MapStateFailed",
    "MapStateAborted",
    "MapRunSucceeded",
    "MapRunFailed",
    "MapRunAborted",
];

const TERMINAL_EVENTS: &[(&str, &str)] = &[
    ("ExecutionSucceeded", "SUCCEEDED"),
    ("ExecutionFailed", "FAILED"),
    ("ExecutionTimedOut", "TIMED_OUT"),
    ("ExecutionAborted", "ABORTED"),
];

/// What a comparison looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Aspect {
    /// Status, output, error and cause of an execution.
    Outcome,
    /// The sequence of history event types.
    History,
    /// Any other recorded response.
    Response,
    /// An API error AWS recorded: compared by its code.
    Rejection,
}

impl Aspect {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Aspect::Outcome => "outcome",
            Aspect::History => "history",
            Aspect::Response => "response",
            Aspect::Rejection => "error code",
        }
    }
}

/// One comparison of one snapshot key (named in each difference); it passed when
/// `differences` is empty.
#[derive(Debug, Clone)]
pub(crate) struct Check {
    pub(crate) aspect: Aspect,
    pub(crate) differences: Vec<String>,
}

/// Every comparison of a case, and notes that do not decide the verdict.
#[derive(Debug, Default)]
pub(crate) struct Evaluation {
    pub(crate) checks: Vec<Check>,
    pub(crate) notes: Vec<String>,
}

/// Compares the normalised observations with the recording.
pub(crate) fn evaluate(case: &Case, observed: &Map<String, Value>) -> Evaluation {
    let mut evaluation = Evaluation::default();
    for recorded in &case.matches {
        let key = recorded.key.clone();
        let expected = case.expected.get(&key).unwrap_or(&Value::Null);
        let operation = spec_operation(&recorded.spec, &case.steps);
        let Some(actual) = observed.get(&key) else {
            evaluation.checks.push(Check {
                aspect: Aspect::Outcome,
                differences: vec![format!("{key}: no observed value")],
            });
            continue;
        };
        match operation.as_deref() {
            Some("get_execution_history") => {
                let differences = differences(
                    &outcome_from_history(expected),
                    &outcome_from_history(actual),
                    &format!("{key}.outcome"),
                );
                evaluation.checks.push(Check { aspect: Aspect::Outcome, differences });
                if let Some(expected_types) = event_types(expected) {
                    let actual_types = event_types(actual).unwrap_or_default();
                    // The verdict compares the canonical forms; the report shows where the
                    // histories as recorded part, which reads far better than sorted blocks.
                    let differences =
                        if canonical_types(&expected_types) == canonical_types(&actual_types) {
                            Vec::new()
                        } else {
                            sequence_differences(&expected_types, &actual_types)
                        };
                    evaluation.checks.push(Check { aspect: Aspect::History, differences });
                }
            }
            Some("describe_execution") => {
                let differences = differences(
                    &outcome_from_describe(expected),
                    &outcome_from_describe(actual),
                    &format!("{key}.outcome"),
                );
                evaluation.checks.push(Check { aspect: Aspect::Outcome, differences });
            }
            _ => match rejection(expected) {
                Some(expected_error) => {
                    let actual_error = rejection(actual);
                    let differences = match &actual_error {
                        Some((code, _)) if *code == expected_error.0 => Vec::new(),
                        Some((code, _)) => {
                            vec![format!(
                                "{key}: expected error {}, got error {code}",
                                expected_error.0
                            )]
                        }
                        None => vec![format!(
                            "{key}: expected error {}, Baton succeeded",
                            expected_error.0
                        )],
                    };
                    if let Some((_, message)) = actual_error
                        && !text_matches(&expected_error.1, &message)
                    {
                        evaluation.notes.push(format!(
                            "{key}: {MESSAGE_DIFFERS}: expected {}, got {}",
                            short(&json!(expected_error.1)),
                            short(&json!(message))
                        ));
                    }

                    evaluation.checks.push(Check { aspect: Aspect::Rejection, differences });
                }
                None => {
                    let differences = differences(
                        &strip_metadata(expected.clone()),
                        &strip_metadata(actual.clone()),
                        &key,
                    );
                    evaluation.checks.push(Check { aspect: Aspect::Response, differences });
                }
            },
        }
    }
    evaluation
}

/// The operation whose whole response a spec names (`error:` prefixed when AWS answered with
/// an error), or `None` for a spec built from parts of responses.
fn spec_operation(spec: &Value, steps: &[Step]) -> Option<String> {
    let symbol = spec.as_object().filter(|fields| fields.len() == 1)?.get("$sym")?;
    let partial = |name: &str| {
        symbol.get(name).is_some_and(|value| match value {
            Value::Array(items) => !items.is_empty(),
            Value::String(text) => !text.is_empty(),
            Value::Null => false,
            Value::Bool(_) | Value::Number(_) | Value::Object(_) => true,
        })
    };
    if partial("path") || partial("jsonpath") {
        return None;
    }
    let reference = symbol.get("ref").and_then(Value::as_u64)?;
    let step = steps.iter().find(|step| step.reference == Some(reference))?;
    Some(if step.expect_error { format!("error:{}", step.op) } else { step.op.clone() })
}

/// The error code and message of an API error response, or of an exception the test
/// recorded as `{exception_typename, exception_value}`.
fn rejection(value: &Value) -> Option<(String, String)> {
    if let Some(code) = value.pointer("/Error/Code").and_then(Value::as_str) {
        let message = value.pointer("/Error/Message").and_then(Value::as_str).unwrap_or_default();
        return Some((code.to_owned(), message.to_owned()));
    }
    let code = value.get("exception_typename")?.as_str()?;
    let message = value.get("exception_value").and_then(Value::as_str).unwrap_or_default();
    Some((code.to_owned(), message.to_owned()))
}

/// Status, output, error and cause from the last terminal event of a history.
pub(crate) fn outcome_from_history(history: &Value) -> Value {
    let Some(events) = history.get("events").and_then(Value::as_array) else { return Value::Null };
    for event in events.iter().rev() {
        let kind = event.get("type").and_then(Value::as_str).unwrap_or_default();
        let Some((_, status)) = TERMINAL_EVENTS.iter().find(|(terminal, _)| *terminal == kind)
        else {
            continue;
        };
        let details = event
            .as_object()
            .and_then(|fields| {
                fields
                    .iter()
                    .rfind(|(key, value)| key.ends_with("EventDetails") && value.is_object())
            })
            .map_or(Value::Null, |(_, details)| details.clone());
        let field = |name: &str| details.get(name).cloned().unwrap_or(Value::Null);
        return if kind == "ExecutionSucceeded" {
            json!({ "status": status, "output": as_json_value(field("output")) })
        } else {
            json!({ "status": status, "error": field("error"), "cause": as_json_value(field("cause")) })
        };
    }
    let last = events.last().and_then(|event| event.get("type")).cloned().unwrap_or(Value::Null);
    json!({ "status": "NOT_TERMINATED", "last_event": last })
}

/// Status, output, error and cause from a DescribeExecution response.
fn outcome_from_describe(response: &Value) -> Value {
    let Some(fields) = response.as_object() else { return Value::Null };
    if let Some(error) = fields.get("Error").filter(|_| !fields.contains_key("status")) {
        return json!({
            "status": "API_ERROR",
            "error": error.get("Code").cloned().unwrap_or(Value::Null),
            "cause": error.get("Message").cloned().unwrap_or(Value::Null),
        });
    }
    let mut outcome = Map::new();
    outcome.insert("status".to_owned(), fields.get("status").cloned().unwrap_or(Value::Null));
    for name in ["output", "error", "cause"] {
        if let Some(value) = fields.get(name) {
            let value = if name == "error" { value.clone() } else { as_json_value(value.clone()) };
            outcome.insert(name.to_owned(), value);
        }
    }
    Value::Object(outcome)
}

/// Outputs and causes compare as parsed JSON where they are JSON text.
fn as_json_value(value: Value) -> Value {
    match &value {
        Value::String(text) => serde_json::from_str(text).unwrap_or(value),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::Array(_) | Value::Object(_) => {
            value
        }
    }
}

/// The `type` of every event of a history.
pub(crate) fn event_types(history: &Value) -> Option<Vec<String>> {
    let events = history.get("events")?.as_array()?;
    Some(
        events
            .iter()
            .filter(|event| event.is_object())
            .map(|event| event.get("type").and_then(Value::as_str).unwrap_or("null").to_owned())
            .collect(),
    )
}

/// Event types with the inside of each top-level Parallel/Map block sorted: branches and
/// iterations run concurrently, so their events may interleave in any order.
pub(crate) fn canonical_types(types: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(types.len());
    let mut block: Option<Vec<String>> = None;
    let mut depth = 0_usize;
    for kind in types {
        let Some(inside) = block.as_mut() else {
            out.push(kind.clone());
            if BLOCK_OPEN.contains(&kind.as_str()) {
                block = Some(Vec::new());
                depth = 1;
            }
            continue;
        };
        if BLOCK_OPEN.contains(&kind.as_str()) {
            depth += 1;
        } else if BLOCK_CLOSE.contains(&kind.as_str()) {
            depth -= 1;
        }
        if depth == 0 {
            inside.sort();
            out.append(inside);
            out.push(kind.clone());
            block = None;
        } else {
            inside.push(kind.clone());
        }
    }
    if let Some(mut inside) = block {
        inside.sort();
        out.append(&mut inside);
    }
    out
}

/// Where two event type sequences part: the first differing position and a few events of each
/// side from there, after their common prefix and suffix.
pub(crate) fn sequence_differences(expected: &[String], actual: &[String]) -> Vec<String> {
    let prefix = expected.iter().zip(actual).take_while(|(left, right)| left == right).count();
    let room = expected.len().min(actual.len()) - prefix;
    let suffix = expected
        .iter()
        .rev()
        .zip(actual.iter().rev())
        .take(room)
        .take_while(|(left, right)| left == right)
        .count();
    let shown = |types: &[String]| {
        let middle = &types[prefix..types.len() - suffix];
        let mut listed: Vec<&str> =
            middle.iter().take(EVENTS_SHOWN_MAX).map(String::as_str).collect();
        if middle.len() > EVENTS_SHOWN_MAX {
            listed.push("...");
        }
        format!("[{}]", listed.join(", "))
    };
    vec![
        format!(
            "event types differ from event {} on ({} events expected, {} observed)",
            prefix + 1,
            expected.len(),
            actual.len()
        ),
        format!("  expected {}", shown(expected)),
        format!("  observed {}", shown(actual)),
    ]
}

/// Structural differences, with placeholders in expected strings matching any text.
pub(crate) fn differences(expected: &Value, actual: &Value, path: &str) -> Vec<String> {
    let mut out = Vec::new();
    collect_differences(expected, actual, path, &mut out);
    out
}

fn collect_differences(expected: &Value, actual: &Value, path: &str, out: &mut Vec<String>) {
    if out.len() >= DIFFERENCES_MAX {
        return;
    }
    let same = match (expected, actual) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(left), Value::Bool(right)) => left == right,
        (Value::Number(left), Value::Number(right)) => numbers_equal(left, right),
        (Value::String(left), Value::String(right)) => text_matches(left, right),
        (Value::Object(left), Value::Object(right)) => {
            for (key, value) in left {
                match right.get(key) {
                    Some(other) => collect_differences(value, other, &format!("{path}.{key}"), out),
                    None => out.push(format!("{path}.{key}: missing (expected {})", short(value))),
                }
            }
            for (key, value) in right.iter().filter(|(key, _)| !left.contains_key(*key)) {
                out.push(format!("{path}.{key}: unexpected (got {})", short(value)));
            }
            true
        }
        (Value::Array(left), Value::Array(right)) => {
            if left.len() != right.len() {
                out.push(format!("{path}: expected {} items, got {}", left.len(), right.len()));
            }
            for (index, (value, other)) in left.iter().zip(right).enumerate() {
                collect_differences(value, other, &format!("{path}[{index}]"), out);
            }
            true
        }
        _ => false,
    };
    if !same {
        out.push(format!("{path}: expected {}, got {}", short(expected), short(actual)));
    }
}

/// Python compares `1` and `1.0` as equal; so do we.
fn numbers_equal(left: &serde_json::Number, right: &serde_json::Number) -> bool {
    match (left.as_i64(), right.as_i64(), left.as_u64(), right.as_u64()) {
        (Some(left), Some(right), _, _) => left == right,
        (_, _, Some(left), Some(right)) => left == right,
        _ => left.as_f64() == right.as_f64(),
    }
}

/// Equal text, or text that fits the expected text's placeholders.
pub(crate) fn text_matches(expected: &str, actual: &str) -> bool {
    if expected == actual {
        return true;
    }
    if !PLACEHOLDER.is_match(expected) {
        return false;
    }
    let parts: Vec<String> = PLACEHOLDER.split(expected).map(regex::escape).collect();
    Regex::new(&format!("(?s)^{}$", parts.join(".+?")))
        .is_ok_and(|pattern| pattern.is_match(actual))
}

/// A value as one short line.
pub(crate) fn short(value: &Value) -> String {
    const SHORT_CHARS_MAX: usize = 160;
    let text = match value {
        Value::String(text) => format!("{text:?}"),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::Array(_) | Value::Object(_) => {
            value.to_string()
        }
    };
    if text.chars().count() <= SHORT_CHARS_MAX {
        return text;
    }
    let cut: String = text.chars().take(SHORT_CHARS_MAX - 3).collect();
    format!("{cut}...")
}

/// Drops `ResponseMetadata` everywhere: HTTP details are not the interpreter's.
fn strip_metadata(mut value: Value) -> Value {
    match &mut value {
        Value::Object(fields) => {
            fields.remove("ResponseMetadata");
            for inner in fields.values_mut() {
                *inner = strip_metadata(inner.take());
            }
        }
        Value::Array(items) => {
            for inner in items.iter_mut() {
                *inner = strip_metadata(inner.take());
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
    }
    value
}
