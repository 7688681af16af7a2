//! The pizza example against a real `baton serve` (SQLite data directory, the official
//! `aws-sdk-sfn` client underneath): the workflow deployed with `ensure_state_machine`, its
//! tasks served by an activity [`Worker`], each order run with `start_execution_and_wait`. The
//! same order also runs on the embedded engine, and both runs must agree: same outcome, same
//! history events. Events of tasks that run at the same time (the Parallel and Map branches)
//! arrive in any order on a server, so the histories are compared as sorted lists.
//!
//! The dough rises for one second here instead of two minutes; the checked-in definition
//! (tests/pizza.rs) keeps the real two minutes.

#[path = "../examples/pizza.rs"]
#[allow(dead_code, reason = "the example's own entry points are run by tests/pizza.rs")]
mod pizza;
#[path = "support/server.rs"]
mod server;

use serde_json::{Value, json};

use baton_sdk::aws_sdk_sfn::types::HistoryEvent;
use baton_sdk::client::{Change, Deployment};
use baton_sdk::worker::{Options, Worker};
use baton_sdk::{Clock, Engine, Event, Flow, Workflow, pass, wait};

use server::{ROLE, Server};

/// How long the dough rises in these runs.
const RISE_SECONDS: u64 = 1;
/// The worker's name, as the server's `ActivityStarted` events must show it.
const WORKER_NAME: &str = "pizza-kitchen";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_good_order_is_baked_by_workers() {
    check(json!({"ingredients": ["tomato", "basil"], "oven_celsius": 250}), 5).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unacceptable_pizza_is_rejected_by_the_server() {
    check(json!({"ingredients": ["pineapple"], "oven_celsius": 250}), 3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ensure_state_machine_creates_updates_and_then_changes_nothing() {
    let server = Server::start();
    let client = server.client();
    let deployment = Deployment::standard(ROLE);
    let mut changes = Vec::new();
    for rise_seconds in [RISE_SECONDS + 1, RISE_SECONDS, RISE_SECONDS] {
        let workflow = pizza::workflow_rising(rise_seconds);
        let machine = client.ensure_state_machine(&workflow, &deployment).await.expect("ensure");
        changes.push((machine.arn, machine.change));
    }
    let arn = "arn:aws:states:us-east-1:123456789012:stateMachine:pizza";
    assert_eq!(
        changes,
        [
            (arn.to_owned(), Change::Created),
            (arn.to_owned(), Change::Updated),
            (arn.to_owned(), Change::Unchanged)
        ]
    );
    // The activities the workflow uses were registered on the way.
    let listed = client.sfn().list_activities().send().await.expect("ListActivities");
    let mut names: Vec<&str> = listed.activities().iter().map(|activity| activity.name()).collect();
    names.sort_unstable();
    assert_eq!(names, ["assemble", "bake", "make-dough", "prepare-ingredient"]);
}

/// A workflow without tasks names no activity ARN, so the client finds its state machine by
/// name; as Express it runs through StartSyncExecution.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_express_workflow_without_tasks_runs_synchronously() {
    let server = Server::start();
    let client = server.client();
    let workflow = Workflow::new(
        "greeting",
        Flow::new()
            .then(pass("Greet").result(json!("hello")).result_path("$.greeting"))
            .then(wait("Pause", baton_sdk::Delay::Seconds(RISE_SECONDS))),
    );
    let deployment = Deployment::express(ROLE);
    let created = client.ensure_state_machine(&workflow, &deployment).await.expect("ensure");
    let again = client.ensure_state_machine(&workflow, &deployment).await.expect("ensure");
    assert_eq!((created.change, again.change), (Change::Created, Change::Unchanged));
    assert_eq!(again.arn, created.arn);
    let output: Value = client
        .start_execution_and_wait(&created, &json!({"to": "you"}))
        .await
        .expect("StartSyncExecution")
        .expect("the execution succeeds");
    assert_eq!(output, json!({"to": "you", "greeting": "hello"}));
}

/// Runs `order` through the pizza workflow on `baton serve` with a worker, and on the embedded
/// engine, and compares the two; `tasks` is how many tasks the worker must have answered.
async fn check(order: Value, tasks: u64) {
    let workflow = pizza::workflow_rising(RISE_SECONDS);
    let server = Server::start();
    let client = server.client();
    let machine = client
        .ensure_state_machine(&workflow, &Deployment::standard(ROLE))
        .await
        .expect("the pizza deploys");
    let worker = Worker::new(client.clone(), WORKER_NAME)
        .workflow(&workflow, Options::concurrency(2))
        .expect("the pizza's tasks");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(worker.run(async { stopped.await.unwrap_or_default() }));

    let served = client
        .start_execution_and_wait::<Value>(&machine, &order)
        .await
        .expect("the execution runs");
    let executions = client
        .sfn()
        .list_executions()
        .state_machine_arn(&machine.arn)
        .send()
        .await
        .expect("ListExecutions");
    let execution_arn = executions.executions()[0].execution_arn().to_owned();
    let history = client.history(&execution_arn).await.expect("the history");
    stop.send(()).expect("the worker runs");
    let report = serving.await.expect("the worker task").expect("the worker serves");

    let engine = Engine::embedded().with_clock(Clock::Virtual);
    let embedded = engine.run(&workflow, &order).await.expect("the embedded run");
    assert_eq!(served, embedded.result, "the server and the embedded engine disagree");
    assert_eq!(
        sorted(history.iter().map(served_line)),
        sorted(embedded.history.events.iter().map(embedded_line)),
        "the histories differ"
    );
    let workers: Vec<Option<&str>> = history
        .iter()
        .filter_map(|event| event.activity_started_event_details())
        .map(|details| details.worker_name())
        .collect();
    assert_eq!(workers, vec![Some(WORKER_NAME); tasks as usize]);
    assert_eq!((report.succeeded, report.failed, report.late), (tasks, 0, 0));
}

/// An event from the server as `TYPE NAME` (the state's name, for state events).
fn served_line(event: &HistoryEvent) -> String {
    let name = [
        event.state_entered_event_details().map(|details| details.name()),
        event.state_exited_event_details().map(|details| details.name()),
        event.map_iteration_started_event_details().and_then(|details| details.name()),
        event.map_iteration_succeeded_event_details().and_then(|details| details.name()),
    ]
    .into_iter()
    .flatten()
    .next();
    format!("{} {}", event.r#type().as_str(), name.unwrap_or("-"))
}

/// An event of the embedded engine as `TYPE NAME`, as [`served_line`] renders them.
fn embedded_line(event: &Event) -> String {
    let json = event.to_json();
    let name = json
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(_, value)| value.get("name").and_then(Value::as_str))
        .next();
    format!("{} {}", event.kind.type_name(), name.unwrap_or("-"))
}

fn sorted(lines: impl Iterator<Item = String>) -> Vec<String> {
    let mut lines: Vec<String> = lines.collect();
    lines.sort_unstable();
    lines
}
