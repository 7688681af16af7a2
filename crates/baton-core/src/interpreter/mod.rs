//! The step function and the loop that drives frames until each waits for the outside world.
//!
//! [`start`] and [`step`] apply one input, then [`Run::drive`] runs every frame that became
//! ready, state after state, until it blocks on a task, a timer or its children, or finishes.
//! State types live in `states` (Pass, Task, Choice, Wait, Succeed, Fail), `children`
//! (Parallel, Map) and `errors` (Retry, Catch, aborting).

mod batches;
mod children;
mod errors;
pub(crate) mod query;
mod redrive;
mod states;

use std::collections::{BTreeMap, VecDeque};

use serde_json::Value;

use baton_asl::limits;
use baton_asl::model::{StateKind, StateMachine};

use crate::Error;
use crate::command::{Command, Outcome, TaskId, TimerId};
use crate::dataflow::{Failure, RUNTIME, text};
use crate::event::{Event, EventKind, Failure as EventFailure};
use crate::execution::{Execution, Frame, FrameId, FrameStatus, PendingTimer, TimerPurpose};
use crate::input::{Input, Millis, Start, WorkflowType};
use crate::random::Draws;

/// What one input produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Step {
    pub events: Vec<Event>,
    pub commands: Vec<Command>,
}

/// Starts an execution: `ExecutionStarted`, then every state up to the first wait.
pub fn start(machine: &StateMachine, start: Start) -> Result<(Execution, Step), Error> {
    start_guarded(machine, start, None)
}

/// [`start`], with the first step's JSONata evaluations guarded by `guard` (see
/// [`Execution::guard_evaluations`]).
pub fn start_guarded(
    machine: &StateMachine,
    start: Start,
    guard: Option<baton_jsonata::CancelToken>,
) -> Result<(Execution, Step), Error> {
    reject_unsupported(machine)?;
    let input: Value = serde_json::from_str(&start.input)
        .map_err(|error| Error::InvalidInput { reason: error.to_string() })?;
    let at = start.at;
    let mut execution = Execution {
        draws: Draws::new(&start.seed),
        start,
        input: input.clone(),
        last_event_id: 0,
        transitions: 0,
        next_task: 0,
        next_timer: 0,
        frames: Vec::new(),
        tasks: BTreeMap::new(),
        timers: BTreeMap::new(),
        variable_bytes: 0,
        evaluation_guard: guard,
        deadline: None,
        outcome: None,
        redrive_count: 0,
        redrive_time: None,
        map_runs: Vec::new(),
    };
    let mut run = Run::new(machine, &mut execution, at);
    let started = EventKind::ExecutionStarted {
        input: run.execution.start.input.clone(),
        role_arn: run.execution.start.role_arn.clone(),
    };
    run.event(None, started);
    if let Some(seconds) = machine.timeout_seconds {
        let timer =
            run.start_timer(None, TimerPurpose::ExecutionTimeout, seconds_to_millis(seconds));
        run.execution.deadline = Some(timer);
    }
    // AWS records the first state's `previousEventId` as 0, not 1.
    let root = run.execution.add_frame(Frame {
        parent: None,
        scope: Vec::new(),
        state: machine.scope.start_at,
        input,
        input_text: None,
        input_len: None,
        output_len_bound: None,
        entered_event_id: 0,
        entered_previous_event_id: 0,
        entered_at: at,
        last_event_id: 0,
        retry_counts: Vec::new(),
        variables: serde_json::Map::new(),
        variable_bytes: 0,
        map_item: None,
        quiet: false,
        isolated: false,
        status: FrameStatus::Entering,
    });
    run.ready.push_back(root);
    run.drive();
    let step = run.finish();
    Ok((execution, step))
}

/// Applies one input to a running execution.
pub fn step(
    machine: &StateMachine,
    execution: &mut Execution,
    input: Input,
) -> Result<Step, Error> {
    if let Input::Redrive { at } = input {
        return redrive::redrive(machine, execution, at);
    }
    if execution.outcome.is_some() {
        return Err(Error::Corruption { reason: "the execution has already finished".to_owned() });
    }
    let mut run = Run::new(machine, execution, input.at());
    match input {
        Input::Start(_) => {
            return Err(Error::Corruption {
                reason: "the execution has already started".to_owned(),
            });
        }
        Input::Redrive { .. } => unreachable!("a redrive is applied above"),
        Input::UpdateMapRun { map_run_arn, limits, .. } => run.update_map_run(&map_run_arn, limits),
        Input::TaskStarted { task, worker_name, .. } => {
            let frame = run.task_frame(task)?;
            run.task_started(frame, worker_name);
        }
        Input::TaskSucceeded { task, output, .. } => {
            let frame = run.task_frame(task)?;
            run.execution.tasks.remove(&task);
            run.task_succeeded(frame, output);
        }
        Input::TaskFailed { task, error, cause, .. } => {
            let frame = run.task_frame(task)?;
            run.execution.tasks.remove(&task);
            run.task_failed(frame, Failure::new(error, cause));
        }
        Input::TaskHeartbeat { task, .. } => {
            let frame = run.task_frame(task)?;
            run.task_heartbeat(frame);
        }
        Input::TimerFired { timer, .. } => {
            let Some(PendingTimer { frame, purpose, .. }) = run.execution.timers.remove(&timer)
            else {
                return Err(Error::Corruption { reason: format!("unknown timer {}", timer.0) });
            };
            match (frame, purpose) {
                (_, TimerPurpose::ExecutionTimeout) => run.execution_timed_out(),
                (Some(frame), _) => run.timer_fired(frame, purpose),
                (None, _) => {
                    return Err(Error::Corruption {
                        reason: format!("timer {} belongs to no frame", timer.0),
                    });
                }
            }
        }
        Input::Stop { error, cause, .. } => {
            run.end_execution(
                EventKind::ExecutionAborted(EventFailure {
                    error: error.clone(),
                    cause: cause.clone(),
                }),
                Outcome::Aborted { error, cause },
            );
        }
    }
    run.drive();
    Ok(run.finish())
}

/// Features the interpreter does not run yet are refused before anything happens, with their
/// name, rather than failing halfway through an execution.
fn reject_unsupported(machine: &StateMachine) -> Result<(), Error> {
    // Validation knows already: most machines are never walked here.
    if !machine.uses_distributed_io() {
        return Ok(());
    }
    for state in machine.all_states() {
        if let StateKind::Map(map) = &state.kind {
            let unsupported = [
                (map.item_reader.is_some(), "ItemReader"),
                (map.result_writer.is_some(), "ResultWriter"),
            ];
            if let Some((_, field)) = unsupported.into_iter().find(|(present, _)| *present) {
                return Err(Error::Unsupported {
                    feature: format!("The Distributed Map field {field} (state '{}')", state.name),
                });
            }
        }
    }
    Ok(())
}

pub(crate) fn seconds_to_millis(seconds: u64) -> Millis {
    i64::try_from(seconds.saturating_mul(1000)).unwrap_or(i64::MAX)
}

/// One application of an input: the execution, what it produced, and the frames to run.
pub(crate) struct Run<'m, 'e> {
    pub(crate) machine: &'m StateMachine,
    pub(crate) execution: &'e mut Execution,
    pub(crate) now: Millis,
    pub(crate) events: Vec<Event>,
    pub(crate) commands: Vec<Command>,
    pub(crate) ready: VecDeque<FrameId>,
}

impl<'m, 'e> Run<'m, 'e> {
    fn new(machine: &'m StateMachine, execution: &'e mut Execution, now: Millis) -> Run<'m, 'e> {
        Run {
            machine,
            execution,
            now,
            events: Vec::new(),
            commands: Vec::new(),
            ready: VecDeque::new(),
        }
    }

    fn finish(self) -> Step {
        Step { events: self.events, commands: self.commands }
    }

    fn task_frame(&self, task: TaskId) -> Result<FrameId, Error> {
        self.execution
            .tasks
            .get(&task)
            .map(|pending| pending.frame)
            .ok_or_else(|| Error::Corruption { reason: format!("unknown task {}", task.0) })
    }

    /// Records an event. `frame` decides `previousEventId`: the frame's last event, or the
    /// execution's last one for execution-level events.
    pub(crate) fn event(&mut self, frame: Option<FrameId>, kind: EventKind) -> u64 {
        if let Some(frame) = frame
            && self.execution.frame(frame).quiet
        {
            return self.quiet_event(frame);
        }
        let id = self.execution.last_event_id + 1;
        let previous = match frame {
            Some(frame) => self.execution.frame(frame).last_event_id,
            None => self.execution.last_event_id,
        };
        if let Some(frame) = frame {
            self.execution.frame_mut(frame).last_event_id = id;
        }
        self.execution.last_event_id = id;
        if self.execution.start.record_history {
            self.events.push(Event { id, previous_event_id: previous, timestamp: self.now, kind });
        }
        id
    }

    /// Records an event built only when the history is recorded: the hot states skip building
    /// names and serialized payloads nobody will read.
    pub(crate) fn event_lazy(
        &mut self,
        frame: FrameId,
        build: impl FnOnce(&Self) -> EventKind,
    ) -> u64 {
        if self.execution.frame(frame).quiet {
            return self.quiet_event(frame);
        }
        if self.execution.start.record_history {
            let kind = build(self);
            return self.event(Some(frame), kind);
        }
        let id = self.execution.last_event_id + 1;
        self.execution.last_event_id = id;
        self.execution.frame_mut(frame).last_event_id = id;
        id
    }

    /// An event of a child execution's history (see `Frame::quiet`): numbered within the frame,
    /// not recorded here.
    fn quiet_event(&mut self, frame: FrameId) -> u64 {
        let data = self.execution.frame_mut(frame);
        data.last_event_id += 1;
        data.last_event_id
    }

    /// Records an event that AWS emits together with the frame's previous one: it points at the
    /// same earlier event and leaves the frame's last event as it was (`MapIterationSucceeded`
    /// and the next `MapIterationStarted` both point at the iteration's last state event).
    pub(crate) fn event_beside(&mut self, frame: FrameId, kind: EventKind) -> u64 {
        let last = self.execution.frame(frame).last_event_id;
        let id = self.event(Some(frame), kind);
        self.execution.frame_mut(frame).last_event_id = last;
        id
    }

    /// Starts a timer that fires `delay` milliseconds from now.
    pub(crate) fn timer(
        &mut self,
        frame: FrameId,
        purpose: TimerPurpose,
        delay: Millis,
    ) -> TimerId {
        self.start_timer(Some(frame), purpose, delay)
    }

    fn start_timer(
        &mut self,
        frame: Option<FrameId>,
        purpose: TimerPurpose,
        delay: Millis,
    ) -> TimerId {
        let timer = TimerId(self.execution.next_timer);
        self.execution.next_timer += 1;
        let due = self.now.saturating_add(delay);
        self.execution.timers.insert(timer, PendingTimer { frame, purpose, due });
        self.commands.push(Command::StartTimer { timer, due });
        timer
    }

    pub(crate) fn cancel_timer(&mut self, timer: TimerId) {
        if self.execution.timers.remove(&timer).is_some() {
            self.commands.push(Command::CancelTimer { timer });
        }
    }

    /// Runs ready frames until every one waits or the execution is over.
    fn drive(&mut self) {
        while let Some(frame) = self.ready.pop_front() {
            if self.execution.outcome.is_some() {
                return;
            }
            while self.execution.frames.get(frame).is_some_and(Option::is_some)
                && matches!(self.execution.frame(frame).status, FrameStatus::Entering)
                && self.execution.outcome.is_none()
            {
                if self.execution.start.workflow_type == WorkflowType::Standard
                    && self.execution.last_event_id >= limits::HISTORY_EVENTS_MAX as u64
                {
                    self.history_limit_reached();
                    return;
                }
                self.enter_state(frame);
            }
        }
    }

    fn history_limit_reached(&mut self) {
        let failure = EventFailure {
            error: Some(RUNTIME.to_owned()),
            cause: Some(format!(
                "The execution reached the maximum number of history events ({}).",
                limits::HISTORY_EVENTS_MAX
            )),
        };
        self.end_execution(
            EventKind::ExecutionFailed(failure.clone()),
            Outcome::Failed { error: failure.error, cause: failure.cause },
        );
    }

    fn execution_timed_out(&mut self) {
        let failure = EventFailure {
            error: Some("States.Timeout".to_owned()),
            cause: Some("The execution timed out.".to_owned()),
        };
        self.end_execution(
            EventKind::ExecutionTimedOut(failure.clone()),
            Outcome::TimedOut { error: failure.error, cause: failure.cause },
        );
    }

    fn timer_fired(&mut self, frame: FrameId, purpose: TimerPurpose) {
        match purpose {
            TimerPurpose::ExecutionTimeout => self.execution_timed_out(),
            TimerPurpose::Wait => self.wait_finished(frame),
            TimerPurpose::Backoff => {
                self.execution.frame_mut(frame).status = FrameStatus::Entering;
                self.execute_state(frame);
                self.resume_if_entering(frame);
            }
            TimerPurpose::TaskTimeout | TimerPurpose::HeartbeatTimeout => {
                self.task_timed_out(frame, purpose);
            }
        }
    }

    /// After a state completed outside `drive` (a task result, a timer), keep running the frame.
    pub(crate) fn resume_if_entering(&mut self, frame: FrameId) {
        if self.execution.frames.get(frame).is_some_and(Option::is_some)
            && matches!(self.execution.frame(frame).status, FrameStatus::Entering)
        {
            self.ready.push_back(frame);
        }
    }

    /// A frame's States block finished: with the last state's output, or with a failure that
    /// no Catch handled.
    pub(crate) fn frame_finished(&mut self, frame: FrameId, result: Result<Value, Failure>) {
        let parent = self.execution.frame(frame).parent;
        match parent {
            None => match result {
                Ok(output) => {
                    let output = text(&output);
                    self.end_execution(
                        EventKind::ExecutionSucceeded { output: output.clone() },
                        Outcome::Succeeded { output },
                    );
                }
                Err(failure) => self.fail_execution(failure),
            },
            Some(parent) => {
                // A failed child stays, halted, for a redrive (see `FrameStatus::Halted`).
                if result.is_ok() {
                    self.execution.remove_frame(frame);
                } else {
                    self.halt(frame);
                }
                self.child_finished(parent.frame, parent.slot, frame, result);
            }
        }
    }

    pub(crate) fn fail_execution(&mut self, failure: Failure) {
        // A Fail state without Error or Cause leaves the field out of the event, as AWS does.
        let present = |text: String| (!text.is_empty()).then_some(text);
        let (error, cause) = (present(failure.error), present(failure.cause));
        self.end_execution(
            EventKind::ExecutionFailed(EventFailure { error: error.clone(), cause: cause.clone() }),
            Outcome::Failed { error, cause },
        );
    }

    /// Ends the execution: cancels everything still running, records the final event.
    pub(crate) fn end_execution(&mut self, kind: EventKind, outcome: Outcome) {
        if self.execution.outcome.is_some() {
            return;
        }
        for task in std::mem::take(&mut self.execution.tasks).into_keys() {
            self.commands.push(Command::CancelTask { task });
        }
        for timer in std::mem::take(&mut self.execution.timers).into_keys() {
            self.commands.push(Command::CancelTimer { timer });
        }
        self.event(None, kind);
        let now = self.now;
        // A Map Run still running ends with its parent, and its running children too.
        for map_run in &mut self.execution.map_runs {
            map_run.abort(now);
        }
        self.execution.outcome = Some(outcome.clone());
        self.commands.push(Command::Finish(outcome));
    }
}
