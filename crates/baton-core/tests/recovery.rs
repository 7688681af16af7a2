//! Recovery (../shared/STYLE.md A3): an execution rebuilt by replaying any prefix of its inputs
//! reports, through `Execution::pending_commands`, exactly the work that was outstanding at that
//! point of the live run — every running task and every timer with its original due time. A
//! snapshot taken after any input resumes exactly like the live execution.

use std::collections::BTreeMap;

use serde_json::json;

mod support;

use baton_core::simulate::{self, TaskAnswer};
use baton_core::{Command, Execution, Input, Start, TaskRequest, start, step};

const DEFINITION: &str = r#"{"StartAt":"Work","States":{
    "Work":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","TimeoutSeconds":30,
            "Retry":[{"ErrorEquals":["Flaky"],"IntervalSeconds":2}],"Next":"Pause"},
    "Pause":{"Type":"Wait","Seconds":5,"Next":"Both"},
    "Both":{"Type":"Parallel","Branches":[
        {"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","HeartbeatSeconds":10,"TimeoutSeconds":60,"End":true}}},
        {"StartAt":"B","States":{"B":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}],
     "End":true}}}"#;

/// Outstanding work, keyed so that two runs can be compared.
fn key(command: &Command) -> Option<(String, String)> {
    match command {
        Command::RunTask(request) => {
            Some((format!("task {}", request.task.0), format!("{request:?}")))
        }
        Command::StartTimer { timer, due } => {
            Some((format!("timer {}", timer.0), format!("due {due}")))
        }
        Command::CancelTask { .. } | Command::CancelTimer { .. } | Command::Finish(_) => None,
    }
}

fn apply(outstanding: &mut BTreeMap<String, String>, commands: &[Command]) {
    for command in commands {
        match command {
            Command::CancelTask { task } => {
                outstanding.remove(&format!("task {}", task.0));
            }
            Command::CancelTimer { timer } => {
                outstanding.remove(&format!("timer {}", timer.0));
            }
            Command::Finish(_) => outstanding.clear(),
            Command::RunTask(_) | Command::StartTimer { .. } => {
                if let Some((name, value)) = key(command) {
                    outstanding.insert(name, value);
                }
            }
        }
    }
}

#[test]
fn replayed_prefixes_report_the_outstanding_work() {
    let machine = support::machine(DEFINITION);
    let first = support::start(&json!({}));
    let mut answers = vec![
        TaskAnswer::Failed { error: "Flaky".to_owned(), cause: String::new() },
        TaskAnswer::Succeeded(json!({"ok": true})),
        TaskAnswer::Succeeded(json!("a")),
        TaskAnswer::Succeeded(json!("b")),
    ]
    .into_iter();
    let mut answer = |_: &TaskRequest| answers.next().expect("an answer for every task");
    let live = simulate::run(&machine, first, &mut answer).expect("the execution runs");
    assert!(live.inputs.len() > 5, "the scenario exercises several inputs");

    // Walk the live run input by input, tracking what is outstanding after each.
    let Some((Input::Start(start_input), rest)) = live.inputs.split_first() else {
        panic!("the inputs begin with the start");
    };
    let (mut execution, first_step) = start(&machine, Start::clone(start_input)).expect("start");
    let mut outstanding = BTreeMap::new();
    apply(&mut outstanding, &first_step.commands);
    for (applied, input) in rest.iter().enumerate() {
        let (replayed, _) =
            simulate::replay(&machine, &live.inputs[..=applied]).expect("the prefix replays");
        let pending: BTreeMap<String, String> =
            replayed.pending_commands().iter().filter_map(key).collect();
        assert_eq!(pending, outstanding, "after {} inputs", applied + 1);
        match input {
            Input::TaskSucceeded { task, .. } | Input::TaskFailed { task, .. } => {
                outstanding.remove(&format!("task {}", task.0));
            }
            Input::TimerFired { timer, .. } => {
                outstanding.remove(&format!("timer {}", timer.0));
            }
            Input::Start(_)
            | Input::TaskStarted { .. }
            | Input::TaskHeartbeat { .. }
            | Input::Stop { .. }
            | Input::Redrive { .. }
            | Input::UpdateMapRun { .. } => {}
        }
        // A snapshot taken here resumes exactly like the live execution.
        let mut restored = Execution::from_snapshot(&execution.snapshot()).expect("snapshot reads");
        let next = step(&machine, &mut execution, input.clone()).expect("step");
        let resumed = step(&machine, &mut restored, input.clone()).expect("step after restore");
        assert_eq!(resumed, next, "a restored snapshot steps differently after {applied} inputs");
        assert_eq!(restored.snapshot(), execution.snapshot());
        apply(&mut outstanding, &next.commands);
    }
    assert!(execution.pending_commands().is_empty(), "a finished execution waits for nothing");
}
