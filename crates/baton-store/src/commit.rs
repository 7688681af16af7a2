//! The unit of writing: a [`Commit`] is everything one execution step (or one API mutation)
//! changes, applied in one transaction or not at all.

use serde::{Deserialize, Serialize};

use crate::record::{
    ActivityRecord, ActivityTaskRecord, EventRecord, ExecutionRecord, ExecutionSourceRecord,
    ExecutionUpdate, MapRunRecord, StateMachineAliasRecord, StateMachineRecord,
    StateMachineRevisionRecord, StateMachineVersionRecord, Tags, TaskTokenRecord,
};

/// Changes that a store applies atomically, in order: either every change takes effect, or
/// the commit fails with the first change that could not apply and nothing changes.
///
/// Build one per execution step: the execution's update with its new snapshot, the events
/// the step appended, and the timers, activity tasks and task tokens it set or removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commit {
    /// Applied in this order.
    pub changes: Vec<Change>,
}

impl Commit {
    /// A commit of the given changes.
    pub fn new(changes: Vec<Change>) -> Self {
        Self { changes }
    }

    /// Adds one change at the end.
    pub fn push(&mut self, change: Change) {
        self.changes.push(change);
    }
}

/// One change. Creating something that exists and changing something that does not exist
/// fail the commit; removing something absent does nothing, because a runtime that retries a
/// step after a restart may remove the same timer or token twice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Change {
    /// Fails with [`Error::AlreadyExists`](crate::Error::AlreadyExists) if the ARN exists.
    CreateStateMachine(StateMachineRecord),
    /// Replaces every field but the ARN, the creation date and the tags. Fails with
    /// [`Error::NotFound`](crate::Error::NotFound) if the ARN does not exist.
    UpdateStateMachine(StateMachineRecord),
    /// Keeps a superseded revision of a state machine, which stays until the machine is
    /// deleted. Keeping a revision id the machine holds already replaces it (a revision never
    /// changes, so it is the same data). Fails with
    /// [`Error::NotFound`](crate::Error::NotFound) if the machine does not exist.
    KeepStateMachineRevision(StateMachineRevisionRecord),
    /// Removes the machine, its tags, its kept revisions, its versions (and their numbering)
    /// and its aliases; its executions stay. Fails if it does not exist.
    DeleteStateMachine {
        /// Which machine.
        arn: String,
    },
    /// Publishes a version. Fails with [`Error::NotFound`](crate::Error::NotFound) if the
    /// machine does not exist, and with [`Error::AlreadyExists`](crate::Error::AlreadyExists)
    /// ([`Entity::StateMachineVersion`](crate::Entity::StateMachineVersion)) unless its number
    /// is one more than [`Store::latest_version_number`](crate::Store::latest_version_number),
    /// so two racing publishers cannot take the same number.
    PublishStateMachineVersion(StateMachineVersionRecord),
    /// Removes a version; does nothing if it is gone. Fails with
    /// [`Error::InUse`](crate::Error::InUse) while an alias routes to it. Its revision stays
    /// kept: executions started on it may still run it.
    DeleteStateMachineVersion {
        /// Which version.
        arn: String,
    },
    /// Creates an alias. Fails if the ARN exists, or with
    /// [`Error::NotFound`](crate::Error::NotFound) if its machine or a version it routes to
    /// does not exist.
    CreateStateMachineAlias(StateMachineAliasRecord),
    /// Replaces an alias's description, routing and update date (not its creation date).
    /// Fails if the alias or a version it routes to does not exist.
    UpdateStateMachineAlias(StateMachineAliasRecord),
    /// Removes an alias; does nothing if it is gone.
    DeleteStateMachineAlias {
        /// Which alias.
        arn: String,
    },
    /// Records (or replaces) what an execution was started on. The execution need not be
    /// stored yet: the source is written before the execution's first step, so that a
    /// DescribeExecution right after StartExecution shows it.
    RecordExecutionSource(ExecutionSourceRecord),
    /// Fails if the ARN exists.
    CreateActivity(ActivityRecord),
    /// Removes the activity and its tags; queued tasks stay for the runtime to fail.
    /// Fails if it does not exist.
    DeleteActivity {
        /// Which activity.
        arn: String,
    },
    /// Adds or overwrites tags on a state machine or an activity. Fails if neither exists.
    TagResource {
        /// A state machine's or an activity's ARN.
        arn: String,
        /// Tags to add; a key already present takes the new value.
        tags: Tags,
    },
    /// Removes tag keys (absent keys are ignored). Fails if the resource does not exist.
    UntagResource {
        /// A state machine's or an activity's ARN.
        arn: String,
        /// Keys to remove.
        keys: Vec<String>,
    },
    /// Inserts a new execution. Fails if the ARN exists, or if its state machine already has
    /// an execution of that name ([`Entity::ExecutionName`](crate::Entity::ExecutionName)),
    /// so two racing `StartExecution` calls cannot both start it.
    StartExecution(ExecutionRecord),
    /// Changes a running execution's status, outcome, snapshot and next event id. Fails if
    /// the execution does not exist.
    UpdateExecution(ExecutionUpdate),
    /// Appends one history event. Fails with
    /// [`Error::DuplicateEvent`](crate::Error::DuplicateEvent) if the id exists.
    AppendEvent(EventRecord),
    /// Records a Map Run as it is now, replacing what was recorded of it.
    PutMapRun(MapRunRecord),
    /// Puts a task in its activity's queue. Fails if the token exists.
    EnqueueActivityTask(ActivityTaskRecord),
    /// Removes a task, claimed or not; does nothing if it is gone.
    RemoveActivityTask {
        /// Which task.
        task_token: String,
    },
    /// Records what a task token completes. Fails if the token exists.
    AddTaskToken(TaskTokenRecord),
    /// Forgets a task token; does nothing if it is unknown.
    RemoveTaskToken {
        /// Which token.
        token: String,
    },
}

impl Change {
    /// Whether this change touches a state machine's or an activity's record (their tags
    /// included), which [`CachedCatalog`](crate::cached::CachedCatalog) keeps in memory.
    pub fn changes_catalog(&self) -> bool {
        match self {
            Change::CreateStateMachine(_)
            | Change::UpdateStateMachine(_)
            | Change::DeleteStateMachine { .. }
            | Change::CreateActivity(_)
            | Change::DeleteActivity { .. }
            | Change::TagResource { .. }
            | Change::UntagResource { .. } => true,
            Change::KeepStateMachineRevision(_)
            | Change::PublishStateMachineVersion(_)
            | Change::DeleteStateMachineVersion { .. }
            | Change::CreateStateMachineAlias(_)
            | Change::UpdateStateMachineAlias(_)
            | Change::DeleteStateMachineAlias { .. }
            | Change::RecordExecutionSource(_)
            | Change::StartExecution(_)
            | Change::UpdateExecution(_)
            | Change::AppendEvent(_)
            | Change::PutMapRun(_)
            | Change::EnqueueActivityTask(_)
            | Change::RemoveActivityTask { .. }
            | Change::AddTaskToken(_)
            | Change::RemoveTaskToken { .. } => false,
        }
    }
}
