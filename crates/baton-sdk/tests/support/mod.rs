//! What the integration tests share: running a workflow on the embedded engine with the
//! virtual clock, and rendering how it went as text to compare with an expectation.

use serde_json::Value;

use baton_sdk::{Clock, Engine, RunOutcome, Workflow};

/// Runs `workflow` on `input` and compares the run, rendered by [`render`], with `expect`.
pub(crate) fn check(workflow: &Workflow, input: Value, expect: &str) {
    let actual = run(workflow, &input);
    assert!(actual == expect.trim(), "the run differs; it was:\n{actual}");
}

/// Runs `workflow` on `input` on a fresh embedded engine with the virtual clock, on a
/// current-thread runtime so that tasks which are ready together complete in a fixed order,
/// and renders the run (see [`render`]).
fn run(workflow: &Workflow, input: &Value) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let engine = Engine::embedded().with_clock(Clock::Virtual);
    let outcome = runtime.block_on(engine.run(workflow, input)).expect("the workflow runs");
    render(&outcome)
}

/// The outcome on the first line, then one event a line: milliseconds since the start, type,
/// and the state name and error name where the event has them.
fn render(outcome: &RunOutcome) -> String {
    let mut lines = vec![match &outcome.result {
        Ok(output) => format!("SUCCEEDED {output}"),
        Err(failure) => format!(
            "{:?} {}: {}",
            failure.status,
            failure.error.as_deref().unwrap_or("-"),
            failure.cause.as_deref().unwrap_or("-")
        ),
    }];
    let started_at = outcome.history.events.first().map_or(0, |event| event.timestamp);
    for event in &outcome.history.events {
        let json = event.to_json();
        let details =
            json.as_object().into_iter().flatten().filter_map(|(_, value)| value.as_object());
        let mut line = format!("+{} {}", event.timestamp - started_at, event.kind.type_name());
        for details in details {
            for key in ["name", "error"] {
                if let Some(text) = details.get(key).and_then(Value::as_str) {
                    line.push(' ');
                    line.push_str(text);
                }
            }
        }
        lines.push(line);
    }
    lines.join("\n")
}
