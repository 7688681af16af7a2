//! Store errors. Each says what it concerns (which ARN, which key, which constraint), so that
//! the API can map it to AWS's error once and the runtime can tell a lost race from a broken
//! disk.

use std::sync::Arc;

/// What went wrong in a store. `Clone`, because one failed transaction fails every commit
/// that was grouped into it and each submitter gets its own copy.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// A create collided with a key or a unique constraint.
    #[error("{entity} {key} already exists")]
    AlreadyExists {
        /// Which constraint.
        entity: Entity,
        /// The colliding key, such as the ARN.
        key: String,
    },
    /// A change or a read named something that does not exist.
    #[error("{entity} {key} does not exist")]
    NotFound {
        /// What was looked for.
        entity: Entity,
        /// Its key.
        key: String,
    },
    /// A delete refused because other records still name what it would delete (a version
    /// an alias routes to).
    #[error("{entity} {key} is still used by {}", users.join(", "))]
    InUse {
        /// What was to be deleted.
        entity: Entity,
        /// Its key.
        key: String,
        /// The keys of the records that name it.
        users: Vec<String>,
    },
    /// A history event with this id is already stored: the transition was already recorded,
    /// so the whole commit was refused.
    #[error("history event {event_id} of execution {execution_arn} already exists")]
    DuplicateEvent {
        /// Whose history.
        execution_arn: String,
        /// The id that was appended twice.
        event_id: u64,
    },
    /// A page token that this store did not hand out, or for another listing.
    #[error("invalid page token {token:?}")]
    InvalidPageToken {
        /// The token as given.
        token: String,
    },
    /// The database was written by a newer Baton; opening it could corrupt it.
    #[error(
        "{location} has schema version {found}, newer than the {supported} this Baton supports; \
         upgrade Baton to open it"
    )]
    SchemaTooNew {
        /// The database (a file path, a connection string without secrets).
        location: String,
        /// The version found.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// The store's options are unusable (such as a batch of zero commits).
    #[error("invalid store options: {reason}")]
    InvalidOptions {
        /// What is wrong with them.
        reason: String,
    },
    /// The store was shut down; the commit was not applied.
    #[error("the store is shut down")]
    Closed,
    /// The backend itself failed (IO, disk full, a corrupt file). The commit was not applied.
    #[error("{context}: {source}")]
    Backend {
        /// What the store was doing.
        context: String,
        /// The backend's error.
        source: Arc<dyn std::error::Error + Send + Sync>,
    },
}

/// What a key or a constraint belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entity {
    /// A state machine, by ARN.
    StateMachine,
    /// An activity, by ARN.
    Activity,
    /// A state machine or an activity, by ARN (tag changes name either).
    Resource,
    /// An execution, by ARN.
    Execution,
    /// An execution, by state machine ARN and name (`StartExecution` idempotency).
    ExecutionName,
    /// An activity task, by task token.
    ActivityTask,
    /// A task token.
    TaskToken,
    /// A state machine version, by ARN, or by machine and number.
    StateMachineVersion,
    /// A state machine alias, by ARN.
    StateMachineAlias,
}

impl std::fmt::Display for Entity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::StateMachine => "state machine",
            Self::Activity => "activity",
            Self::Resource => "resource",
            Self::Execution => "execution",
            Self::ExecutionName => "execution name",
            Self::ActivityTask => "activity task",
            Self::TaskToken => "task token",
            Self::StateMachineVersion => "state machine version",
            Self::StateMachineAlias => "state machine alias",
        })
    }
}

impl Error {
    /// A backend failure with what the store was doing.
    pub fn backend(
        context: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Backend { context: context.into(), source: Arc::new(source) }
    }
}
