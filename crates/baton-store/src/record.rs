//! The records a store holds. They are plain data: the store keeps every JSON payload and every
//! definition exactly as the caller gave it, as text, and never interprets it, so what
//! `GetExecutionHistory` serves is byte for byte what the runtime wrote.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Tags on a state machine or an activity, by key. A map keeps one value per key, as
/// `TagResource` does, and lists them in a stable order.
pub type Tags = BTreeMap<String, String>;

/// A state machine as `CreateStateMachine` made it and `UpdateStateMachine` changed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateMachineRecord {
    /// The key: unique among state machines.
    pub arn: String,
    /// The resource's name, the last part of its ARN.
    pub name: String,
    /// Its type.
    pub r#type: StateMachineType,
    /// The ASL text exactly as the client sent it.
    pub definition: String,
    /// The IAM role the machine runs as.
    pub role_arn: String,
    /// Epoch milliseconds.
    pub creation_date_millis: i64,
    /// Changes with every `UpdateStateMachine`; executions record the revision they run.
    pub revision_id: String,
    /// Epoch milliseconds of the last `UpdateStateMachine`, if any.
    pub update_date_millis: Option<i64>,
    /// The `loggingConfiguration` JSON as given.
    pub logging_configuration: String,
    /// The `tracingConfiguration` JSON as given.
    pub tracing_configuration: String,
    /// Its status.
    pub status: StateMachineStatus,
    /// Written by `Change::CreateStateMachine`; later changed only by `TagResource` and
    /// `UntagResource` changes (an update keeps the tags it finds).
    pub tags: Tags,
}

/// A revision of a state machine that `UpdateStateMachine` replaced, kept because executions
/// started on it still run it (after a restart too) and `DescribeStateMachineForExecution`
/// shows it. The current revision lives in the [`StateMachineRecord`] itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateMachineRevisionRecord {
    /// The machine it is a revision of.
    pub state_machine_arn: String,
    /// The key within the machine: the machine's `revision_id` while it was current.
    pub revision_id: String,
    /// The ASL text exactly as the client sent it.
    pub definition: String,
    /// The IAM role the revision ran as.
    pub role_arn: String,
    /// Epoch milliseconds of the `UpdateStateMachine` that made it, or `None` for the
    /// revision `CreateStateMachine` made.
    pub update_date_millis: Option<i64>,
    /// The `loggingConfiguration` JSON as given.
    pub logging_configuration: String,
    /// The `tracingConfiguration` JSON as given.
    pub tracing_configuration: String,
}

/// A published version of a state machine: an immutable, numbered name for one revision.
/// Its definition, role and configurations are the revision's, which the store keeps with
/// [`Change::KeepStateMachineRevision`](crate::Change::KeepStateMachineRevision) in the same
/// commit as the version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateMachineVersionRecord {
    /// The key: the machine's ARN, a colon and the version number.
    pub arn: String,
    /// The machine it is a version of.
    pub state_machine_arn: String,
    /// 1 for the machine's first version, one more for each later one; a deleted version's
    /// number is never given again.
    pub version_number: u64,
    /// The revision it names.
    pub revision_id: String,
    /// The `description` (or `versionDescription`) it was published with.
    pub description: Option<String>,
    /// Epoch milliseconds.
    pub creation_date_millis: i64,
}

/// An alias of a state machine: a name that routes each new execution to one of one or two
/// versions, by weight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateMachineAliasRecord {
    /// The key: the machine's ARN, a colon and the alias name.
    pub arn: String,
    /// The machine whose versions it routes to.
    pub state_machine_arn: String,
    /// The alias name.
    pub name: String,
    /// Its description, if any.
    pub description: Option<String>,
    /// The versions it routes to, in the order given.
    pub routing: Vec<AliasRoute>,
    /// Epoch milliseconds.
    pub creation_date_millis: i64,
    /// Epoch milliseconds of the last update, if any.
    pub update_date_millis: Option<i64>,
}

/// One entry of an alias's routing configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AliasRoute {
    /// A version of the alias's machine.
    pub version_arn: String,
    /// The percentage of executions routed to it; an alias's weights sum to 100.
    pub weight: u8,
}

/// What an execution was started on when it was not the state machine itself: a version, or
/// an alias and the version it routed to. Executions started on the machine have none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutionSourceRecord {
    /// The key: the execution.
    pub execution_arn: String,
    /// The version the execution runs.
    pub version_arn: String,
    /// The alias it was started through, if any.
    pub alias_arn: Option<String>,
}

/// `STANDARD` or `EXPRESS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StateMachineType {
    /// Durable, exactly-once executions with stored history.
    Standard,
    /// In-memory, at-least-once executions.
    Express,
}

/// `ACTIVE` or `DELETING`: AWS keeps a deleted machine visible while executions still run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StateMachineStatus {
    /// The machine can start executions.
    Active,
    /// Deleted while executions still run.
    Deleting,
}

/// An activity: a named queue of tasks that workers poll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityRecord {
    /// The key: unique among activities.
    pub arn: String,
    /// The resource's name, the last part of its ARN.
    pub name: String,
    /// Epoch milliseconds.
    pub creation_date_millis: i64,
    /// Written at creation; later changed only by tag changes.
    pub tags: Tags,
}

/// One execution: its identity, its outcome so far, and the interpreter's frontier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutionRecord {
    /// The key: unique among executions.
    pub arn: String,
    /// The state machine it belongs to.
    pub state_machine_arn: String,
    /// Unique within its state machine (`StartExecution` idempotency).
    pub name: String,
    /// Its status.
    pub status: ExecutionStatus,
    /// Epoch milliseconds.
    pub start_date_millis: i64,
    /// Epoch milliseconds; set when the execution stops.
    pub stop_date_millis: Option<i64>,
    /// The input JSON as given.
    pub input: String,
    /// The output JSON, once the execution succeeded.
    pub output: Option<String>,
    /// The error name, once the execution failed, timed out or was aborted.
    pub error: Option<String>,
    /// The cause text that goes with `error`.
    pub cause: Option<String>,
    /// The state machine's `revision_id` this execution runs.
    pub state_machine_revision_id: String,
    /// The secret seed task tokens and random numbers derive from (STYLE A2).
    pub seed: Vec<u8>,
    /// The interpreter's frontier, written by the runtime and opaque to the store: recovery
    /// starts from it instead of replaying the whole history. The runtime leaves it empty
    /// once the execution succeeded.
    pub snapshot: Vec<u8>,
    /// The id the next appended history event gets.
    pub next_event_id: u64,
    /// How often and when last RedriveExecution restarted it; `None` if never.
    pub redriven: Option<Redriven>,
}

/// RedriveExecution's mark on an execution: how many redrives, and when the last one was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redriven {
    /// Redrives so far (`redriveCount`).
    pub count: u32,
    /// Epoch milliseconds of the last one (`redriveDate`).
    pub date_millis: i64,
}

/// What changes in an execution row as it runs; identity, input and seed never change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutionUpdate {
    /// Which execution.
    pub arn: String,
    /// Its status.
    pub status: ExecutionStatus,
    /// Epoch milliseconds; set when the execution stops.
    pub stop_date_millis: Option<i64>,
    /// The output JSON, once the execution succeeded.
    pub output: Option<String>,
    /// The error name, once the execution failed, timed out or was aborted.
    pub error: Option<String>,
    /// The cause text that goes with `error`.
    pub cause: Option<String>,
    /// The interpreter's new frontier, opaque to the store.
    pub snapshot: Vec<u8>,
    /// The id the next appended history event gets.
    pub next_event_id: u64,
    /// How often and when last RedriveExecution restarted it; `None` if never.
    pub redriven: Option<Redriven>,
}

/// A Map Run of a Distributed Map state, as the runtime last wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapRunRecord {
    /// The key: `arn:aws:states:REGION:ACCOUNT:mapRun:MACHINE/LABEL:ID`.
    pub arn: String,
    /// The execution whose Map state runs it.
    pub execution_arn: String,
    /// Epoch milliseconds; an execution's Map Runs are listed by it.
    pub start_date_millis: i64,
    /// Its status, limits and child execution counts, as JSON, as given.
    pub progress: String,
}

/// AWS's execution statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExecutionStatus {
    /// Still running.
    Running,
    /// Finished with an output.
    Succeeded,
    /// Finished with an error.
    Failed,
    /// Stopped by `TimeoutSeconds`.
    TimedOut,
    /// Stopped by `StopExecution`.
    Aborted,
    /// Failed and waiting to be redriven.
    PendingRedrive,
}

/// One AWS history event of one execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRecord {
    /// The execution it belongs to.
    pub execution_arn: String,
    /// Unique within the execution: a second append of the same id fails its whole commit,
    /// which is how each transition is recorded exactly once.
    pub event_id: u64,
    /// The AWS event type, such as `TaskStateEntered`.
    pub r#type: String,
    /// Epoch milliseconds.
    pub timestamp_millis: i64,
    /// The event as `GetExecutionHistory` serves it, as given.
    pub body: String,
}

/// A task waiting in an activity's queue, or handed to a worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityTaskRecord {
    /// The key: the task token the worker completes the task with, unique across activities.
    pub task_token: String,
    /// The activity whose queue holds it.
    pub activity_arn: String,
    /// The execution it belongs to.
    pub execution_arn: String,
    /// The task's input JSON as given.
    pub input: String,
    /// Epoch milliseconds; tasks are handed out oldest first.
    pub enqueued_millis: i64,
    /// Set when a worker claimed the task; `None` while it waits in the queue.
    pub claim: Option<Claim>,
}

/// Which worker holds an activity task, and since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    /// The `workerName` of `GetActivityTask` (may be empty).
    pub worker_name: String,
    /// Epoch milliseconds.
    pub claimed_millis: i64,
}

/// What a task token completes, so that `SendTask*` can find its execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskTokenRecord {
    /// The key.
    pub token: String,
    /// The execution it belongs to.
    pub execution_arn: String,
    /// The runtime's id for the waiting task within the execution.
    pub task_id: String,
}

/// The string forms AWS uses, which are also the forms stored, shared by every enum above.
macro_rules! aws_names {
    ($ty:ident { $($variant:ident => $name:literal),* $(,)? }) => {
        impl $ty {
            /// AWS's name for the value, as stored.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)*
                }
            }

            /// The value for AWS's name, or `None` for any other text.
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $($name => Some(Self::$variant),)*
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

aws_names!(StateMachineType { Standard => "STANDARD", Express => "EXPRESS" });
aws_names!(StateMachineStatus { Active => "ACTIVE", Deleting => "DELETING" });
aws_names!(ExecutionStatus {
    Running => "RUNNING",
    Succeeded => "SUCCEEDED",
    Failed => "FAILED",
    TimedOut => "TIMED_OUT",
    Aborted => "ABORTED",
    PendingRedrive => "PENDING_REDRIVE",
});
