//! The state of one execution between two inputs: the frontier of every running States block.
//!
//! Each States block that is running (the machine itself, a Parallel branch, a Map iteration)
//! is a [`Frame`]: where it is, the input of its current state, what it waits for, and the
//! variables its scope assigned. Frames live in an arena indexed by [`FrameId`]; a Parallel or
//! Map state's frame owns its children through [`Children`].

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use baton_asl::model::{Scope, StateId, StateKind, StateMachine};
use baton_asl::path::Variables;

use crate::command::{Command, Outcome, TaskId, TaskRequest, TimerId};
use crate::event::TaskFamily;
use crate::input::{Millis, Start};
use crate::map_run::MapRunProgress;
use crate::random::Draws;

/// The version of [`Execution::snapshot`]'s format. A snapshot of another version is refused
/// rather than misread; bump it whenever a serialized type changes shape.
///
/// Version 2 is MessagePack with structs written as arrays (no field names); version 1 was the
/// same data in JSON, and is still read: an execution that was running when Baton was upgraded
/// resumes from it.
pub(crate) const SNAPSHOT_VERSION: u32 = 2;

/// The version of snapshots written as JSON, which begin with `{`.
const JSON_SNAPSHOT_VERSION: u32 = 1;

/// What [`Execution::snapshot`] writes: the format version, then the execution.
#[derive(Serialize)]
struct SnapshotOut<'a> {
    version: u32,
    execution: &'a Execution,
}

#[derive(Deserialize)]
struct SnapshotIn {
    version: u32,
    execution: Execution,
}

/// Index of a frame in [`Execution::frames`].
pub(crate) type FrameId = usize;

/// One execution's state. Built by [`crate::start`], advanced by [`crate::step`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Execution {
    pub(crate) start: Start,
    /// The execution input, parsed once (`$$.Execution.Input`).
    pub(crate) input: Value,
    pub(crate) draws: Draws,
    /// Id of the last event produced.
    pub(crate) last_event_id: u64,
    /// States entered so far: the state transitions AWS meters.
    pub(crate) transitions: u64,
    pub(crate) next_task: u64,
    pub(crate) next_timer: u64,
    pub(crate) frames: Vec<Option<Frame>>,
    /// Running tasks: which frame waits for each, and the request, so that a recovered
    /// execution can hand it out again.
    pub(crate) tasks: BTreeMap<TaskId, PendingTask>,
    /// Pending timers: their owner, purpose and due time.
    pub(crate) timers: BTreeMap<TimerId, PendingTimer>,
    /// The serialized size of every live frame's variables (`limits::VARIABLES_BYTES_TOTAL_MAX`).
    pub(crate) variable_bytes: usize,
    /// Trips the JSONata evaluations of the current step from outside (the shell's watchdog):
    /// a runaway expression fails instead of hanging the engine. Not part of the execution's
    /// data; the shell sets a fresh one before each step.
    #[serde(skip)]
    pub(crate) evaluation_guard: Option<baton_jsonata::CancelToken>,
    /// The execution-level `TimeoutSeconds` timer.
    pub(crate) deadline: Option<TimerId>,
    pub(crate) outcome: Option<Outcome>,
    /// How many times RedriveExecution restarted the execution (`$$.Execution.RedriveCount`),
    /// and when it last did. Snapshots from before redrives existed read as never redriven.
    #[serde(default)]
    pub(crate) redrive_count: u32,
    #[serde(default)]
    pub(crate) redrive_time: Option<Millis>,
    /// The Map Runs of its Distributed Map states, in start order.
    #[serde(default)]
    pub(crate) map_runs: Vec<MapRunProgress>,
}

impl Execution {
    /// How the execution ended, once it has.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome.as_ref()
    }

    /// How many history events the execution has produced (or would have, when it does not
    /// record its history).
    pub fn events_count(&self) -> u64 {
        self.last_event_id
    }

    /// The tasks the execution waits for, in task order. Empty once it has finished.
    pub fn pending_tasks(&self) -> impl Iterator<Item = &TaskRequest> {
        let finished = self.outcome.is_some();
        self.tasks.values().filter(move |_| !finished).map(|pending| pending.request.as_ref())
    }

    /// The due time of the earliest timer the execution waits for, if any.
    pub fn next_timer_due(&self) -> Option<Millis> {
        if self.outcome.is_some() {
            return None;
        }
        self.timers.values().map(|pending| pending.due).min()
    }

    /// The work an execution rebuilt by replay still waits for (A3: commands produced while
    /// replaying are dropped; the shell performs these): every running task and every pending
    /// timer with its original due time. Empty once the execution has finished.
    pub fn pending_commands(&self) -> Vec<Command> {
        if self.outcome.is_some() {
            return Vec::new();
        }
        let tasks =
            self.tasks.values().map(|pending| Command::RunTask(Arc::clone(&pending.request)));
        let timers = self
            .timers
            .iter()
            .map(|(timer, pending)| Command::StartTimer { timer: *timer, due: pending.due });
        tasks.chain(timers).collect()
    }

    /// Guards the JSONata evaluations of the next step: when the shell trips `token` (its
    /// watchdog, when a step runs too long), the expression being evaluated fails with
    /// `States.QueryEvaluationError` (JSONata's `U1003`). A token cannot be reset, so the shell
    /// gives each step a fresh one.
    pub fn guard_evaluations(&mut self, token: Option<baton_jsonata::CancelToken>) {
        self.evaluation_guard = token;
    }

    /// The execution's frontier as bytes, for a durable store: every running frame, pending
    /// task and timer, the variables, the draw counter and the identity (including the secret
    /// seed, so keep snapshots as private as the seed). [`Execution::from_snapshot`] rebuilds
    /// it without replaying the history, so recovery costs the same however long it ran.
    pub fn snapshot(&self) -> Vec<u8> {
        let snapshot = SnapshotOut { version: SNAPSHOT_VERSION, execution: self };
        // Every field is plain data (JSON values, strings, numbers, maps with string or integer
        // keys), which MessagePack always holds.
        rmp_serde::to_vec(&snapshot).unwrap_or_default()
    }

    /// Rebuilds an execution from [`Execution::snapshot`]'s bytes, for the same definition.
    pub fn from_snapshot(bytes: &[u8]) -> Result<Execution, crate::Error> {
        let unreadable = |error: &dyn std::fmt::Display| crate::Error::Corruption {
            reason: format!("unreadable execution snapshot: {error}"),
        };
        let (snapshot, expected): (SnapshotIn, u32) = if bytes.first() == Some(&b'{') {
            let snapshot = serde_json::from_slice(bytes).map_err(|error| unreadable(&error))?;
            (snapshot, JSON_SNAPSHOT_VERSION)
        } else {
            let snapshot = rmp_serde::from_slice(bytes).map_err(|error| unreadable(&error))?;
            (snapshot, SNAPSHOT_VERSION)
        };
        if snapshot.version != expected {
            return Err(crate::Error::Corruption {
                reason: format!(
                    "execution snapshot version {} (this Baton reads versions \
                     {JSON_SNAPSHOT_VERSION} and {SNAPSHOT_VERSION})",
                    snapshot.version
                ),
            });
        }
        let mut execution = snapshot.execution;
        let seed = execution.start.seed.clone();
        execution.draws.restore_seed(&seed);
        Ok(execution)
    }

    /// How many states the execution has entered.
    pub fn transitions(&self) -> u64 {
        self.transitions
    }

    /// The Map Runs of the execution's Distributed Map states, running or ended, in the
    /// order they started.
    pub fn map_runs(&self) -> &[MapRunProgress] {
        &self.map_runs
    }

    /// How many times the execution was redriven, and when it last was; `None` if never.
    pub fn redriven(&self) -> Option<(u32, Millis)> {
        self.redrive_time.map(|at| (self.redrive_count, at))
    }

    pub(crate) fn frame(&self, id: FrameId) -> &Frame {
        self.frames[id].as_ref().expect("a live frame id refers to a live frame")
    }

    pub(crate) fn frame_mut(&mut self, id: FrameId) -> &mut Frame {
        self.frames[id].as_mut().expect("a live frame id refers to a live frame")
    }

    /// The variables that halted frames keep (see [`FrameStatus::Halted`]).
    pub(crate) fn halted_variable_bytes(&self) -> usize {
        self.frames
            .iter()
            .flatten()
            .filter(|frame| matches!(frame.status, FrameStatus::Halted { .. }))
            .map(|frame| frame.variable_bytes)
            .sum()
    }

    /// Drops a finished or aborted frame, and its variables with it.
    pub(crate) fn remove_frame(&mut self, id: FrameId) {
        if let Some(frame) = self.frames.get_mut(id).and_then(Option::take) {
            self.variable_bytes = self.variable_bytes.saturating_sub(frame.variable_bytes);
        }
    }

    pub(crate) fn add_frame(&mut self, frame: Frame) -> FrameId {
        self.frames.push(Some(frame));
        self.frames.len() - 1
    }
}

/// A task the execution waits for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PendingTask {
    pub(crate) frame: FrameId,
    /// The request, shared with the `RunTask` command that issued it.
    #[serde(serialize_with = "serialize_shared", deserialize_with = "deserialize_shared")]
    pub(crate) request: Arc<TaskRequest>,
}

/// A shared task request in a snapshot: the request itself (serde's `rc` feature is not used).
fn serialize_shared<S: Serializer>(
    request: &Arc<TaskRequest>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    request.as_ref().serialize(serializer)
}

/// Reads what [`serialize_shared`] wrote.
fn deserialize_shared<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Arc<TaskRequest>, D::Error> {
    TaskRequest::deserialize(deserializer).map(Arc::new)
}

/// A timer the execution waits for.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct PendingTimer {
    /// The frame that waits; `None` for the execution's own `TimeoutSeconds`.
    pub(crate) frame: Option<FrameId>,
    pub(crate) purpose: TimerPurpose,
    pub(crate) due: Millis,
}

/// A running States block.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Frame {
    pub(crate) parent: Option<Parent>,
    /// How to find this frame's `Scope` from the machine's top-level scope.
    pub(crate) scope: Vec<ScopeStep>,
    pub(crate) state: StateId,
    /// The current state's input, as it entered.
    pub(crate) input: Value,
    /// `input` serialized, when the previous state's Exited event already did it.
    pub(crate) input_text: Option<String>,
    /// An upper bound of `input`'s serialized length, when known: it lets the payload limit be
    /// checked without serializing every state's output.
    pub(crate) input_len: Option<usize>,
    /// An upper bound of the output the current state is about to leave with, set just before
    /// its Exited event.
    pub(crate) output_len_bound: Option<usize>,
    pub(crate) entered_event_id: u64,
    /// The `previousEventId` of the current state's Entered event, which AWS's
    /// `EvaluationFailed` events point at (see `Run::query_failed`).
    #[serde(default)]
    pub(crate) entered_previous_event_id: u64,
    pub(crate) entered_at: Millis,
    /// The last event this frame produced, for `previousEventId`.
    pub(crate) last_event_id: u64,
    /// Attempts made so far per retrier of the current state.
    pub(crate) retry_counts: Vec<u64>,
    /// Variables assigned in this scope.
    pub(crate) variables: Map<String, Value>,
    /// The serialized size of `variables`, counted toward the execution's limit.
    pub(crate) variable_bytes: usize,
    /// `$$.Map.Item` for a Map iteration.
    pub(crate) map_item: Option<(usize, Value)>,
    /// The frame runs inside a child execution of a Distributed Map: its events belong to that
    /// execution's history, not to this one, and are numbered on their own.
    pub(crate) quiet: bool,
    /// The frame starts a child execution: it sees none of the parent's variables.
    pub(crate) isolated: bool,
    pub(crate) status: FrameStatus,
}

/// Where a child frame reports to.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct Parent {
    pub(crate) frame: FrameId,
    /// Branch index (Parallel) or item index (Map).
    pub(crate) slot: usize,
}

/// One step from a scope to a nested one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum ScopeStep {
    Branch { state: StateId, branch: usize },
    Processor { state: StateId },
}

/// What a frame is doing.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum FrameStatus {
    /// About to enter its current state.
    Entering,
    /// Waiting for a task.
    Task(TaskWait),
    /// A Wait state waiting for its timer.
    Waiting { timer: TimerId },
    /// A retry's backoff: when the timer fires, the state runs again.
    Backoff { timer: TimerId },
    /// A Parallel or Map state waiting for its children.
    Children(Box<Children>),
    /// Stopped unfinished: its state failed with no Catch, or a sibling's failure aborted it.
    /// The frame stays, with the children it waited for when it stopped in a Parallel or Map
    /// state, so that a redrive runs it again from where it stopped (AWS redrives only the
    /// branches and iterations that failed or were aborted). A Retry or Catch that takes over
    /// drops them; so does the Map that tolerated the failure, once it succeeds.
    Halted { children: Option<Box<Children>> },
}

impl FrameStatus {
    /// The Map Run of a Distributed Map state waiting for its child executions.
    pub(crate) fn map_run(&self) -> Option<usize> {
        match self {
            FrameStatus::Children(children) => match &children.kind {
                ChildrenKind::Map(run) => run.map_run,
                ChildrenKind::Parallel => None,
            },
            FrameStatus::Entering
            | FrameStatus::Task(_)
            | FrameStatus::Waiting { .. }
            | FrameStatus::Backoff { .. }
            | FrameStatus::Halted { .. } => None,
        }
    }
}

/// A task in flight.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct TaskWait {
    pub(crate) task: TaskId,
    pub(crate) family: TaskFamily,
    /// The service and the action with its pattern, which name a service task in its events;
    /// empty for activities and Lambda functions, whose events do not name them.
    pub(crate) resource_type: String,
    pub(crate) resource: String,
    pub(crate) timeout_timer: Option<TimerId>,
    pub(crate) heartbeat_timer: Option<TimerId>,
    pub(crate) heartbeat_seconds: Option<u64>,
}

/// Why a timer exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum TimerPurpose {
    Wait,
    Backoff,
    TaskTimeout,
    HeartbeatTimeout,
    ExecutionTimeout,
}

/// The children of a Parallel or Map state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Children {
    pub(crate) kind: ChildrenKind,
    pub(crate) results: Vec<Option<Value>>,
    /// Running child frames.
    pub(crate) running: Vec<FrameId>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum ChildrenKind {
    Parallel,
    Map(MapRun),
}

/// Progress of a Map state's iterations.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct MapRun {
    /// Iteration inputs (after ItemSelector), in item order.
    pub(crate) inputs: Vec<Value>,
    /// The items before ItemSelector (`$$.Map.Item.Value`).
    pub(crate) items: Vec<Value>,
    pub(crate) next: usize,
    /// At most this many iterations run at once.
    pub(crate) max_concurrency: usize,
    /// Iterations run as child executions (Distributed Map): no iteration events here.
    pub(crate) distributed: bool,
    pub(crate) failures: usize,
    /// The last `MapIteration*` event: `MapStateSucceeded` points at it.
    pub(crate) last_iteration_event_id: u64,
    pub(crate) tolerated_count: Option<u64>,
    pub(crate) tolerated_percentage: Option<f64>,
    /// Iterations that failed within the tolerance, kept halted for a redrive until the Map
    /// succeeds.
    #[serde(default)]
    pub(crate) halted: Vec<FrameId>,
    /// Halted iterations a redrive runs again, in item order, before the items not started.
    #[serde(default)]
    pub(crate) resume: std::collections::VecDeque<FrameId>,
    /// A Distributed Map's Map Run, by its index in [`Execution::map_runs`].
    #[serde(default)]
    pub(crate) map_run: Option<usize>,
}

/// Resolves a frame's scope path to the scope itself. The path was built from this machine, so
/// every step names a Parallel or Map state that exists.
pub(crate) fn resolve_scope<'m>(machine: &'m StateMachine, path: &[ScopeStep]) -> &'m Scope {
    let mut scope = &machine.scope;
    for step in path {
        scope = match (*step, &scope.state_at(*step).kind) {
            (ScopeStep::Branch { branch, .. }, StateKind::Parallel(parallel)) => {
                &parallel.branches[branch]
            }
            (ScopeStep::Processor { .. }, StateKind::Map(map)) => &map.processor,
            _ => unreachable!("scope paths are built from the machine they resolve in"),
        };
    }
    scope
}

trait StateAt {
    fn state_at(&self, step: ScopeStep) -> &baton_asl::model::State;
}

impl StateAt for Scope {
    fn state_at(&self, step: ScopeStep) -> &baton_asl::model::State {
        match step {
            ScopeStep::Branch { state, .. } | ScopeStep::Processor { state } => self.state(state),
        }
    }
}

/// The variables a frame can read: its own scope's and every enclosing scope's.
pub(crate) struct VisibleVariables<'a> {
    /// The frames alone, not the whole execution, so that an evaluation can borrow the
    /// execution's draws mutably at the same time.
    pub(crate) frames: &'a [Option<Frame>],
    pub(crate) frame: FrameId,
}

impl Variables for VisibleVariables<'_> {
    fn get(&self, name: &str) -> Option<&Value> {
        let mut current = Some(self.frame);
        while let Some(id) = current {
            let frame = self.frames.get(id)?.as_ref()?;
            if let Some(value) = frame.variables.get(name) {
                return Some(value);
            }
            if frame.isolated {
                return None;
            }
            current = frame.parent.map(|parent| parent.frame);
        }
        None
    }
}

#[cfg(test)]
mod tests;
