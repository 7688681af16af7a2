//! Unit tests for evaluation: the Step Functions functions with AWS's documented and recorded
//! examples, the `$states` and variable bindings, result conversion and limits.

use serde_json::{Value, json};

use crate::{Bindings, EvaluationError, Expression, Limits};

/// What an evaluation should give.
enum Expected {
    /// This JSON value (compared exactly, so `1` and `1.0` differ).
    Json(Value),
    /// JSONata's `undefined`.
    Undefined,
    /// A failure with this JSONata code.
    Code(&'static str),
    /// A failure without a JSONata code whose message contains this text.
    Message(&'static str),
}

/// Evaluates each `(expression, expected)` row against `input` with `bindings` and reports every
/// row that differs.
fn check(input: &Value, bindings: &Bindings, rows: &[(&str, Expected)]) {
    let mut wrong = Vec::new();
    for (text, expected) in rows {
        let outcome = Expression::parse(text)
            .map_err(|error| EvaluationError::Failed { code: error.code, message: error.message })
            .and_then(|expression| expression.evaluate(input, bindings));
        let ok = match (expected, &outcome) {
            (Expected::Json(value), Ok(Some(actual))) => actual == value,
            (Expected::Undefined, Ok(None)) => true,
            (Expected::Code(code), Err(EvaluationError::Failed { code: Some(actual), .. })) => {
                actual == code
            }
            (Expected::Message(text), Err(EvaluationError::Failed { code: None, message })) => {
                message.contains(text)
            }
            _ => false,
        };
        if !ok {
            wrong.push(format!("{text}: got {outcome:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

fn plain() -> Bindings {
    Bindings::new(&json!({"input": {}, "context": {}}), 1)
}

#[test]
fn partition() {
    use Expected::*;
    check(
        &json!({}),
        &plain(),
        &[
            // AWS documentation.
            ("$partition([1,2,3,4,5,6,7,8,9], 3)", Json(json!([[1, 2, 3], [4, 5, 6], [7, 8, 9]]))),
            // Recorded on AWS (conformance case test_array_partition).
            ("$partition([0], 1)", Json(json!([[0]]))),
            ("$partition([0], 5)", Json(json!([[0]]))),
            ("$partition([0, 1, 2], 2)", Json(json!([[0, 1], [2]]))),
            ("$partition([0, 1, 2, 3], 3)", Json(json!([[0, 1, 2], [3]]))),
            ("$partition([0, 1, 2, 3], 4)", Json(json!([[0, 1, 2, 3]]))),
            // Integer parameters are rounded down.
            ("$partition([1, 2, 3], 2.9)", Json(json!([[1, 2], [3]]))),
            ("$partition([1, 2, 3], 0)", Message("positive")),
            ("$partition([1, 2, 3], 0.5)", Message("positive")),
            ("$partition([1, 2, 3], 'two')", Code("T0410")),
            ("$partition(nothing, 2)", Undefined),
        ],
    );
}

#[test]
fn range() {
    use Expected::*;
    check(
        &json!({}),
        &plain(),
        &[
            // AWS documentation.
            ("$range(0, 10, 2)", Json(json!([0, 2, 4, 6, 8, 10]))),
            // Recorded on AWS (conformance case test_array_range); a one-item range is the item.
            ("$range(0, 9, 3)", Json(json!([0, 3, 6, 9]))),
            ("$range(0, 10, 3)", Json(json!([0, 3, 6, 9]))),
            ("$range(1, 9, 9)", Json(json!(1))),
            ("$range(1, 9, 2)", Json(json!([1, 3, 5, 7, 9]))),
            ("$range(10, 0, -5)", Json(json!([10, 5, 0]))),
            ("$range(0.9, 4.7, 2.5)", Json(json!([0, 2, 4]))),
            ("$range(0, 5, 0)", Message("zero")),
            ("$range(0, 5, 'x')", Code("T0410")),
            ("$range(0, 2000000, 1)", Message("more than")),
        ],
    );
}

#[test]
fn hash() {
    use Expected::*;
    check(
        &json!({"content": "input data"}),
        &Bindings::new(&json!({"input": {"content": "input data"}}), 1),
        &[
            // The States.Hash example of the AWS documentation, and the other algorithms.
            (
                "$hash('input data', 'SHA-1')",
                Json(json!("aaff4a450a104cd177d28d18d74485e8cae074b7")),
            ),
            (
                "$hash($states.input.content, 'MD5')",
                Json(json!("812f45842bc6d66ee14572ce20db8e86")),
            ),
            (
                "$hash(content, 'SHA-256')",
                Json(json!("b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3")),
            ),
            (
                "$hash(content, 'SHA-384')",
                Json(json!(
                    "d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562"
                )),
            ),
            (
                "$hash(content, 'SHA-512')",
                Json(json!(
                    "6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce2deba23bf2954f0f1d593fc50283731a533d30d425402d4f91316d871303aac4"
                )),
            ),
            // A function named as a value rather than called is registered too.
            ("$map([content], $hash(?, 'MD5'))", Json(json!("812f45842bc6d66ee14572ce20db8e86"))),
            ("($f := $partition; $f([1, 2], 1))", Json(json!([[1], [2]]))),
            ("$hash(content, 'SHA-999')", Message("not supported")),
            ("$hash(1, 'MD5')", Code("T0410")),
        ],
    );
}

#[test]
fn parse() {
    use Expected::*;
    // Recorded on AWS (conformance case test_parse).
    check(
        &json!({}),
        &plain(),
        &[
            ("$parse('-0')", Json(json!(0))),
            ("$parse('1')", Json(json!(1))),
            ("$parse('1.1')", Json(json!(1.1))),
            ("$parse('true')", Json(json!(true))),
            ("$parse('\"HelloWorld\"')", Json(json!("HelloWorld"))),
            ("$parse('[1, 2, \"HelloWorld\"]')", Json(json!([1, 2, "HelloWorld"]))),
            ("$parse('{\"Arg1\": 1, \"Arg2\": []}')", Json(json!({"Arg1": 1, "Arg2": []}))),
            ("$parse('{')", Message("not valid JSON")),
            ("$parse(1)", Code("T0410")),
        ],
    );
}

#[test]
fn removed_and_unknown_functions() {
    use Expected::*;
    check(
        &json!({}),
        &plain(),
        &[
            // AWS removes `$eval`; an unknown function is T1006 (recorded on AWS for
            // `$randomSeeded`).
            ("$eval('1 + 1')", Code("T1006")),
            ("$randomSeeded(1)", Code("T1006")),
        ],
    );
}

#[test]
fn random_and_uuid_come_from_the_seed() {
    let evaluate = |text: &str, seed: u64| {
        let expression = Expression::parse(text).expect("valid expression");
        expression.evaluate(&json!({}), &Bindings::new(&json!({}), seed)).expect("evaluates")
    };
    let draw = evaluate("[$random(), $random(), $uuid(), $uuid()]", 9);
    assert_eq!(draw, evaluate("[$random(), $random(), $uuid(), $uuid()]", 9));
    assert_ne!(draw, evaluate("[$random(), $random(), $uuid(), $uuid()]", 10));
    let Some(Value::Array(items)) = draw else { panic!("not an array: {draw:?}") };
    assert_ne!(items.first(), items.get(1), "two $random() calls gave the same number");
    assert_ne!(items.get(2), items.get(3), "two $uuid() calls gave the same id");
    for number in items.iter().take(2) {
        let number = number.as_f64().expect("a number");
        assert!((0.0..1.0).contains(&number), "{number} is outside [0, 1)");
    }
    for id in items.iter().skip(2) {
        let id = id.as_str().expect("a string");
        let parsed = uuid::Uuid::parse_str(id).expect("a UUID");
        assert_eq!(parsed.get_version_num(), 4, "{id}");
        assert_eq!(id, id.to_lowercase());
    }
    // A seeded `$random` depends on its seed only, not on the evaluation's seed.
    assert_eq!(evaluate("$random(42)", 1), evaluate("$random(42)", 2));
    assert_eq!(evaluate("$random(42.7)", 1), evaluate("$random(42)", 1));
    assert_ne!(evaluate("$random(42)", 1), evaluate("$random(43)", 1));
}

#[test]
fn bindings_and_results() {
    use Expected::*;
    let states = json!({
        "input": {"orders": [{"price": 150}, {"price": 50}]},
        "context": {"Execution": {"Name": "run-1"}},
        "result": {"ok": true},
    });
    let bindings = Bindings::new(&states, 1)
        .with_variable("limit", &json!(100))
        .with_variable("name", &json!("ada"));
    check(
        &json!({"field": 1.5}),
        &bindings,
        &[
            ("$sum($states.input.orders[price > $limit].price)", Json(json!(150))),
            ("$states.context.Execution.Name & '/' & $name", Json(json!("run-1/ada"))),
            ("$states.result.ok", Json(json!(true))),
            ("$states.errorOutput", Undefined),
            ("field", Json(json!(1.5))),
            // Integral numbers are integers in JSON, as JSON.stringify prints them.
            ("2.0 * 3", Json(json!(6))),
            ("{'a': 1, 'b': nothing, 'f': function(){1}}", Json(json!({"a": 1}))),
            ("$doesNotExist", Undefined),
            ("'a' + 1", Code("T2001")),
            ("$states.input.orders.price.foo()", Code("T1006")),
            ("(", Code("S0207")),
        ],
    );
}

#[test]
fn function_results_are_unsupported() {
    let expression = Expression::parse("function($x){$x}").expect("valid expression");
    let outcome = expression.evaluate(&json!({}), &plain());
    assert_eq!(outcome, Err(EvaluationError::UnsupportedResult));
}

#[test]
fn limits_stop_runaway_evaluation() {
    use Expected::*;
    let tight = plain().with_limits(Limits { max_depth: 50, ..Limits::default() });
    check(
        &json!({}),
        &tight,
        &[
            ("($f := function($n){$n = 0 ? 0 : 1 + $f($n - 1)}; $f(1000))", Code("D1011")),
            ("($f := function($n){$n = 0 ? 0 : 1 + $f($n - 1)}; $f(3))", Json(json!(3))),
        ],
    );
    let short = plain().with_limits(Limits { max_sequence_length: 10, ..Limits::default() });
    check(&json!({}), &short, &[("$count([1..100].($ * 2))", Code("D2015"))]);
    let token = crate::CancelToken::new();
    token.cancel();
    let cancelled = plain().with_limits(Limits { cancel: Some(token), ..Limits::default() });
    check(&json!({}), &cancelled, &[("$sum([1..10])", Code("U1003"))]);
}

#[test]
fn clock_comes_from_the_bindings() {
    use Expected::*;
    // 2024-11-15T16:16:35.123Z
    let clocked = plain().with_clock(1_731_687_395_123);
    check(
        &json!({}),
        &clocked,
        &[
            ("$now()", Json(json!("2024-11-15T16:16:35.123Z"))),
            ("$millis()", Json(json!(1_731_687_395_123_i64))),
            ("$fromMillis($millis())", Json(json!("2024-11-15T16:16:35.123Z"))),
            ("$toMillis($now())", Json(json!(1_731_687_395_123_i64))),
            // jsonata-core's `$now` takes no picture; the override keeps that.
            ("$now('[Y0001]')", Code("T0410")),
            ("$fromMillis($millis(), '[Y0001]')", Json(json!("2024"))),
        ],
    );
    check(
        &json!({}),
        &plain().with_clock(0),
        &[("$now()", Json(json!("1970-01-01T00:00:00.000Z")))],
    );
}

#[test]
fn expressions_can_be_shared_across_threads() {
    // The interpreter parses each expression once per definition and evaluates it from any
    // worker thread; only `Bindings` (built per evaluation) stays on one thread.
    fn shareable<T: Send + Sync>() {}
    shareable::<Expression>();
}

#[test]
fn variable_references_leave_out_local_names() {
    let rows: &[(&str, &[&str])] = &[
        ("$a + $b.c", &["a", "b"]),
        ("($n := 1; $n + $outer)", &["outer"]),
        ("$map($items, function($v, $i) { $v * $factor })", &["items", "factor"]),
        ("$sum($states.input.x)", &["states"]),
        ("$", &[]),
    ];
    for (text, expected) in rows {
        let expression = Expression::parse(text).expect("the expression parses");
        assert_eq!(expression.variable_references(), *expected, "{text}");
    }
}
