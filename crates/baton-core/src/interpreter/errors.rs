//! When a state fails: Retry (with backoff timers), then Catch, then the failure travels up to
//! the enclosing Parallel/Map or ends the execution. Also aborting frames whose siblings failed,
//! and keeping what failed or was aborted, halted, until a redrive or a Retry or Catch.

use baton_asl::error_match;
use baton_asl::model::{Catcher, QueryLanguage, Retrier, StateKind, Transition};
use baton_asl::retry::Backoff;

use crate::command::Command;
use crate::dataflow::{self, At, Failure, RUNTIME};
use crate::event::{EventKind, StateType};
use crate::execution::{Children, ChildrenKind, FrameId, FrameStatus, TimerPurpose};
use crate::interpreter::Run;
use crate::interpreter::query::Extra;
use crate::interpreter::states::state_type;

impl<'m> Run<'m, '_> {
    /// The current state of `frame` failed: retry it, catch the error, or fail the frame.
    pub(crate) fn state_failed(&mut self, frame: FrameId, failure: Failure) {
        if !self.retry(frame, &failure) {
            self.catch_or_fail(frame, failure);
        }
    }

    /// The Retry and Catch clauses of the current state of `frame`.
    fn clauses(&self, frame: FrameId) -> (&'m [Retrier], &'m [Catcher]) {
        match &self.current_state(frame).kind {
            StateKind::Task(task) => (&task.retry, &task.catch),
            StateKind::Parallel(parallel) => (&parallel.retry, &parallel.catch),
            StateKind::Map(map) => (&map.retry, &map.catch),
            StateKind::Pass(_)
            | StateKind::Choice(_)
            | StateKind::Wait(_)
            | StateKind::Succeed
            | StateKind::Fail(_) => (&[], &[]),
        }
    }

    /// Schedules another attempt if a retrier applies and has attempts left; true if it did.
    /// The first retrier whose ErrorEquals matches decides, even when it is exhausted.
    pub(crate) fn retry(&mut self, frame: FrameId, failure: &Failure) -> bool {
        // States.Runtime ends the execution whatever Retry says (recorded AWS behaviour).
        if self.execution.outcome.is_some() || failure.error == RUNTIME {
            return false;
        }
        let (retriers, _) = self.clauses(frame);
        let Some((index, retrier)) = retriers
            .iter()
            .enumerate()
            .find(|(_, retrier)| error_match::matches(&retrier.error_equals, &failure.error))
        else {
            return false;
        };
        let attempts = self.execution.frame(frame).retry_counts.get(index).copied().unwrap_or(0);
        if attempts >= retrier.max_attempts {
            return false;
        }
        if let Some(count) = self.execution.frame_mut(frame).retry_counts.get_mut(index) {
            *count += 1;
        }
        let unit = self.execution.draws.unit();
        let delay = Backoff::from(retrier).delay(attempts, unit);
        let millis = i64::try_from(delay.as_millis()).unwrap_or(i64::MAX);
        // The next attempt starts the state afresh: what it halted is no longer redriven.
        self.discard_halted(frame);
        let timer = self.timer(frame, TimerPurpose::Backoff, millis);
        self.execution.frame_mut(frame).status = FrameStatus::Backoff { timer };
        true
    }

    /// No retry: the first matching catcher takes over, or the frame fails.
    pub(crate) fn catch_or_fail(&mut self, frame: FrameId, failure: Failure) {
        if self.execution.outcome.is_some() {
            return;
        }
        if failure.error == RUNTIME {
            self.fail_owning_execution(frame, failure);
            return;
        }
        let state = self.current_state(frame);
        let (_, catchers) = self.clauses(frame);
        if let Some(catcher) = catchers
            .iter()
            .find(|catcher| error_match::matches(&catcher.error_equals, &failure.error))
        {
            // The Catch takes over: what the state halted is no longer redriven.
            self.discard_halted(frame);
            let raw_input = self.execution.frame(frame).input.clone();
            let error_output = failure.to_output();
            if state.query_language == QueryLanguage::Jsonata {
                let caught = self.jsonata_finish(
                    frame,
                    state,
                    &raw_input,
                    Extra::ErrorOutput(&error_output),
                    Some(error_output.clone()),
                    catcher.output.as_ref(),
                    catcher.assign.as_ref(),
                    Transition::Next(catcher.next),
                );
                if let Err(failure) = caught {
                    self.frame_failed(frame, failure);
                }
                return;
            }
            let (name, entered) = self.at(frame);
            let at = At { state: name, entered };
            let caught = dataflow::place(
                catcher.result_path.as_ref(),
                &raw_input,
                error_output.clone(),
                &at,
            )
            .and_then(|output| {
                let assigned = self.assign_for_catch(frame, catcher, &error_output, &at)?;
                Ok((output, assigned))
            });
            match caught {
                Ok((output, assigned)) => {
                    self.exit_state(frame, state, output, assigned, Transition::Next(catcher.next));
                }
                Err(failure) => self.frame_failed(frame, failure),
            }
            return;
        }
        self.frame_failed(frame, failure);
    }

    fn assign_for_catch(
        &mut self,
        frame: FrameId,
        catcher: &Catcher,
        error_output: &serde_json::Value,
        at: &At<'_>,
    ) -> Result<Option<Vec<(String, String)>>, Failure> {
        self.assign_values(frame, catcher.assign.as_ref(), error_output, at)
    }

    /// Ends the execution `frame` belongs to: this one, or, inside a Distributed Map, the child
    /// execution of one iteration, whose failure the Map then counts.
    pub(crate) fn fail_owning_execution(&mut self, frame: FrameId, failure: Failure) {
        if self.execution.frame(frame).quiet {
            self.frame_failed(frame, failure);
        } else {
            self.fail_execution(failure);
        }
    }

    /// The frame's States block failed with no Catch left: tell the parent, or end the execution.
    pub(crate) fn frame_failed(&mut self, frame: FrameId, failure: Failure) {
        let parent = self.execution.frame(frame).parent;
        if let Some(parent) = parent
            && matches!(
                self.execution.frame(parent.frame).status,
                FrameStatus::Children(ref children) if matches!(children.kind, ChildrenKind::Parallel)
            )
        {
            // AWS records a Task state that fails a Parallel branch as aborted; other states
            // (a Fail state, say) have no Aborted event type.
            if let StateKind::Task(_) = self.current_state(frame).kind {
                self.event(Some(frame), EventKind::StateAborted { state_type: StateType::Task });
            }
        }
        self.frame_finished(frame, Err(failure));
    }

    /// Stops a running frame and everything under it, recording the abort events AWS records.
    /// The frames stay, halted, for a redrive (see [`FrameStatus::Halted`]).
    pub(crate) fn abort_frame(&mut self, frame: FrameId) {
        let status =
            std::mem::replace(&mut self.execution.frame_mut(frame).status, FrameStatus::Entering);
        let kind = state_type(&self.current_state(frame).kind);
        let mut kept = None;
        match status {
            FrameStatus::Entering => {}
            FrameStatus::Halted { children } => kept = children,
            FrameStatus::Task(wait) => {
                self.execution.tasks.remove(&wait.task);
                self.commands.push(Command::CancelTask { task: wait.task });
                for timer in [wait.timeout_timer, wait.heartbeat_timer].into_iter().flatten() {
                    self.cancel_timer(timer);
                }
                self.event(Some(frame), EventKind::StateAborted { state_type: kind });
            }
            FrameStatus::Waiting { timer } => {
                self.cancel_timer(timer);
                self.event(Some(frame), EventKind::StateAborted { state_type: kind });
            }
            FrameStatus::Backoff { timer } => {
                self.cancel_timer(timer);
                self.event(Some(frame), EventKind::StateAborted { state_type: kind });
            }
            FrameStatus::Children(children) => {
                // A Distributed Map aborted from outside ends its Map Run, and the child
                // executions it ran with it.
                if let ChildrenKind::Map(run) = &children.kind {
                    let now = self.now;
                    self.count_map_run(run.map_run, |progress| progress.abort(now));
                }
                for child in &children.running {
                    if self.execution.frames.get(*child).is_some_and(Option::is_some) {
                        self.abort_frame(*child);
                    }
                }
                self.event(Some(frame), EventKind::StateAborted { state_type: kind });
                kept = Some(children);
            }
        }
        self.execution.frame_mut(frame).status = FrameStatus::Halted { children: kept };
    }

    /// Marks a frame whose States block failed as halted, keeping the children a Parallel or
    /// Map state halted with.
    pub(crate) fn halt(&mut self, frame: FrameId) {
        let data = self.execution.frame_mut(frame);
        if !matches!(data.status, FrameStatus::Halted { .. }) {
            data.status = FrameStatus::Halted { children: None };
        }
    }

    /// Drops the children a halted frame kept for a redrive, with everything under them.
    pub(crate) fn discard_halted(&mut self, frame: FrameId) {
        if let FrameStatus::Halted { children } = &mut self.execution.frame_mut(frame).status
            && let Some(children) = children.take()
        {
            self.drop_children(*children);
        }
    }

    /// Removes a frame and every frame under it.
    pub(crate) fn drop_frame_tree(&mut self, frame: FrameId) {
        let Some(data) = self.execution.frames.get_mut(frame).and_then(Option::as_mut) else {
            return;
        };
        match std::mem::replace(&mut data.status, FrameStatus::Entering) {
            FrameStatus::Children(children) | FrameStatus::Halted { children: Some(children) } => {
                self.drop_children(*children);
            }
            FrameStatus::Entering
            | FrameStatus::Task(_)
            | FrameStatus::Waiting { .. }
            | FrameStatus::Backoff { .. }
            | FrameStatus::Halted { children: None } => {}
        }
        self.execution.remove_frame(frame);
    }

    pub(crate) fn drop_children(&mut self, children: Children) {
        let mut frames = children.running;
        if let ChildrenKind::Map(run) = children.kind {
            frames.extend(run.halted);
            frames.extend(run.resume);
        }
        for child in frames {
            self.drop_frame_tree(child);
        }
    }
}
