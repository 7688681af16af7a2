//! Durable Standard executions on a real SQLite file: every step is in the store before its
//! effects, and an execution whose process died resumes from its last durable step, with each
//! transition recorded exactly once.
//!
//! "Dying" here is dropping the run (its future, its tasks and its store) at a chosen point, then
//! opening the same file again; the SIGKILL test of the server comes with `baton serve`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use baton_asl::StateMachine;
use baton_core::{Outcome, Start};
use baton_integrations::{Handlers, TaskError};
use baton_runtime::{Beginning, Clock, Journal, Options, run_durable, running};
use baton_store::{Order, PageRequest, Store};

const DEFINITION: &str = r#"{"StartAt": "Begin", "States": {
    "Begin": {"Type": "Pass", "Result": {"n": 1}, "Next": "Nap"},
    "Nap": {"Type": "Wait", "Seconds": 1, "Next": "Work"},
    "Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
             "Parameters": {"FunctionName": "Work", "Payload.$": "$"},
             "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 2}],
             "OutputPath": "$.Payload", "Next": "Done"},
    "Done": {"Type": "Succeed"}}}"#;

fn machine() -> Arc<StateMachine> {
    let options = baton_asl::Options { machine_type: baton_asl::MachineType::Standard };
    let (machine, diagnostics) = baton_asl::parse(DEFINITION, &options);
    Arc::new(machine.unwrap_or_else(|| panic!("invalid definition: {diagnostics:?}")))
}

fn options() -> Options {
    Options {
        record_history: false,
        clock: Clock::Real,
        progress: None,
        evaluation_budget: baton_runtime::EVALUATION_BUDGET,
    }
}

fn standard_start(name: &str) -> Start {
    let mut start = baton_runtime::local_start("Durable", "{}".to_owned());
    start.workflow_type = baton_core::WorkflowType::Standard;
    start.execution_name = name.to_owned();
    start.execution_arn = format!("arn:aws:states:us-east-1:123456789012:execution:Durable:{name}");
    start
}

/// A `Work` handler that fails with `Flaky` on its first call and never answers the calls
/// listed in `hang_on` (a process that dies while the task runs).
fn handlers(calls: &Arc<AtomicUsize>, hang_on: &'static [usize]) -> Arc<Handlers> {
    let calls = Arc::clone(calls);
    let mut handlers = Handlers::new();
    handlers.register("Work", move |input: Value| {
        let call = calls.fetch_add(1, Ordering::SeqCst);
        async move {
            if hang_on.contains(&call) {
                std::future::pending::<()>().await;
            }
            if call == 0 {
                return Err(TaskError::new("Flaky", "the first call fails"));
            }
            Ok(json!({ "worked": input }))
        }
    });
    Arc::new(handlers)
}

fn open(path: &std::path::Path) -> Arc<dyn Store> {
    Arc::new(baton_store_sqlite::Options::new(path).open().expect("the store opens"))
}

/// Runs `start` on a fresh store at `path` until `cut` has passed, then drops everything.
fn run_until_cut(path: &std::path::Path, start: Start, handlers: Arc<Handlers>, cut: Duration) {
    let store = open(path);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let journal = Journal::new(Arc::clone(&store), &start, "1");
    let run = run_durable(machine(), Beginning::Start(start), handlers, options(), None, journal);
    let finished = runtime.block_on(async { tokio::time::timeout(cut, run).await });
    assert!(finished.is_err(), "the execution should still be running at the cut");
    // The runtime and the store go away: the process "dies".
    drop(runtime);
}

/// Resumes every running execution at `path` and runs them to their end.
fn resume_all(path: &std::path::Path, handlers: Arc<Handlers>) -> Vec<Outcome> {
    let store = open(path);
    let resumed = running(store.as_ref()).expect("running executions read back");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let mut outcomes = Vec::new();
        for (record, execution) in resumed {
            let journal = Journal::resumed(Arc::clone(&store), &record.arn);
            let run = run_durable(
                machine(),
                Beginning::Resume(Box::new(execution)),
                Arc::clone(&handlers) as Arc<dyn baton_integrations::TaskRunner>,
                options(),
                None,
                journal,
            );
            outcomes.push(run.await.expect("the resumed execution runs to its end").outcome);
        }
        outcomes
    })
}

/// The stored history: (id, type) of every event, oldest first.
fn history(path: &std::path::Path, arn: &str) -> Vec<(u64, String)> {
    let store = open(path);
    let page = store.history(arn, Order::Forward, &PageRequest::first(1_000)).expect("history");
    page.items.into_iter().map(|event| (event.event_id, event.r#type)).collect()
}

/// The event types of an uninterrupted run, for comparison.
fn reference_types(dir: &std::path::Path) -> Vec<String> {
    let path = dir.join("reference.db");
    let calls = Arc::new(AtomicUsize::new(0));
    let start = standard_start("reference");
    let arn = start.execution_arn.clone();
    let store = open(&path);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
    let journal = Journal::new(Arc::clone(&store), &start, "1");
    let run = run_durable(
        machine(),
        Beginning::Start(start),
        handlers(&calls, &[]),
        options(),
        None,
        journal,
    );
    let result = runtime.block_on(run).expect("the reference run ends");
    assert!(matches!(result.outcome, Outcome::Succeeded { .. }), "{:?}", result.outcome);
    drop(store);
    history(&path, &arn).into_iter().map(|(_, kind)| kind).collect()
}

fn check_resumes_after_cut(cut: Duration, hang_on: &'static [usize]) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let expected = reference_types(dir.path());
    let path = dir.path().join("baton.db");
    let calls = Arc::new(AtomicUsize::new(0));
    let start = standard_start("interrupted");
    let arn = start.execution_arn.clone();
    run_until_cut(&path, start, handlers(&calls, hang_on), cut);
    let outcomes = resume_all(&path, handlers(&calls, &[]));
    assert_eq!(outcomes, vec![Outcome::Succeeded { output: r#"{"worked":{"n":1}}"#.to_owned() }]);
    let events = history(&path, &arn);
    let ids: Vec<u64> = events.iter().map(|(id, _)| *id).collect();
    let contiguous: Vec<u64> = (1..=ids.len() as u64).collect();
    assert_eq!(ids, contiguous, "every event id once, none missing");
    let types: Vec<String> = events.into_iter().map(|(_, kind)| kind).collect();
    assert_eq!(types, expected, "the resumed history is the uninterrupted one");
    let store = open(&path);
    assert!(running(store.as_ref()).expect("listing").is_empty(), "nothing is left running");
}

#[test]
fn resumes_a_wait_after_a_restart() {
    // Cut while the execution waits in Nap: the Wait's timer fires at its original due time.
    check_resumes_after_cut(Duration::from_millis(300), &[]);
}

#[test]
fn resumes_a_task_that_was_running_when_the_process_died() {
    // The first call fails (Flaky), the retry's call hangs and the process dies with it; the
    // resumed execution runs the task again and records its TaskScheduled only once.
    check_resumes_after_cut(Duration::from_millis(3_500), &[1]);
}
