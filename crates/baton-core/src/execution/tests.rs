//! Snapshot formats: a version-1 (JSON) snapshot, written by Baton before snapshots became
//! MessagePack, still rebuilds the same execution, and a version this build does not know is
//! refused rather than misread. Also which frames a finished execution keeps for a redrive.

use serde_json::json;

use baton_asl::{MachineType, Options};

use super::{Execution, JSON_SNAPSHOT_VERSION, SnapshotOut};
use crate::{Command, Input, Start, WorkflowType, start};

/// The start of a test execution with `input` (JSON text), at 1 s past the epoch.
fn start_with(input: &str) -> Start {
    Start {
        input: input.to_owned(),
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
    }
}

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
    let first = start_with(r#"{"n": 1.5, "items": [1, "two", null, {"deep": true}]}"#);
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

/// Runs `definition` on `input`, failing every task with `error`, until it ends.
fn failed_execution(definition: &serde_json::Value, error: &str) -> Execution {
    let (machine, diagnostics) =
        baton_asl::parse(&definition.to_string(), &Options { machine_type: MachineType::Standard });
    let machine = machine.unwrap_or_else(|| panic!("{diagnostics:#?}"));
    let first = start_with("{}");
    let (mut execution, mut next) = start(&machine, first).expect("the execution starts");
    let mut at = 1_000;
    while execution.outcome.is_none() {
        at += 1_000;
        let input = next
            .commands
            .iter()
            .find_map(|command| match command {
                Command::RunTask(request) => Some(Input::TaskFailed {
                    task: request.task,
                    error: error.to_owned(),
                    cause: String::new(),
                    at,
                }),
                Command::StartTimer { timer, .. } => Some(Input::TimerFired { timer: *timer, at }),
                Command::CancelTask { .. } | Command::CancelTimer { .. } | Command::Finish(_) => {
                    None
                }
            })
            .expect("the execution waits for a task or a timer");
        next = crate::step(&machine, &mut execution, input).expect("the input applies");
    }
    execution
}

#[test]
fn a_version_2_snapshot_from_before_redrives_and_map_runs_reads() {
    let execution = failed_execution(
        &json!({"StartAt": "T", "States": {"T": {"Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}),
        "Boom",
    );
    // The same snapshot without the execution's last three fields, as Baton wrote it before it
    // counted redrives and kept Map Runs (a finished execution has no tasks or timers, whose
    // integer keys a JSON value could not hold).
    let mut value: serde_json::Value =
        rmp_serde::from_slice(&execution.snapshot()).expect("MessagePack reads as a value");
    let fields = value[1].as_array_mut().expect("the execution is an array");
    let added: Vec<_> = fields.drain(fields.len() - 3..).collect();
    assert_eq!(added, [json!(0), json!(null), json!([])]);
    let old = rmp_serde::to_vec(&value).expect("MessagePack");
    let restored = Execution::from_snapshot(&old).expect("the old snapshot reads");
    assert_eq!(restored.redriven(), None);
    assert!(restored.map_runs().is_empty());
    assert_eq!(restored.snapshot(), execution.snapshot());
}

#[test]
fn a_retried_or_caught_failure_keeps_no_halted_frames() {
    let branch = |name: &str| {
        json!({"StartAt": name, "States": {name: {"Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke", "End": true}}})
    };
    let execution = failed_execution(
        &json!({"StartAt": "Both", "States": {
            "Both": {"Type": "Parallel", "Branches": [branch("A"), branch("B")],
                "Retry": [{"ErrorEquals": ["Flaky"], "MaxAttempts": 3, "IntervalSeconds": 1}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}],
                "Next": "Done"},
            "Done": {"Type": "Succeed"},
            "Failed": {"Type": "Fail", "Error": "Caught"}}}),
        "Flaky",
    );
    assert!(matches!(execution.outcome, Some(crate::Outcome::Failed { .. })));
    // Four attempts each halted two branches; the retries and the Catch dropped them all.
    let live: Vec<_> = execution.frames.iter().flatten().collect();
    assert_eq!(live.len(), 1, "only the root frame is left: {live:#?}");
}

#[test]
fn an_uncaught_parallel_failure_keeps_its_branches_halted() {
    let branch = |name: &str| {
        json!({"StartAt": name, "States": {name: {"Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke", "End": true}}})
    };
    let execution = failed_execution(
        &json!({"StartAt": "Both", "States": {
            "Both": {"Type": "Parallel", "Branches": [branch("A"), branch("B")], "End": true}}}),
        "Boom",
    );
    let statuses: Vec<_> = execution
        .frames
        .iter()
        .flatten()
        .map(|frame| matches!(frame.status, super::FrameStatus::Halted { .. }))
        .collect();
    // The root in the Parallel state, the branch that failed and the one it aborted.
    assert_eq!(statuses, [true, true, true]);
}
