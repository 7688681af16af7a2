//! The server's state, in memory: state machines, executions and activities keyed by ARN, the
//! activities' task queues, and the task tokens handed out.
//!
//! Nothing here survives a restart. The durable store (SQLite) replaces this in the next step
//! of issue 4; until then a Standard execution is only as durable as the process.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use tokio::sync::{Notify, watch};

use baton_asl::StateMachine;
use baton_core::{Event, Millis, TaskId, WorkflowType};
use baton_runtime::Remote;

/// Everything the server knows.
#[derive(Default)]
pub(crate) struct Store {
    /// State machines by ARN, and their ARNs in creation order for listing.
    pub(crate) machines: HashMap<String, Machine>,
    pub(crate) machine_order: Vec<String>,
    /// Executions by ARN, and their ARNs in start order for listing.
    pub(crate) executions: HashMap<String, Execution>,
    pub(crate) execution_order: Vec<String>,
    /// Activities by ARN, and their ARNs in creation order for listing.
    pub(crate) activities: HashMap<String, Activity>,
    pub(crate) activity_order: Vec<String>,
    /// The task each token completes. Tokens stay after their task ends, so that a late
    /// SendTask* is answered `TaskTimedOut` rather than `InvalidToken`, as AWS does.
    pub(crate) tokens: HashMap<String, TaskRef>,
}

/// A state machine as CreateStateMachine stored it.
pub(crate) struct Machine {
    pub(crate) arn: String,
    pub(crate) name: String,
    pub(crate) definition: String,
    pub(crate) role_arn: String,
    pub(crate) workflow_type: WorkflowType,
    pub(crate) created: Millis,
    pub(crate) machine: Arc<StateMachine>,
    /// The variables each state reads, worked out once from `machine` for Describe* answers.
    pub(crate) variable_references: BTreeMap<String, Vec<String>>,
}

/// One execution: its identity, its history so far, and how it ended.
pub(crate) struct Execution {
    pub(crate) arn: String,
    pub(crate) name: String,
    pub(crate) machine_arn: String,
    pub(crate) input: String,
    pub(crate) role_arn: String,
    pub(crate) started: Millis,
    pub(crate) status: Status,
    pub(crate) events: Vec<Event>,
    /// Reaches the running execution (StopExecution, workers, callbacks); `None` once it has
    /// ended.
    pub(crate) remote: Option<Remote>,
    /// Becomes `true` once `status` holds the execution's ending.
    pub(crate) ended: watch::Receiver<bool>,
}

/// An activity as CreateActivity stored it, with the tasks that wait for a worker.
pub(crate) struct Activity {
    pub(crate) arn: String,
    pub(crate) name: String,
    pub(crate) created: Millis,
    /// Scheduled tasks in the order they arrived; GetActivityTask takes the oldest.
    pub(crate) queue: VecDeque<Queued>,
    /// Wakes pollers when a task arrives.
    pub(crate) arrived: Arc<Notify>,
}

/// An activity task waiting for a worker.
pub(crate) struct Queued {
    pub(crate) token: String,
    /// The task's input as JSON text, as GetActivityTask returns it.
    pub(crate) input: String,
    pub(crate) task: TaskRef,
}

/// Which task of which execution a token completes.
#[derive(Clone)]
pub(crate) struct TaskRef {
    pub(crate) execution_arn: String,
    pub(crate) task: TaskId,
}

/// Where an execution is.
pub(crate) enum Status {
    Running,
    Ended {
        status: &'static str,
        stopped: Millis,
        output: Option<String>,
        error: Option<String>,
        cause: Option<String>,
    },
}

impl Status {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Status::Running => "RUNNING",
            Status::Ended { status, .. } => status,
        }
    }
}
