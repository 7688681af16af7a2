//! Signals from outside a running execution: StopExecution, UpdateMapRun, and activity workers
//! and callbacks reporting on tasks they took (GetActivityTask, SendTaskHeartbeat,
//! SendTaskSuccess/Failure).
//!
//! The owner of an execution (the API, for example) calls [`mailbox`] and gets two ends: a
//! cheap-to-clone [`Remote`] it keeps, and a [`Mailbox`] it gives to
//! [`run_controlled`](crate::run_controlled) (STYLE A6). Each [`Signal`] sent through the remote
//! is checked by the shell against the tasks the interpreter still waits for, answered at once,
//! and only then applied, so a late signal (for a task that finished, timed out or was
//! cancelled, or an execution that ended) comes back to its sender as [`Rejected`] and never
//! reaches the interpreter, where it would be a corrupt input. The shell stamps every signal
//! with its own clock (STYLE A2).
//!
//! The mailbox also carries the owner's [`Outside`] hook: the shell calls it with each task
//! whose result comes from outside, so that the owner can queue an activity task for workers or
//! remember a callback's task token.

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use baton_core::map_run::MapRunLimits;
use baton_core::{TaskId, TaskRequest};
use baton_integrations::TaskError;

/// How many signals may wait for the execution's loop before senders wait for room.
const SIGNALS_QUEUED_MAX: usize = 1024;

/// The owner's hook for a task whose result comes from outside: an activity task that no
/// runner works on, or a `.waitForTaskToken` task (called before its request is sent). It
/// answers `Err` to fail the task at once, such as an activity that does not exist.
pub type Outside = Box<dyn FnMut(&TaskRequest) -> Result<(), TaskError> + Send>;

/// A new pair of ends: the [`Remote`] for the owner, the [`Mailbox`] for the execution.
pub fn mailbox(outside: Outside) -> (Remote, Mailbox) {
    let (sender, receiver) = mpsc::channel(SIGNALS_QUEUED_MAX);
    (Remote { sender }, Mailbox { receiver, outside })
}

/// What the owner of an execution tells it. The shell adds the time.
#[derive(Debug, Clone, PartialEq)]
pub enum Signal {
    /// StopExecution: the execution ends as ABORTED.
    Stop { error: Option<String>, cause: Option<String> },
    /// A worker took the task (GetActivityTask); AWS records its name in `ActivityStarted`.
    TaskStarted { task: TaskId, worker_name: Option<String> },
    /// The worker is still alive: the task's heartbeat deadline starts again.
    TaskHeartbeat { task: TaskId },
    /// The task's result, from a worker or a callback (SendTaskSuccess).
    TaskSucceeded { task: TaskId, output: Value },
    /// The task's failure, from a worker or a callback (SendTaskFailure).
    TaskFailed { task: TaskId, error: String, cause: String },
    /// UpdateMapRun: new limits for one of the execution's Map Runs.
    UpdateMapRun { map_run_arn: String, limits: MapRunLimits },
}

/// Why a signal was not applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejected {
    /// The interpreter no longer waits for the task: it finished, timed out or was cancelled.
    #[error("task {} is not open: it finished, timed out or was cancelled", task.0)]
    TaskNotOpen { task: TaskId },
    /// A worker already took the task.
    #[error("task {} has already started", task.0)]
    TaskAlreadyStarted { task: TaskId },
    /// The execution is over; nothing reaches it any more.
    #[error("the execution has ended")]
    Ended,
}

/// The owner's end: sends signals to one running execution. Cheap to clone.
#[derive(Clone)]
pub struct Remote {
    sender: mpsc::Sender<Letter>,
}

impl Remote {
    /// Sends `signal` and waits for the execution to accept or reject it.
    pub async fn send(&self, signal: Signal) -> Result<(), Rejected> {
        let (reply, answer) = oneshot::channel();
        self.sender.send(Letter { signal, reply }).await.map_err(|_| Rejected::Ended)?;
        // A loop that ends with the letter unread drops its reply sender.
        answer.await.unwrap_or(Err(Rejected::Ended))
    }
}

/// The execution's end: given to [`run_controlled`](crate::run_controlled).
pub struct Mailbox {
    pub(crate) receiver: mpsc::Receiver<Letter>,
    pub(crate) outside: Outside,
}

/// One signal and where its answer goes.
pub(crate) struct Letter {
    pub(crate) signal: Signal,
    pub(crate) reply: oneshot::Sender<Result<(), Rejected>>,
}
