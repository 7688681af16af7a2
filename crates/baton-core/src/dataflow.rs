//! JSONPath data flow: InputPath → Parameters → (work) → ResultSelector → ResultPath →
//! OutputPath, with AWS's error names and cause texts.
//!
//! Every failure here is a state failure: `States.Runtime` (uncatchable) for paths that select
//! nothing, `States.ResultPathMatchFailure` when a result cannot be placed.

use std::fmt::Display;

use serde_json::{Map, Value};

use baton_asl::intrinsic::Random;
use baton_asl::model::{NullablePath, ResultPath};
use baton_asl::path::{self, Roots};
use baton_asl::template::Template;

/// An error and cause raised by a state.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Failure {
    pub(crate) error: String,
    pub(crate) cause: String,
}

pub(crate) const RUNTIME: &str = "States.Runtime";
/// A payload over `limits::PAYLOAD_BYTES_MAX`.
pub(crate) const DATA_LIMIT_EXCEEDED: &str = "States.DataLimitExceeded";

impl Failure {
    pub(crate) fn new(error: impl Into<String>, cause: impl Into<String>) -> Failure {
        Failure { error: error.into(), cause: cause.into() }
    }

    /// A failure while executing a state: AWS prefixes the cause with the state and the event
    /// that entered it.
    pub(crate) fn in_state(
        error: &str,
        state: &str,
        entered: u64,
        detail: impl Display,
    ) -> Failure {
        Failure::new(
            error,
            format!(
                "An error occurred while executing the state '{state}' (entered at the event id #{entered}). {detail}"
            ),
        )
    }

    /// The error output Catch passes on: `{"Error": ..., "Cause": ...}`.
    pub(crate) fn to_output(&self) -> Value {
        let mut output = Map::new();
        output.insert("Error".to_owned(), Value::String(self.error.clone()));
        output.insert("Cause".to_owned(), Value::String(self.cause.clone()));
        Value::Object(output)
    }
}

/// Where a data-flow step failed, for the cause text.
pub(crate) struct At<'a> {
    pub(crate) state: &'a str,
    pub(crate) entered: u64,
}

impl At<'_> {
    fn fail(&self, error: &str, detail: impl Display) -> Failure {
        Failure::in_state(error, self.state, self.entered, detail)
    }
}

/// `InputPath` and `OutputPath`: absent keeps the value, `null` gives `{}`.
pub(crate) fn select(
    path: Option<&NullablePath>,
    value: &Value,
    roots: &Roots<'_>,
    at: &At<'_>,
) -> Result<Value, Failure> {
    match path {
        None => Ok(value.clone()),
        Some(NullablePath::Null) => Ok(Value::Object(Map::new())),
        Some(NullablePath::Path(path)) => {
            let roots = Roots { input: value, context: roots.context, variables: roots.variables };
            path.evaluate(&roots).map_err(|error| at.fail(error.name(), error))
        }
    }
}

/// `Parameters`, `ResultSelector`, `ItemSelector`: evaluate a template over `input`.
pub(crate) fn template(
    template: &Template,
    input: &Value,
    roots: &Roots<'_>,
    random: &mut dyn Random,
    at: &At<'_>,
) -> Result<Value, Failure> {
    let roots = Roots { input, context: roots.context, variables: roots.variables };
    template.evaluate(&roots, random).map_err(|error| at.fail(error.name(), error))
}

/// `ResultPath`: place `result` in the state's raw input; absent means `$` (the result
/// replaces the input), `null` discards the result.
pub(crate) fn place(
    result_path: Option<&ResultPath>,
    raw_input: &Value,
    result: Value,
    at: &At<'_>,
) -> Result<Value, Failure> {
    match result_path {
        None => Ok(result),
        Some(ResultPath::Discard) => Ok(raw_input.clone()),
        Some(ResultPath::Path(path)) => path::write_result(raw_input.clone(), path, result)
            .map_err(|error| at.fail(error.name(), error)),
    }
}

/// The length of a value's compact serialization (as [`text`] writes it), computed without
/// building it: the payload limit is checked on every state, history or not.
pub(crate) fn text_len(value: &Value) -> usize {
    match value {
        Value::Null => 4,
        Value::Bool(true) => 4,
        Value::Bool(false) => 5,
        Value::Number(number) => number_len(number),
        Value::String(text) => string_len(text),
        Value::Array(items) => {
            2 + items.len().saturating_sub(1) + items.iter().map(text_len).sum::<usize>()
        }
        Value::Object(fields) => {
            2 + fields.len().saturating_sub(1)
                + fields
                    .iter()
                    .map(|(key, value)| string_len(key) + 1 + text_len(value))
                    .sum::<usize>()
        }
    }
}

/// A string with its quotes and serde_json's escapes. Almost every byte is written as it is,
/// so the loop only adds the extra length of the few that are escaped.
fn string_len(text: &str) -> usize {
    let mut length = text.len() + 2;
    for &byte in text.as_bytes() {
        if byte < 0x20 || byte == b'"' || byte == b'\\' {
            length += match byte {
                b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 1,
                _ => 5,
            };
        }
    }
    length
}

fn number_len(number: &serde_json::Number) -> usize {
    if let Some(integer) = number.as_u64() {
        return digits(integer);
    }
    if let Some(integer) = number.as_i64() {
        return 1 + digits(integer.unsigned_abs());
    }
    // Floats are rare in payloads; format them exactly as serde_json does.
    number.to_string().len()
}

fn digits(mut value: u64) -> usize {
    let mut count = 1;
    while value >= 10 {
        value /= 10;
        count += 1;
    }
    count
}

/// Serializes a value for a history event.
pub(crate) fn text(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{text, text_len};

    #[test]
    fn text_len_is_the_length_of_text() {
        for value in [
            json!(null),
            json!(true),
            json!(false),
            json!(0),
            json!(-17),
            json!(u64::MAX),
            json!(i64::MIN),
            json!(1.5),
            json!(1e300),
            json!(-0.000_123),
            json!("plain"),
            json!("quote \" backslash \\ newline \n tab \t bell \u{7} del \u{7f} é 😀"),
            json!([]),
            json!({}),
            json!([1, "two", [3], {"four": 4}]),
            json!({"a": {"b": [null, true, {"c\"": "d"}]}, "e": 2.25}),
        ] {
            assert_eq!(text_len(&value), text(&value).len(), "{value}");
        }
    }
}
