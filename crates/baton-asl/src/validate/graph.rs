//! Whole-scope checks once a scope's states are built: every state reachable from `StartAt`,
//! and at least one terminal state.

use crate::diagnostic::Code;
use crate::model::{Scope, State, StateId, StateKind, Transition};
use crate::validate::Validator;

impl Validator<'_> {
    pub(super) fn check_graph(&mut self, scope: &Scope, states_location: &str) {
        if !scope.states.iter().any(is_terminal) {
            self.error_code(
                Code::MissingEndState,
                states_location,
                "No terminal state: at least one state must be of type Succeed or Fail, or have \"End\": true",
            );
        }
        let mut reached = vec![false; scope.states.len()];
        let mut pending = vec![scope.start_at];
        while let Some(id) = pending.pop() {
            if std::mem::replace(&mut reached[id.index()], true) {
                continue;
            }
            pending.extend(successors(scope.state(id)));
        }
        for (state, reached) in scope.states.iter().zip(reached) {
            if !reached {
                self.error(
                    &format!("{states_location}/{}", state.name),
                    format!("State '{}' is not reachable", state.name),
                );
            }
        }
    }
}

fn is_terminal(state: &State) -> bool {
    match &state.kind {
        StateKind::Succeed | StateKind::Fail(_) => true,
        StateKind::Choice(_) => false,
        StateKind::Pass(pass) => pass.transition == Transition::End,
        StateKind::Task(task) => task.transition == Transition::End,
        StateKind::Wait(wait) => wait.transition == Transition::End,
        StateKind::Parallel(parallel) => parallel.transition == Transition::End,
        StateKind::Map(map) => map.transition == Transition::End,
    }
}

/// The states a state can lead to: its `Next`, Choice targets and Catch targets.
fn successors(state: &State) -> Vec<StateId> {
    let mut next = Vec::new();
    let push_transition = |transition: Transition, next: &mut Vec<StateId>| {
        if let Transition::Next(id) = transition {
            next.push(id);
        }
    };
    match &state.kind {
        StateKind::Succeed | StateKind::Fail(_) => {}
        StateKind::Choice(choice) => {
            next.extend(choice.choices.iter().map(|rule| rule.next));
            next.extend(choice.default);
        }
        StateKind::Pass(pass) => push_transition(pass.transition, &mut next),
        StateKind::Wait(wait) => push_transition(wait.transition, &mut next),
        StateKind::Task(task) => {
            push_transition(task.transition, &mut next);
            next.extend(task.catch.iter().map(|catcher| catcher.next));
        }
        StateKind::Parallel(parallel) => {
            push_transition(parallel.transition, &mut next);
            next.extend(parallel.catch.iter().map(|catcher| catcher.next));
        }
        StateKind::Map(map) => {
            push_transition(map.transition, &mut next);
            next.extend(map.catch.iter().map(|catcher| catcher.next));
        }
    }
    next
}
