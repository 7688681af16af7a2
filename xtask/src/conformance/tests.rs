//! Tests of the ported runner pieces, each through one `check` helper, with expectations taken
//! from what the official Python runner does on the same input.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::compare::{canonical_types, differences, text_matches};
use super::execute::IDENTITY;
use super::jsonpath::extract_like_sfn_tests;
use super::normalise::normalise;
use super::resolve::Resolver;
use super::{CasePattern, case};

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

#[test]
fn placeholders_match_any_text() {
    fn check(expected: &str, actual: &str, matches: bool) {
        assert_eq!(text_matches(expected, actual), matches, "{expected:?} against {actual:?}");
    }
    check("abc", "abc", true);
    check("abc", "abd", false);
    check(
        "arn:<partition>:states:<region>:111111111111:stateMachine:<ArnPart_0idx>",
        "arn:<partition>:states:<region>:111111111111:stateMachine:sm_ba700001",
        true,
    );
    check("<uuid:1>", "", false);
    check("exec <ExecArnPart_0idx> of <ArnPart_0idx>", "exec e1 of m1", true);
    // `<region>` is a replacement text, not a placeholder: it matches only itself.
    check("<region>", "us-east-1", false);
    check("a.b", "axb", false);
}

#[test]
fn parallel_and_map_blocks_compare_as_multisets() {
    fn check(types: &[&str], expect: &[&str]) {
        assert_eq!(canonical_types(&strings(types)), strings(expect));
    }
    check(&["ExecutionStarted", "PassStateEntered"], &["ExecutionStarted", "PassStateEntered"]);
    check(
        &[
            "ParallelStateStarted",
            "PassStateEntered",
            "MapStateStarted",
            "B",
            "A",
            "MapStateSucceeded",
            "C",
            "ParallelStateSucceeded",
            "Z",
            "Y",
        ],
        &[
            "ParallelStateStarted",
            "A",
            "B",
            "C",
            "MapStateStarted",
            "MapStateSucceeded",
            "PassStateEntered",
            "ParallelStateSucceeded",
            "Z",
            "Y",
        ],
    );
    // A block still open at the end (an execution recorded while running) is sorted too.
    check(&["MapStateStarted", "B", "A"], &["MapStateStarted", "A", "B"]);
}

#[test]
fn structural_differences_name_the_first_differing_field() {
    fn check(expected: Value, actual: Value, expect: &[&str]) {
        assert_eq!(differences(&expected, &actual, "$"), strings(expect));
    }
    check(json!({"a": 1, "b": [1, 2]}), json!({"a": 1.0, "b": [1, 2]}), &[]);
    check(json!({"a": true}), json!({"a": 1}), &["$.a: expected true, got 1"]);
    check(
        json!({"a": [1, 2]}),
        json!({"a": [1], "c": null}),
        &["$.a: expected 2 items, got 1", "$.c: unexpected (got null)"],
    );
    check(json!({"a": "x"}), json!({}), &["$.a: missing (expected \"x\")"]);
}

#[test]
fn extraction_follows_the_tests_helper() {
    fn check(path: &str, data: Value, expect: Option<Value>) {
        assert_eq!(extract_like_sfn_tests(path, &data).ok(), expect, "{path}");
    }
    let history = json!({"events": [
        {"type": "ExecutionStarted"},
        {"type": "ExecutionSucceeded", "executionSucceededEventDetails": {"output": "{}"}},
    ]});
    let output = "$.events[*].executionSucceededEventDetails.output";
    check(output, history, Some(json!("{}")));
    check(output, json!({"events": [{"type": "ExecutionFailed"}]}), Some(json!([])));
    check("$.missing", json!({}), None);
    check("$.a[*]", json!({"a": [7]}), Some(json!([7])));
    check("$.a[0]", json!({"a": [7]}), Some(json!(7)));
    check("$.a[-1]", json!({"a": [7, 8]}), Some(json!(8)));
    check("$..b", json!({"a": {"b": 1}, "c": [{"b": 2}]}), Some(json!([1, 2])));
}

#[test]
fn sentinels_resolve_from_earlier_responses() {
    fn check(text: &str, expect: Result<&str, ()>) {
        let responses = HashMap::from([(
            1,
            json!({"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:m"}),
        )]);
        let operations = HashMap::new();
        let resolver =
            Resolver { responses: &responses, operations: &operations, identity: IDENTITY };
        let resolved = resolver.string(text, false).ok();
        assert_eq!(resolved.as_deref(), expect.ok(), "{text}");
    }
    check(
        "arn:aws:states:zzregionzz:zzacctzz:zzarnzz:zzr1.stateMachineArnzz",
        Ok("arn:aws:states:us-east-1:123456789012:stateMachine:m"),
    );
    check("sm_zzu1zz", Ok("sm_ba700001"));
    check("zzl2zz", Ok("ba700000-0000-4000-8000-000000000002"));
    check("arn:aws:iam::zzacctzz:role/zzrolezz", Ok(IDENTITY.role_arn));
    check("zzr2.executionArnzz", Err(()));
    check("zzext_function_namezz", Err(()));
}

#[test]
fn normalisation_produces_the_recorded_placeholders() {
    fn check(observed: Value, transformers: Value, expect: Value) {
        let responses = HashMap::from([(
            1,
            json!({"stateMachineArn":
            "arn:aws:states:us-east-1:123456789012:stateMachine:machine_ba700001"}),
        )]);
        let operations = HashMap::new();
        let resolver =
            Resolver { responses: &responses, operations: &operations, identity: IDENTITY };
        let transformers: Vec<case::Transformer> =
            serde_json::from_value(transformers).expect("test transformers are well formed");
        let Value::Object(observed) = observed else { panic!("observations are an object") };
        let normalised = normalise(observed, &transformers, &resolver);
        assert_eq!(Value::Object(normalised.values), expect);
    }
    check(
        json!({"history": {"events": [{"timestamp": 1.5, "type": "ExecutionSucceeded",
            "executionSucceededEventDetails": {"output":
                "{\"arn\":\"arn:aws:states:us-east-1:123456789012:stateMachine:machine_ba700001\",\
                  \"at\":\"2026-11-21T20:14:54.000Z\",\"role\":\"arn:aws:iam::123456789012:role/baton-conformance\"}"}}]}}),
        json!([
            {"t": {"kind": "regex", "pattern": "arn:aws:iam::zzacctzz:role/zzrolezz",
                "replacement": "snf_role_arn"}, "priority": 0, "seq": 1},
            {"t": {"kind": "arn_split", "value":
                "arn:aws:states:zzregionzz:zzacctzz:zzarnzz:zzr1.stateMachineArnzz",
                "parts": [[-1, "<ArnPart_0idx>"]]}, "priority": 0, "seq": 2},
        ]),
        json!({"history": {"events": [{"timestamp": "timestamp", "type": "ExecutionSucceeded",
            "executionSucceededEventDetails": {"output": {
                "arn": "arn:<partition>:states:<region>:111111111111:stateMachine:<ArnPart_0idx>",
                "at": "date", "role": "snf_role_arn"}}}]}}),
    );
    check(
        json!({"out": {"FunctionResult": 0.25, "id": "ba700000-0000-4000-8000-000000000002"}}),
        json!([{"t": {"kind": "jsonpath", "path": "$..FunctionResult",
            "replacement": "RandomNumberGenerated", "reference": false}, "priority": 0, "seq": 1}]),
        json!({"out": {"FunctionResult": "RandomNumberGenerated", "id": "<uuid:1>"}}),
    );
}

#[test]
fn case_patterns_are_substrings_or_globs() {
    fn check(pattern: &str, id: &str, matches: bool) {
        let pattern = CasePattern::new(pattern).expect("test patterns are valid");
        assert_eq!(pattern.matches(id), matches, "{id}");
    }
    check("test_map", "base/test_map.py::T::test_map_state[X]", true);
    check("base/*::T::*", "base/test_map.py::T::test_map_state[X]", true);
    // As in fnmatch, brackets are a character class: `[X]` matches the letter, not the text.
    check("*state[X]", "base/test_map.py::T::test_map_state[X]", false);
    check("base/*[Y]", "base/test_map.py::T::test_map_state[X]", false);
    check("*[XY]", "a[X]", false);
    check("*[[]X]", "a[X]", true);
    check("a?c", "abc", true);
}

#[test]
fn parallel_sort_keeps_the_snapshot_toolings_quirks() {
    // Expectations computed with `_sfn_parallel_sort` of sfnconf_compare.py; the nested case is
    // exactly what the recording of test_parallel_state_nested holds.
    fn check(types: &[&str], expect: &[(&str, Value)]) {
        let events: Vec<Value> = (1_u64..)
            .zip(types)
            .map(|(id, kind)| json!({"type": kind, "id": id, "previousEventId": id - 1}))
            .collect();
        let responses = HashMap::new();
        let operations = HashMap::new();
        let resolver =
            Resolver { responses: &responses, operations: &operations, identity: IDENTITY };
        let transformers: Vec<case::Transformer> =
            serde_json::from_value(json!([{"t": {"kind": "sfn_parallel_sort"}}]))
                .expect("test transformers are well formed");
        let mut observed = serde_json::Map::new();
        observed.insert("h".to_owned(), json!({ "events": events }));
        let normalised = normalise(observed, &transformers, &resolver);
        let sorted: Vec<(&str, Value)> = normalised.values["h"]["events"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|event| (event["type"].as_str().unwrap_or_default(), event["id"].clone()))
            .collect();
        assert_eq!(sorted, expect);
    }
    check(
        &[
            "ExecutionStarted",
            "ParallelStateEntered",
            "ParallelStateStarted",
            "PassStateEntered",
            "PassStateEntered",
            "PassStateExited",
            "PassStateExited",
            "ParallelStateSucceeded",
            "ParallelStateExited",
            "ExecutionSucceeded",
        ],
        &[
            ("ExecutionStarted", json!(1)),
            ("ParallelStateEntered", json!(2)),
            ("ParallelStateStarted", json!(3)),
            ("PassStateEntered", json!([0])),
            ("PassStateEntered", json!([0])),
            ("PassStateExited", json!([0])),
            ("PassStateExited", json!([0])),
            ("ParallelStateExited", json!(9)),
            ("ExecutionSucceeded", json!(10)),
        ],
    );
    check(
        &[
            "ExecutionStarted",
            "ParallelStateEntered",
            "ParallelStateStarted",
            "ParallelStateEntered",
            "ParallelStateStarted",
            "PassStateEntered",
            "PassStateExited",
            "ParallelStateSucceeded",
            "ParallelStateExited",
            "ParallelStateSucceeded",
            "ParallelStateExited",
            "ExecutionSucceeded",
        ],
        &[
            ("ExecutionStarted", json!(1)),
            ("ParallelStateEntered", json!(2)),
            ("ParallelStateStarted", json!(3)),
            ("ParallelStateEntered", json!([0])),
            ("ParallelStateStarted", json!(5)),
            ("PassStateEntered", json!([0])),
            ("PassStateExited", json!([0])),
            ("ParallelStateExited", json!(11)),
            ("ExecutionSucceeded", json!(12)),
        ],
    );
}
