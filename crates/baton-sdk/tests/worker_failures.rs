//! Activity workers under failure, against a real `baton serve`: handlers that return errors,
//! panic, outlive their `TimeoutSeconds`, or stop heartbeating, and a worker shut down while a
//! handler runs. Each failing task carries a Retry and a Catch on the error name AWS gives that
//! failure, so the execution only succeeds if the server saw exactly that name: the history
//! shows the retried attempt, and the caught error is in the output.
//!
//! Handlers that must outlive a timeout wait on a [`Gate`] that the test opens once the
//! execution has ended, so nothing here sleeps to synchronise; their late answers are then
//! refused by the server and counted by the worker.

#[path = "support/server.rs"]
mod server;

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::Semaphore;

use baton_sdk::aws_sdk_sfn::types::HistoryEventType;
use baton_sdk::client::Deployment;
use baton_sdk::worker::{HANDLER_PANICKED, Heartbeats, Options, Report, Worker};
use baton_sdk::{Catch, Clock, Engine, Flow, Retry, Task, TaskFailure, Workflow, pass};

use server::{ROLE, Server};

/// How long a heartbeating handler works, well past its task's `HeartbeatSeconds`.
const LONG_WORK: Duration = Duration::from_secs(4);
/// The `HeartbeatSeconds` of the heartbeating task; the worker beats every third of it.
const HEARTBEAT_SECONDS: u64 = 2;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_error_is_what_retry_and_catch_match() {
    let cook = Task::new("cook", |_: Value| async {
        Err::<Value, _>(TaskFailure::new("Kitchen.Fire", "the oven is on fire"))
    });
    let workflow = guarded("cook", cook, "Kitchen.Fire");
    check(&workflow, Options::concurrency(1), None, "Kitchen.Fire after 2 attempts; 0/2/0").await;
    assert_eq!(embedded_error(&workflow).await, "Kitchen.Fire");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_fails_as_on_the_embedded_engine() {
    let burn = Task::new("burn", |_: Value| async {
        if true {
            panic!("the handler burnt the pizza");
        }
        Ok::<Value, TaskFailure>(Value::Null)
    });
    let workflow = guarded("burn", burn, HANDLER_PANICKED);
    let expect = format!("{HANDLER_PANICKED} after 2 attempts; 0/2/0");
    check(&workflow, Options::concurrency(1), None, &expect).await;
    assert_eq!(embedded_error(&workflow).await, HANDLER_PANICKED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_past_its_timeout_fails_with_states_timeout() {
    let gate = Gate::default();
    let waiting = gate.clone();
    let slow =
        Task::new("slow", move |_: Value| waiting.clone().pass(Value::Null)).timeout_seconds(1);
    let workflow = guarded("slow", slow, "States.Timeout");
    let expect = "States.Timeout after 2 attempts; 0/0/2";
    check(&workflow, Options::concurrency(2), Some(&gate), expect).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_without_heartbeats_fails_with_states_heartbeat_timeout() {
    let gate = Gate::default();
    let waiting = gate.clone();
    let silent = Task::new("silent", move |_: Value| waiting.clone().pass(Value::Null))
        .heartbeat_seconds(1)
        .timeout_seconds(600);
    let workflow = guarded("silent", silent, "States.HeartbeatTimeout");
    let options = Options { heartbeats: Heartbeats::Off, ..Options::concurrency(2) };
    let expect = "States.HeartbeatTimeout after 2 attempts; 0/0/2";
    check(&workflow, options, Some(&gate), expect).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeats_keep_a_long_handler_alive() {
    // The handler stands for real work that takes longer than `HeartbeatSeconds`.
    let knead = Task::new("knead", |_: Value| async {
        tokio::time::sleep(LONG_WORK).await;
        Ok::<_, TaskFailure>(json!("kneaded"))
    })
    .heartbeat_seconds(HEARTBEAT_SECONDS);
    let workflow = Workflow::new("knead", Flow::new().then(&knead));
    let server = Server::start();
    let client = server.client();
    let machine = client.ensure_state_machine(&workflow, &Deployment::standard(ROLE)).await;
    let machine = machine.expect("the workflow deploys");
    let (report, output) = serve(&client, &workflow, Options::concurrency(1), async {
        client.start_execution_and_wait::<Value>(&machine, &json!({})).await
    })
    .await;
    assert_eq!(output.expect("the execution runs"), Ok(json!("kneaded")));
    assert_eq!((report.succeeded, report.failed, report.late), (1, 0, 0));
    assert!(report.heartbeats > 0, "{report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_the_task_in_hand() {
    let gate = Gate::default();
    let (started, mut handler_started) = tokio::sync::mpsc::unbounded_channel::<()>();
    let waiting = gate.clone();
    let bake = Task::new("bake", move |_: Value| {
        started.send(()).expect("the test listens");
        waiting.clone().pass(json!("baked"))
    });
    let workflow = Workflow::new("bake", Flow::new().then(&bake));
    let server = Server::start();
    let client = server.client();
    let machine = client.ensure_state_machine(&workflow, &Deployment::standard(ROLE)).await;
    let machine = machine.expect("the workflow deploys");
    let worker = Worker::new(client.clone(), "oven")
        .workflow(&workflow, Options::concurrency(1))
        .expect("the workflow's tasks");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(worker.run(async { stopped.await.unwrap_or_default() }));
    let execution_arn = client.start_execution(&machine, &json!({})).await.expect("started");
    handler_started.recv().await.expect("the handler starts");
    // Shut down while the handler runs; it finishes afterwards and must still report.
    stop.send(()).expect("the worker runs");
    gate.open();
    let report = serving.await.expect("the worker task").expect("the worker serves");
    assert_eq!((report.succeeded, report.failed, report.late), (1, 0, 0));
    let finished = client.wait(&execution_arn).await.expect("DescribeExecution");
    assert_eq!(finished, Ok(json!("baked")));
}

/// A workflow that runs `task` once, retries `error` once a second later, and then catches it
/// into `$.error`.
fn guarded(name: &str, task: Task, error: &str) -> Workflow {
    let task = task
        .retry(Retry::on([error]).interval(1).max_attempts(1))
        .catch(Catch::on([error]).result_path("$.error"), Flow::new().then(pass("Recovered")));
    Workflow::new(name, Flow::new().then(&task))
}

/// Runs `workflow` once on `baton serve` with a worker serving its task with `options`, opens
/// `gate` once the execution has ended, and compares what happened with `expect`:
/// `ERROR after N attempts; SUCCEEDED/FAILED/LATE` (the caught error, the tasks scheduled, and
/// the worker's report).
async fn check(workflow: &Workflow, options: Options, gate: Option<&Gate>, expect: &str) {
    let server = Server::start();
    let client = server.client();
    let machine = client.ensure_state_machine(workflow, &Deployment::standard(ROLE)).await;
    let machine = machine.expect("the workflow deploys");
    let (report, output) = serve(&client, workflow, options, async {
        let ended = client.start_execution_and_wait::<Value>(&machine, &json!({})).await;
        // The handlers still waiting answer now, too late.
        if let Some(gate) = gate {
            gate.open();
        }
        ended
    })
    .await;
    let output = output.expect("the execution runs").expect("the error is caught");
    let error = output["error"]["Error"].as_str().unwrap_or("no caught error");
    let executions =
        client.sfn().list_executions().state_machine_arn(&machine.arn).send().await.expect("list");
    let [execution] = executions.executions() else { panic!("one execution ran") };
    let history = client.history(execution.execution_arn()).await.expect("the history");
    let attempts = history
        .iter()
        .filter(|event| event.r#type() == &HistoryEventType::ActivityScheduled)
        .count();
    let actual = format!(
        "{error} after {attempts} attempts; {}/{}/{}",
        report.succeeded, report.failed, report.late
    );
    assert_eq!(actual, expect, "{report:?}");
}

/// Serves `workflow`'s tasks with a worker while `work` runs, then shuts the worker down and
/// returns its report with what `work` returned.
async fn serve<T>(
    client: &baton_sdk::Client,
    workflow: &Workflow,
    options: Options,
    work: impl Future<Output = T>,
) -> (Report, T) {
    let worker = Worker::new(client.clone(), "failing-kitchen")
        .workflow(workflow, options)
        .expect("the workflow's tasks");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(worker.run(async { stopped.await.unwrap_or_default() }));
    let result = work.await;
    stop.send(()).expect("the worker runs");
    let report = serving.await.expect("the worker task").expect("the worker serves");
    (report, result)
}

/// The error name `workflow` catches when it runs on the embedded engine.
async fn embedded_error(workflow: &Workflow) -> String {
    let engine = Engine::embedded().with_clock(Clock::Virtual);
    let outcome = engine.run(workflow, &json!({})).await.expect("the embedded run");
    let output = outcome.result.expect("the error is caught");
    output["error"]["Error"].as_str().expect("a caught error").to_owned()
}

/// Holds handlers until the test opens it.
#[derive(Clone)]
struct Gate {
    /// Never has a permit: waiting ends when it is closed.
    closed: Arc<Semaphore>,
}

impl Default for Gate {
    fn default() -> Gate {
        Gate { closed: Arc::new(Semaphore::new(0)) }
    }
}

impl Gate {
    /// Waits until the gate is open, then returns `output`.
    async fn pass(self, output: Value) -> Result<Value, TaskFailure> {
        let _ = self.closed.acquire().await;
        Ok(output)
    }

    fn open(&self) {
        self.closed.close();
    }
}
