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
use baton_runtime::remote::Signal;
use baton_runtime::{
    Beginning, Clock, Journal, Options, Parking, Ran, RunResult, TaskEffects, run_durable, running,
};
use baton_store::{Change, Order, PageRequest, Store};

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

/// The result of a run that ended (runs without parking never park).
fn ended(ran: Ran) -> RunResult {
    match ran {
        Ran::Ended(result) => result,
        Ran::Parked(parked) => panic!("the run parked: {parked:?}"),
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
            outcomes.push(ended(run.await.expect("the resumed execution runs to its end")).outcome);
        }
        outcomes
    })
}

/// The stored history: (id, type) of every event, oldest first.
fn history(path: &std::path::Path, arn: &str) -> Vec<(u64, String)> {
    history_of(&open(path), arn)
}

/// [`history`] from an open store.
fn history_of(store: &Arc<dyn Store>, arn: &str) -> Vec<(u64, String)> {
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
    let result = ended(runtime.block_on(run).expect("the reference run ends"));
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
    let record = store.execution(&arn).expect("read").expect("the execution is stored");
    assert!(record.snapshot.is_empty(), "a succeeded execution keeps no snapshot");
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

const ACTIVITY: &str = "arn:aws:states:us-east-1:123456789012:activity:Approve";

/// Effects that note what they were asked for, as `scheduled TOKEN` and `settled TOKEN`.
struct NotedEffects(Arc<std::sync::Mutex<Vec<String>>>);

impl TaskEffects for NotedEffects {
    fn scheduled(&mut self, request: &baton_core::TaskRequest, changes: &mut Vec<Change>) {
        let token = request.token.clone().unwrap_or_default();
        self.0.lock().expect("notes").push(format!("scheduled {token}"));
        // A record written with the step: the test reads it back.
        changes.push(Change::AddTaskToken(baton_store::TaskTokenRecord {
            token,
            execution_arn: "arn:aws:states:us-east-1:123456789012:execution:Durable:parks".into(),
            task_id: request.task.0.to_string(),
        }));
    }

    fn settled(&mut self, token: &str, _changes: &mut Vec<Change>) {
        self.0.lock().expect("notes").push(format!("settled {token}"));
    }
}

#[test]
fn a_run_that_only_waits_for_a_worker_parks_and_wakes_from_its_snapshot() {
    let definition = format!(
        r#"{{"StartAt": "Ask", "States": {{
            "Ask": {{"Type": "Task", "Resource": "{ACTIVITY}", "TimeoutSeconds": 3600, "Next": "Done"}},
            "Done": {{"Type": "Succeed"}}}}}}"#
    );
    let standard = baton_asl::Options { machine_type: baton_asl::MachineType::Standard };
    let machine = Arc::new(baton_asl::parse(&definition, &standard).0.expect("valid"));
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = open(&dir.path().join("baton.db"));
    let start = standard_start("parks");
    let arn = start.execution_arn.clone();
    let notes = Arc::new(std::sync::Mutex::new(Vec::new()));
    let handed_out = Arc::new(std::sync::Mutex::new(Vec::new()));
    let parking =
        Parking { idle: Duration::from_millis(20), timer_horizon: Duration::from_secs(1) };
    let mailbox = |handed_out: &Arc<std::sync::Mutex<Vec<baton_core::TaskId>>>| {
        let handed_out = Arc::clone(handed_out);
        baton_runtime::mailbox(Box::new(move |request| {
            handed_out.lock().expect("hand-outs").push(request.task);
            Ok(())
        }))
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
    let no_runner = Arc::new(Handlers::new());

    // The first run schedules the activity task, waits 20 ms for nothing but a worker, parks.
    let (_remote, first_mailbox) = mailbox(&handed_out);
    let journal = Journal::new(Arc::clone(&store), &start, "1")
        .with_effects(Box::new(NotedEffects(Arc::clone(&notes))))
        .with_parking(parking);
    let run = run_durable(
        Arc::clone(&machine),
        Beginning::Start(start),
        no_runner.clone(),
        options(),
        Some(first_mailbox),
        journal,
    );
    let parked = match runtime.block_on(run).expect("the run parks") {
        Ran::Parked(parked) => parked,
        Ran::Ended(result) => panic!("the run ended: {:?}", result.outcome),
    };
    let due = parked.next_timer_due.expect("the task's 3600 s timeout is pending");
    assert!(due > baton_runtime::now_millis() + 3_500_000, "due in an hour: {due}");
    drop(parked);
    let token = {
        let notes = notes.lock().expect("notes");
        assert_eq!(notes.len(), 1, "{notes:?}");
        notes[0].strip_prefix("scheduled ").expect("scheduled first").to_owned()
    };
    assert!(store.task_token(&token).expect("read").is_some(), "written with the step");

    // Woken from the store: the task is handed out again (not run), a worker answers.
    let record = store.execution(&arn).expect("read").expect("the execution is stored");
    let execution = baton_core::Execution::from_snapshot(&record.snapshot).expect("a snapshot");
    let task = execution.pending_tasks().next().expect("the activity task is pending").task;
    let (remote, second_mailbox) = mailbox(&handed_out);
    let journal = Journal::resumed(Arc::clone(&store), &arn)
        .with_effects(Box::new(NotedEffects(Arc::clone(&notes))))
        .with_parking(parking);
    let run = run_durable(
        machine,
        Beginning::Wake(Box::new(execution)),
        no_runner,
        options(),
        Some(second_mailbox),
        journal,
    );
    let result = runtime.block_on(async {
        let run = tokio::spawn(run);
        remote.send(Signal::TaskStarted { task, worker_name: None }).await.expect("started");
        let output = json!({"approved": true});
        remote.send(Signal::TaskSucceeded { task, output }).await.expect("accepted");
        run.await.expect("the run joins")
    });
    let outcome = ended(result.expect("the woken run ends")).outcome;
    assert_eq!(outcome, Outcome::Succeeded { output: r#"{"approved":true}"#.to_owned() });
    assert_eq!(*handed_out.lock().expect("hand-outs"), vec![task, task]);
    assert_eq!(
        *notes.lock().expect("notes"),
        vec![format!("scheduled {token}"), format!("settled {token}")]
    );
    let types: Vec<String> = history_of(&store, &arn).into_iter().map(|(_, kind)| kind).collect();
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "ActivityScheduled",
            "ActivityStarted",
            "ActivitySucceeded",
            "TaskStateExited",
            "SucceedStateEntered",
            "SucceedStateExited",
            "ExecutionSucceeded"
        ]
    );
}

/// A succeeded execution's row keeps no snapshot (checked in `check_resumes_after_cut`); one
/// that failed keeps its last frontier, readable, for what may still need it.
#[test]
fn a_failed_execution_keeps_its_snapshot() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = open(&dir.path().join("baton.db"));
    let start = standard_start("failing");
    let arn = start.execution_arn.clone();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
    let journal = Journal::new(Arc::clone(&store), &start, "1");
    // Every call fails with `Flaky`, and the Retry allows two attempts: the execution fails.
    let mut failing = Handlers::new();
    failing
        .register("Work", |_: Value| async { Err::<Value, _>(TaskError::new("Flaky", "always")) });
    let run = run_durable(
        machine(),
        Beginning::Start(start),
        Arc::new(failing),
        options(),
        None,
        journal,
    );
    let result = ended(runtime.block_on(run).expect("the run ends"));
    assert!(matches!(result.outcome, Outcome::Failed { .. }), "{:?}", result.outcome);
    let record = store.execution(&arn).expect("read").expect("the execution is stored");
    let execution = baton_core::Execution::from_snapshot(&record.snapshot).expect("a snapshot");
    assert!(execution.outcome().is_some(), "the snapshot is the execution's end");
}
