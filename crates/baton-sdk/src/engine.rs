//! The embedded engine: runs a workflow in this process, its tasks served by their declared
//! handlers, and returns the result with the full history.
//!
//! Each [`Engine::run`] compiles the workflow afresh, validates it, builds a runner from the
//! handlers the workflow names and runs one in-memory execution through `baton-runtime`, so
//! nothing is registered anywhere and nothing survives between runs: the Rust counterpart of
//! Stepwise's `reloaded/start-execution!!`, without its stale registrations. Tasks are
//! activities (see [`crate::Target`]), answered in-process by the handler declared under the
//! activity's name.

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use baton_core::{Event, EventKind, Outcome};
use baton_integrations::Handlers;
use baton_runtime::{Clock, EVALUATION_BUDGET};

use crate::Error;
use crate::workflow::{Target, Workflow};

/// An in-process Baton engine.
#[derive(Debug, Clone)]
pub struct Engine {
    clock: Clock,
}

impl Engine {
    /// An engine in this process, on the system clock (a `Wait` of ten seconds takes ten
    /// seconds).
    pub fn embedded() -> Engine {
        Engine { clock: Clock::Real }
    }

    /// The same engine on `clock`; [`Clock::Virtual`] fires timers (waits, retry backoff) as
    /// soon as no task runs, so tests do not sleep, while the history shows the times as if
    /// they had passed.
    #[must_use]
    pub fn with_clock(mut self, clock: Clock) -> Engine {
        self.clock = clock;
        self
    }

    /// Runs `workflow` once on `input` (anything that serializes to JSON) and returns how it
    /// ended and its history. Must be called within a tokio runtime: tasks run as tokio tasks.
    pub async fn run(
        &self,
        workflow: &Workflow,
        input: &impl Serialize,
    ) -> Result<RunOutcome, Error> {
        let target = Target::local();
        let definition = workflow.compile(&target)?;
        let input = serde_json::to_string(input).map_err(Error::Input)?;
        let mut handlers = Handlers::new();
        for task in &definition.tasks {
            let handler = Arc::clone(&task.handler);
            handlers.register(target.activity_arn(&task.name), move |input| handler(input));
        }
        let options = baton_runtime::Options {
            record_history: true,
            clock: self.clock,
            progress: None,
            evaluation_budget: EVALUATION_BUDGET,
        };
        let start = baton_runtime::local_start(&workflow.name, input);
        let run =
            baton_runtime::run_express(definition.machine, start, Arc::new(handlers), options)
                .await?;
        let result = match run.outcome {
            Outcome::Succeeded { output } => {
                Ok(serde_json::from_str(&output).map_err(Error::Output)?)
            }
            Outcome::Failed { error, cause } => {
                Err(Failure { status: Status::Failed, error, cause })
            }
            Outcome::TimedOut { error, cause } => {
                Err(Failure { status: Status::TimedOut, error, cause })
            }
            Outcome::Aborted { error, cause } => {
                Err(Failure { status: Status::Aborted, error, cause })
            }
        };
        Ok(RunOutcome { result, history: History { events: run.events } })
    }
}

/// How a run ended: the output or the failure, and the history.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutcome {
    /// The execution's output when it succeeded, how it failed otherwise.
    pub result: Result<Value, Failure>,
    /// Every history event, as `GetExecutionHistory` would list them.
    pub history: History,
}

/// How an execution that did not succeed ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Its status.
    pub status: Status,
    /// The error name, such as `States.TaskFailed` or one a Fail step names.
    pub error: Option<String>,
    /// The cause.
    pub cause: Option<String>,
}

/// The status of an execution that did not succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// `FAILED`.
    Failed,
    /// `TIMED_OUT`.
    TimedOut,
    /// `ABORTED`.
    Aborted,
}

/// An execution's history events.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// The events in order.
    pub events: Vec<Event>,
}

impl History {
    /// The names of the states entered, in order.
    pub fn entered_states(&self) -> Vec<&str> {
        self.events
            .iter()
            .filter_map(|event| match &event.kind {
                EventKind::StateEntered { name, .. } => Some(name.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The history as `GetExecutionHistory` returns it: `{"events": [...]}`.
    pub fn to_json(&self) -> Value {
        let events: Vec<Value> = self.events.iter().map(Event::to_json).collect();
        serde_json::json!({ "events": events })
    }
}
