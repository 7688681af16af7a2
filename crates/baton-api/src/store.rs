//! The server's state, in memory: state machines and executions keyed by ARN.
//!
//! Nothing here survives a restart. The durable store (SQLite) replaces this in the next step
//! of issue 4; until then a Standard execution is only as durable as the process.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use tokio::task::AbortHandle;

use baton_asl::StateMachine;
use baton_core::{Event, Millis, WorkflowType};

/// Everything the server knows.
#[derive(Default)]
pub(crate) struct Store {
    /// State machines by ARN, and their ARNs in creation order for listing.
    pub(crate) machines: HashMap<String, Machine>,
    pub(crate) machine_order: Vec<String>,
    /// Executions by ARN, and their ARNs in start order for listing.
    pub(crate) executions: HashMap<String, Execution>,
    pub(crate) execution_order: Vec<String>,
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
    /// Stops the tokio task that runs the execution; `None` once it has ended.
    pub(crate) abort: Option<AbortHandle>,
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
