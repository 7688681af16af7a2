//! Map Runs (`Execution::map_runs`): a Distributed Map's run counts its child executions as
//! they start and end, ends with its state (or its execution), runs again with a redrive, and
//! takes new limits from UpdateMapRun (`Input::UpdateMapRun`).

use serde_json::json;

mod support;

use baton_core::map_run::{MapRunLimits, MapRunProgress, MapRunStatus};
use baton_core::{Input, Outcome};

use support::driver::{Driver, map_of_tasks};

const DISTRIBUTED: &str = r#""ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"#;

fn only_map_run(driver: &Driver) -> MapRunProgress {
    let map_runs = driver.execution.map_runs();
    assert_eq!(map_runs.len(), 1, "{map_runs:#?}");
    map_runs[0].clone()
}

/// (total, started, succeeded, failed, aborted, pending, running)
fn counts(progress: &MapRunProgress) -> [u64; 7] {
    [
        progress.total,
        progress.started,
        progress.succeeded,
        progress.failed,
        progress.aborted,
        progress.pending(),
        progress.running(),
    ]
}

#[test]
fn a_map_run_counts_its_child_executions_and_runs_again_with_a_redrive() {
    let definition = map_of_tasks(r#""MaxConcurrency":2,"ToleratedFailureCount":1"#, DISTRIBUTED);
    let mut driver = Driver::start(&definition, &json!(["a", "b", "c", "d", "e"]));
    let started = only_map_run(&driver);
    assert!(started.arn.starts_with("arn:aws:states:us-east-1:123456789012:mapRun:test/Each:"));
    assert_eq!(started.status, MapRunStatus::Running);
    assert_eq!((started.max_concurrency, started.tolerated_failure_count), (2, 1));
    assert_eq!(counts(&started), [5, 2, 0, 0, 0, 3, 2]);
    // a succeeds, b fails within the tolerance, c succeeds, d exceeds it while e runs.
    assert_eq!(driver.run_failing(&["b", "d"]).status(), "FAILED");
    let failed = only_map_run(&driver);
    assert_eq!(failed.status, MapRunStatus::Failed);
    assert_eq!(failed.stopped_at, Some(driver.now));
    assert_eq!(counts(&failed), [5, 5, 2, 2, 1, 0, 0]);

    let (asked_again, outcome) = driver.redrive_and_succeed();
    assert_eq!(asked_again.len(), 3, "b, d and e run again: {asked_again:?}");
    assert_eq!(outcome.status(), "SUCCEEDED");
    let redriven = only_map_run(&driver);
    assert_eq!(redriven.status, MapRunStatus::Succeeded);
    assert_eq!(counts(&redriven), [5, 5, 5, 0, 0, 0, 0]);
    assert_eq!(
        (redriven.redrive_count, redriven.redrive_time),
        (1, driver.execution.redriven().map(|(_, at)| at))
    );
    assert_eq!(redriven.arn, started.arn, "a redrive runs the same Map Run again");
}

#[test]
fn update_map_run_raises_the_concurrency_of_a_running_map_run() {
    let definition = map_of_tasks(r#""MaxConcurrency":1"#, DISTRIBUTED);
    let mut driver = Driver::start(&definition, &json!(["a", "b", "c", "d"]));
    assert_eq!(driver.tasks.len(), 1);
    let arn = only_map_run(&driver).arn;
    let now = driver.now;
    let limits = MapRunLimits {
        max_concurrency: Some(3),
        tolerated_failure_percentage: Some(50.0),
        ..MapRunLimits::default()
    };
    driver.apply(Input::UpdateMapRun { map_run_arn: arn.clone(), limits, at: now });
    assert_eq!(driver.tasks.len(), 3, "two more child executions start at once");
    let updated = only_map_run(&driver);
    assert_eq!(updated.max_concurrency, 3);
    assert_eq!(updated.tolerated_failure_percentage, 50.0);
    assert_eq!(counts(&updated), [4, 3, 0, 0, 0, 1, 3]);
    // Within the new tolerance: two of four may fail.
    assert_eq!(driver.run_failing(&["a", "b"]).status(), "SUCCEEDED");
    assert_eq!(only_map_run(&driver).status, MapRunStatus::Succeeded);
    // An ended Map Run keeps its limits.
    driver.outcome = None;
    let ended = only_map_run(&driver);
    let now = driver.now;
    let unchanged = baton_core::step(
        &driver.machine,
        &mut driver.execution,
        Input::UpdateMapRun {
            map_run_arn: arn,
            limits: MapRunLimits { max_concurrency: Some(9), ..MapRunLimits::default() },
            at: now,
        },
    );
    assert!(unchanged.is_err(), "a finished execution takes no input");
    assert_eq!(only_map_run(&driver), ended);
}

#[test]
fn a_stopped_execution_aborts_its_running_map_run() {
    let definition = map_of_tasks(r#""MaxConcurrency":2"#, DISTRIBUTED);
    let mut driver = Driver::start(&definition, &json!(["a", "b", "c"]));
    let now = driver.now + 1_000;
    driver.apply(Input::Stop { error: None, cause: None, at: now });
    assert_eq!(driver.outcome.as_ref().map(Outcome::status), Some("ABORTED"));
    let aborted = only_map_run(&driver);
    assert_eq!(aborted.status, MapRunStatus::Aborted);
    assert_eq!(aborted.stopped_at, Some(now));
    assert_eq!(counts(&aborted), [3, 2, 0, 0, 2, 1, 0]);
}

#[test]
fn an_inline_map_has_no_map_run() {
    let definition = map_of_tasks(r#""MaxConcurrency":2"#, "");
    let mut driver = Driver::start(&definition, &json!(["a", "b"]));
    assert_eq!(driver.run_failing(&[]).status(), "SUCCEEDED");
    assert!(driver.execution.map_runs().is_empty());
}

#[test]
fn a_map_run_aborted_with_its_parallel_branch_ends_at_once() {
    let map = map_of_tasks(r#""MaxConcurrency":1"#, DISTRIBUTED);
    let map: serde_json::Value = serde_json::from_str(&map).expect("JSON");
    let task = |name: &str| {
        json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
               "Parameters": {"v": name}, "End": true})
    };
    let definition = json!({"StartAt": "Both", "States": {
        "Both": {"Type": "Parallel",
            "Branches": [map, {"StartAt": "Check", "States": {"Check": task("check")}}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "After"}],
            "Next": "After"},
        "After": task("after")}})
    .to_string();
    let mut driver = Driver::start(&definition, &json!(["a", "b"]));
    // The other branch's task was asked for first: it fails while the first item's child
    // execution runs, and the Catch goes on to `After`.
    let check = driver.tasks.pop_front().expect("the check task");
    assert_eq!(check.input["v"], "check");
    let now = driver.now;
    driver.apply(Input::TaskFailed {
        task: check.task,
        error: "Boom".to_owned(),
        cause: String::new(),
        at: now,
    });
    assert!(driver.outcome.is_none(), "the execution goes on");
    let aborted = only_map_run(&driver);
    assert_eq!(aborted.status, MapRunStatus::Aborted);
    assert_eq!(aborted.stopped_at, Some(now));
    assert_eq!(counts(&aborted), [2, 1, 0, 0, 1, 1, 0]);
    assert_eq!(driver.run_failing(&[]).status(), "SUCCEEDED");
    assert_eq!(only_map_run(&driver), aborted, "the ended Map Run stays as it ended");
}
