//! Snapshot formats: a version-1 (JSON) snapshot, written by Baton before snapshots became
//! MessagePack, still rebuilds the same execution, and a version this build does not know is
//! refused rather than misread.

use serde_json::json;

use baton_asl::{MachineType, Options};

use super::{Execution, JSON_SNAPSHOT_VERSION, SnapshotOut};
use crate::{Start, WorkflowType, start};

/// An execution waiting in a Parallel state, with a variable, a task with a timeout, a
/// heartbeat timer and a Wait timer, so that its snapshot holds every kind of pending work.
fn waiting_execution() -> Execution {
    let definition = json!({"StartAt": "Both", "States": {"Both": {"Type": "Parallel",
        "Assign": {"count": 3},
        "Branches": [
            {"StartAt": "A", "States": {"A": {"Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 60,
                "HeartbeatSeconds": 10, "End": true}}},
            {"StartAt": "B", "States": {"B": {"Type": "Wait", "Seconds": 5, "End": true}}}],
        "End": true}}})
    .to_string();
    let (machine, diagnostics) =
        baton_asl::parse(&definition, &Options { machine_type: MachineType::Standard });
    let machine = machine.unwrap_or_else(|| panic!("{diagnostics:#?}"));
    let first = Start {
        input: r#"{"n": 1.5, "items": [1, "two", null, {"deep": true}]}"#.to_owned(),
        execution_arn: "arn:aws:states:us-east-1:123456789012:execution:m:e".to_owned(),
        execution_name: "e".to_owned(),
        state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:m".to_owned(),
        state_machine_name: "m".to_owned(),
        role_arn: "arn:aws:iam::123456789012:role/r".to_owned(),
        region: "us-east-1".to_owned(),
        workflow_type: WorkflowType::Standard,
        record_history: true,
        seed: "seed".to_owned(),
        at: 1_000,
    };
    let (execution, step) = start(&machine, first).expect("the execution starts");
    assert!(step.commands.len() >= 3, "a task and two timers wait: {:?}", step.commands);
    execution
}

#[test]
fn a_json_snapshot_of_version_1_rebuilds_the_same_execution() {
    let execution = waiting_execution();
    let version_1 = SnapshotOut { version: JSON_SNAPSHOT_VERSION, execution: &execution };
    let json = serde_json::to_vec(&version_1).expect("JSON");
    let restored = Execution::from_snapshot(&json).expect("a version-1 snapshot reads");
    assert_eq!(restored.snapshot(), execution.snapshot());
    assert_eq!(restored.input, execution.input);
}

#[test]
fn a_snapshot_rebuilds_the_same_execution() {
    let execution = waiting_execution();
    let snapshot = execution.snapshot();
    assert_ne!(snapshot.first(), Some(&b'{'), "snapshots are MessagePack");
    let restored = Execution::from_snapshot(&snapshot).expect("the snapshot reads");
    assert_eq!(restored.snapshot(), snapshot);
    assert_eq!(restored.input, execution.input);
}

#[test]
fn an_unknown_snapshot_version_is_refused() {
    let execution = waiting_execution();
    let future = rmp_serde::to_vec(&SnapshotOut { version: 3, execution: &execution }).unwrap();
    let refused = Execution::from_snapshot(&future).map(|_| ()).expect_err("refused");
    assert!(refused.to_string().contains("execution snapshot version 3"), "{refused}");
    // JSON was only ever version 1.
    let json = serde_json::to_vec(&SnapshotOut { version: 2, execution: &execution }).unwrap();
    let refused = Execution::from_snapshot(&json).map(|_| ()).expect_err("refused");
    assert!(refused.to_string().contains("execution snapshot version 2"), "{refused}");
}
