//! What happens to an execution from outside: the inputs of [`crate::step`].
//!
//! Everything that varies between runs arrives here: the time (`at`, milliseconds since the
//! Unix epoch), the execution's identity, its secret seed (task tokens and random numbers derive
//! from it), and the results of the work the interpreter asked for.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::command::{TaskId, TimerId};
use crate::map_run::MapRunLimits;

/// Milliseconds since the Unix epoch, as the shell's clock read them.
pub type Millis = i64;

/// One input to the interpreter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Input {
    /// The execution starts with this input. Boxed: a `Start` is large, and every other input
    /// is moved several times per step (an inline one made each input 208 bytes, and copying
    /// inputs 3 % of an in-process run).
    Start(Box<Start>),
    /// A task the interpreter asked for began (an activity worker took it, a Lambda started).
    TaskStarted { task: TaskId, worker_name: Option<String>, at: Millis },
    /// A task finished with this output.
    TaskSucceeded { task: TaskId, output: Value, at: Millis },
    /// A task failed with an error name and cause.
    TaskFailed { task: TaskId, error: String, cause: String, at: Millis },
    /// A worker reported that a task is still alive.
    TaskHeartbeat { task: TaskId, at: Millis },
    /// A timer the interpreter asked for is due.
    TimerFired { timer: TimerId, at: Millis },
    /// StopExecution: the execution ends as ABORTED.
    Stop { error: Option<String>, cause: Option<String>, at: Millis },
    /// RedriveExecution: an execution that failed, timed out or was aborted runs again from
    /// where it stopped. The only input a finished execution takes.
    Redrive { at: Millis },
    /// UpdateMapRun: new limits for a running Map Run. A Map Run that has ended meanwhile is
    /// left as it is.
    UpdateMapRun { map_run_arn: String, limits: MapRunLimits, at: Millis },
}

impl Input {
    /// When this input happened.
    pub fn at(&self) -> Millis {
        match self {
            Input::Start(start) => start.at,
            Input::TaskStarted { at, .. }
            | Input::TaskSucceeded { at, .. }
            | Input::TaskFailed { at, .. }
            | Input::TaskHeartbeat { at, .. }
            | Input::TimerFired { at, .. }
            | Input::Stop { at, .. }
            | Input::Redrive { at }
            | Input::UpdateMapRun { at, .. } => *at,
        }
    }
}

/// The state machine type an execution runs as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WorkflowType {
    Standard,
    Express,
}

/// The start of an execution: its identity, its input and its secret seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Start {
    /// The execution input as JSON text, exactly as the caller sent it (history keeps the text).
    pub input: String,
    pub execution_arn: String,
    pub execution_name: String,
    pub state_machine_arn: String,
    pub state_machine_name: String,
    pub role_arn: String,
    /// The region, for `TaskScheduled` events.
    pub region: String,
    /// STANDARD or EXPRESS: only Standard executions are bound by the history-event limit.
    pub workflow_type: WorkflowType,
    /// Whether to build history events at all. Standard executions always do; an Express
    /// execution whose caller does not want its history skips them, which is most of the cost
    /// of a Pass state. Event ids still advance, so cause texts cite the same ids either way.
    pub record_history: bool,
    /// 32 secret random bytes, hex encoded. Task tokens, `States.UUID()`, `States.MathRandom`
    /// and retry jitter are derived from it, so replay reproduces them and nobody outside can
    /// guess a token.
    pub seed: String,
    pub at: Millis,
}
