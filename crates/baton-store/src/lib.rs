//! Storage for Baton: the [`Store`] trait every backend implements, the records it holds, the
//! [`Commit`] that changes them atomically, an in-memory store ([`memory::MemoryStore`]) for
//! Express-only setups and tests, and the [`conformance`] suite every backend must pass
//! (STYLE S5).
//!
//! The traits are written so that both SQLite and PostgreSQL can implement them: keys,
//! unique constraints, ordered listings with seek pagination, and transactions. Nothing here
//! depends on an async runtime.
//!
//! # Reads and writes
//!
//! Reads are synchronous methods; they are short indexed lookups, so a tokio runtime may call
//! them directly or from `spawn_blocking` when it reads many pages (recovery).
//!
//! Writes are *submitted*: [`Store::submit`] takes a [`Commit`] and a [`Callback`] and returns
//! at once. The backend may group the commit with others into one transaction (one fsync for
//! many executions) and calls the callback once the commit is durable, or with the error that
//! refused it. A refused commit changed nothing, and other commits in the same group are not
//! affected. [`Store::commit`] is the blocking form for synchronous callers and tests.
//!
//! From tokio, bridge the callback to a oneshot channel, so that no thread blocks while the
//! commit waits for its group's fsync:
//!
//! ```
//! use baton_store::{Change, Commit, Store, memory::MemoryStore};
//!
//! async fn commit_async(store: &dyn Store, commit: Commit) -> Result<(), baton_store::Error> {
//!     let (sender, receiver) = tokio::sync::oneshot::channel();
//!     store.submit(commit, Box::new(move |result| {
//!         // Runs on the store's writer thread: hand the result over and return.
//!         let _ = sender.send(result);
//!     }));
//!     // A dropped callback means the store went away: report it as closed.
//!     receiver.await.unwrap_or(Err(baton_store::Error::Closed))
//! }
//!
//! # let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
//! # runtime.block_on(async {
//! let store = MemoryStore::new();
//! let commit = Commit::new(vec![Change::RemoveTaskToken { token: "AAAA".to_owned() }]);
//! commit_async(&store, commit).await.unwrap();
//! # });
//! ```
//!
//! Activity tasks are handed out with [`Store::submit_claim`] (or the blocking
//! [`Store::claim_next`]): a claim is a write, so it is durable before the worker sees the
//! task, and each task goes to exactly one claimer.
//!
//! # Errors
//!
//! [`Error::AlreadyExists`], [`Error::NotFound`] and [`Error::DuplicateEvent`] refuse one
//! commit and say which constraint; the runtime treats `DuplicateEvent` as "this step was
//! already recorded". [`Error::Backend`] means the storage itself failed and nothing in that
//! commit is durable; [`Error::Closed`] means the store was shut down.

#![warn(missing_docs)]

pub mod cached;
pub mod commit;
pub mod completion;
pub mod conformance;
pub mod error;
pub mod memory;
pub mod page;
pub mod record;

pub use crate::cached::CachedCatalog;
pub use crate::commit::{Change, Commit};
pub use crate::completion::{Callback, Completion, completion};
pub use crate::error::{Entity, Error};
pub use crate::page::{Order, Page, PageRequest, PageToken};
pub use crate::record::{
    ActivityRecord, ActivityTaskRecord, AliasRoute, Claim, EventRecord, ExecutionRecord,
    ExecutionSourceRecord, ExecutionStatus, ExecutionUpdate, MapRunRecord, Redriven,
    StateMachineAliasRecord, StateMachineRecord, StateMachineRevisionRecord, StateMachineStatus,
    StateMachineType, StateMachineVersionRecord, Tags, TaskTokenRecord,
};

/// Which activity's queue to take a task from, for whom, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRequest {
    /// The activity whose queue to take from.
    pub activity_arn: String,
    /// Recorded on the task as its claimer.
    pub worker_name: String,
    /// Epoch milliseconds, recorded as the claim time.
    pub now_millis: i64,
}

/// Which executions of a state machine to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutionFilter {
    /// The machine whose executions to list.
    pub state_machine_arn: String,
    /// Only executions with this status, or all.
    pub status: Option<ExecutionStatus>,
    /// Only executions that were redriven (`true`) or never were (`false`), or all.
    pub redriven: Option<bool>,
}

/// A store of state machines, activities and durable executions. Every method may be called
/// from many threads at once.
pub trait Store: Send + Sync {
    /// Submits a commit. `done` is called exactly once: with `Ok` after the whole commit is
    /// durable, or with the error that refused it, in which case nothing of it was applied.
    ///
    /// Commits apply in the order they were submitted, and a refused commit does not stop
    /// the ones after it: submit an execution's next step only after its previous step was
    /// acknowledged. Once `done` has seen `Ok`, every read sees the commit.
    ///
    /// `done` runs on the store's writer thread (or, for the in-memory store, in the caller's
    /// thread): it must only hand the result over. A backend may block `submit` briefly when
    /// its queue is full (backpressure).
    fn submit(&self, commit: Commit, done: Callback<()>);

    /// Submits a claim: the oldest unclaimed task of the activity (by enqueue time, then
    /// token) is marked as claimed by the worker and handed to `done`, or `None` when the
    /// queue has no unclaimed task. Each task is handed to exactly one claim.
    fn submit_claim(&self, claim: ClaimRequest, done: Callback<Option<ActivityTaskRecord>>);

    /// A state machine by ARN.
    fn state_machine(&self, arn: &str) -> Result<Option<StateMachineRecord>, Error>;

    /// A revision of a state machine that an update replaced and
    /// [`Change::KeepStateMachineRevision`] kept; the current revision is the machine's record.
    fn state_machine_revision(
        &self,
        state_machine_arn: &str,
        revision_id: &str,
    ) -> Result<Option<StateMachineRevisionRecord>, Error>;

    /// State machines in creation order (then by ARN).
    fn list_state_machines(&self, page: &PageRequest) -> Result<Page<StateMachineRecord>, Error>;

    /// An activity by ARN.
    fn activity(&self, arn: &str) -> Result<Option<ActivityRecord>, Error>;

    /// Activities in creation order (then by ARN).
    fn list_activities(&self, page: &PageRequest) -> Result<Page<ActivityRecord>, Error>;

    /// An execution by ARN.
    fn execution(&self, arn: &str) -> Result<Option<ExecutionRecord>, Error>;

    /// An execution by its state machine and name (`StartExecution` idempotency).
    fn execution_by_name(
        &self,
        state_machine_arn: &str,
        name: &str,
    ) -> Result<Option<ExecutionRecord>, Error>;

    /// A state machine's executions, newest start date first (then by ARN, descending).
    fn list_executions(
        &self,
        filter: &ExecutionFilter,
        page: &PageRequest,
    ) -> Result<Page<ExecutionRecord>, Error>;

    /// The executions started on a version (directly or through an alias), newest start date
    /// first (then by ARN, descending), as [`Store::list_executions`] lists a machine's, with
    /// the same meaning of `status` and `redriven` as in [`ExecutionFilter`].
    fn list_version_executions(
        &self,
        version_arn: &str,
        status: Option<ExecutionStatus>,
        redriven: Option<bool>,
        page: &PageRequest,
    ) -> Result<Page<ExecutionRecord>, Error>;

    /// What an execution was started on, when that was a version or an alias.
    fn execution_source(&self, execution_arn: &str)
    -> Result<Option<ExecutionSourceRecord>, Error>;

    /// A state machine version by ARN.
    fn state_machine_version(&self, arn: &str) -> Result<Option<StateMachineVersionRecord>, Error>;

    /// A machine's versions, newest (highest number) first.
    fn list_state_machine_versions(
        &self,
        state_machine_arn: &str,
        page: &PageRequest,
    ) -> Result<Page<StateMachineVersionRecord>, Error>;

    /// The highest version number the machine ever published (deleted versions count), or 0.
    fn latest_version_number(&self, state_machine_arn: &str) -> Result<u64, Error>;

    /// A state machine alias by ARN.
    fn state_machine_alias(&self, arn: &str) -> Result<Option<StateMachineAliasRecord>, Error>;

    /// A machine's aliases in creation order (then by ARN).
    fn list_state_machine_aliases(
        &self,
        state_machine_arn: &str,
        page: &PageRequest,
    ) -> Result<Page<StateMachineAliasRecord>, Error>;

    /// A Map Run by ARN.
    fn map_run(&self, arn: &str) -> Result<Option<MapRunRecord>, Error>;

    /// An execution's Map Runs, newest start date first (then by ARN, descending).
    fn list_map_runs(
        &self,
        execution_arn: &str,
        page: &PageRequest,
    ) -> Result<Page<MapRunRecord>, Error>;

    /// Every `RUNNING` execution with its snapshot, by ARN: what recovery resumes.
    fn running_executions(&self, page: &PageRequest) -> Result<Page<ExecutionRecord>, Error>;

    /// An execution's history events by id, oldest or newest first.
    fn history(
        &self,
        execution_arn: &str,
        order: Order,
        page: &PageRequest,
    ) -> Result<Page<EventRecord>, Error>;

    /// An activity task by token, claimed or not.
    fn activity_task(&self, task_token: &str) -> Result<Option<ActivityTaskRecord>, Error>;

    /// What a task token completes.
    fn task_token(&self, token: &str) -> Result<Option<TaskTokenRecord>, Error>;

    /// Submits a commit and blocks until it is durable or refused.
    fn commit(&self, commit: Commit) -> Result<(), Error> {
        let (callback, completion) = completion();
        self.submit(commit, callback);
        completion.wait()
    }

    /// Claims the next task of an activity's queue, blocking until the claim is durable.
    fn claim_next(
        &self,
        activity_arn: &str,
        worker_name: &str,
        now_millis: i64,
    ) -> Result<Option<ActivityTaskRecord>, Error> {
        let (callback, completion) = completion();
        let claim = ClaimRequest {
            activity_arn: activity_arn.to_owned(),
            worker_name: worker_name.to_owned(),
            now_millis,
        };
        self.submit_claim(claim, callback);
        completion.wait()
    }
}
