//! Running an execution to its end in memory, on virtual time: the fastest way to run an
//! execution whose tasks can be answered at once (tests, conformance runs, benchmarks, and
//! Express executions whose Wait states need not really wait).
//!
//! Tasks are answered in the order they were asked for, by a caller-supplied function; timers
//! fire in due order, and time jumps to each one. Everything stays pure: the result depends
//! only on the definition, the start and the answers.

use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;

use serde_json::Value;

use baton_asl::model::StateMachine;

use crate::command::{Command, Outcome, TaskRequest, TimerId};
use crate::event::Event;
use crate::input::{Input, Millis, Start};
use crate::{Error, start, step};

/// How a simulated task ends.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskAnswer {
    Succeeded(Value),
    Failed {
        error: String,
        cause: String,
    },
    /// The task never answers (its timeout or heartbeat will fire, if it has one).
    Silent,
}

/// A finished simulated execution.
#[derive(Debug, Clone)]
pub struct Simulation {
    pub outcome: Outcome,
    /// Every event, in order (none when the start asked not to record history).
    pub events: Vec<Event>,
    /// States entered.
    pub transitions: u64,
    /// Every input applied, in order: replaying them rebuilds the same execution.
    pub inputs: Vec<Input>,
}

/// Runs `start` to the end, answering tasks with `answer`. Stops with an error if the execution
/// can make no progress (a silent task without a timeout).
pub fn run(
    machine: &StateMachine,
    start_input: Start,
    answer: &mut dyn FnMut(&TaskRequest) -> TaskAnswer,
) -> Result<Simulation, Error> {
    let mut now: Millis = start_input.at;
    let mut inputs = vec![Input::Start(Box::new(start_input.clone()))];
    let (mut execution, first) = start(machine, start_input)?;
    let mut events = first.events;
    let mut tasks: VecDeque<Arc<TaskRequest>> = VecDeque::new();
    let mut timers: BTreeSet<(Millis, TimerId)> = BTreeSet::new();
    let mut commands: VecDeque<Command> = first.commands.into();
    loop {
        while let Some(command) = commands.pop_front() {
            match command {
                Command::RunTask(request) => tasks.push_back(request),
                Command::CancelTask { task } => tasks.retain(|request| request.task != task),
                Command::StartTimer { timer, due } => {
                    timers.insert((due, timer));
                }
                Command::CancelTimer { timer } => timers.retain(|(_, pending)| *pending != timer),
                Command::Finish(outcome) => {
                    let transitions = execution.transitions();
                    return Ok(Simulation { outcome, events, transitions, inputs });
                }
            }
        }
        let input = if let Some(request) = tasks.pop_front() {
            match answer(&request) {
                TaskAnswer::Succeeded(output) => {
                    Input::TaskSucceeded { task: request.task, output, at: now }
                }
                TaskAnswer::Failed { error, cause } => {
                    Input::TaskFailed { task: request.task, error, cause, at: now }
                }
                TaskAnswer::Silent => continue,
            }
        } else if let Some((due, timer)) = timers.pop_first() {
            now = now.max(due);
            Input::TimerFired { timer, at: now }
        } else {
            return Err(Error::Corruption {
                reason: "the execution waits for a task that never answers and has no timeout"
                    .to_owned(),
            });
        };
        inputs.push(input.clone());
        let next = step(machine, &mut execution, input)?;
        events.extend(next.events);
        commands.extend(next.commands);
    }
}

/// Applies recorded inputs from the start: the same execution, and all its events.
pub fn replay(
    machine: &StateMachine,
    inputs: &[Input],
) -> Result<(crate::Execution, Vec<Event>), Error> {
    let Some((Input::Start(first), rest)) = inputs.split_first() else {
        return Err(Error::Corruption { reason: "a history must begin with its start".to_owned() });
    };
    let (mut execution, step_result) = start(machine, Start::clone(first))?;
    let mut events = step_result.events;
    for input in rest {
        events.extend(step(machine, &mut execution, input.clone())?.events);
    }
    Ok((execution, events))
}
