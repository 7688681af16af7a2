//! The runs of Standard executions: starting one, parking one that only waits for the outside
//! world, waking it again, redriving one that failed, timed out or was aborted, recovering
//! them all after a restart, and recording the ending of a run the interpreter could not
//! finish.
//!
//! A run is [`baton_runtime::run_durable`] with a [`Journal`] that writes each step, together
//! with the records of the activity tasks and task tokens the step schedules or settles
//! ([`tasks::Effects`]). While it runs, [`crate::live`] keeps its [`Remote`] for
//! StopExecution and the workers' signals. Once it has waited [`PARKING`]'s idle time for
//! nothing but workers, callbacks and timers more than a second away, it parks: the run ends,
//! memory keeps only its next timer's due time, and the store keeps the rest. [`remote_for`]
//! wakes it from the store when a signal comes, and [`wake_parked_timers`] shortly before its
//! next timer is due. So a hundred thousand executions waiting for workers cost their store
//! rows, not a hundred thousand tasks in memory (issue 4, W6).

use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::oneshot;

use baton_asl::model::Resource;
use baton_core::event::Failure;
use baton_core::{Event, EventKind, Execution, Millis, Start};
use baton_runtime::remote::{Rejected, Signal};
use baton_runtime::{Beginning, Journal, Mailbox, Parking, Ran, Remote};
use baton_store::{
    Change, EventRecord, ExecutionFilter, ExecutionRecord, ExecutionStatus, ExecutionUpdate,
    PageRequest, StateMachineRecord, StateMachineStatus,
};

use super::{commit, executions, nested, parsed_machine, tasks};
use crate::live::{Parsed, Running};
use crate::{Error, Handle, Inner};

/// When a run parks: after this long waiting only for signals and for timers due more than
/// the horizon from now. Short, so that executions parked on an idle activity cost no memory
/// (a burst of starts keeps only the last 50 ms of them in memory), and long enough that an
/// activity answered at once is not read back from the store between its steps.
pub(crate) const PARKING: Parking =
    Parking { idle: Duration::from_millis(50), timer_horizon: Duration::from_secs(1) };

/// How often a signal is sent again when its execution parked just as it was sent.
const SIGNAL_ATTEMPTS_MAX: usize = 8;

/// How long, and how many times, a redrive waits for the run that ended its execution to
/// leave memory (it does right after its ending is durable).
const ENDING_RUN_WAIT: Duration = Duration::from_millis(2);
const ENDING_RUN_WAITS_MAX: usize = 500;

/// The error of an execution the shell could not run to its end.
const RUNTIME_ERROR: &str = baton_asl::error_match::RUNTIME;

/// Whether StartExecution starts a new execution or names one that runs already.
pub(super) enum Registered {
    Existing { start_date_millis: Millis },
    New { mailbox: Mailbox },
}

/// Registers a new Standard execution as running, unless its name is taken: the same name and
/// input while it runs is the same execution (idempotency); anything else is
/// `ExecutionAlreadyExists`. The lock on the running executions is held across the store's
/// check, so two racing starts of one name cannot both begin.
pub(super) fn register(handle: &Handle, start: &Start) -> Result<Registered, Error> {
    let arn = &start.execution_arn;
    let mut running = handle.live().running();
    // A run whose ending is durable may not have left memory yet: the store decides then.
    let in_memory = running.executions.get(arn).filter(|_| {
        !matches!(handle.store().execution(arn), Ok(Some(stored)) if stored.status != ExecutionStatus::Running)
    });
    let existing = match in_memory {
        Some(execution) => {
            Some((true, execution.input == start.input, execution.start_date_millis))
        }
        // Parked, ended, or never started.
        None => handle
            .store()
            .execution_by_name(&start.state_machine_arn, &start.execution_name)?
            .map(|stored| {
                let running = stored.status == ExecutionStatus::Running;
                (running, stored.input == start.input, stored.start_date_millis)
            }),
    };
    match existing {
        Some((true, true, start_date_millis)) => Ok(Registered::Existing { start_date_millis }),
        Some(_) => Err(Error::ExecutionAlreadyExists(arn.clone())),
        None => {
            let mailbox = enlist(handle, &mut running, arn, &start.input, start.at);
            Ok(Registered::New { mailbox })
        }
    }
}

/// Adds an execution that runs in memory to `running` and returns the mailbox its run takes.
fn enlist(
    handle: &Handle,
    running: &mut Running,
    arn: &str,
    input: &str,
    start_date_millis: Millis,
) -> Mailbox {
    let (remote, mailbox) = baton_runtime::mailbox(tasks::outside(handle.clone(), arn.to_owned()));
    let execution = crate::live::Execution {
        remote,
        input: input.to_owned(),
        start_date_millis,
        work: None,
        tokens: Vec::new(),
    };
    running.executions.insert(arn.to_owned(), execution);
    mailbox
}

/// The journal of a run: its steps, with its tasks' records, parking when idle.
pub(super) fn journal(handle: &Handle, journal: Journal, execution_arn: &str) -> Journal {
    journal
        .with_effects(Box::new(tasks::Effects::new(handle.clone(), execution_arn.to_owned())))
        .with_parking(PARKING)
}

/// What a Standard execution's run needs besides where it begins.
pub(super) struct Run {
    pub(super) machine: Arc<Parsed>,
    pub(super) journal: Journal,
    pub(super) mailbox: Mailbox,
}

/// What the end of a run needs to know about its execution.
pub(super) struct Identity {
    pub(super) arn: String,
    pub(super) state_machine_arn: String,
    /// For a new execution, its start and revision: if the run fails before its first step is
    /// recorded, the failure creates the execution's row.
    pub(super) unrecorded: Option<(Start, String)>,
}

/// Spawns the run of an enlisted execution and keeps its task with it in `running`, so that
/// shutdown can stop it.
fn spawn_in(
    handle: &Handle,
    running: &mut Running,
    beginning: Beginning,
    run: Run,
    identity: Identity,
) {
    let arn = identity.arn.clone();
    let work = tokio::spawn(execute(handle.clone(), beginning, run, identity));
    if let Some(execution) = running.executions.get_mut(&arn) {
        execution.work = Some(work);
    }
}

/// [`spawn_in`] for a caller that does not hold the lock on the running executions.
pub(super) fn spawn(handle: &Handle, beginning: Beginning, run: Run, identity: Identity) {
    let mut running = handle.live().running();
    spawn_in(handle, &mut running, beginning, run, identity);
}

/// Runs a Standard execution until it ends, parks, or its store fails, then forgets it.
async fn execute(handle: Handle, beginning: Beginning, run: Run, identity: Identity) {
    let Run { machine, journal, mailbox } = run;
    let runner = nested::runner(&handle, &identity.arn, Some(&beginning));
    let result = baton_runtime::run_durable(
        Arc::clone(&machine.machine),
        beginning,
        runner,
        executions::run_options(),
        Some(mailbox),
        journal,
    )
    .await;
    match result {
        // The journal recorded the ending with the last step.
        Ok(Ran::Ended(_)) => {}
        Ok(Ran::Parked(parked)) => {
            // Signals stop finding the old run first; those already on their way to it come
            // back as `Ended` once `parked` is dropped, and their senders wake the execution.
            handle.live().remove_execution(&identity.arn);
            if let Some(due) = parked.next_timer_due {
                park_timer(&handle, due, identity.arn);
            }
            drop(parked);
            return;
        }
        // The store refused a step, so nothing of it happened: the execution stays RUNNING in
        // the store and resumes from its last durable step at the next start.
        Err(baton_runtime::Error::Durability { reason }) => {
            eprintln!(
                "baton-api: execution {} paused until the next start: {reason}",
                identity.arn
            );
        }
        // The shell could not run the execution to its end (a feature Baton does not run yet,
        // for example), so the history gets the ending the interpreter could not give it, and
        // clients that follow the history see the execution end.
        Err(error) => {
            if let Err(error) = record_failure(&handle, &identity, error.to_string()).await {
                eprintln!("baton-api: cannot record the failure of {}: {error}", identity.arn);
            }
        }
    }
    handle.live().remove_execution(&identity.arn);
    handle.live().announce_ended(&identity.arn);
    finish_deleting(&handle, &identity.state_machine_arn).await;
}

/// The [`Remote`] of the running execution `arn`: the one of its run in memory, or a new one
/// after waking it from the store if it is parked. `None` when it is not running (or the
/// server is closing).
pub(super) fn remote_for(handle: &Handle, arn: &str) -> Result<Option<Remote>, Error> {
    let mut running = handle.live().running();
    if let Some(execution) = running.executions.get(arn) {
        return Ok(Some(execution.remote.clone()));
    }
    if handle.live().is_closing() {
        return Ok(None);
    }
    // Read under the lock: a run of this execution can only begin or park while it is held,
    // so the snapshot read here is its last one.
    let Some(record) = handle.store().execution(arn)? else { return Ok(None) };
    if record.status != ExecutionStatus::Running {
        return Ok(None);
    }
    let execution = Execution::from_snapshot(&record.snapshot)
        .map_err(|error| Error::Internal(format!("cannot wake execution {arn}: {error}")))?;
    let machine = machine_of(handle, &record)
        .map_err(|cause| Error::Internal(format!("cannot wake execution {arn}: {cause}")))?;
    if let Some(due) = execution.next_timer_due() {
        handle.live().parked_timers().remove(&(due, arn.to_owned()));
    }
    let mailbox = enlist(handle, &mut running, arn, &record.input, record.start_date_millis);
    let remote = running.executions.get(arn).map(|execution| execution.remote.clone());
    let journal = journal(handle, Journal::resumed(Arc::clone(&handle.inner.store), arn), arn);
    let identity = Identity {
        arn: arn.to_owned(),
        state_machine_arn: record.state_machine_arn.clone(),
        unrecorded: None,
    };
    let run = Run { machine, journal, mailbox };
    spawn_in(handle, &mut running, Beginning::Wake(Box::new(execution)), run, identity);
    Ok(remote)
}

/// What [`redrive`] did.
pub(super) enum Redrive {
    /// It began a redrive; the receiver completes once the redrive's first step is durable,
    /// and is dropped unsent if the run ends before that.
    Begun(oneshot::Receiver<()>),
    /// The client token made an earlier redrive, at this date: nothing more was done.
    Repeated(Millis),
}

/// Redrives the execution `arn` at `at` (RedriveExecution), unless `redrivable` says it cannot
/// be redriven or `token` made an earlier redrive. Its run is registered under the lock on
/// the running executions, as a new run is, so two redrives (or a redrive and a signal that
/// would wake it) cannot both begin; the token is looked up and remembered under that lock
/// too, so a repeat sent while the first is under way is a repeat.
pub(super) async fn redrive(
    handle: &Handle,
    arn: &str,
    at: Millis,
    token: Option<&str>,
    redrivable: impl Fn(&ExecutionRecord) -> Result<(), Error>,
) -> Result<Redrive, Error> {
    for _ in 0..ENDING_RUN_WAITS_MAX {
        {
            let mut running = handle.live().running();
            if handle.live().is_closing() {
                return Err(Error::Internal("the server is shutting down".to_owned()));
            }
            if let Some(token) = token
                && let Some(redriven) = handle.live().redrive_of_token(arn, token, at)
            {
                return Ok(Redrive::Repeated(redriven));
            }
            let record = handle
                .store()
                .execution(arn)?
                .ok_or_else(|| Error::ExecutionDoesNotExist(arn.to_owned()))?;
            redrivable(&record)?;
            // A run whose ending is durable leaves memory just after: wait for it below.
            if !running.executions.contains_key(arn) {
                let recorded = begin_redrive(handle, &mut running, &record, at)?;
                if let Some(token) = token {
                    handle.live().remember_redrive_token(arn, token, at);
                }
                return Ok(Redrive::Begun(recorded));
            }
        }
        tokio::time::sleep(ENDING_RUN_WAIT).await;
    }
    Err(Error::Internal(format!("the last run of execution {arn} has not left memory yet")))
}

/// [`redrive`], under the lock, for a redrivable record.
fn begin_redrive(
    handle: &Handle,
    running: &mut Running,
    record: &ExecutionRecord,
    at: Millis,
) -> Result<oneshot::Receiver<()>, Error> {
    let arn = &record.arn;
    let execution = Execution::from_snapshot(&record.snapshot)
        .map_err(|error| Error::Internal(format!("cannot redrive execution {arn}: {error}")))?;
    let machine = machine_of(handle, record)
        .map_err(|cause| Error::Internal(format!("cannot redrive execution {arn}: {cause}")))?;
    let mailbox = enlist(handle, running, arn, &record.input, record.start_date_millis);
    let (recorded_sender, recorded) = oneshot::channel();
    let resumed = Journal::resumed(Arc::clone(&handle.inner.store), arn);
    let journal = journal(handle, resumed.on_first_recorded(recorded_sender), arn);
    let identity = Identity {
        arn: arn.clone(),
        state_machine_arn: record.state_machine_arn.clone(),
        unrecorded: None,
    };
    let run = Run { machine, journal, mailbox };
    let beginning = Beginning::Redrive { execution: Box::new(execution), at };
    spawn_in(handle, running, beginning, run, identity);
    Ok(recorded)
}

/// Sends `signal` to the running execution `arn`, waking it if it is parked, and returns its
/// answer: [`Rejected::Ended`] when it is not running.
pub(super) async fn signal(
    handle: &Handle,
    arn: &str,
    signal: Signal,
) -> Result<Result<(), Rejected>, Error> {
    for _ in 0..SIGNAL_ATTEMPTS_MAX {
        let Some(remote) = remote_for(handle, arn)? else { return Ok(Err(Rejected::Ended)) };
        match remote.send(signal.clone()).await {
            // It ended, or it parked with the signal unread: look again.
            Err(Rejected::Ended) => {}
            answer => return Ok(answer),
        }
    }
    Ok(Err(Rejected::Ended))
}

/// Remembers a parked execution's next timer, and starts the task that wakes parked
/// executions before their timers if it is not running yet.
fn park_timer(handle: &Handle, due: Millis, arn: String) {
    handle.live().park_timer(due, arn);
    if handle.live().start_timer_waker() {
        tokio::spawn(wake_parked_timers(Arc::downgrade(&handle.inner)));
    }
}

/// Wakes each parked execution [`PARKING`]'s horizon before its next timer is due, so that the
/// timer fires in memory at its due time. Ends with the service.
async fn wake_parked_timers(service: Weak<Inner>) {
    let horizon = PARKING.horizon_millis();
    loop {
        let Some(inner) = service.upgrade() else { return };
        let handle = Handle { inner };
        let now = baton_runtime::now_millis();
        let due: Vec<String> = {
            let mut timers = handle.live().parked_timers();
            let mut due = Vec::new();
            while let Some((at, _)) = timers.first()
                && *at <= now.saturating_add(horizon)
            {
                if let Some((_, arn)) = timers.pop_first() {
                    due.push(arn);
                }
            }
            due
        };
        for arn in due {
            // An execution woken meanwhile by a signal, or ended, needs nothing.
            if let Err(error) = remote_for(&handle, &arn) {
                eprintln!("baton-api: cannot wake execution {arn} for its timer: {error}");
            }
        }
        let next = handle.live().parked_timers().first().map(|(at, _)| at - horizon);
        let wait = next.map(|at| {
            Duration::from_millis(u64::try_from(at - baton_runtime::now_millis()).unwrap_or(0))
        });
        let live = async {
            let changed = handle.live().parked_timers_changed();
            match wait {
                Some(wait) => {
                    let _ = tokio::time::timeout(wait, changed).await;
                }
                None => changed.await,
            }
        };
        tokio::select! {
            () = live => {}
            () = handle.live().closed() => return,
        }
    }
}

/// The parsed machine revision an execution runs, or why it cannot be loaded.
fn machine_of(handle: &Handle, record: &ExecutionRecord) -> Result<Arc<Parsed>, String> {
    let (machine_arn, revision_id) = (&record.state_machine_arn, &record.state_machine_revision_id);
    match super::machines::revision(handle, machine_arn, revision_id) {
        Ok(Some(machine)) => parsed_machine(handle, &machine).map_err(|error| error.to_string()),
        Ok(None) => {
            Err(format!("The state machine {machine_arn} (revision {revision_id}) does not exist."))
        }
        Err(error) => Err(error.to_string()),
    }
}

/// Records that an execution failed with `States.Runtime` and `cause`: appends
/// `ExecutionFailed` to a running execution's history, or creates the row and history of one
/// whose start the interpreter refused.
async fn record_failure(
    handle: &Handle,
    identity: &Identity,
    cause: String,
) -> Result<(), baton_store::Error> {
    let stopped = baton_runtime::now_millis();
    let error = Some(RUNTIME_ERROR.to_owned());
    let failed = |id: u64| Event {
        id,
        previous_event_id: id - 1,
        timestamp: stopped,
        kind: EventKind::ExecutionFailed(Failure {
            error: error.clone(),
            cause: Some(cause.clone()),
        }),
    };
    let arn = &identity.arn;
    let changes = match handle.store().execution(arn)? {
        Some(record) if record.status != ExecutionStatus::Running => return Ok(()),
        Some(record) => vec![
            Change::UpdateExecution(ExecutionUpdate {
                arn: arn.clone(),
                status: ExecutionStatus::Failed,
                stop_date_millis: Some(stopped),
                output: None,
                error: error.clone(),
                cause: Some(cause.clone()),
                // The frontier is the one before the runtime gave up, which no redrive can
                // continue: an empty snapshot marks the execution as not redrivable.
                snapshot: Vec::new(),
                next_event_id: record.next_event_id + 1,
                redriven: record.redriven,
            }),
            Change::AppendEvent(event_record(arn, &failed(record.next_event_id))),
        ],
        None => {
            let Some((start, revision_id)) = &identity.unrecorded else { return Ok(()) };
            let started = Event {
                id: 1,
                previous_event_id: 0,
                timestamp: start.at,
                kind: EventKind::ExecutionStarted {
                    input: start.input.clone(),
                    role_arn: start.role_arn.clone(),
                },
            };
            let record = ExecutionRecord {
                arn: arn.clone(),
                state_machine_arn: start.state_machine_arn.clone(),
                name: start.execution_name.clone(),
                status: ExecutionStatus::Failed,
                start_date_millis: start.at,
                stop_date_millis: Some(stopped),
                input: start.input.clone(),
                output: None,
                error: error.clone(),
                cause: Some(cause.clone()),
                state_machine_revision_id: revision_id.clone(),
                seed: start.seed.as_bytes().to_vec(),
                snapshot: Vec::new(),
                next_event_id: 3,
                redriven: None,
            };
            vec![
                Change::StartExecution(record),
                Change::AppendEvent(event_record(arn, &started)),
                Change::AppendEvent(event_record(arn, &failed(2))),
            ]
        }
    };
    commit(handle, changes).await
}

/// The store's record of a history event the API, not the interpreter, writes.
fn event_record(execution_arn: &str, event: &Event) -> EventRecord {
    let body = event.to_json();
    EventRecord {
        execution_arn: execution_arn.to_owned(),
        event_id: event.id,
        r#type: body["type"].as_str().unwrap_or_default().to_owned(),
        timestamp_millis: event.timestamp,
        body: body.to_string(),
    }
}

/// Whether any execution of the machine is running, by the store.
pub(super) fn has_running(handle: &Handle, state_machine_arn: &str) -> Result<bool, Error> {
    let filter = ExecutionFilter {
        state_machine_arn: state_machine_arn.to_owned(),
        status: Some(ExecutionStatus::Running),
        redriven: None,
    };
    Ok(!handle.store().list_executions(&filter, &PageRequest::first(1))?.items.is_empty())
}

/// Deletes a machine that DeleteStateMachine left `DELETING` once its last execution ended.
async fn finish_deleting(handle: &Handle, state_machine_arn: &str) {
    let deleting = matches!(
        handle.store().state_machine(state_machine_arn),
        Ok(Some(StateMachineRecord { status: StateMachineStatus::Deleting, .. }))
    );
    if !deleting || has_running(handle, state_machine_arn).unwrap_or(true) {
        return;
    }
    handle.live().forget_machine(state_machine_arn);
    let delete = baton_store::Change::DeleteStateMachine { arn: state_machine_arn.to_owned() };
    // Gone already (another execution's end deleted it) or a failing store: a later
    // DeleteStateMachine tries again.
    let _ = commit(handle, vec![delete]).await;
}

/// Continues every execution the store holds as running and returns how many. One that waits
/// only for activity workers and distant timers stays parked (its queued tasks are in the
/// store with the step that scheduled them); the others resume, and their running tasks and
/// callback requests run again.
pub(crate) async fn recover(handle: &Handle) -> Result<usize, Error> {
    let mut count = 0;
    let mut after = None;
    loop {
        let store = Arc::clone(&handle.inner.store);
        // A page of snapshots is many reads: off the runtime.
        let (found, next) =
            tokio::task::spawn_blocking(move || baton_runtime::running_page(store.as_ref(), after))
                .await
                .map_err(|error| Error::Internal(format!("reading running executions: {error}")))?
                .map_err(|error| Error::Internal(error.to_string()))?;
        for (record, execution) in found {
            if recover_one(handle, record, execution).await? {
                count += 1;
            }
        }
        match next {
            Some(token) => after = Some(token),
            None => return Ok(count),
        }
    }
}

/// Parks or resumes one execution read back after a restart; `false` when its state machine
/// is gone and it failed instead.
async fn recover_one(
    handle: &Handle,
    record: ExecutionRecord,
    execution: Execution,
) -> Result<bool, Error> {
    let waits_for_workers_only = execution
        .pending_tasks()
        .all(|request| matches!(request.resource, Resource::Activity { .. }));
    let next_timer_due = execution.next_timer_due();
    let distant = |due: Millis| PARKING.is_distant(due, baton_runtime::now_millis());
    if waits_for_workers_only && next_timer_due.is_none_or(distant) {
        if let Some(due) = next_timer_due {
            park_timer(handle, due, record.arn);
        }
        return Ok(true);
    }
    let identity = Identity {
        arn: record.arn.clone(),
        state_machine_arn: record.state_machine_arn.clone(),
        unrecorded: None,
    };
    // The revision the execution started on, which an update since then did not change.
    let machine = match machine_of(handle, &record) {
        Ok(parsed) => parsed,
        Err(cause) => {
            record_failure(handle, &identity, cause).await?;
            return Ok(false);
        }
    };
    let mut running = handle.live().running();
    let mailbox =
        enlist(handle, &mut running, &record.arn, &record.input, record.start_date_millis);
    let resumed = Journal::resumed(Arc::clone(&handle.inner.store), &record.arn);
    let run = Run { machine, journal: journal(handle, resumed, &record.arn), mailbox };
    spawn_in(handle, &mut running, Beginning::Resume(Box::new(execution)), run, identity);
    Ok(true)
}
