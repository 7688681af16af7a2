//! RedriveExecution: an execution that failed, timed out or was aborted runs again from where
//! it stopped, with the same definition, input and history.
//!
//! AWS redrives every state that was entered and not left: a failed Task is scheduled again, a
//! Wait or a Task cut short by StopExecution or the execution's timeout starts over, and a
//! Parallel or Map state runs again only the branches and iterations that failed or were
//! aborted, keeping the results of those that succeeded. Retry counters start from zero, and
//! so does the execution's `TimeoutSeconds`. After a `States.DataLimitExceeded` failure, AWS
//! runs the whole Parallel or Map state again instead.
//!
//! The frames that stopped unfinished are still in the execution ([`FrameStatus::Halted`], or
//! the status they waited in when StopExecution or the timeout came), so a redrive walks them
//! from the root: frames that waited for children resume those children, every other frame
//! enters its current state again with the input it entered it with.

use baton_asl::model::StateMachine;

use crate::Error;
use crate::command::Outcome;
use crate::event::EventKind;
use crate::execution::{Children, ChildrenKind, Execution, FrameId, FrameStatus, TimerPurpose};
use crate::input::Millis;
use crate::interpreter::{Run, Step, seconds_to_millis};

/// The execution's root frame: the first one `start` creates, never removed.
const ROOT_FRAME: FrameId = 0;

/// AWS's error for a payload over the size limit, after which a redrive reruns whole Parallel
/// and Map states.
const DATA_LIMIT_EXCEEDED: &str = "States.DataLimitExceeded";

/// Redrives an execution that failed, timed out or was aborted, at `at`: `ExecutionRedriven`,
/// then every unfinished state again, up to the first wait.
pub(crate) fn redrive(
    machine: &StateMachine,
    execution: &mut Execution,
    at: Millis,
) -> Result<Step, Error> {
    let whole_children = match &execution.outcome {
        None => return Err(not_redrivable("RUNNING")),
        Some(Outcome::Succeeded { .. }) => return Err(not_redrivable("SUCCEEDED")),
        Some(Outcome::Failed { error, .. }) => error.as_deref() == Some(DATA_LIMIT_EXCEEDED),
        Some(Outcome::TimedOut { .. } | Outcome::Aborted { .. }) => false,
    };
    if execution.frames.get(ROOT_FRAME).is_none_or(Option::is_none) {
        return Err(Error::Corruption { reason: "the execution has no root frame".to_owned() });
    }
    execution.outcome = None;
    execution.redrive_count += 1;
    execution.redrive_time = Some(at);
    let mut run = Run::new(machine, execution, at);
    let redrive_count = run.execution.redrive_count;
    let redriven = run.event(None, EventKind::ExecutionRedriven { redrive_count });
    if let Some(seconds) = machine.timeout_seconds {
        let timer =
            run.start_timer(None, TimerPurpose::ExecutionTimeout, seconds_to_millis(seconds));
        run.execution.deadline = Some(timer);
    }
    run.execution.frame_mut(ROOT_FRAME).last_event_id = redriven;
    run.redrive_frame(ROOT_FRAME, whole_children);
    run.drive();
    Ok(run.finish())
}

fn not_redrivable(status: &str) -> Error {
    Error::NotRedrivable { reason: format!("Execution is {status} and cannot be redriven") }
}

impl Run<'_, '_> {
    /// Runs an unfinished frame again: a Parallel or Map state resumes its unfinished
    /// children (or, with `whole_children`, runs again whole); any other state is entered
    /// again. The frame's `last_event_id` is already the event its next one follows.
    pub(crate) fn redrive_frame(&mut self, frame: FrameId, whole_children: bool) {
        let status =
            std::mem::replace(&mut self.execution.frame_mut(frame).status, FrameStatus::Entering);
        match status {
            FrameStatus::Children(children) | FrameStatus::Halted { children: Some(children) }
                if !whole_children =>
            {
                self.resume_children(frame, *children);
            }
            FrameStatus::Children(children) | FrameStatus::Halted { children: Some(children) } => {
                self.drop_children(*children);
                self.ready.push_back(frame);
            }
            FrameStatus::Entering
            | FrameStatus::Task(_)
            | FrameStatus::Waiting { .. }
            | FrameStatus::Backoff { .. }
            | FrameStatus::Halted { children: None } => self.ready.push_back(frame),
        }
    }

    /// A Parallel or Map state's redrive: its retry counters start again, its unfinished
    /// children run again in slot order, and a Map's iterations that failed within its
    /// tolerance run again before the items it had not started.
    fn resume_children(&mut self, frame: FrameId, mut children: Children) {
        let slot = |run: &Self, child: FrameId| {
            run.execution.frame(child).parent.map_or(0, |parent| parent.slot)
        };
        let mut unfinished = std::mem::take(&mut children.running);
        unfinished.sort_by_key(|child| slot(self, *child));
        let mut map_iterations = false;
        let mut map_run = None;
        if let ChildrenKind::Map(run) = &mut children.kind {
            map_run = run.map_run;
            run.failures = 0;
            let mut tolerated = std::mem::take(&mut run.halted);
            tolerated.sort_by_key(|child| slot(self, *child));
            for child in &tolerated {
                children.results[slot(self, *child)] = None;
            }
            run.resume.extend(tolerated);
            map_iterations = !run.distributed;
        }
        children.running.clone_from(&unfinished);
        // A Distributed Map's Map Run runs again: its failed and aborted children start over.
        let now = self.now;
        self.count_map_run(map_run, |progress| progress.run_again(now));
        let data = self.execution.frame_mut(frame);
        data.retry_counts.iter_mut().for_each(|count| *count = 0);
        data.status = FrameStatus::Children(Box::new(children));
        let name = self.current_state(frame).name.clone();
        for child in unfinished {
            self.restart_child(frame, child, &name, map_iterations);
        }
        self.start_iterations(frame);
    }

    /// Runs a halted child of `parent` again, after its `MapIterationStarted` for an inline
    /// Map iteration.
    pub(crate) fn restart_child(
        &mut self,
        parent: FrameId,
        child: FrameId,
        name: &str,
        map_iteration: bool,
    ) {
        if map_iteration {
            let index = self.execution.frame(child).parent.map_or(0, |parent| parent.slot);
            self.event(
                Some(parent),
                EventKind::MapIterationStarted { name: name.to_owned(), index },
            );
        }
        // A Distributed Map's iteration numbers the events of its own child execution.
        if self.execution.frame(child).quiet {
            let map_run = self.execution.frame(parent).status.map_run();
            self.count_map_run(map_run, |progress| progress.started += 1);
        } else {
            self.execution.frame_mut(child).last_event_id =
                self.execution.frame(parent).last_event_id;
        }
        self.redrive_frame(child, false);
    }
}
