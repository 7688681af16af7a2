//! Fuzz target: a path string, parsed and, when it parses, evaluated against a fixed input,
//! context object and variables, then used to write a result into the input. None of it may
//! panic.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value, json};

use baton_asl::path::{self, Path, Roots};

/// The input, context object and variables every path is evaluated against; their names are
/// the ones in dicts/path.dict so that paths often select something.
struct Fixture {
    input: Value,
    context: Value,
    variables: Map<String, Value>,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| Fixture {
    input: json!({
        "a": [1, 2.5, "x", [1, 2], {"b": 1, "name": "n"}, null, true],
        "b": {"a": {"a": [{"b": 2}, {"b": "x"}]}, "name": "é😀"},
        "name": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!",
        "n": -3,
        "e": "",
        "o": {},
    }),
    context: json!({
        "Execution": {"Id": "arn:aws:states:us-east-1:123456789012:execution:m:e", "Input": {"a": 1}},
        "State": {"Name": "S", "RetryCount": 0},
        "Map": {"Item": {"Index": 1, "Value": {"a": [1]}}},
        "Task": {"Token": "t"},
    }),
    variables: json!({"var": {"a": [1, 2]}, "a": 1, "states": "s"})
        .as_object()
        .cloned()
        .unwrap_or_default(),
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(path) = Path::parse(text) else { return };
    let fixture = &*FIXTURE;
    let roots =
        Roots { input: &fixture.input, context: &fixture.context, variables: &fixture.variables };
    let result = path.evaluate(&roots).unwrap_or(Value::Null);
    drop(path::write_result(fixture.input.clone(), &path, result));
});
