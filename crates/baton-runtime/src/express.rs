//! Express executions in memory: the loop that alternates between the interpreter's decisions
//! and the outside world's answers.
//!
//! Each turn applies one input to the interpreter (synchronously, STYLE A4), then performs the
//! commands it returned: tasks are spawned on tokio, timers are remembered, cancellations abort.
//! Then it waits for the next thing to happen (a task's result, or the earliest timer) and turns
//! that into the next input. Results of tasks that were cancelled meanwhile are dropped, since the
//! interpreter no longer knows those tasks.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use tokio::task::{AbortHandle, JoinError, JoinSet};

use baton_asl::StateMachine;
use baton_asl::model::Resource;
use baton_core::{Command, Input, Millis, Outcome, Step, TaskId, TimerId};
use baton_integrations::{TaskResult, TaskRunner};

use crate::watchdog::Watch;
use crate::{Clock, Error, Options, RunResult, now_millis};

/// The error a task fails with when its runner panicked.
const RUNNER_PANICKED: &str = "Baton.RunnerPanicked";

/// Runs one Express execution of `machine` to its end, with `runner` doing the Task states'
/// work.
pub async fn run_express(
    machine: Arc<StateMachine>,
    start: baton_core::Start,
    runner: Arc<dyn TaskRunner>,
    options: Options,
) -> Result<RunResult, Error> {
    let mut start = start;
    // The interpreter skips building events nobody will see.
    start.record_history = options.record_history || options.progress.is_some();
    let budget = options.evaluation_budget;
    let mut shell = Shell::new(runner, options, start.at);
    let watch = Watch::start(budget);
    let (mut execution, first) = baton_core::start_guarded(&machine, start, Some(watch.token()))?;
    drop(watch);
    shell.perform(first);
    loop {
        if let Some(outcome) = shell.outcome.take() {
            // Dropping the shell aborts whatever still runs (tasks of branches nobody awaits).
            return Ok(RunResult { outcome, events: shell.events });
        }
        let input = shell.next_input().await?;
        let watch = Watch::start(budget);
        execution.guard_evaluations(Some(watch.token()));
        let step = baton_core::step(&machine, &mut execution, input)?;
        drop(watch);
        shell.perform(step);
    }
}

/// What the shell is doing for one execution.
struct Shell {
    runner: Arc<dyn TaskRunner>,
    options: Options,
    /// The virtual clock's time; unused with [`Clock::Real`].
    virtual_now: Millis,
    /// The work of running tasks; each returns its task and result.
    work: JoinSet<(TaskId, TaskResult)>,
    /// Tasks the interpreter still waits for, and how to abort them.
    running: HashMap<TaskId, AbortHandle>,
    /// Which task each spawned future works for, so that a panic still names its task.
    spawned: HashMap<tokio::task::Id, TaskId>,
    /// Pending timers in due order, and each timer's due time for cancelling it.
    timers: BTreeSet<(Millis, TimerId)>,
    timer_dues: HashMap<TimerId, Millis>,
    /// Inputs the shell owes the interpreter before anything else happens.
    queued: VecDeque<Input>,
    events: Vec<baton_core::Event>,
    outcome: Option<Outcome>,
}

impl Shell {
    fn new(runner: Arc<dyn TaskRunner>, options: Options, at: Millis) -> Shell {
        Shell {
            runner,
            options,
            virtual_now: at,
            work: JoinSet::new(),
            running: HashMap::new(),
            spawned: HashMap::new(),
            timers: BTreeSet::new(),
            timer_dues: HashMap::new(),
            queued: VecDeque::new(),
            events: Vec::new(),
            outcome: None,
        }
    }

    fn now(&self) -> Millis {
        match self.options.clock {
            Clock::Real => now_millis(),
            Clock::Virtual => self.virtual_now,
        }
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
                Command::RunTask(request) => {
                    let task = request.task;
                    let work = match self.runner.start(&request) {
                        Some(work) => {
                            // An activity waits in its queue until a worker takes it, which AWS
                            // records as ActivityStarted; a runner that claims it is that worker.
                            if matches!(request.resource, Resource::Activity { .. }) {
                                let at = self.now();
                                self.queued.push_back(Input::TaskStarted {
                                    task,
                                    worker_name: None,
                                    at,
                                });
                            }
                            work
                        }
                        None => baton_integrations::run(self.runner.as_ref(), &request),
                    };
                    let handle = self.work.spawn(async move { (task, work.await) });
                    self.spawned.insert(handle.id(), task);
                    self.running.insert(task, handle);
                }
                Command::CancelTask { task } => {
                    if let Some(handle) = self.running.remove(&task) {
                        handle.abort();
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

    /// Waits for the next task result or due timer.
    async fn next_input(&mut self) -> Result<Input, Error> {
        while let Some(input) = self.queued.pop_front() {
            // A task cancelled since its input was queued is no longer the interpreter's concern.
            let live = match &input {
                Input::TaskStarted { task, .. } => self.running.contains_key(task),
                _ => true,
            };
            if live {
                return Ok(input);
            }
        }
        loop {
            if self.running.is_empty() && self.timers.is_empty() {
                return Err(Error::Stalled);
            }
            match self.options.clock {
                Clock::Virtual => {
                    if self.running.is_empty() {
                        return self.fire_first_timer().ok_or(Error::Stalled);
                    }
                    // Every running task has its future in `work`, so this waits for one.
                    let joined = self.work.join_next_with_id().await.ok_or(Error::Stalled)?;
                    if let Some(input) = self.task_input(joined) {
                        return Ok(input);
                    }
                }
                Clock::Real => {
                    let until_due = self.timers.first().map(|(due, _)| {
                        let wait = due.saturating_sub(now_millis()).max(0);
                        Duration::from_millis(u64::try_from(wait).unwrap_or(0))
                    });
                    let timer = async {
                        match until_due {
                            Some(wait) => tokio::time::sleep(wait).await,
                            None => std::future::pending().await,
                        }
                    };
                    tokio::select! {
                        // Results first: a task that finished before its timeout is not late.
                        biased;
                        Some(joined) = self.work.join_next_with_id(), if !self.work.is_empty() => {
                            if let Some(input) = self.task_input(joined) {
                                return Ok(input);
                            }
                        }
                        () = timer => {
                            if let Some(input) = self.fire_first_timer() {
                                return Ok(input);
                            }
                        }
                    }
                }
            }
        }
    }

    /// Fires the earliest timer, if any; the virtual clock jumps to its due time.
    fn fire_first_timer(&mut self) -> Option<Input> {
        let (due, timer) = self.timers.pop_first()?;
        self.timer_dues.remove(&timer);
        self.virtual_now = self.virtual_now.max(due);
        Some(Input::TimerFired { timer, at: self.now() })
    }

    /// The input for a finished piece of work, or `None` when its task was cancelled.
    fn task_input(
        &mut self,
        joined: Result<(tokio::task::Id, (TaskId, TaskResult)), JoinError>,
    ) -> Option<Input> {
        let (task, result) = match joined {
            Ok((id, (task, result))) => {
                self.spawned.remove(&id);
                (task, result)
            }
            Err(error) => {
                let task = self.spawned.remove(&error.id())?;
                if error.is_cancelled() {
                    return None;
                }
                let cause = format!("The task runner panicked: {error}");
                (task, Err(baton_integrations::TaskError::new(RUNNER_PANICKED, cause)))
            }
        };
        self.running.remove(&task)?;
        let at = self.now();
        Some(match result {
            Ok(output) => Input::TaskSucceeded { task, output, at },
            Err(error) => Input::TaskFailed { task, error: error.error, cause: error.cause, at },
        })
    }
}

#[cfg(test)]
mod tests;
