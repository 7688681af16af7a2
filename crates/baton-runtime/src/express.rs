//! Express executions in memory: the loop that alternates between the interpreter's decisions
//! and the outside world's answers.
//!
//! Each turn applies one input to the interpreter (synchronously, STYLE A4), then performs the
//! commands it returned: tasks are spawned on tokio, timers are remembered, cancellations abort.
//! Then it waits for the next thing to happen (a task's result, the earliest timer, or a signal
//! from the execution's owner) and turns that into the next input. The shell keeps the set of
//! tasks the interpreter still waits for (its *open* tasks), so that results of tasks cancelled
//! meanwhile are dropped and late signals are rejected to their senders: the interpreter never
//! sees an input for a task it no longer knows.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::task::{Poll, Waker};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::{AbortHandle, JoinError, JoinSet};

use baton_asl::StateMachine;
use baton_asl::model::{IntegrationPattern, Resource};
use baton_core::{Command, Input, Millis, Outcome, Step, TaskId, TaskRequest, TimerId};
use baton_integrations::{TaskError, TaskFuture, TaskResult, TaskRunner};

use crate::journal::{Journal, JournalError, Parking};
use crate::remote::{Letter, Mailbox, Outside, Rejected, Signal};
use crate::watchdog::Watch;
use crate::{Clock, Error, Options, RunResult, now_millis};

/// The error a task fails with when its runner panicked.
const RUNNER_PANICKED: &str = "Baton.RunnerPanicked";

/// Runs one Express execution of `machine` to its end, with `runner` doing the Task states'
/// work. Nothing outside can reach it: activity tasks need a runner that claims them.
pub async fn run_express(
    machine: Arc<StateMachine>,
    start: baton_core::Start,
    runner: Arc<dyn TaskRunner>,
    options: Options,
) -> Result<RunResult, Error> {
    run(machine, start, runner, options, None).await
}

/// [`run_express`] for an execution its owner controls through the [`Remote`] paired with
/// `mailbox` (see [`crate::remote`]): it can be stopped, activity tasks that no runner claims
/// go to the owner's [`Outside`] hook and wait for a worker's signals, and `.waitForTaskToken`
/// tasks wait for a callback's signal after their request went out (the request's own answer
/// is ignored, as in AWS; only its failure fails the task).
///
/// [`Remote`]: crate::Remote
pub async fn run_controlled(
    machine: Arc<StateMachine>,
    start: baton_core::Start,
    runner: Arc<dyn TaskRunner>,
    options: Options,
    mailbox: Mailbox,
) -> Result<RunResult, Error> {
    run(machine, start, runner, options, Some(mailbox)).await
}

/// Where a durable run begins.
#[derive(Debug)]
pub enum Beginning {
    /// A new execution.
    Start(baton_core::Start),
    /// An execution read back from its store after a restart (see [`crate::running`]): its
    /// pending timers fire at their original due times (at once when overdue) and its pending
    /// tasks run again.
    Resume(Box<baton_core::Execution>),
    /// An execution read back from its store after it parked ([`Ran::Parked`]): like
    /// [`Beginning::Resume`], except that the requests of its `.waitForTaskToken` tasks are
    /// not sent again (they went out before it parked); their tokens go to the owner's
    /// [`Outside`] hook again, as its activity tasks do.
    Wake(Box<baton_core::Execution>),
    /// An execution that failed, timed out or was aborted, read back from its store, redriven
    /// at `at` (RedriveExecution): it runs again from where it stopped. Its journal is a
    /// resumed one ([`Journal::resumed`]); the redrive is its first recorded step.
    Redrive { execution: Box<baton_core::Execution>, at: Millis },
}

/// How a durable run ended.
#[derive(Debug)]
pub enum Ran {
    /// The execution is over; its ending is durable.
    Ended(RunResult),
    /// The execution waits only for the outside world and stepped aside (see
    /// [`crate::Parking`]): its last step is durable, nothing of it runs any more.
    Parked(Parked),
}

/// A parked run's remains. Signals sent through its [`Remote`](crate::Remote) until this is
/// dropped wait here unread; once it is dropped they come back as
/// [`Rejected::Ended`](crate::remote::Rejected::Ended), and the owner should then wake the
/// execution and send them again. So the owner stops routing signals to the old remote first,
/// then drops this.
pub struct Parked {
    /// The due time of the execution's earliest timer: wake it before then.
    pub next_timer_due: Option<Millis>,
    _signals: Option<mpsc::Receiver<Letter>>,
}

impl std::fmt::Debug for Parked {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Parked").field("next_timer_due", &self.next_timer_due).finish()
    }
}

/// Runs a Standard execution durably: every step is recorded by `journal` (its events, its
/// frontier, its timers) and acknowledged by the store before any of the step's commands is
/// performed. If the process dies, [`crate::running`] reads the execution back and
/// [`Beginning::Resume`] continues it from its last durable step; each transition is recorded
/// exactly once. `mailbox` lets the owner signal it, as in [`run_controlled`]. With
/// [`Journal::with_parking`], a run that only waits for signals and distant timers ends early
/// with [`Ran::Parked`], and [`Beginning::Wake`] continues it.
pub async fn run_durable(
    machine: Arc<StateMachine>,
    beginning: Beginning,
    runner: Arc<dyn TaskRunner>,
    options: Options,
    mailbox: Option<Mailbox>,
    journal: Journal,
) -> Result<Ran, Error> {
    run_from(machine, beginning, runner, options, mailbox, Some(journal)).await
}

async fn run(
    machine: Arc<StateMachine>,
    start: baton_core::Start,
    runner: Arc<dyn TaskRunner>,
    options: Options,
    mailbox: Option<Mailbox>,
) -> Result<RunResult, Error> {
    match run_from(machine, Beginning::Start(start), runner, options, mailbox, None).await? {
        Ran::Ended(result) => Ok(result),
        // Only a journal with parking parks.
        Ran::Parked(_) => Err(Error::Stalled),
    }
}

async fn run_from(
    machine: Arc<StateMachine>,
    beginning: Beginning,
    runner: Arc<dyn TaskRunner>,
    options: Options,
    mailbox: Option<Mailbox>,
    mut journal: Option<Journal>,
) -> Result<Ran, Error> {
    let budget = options.evaluation_budget;
    let parking = journal.as_ref().and_then(|journal| journal.parking);
    let waking = matches!(beginning, Beginning::Wake(_));
    let (mut shell, mut execution, first, resumed) = match beginning {
        Beginning::Start(mut start) => {
            // The interpreter skips building events nobody will see; a journal keeps them all.
            start.record_history =
                options.record_history || options.progress.is_some() || journal.is_some();
            let shell = Shell::new(runner, options, start.at, mailbox);
            let watch = Watch::needed(&machine, budget);
            let (execution, first) =
                baton_core::start_guarded(&machine, start, watch.as_ref().map(Watch::token))?;
            drop(watch);
            (shell, execution, first, false)
        }
        Beginning::Resume(execution) | Beginning::Wake(execution) => {
            let mut shell = Shell::new(runner, options, now_millis(), mailbox);
            shell.waking = waking;
            let pending = Step { events: Vec::new(), commands: execution.pending_commands() };
            (shell, *execution, pending, true)
        }
        Beginning::Redrive { execution, at } => {
            let mut execution = *execution;
            let shell = Shell::new(runner, options, at, mailbox);
            let watch = Watch::needed(&machine, budget);
            execution.guard_evaluations(watch.as_ref().map(Watch::token));
            let first = baton_core::step(&machine, &mut execution, Input::Redrive { at })?;
            drop(watch);
            (shell, execution, first, false)
        }
    };
    if let Some(journal) = &mut journal {
        if resumed {
            journal.continue_from(&execution);
        } else {
            journal.record(&execution, &first).await.map_err(durability)?;
        }
    }
    shell.perform(first);
    shell.waking = false;
    shell.parking = parking;
    loop {
        if let Some(outcome) = shell.outcome.take() {
            // Dropping the shell aborts whatever still runs (tasks of branches nobody awaits)
            // and closes the mailbox, so later signals are rejected as `Ended`.
            return Ok(Ran::Ended(RunResult { outcome, events: shell.events }));
        }
        shell.new_turn();
        // Most inputs are owed already (a handler that finished in place, an activity's
        // start): taking them needs no future, whose state is large to set up for each step.
        let input = match shell.owed_input() {
            Some(input) => input,
            None => match shell.next_input(execution.next_timer_due()).await? {
                Next::Input(input) => input,
                Next::Park => {
                    let next_timer_due = execution.next_timer_due();
                    let signals = shell.signals.take();
                    return Ok(Ran::Parked(Parked { next_timer_due, _signals: signals }));
                }
            },
        };
        let watch = Watch::needed(&machine, budget);
        execution.guard_evaluations(watch.as_ref().map(Watch::token));
        let step = baton_core::step(&machine, &mut execution, input)?;
        drop(watch);
        if let Some(journal) = &mut journal {
            journal.record(&execution, &step).await.map_err(durability)?;
            shell.new_turn();
        }
        shell.perform(step);
    }
}

/// What the shell is doing for one execution.
struct Shell {
    runner: Arc<dyn TaskRunner>,
    options: Options,
    /// The virtual clock's time; unused with [`Clock::Real`].
    virtual_now: Millis,
    /// The real clock's reading for this turn of the loop, taken by the turn's first input or
    /// task start. A turn does not wait (only a journal's commit does, after which it is read
    /// again), so a task's result and the start of the task its step issues carry the same
    /// millisecond: one clock read per task instead of two (6 % of an in-process run).
    turn_now: Option<Millis>,
    /// The work of running tasks; each returns its task and result.
    work: JoinSet<(TaskId, TaskResult)>,
    /// The tasks the interpreter waits for: from their `RunTask` until their result is applied
    /// or they are cancelled. This map and the two below are small and touched several times
    /// per task: ordered maps of integers, which need no hashing (SipHash was 5 % of an
    /// in-process run).
    open: BTreeMap<TaskId, OpenTask>,
    /// Which task each spawned future works for, so that a panic still names its task.
    spawned: BTreeMap<tokio::task::Id, TaskId>,
    /// Whether work is polled once in place before it is spawned (see [`poll_in_place`]).
    in_place: bool,
    /// Results of work that was done when first polled, in the order it started; they count
    /// as results of the work set, after the inputs in `queued`.
    done: VecDeque<(TaskId, TaskResult)>,
    /// Pending timers in due order, and each timer's due time for cancelling it.
    timers: BTreeSet<(Millis, TimerId)>,
    timer_dues: BTreeMap<TimerId, Millis>,
    /// Inputs the shell owes the interpreter before anything else happens.
    queued: VecDeque<Input>,
    /// Signals from the execution's owner; `None` without a mailbox, or once every remote is
    /// gone.
    signals: Option<mpsc::Receiver<Letter>>,
    /// The owner's hook for tasks whose result comes from outside; `None` without a mailbox.
    outside: Option<Outside>,
    events: Vec<baton_core::Event>,
    outcome: Option<Outcome>,
    /// Set while a woken execution's pending tasks are opened again: their callback requests
    /// went out before it parked.
    waking: bool,
    /// When the run may step aside; `None` for runs without a journal that parks.
    parking: Option<Parking>,
}

/// What the shell does next.
enum Next {
    /// Apply this input.
    Input(Input),
    /// Step aside: the run only waits for the outside world (see [`Parking`]).
    Park,
}

/// A task the interpreter waits for.
struct OpenTask {
    /// Its runner's work, while that runs.
    work: Option<AbortHandle>,
    /// Its result arrives as a signal; its work, if any, only sends the request.
    from_outside: bool,
    /// A worker took it: its `TaskStarted` is applied or queued.
    started: bool,
}

impl Shell {
    fn new(
        runner: Arc<dyn TaskRunner>,
        options: Options,
        at: Millis,
        mailbox: Option<Mailbox>,
    ) -> Shell {
        let (signals, outside) = match mailbox {
            Some(Mailbox { receiver, outside }) => (Some(receiver), Some(outside)),
            None => (None, None),
        };
        Shell {
            runner,
            options,
            virtual_now: at,
            turn_now: None,
            work: JoinSet::new(),
            open: BTreeMap::new(),
            spawned: BTreeMap::new(),
            // On a current-thread runtime a spawned task runs on this thread, to its first
            // await, before the shell waits again: running it to there in place changes
            // nothing but the cost. On other runtimes it may run beside the shell (a CPU-bound
            // handler in each of several branches), so it is spawned at once.
            in_place: tokio::runtime::Handle::current().runtime_flavor()
                == tokio::runtime::RuntimeFlavor::CurrentThread,
            done: VecDeque::new(),
            timers: BTreeSet::new(),
            timer_dues: BTreeMap::new(),
            queued: VecDeque::new(),
            signals,
            outside,
            events: Vec::new(),
            outcome: None,
            waking: false,
            parking: None,
        }
    }

    fn now(&mut self) -> Millis {
        match self.options.clock {
            Clock::Real => *self.turn_now.get_or_insert_with(now_millis),
            Clock::Virtual => self.virtual_now,
        }
    }

    /// Forgets the turn's clock reading: the shell is about to wait, or has waited.
    fn new_turn(&mut self) {
        self.turn_now = None;
    }

    /// Reports and keeps the step's events, then performs its commands in order.
    fn perform(&mut self, step: Step) {
        for event in step.events {
            if let Some(progress) = &mut self.options.progress {
                progress(&event);
            }
            if self.options.record_history {
                self.events.push(event);
            }
        }
        for command in step.commands {
            match command {
                Command::RunTask(request) => self.run_task(&request),
                Command::CancelTask { task } => {
                    if let Some(OpenTask { work: Some(work), .. }) = self.open.remove(&task) {
                        work.abort();
                    }
                }
                Command::StartTimer { timer, due } => {
                    self.timers.insert((due, timer));
                    self.timer_dues.insert(timer, due);
                }
                Command::CancelTimer { timer } => {
                    if let Some(due) = self.timer_dues.remove(&timer) {
                        self.timers.remove(&(due, timer));
                    }
                }
                Command::Finish(outcome) => self.outcome = Some(outcome),
            }
        }
    }

    /// Starts a task's work, or hands the task to the owner when its result comes from outside.
    fn run_task(&mut self, request: &TaskRequest) {
        let task = request.task;
        let activity = matches!(request.resource, Resource::Activity { .. });
        let callback = matches!(
            request.resource,
            Resource::Integration { pattern: IntegrationPattern::WaitForTaskToken, .. }
        );
        let mut open = OpenTask { work: None, from_outside: false, started: false };
        let work = match (self.outside.as_mut(), callback) {
            // The owner learns the token before the request that carries it goes out.
            (Some(outside), true) => match outside(request) {
                Ok(()) => {
                    open.from_outside = true;
                    // A woken execution's request went out before it parked.
                    (!self.waking).then(|| {
                        baton_integrations::run(self.runner.as_ref(), &request_call(request))
                    })
                }
                Err(error) => Some(failing(error)),
            },
            _ => match self.runner.start(request) {
                Some(work) => {
                    // An activity waits in its queue until a worker takes it, which AWS
                    // records as ActivityStarted; a runner that claims it is that worker.
                    if activity {
                        open.started = true;
                        let at = self.now();
                        self.queued.push_back(Input::TaskStarted { task, worker_name: None, at });
                    }
                    Some(work)
                }
                None => match self.outside.as_mut() {
                    Some(outside) if activity => match outside(request) {
                        Ok(()) => {
                            open.from_outside = true;
                            None
                        }
                        Err(error) => Some(failing(error)),
                    },
                    _ => Some(failing(baton_integrations::unsupported(request))),
                },
            },
        };
        if let Some(mut work) = work {
            match self.in_place.then(|| poll_in_place(&mut work)).flatten() {
                Some(result) => self.done.push_back((task, result)),
                None => {
                    let handle = self.work.spawn(async move { (task, work.await) });
                    self.spawned.insert(handle.id(), task);
                    open.work = Some(handle);
                }
            }
        }
        self.open.insert(task, open);
    }

    /// Waits for the next task result, due timer or signal, or says to park once the run has
    /// waited long enough for nothing but the outside world (`next_timer_due` is the
    /// execution's earliest timer).
    async fn next_input(&mut self, next_timer_due: Option<Millis>) -> Result<Next, Error> {
        loop {
            // Each pass may wait below; what it reads from the clock afterwards is fresh.
            self.new_turn();
            if let Some(input) = self.owed_input() {
                return Ok(Next::Input(input));
            }
            // A task that waits for a signal counts as running: the virtual clock stands still
            // while it waits, as it does while a runner works.
            let awaiting_signal = self.signals.is_some()
                && self.open.values().any(|open| open.from_outside && open.work.is_none());
            let busy = !self.work.is_empty() || awaiting_signal;
            if !busy && self.timers.is_empty() {
                return Err(Error::Stalled);
            }
            if self.options.clock == Clock::Virtual && !busy {
                return self.fire_first_timer().map(Next::Input).ok_or(Error::Stalled);
            }
            let park_after = self.park_after(next_timer_due);
            let until_due = match self.options.clock {
                Clock::Real => self.timers.first().map(|(due, _)| {
                    let wait = due.saturating_sub(now_millis()).max(0);
                    Duration::from_millis(u64::try_from(wait).unwrap_or(0))
                }),
                Clock::Virtual => None,
            };
            let timer = async {
                match until_due {
                    Some(wait) => tokio::time::sleep(wait).await,
                    None => std::future::pending().await,
                }
            };
            let idle = async {
                match park_after {
                    Some(wait) => tokio::time::sleep(wait).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                // Results first: a task that finished before its timeout is not late.
                biased;
                Some(joined) = self.work.join_next_with_id(), if !self.work.is_empty() => {
                    if let Some(input) =
                        self.joined(joined).and_then(|(task, result)| self.task_input(task, result))
                    {
                        return Ok(Next::Input(input));
                    }
                }
                letter = next_letter(self.signals.as_mut()) => match letter {
                    Some(letter) => {
                        if let Some(input) = self.signal(letter) {
                            return Ok(Next::Input(input));
                        }
                    }
                    // Nobody can send a signal any more.
                    None => self.signals = None,
                },
                () = timer => {
                    if let Some(input) = self.fire_first_timer() {
                        return Ok(Next::Input(input));
                    }
                }
                () = idle => return Ok(Next::Park),
            }
        }
    }

    /// The next input the shell owes the interpreter without waiting: a queued one, then the
    /// result of work that was done when first polled.
    fn owed_input(&mut self) -> Option<Input> {
        while let Some(input) = self.queued.pop_front() {
            // A task cancelled since its input was queued is no longer the interpreter's
            // concern.
            let live = match &input {
                Input::TaskStarted { task, .. } => self.open.contains_key(task),
                _ => true,
            };
            if live {
                return Some(input);
            }
        }
        while let Some((task, result)) = self.done.pop_front() {
            if let Some(input) = self.task_input(task, result) {
                return Some(input);
            }
        }
        None
    }

    /// How long the run waits before it parks, or `None` while it may not: it must have a
    /// journal that parks, a real clock, no work of its own running, and no timer due within
    /// the horizon (its owner wakes it that long before the next one).
    fn park_after(&self, next_timer_due: Option<Millis>) -> Option<Duration> {
        let parking = self.parking?;
        let only_outside = self.work.is_empty()
            && self.signals.is_some()
            && self.open.values().all(|open| open.from_outside && open.work.is_none());
        if self.options.clock != Clock::Real || !only_outside {
            return None;
        }
        match next_timer_due {
            Some(due) if !parking.is_distant(due, now_millis()) => None,
            _ => Some(parking.idle),
        }
    }

    /// Fires the earliest timer, if any; the virtual clock jumps to its due time.
    fn fire_first_timer(&mut self) -> Option<Input> {
        let (due, timer) = self.timers.pop_first()?;
        self.timer_dues.remove(&timer);
        self.virtual_now = self.virtual_now.max(due);
        Some(Input::TimerFired { timer, at: self.now() })
    }

    /// The task and result of a piece of spawned work, or `None` when it was aborted.
    fn joined(
        &mut self,
        joined: Result<(tokio::task::Id, (TaskId, TaskResult)), JoinError>,
    ) -> Option<(TaskId, TaskResult)> {
        match joined {
            Ok((id, (task, result))) => {
                self.spawned.remove(&id);
                Some((task, result))
            }
            Err(error) => {
                let task = self.spawned.remove(&error.id())?;
                if error.is_cancelled() {
                    return None;
                }
                Some((task, Err(panicked(&error))))
            }
        }
    }

    /// The input for a finished piece of work, or `None` when its task was cancelled or its
    /// result comes from outside.
    fn task_input(&mut self, task: TaskId, result: TaskResult) -> Option<Input> {
        let open = self.open.get_mut(&task)?;
        open.work = None;
        // The request went out; the task's result is the signal that answers it, and AWS
        // ignores what the request itself returned.
        if open.from_outside && result.is_ok() {
            return None;
        }
        self.open.remove(&task);
        let at = self.now();
        Some(match result {
            Ok(output) => Input::TaskSucceeded { task, output, at },
            Err(error) => Input::TaskFailed { task, error: error.error, cause: error.cause, at },
        })
    }

    /// Answers a signal and returns the input it becomes, or `None` when it was rejected.
    fn signal(&mut self, letter: Letter) -> Option<Input> {
        let Letter { signal, reply } = letter;
        let at = self.now();
        let (answer, input) = match self.accept(signal, at) {
            Ok(input) => (Ok(()), Some(input)),
            Err(rejected) => (Err(rejected), None),
        };
        // A sender that stopped waiting changes nothing: the signal was valid when it came.
        let _ = reply.send(answer);
        input
    }

    /// The input a signal becomes, if the interpreter still waits for its task.
    fn accept(&mut self, signal: Signal, at: Millis) -> Result<Input, Rejected> {
        match signal {
            Signal::Stop { error, cause } => Ok(Input::Stop { error, cause, at }),
            Signal::TaskStarted { task, worker_name } => {
                let open = self.open.get_mut(&task).ok_or(Rejected::TaskNotOpen { task })?;
                if open.started {
                    return Err(Rejected::TaskAlreadyStarted { task });
                }
                open.started = true;
                Ok(Input::TaskStarted { task, worker_name, at })
            }
            Signal::TaskHeartbeat { task } => {
                if !self.open.contains_key(&task) {
                    return Err(Rejected::TaskNotOpen { task });
                }
                Ok(Input::TaskHeartbeat { task, at })
            }
            Signal::TaskSucceeded { task, output } => {
                self.close(task)?;
                Ok(Input::TaskSucceeded { task, output, at })
            }
            Signal::TaskFailed { task, error, cause } => {
                self.close(task)?;
                Ok(Input::TaskFailed { task, error, cause, at })
            }
            Signal::UpdateMapRun { map_run_arn, limits } => {
                Ok(Input::UpdateMapRun { map_run_arn, limits, at })
            }
        }
    }

    /// Takes an open task out for its result, stopping any work still running for it.
    fn close(&mut self, task: TaskId) -> Result<(), Rejected> {
        let open = self.open.remove(&task).ok_or(Rejected::TaskNotOpen { task })?;
        if let Some(work) = open.work {
            work.abort();
        }
        Ok(())
    }
}

/// The call that sends a `.waitForTaskToken` task's request: the same integration as
/// request-response, so that the runners that make that call (a local Lambda command, an
/// in-process handler) make this one, with the token in its parameters.
fn request_call(request: &TaskRequest) -> TaskRequest {
    let mut call = request.clone();
    if let Resource::Integration { arn, pattern, .. } = &mut call.resource {
        if let Some(bare) = arn.strip_suffix(IntegrationPattern::WaitForTaskToken.suffix()) {
            *arn = bare.to_owned();
        }
        *pattern = IntegrationPattern::RequestResponse;
    }
    call
}

/// Polls fresh work once on this thread; its result if it is done, `None` if it waits for
/// something (it is then spawned and polled again there, which registers the waker that
/// counts: the one given here does nothing). A handler that finishes without awaiting, as most
/// in-process handlers do, costs no tokio task, no wake-up and no trip through the driver. A
/// panic fails the task as a panicking spawned task does.
fn poll_in_place(work: &mut TaskFuture) -> Option<TaskResult> {
    let mut context = std::task::Context::from_waker(Waker::noop());
    match std::panic::catch_unwind(AssertUnwindSafe(|| work.as_mut().poll(&mut context))) {
        Ok(Poll::Ready(result)) => Some(result),
        Ok(Poll::Pending) => None,
        Err(panic) => Some(Err(panicked(&panic_message(panic.as_ref())))),
    }
}

/// What a panic says, as tokio's `JoinError` shows it.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let message = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str));
    match message {
        Some(message) => format!("task panicked with message {message:?}"),
        None => "task panicked".to_owned(),
    }
}

/// The failure of a task whose runner panicked.
fn panicked(panic: &dyn std::fmt::Display) -> TaskError {
    TaskError::new(RUNNER_PANICKED, format!("The task runner panicked: {panic}"))
}

/// A task's work that fails at once with `error`.
fn failing(error: baton_integrations::TaskError) -> baton_integrations::TaskFuture {
    Box::pin(async move { Err(error) })
}

/// The next signal, or never when there is no mailbox (a disabled `select!` branch is still
/// built, so it must not touch the receiver).
async fn next_letter(signals: Option<&mut mpsc::Receiver<Letter>>) -> Option<Letter> {
    match signals {
        Some(receiver) => receiver.recv().await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests;

fn durability(error: JournalError) -> Error {
    Error::Durability { reason: error.to_string() }
}
