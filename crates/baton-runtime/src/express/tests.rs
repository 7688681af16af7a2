//! End-to-end tests: small definitions run through the interpreter, the shell and real task
//! runners, on the virtual clock.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use tokio::sync::mpsc;

use baton_core::{Event, Outcome, TaskRequest};
use baton_integrations::{Chain, Handlers, MockConfig, TaskError, TaskRunner};

use crate::remote::{Rejected, Remote, Signal};
use crate::{Clock, Options, run_express};

/// Runs `definition` with `input` on the virtual clock and compares the outcome and the history
/// (one event a line: milliseconds since the start, type, state name) with `expect`. The
/// progress hook must see the same events as the history. It runs on a multi-thread runtime,
/// where tasks are spawned, and on a current-thread one, where work is first polled in place:
/// both must tell the same story.
fn check(definition: &str, input: Value, runner: &dyn Fn() -> Arc<dyn TaskRunner>, expect: &str) {
    // STANDARD validation, so that the in-memory run also covers what Express forbids
    // (activities), as `baton run` does.
    let options = baton_asl::Options { machine_type: baton_asl::MachineType::Standard };
    let (machine, diagnostics) = baton_asl::parse(definition, &options);
    let machine =
        Arc::new(machine.unwrap_or_else(|| panic!("invalid test definition: {diagnostics:?}")));
    let multi_thread =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build();
    let current_thread = tokio::runtime::Builder::new_current_thread().enable_all().build();
    for runtime in [multi_thread, current_thread] {
        let runtime = runtime.expect("a tokio runtime");
        let flavor = runtime.handle().runtime_flavor();
        let start = crate::local_start("Machine", input.to_string());
        let started_at = start.at;
        let seen = Arc::new(Mutex::new(Vec::new()));
        let progress_seen = Arc::clone(&seen);
        let options = Options {
            record_history: true,
            clock: Clock::Virtual,
            progress: Some(Box::new(move |event: &Event| {
                progress_seen.lock().expect("no test thread panicked").push(event.clone());
            })),
            evaluation_budget: crate::EVALUATION_BUDGET,
        };
        let result = runtime
            .block_on(run_express(Arc::clone(&machine), start, runner(), options))
            .expect("the execution runs to its end");
        assert_eq!(
            *seen.lock().expect("no test thread panicked"),
            result.events,
            "progress saw the history ({flavor:?})"
        );
        assert_eq!(render(&result, started_at), expect.trim(), "{flavor:?}");
    }
}

/// The outcome on the first line, then one event a line: milliseconds since the start, type,
/// state name.
fn render(result: &crate::RunResult, started_at: baton_core::Millis) -> String {
    let outcome = match &result.outcome {
        Outcome::Succeeded { output } => format!("SUCCEEDED {output}"),
        Outcome::Failed { error, cause }
        | Outcome::TimedOut { error, cause }
        | Outcome::Aborted { error, cause } => format!(
            "{} {}: {}",
            result.outcome.status(),
            error.as_deref().unwrap_or("-"),
            cause.as_deref().unwrap_or("-")
        ),
    };
    let mut lines = vec![outcome];
    for event in &result.events {
        let json = event.to_json();
        let name = ["stateEnteredEventDetails", "stateExitedEventDetails"]
            .iter()
            .find_map(|details| json[details]["name"].as_str())
            .map(|name| format!(" {name}"))
            .unwrap_or_default();
        lines.push(format!("+{} {}{name}", event.timestamp - started_at, event.kind.type_name()));
    }
    lines.join("\n")
}

/// The same runner for every run of a `check`.
fn shared(runner: impl TaskRunner + 'static) -> impl Fn() -> Arc<dyn TaskRunner> {
    let runner: Arc<dyn TaskRunner> = Arc::new(runner);
    move || Arc::clone(&runner)
}

fn no_runner() -> Arc<dyn TaskRunner> {
    Arc::new(Chain::new(Vec::new()))
}

#[test]
fn pass_chain() {
    check(
        r#"{"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Result": {"n": 1}, "ResultPath": "$.a", "Next": "B"},
            "B": {"Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($.a.n, $.b)"}, "End": true}
        }}"#,
        json!({"b": 41}),
        &no_runner,
        r#"
SUCCEEDED {"sum":42}
+0 ExecutionStarted
+0 PassStateEntered A
+0 PassStateExited A
+0 PassStateEntered B
+0 PassStateExited B
+0 ExecutionSucceeded
"#,
    );
}

#[test]
fn task_with_an_in_process_handler() {
    let mut handlers = Handlers::new();
    handlers.register("Greet", |event: Value| async move {
        let name = event["name"].as_str().unwrap_or("world").to_owned();
        Ok(json!({ "hello": name }))
    });
    check(
        r#"{"StartAt": "Greet", "States": {
            "Greet": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                      "Parameters": {"FunctionName": "Greet", "Payload.$": "$"},
                      "OutputPath": "$.Payload", "End": true}
        }}"#,
        json!({"name": "Ada"}),
        &shared(handlers),
        r#"
SUCCEEDED {"hello":"Ada"}
+0 ExecutionStarted
+0 TaskStateEntered Greet
+0 TaskScheduled
+0 TaskStarted
+0 TaskSucceeded
+0 TaskStateExited Greet
+0 ExecutionSucceeded
"#,
    );
}

#[test]
fn task_failing_then_caught() {
    let mut handlers = Handlers::new();
    handlers.register("arn:aws:lambda:us-east-1:123456789012:function:Charge", |_| async {
        Err(TaskError::new("CardDeclined", "insufficient funds"))
    });
    check(
        r#"{"StartAt": "Charge", "States": {
            "Charge": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Charge",
                       "Retry": [{"ErrorEquals": ["CardDeclined"], "IntervalSeconds": 2, "MaxAttempts": 1}],
                       "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Declined"}],
                       "End": true},
            "Declined": {"Type": "Pass", "End": true}
        }}"#,
        json!({"order": 7}),
        &shared(handlers),
        r#"
SUCCEEDED {"order":7,"error":{"Error":"CardDeclined","Cause":"insufficient funds"}}
+0 ExecutionStarted
+0 TaskStateEntered Charge
+0 LambdaFunctionScheduled
+0 LambdaFunctionStarted
+0 LambdaFunctionFailed
+2000 LambdaFunctionScheduled
+2000 LambdaFunctionStarted
+2000 LambdaFunctionFailed
+2000 TaskStateExited Charge
+2000 PassStateEntered Declined
+2000 PassStateExited Declined
+2000 ExecutionSucceeded
"#,
    );
}

#[test]
fn wait_on_the_virtual_clock() {
    check(
        r#"{"StartAt": "Nap", "States": {
            "Nap": {"Type": "Wait", "Seconds": 3600, "Next": "Done"},
            "Done": {"Type": "Succeed"}
        }}"#,
        json!({}),
        &no_runner,
        r#"
SUCCEEDED {}
+0 ExecutionStarted
+0 WaitStateEntered Nap
+3600000 WaitStateExited Nap
+3600000 SucceedStateEntered Done
+3600000 SucceedStateExited Done
+3600000 ExecutionSucceeded
"#,
    );
}

#[test]
fn mocked_retry_path() {
    let config = r#"{
      "StateMachines": {"Machine": {"TestCases": {"RetryPath": {"Charge": "FailsOnce"}}}},
      "MockedResponses": {"FailsOnce": {
        "0": {"Throw": {"Error": "Lambda.TooManyRequestsException", "Cause": "Rate exceeded."}},
        "1": {"Return": {"StatusCode": 200, "Payload": {"charged": true}}}
      }}
    }"#;
    // A fresh runner for each run: the mock counts invocations.
    let mocks = || -> Arc<dyn TaskRunner> {
        let mocks =
            MockConfig::parse(config).and_then(|config| config.runner("Machine", "RetryPath"));
        Arc::new(mocks.expect("the mock configuration is valid"))
    };
    check(
        r#"{"StartAt": "Charge", "States": {
            "Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                       "Parameters": {"FunctionName": "Charge"}, "OutputPath": "$.Payload",
                       "Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "IntervalSeconds": 1}],
                       "End": true}
        }}"#,
        json!({}),
        &mocks,
        r#"
SUCCEEDED {"charged":true}
+0 ExecutionStarted
+0 TaskStateEntered Charge
+0 TaskScheduled
+0 TaskStarted
+0 TaskFailed
+1000 TaskScheduled
+1000 TaskStarted
+1000 TaskSucceeded
+1000 TaskStateExited Charge
+1000 ExecutionSucceeded
"#,
    );
}

#[test]
fn unsupported_resource_fails_the_execution() {
    check(
        r#"{"StartAt": "Notify", "States": {
            "Notify": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish",
                       "Parameters": {"Message": "hi"}, "End": true}
        }}"#,
        json!({}),
        &no_runner,
        r#"
FAILED Baton.UnsupportedResource: No task runner handles resource 'arn:aws:states:::sns:publish' of Task state 'Notify': it has no mocked response in the test case and no in-process handler.
+0 ExecutionStarted
+0 TaskStateEntered Notify
+0 TaskScheduled
+0 TaskStarted
+0 TaskFailed
+0 ExecutionFailed
"#,
    );
}

#[test]
fn a_failing_branch_cancels_its_siblings_task() {
    let mut handlers = Handlers::new();
    handlers
        .register("Forever", |_| std::future::pending())
        .register("Fail", |_| async { Err(TaskError::new("Broken", "on purpose")) });
    check(
        r#"{"StartAt": "Both", "States": {
            "Both": {"Type": "Parallel", "End": true, "Branches": [
                {"StartAt": "Slow", "States": {"Slow": {"Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "Forever"}, "End": true}}},
                {"StartAt": "Quick", "States": {"Quick": {"Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "Fail"}, "End": true}}}
            ]}
        }}"#,
        json!({}),
        &shared(handlers),
        r#"
FAILED Broken: on purpose
+0 ExecutionStarted
+0 ParallelStateEntered Both
+0 ParallelStateStarted
+0 TaskStateEntered Slow
+0 TaskScheduled
+0 TaskStarted
+0 TaskStateEntered Quick
+0 TaskScheduled
+0 TaskStarted
+0 TaskFailed
+0 TaskStateAborted
+0 TaskStateAborted
+0 ParallelStateFailed
+0 ExecutionFailed
"#,
    );
}

#[test]
fn a_panicking_handler_fails_its_task() {
    let mut handlers = Handlers::new();
    handlers.register("Panic", |_| async { panic!("the handler gave up") }).register(
        "Later",
        |_| async {
            tokio::task::yield_now().await;
            panic!("the handler gave up later")
        },
    );
    let definition = |function: &str| {
        format!(
            r#"{{"StartAt": "P", "States": {{
            "P": {{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                   "Parameters": {{"FunctionName": "{function}"}}, "End": true,
                   "Catch": [{{"ErrorEquals": ["Baton.RunnerPanicked"], "Next": "Caught",
                              "ResultPath": "$.error"}}]}},
            "Caught": {{"Type": "Pass", "Parameters": {{"error.$": "$.error.Error"}}, "End": true}}
        }}}}"#
        )
    };
    let handlers = shared(handlers);
    // Panicking at the first poll (in place on a current-thread runtime) or after an await
    // (always in a spawned task).
    for function in ["Panic", "Later"] {
        check(
            &definition(function),
            json!({}),
            &handlers,
            r#"
SUCCEEDED {"error":"Baton.RunnerPanicked"}
+0 ExecutionStarted
+0 TaskStateEntered P
+0 TaskScheduled
+0 TaskStarted
+0 TaskFailed
+0 TaskStateExited P
+0 PassStateEntered Caught
+0 PassStateExited Caught
+0 ExecutionSucceeded
"#,
        );
    }
}

/// Runs `definition` on the real clock and compares only the outcome, since timestamps vary.
fn check_real_clock(definition: &str, runner: Arc<dyn TaskRunner>, expect: &str) {
    let options = baton_asl::Options { machine_type: baton_asl::MachineType::Express };
    let (machine, diagnostics) = baton_asl::parse(definition, &options);
    let machine = machine.unwrap_or_else(|| panic!("invalid test definition: {diagnostics:?}"));
    let start = crate::local_start("Machine", "{}".to_owned());
    let options = Options {
        record_history: false,
        clock: Clock::Real,
        progress: None,
        evaluation_budget: crate::EVALUATION_BUDGET,
    };
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let result = runtime
        .block_on(run_express(Arc::new(machine), start, runner, options))
        .expect("the execution runs to its end");
    assert!(result.events.is_empty(), "no history was asked for");
    assert_eq!(result.outcome, Outcome::Succeeded { output: expect.to_owned() });
}

#[test]
fn real_clock_runs_timers_and_tasks() {
    let mut handlers = Handlers::new();
    handlers.register("Echo", |event| async move { Ok(event) });
    // A Wait whose due time has passed fires at once, without sleeping.
    check_real_clock(
        r#"{"StartAt": "Past", "States": {
            "Past": {"Type": "Wait", "Timestamp": "2001-01-01T00:00:00Z", "Next": "Echo"},
            "Echo": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                     "Parameters": {"FunctionName": "Echo", "Payload": {"echoed": true}},
                     "OutputPath": "$.Payload", "End": true}
        }}"#,
        Arc::new(handlers),
        r#"{"echoed":true}"#,
    );
}

#[test]
fn an_in_process_activity_worker() {
    let activity = "arn:aws:states:us-east-1:123456789012:activity:Review";
    let mut handlers = Handlers::new();
    handlers.register(activity, |input: Value| async move { Ok(json!({ "reviewed": input })) });
    check(
        &format!(
            r#"{{"StartAt": "Review", "States": {{
                "Review": {{"Type": "Task", "Resource": "{activity}", "End": true}}
            }}}}"#
        ),
        json!({"doc": 1}),
        &shared(handlers),
        r#"
SUCCEEDED {"reviewed":{"doc":1}}
+0 ExecutionStarted
+0 TaskStateEntered Review
+0 ActivityScheduled
+0 ActivityStarted
+0 ActivitySucceeded
+0 TaskStateExited Review
+0 ExecutionSucceeded
"#,
    );
}

#[test]
fn run_express_can_be_spawned() {
    fn spawnable<Work: std::future::Future + Send + 'static>(_: &Work) {}
    let options = baton_asl::Options { machine_type: baton_asl::MachineType::Express };
    let definition = r#"{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}"#;
    let (machine, _) = baton_asl::parse(definition, &options);
    let machine = Arc::new(machine.expect("a valid definition"));
    let start = crate::local_start("Machine", "{}".to_owned());
    let options = Options {
        record_history: false,
        clock: Clock::Real,
        progress: None,
        evaluation_budget: crate::EVALUATION_BUDGET,
    };
    spawnable(&run_express(machine, start, no_runner(), options));
}

#[test]
fn a_runaway_expression_is_stopped_by_the_watchdog() {
    // 10^7 sequences of 10^7 numbers: hours of work if nothing stops it.
    let definition = r#"{"QueryLanguage": "JSONata", "StartAt": "Spin", "States": {
        "Spin": {"Type": "Pass", "Output": "{% $count([1..10000000].($count([1..10000000]))) %}", "End": true}}}"#;
    let options = baton_asl::Options { machine_type: baton_asl::MachineType::Express };
    let (machine, diagnostics) = baton_asl::parse(definition, &options);
    let machine = machine.unwrap_or_else(|| panic!("invalid test definition: {diagnostics:?}"));
    let start = crate::local_start("Machine", "{}".to_owned());
    let options = Options {
        record_history: false,
        clock: Clock::Real,
        progress: None,
        evaluation_budget: Duration::from_millis(200),
    };
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let result = runtime
        .block_on(run_express(Arc::new(machine), start, Arc::new(Handlers::new()), options))
        .expect("the execution runs to its end");
    let Outcome::Failed { error, cause } = result.outcome else {
        panic!("the execution should fail: {:?}", result.outcome);
    };
    assert_eq!(error.as_deref(), Some("States.QueryEvaluationError"));
    let cause = cause.unwrap_or_default();
    assert!(cause.contains("threw an error during evaluation. U1003"), "cause: {cause}");
}

/// What [`check_controlled`]'s script gets: the execution's remote, and each task the owner's
/// hook was given.
struct Owner {
    remote: Remote,
    requests: mpsc::UnboundedReceiver<TaskRequest>,
}

impl Owner {
    /// The next task handed to the owner.
    async fn next(&mut self) -> TaskRequest {
        self.requests.recv().await.expect("the execution hands the owner another task")
    }
}

/// Runs `definition` on the virtual clock under the control of `script`, which plays the
/// owner: it sends signals through the remote and returns notes (the rejections it saw, for
/// example). Compares the outcome, the history and the notes with `expect`. The owner's hook
/// refuses activities whose ARN ends in `Missing`, as the API refuses unknown activities.
/// Once the execution is over, every signal is rejected.
fn check_controlled<Script, Work>(
    definition: &str,
    runner: Arc<dyn TaskRunner>,
    script: Script,
    expect: &str,
) where
    Script: FnOnce(Owner) -> Work,
    Work: std::future::Future<Output = Vec<String>> + Send + 'static,
{
    let options = baton_asl::Options { machine_type: baton_asl::MachineType::Standard };
    let (machine, diagnostics) = baton_asl::parse(definition, &options);
    let machine = machine.unwrap_or_else(|| panic!("invalid test definition: {diagnostics:?}"));
    let start = crate::local_start("Machine", "{}".to_owned());
    let started_at = start.at;
    let (handed, requests) = mpsc::unbounded_channel();
    let (remote, mailbox) = crate::mailbox(Box::new(move |request: &TaskRequest| {
        if request.resource.arn().ends_with("Missing") {
            return Err(TaskError::new("States.Runtime", "no such activity"));
        }
        // A script that expects no task stops listening early.
        let _ = handed.send(request.clone());
        Ok(())
    }));
    let options = Options {
        record_history: true,
        clock: Clock::Virtual,
        progress: None,
        evaluation_budget: crate::EVALUATION_BUDGET,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async move {
        let run =
            tokio::spawn(crate::run_controlled(Arc::new(machine), start, runner, options, mailbox));
        let owner = Owner { remote: remote.clone(), requests };
        let notes = tokio::spawn(script(owner)).await.expect("the script runs");
        let result = run.await.expect("the run is not aborted").expect("the execution ends");
        let late = remote.send(Signal::Stop { error: None, cause: None }).await;
        assert_eq!(late, Err(Rejected::Ended));
        let mut lines = vec![render(&result, started_at)];
        lines.extend(notes);
        assert_eq!(lines.join("\n"), expect.trim());
    });
}

const REVIEW: &str = "arn:aws:states:us-east-1:123456789012:activity:Review";

#[test]
fn activity_tasks_completed_by_signals() {
    let definition = format!(
        r#"{{"StartAt": "First", "States": {{
            "First": {{"Type": "Task", "Resource": "{REVIEW}", "Next": "Second"}},
            "Second": {{"Type": "Task", "Resource": "{REVIEW}", "End": true,
                        "Catch": [{{"ErrorEquals": ["Rejected"], "Next": "Handled"}}]}},
            "Handled": {{"Type": "Pass", "End": true}}
        }}}}"#
    );
    check_controlled(
        &definition,
        no_runner(),
        |mut owner| async move {
            let remote = owner.remote.clone();
            let first = owner.next().await.task;
            let worker = Some("w1".to_owned());
            remote.send(Signal::TaskStarted { task: first, worker_name: worker }).await.unwrap();
            let output = json!({ "ok": 1 });
            remote.send(Signal::TaskSucceeded { task: first, output }).await.unwrap();
            let second = owner.next().await.task;
            let mut notes = Vec::new();
            let late = remote.send(Signal::TaskHeartbeat { task: first }).await;
            notes.push(format!("heartbeat for the first: {late:?}"));
            remote.send(Signal::TaskStarted { task: second, worker_name: None }).await.unwrap();
            let twice = remote.send(Signal::TaskStarted { task: second, worker_name: None }).await;
            notes.push(format!("second start: {twice:?}"));
            remote.send(Signal::TaskHeartbeat { task: second }).await.unwrap();
            let (error, cause) = ("Rejected".to_owned(), "not good".to_owned());
            remote.send(Signal::TaskFailed { task: second, error, cause }).await.unwrap();
            notes
        },
        r#"
SUCCEEDED {"Error":"Rejected","Cause":"not good"}
+0 ExecutionStarted
+0 TaskStateEntered First
+0 ActivityScheduled
+0 ActivityStarted
+0 ActivitySucceeded
+0 TaskStateExited First
+0 TaskStateEntered Second
+0 ActivityScheduled
+0 ActivityStarted
+0 ActivityFailed
+0 TaskStateExited Second
+0 PassStateEntered Handled
+0 PassStateExited Handled
+0 ExecutionSucceeded
heartbeat for the first: Err(TaskNotOpen { task: TaskId(0) })
second start: Err(TaskAlreadyStarted { task: TaskId(1) })
"#,
    );
}

#[test]
fn stop_aborts_a_waiting_execution() {
    check_controlled(
        &format!(
            r#"{{"StartAt": "A", "States": {{"A": {{"Type": "Task", "Resource": "{REVIEW}", "End": true}}}}}}"#
        ),
        no_runner(),
        |mut owner| async move {
            owner.next().await;
            let stop =
                Signal::Stop { error: Some("Halt".to_owned()), cause: Some("enough".to_owned()) };
            owner.remote.send(stop).await.unwrap();
            Vec::new()
        },
        r#"
ABORTED Halt: enough
+0 ExecutionStarted
+0 TaskStateEntered A
+0 ActivityScheduled
+0 ExecutionAborted
"#,
    );
}

#[test]
fn an_activity_the_owner_refuses_fails_its_task() {
    check_controlled(
        r#"{"StartAt": "A", "States": {"A": {"Type": "Task",
            "Resource": "arn:aws:states:us-east-1:123456789012:activity:Missing", "End": true}}}"#,
        no_runner(),
        |_owner| async { Vec::new() },
        r#"
FAILED States.Runtime: no such activity
+0 ExecutionStarted
+0 TaskStateEntered A
+0 ActivityScheduled
+0 ActivityFailed
+0 ExecutionFailed
"#,
    );
}

/// A `.waitForTaskToken` Lambda invoke: the function gets the token in its payload, its own
/// answer is ignored, and the task ends with the callback's result.
const CALLBACK: &str = r#"{"StartAt": "Ask", "States": {"Ask": {"Type": "Task",
    "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
    "Parameters": {"FunctionName": "Notify", "Payload": {"token.$": "$$.Task.Token"}},
    "End": true}}}"#;

#[test]
fn a_callback_waits_for_its_token() {
    let mut handlers = Handlers::new();
    handlers.register("Notify", |_| async { Ok(json!({ "StatusCode": 200 })) });
    check_controlled(
        CALLBACK,
        Arc::new(handlers),
        |mut owner| async move {
            let request = owner.next().await;
            let token = request.token.clone().expect("a callback has a token");
            let mut notes = vec![format!(
                "the payload carries the token: {}",
                request.input["Payload"]["token"] == token.as_str()
            )];
            let output = json!({ "approved": true });
            let answer = owner.remote.send(Signal::TaskSucceeded { task: request.task, output });
            notes.push(format!("callback: {:?}", answer.await));
            notes
        },
        r#"
SUCCEEDED {"approved":true}
+0 ExecutionStarted
+0 TaskStateEntered Ask
+0 TaskScheduled
+0 TaskStarted
+0 TaskSucceeded
+0 TaskStateExited Ask
+0 ExecutionSucceeded
the payload carries the token: true
callback: Ok(())
"#,
    );
}

#[test]
fn a_callback_whose_request_fails_fails_its_task() {
    let mut handlers = Handlers::new();
    handlers.register("Notify", |_| async { Err(TaskError::new("Lambda.Unknown", "gone")) });
    check_controlled(
        CALLBACK,
        Arc::new(handlers),
        |_owner| async { Vec::new() },
        r#"
FAILED Lambda.Unknown: gone
+0 ExecutionStarted
+0 TaskStateEntered Ask
+0 TaskScheduled
+0 TaskStarted
+0 TaskFailed
+0 ExecutionFailed
"#,
    );
}
