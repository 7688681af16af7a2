//! Task resources behind one trait, so that the runtime, tests and library users plug in what
//! runs a task.
//!
//! The interpreter (`baton-core`) asks for work with a [`TaskRequest`]; something has to do that
//! work and answer with an output or an error. That something is a [`TaskRunner`]. This crate
//! has three of them, and a [`Chain`] that puts them in order:
//!
//! - [`mock::MockRunner`]: answers from an AWS Step Functions Local mock configuration file
//!   (`MockConfigFile.json`), one test case at a time.
//! - [`handler::Handlers`]: in-process Rust async functions, keyed by resource ARN or by Lambda
//!   function name.
//! - [`command::LambdaCommands`]: Lambda functions played by local commands (payload on stdin,
//!   result on stdout).
//!
//! ```text
//! let runner = Chain::new(vec![Arc::new(mocks), Arc::new(handlers), Arc::new(commands)]);
//! let output = baton_integrations::run(&runner, &request).await;
//! ```
//!
//! A runner *claims* a request by returning a future, or declines it by returning `None`; the
//! chain offers the request to the next runner. Declining is how a state without a mock in the
//! chosen test case falls through to a handler or a command, exactly as Step Functions Local
//! calls the real service for states that a test case does not mock. When no runner claims a
//! request, [`run`] fails the task with [`UNSUPPORTED_RESOURCE`], naming the state and the
//! resource.
//!
//! Futures are `'static` and `Send`: the runtime spawns each task on its own and drops (aborts)
//! the future when the interpreter cancels the task. Runners therefore clone what they need out
//! of the request before returning.

pub mod command;
pub mod handler;
pub mod lambda;
pub mod mock;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde_json::Value;

pub use baton_core::TaskRequest;

pub use crate::command::LambdaCommands;
pub use crate::handler::Handlers;
pub use crate::mock::{MockConfig, MockRunner};

/// The error name when no runner handles a task's resource.
pub const UNSUPPORTED_RESOURCE: &str = "Baton.UnsupportedResource";
/// The error name when a mocked Task is invoked more often than its mocked response covers
/// (Step Functions Local: "you must specify a mocked response for every invocation").
pub const MOCK_INVOCATION_MISSING: &str = "Baton.MockInvocationMissing";

/// What a task's work ends with: the task's output, or the error the Task state sees (and may
/// retry or catch).
pub type TaskResult = Result<Value, TaskError>;

/// A task's work in progress. Dropping it abandons the work (a local command is killed).
pub type TaskFuture = Pin<Box<dyn Future<Output = TaskResult> + Send + 'static>>;

/// A task's failure: the error name that `Retry` and `Catch` match, and a cause for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}: {cause}")]
pub struct TaskError {
    pub error: String,
    pub cause: String,
}

impl TaskError {
    /// A failure with this error name and cause.
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> TaskError {
        TaskError { error: error.into(), cause: cause.into() }
    }
}

/// Something that does the work of Task states.
pub trait TaskRunner: Send + Sync {
    /// Starts the work `request` asks for, or returns `None` when this runner does not handle
    /// the request's resource (so that the next runner of a [`Chain`] may).
    fn start(&self, request: &TaskRequest) -> Option<TaskFuture>;
}

/// Starts `request` on `runner`; a request that no runner claims fails with
/// [`UNSUPPORTED_RESOURCE`].
pub fn run(runner: &dyn TaskRunner, request: &TaskRequest) -> TaskFuture {
    match runner.start(request) {
        Some(work) => work,
        None => {
            let error = unsupported(request);
            Box::pin(async move { Err(error) })
        }
    }
}

/// The failure for a request that no runner handles: it names the state, the resource and, for
/// Lambda, the function, so that the user knows what to mock, register or map to a command.
pub fn unsupported(request: &TaskRequest) -> TaskError {
    let resource = request.resource.arn();
    let state = &request.state_name;
    let cause = match lambda::target(request) {
        Some(target) => format!(
            "No task runner handles Lambda function '{}' (resource '{resource}') of Task state \
             '{state}': it has no mocked response in the test case, no in-process handler and \
             no local command.",
            target.function_reference
        ),
        None => format!(
            "No task runner handles resource '{resource}' of Task state '{state}': it has no \
             mocked response in the test case and no in-process handler."
        ),
    };
    TaskError::new(UNSUPPORTED_RESOURCE, cause)
}

/// Runners tried in order; the first that claims a request does its work.
#[derive(Clone, Default)]
pub struct Chain {
    runners: Vec<Arc<dyn TaskRunner>>,
}

impl Chain {
    /// A chain that offers each request to `runners` in this order.
    pub fn new(runners: Vec<Arc<dyn TaskRunner>>) -> Chain {
        Chain { runners }
    }
}

impl TaskRunner for Chain {
    fn start(&self, request: &TaskRequest) -> Option<TaskFuture> {
        self.runners.iter().find_map(|runner| runner.start(request))
    }
}

#[cfg(test)]
pub(crate) mod test_support;

#[cfg(test)]
mod tests;
