//! The Map Runs of an execution: one per run of a Distributed Map state, with its limits and
//! how its child executions fared, as DescribeMapRun and ListMapRuns report them.
//!
//! The interpreter keeps them in the execution (and so in its snapshot) and updates them as
//! child executions start and end; the shell stores each one that changed with the step that
//! changed it. A Map Run outlives its Map state: it is kept, ended, after the state is left.

use serde::{Deserialize, Serialize};

use crate::input::Millis;

/// One Map Run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapRunProgress {
    /// `arn:aws:states:REGION:ACCOUNT:mapRun:MACHINE/LABEL:ID`.
    pub arn: String,
    pub status: MapRunStatus,
    pub started_at: Millis,
    pub stopped_at: Option<Millis>,
    /// At most this many child executions run at once; 0 means no limit.
    pub max_concurrency: u64,
    pub tolerated_failure_count: u64,
    pub tolerated_failure_percentage: f64,
    /// Child executions: one per item, or one per batch when the Map batches its items.
    pub total: u64,
    /// Child executions started and not yet started again by a redrive.
    pub started: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub aborted: u64,
    /// How many times the parent's redrives ran this Map Run again, and when it last did.
    pub redrive_count: u32,
    pub redrive_time: Option<Millis>,
}

impl MapRunProgress {
    /// A Map Run that starts at `at` with `total` child executions, no failure tolerated.
    pub(crate) fn started(arn: String, at: Millis, max_concurrency: u64, total: usize) -> Self {
        MapRunProgress {
            arn,
            status: MapRunStatus::Running,
            started_at: at,
            stopped_at: None,
            max_concurrency,
            tolerated_failure_count: 0,
            tolerated_failure_percentage: 0.0,
            total: total as u64,
            started: 0,
            succeeded: 0,
            failed: 0,
            aborted: 0,
            redrive_count: 0,
            redrive_time: None,
        }
    }

    /// Child executions not started yet.
    pub fn pending(&self) -> u64 {
        self.total.saturating_sub(self.started)
    }

    /// Child executions started and not ended.
    pub fn running(&self) -> u64 {
        self.started.saturating_sub(self.succeeded + self.failed + self.aborted)
    }

    /// Ends a Map Run that is still running with `status` at `at`.
    pub(crate) fn end(&mut self, status: MapRunStatus, at: Millis) {
        if self.status == MapRunStatus::Running {
            self.status = status;
            self.stopped_at = Some(at);
        }
    }

    /// Ends a Map Run that is still running as ABORTED at `at` (its state or its execution was
    /// stopped from outside), and the child executions that were running with it.
    pub(crate) fn abort(&mut self, at: Millis) {
        if self.status == MapRunStatus::Running {
            self.aborted += self.running();
            self.end(MapRunStatus::Aborted, at);
        }
    }

    /// A redrive at `at` runs the Map Run again: its failed and aborted children start over.
    pub(crate) fn run_again(&mut self, at: Millis) {
        self.status = MapRunStatus::Running;
        self.stopped_at = None;
        self.started = self.succeeded;
        self.failed = 0;
        self.aborted = 0;
        self.redrive_count += 1;
        self.redrive_time = Some(at);
    }
}

/// What UpdateMapRun changes; `None` keeps the Map Run's value.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct MapRunLimits {
    pub max_concurrency: Option<u64>,
    pub tolerated_failure_count: Option<u64>,
    pub tolerated_failure_percentage: Option<f64>,
}

impl MapRunLimits {
    /// Whether `progress` has every limit given here.
    pub fn hold_in(&self, progress: &MapRunProgress) -> bool {
        self.max_concurrency.is_none_or(|limit| progress.max_concurrency == limit)
            && self
                .tolerated_failure_count
                .is_none_or(|count| progress.tolerated_failure_count == count)
            && self
                .tolerated_failure_percentage
                .is_none_or(|percentage| progress.tolerated_failure_percentage == percentage)
    }

    /// Gives `progress` every limit given here.
    pub(crate) fn apply_to(&self, progress: &mut MapRunProgress) {
        progress.max_concurrency = self.max_concurrency.unwrap_or(progress.max_concurrency);
        progress.tolerated_failure_count =
            self.tolerated_failure_count.unwrap_or(progress.tolerated_failure_count);
        progress.tolerated_failure_percentage =
            self.tolerated_failure_percentage.unwrap_or(progress.tolerated_failure_percentage);
    }
}

/// A Map Run's status, as DescribeMapRun names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MapRunStatus {
    Running,
    Succeeded,
    Failed,
    Aborted,
}

impl MapRunStatus {
    /// AWS's name.
    pub fn as_str(self) -> &'static str {
        match self {
            MapRunStatus::Running => "RUNNING",
            MapRunStatus::Succeeded => "SUCCEEDED",
            MapRunStatus::Failed => "FAILED",
            MapRunStatus::Aborted => "ABORTED",
        }
    }
}
