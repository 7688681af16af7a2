//! The reloaded dev loop: each `Engine::run` compiles the workflow afresh and binds the handlers
//! it names at that call, so a handler changed and declared again under the same name takes
//! effect in the next call on the same engine, with no registration left over from the last
//! one. `check` runs one version and compares its result and history.

use serde_json::{Value, json};

use baton_sdk::{Clock, Engine, Flow, Task, TaskFailure, Workflow};

/// The workflow as one edit of the program declares it: `greet` says `word`.
fn version(word: &'static str) -> Workflow {
    let greet = Task::new("greet", move |name: String| async move {
        Ok::<_, TaskFailure>(format!("{word}, {name}"))
    });
    Workflow::new("greeting", Flow::new().then(&greet))
}

/// Runs `workflow` on `input` on `engine` and compares the result and the history's event
/// types with `expect`.
fn check(engine: &Engine, workflow: &Workflow, input: Value, expect: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let outcome = runtime.block_on(engine.run(workflow, &input)).expect("the workflow runs");
    let mut lines = vec![format!("{:?}", outcome.result)];
    lines.extend(outcome.history.events.iter().map(|event| event.kind.type_name().to_owned()));
    let actual = lines.join("\n");
    assert!(actual == expect.trim(), "the run differs; it was:\n{actual}");
}

#[test]
fn a_changed_handler_under_the_same_name_takes_effect_in_the_next_run() {
    let history = "
ExecutionStarted
TaskStateEntered
ActivityScheduled
ActivityStarted
ActivitySucceeded
TaskStateExited
ExecutionSucceeded";
    let engine = Engine::embedded().with_clock(Clock::Virtual);
    check(
        &engine,
        &version("hello"),
        json!("Ada"),
        &format!("Ok(String(\"hello, Ada\")){history}"),
    );
    check(
        &engine,
        &version("goodbye"),
        json!("Ada"),
        &format!("Ok(String(\"goodbye, Ada\")){history}"),
    );
    // Going back is just as immediate.
    check(
        &engine,
        &version("hello"),
        json!("Bob"),
        &format!("Ok(String(\"hello, Bob\")){history}"),
    );
}
