//! The Step Functions interpreter: a pure function from (definition, execution state, input)
//! to (history events, commands).
//!
//! ```text
//! let (mut execution, first) = baton_core::start(&machine, start)?;
//! // perform first.commands; each result comes back as an Input:
//! let next = baton_core::step(&machine, &mut execution, Input::TaskSucceeded { .. })?;
//! ```
//!
//! The interpreter never reads a clock, never does IO and never draws randomness of its own:
//! time arrives in every [`Input`], randomness derives from the execution's secret seed
//! ([`Start::seed`]). Replaying the same inputs through [`start`] and [`step`] rebuilds the
//! same execution and the same history; that is how executions recover.
//!
//! Workflow failures are history events (`TaskFailed`, `ExecutionFailed`), not `Err`: an `Err`
//! from this crate means the input cannot apply to this execution (an unknown task, a finished
//! execution) or the definition uses a feature this interpreter does not run yet.

#![deny(clippy::wildcard_enum_match_arm)]

pub mod command;
mod context;
mod dataflow;
pub mod event;
mod execution;
pub mod input;
mod interpreter;
pub mod map_run;
mod random;
pub mod simulate;
pub mod test_state;

/// Trips JSONata evaluations from outside (see [`Execution::guard_evaluations`]).
pub use baton_jsonata::CancelToken;
pub use command::{Command, Outcome, TaskId, TaskRequest, TimerId};
pub use event::{Event, EventKind};
pub use execution::Execution;
pub use input::{Input, Millis, Start, WorkflowType};
pub use interpreter::{Step, start, start_guarded, step};
pub use random::hex;

/// Why an input could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The execution input is not JSON (the API rejects this before starting).
    #[error("the execution input is not valid JSON: {reason}")]
    InvalidInput { reason: String },
    /// The definition uses something this interpreter does not run yet.
    #[error("{feature} is not supported yet by the Baton interpreter")]
    Unsupported { feature: String },
    /// The input names a task or timer this execution does not have, or arrives after the
    /// execution finished: a history that cannot have been produced by this interpreter.
    #[error("input does not apply to this execution: {reason}")]
    Corruption { reason: String },
    /// [`Input::Redrive`] of an execution that is running or succeeded; `reason` is AWS's
    /// `redriveStatusReason` for it.
    #[error("{reason}")]
    NotRedrivable { reason: String },
}
