//! Unit tests of the model that validation builds. Diagnostics are covered by the golden files
//! in `test_data/` (tests/golden.rs); here we check what a valid definition turns into.

use crate::StateMachine;
use crate::model::{
    Dynamic, IntegrationPattern, Jitter, Payload, QueryLanguage, Resource, StateKind, Transition,
    WaitFor,
};
use crate::validate::{MachineType, Options, parse};

const STANDARD: Options = Options { machine_type: MachineType::Standard };

fn check(definition: &str) -> StateMachine {
    let (machine, diagnostics) = parse(definition, &STANDARD);
    assert!(diagnostics.is_empty(), "unexpected diagnostics: {diagnostics:#?}");
    machine.expect("a valid definition yields a machine")
}

#[test]
fn transitions_resolve_to_states_of_the_same_scope() {
    let machine = check(
        r#"{"StartAt":"B","States":{
            "A":{"Type":"Pass","End":true},
            "B":{"Type":"Pass","Next":"A"}}}"#,
    );
    let start = machine.scope.start();
    assert_eq!(start.name, "B");
    let StateKind::Pass(pass) = &start.kind else { panic!("B is a Pass state") };
    let Transition::Next(next) = pass.transition else { panic!("B has a Next") };
    assert_eq!(machine.scope.state(next).name, "A");
    assert_eq!(machine.scope.find("A"), Some(next));
}

#[test]
fn retry_defaults_are_aws_defaults() {
    let machine = check(
        r#"{"StartAt":"T","States":{"T":{"Type":"Task",
            "Resource":"arn:aws:states:::lambda:invoke",
            "Retry":[{"ErrorEquals":["States.ALL"]}],"End":true}}}"#,
    );
    let StateKind::Task(task) = &machine.scope.start().kind else { panic!("T is a Task") };
    let retrier = &task.retry[0];
    assert_eq!((retrier.interval_seconds, retrier.max_attempts, retrier.backoff_rate), (1, 3, 2.0));
    assert_eq!(retrier.jitter, Jitter::None);
    assert_eq!(retrier.max_delay_seconds, None);
    assert_eq!(
        task.resource,
        Resource::Integration {
            arn: "arn:aws:states:::lambda:invoke".to_owned(),
            service: "lambda".to_owned(),
            action: "invoke".to_owned(),
            pattern: IntegrationPattern::RequestResponse,
        }
    );
    assert!(task.timeout_seconds.is_none());
}

#[test]
fn query_language_is_inherited_and_overridable() {
    let machine = check(
        r#"{"QueryLanguage":"JSONata","StartAt":"W","States":{
            "W":{"Type":"Wait","Seconds":"{% $states.input.delay %}","Next":"P"},
            "P":{"Type":"Parallel","Branches":[{"StartAt":"X","States":{"X":{"Type":"Succeed"}}}],
                 "Arguments":{"a":"{% 1 %}"},"End":true}}}"#,
    );
    assert_eq!(machine.query_language, QueryLanguage::Jsonata);
    let wait = machine.scope.start();
    assert_eq!(wait.query_language, QueryLanguage::Jsonata);
    let StateKind::Wait(wait) = &wait.kind else { panic!("W is a Wait") };
    assert!(matches!(wait.until, WaitFor::Seconds(Dynamic::Jsonata(_))));
    let parallel = machine.all_states().into_iter().find(|state| state.name == "P").expect("P");
    let StateKind::Parallel(parallel) = &parallel.kind else { panic!("P is Parallel") };
    assert!(matches!(parallel.payload, Some(Payload::Arguments(_))));
    assert_eq!(parallel.branches[0].start().name, "X");
}

#[test]
fn a_jsonpath_state_may_sit_in_a_jsonpath_machine_with_jsonata_states() {
    let machine = check(
        r#"{"StartAt":"A","States":{
            "A":{"Type":"Pass","QueryLanguage":"JSONata","Output":"{% $states.input %}","Next":"B"},
            "B":{"Type":"Pass","InputPath":"$.x","End":true}}}"#,
    );
    let languages: Vec<_> = machine.all_states().iter().map(|state| state.query_language).collect();
    assert_eq!(languages, [QueryLanguage::Jsonata, QueryLanguage::JsonPath]);
}

#[test]
fn all_states_walks_nested_scopes_depth_first() {
    let machine = check(
        r#"{"StartAt":"M","States":{
            "M":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{
                "I":{"Type":"Parallel","Branches":[{"StartAt":"J","States":{"J":{"Type":"Succeed"}}}],"End":true}}},
                "Next":"Z"},
            "Z":{"Type":"Succeed"}}}"#,
    );
    let names: Vec<_> = machine.all_states().iter().map(|state| state.name.as_str()).collect();
    assert_eq!(names, ["M", "I", "J", "Z"]);
}

#[test]
fn express_accepts_request_response_integrations() {
    let (machine, diagnostics) = parse(
        r#"{"StartAt":"T","States":{"T":{"Type":"Task",
            "Resource":"arn:aws:states:::lambda:invoke","End":true}}}"#,
        &Options { machine_type: MachineType::Express },
    );
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    assert!(machine.is_some());
}

#[test]
fn uses_jsonata_when_some_state_at_any_depth_is_jsonata() {
    let pass = r#"{"Type":"Pass","End":true}"#;
    let jsonata_pass = r#"{"Type":"Pass","QueryLanguage":"JSONata","End":true}"#;
    let nested = |inner: &str| {
        format!(
            r#"{{"StartAt":"M","States":{{"M":{{"Type":"Map","End":true,
                "ItemProcessor":{{"StartAt":"I","States":{{"I":{inner}}}}}}}}}}}"#
        )
    };
    for (definition, expect) in [
        (format!(r#"{{"StartAt":"A","States":{{"A":{pass}}}}}"#), false),
        (format!(r#"{{"QueryLanguage":"JSONata","StartAt":"A","States":{{"A":{pass}}}}}"#), true),
        (format!(r#"{{"StartAt":"A","States":{{"A":{jsonata_pass}}}}}"#), true),
        (nested(pass), false),
        (nested(jsonata_pass), true),
    ] {
        assert_eq!(check(&definition).uses_jsonata(), expect, "{definition}");
    }
}

#[test]
fn uses_distributed_io_when_some_map_at_any_depth_reads_or_writes_items() {
    let inline = r#"{"Type":"Map","End":true,
        "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}}"#;
    let distributed = |field: &str| {
        format!(
            r#"{{"Type":"Map","End":true,{field},
                "ItemProcessor":{{"ProcessorConfig":{{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"}},
                "StartAt":"P","States":{{"P":{{"Type":"Pass","End":true}}}}}}}}"#
        )
    };
    let reader = distributed(
        r#""ItemReader":{"Resource":"arn:aws:states:::s3:listObjectsV2","Parameters":{"Bucket":"b"}}"#,
    );
    let writer = distributed(
        r#""ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"b","Prefix":"p"}}"#,
    );
    let top = |state: &str| format!(r#"{{"StartAt":"M","States":{{"M":{state}}}}}"#);
    let nested = |state: &str| {
        format!(
            r#"{{"StartAt":"B","States":{{"B":{{"Type":"Parallel","End":true,
                "Branches":[{{"StartAt":"M","States":{{"M":{state}}}}}]}}}}}}"#
        )
    };
    for (definition, expect) in [
        (top(inline), false),
        (top(&reader), true),
        (top(&writer), true),
        (nested(inline), false),
        (nested(&reader), true),
    ] {
        assert_eq!(check(&definition).uses_distributed_io(), expect, "{definition}");
    }
}
