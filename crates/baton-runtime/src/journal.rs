//! The durable record of a Standard execution: each step of the interpreter becomes one store
//! [`Commit`] (its history events, the execution's new frontier and status), made durable
//! before the shell performs any command of that step. The frontier's snapshot holds the
//! pending timers with their due times, so timers need no records of their own.
//!
//! A step runs from one input to the point where every frame waits again, so the deterministic
//! states between two effects share one commit (issue 4: "commit at effect boundaries"). The
//! store groups commits of many executions into one transaction, so one fsync serves them all.
//! Event ids are unique per execution in the store: a step recorded twice is refused whole
//! ([`baton_store::Error::DuplicateEvent`]), which is how each transition is recorded once.
//!
//! Recovery reads every running execution back with [`running`]: its snapshot rebuilds the
//! interpreter's frontier without replaying history, and `Execution::pending_commands` says
//! which timers (at their original due times) and tasks to resume.
//!
//! A step that changes a Map Run (a Distributed Map's child execution started or ended, the
//! run ended) records it too, so that DescribeMapRun reads it from the store.
//!
//! The journal's owner can add its own records to a step's commit through [`TaskEffects`]: the
//! records a task needs while it waits (a queued activity task, its token) are then durable
//! with the step that schedules it, and removed with the step after which it is over. A crash
//! can never leave a scheduled task without them, and a task costs no commit of its own.
//!
//! [`Parking`] lets a run step aside while it only waits for the outside world (see
//! [`crate::run_durable`]).

use std::sync::Arc;
use std::time::Duration;

use baton_core::map_run::MapRunProgress;
use baton_core::{Command, Execution, Millis, Outcome, Start, Step, TaskId, TaskRequest};
use baton_store::{
    Change, Commit, EventRecord, ExecutionRecord, ExecutionStatus, ExecutionUpdate, MapRunRecord,
    PageRequest, PageToken, Redriven, Store,
};

/// How many running executions recovery reads per page.
const RECOVERY_PAGE: usize = 1_000;

/// Why a step could not be made durable, or an execution could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// The store refused or failed the commit; nothing of the step is durable.
    #[error("could not record execution {execution_arn}: {source}")]
    Store { execution_arn: String, source: baton_store::Error },
    /// A stored snapshot cannot be read by this interpreter.
    #[error("could not restore execution {execution_arn}: {source}")]
    Snapshot { execution_arn: String, source: baton_core::Error },
}

/// The records a journal's owner keeps for the tasks an execution waits for, written in the
/// same commit as the steps that schedule and settle them.
pub trait TaskEffects: Send {
    /// Adds to `changes` what must be durable with the step that schedules `request`.
    fn scheduled(&mut self, request: &TaskRequest, changes: &mut Vec<Change>);
    /// Adds to `changes` what goes with the step after which the task that carried `token` is
    /// over (it finished, failed, timed out or was cancelled).
    fn settled(&mut self, token: &str, changes: &mut Vec<Change>);
}

/// When a durable run may step aside: once it has waited [`Parking::idle`] for nothing but
/// signals from outside (activity workers, callbacks, StopExecution) and timers due more than
/// [`Parking::timer_horizon`] from now, it ends with [`crate::Ran::Parked`]. Its store record
/// holds everything; its owner wakes it again with [`crate::Beginning::Wake`] when a signal
/// comes, or shortly before its next timer is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parking {
    pub idle: Duration,
    /// A run whose next timer is due sooner stays, so that the timer fires on time; the owner
    /// wakes a parked run at least this long before its next timer is due.
    pub timer_horizon: Duration,
}

impl Parking {
    /// [`Parking::timer_horizon`] in milliseconds.
    pub fn horizon_millis(&self) -> Millis {
        Millis::try_from(self.timer_horizon.as_millis()).unwrap_or(Millis::MAX)
    }

    /// Whether a timer due at `due` is far enough from `now` for its run to park.
    pub fn is_distant(&self, due: Millis, now: Millis) -> bool {
        due > now.saturating_add(self.horizon_millis())
    }
}

/// Writes one Standard execution's steps to a store.
pub struct Journal {
    store: Arc<dyn Store>,
    execution_arn: String,
    /// Set until the first step is recorded: the execution's row is created with it.
    first: Option<ExecutionRecord>,
    /// Told once the first step is durable (see [`Journal::on_first_recorded`]).
    first_recorded: Option<tokio::sync::oneshot::Sender<()>>,
    effects: Option<Box<dyn TaskEffects>>,
    /// The tasks with a token the execution waited for after the last recorded step, so that
    /// the next step can tell which of them are over.
    tokens: Vec<(TaskId, String)>,
    /// The Map Runs as the last recorded step left them: a step records those it changed.
    map_runs: Vec<MapRunProgress>,
    pub(crate) parking: Option<Parking>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Journal").field("execution_arn", &self.execution_arn).finish()
    }
}

impl Journal {
    /// A journal for a new execution of the state machine revision `revision_id`; its first
    /// recorded step creates the execution's row.
    pub fn new(store: Arc<dyn Store>, start: &Start, revision_id: &str) -> Journal {
        let first = ExecutionRecord {
            arn: start.execution_arn.clone(),
            state_machine_arn: start.state_machine_arn.clone(),
            name: start.execution_name.clone(),
            status: ExecutionStatus::Running,
            start_date_millis: start.at,
            stop_date_millis: None,
            input: start.input.clone(),
            output: None,
            error: None,
            cause: None,
            state_machine_revision_id: revision_id.to_owned(),
            seed: start.seed.as_bytes().to_vec(),
            snapshot: Vec::new(),
            next_event_id: 1,
            redriven: None,
        };
        Journal {
            store,
            execution_arn: start.execution_arn.clone(),
            first: Some(first),
            first_recorded: None,
            effects: None,
            tokens: Vec::new(),
            map_runs: Vec::new(),
            parking: None,
        }
    }

    /// Writes `effects`' records with the steps that schedule and settle tasks.
    pub fn with_effects(mut self, effects: Box<dyn TaskEffects>) -> Journal {
        self.effects = Some(effects);
        self
    }

    /// Lets the run step aside when it only waits for the outside world (see [`Parking`]).
    pub fn with_parking(mut self, parking: Parking) -> Journal {
        self.parking = Some(parking);
        self
    }

    /// Takes the tasks a resumed or woken execution waits for as those of its last step.
    pub(crate) fn continue_from(&mut self, execution: &Execution) {
        self.tokens = tokens_of(execution);
    }

    /// Sends on `recorded` once the first step (which creates the execution's row) is
    /// durable, so that the starter can answer only when the execution can be read back
    /// (StartExecution, then DescribeExecution at once). If the run ends before that (the
    /// interpreter refused the start, or the store refused the commit), `recorded` is dropped
    /// unsent.
    pub fn on_first_recorded(mut self, recorded: tokio::sync::oneshot::Sender<()>) -> Journal {
        self.first_recorded = Some(recorded);
        self
    }

    /// A journal for an execution read back by [`running`].
    pub fn resumed(store: Arc<dyn Store>, execution_arn: &str) -> Journal {
        Journal {
            store,
            execution_arn: execution_arn.to_owned(),
            first: None,
            first_recorded: None,
            effects: None,
            tokens: Vec::new(),
            map_runs: Vec::new(),
            parking: None,
        }
    }

    /// Makes `step` durable: resolves once the store acknowledged it (after its fsync).
    pub async fn record(&mut self, execution: &Execution, step: &Step) -> Result<(), JournalError> {
        let (commit, tokens, map_runs_changed) = self.commit_for(execution, step);
        let (sender, receiver) = tokio::sync::oneshot::channel();
        self.store.submit(
            commit,
            Box::new(move |result| {
                // Runs on the store's writer thread: hand the result over and return.
                let _ = sender.send(result);
            }),
        );
        let result = receiver.await.unwrap_or(Err(baton_store::Error::Closed));
        result.map_err(|source| JournalError::Store {
            execution_arn: self.execution_arn.clone(),
            source,
        })?;
        self.first = None;
        self.tokens = tokens;
        if map_runs_changed {
            self.map_runs = execution.map_runs().to_vec();
        }
        if let Some(recorded) = self.first_recorded.take() {
            // A starter that stopped waiting changes nothing: the step is durable.
            let _ = recorded.send(());
        }
        Ok(())
    }

    /// The commit of one step (the execution's row with its snapshot, its new events, the Map
    /// Runs it changed, its tasks' effects), the tokens of the tasks it then waits for, and
    /// whether it changed a Map Run.
    fn commit_for(
        &mut self,
        execution: &Execution,
        step: &Step,
    ) -> (Commit, Vec<(TaskId, String)>, bool) {
        let arn = &self.execution_arn;
        let mut changes = Vec::with_capacity(step.events.len() + step.commands.len() + 1);
        let (status, output, error, cause) = status(execution.outcome());
        let stop_date_millis =
            execution.outcome().and(step.events.last().map(|event| event.timestamp));
        // A succeeded execution is never resumed, woken or redriven, so it keeps no frontier
        // (the rest of its row and its history stay): finished executions are most of a long-
        // lived file. One that failed, timed out or was aborted keeps its last frontier.
        let snapshot = match execution.outcome() {
            Some(Outcome::Succeeded { .. }) => Vec::new(),
            _ => execution.snapshot(),
        };
        let next_event_id = execution.events_count() + 1;
        let redriven =
            execution.redriven().map(|(count, date_millis)| Redriven { count, date_millis });
        match &self.first {
            Some(first) => changes.push(Change::StartExecution(ExecutionRecord {
                status,
                stop_date_millis,
                output,
                error,
                cause,
                snapshot,
                next_event_id,
                redriven,
                ..first.clone()
            })),
            None => changes.push(Change::UpdateExecution(ExecutionUpdate {
                arn: arn.clone(),
                status,
                stop_date_millis,
                output,
                error,
                cause,
                snapshot,
                next_event_id,
                redriven,
            })),
        }
        for event in &step.events {
            let body = event.to_json();
            changes.push(Change::AppendEvent(EventRecord {
                execution_arn: arn.clone(),
                event_id: event.id,
                r#type: body["type"].as_str().unwrap_or_default().to_owned(),
                timestamp_millis: event.timestamp,
                body: body.to_string(),
            }));
        }
        for command in &step.commands {
            match command {
                Command::RunTask(request) => {
                    if let Some(effects) = &mut self.effects {
                        effects.scheduled(request, &mut changes);
                    }
                }
                // Timers live in the snapshot (its pending timers with their due times), which
                // recovery and the owner's parking read; settled tasks are found below; the
                // end is the status.
                Command::StartTimer { .. }
                | Command::CancelTimer { .. }
                | Command::CancelTask { .. }
                | Command::Finish(_) => {}
            }
        }
        let mut map_runs_changed = false;
        for (index, progress) in execution.map_runs().iter().enumerate() {
            if self.map_runs.get(index) != Some(progress) {
                map_runs_changed = true;
                changes.push(Change::PutMapRun(MapRunRecord {
                    arn: progress.arn.clone(),
                    execution_arn: arn.clone(),
                    start_date_millis: progress.started_at,
                    progress: serde_json::to_string(progress).unwrap_or_default(),
                }));
            }
        }
        let tokens = tokens_of(execution);
        if let Some(effects) = &mut self.effects {
            for (task, token) in &self.tokens {
                if !tokens.iter().any(|(open, _)| open == task) {
                    effects.settled(token, &mut changes);
                }
            }
        }
        (Commit::new(changes), tokens, map_runs_changed)
    }
}

/// The tasks with a token that `execution` waits for.
fn tokens_of(execution: &Execution) -> Vec<(TaskId, String)> {
    execution
        .pending_tasks()
        .filter_map(|request| Some((request.task, request.token.clone()?)))
        .collect()
}

/// The store's status and outcome fields for an execution's outcome so far.
fn status(
    outcome: Option<&Outcome>,
) -> (ExecutionStatus, Option<String>, Option<String>, Option<String>) {
    match outcome {
        None => (ExecutionStatus::Running, None, None, None),
        Some(Outcome::Succeeded { output }) => {
            (ExecutionStatus::Succeeded, Some(output.clone()), None, None)
        }
        Some(Outcome::Failed { error, cause }) => {
            (ExecutionStatus::Failed, None, error.clone(), cause.clone())
        }
        Some(Outcome::TimedOut { error, cause }) => {
            (ExecutionStatus::TimedOut, None, error.clone(), cause.clone())
        }
        Some(Outcome::Aborted { error, cause }) => {
            (ExecutionStatus::Aborted, None, error.clone(), cause.clone())
        }
    }
}

/// A running execution read back: its record, and the execution rebuilt from its snapshot.
pub type ReadBack = (ExecutionRecord, Execution);

/// Every running execution in the store, rebuilt from its snapshot, with its record.
pub fn running(store: &dyn Store) -> Result<Vec<ReadBack>, JournalError> {
    let mut resumed = Vec::new();
    let mut after = None;
    loop {
        let (found, next) = running_page(store, after)?;
        resumed.extend(found);
        match next {
            Some(token) => after = Some(token),
            None => return Ok(resumed),
        }
    }
}

/// One page of [`running`], after `after` (from the start when `None`), and the token of the
/// next page, if any: recovery of many executions holds one page of snapshots in memory at a
/// time.
pub fn running_page(
    store: &dyn Store,
    after: Option<PageToken>,
) -> Result<(Vec<ReadBack>, Option<PageToken>), JournalError> {
    let request = match after {
        Some(token) => PageRequest::after(token, RECOVERY_PAGE),
        None => PageRequest::first(RECOVERY_PAGE),
    };
    let found = store.running_executions(&request).map_err(|source| JournalError::Store {
        execution_arn: "(listing running executions)".to_owned(),
        source,
    })?;
    let mut resumed = Vec::with_capacity(found.items.len());
    for record in found.items {
        let execution = Execution::from_snapshot(&record.snapshot).map_err(|source| {
            JournalError::Snapshot { execution_arn: record.arn.clone(), source }
        })?;
        resumed.push((record, execution));
    }
    Ok((resumed, found.next))
}
