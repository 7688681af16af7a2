//! Choice rule tests: every AWS-recorded `choice_operators` execution, then the rules AWS
//! documents (missing paths, short-circuiting, string order, wildcards) one by one.

use serde_json::{Value, json};

use crate::model::{Comparison, ComparisonOperator, Condition, Jsonata, Operand, OperandKind};
use crate::path::{Path, Roots};

/// Evaluates `rule` (a JSONPath Choice rule as JSON text, without `Next`) against `input` (JSON
/// text, also the context object's `$$.Execution.Input`) and compares the outcome with `expect`:
/// `true`, `false` or `error: <message>`.
#[track_caller]
fn check(rule: &str, input: &str, expect: &str) {
    check_with(rule, input, &json!({}), expect);
}

/// [`check`] with variables.
#[track_caller]
fn check_with(rule: &str, input: &str, variables: &Value, expect: &str) {
    let rule: Value = serde_json::from_str(rule).expect("test rule is JSON");
    let input: Value = serde_json::from_str(input).expect("test input is JSON");
    assert_eq!(run(&condition(&rule), &input, variables), expect, "rule {rule} on input {input}");
}

fn run(condition: &Condition, input: &Value, variables: &Value) -> String {
    let context = json!({"Execution": {"Input": input.clone()}});
    let variables = variables.as_object().cloned().unwrap_or_default();
    let roots = Roots { input, context: &context, variables: &variables };
    match super::evaluate(condition, &roots) {
        Ok(holds) => holds.to_string(),
        Err(error) => format!("error: {error}"),
    }
}

/// Builds the model of a JSONPath Choice rule, as validation would for a valid one.
fn condition(rule: &Value) -> Condition {
    let object = rule.as_object().expect("a rule is an object");
    let nested = |items: &Value| -> Vec<Condition> {
        items.as_array().expect("And/Or hold an array").iter().map(condition).collect()
    };
    if let Some(items) = object.get("And") {
        return Condition::And(nested(items));
    }
    if let Some(items) = object.get("Or") {
        return Condition::Or(nested(items));
    }
    if let Some(inner) = object.get("Not") {
        return Condition::Not(Box::new(condition(inner)));
    }
    let path = |value: &Value| Path::parse(value.as_str().expect("a path")).expect("a valid path");
    let (key, operand) =
        object.iter().find(|(key, _)| *key != "Variable").expect("an operator field");
    let (name, is_path) = match key.strip_suffix("Path") {
        Some(base) if ComparisonOperator::ALL.iter().any(|(name, _)| *name == base) => (base, true),
        _ => (key.as_str(), false),
    };
    let (_, operator) = ComparisonOperator::ALL
        .iter()
        .find(|(candidate, _)| *candidate == name)
        .expect("a known operator");
    let operand = if is_path {
        Operand::Path(path(operand))
    } else {
        match operator.operand_kind() {
            OperandKind::String => Operand::String(operand.as_str().expect("a string").to_owned()),
            OperandKind::Number => Operand::Number(operand.as_f64().expect("a number")),
            OperandKind::Boolean => Operand::Boolean(operand.as_bool().expect("a boolean")),
            OperandKind::Timestamp => {
                Operand::Timestamp(operand.as_str().expect("a timestamp").to_owned())
            }
        }
    };
    Condition::Comparison(Comparison {
        variable: path(object.get("Variable").expect("a Variable")),
        operator: *operator,
        operand,
    })
}

/// Every execution of the `choice_operators` conformance category (362 runs of 51 rules, recorded
/// against AWS): the rule led to `ConditionTrue`, `Default` to `ConditionFalse`.
#[test]
fn aws_recorded_choice_operators() {
    let data: Value = serde_json::from_str(include_str!("test_data/choice_operators.json"))
        .expect("the conformance extract is JSON");
    let groups = data["groups"].as_array().expect("groups");
    let mut failures = Vec::new();
    let mut runs = 0;
    for group in groups {
        let rule = condition(&group["rule"]);
        for run_case in group["inputs"].as_array().expect("inputs") {
            runs += 1;
            let (input, taken) = (&run_case[0], run_case[1].as_bool().expect("a branch"));
            let actual = run(&rule, input, &json!({}));
            if actual != taken.to_string() {
                failures.push(format!("{}: {} on {input}: {actual}", group["case"], group["rule"]));
            }
        }
    }
    assert_eq!(runs, 362, "the extract is complete");
    assert!(failures.is_empty(), "{} differ from AWS:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn missing_variable_is_a_runtime_error() {
    let invalid = "error: Invalid path '$.missing': The choice state's condition path references \
                   an invalid value.";
    for rule in [
        r#"{"Variable": "$.missing", "StringEquals": "a"}"#,
        r#"{"Variable": "$.missing", "StringMatches": "*"}"#,
        r#"{"Variable": "$.missing", "NumericEquals": 1}"#,
        r#"{"Variable": "$.missing", "BooleanEquals": true}"#,
        r#"{"Variable": "$.missing", "TimestampEquals": "2012-10-09T19:00:55Z"}"#,
        r#"{"Variable": "$.missing", "IsNull": true}"#,
        r#"{"Variable": "$.missing", "IsString": false}"#,
        r#"{"Variable": "$.missing", "StringEqualsPath": "$.other"}"#,
    ] {
        check(rule, r#"{"other": "a"}"#, invalid);
    }
    check(
        r#"{"Variable": "$.a.b.c", "NumericEquals": 1}"#,
        r#"{"a": 1}"#,
        "error: Invalid path '$.a.b.c': The choice state's condition path references an invalid \
         value.",
    );
}

#[test]
fn missing_operand_path_is_a_runtime_error() {
    check(
        r#"{"Variable": "$.left", "NumericLessThanEqualsPath": "$.right"}"#,
        r#"{"left": 8}"#,
        "error: Invalid path '$.right': The choice state's condition path references an invalid \
         value.",
    );
    check(
        r#"{"Variable": "$.left", "NumericLessThanEqualsPath": "$.right"}"#,
        r#"{"left": 8, "right": 8}"#,
        "true",
    );
    check(
        r#"{"Variable": "$.left", "NumericLessThanEqualsPath": "$.right"}"#,
        r#"{"left": 9, "right": 8}"#,
        "false",
    );
    check(
        r#"{"Variable": "$.left", "NumericLessThanEqualsPath": "$.right"}"#,
        r#"{"left": "8", "right": 8}"#,
        "false",
    );
    check(
        r#"{"Variable": "$.left", "NumericLessThanEqualsPath": "$.right"}"#,
        r#"{"left": 8, "right": {"value": 8}}"#,
        "false",
    );
}

#[test]
fn other_path_failures_are_reported_as_they_are() {
    check(
        r#"{"Variable": "$.numbers.min()", "NumericEquals": 1}"#,
        r#"{"numbers": []}"#,
        "error: Invalid path '$.numbers.min()' : Aggregation function attempted to calculate value \
         using empty array",
    );
    check(
        r#"{"Variable": "$.numbers.min()", "NumericEquals": 1}"#,
        r#"{"numbers": [3, 1]}"#,
        "true",
    );
}

#[test]
fn is_present_never_fails() {
    check(r#"{"Variable": "$.missing", "IsPresent": true}"#, "{}", "false");
    check(r#"{"Variable": "$.missing", "IsPresent": false}"#, "{}", "true");
    check(r#"{"Variable": "$.a.b", "IsPresent": true}"#, r#"{"a": 1}"#, "false");
    check(r#"{"Variable": "$.a", "IsPresent": true}"#, r#"{"a": null}"#, "true");
    check_with(r#"{"Variable": "$undefined", "IsPresent": false}"#, "{}", &json!({}), "true");
}

#[test]
fn and_or_stop_at_the_deciding_operand() {
    // AWS's documented guard: the StringEquals is only evaluated if the field exists.
    let guarded = r#"{"And": [
        {"Variable": "$.keyThatMightNotExist", "IsPresent": true},
        {"Variable": "$.keyThatMightNotExist", "StringEquals": "foo"}
    ]}"#;
    check(guarded, "{}", "false");
    check(guarded, r#"{"keyThatMightNotExist": "foo"}"#, "true");
    check(guarded, r#"{"keyThatMightNotExist": "bar"}"#, "false");
    let either = r#"{"Or": [
        {"Variable": "$.k", "IsPresent": false},
        {"Variable": "$.k", "StringEquals": "foo"}
    ]}"#;
    check(either, "{}", "true");
    check(either, r#"{"k": "foo"}"#, "true");
    check(either, r#"{"k": "bar"}"#, "false");
    // Without the guard, the missing field is an error.
    check(
        r#"{"Or": [{"Variable": "$.k", "StringEquals": "foo"}, {"Variable": "$.k", "IsPresent": false}]}"#,
        "{}",
        "error: Invalid path '$.k': The choice state's condition path references an invalid value.",
    );
}

#[test]
fn not_and_nesting() {
    check(
        r#"{"Not": {"Variable": "$.type", "StringEquals": "Private"}}"#,
        r#"{"type": "Private"}"#,
        "false",
    );
    check(
        r#"{"Not": {"Variable": "$.type", "StringEquals": "Private"}}"#,
        r#"{"type": "Public"}"#,
        "true",
    );
    check(r#"{"Not": {"Not": {"Variable": "$.x", "IsNull": true}}}"#, r#"{"x": null}"#, "true");
    let nested = r#"{"Or": [
        {"And": [{"Variable": "$.a", "NumericGreaterThan": 1}, {"Not": {"Variable": "$.b", "BooleanEquals": true}}]},
        {"Variable": "$.c", "StringEquals": "yes"}
    ]}"#;
    check(nested, r#"{"a": 2, "b": false, "c": "no"}"#, "true");
    check(nested, r#"{"a": 2, "b": true, "c": "no"}"#, "false");
    check(nested, r#"{"a": 0, "b": true, "c": "yes"}"#, "true");
}

/// AWS's documented example (recorded as `test_choice_aws_docs_scenario` and as the TestState
/// `BASE_CHOICE_STATE`): with `{"type": "Private", "value": 22}` only the third rule holds.
#[test]
fn aws_documentation_example() {
    let input = r#"{"type": "Private", "value": 22}"#;
    check(r#"{"Not": {"Variable": "$.type", "StringEquals": "Private"}}"#, input, "false");
    check(r#"{"Variable": "$.value", "NumericEquals": 0}"#, input, "false");
    check(
        r#"{"And": [{"Variable": "$.value", "NumericGreaterThanEquals": 20}, {"Variable": "$.value", "NumericLessThan": 30}]}"#,
        input,
        "true",
    );
}

/// Recorded as `test_map_state_break_condition`: a Map over `[1, "Hello", {}, 3.3, 3, 4, 5]`
/// breaks at the item 3, the first the rule holds for.
#[test]
fn aws_recorded_break_condition() {
    let rule = r#"{"And": [
        {"IsPresent": true, "Variable": "$"},
        {"And": [{"IsNumeric": true, "Variable": "$"}, {"NumericEquals": 3, "Variable": "$"}]}
    ]}"#;
    for (item, expect) in
        [("1", "false"), (r#""Hello""#, "false"), ("{}", "false"), ("3.3", "false"), ("3", "true")]
    {
        check(rule, item, expect);
    }
}

#[test]
fn strings_compare_by_utf16_code_units_like_java() {
    // U+10000 is the surrogate pair D800 DC00, which sorts before U+FFFF in UTF-16 although its
    // code point is larger.
    check(r#"{"Variable": "$.s", "StringLessThan": "\uffff"}"#, r#"{"s": "\ud800\udc00"}"#, "true");
    check(
        r#"{"Variable": "$.s", "StringGreaterThan": "\uffff"}"#,
        r#"{"s": "\ud800\udc00"}"#,
        "false",
    );
    check(r#"{"Variable": "$.s", "StringLessThan": "b"}"#, r#"{"s": "B"}"#, "true");
    check(r#"{"Variable": "$.s", "StringLessThan": "é"}"#, r#"{"s": "z"}"#, "true");
    check(r#"{"Variable": "$.s", "StringEquals": "é"}"#, r#"{"s": "e\u0301"}"#, "false");
    check(r#"{"Variable": "$.s", "StringEquals": "1"}"#, r#"{"s": 1}"#, "false");
}

#[test]
fn string_matches_wildcards() {
    let cases = [
        ("foo*.log", "foo23.log", true),
        ("*.log", "zebra.log", true),
        ("foo*.*", "foobar.zebra", true),
        ("foo*.*", "foobar", false),
        ("log-*.txt", "log-2024-01-01.txt", true),
        ("log-*.txt", "log-.txt", true),
        ("log-*.txt", "log.txt", false),
        ("foobar", "foobar", true),
        ("foobar", "foobarbaz", false),
        ("*", "", true),
        ("*", "anything at all", true),
        ("", "", true),
        ("", "a", false),
        ("**", "ab", true),
        ("a*b*c", "aXbYc", true),
        ("a*b*c", "aXbY", false),
        ("*aab", "aaab", true),
        ("*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac", false),
        ("ü*ß", "über Maß", true),
    ];
    for (pattern, subject, expect) in cases {
        let rule = json!({"Variable": "$.s", "StringMatches": pattern}).to_string();
        let input = json!({"s": subject}).to_string();
        check(&rule, &input, &expect.to_string());
    }
}

#[test]
fn string_matches_escapes() {
    // Patterns as the definition's JSON spells them: "\\*" is the two characters \ and *.
    check(r#"{"Variable": "$.s", "StringMatches": "he\\*lo"}"#, r#"{"s": "he*lo"}"#, "true");
    check(r#"{"Variable": "$.s", "StringMatches": "he\\*lo"}"#, r#"{"s": "hello"}"#, "false");
    check(
        r#"{"Variable": "$.s", "StringMatches": "foo\\*bar\\*baz"}"#,
        r#"{"s": "foo*bar*baz"}"#,
        "true",
    );
    check(
        r#"{"Variable": "$.s", "StringMatches": "hello*\\*"}"#,
        r#"{"s": "hello world*"}"#,
        "true",
    );
    check(
        r#"{"Variable": "$.s", "StringMatches": "hello*\\*"}"#,
        r#"{"s": "hello world"}"#,
        "false",
    );
    check(r#"{"Variable": "$.s", "StringMatches": "a\\\\b"}"#, r#"{"s": "a\\b"}"#, "true");
    check(r#"{"Variable": "$.s", "StringMatches": "*\\\\*"}"#, r#"{"s": "x\\y"}"#, "true");
    check(r#"{"Variable": "$.s", "StringMatches": "*\\\\*"}"#, r#"{"s": "xy"}"#, "false");
    // Any other escaped character stands for itself; a trailing backslash is literal.
    check(r#"{"Variable": "$.s", "StringMatches": "\\a"}"#, r#"{"s": "a"}"#, "true");
    check(r#"{"Variable": "$.s", "StringMatches": "a\\"}"#, r#"{"s": "a\\"}"#, "true");
    check(r#"{"Variable": "$.s", "StringMatches": "*"}"#, r#"{"s": 1}"#, "false");
}

#[test]
fn numbers_compare_as_doubles() {
    check(r#"{"Variable": "$.n", "NumericEquals": 1}"#, r#"{"n": 1.0}"#, "true");
    check(r#"{"Variable": "$.n", "NumericEquals": 1.5}"#, r#"{"n": 1.5}"#, "true");
    check(r#"{"Variable": "$.n", "NumericLessThan": 0}"#, r#"{"n": -0.5}"#, "true");
    check(r#"{"Variable": "$.n", "NumericGreaterThan": -1e300}"#, r#"{"n": -1e299}"#, "true");
    check(
        r#"{"Variable": "$.n", "NumericEquals": 18446744073709551615}"#,
        r#"{"n": 18446744073709551615}"#,
        "true",
    );
    check(r#"{"Variable": "$.n", "NumericEquals": 1}"#, r#"{"n": "1"}"#, "false");
    check(r#"{"Variable": "$.n", "NumericEquals": 1}"#, r#"{"n": true}"#, "false");
    check(r#"{"Variable": "$.n", "NumericEqualsPath": "$.m"}"#, r#"{"n": 2, "m": 2.0}"#, "true");
    check(r#"{"Variable": "$.n", "NumericEqualsPath": "$.m"}"#, r#"{"n": 2, "m": "2"}"#, "false");
}

#[test]
fn booleans_need_booleans_on_both_sides() {
    check(r#"{"Variable": "$.b", "BooleanEquals": true}"#, r#"{"b": true}"#, "true");
    check(r#"{"Variable": "$.b", "BooleanEquals": false}"#, r#"{"b": true}"#, "false");
    check(r#"{"Variable": "$.b", "BooleanEquals": true}"#, r#"{"b": 1}"#, "false");
    check(r#"{"Variable": "$.b", "BooleanEquals": false}"#, r#"{"b": null}"#, "false");
    check(
        r#"{"Variable": "$.b", "BooleanEqualsPath": "$.c"}"#,
        r#"{"b": true, "c": "true"}"#,
        "false",
    );
}

#[test]
fn timestamps_compare_as_instants() {
    let equals = r#"{"Variable": "$.t", "TimestampEquals": "2012-10-09T19:00:55Z"}"#;
    check(equals, r#"{"t": "2012-10-09T20:00:55+01:00"}"#, "true");
    check(equals, r#"{"t": "2012-10-09T19:00:55.000Z"}"#, "true");
    check(equals, r#"{"t": "2012-10-09T19:00:55.001Z"}"#, "false");
    check(equals, r#"{"t": "2012-10-09t19:00:55z"}"#, "false");
    check(equals, r#"{"t": "2012-10-09T19:00:55"}"#, "false");
    let later = r#"{"Variable": "$.t", "TimestampGreaterThan": "2012-10-09T19:00:55Z"}"#;
    check(later, r#"{"t": "2012-10-09T19:00:55.5Z"}"#, "true");
    check(later, r#"{"t": "2012-10-09T19:00:55-00:01"}"#, "true");
    check(later, r#"{"t": "2012-10-09T19:00:55+00:01"}"#, "false");
    let path = r#"{"Variable": "$.t", "TimestampLessThanEqualsPath": "$.u"}"#;
    check(path, r#"{"t": "2012-10-09T19:00:55Z", "u": "2012-10-09T19:00:55Z"}"#, "true");
    check(path, r#"{"t": "2012-10-09T19:00:55Z", "u": "not a timestamp"}"#, "false");
    check(path, r#"{"t": "2012-10-09T19:00:55Z", "u": 1349809255}"#, "false");
}

#[test]
fn type_tests() {
    let is_timestamp = r#"{"Variable": "$.v", "IsTimestamp": true}"#;
    check(is_timestamp, r#"{"v": "2012-10-09T19:00:55Z"}"#, "true");
    check(is_timestamp, r#"{"v": "2012-10-09T19:00:55+01:00"}"#, "true");
    check(is_timestamp, r#"{"v": "2012-10-09T19:00:55"}"#, "false");
    check(is_timestamp, r#"{"v": "2023-02-24"}"#, "false");
    check(is_timestamp, r#"{"v": 1349809255}"#, "false");
    check(r#"{"Variable": "$.v", "IsTimestamp": false}"#, r#"{"v": "HelloWorld"}"#, "true");
    check(r#"{"Variable": "$.v", "IsNumeric": true}"#, r#"{"v": -0.0}"#, "true");
    check(r#"{"Variable": "$.v", "IsString": true}"#, r#"{"v": ["a"]}"#, "false");
    check(r#"{"Variable": "$.v", "IsBoolean": true}"#, r#"{"v": false}"#, "true");
    check(r#"{"Variable": "$.v", "IsNull": false}"#, r#"{"v": {}}"#, "true");
}

/// Recorded as `BASE_REFERENCE_IN_CHOICE`: variables on both sides of a comparison.
#[test]
fn variables_and_context() {
    let rule = r#"{"Variable": "$guess", "StringEqualsPath": "$answer"}"#;
    check_with(rule, "{}", &json!({"guess": "the_guess", "answer": "the_answer"}), "false");
    check_with(rule, "{}", &json!({"guess": "the_answer", "answer": "the_answer"}), "true");
    check_with(
        rule,
        "{}",
        &json!({"answer": "the_answer"}),
        "error: Invalid path '$guess': The choice state's condition path references an invalid \
         value.",
    );
    check(r#"{"Variable": "$$.Execution.Input.n", "NumericEquals": 1}"#, r#"{"n": 1}"#, "true");
}

#[test]
fn jsonata_conditions_belong_to_the_jsonata_evaluator() {
    let condition = Condition::Jsonata(Jsonata::literal(json!(true)));
    assert_eq!(
        run(&condition, &json!({}), &json!({})),
        "error: JSONata conditions are evaluated by the JSONata evaluator, not as JSONPath rules"
    );
    let nested = Condition::Not(Box::new(condition));
    assert_eq!(
        run(&nested, &json!({}), &json!({})),
        "error: JSONata conditions are evaluated by the JSONata evaluator, not as JSONPath rules"
    );
}

#[test]
fn deep_nesting_does_not_recurse() {
    let mut condition = Condition::Comparison(Comparison {
        variable: Path::parse("$.a").expect("a valid path"),
        operator: ComparisonOperator::IsNull,
        operand: Operand::Boolean(true),
    });
    for _ in 0..1_001 {
        condition = Condition::Not(Box::new(Condition::And(vec![condition])));
    }
    // An odd number of negations of "a is null".
    assert_eq!(run(&condition, &json!({"a": null}), &json!({})), "false");
    assert_eq!(run(&condition, &json!({"a": 1}), &json!({})), "true");
}
