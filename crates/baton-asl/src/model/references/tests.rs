//! [`StateMachine::variable_references`], data-driven through [`check`]: the AWS-recorded
//! conformance cases in `test_data/variable_references/`, then cases of our own for the fields
//! those cases do not reach, in both query languages.

use std::path::Path;

use serde_json::Value;

use crate::validate::{MachineType, Options, parse};

const STANDARD: Options = Options { machine_type: MachineType::Standard };
/// How many cases `test_data/variable_references/` holds: every case of
/// `test_sfn_api_variable_references.py` in ../shared/conformance, so none is lost unnoticed.
const CONFORMANCE_CASES_COUNT: usize = 15;

/// Validates `definition` and compares its `variableReferences` with `expect`, a JSON object
/// (`{}` when no state reads a variable).
#[track_caller]
fn check(definition: &str, expect: &str) {
    let (machine, diagnostics) = parse(definition, &STANDARD);
    let machine = machine.unwrap_or_else(|| panic!("invalid definition: {diagnostics:#?}"));
    let actual = serde_json::to_value(machine.variable_references()).expect("names serialize");
    let expect: Value = serde_json::from_str(expect).expect("expectation is JSON");
    assert_eq!(actual, expect);
}

/// One file of `test_data/variable_references/`: a definition AWS accepted and the
/// `variableReferences` its DescribeStateMachine answered with (`{}` where the field was
/// absent), under the conformance case's name.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConformanceCase {
    case: String,
    definition: Value,
    variable_references: Value,
}

#[test]
fn conformance_cases() {
    let directory =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data").join("variable_references");
    let mut count = 0;
    for entry in std::fs::read_dir(&directory).expect("test_data/variable_references exists") {
        let path = entry.expect("a directory entry").path();
        let text = std::fs::read_to_string(&path).expect("a readable case");
        let case: ConformanceCase = serde_json::from_str(&text).expect("a well-formed case");
        let (machine, diagnostics) = parse(&case.definition.to_string(), &STANDARD);
        let machine = machine.unwrap_or_else(|| panic!("{}: {diagnostics:#?}", case.case));
        let actual = serde_json::to_value(machine.variable_references()).expect("serializes");
        assert_eq!(actual, case.variable_references, "{}", case.case);
        count += 1;
    }
    assert_eq!(count, CONFORMANCE_CASES_COUNT);
}

#[test]
fn jsonpath_fields() {
    // Task: timeouts by path, Parameters (nested, inside arrays, intrinsic arguments of nested
    // calls), ResultSelector, Catch Assign; ResultPath never counts.
    check(
        r#"{"StartAt":"T","States":{
            "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                "Parameters":{"FunctionName":"f","Payload":{"l":[{"a.$":"States.Format('{}', States.JsonToString($fmt))"}],"b.$":"$b.x"}},
                "TimeoutSecondsPath":"$timeout","HeartbeatSecondsPath":"$heartbeat",
                "ResultSelector":{"r.$":"$selected"},"ResultPath":"$.result",
                "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Assign":{"c.$":"$caught"},"Next":"S"}],
                "Next":"S"},
            "S":{"Type":"Succeed"}}}"#,
        r#"{"T":["b","caught","fmt","heartbeat","selected","timeout"]}"#,
    );
    // Choice: Variable and *Path operands through And, Or and Not; rule-level Assign.
    check(
        r#"{"StartAt":"C","States":{
            "C":{"Type":"Choice","Choices":[
                {"And":[{"Variable":"$a","IsPresent":true},
                        {"Not":{"Variable":"$.x","NumericEqualsPath":"$b.n"}},
                        {"Or":[{"Variable":"$$.Execution.Name","StringEquals":"x"},{"Variable":"$c","BooleanEquals":true}]}],
                 "Assign":{"r.$":"$d"},"Next":"E"}],
             "Default":"E"},
            "E":{"Type":"Succeed"}}}"#,
        r#"{"C":["a","b","c","d"]}"#,
    );
    // Map: ItemsPath, tolerated failures and MaxConcurrency by path, ItemSelector; a Parallel
    // branch's states count under their own names, as Map processor states do.
    check(
        r#"{"StartAt":"M","States":{
            "M":{"Type":"Map","ItemsPath":"$items","MaxConcurrencyPath":"$concurrency",
                "ToleratedFailureCountPath":"$count","ToleratedFailurePercentagePath":"$percentage",
                "ItemSelector":{"v.$":"$$.Map.Item.Value","w.$":"$w"},
                "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"I","States":{"I":{"Type":"Pass","OutputPath":"$inner","End":true}}},
                "Next":"P"},
            "P":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","InputPath":"$branch","End":true}}}],"Next":"F"},
            "F":{"Type":"Fail","ErrorPath":"States.Format('E{}', $error)","CausePath":"$cause"}}}"#,
        r#"{"B":["branch"],"F":["cause","error"],"I":["inner"],"M":["concurrency","count","items","percentage","w"]}"#,
    );
    // Paths from the input or the context object read no variable.
    check(
        r#"{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$$.Execution.Input",
            "Parameters":{"a.$":"$.a","b.$":"States.Array($$.Execution.Name, $)"},"OutputPath":"$.a","End":true}}}"#,
        "{}",
    );
}

#[test]
fn jsonata_fields() {
    // `$states` and called functions are not variables; each name is listed once.
    check(
        r#"{"QueryLanguage":"JSONata","StartAt":"P","States":{
            "P":{"Type":"Pass","Output":{"a":"{% $a & $states.input.x %}","n":["{% $count($list) %}"]},
                "Assign":{"x":"{% $a + $b %}","y":"{% $states.input.y %}"},"Next":"T"},
            "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                "Arguments":{"FunctionName":"{% $function %}","Payload":{"k":"{% $payload %}"}},
                "TimeoutSeconds":"{% $timeout %}","Output":"{% $states.result %}",
                "Catch":[{"ErrorEquals":["States.ALL"],"Output":"{% $fallback %}","Assign":{"e":"{% $states.errorOutput & $suffix %}"},"Next":"C"}],
                "Next":"C"},
            "C":{"Type":"Choice","Choices":[{"Condition":"{% $limit > $sum($values) %}","Output":"{% $chosen %}","Assign":{"v":"{% $kept %}"},"Next":"M"}],"Default":"M"},
            "M":{"Type":"Map","Items":"{% $items %}","MaxConcurrency":"{% $concurrency %}",
                "ItemSelector":{"value":"{% $states.context.Map.Item.Value %}","extra":"{% $extra %}"},
                "ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"I","States":{"I":{"Type":"Pass","Output":"{% $outer %}","End":true}}},
                "Next":"W"},
            "W":{"Type":"Wait","Seconds":"{% $seconds %}","Next":"F"},
            "F":{"Type":"Fail","Error":"{% $error %}","Cause":"{% $cause %}"}}}"#,
        r#"{
            "C":["chosen","kept","limit","values"],
            "F":["cause","error"],
            "I":["outer"],
            "M":["concurrency","extra","items"],
            "P":["a","b","list"],
            "T":["fallback","function","payload","suffix","timeout"],
            "W":["seconds"]
        }"#,
    );
    // A machine-level JSONata default with a JSONPath state inside is not allowed, but a
    // JSONPath machine may hold JSONata states: each state is read in its own language.
    check(
        r#"{"StartAt":"A","States":{
            "A":{"Type":"Pass","Parameters":{"x.$":"$x"},"Next":"B"},
            "B":{"Type":"Pass","QueryLanguage":"JSONata","Output":"{% $y %}","End":true}}}"#,
        r#"{"A":["x"],"B":["y"]}"#,
    );
}

#[test]
fn jsonata_local_names() {
    // A name bound inside the expression (`$n := ...`, a lambda's parameter) is not a
    // workflow variable.
    check(
        r#"{"QueryLanguage":"JSONata","StartAt":"P","States":{
            "P":{"Type":"Pass","Output":"{% ($n := $base; $map($list, function($v) { $v + $n })) %}","End":true}}}"#,
        r#"{"P":["base","list"]}"#,
    );
}
