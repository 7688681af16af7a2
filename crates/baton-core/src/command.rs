//! What the interpreter asks the shell to do. Commands are never stored: replaying history
//! recomputes them, and the shell performs only those still pending (../shared/STYLE.md A3).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use baton_asl::model::Resource;

use crate::input::Millis;

/// Identifies one attempt at one task, for the whole execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TaskId(pub u64);

/// Identifies one timer (a Wait, a retry backoff, a task timeout or heartbeat deadline).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TimerId(pub u64);

/// One request to the shell.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Do a task's work and answer with `TaskSucceeded`/`TaskFailed` (and `TaskStarted` for
    /// work that is queued before it starts, such as activities). Shared with the execution's
    /// record of the pending task, so issuing it copies nothing.
    RunTask(Arc<TaskRequest>),
    /// Stop working on a task: its state was aborted (a sibling branch failed, the execution
    /// stopped) or timed out.
    CancelTask { task: TaskId },
    /// Answer with `TimerFired` at `due` (at once if `due` has passed).
    StartTimer { timer: TimerId, due: Millis },
    /// The timer is no longer needed.
    CancelTimer { timer: TimerId },
    /// The execution is over.
    Finish(Outcome),
}

/// A task for the shell to perform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRequest {
    pub task: TaskId,
    /// The Task state's name.
    pub state_name: String,
    /// The id of the Task state's `TaskStateEntered` event, which AWS names in the cause of an
    /// error that fails the state ("... (entered at the event id #2). ..."). Snapshots from
    /// before it was recorded read as 0.
    #[serde(default)]
    pub state_entered_event_id: u64,
    pub resource: Resource,
    /// The effective parameters (after InputPath and Parameters), as the resource receives them.
    pub input: Value,
    /// The task token, for `.waitForTaskToken` integrations and activities.
    pub token: Option<String>,
    pub timeout_seconds: u64,
    pub heartbeat_seconds: Option<u64>,
}

/// How an execution ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Outcome {
    Succeeded { output: String },
    Failed { error: Option<String>, cause: Option<String> },
    TimedOut { error: Option<String>, cause: Option<String> },
    Aborted { error: Option<String>, cause: Option<String> },
}

impl Outcome {
    /// The status as DescribeExecution reports it.
    pub fn status(&self) -> &'static str {
        match self {
            Outcome::Succeeded { .. } => "SUCCEEDED",
            Outcome::Failed { .. } => "FAILED",
            Outcome::TimedOut { .. } => "TIMED_OUT",
            Outcome::Aborted { .. } => "ABORTED",
        }
    }
}
