//! Tests for the progress display: what a sequence of events writes to the terminal.

use baton_core::Event;
use baton_core::event::{EventKind, Failure, StateType};

use super::Display;

fn entered(state_type: StateType, name: &str) -> EventKind {
    EventKind::StateEntered { state_type, name: name.to_owned(), input: "{}".to_owned() }
}

fn exited(state_type: StateType, name: &str) -> EventKind {
    EventKind::StateExited {
        state_type,
        name: name.to_owned(),
        output: "{}".to_owned(),
        assigned_variables: None,
    }
}

fn iteration(name: &str, index: usize) -> EventKind {
    EventKind::MapIterationSucceeded { name: name.to_owned(), index }
}

/// Feeds `kinds` to a fresh display and compares everything it wrote, with the line-clearing
/// escape shown as `<clear>`.
fn check(kinds: Vec<EventKind>, expect: &str) {
    let mut display = Display::default();
    let mut written = String::new();
    for (index, kind) in kinds.into_iter().enumerate() {
        let id = u64::try_from(index).unwrap_or(0) + 1;
        written.push_str(&display.event(&Event { id, previous_event_id: 0, timestamp: 0, kind }));
    }
    written.push_str(&display.finish());
    assert_eq!(written.replace(super::CLEAR_LINE, "<clear>"), expect);
}

#[test]
fn states_and_failures() {
    let failure = Failure { error: Some("Oops".to_owned()), cause: Some("x".repeat(130)) };
    check(
        vec![
            EventKind::ExecutionStarted { input: "{}".to_owned(), role_arn: "r".to_owned() },
            entered(StateType::Task, "Charge"),
            EventKind::LambdaFunctionFailed(failure),
            exited(StateType::Task, "Charge"),
            entered(StateType::Succeed, "Done"),
            exited(StateType::Succeed, "Done"),
        ],
        &format!(
            "→ Charge (Task)\n  ✗ LambdaFunctionFailed: Oops ({}…)\n← Charge\n→ Done (Succeed)\n← Done\n",
            "x".repeat(120)
        ),
    );
}

#[test]
fn a_map_shows_one_progress_line() {
    check(
        vec![
            entered(StateType::Map, "Items"),
            EventKind::MapStateStarted { length: 2 },
            EventKind::MapIterationStarted { name: "Items".to_owned(), index: 0 },
            entered(StateType::Pass, "Inner"),
            // A nested Map's iterations do not count for the outer one.
            entered(StateType::Map, "Nested"),
            EventKind::MapStateStarted { length: 1 },
            iteration("Nested", 0),
            EventKind::MapStateSucceeded,
            exited(StateType::Map, "Nested"),
            iteration("Items", 0),
            iteration("Items", 1),
            EventKind::MapStateSucceeded,
            exited(StateType::Map, "Items"),
        ],
        "→ Items (Map)\n<clear>  Items: 0/2 items done<clear>  Items: 1/2 items done\
         <clear>  Items: 2/2 items done\n← Items\n",
    );
}

#[test]
fn an_aborted_map_closes_its_line() {
    check(
        vec![
            entered(StateType::Map, "Items"),
            EventKind::MapStateStarted { length: 3 },
            EventKind::StateAborted { state_type: StateType::Map },
            entered(StateType::Pass, "After"),
        ],
        "→ Items (Map)\n<clear>  Items: 0/3 items done\n→ After (Pass)\n",
    );
}
