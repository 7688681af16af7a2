//! Task declarations: a plain async Rust function with typed input and output, declared once
//! with its resource name and its error-handling policy (Retry, Catch, timeout, heartbeat).
//!
//! Stepwise put the error-handling metadata on the handler function; a [`Task`] does the same,
//! so every step that runs the handler carries the same policy without repeating it. The
//! handler's input is the Task state's effective input deserialized into `I`; its `Ok` value is
//! serialized into the state's result; its `Err(TaskFailure)` fails the task with that error
//! name, which the state's `Retry` and `Catch` clauses match.
//!
//! In the generated definition a task is an activity (`arn:aws:states:REGION:ACCOUNT:activity:NAME`,
//! see [`crate::Target`]): an activity receives the effective input and returns its result
//! unchanged, so the handler sees exactly its typed input, and the same definition can later be
//! served by activity workers without editing it. A callback task ([`Task::callback`]) is a
//! `.waitForTaskToken` Lambda invocation instead: its handler hands the task token to someone
//! (a person, another system) who completes the task later.
//!
//! [`run`] is how every placement (the embedded engine, activity workers) runs a handler, so
//! interceptors and payload offloading apply the same way everywhere.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use baton_integrations::TaskError;

use crate::flow::{Flow, Step, kind};
use crate::interceptor::{self, Call};
use crate::offload::Offload;
use crate::policy::{Catch, Retry};

/// The error a task fails with when its input does not deserialize into the handler's input
/// type.
pub const INPUT_INVALID: &str = "Baton.TaskInputInvalid";
/// The error a task fails with when the handler's output does not serialize to JSON.
pub const OUTPUT_INVALID: &str = "Baton.TaskOutputInvalid";

/// A handler's failure: the error name that `Retry` and `Catch` match, and a cause for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}: {cause}")]
pub struct TaskFailure {
    /// The error name, such as `Oven.Cold`.
    pub error: String,
    /// A human-readable explanation.
    pub cause: String,
}

impl TaskFailure {
    /// A failure with this error name and cause.
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> TaskFailure {
        TaskFailure { error: error.into(), cause: cause.into() }
    }
}

impl From<TaskFailure> for TaskError {
    fn from(failure: TaskFailure) -> TaskError {
        TaskError::new(failure.error, failure.cause)
    }
}

/// What a callback task's handler receives (see [`Task::callback`]).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Callback<I> {
    /// The task's input: the state's effective input.
    pub input: I,
    /// The task token that completes the task, through [`crate::TaskTokens`] on the embedded
    /// engine or `SendTaskSuccess`/`SendTaskFailure` on a server.
    pub token: String,
}

/// What surrounds every handler run, wherever the handler is placed: the interceptor stack and
/// payload offloading. The embedded engine holds one, and so does each worker; both run
/// handlers through [`run`].
#[derive(Clone, Default)]
pub(crate) struct Around {
    pub(crate) interceptors: interceptor::Stack,
    pub(crate) offload: Option<Offload>,
}

impl fmt::Debug for Around {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Around")
            .field("interceptors", &self.interceptors.len())
            .field("offload", &self.offload)
            .finish()
    }
}

impl Around {
    /// Whether handlers run bare: no interceptor and no offloading, so that [`run`] would only
    /// call the handler.
    pub(crate) fn is_bare(&self) -> bool {
        self.interceptors.len() == 0 && self.offload.is_none()
    }
}

/// Runs `task`'s handler on `input` (a Task state's effective input, or an activity task's
/// input as `GetActivityTask` returns it) and returns its output as JSON, or the failure the
/// task reports: payload references in the input are resolved, the interceptors of `around`
/// run around the handler, and a large output is offloaded (see [`crate::offload`] and
/// [`crate::interceptor`]). Every placement runs handlers through this function, so they
/// behave the same on the embedded engine and on workers (the engine calls a handler directly
/// when `around` [is bare](Around::is_bare), which is what this function would do).
pub(crate) async fn run(task: &Task, input: Value, around: &Around) -> Result<Value, TaskFailure> {
    let input = match &around.offload {
        Some(offload) => offload.resolve(input).await?,
        None => input,
    };
    let output = around.interceptors.run(Call::new(&task.name), input, &*task.handler).await?;
    match &around.offload {
        Some(offload) => Ok(offload.store(output).await?),
        None => Ok(output),
    }
}

/// A handler's work: JSON or the failure, later.
pub(crate) type Work = Pin<Box<dyn Future<Output = Result<Value, TaskFailure>> + Send>>;

/// A handler with its types erased: JSON in, JSON or a failure out.
pub(crate) type Handler = Arc<dyn Fn(Value) -> Work + Send + Sync>;

/// How a task's result comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pattern {
    /// An activity: the handler's output is the result.
    Activity,
    /// A `.waitForTaskToken` call: the handler sends the token on, and the result is what
    /// comes back with the token.
    Callback,
}

/// A task handler declared with its resource name and error-handling policy.
///
/// ```
/// use baton_sdk::{Retry, Task, TaskFailure};
///
/// async fn bake(celsius: u32) -> Result<String, TaskFailure> {
///     if celsius < 220 {
///         return Err(TaskFailure::new("Oven.Cold", format!("{celsius} °C is too cold")));
///     }
///     Ok("crispy".to_owned())
/// }
///
/// let bake = Task::new("bake", bake)
///     .retry(Retry::on(["Oven.Cold"]).interval(1).max_attempts(3))
///     .timeout_seconds(60);
/// assert_eq!(bake.name(), "bake");
/// ```
#[derive(Clone)]
pub struct Task {
    pub(crate) name: String,
    pub(crate) handler: Handler,
    pub(crate) retry: Vec<Retry>,
    pub(crate) catch: Vec<(Catch, Flow)>,
    pub(crate) timeout_seconds: Option<u64>,
    pub(crate) heartbeat_seconds: Option<u64>,
    pub(crate) pattern: Pattern,
}

impl Task {
    /// Declares `handler` under the resource name `name` (the activity's name: 1 to 80
    /// characters, no whitespace or special characters). Steps that run it are named `name`
    /// unless renamed.
    pub fn new<I, O, F, Work>(name: impl Into<String>, handler: F) -> Task
    where
        I: DeserializeOwned + Send + 'static,
        O: Serialize + 'static,
        F: Fn(I) -> Work + Send + Sync + 'static,
        Work: Future<Output = Result<O, TaskFailure>> + Send + 'static,
    {
        let handler = Arc::new(handler);
        let erased: Handler = Arc::new(move |input: Value| {
            let handler = Arc::clone(&handler);
            Box::pin(async move {
                let input: I = serde_json::from_value(input).map_err(|error| {
                    TaskFailure::new(INPUT_INVALID, format!("the task input does not fit: {error}"))
                })?;
                let output = handler(input).await?;
                serde_json::to_value(output).map_err(|error| {
                    TaskFailure::new(
                        OUTPUT_INVALID,
                        format!("the task output is not JSON: {error}"),
                    )
                })
            })
        });
        Task {
            name: name.into(),
            handler: erased,
            retry: Vec::new(),
            catch: Vec::new(),
            timeout_seconds: None,
            heartbeat_seconds: None,
            pattern: Pattern::Activity,
        }
    }

    /// Declares a callback task under the resource name `name`: a step that runs it calls
    /// `handler` with its input and a task token, and then waits until someone completes the
    /// task with that token; the output sent with the token is the step's result, and a
    /// failure sent with it is the step's error. `handler` only hands the token on (to a
    /// person who approves, another system); its `Err` fails the task at once.
    ///
    /// The step is a Lambda invocation with `.waitForTaskToken`
    /// (`arn:aws:states:::lambda:invoke.waitForTaskToken`, `FunctionName` the task's name,
    /// `Payload` `{"input": <effective input>, "token": <task token>}`), so on AWS a Lambda
    /// function of that name plays the handler; it is not an activity, and activity workers do
    /// not serve it. On the embedded engine the handler runs in-process and the token comes
    /// back through [`crate::Engine::task_tokens`].
    ///
    /// ```
    /// use baton_sdk::{Callback, Task, TaskFailure};
    ///
    /// async fn ask(request: Callback<String>) -> Result<(), TaskFailure> {
    ///     println!("please approve {} with token {}", request.input, request.token);
    ///     Ok(())
    /// }
    ///
    /// let ask = Task::callback("ask-approver", ask).timeout_seconds(24 * 3600);
    /// assert_eq!(ask.name(), "ask-approver");
    /// ```
    pub fn callback<I, F, Work>(name: impl Into<String>, handler: F) -> Task
    where
        I: DeserializeOwned + Send + 'static,
        F: Fn(Callback<I>) -> Work + Send + Sync + 'static,
        Work: Future<Output = Result<(), TaskFailure>> + Send + 'static,
    {
        let mut task = Task::new(name, handler);
        task.pattern = Pattern::Callback;
        task
    }

    /// The resource name the task was declared with.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Adds a `Retry` clause to every step that runs this task.
    #[must_use]
    pub fn retry(mut self, retry: Retry) -> Task {
        self.retry.push(retry);
        self
    }

    /// Adds a `Catch` clause to every step that runs this task: errors it matches run
    /// `recovery`, which then continues after the step (unless it ends the workflow).
    #[must_use]
    pub fn catch(mut self, catch: Catch, recovery: Flow) -> Task {
        self.catch.push((catch, recovery));
        self
    }

    /// Fails the task with `States.Timeout` after this many seconds (`TimeoutSeconds`).
    #[must_use]
    pub fn timeout_seconds(mut self, seconds: u64) -> Task {
        self.timeout_seconds = Some(seconds);
        self
    }

    /// Fails the task with `States.HeartbeatTimeout` when no heartbeat arrives for this many
    /// seconds (`HeartbeatSeconds`). Handlers on the embedded engine send no heartbeats yet, so
    /// on the real clock a handler that runs longer than this times out, as an activity worker
    /// that never heartbeats would; on the virtual clock handlers take no time.
    #[must_use]
    pub fn heartbeat_seconds(mut self, seconds: u64) -> Task {
        self.heartbeat_seconds = Some(seconds);
        self
    }

    /// A step that runs this task, to rename or to give data-flow fields before adding it to a
    /// flow (a `&Task` can be added to a flow as it is).
    pub fn step(&self) -> Step<kind::Task> {
        Step::new(self.name.clone(), kind::Task { task: self.clone() })
    }
}

impl fmt::Debug for Task {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Task")
            .field("name", &self.name)
            .field("retry", &self.retry)
            .field("catch", &self.catch)
            .field("timeout_seconds", &self.timeout_seconds)
            .field("heartbeat_seconds", &self.heartbeat_seconds)
            .finish_non_exhaustive()
    }
}
