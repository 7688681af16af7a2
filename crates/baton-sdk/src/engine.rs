//! The embedded engine: runs a workflow in this process, its tasks served by their declared
//! handlers, and returns the result with the full history.
//!
//! [`Engine::run`] is the dev loop: each call compiles the workflow afresh, validates it, builds
//! a runner from the handlers the workflow names and runs one in-memory execution through
//! `baton-runtime`, so nothing is registered anywhere and nothing survives between runs. It is
//! the Rust counterpart of Stepwise's `reloaded/start-execution!!`, without its stale
//! registrations: a handler changed and declared again under the same name takes effect in the
//! next call. [`Engine::prepare`] does the compiling once, for programs and benchmarks that run
//! the same workflow many times ([`Prepared::run`]).
//!
//! Tasks are activities (see [`crate::Target`]), answered in-process by the handler declared
//! under the activity's name; callback tasks ([`Task::callback`]) wait for their token to come
//! back through [`TaskTokens`]. Every handler runs through the same function as on workers,
//! inside the engine's interceptors and payload offloading ([`Engine::intercept`],
//! [`Engine::offload`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use serde::Serialize;
use serde_json::Value;

use baton_asl::StateMachine;
use baton_asl::model::Resource;
use baton_core::{Event, EventKind, Outcome, TaskId, TaskRequest};
use baton_integrations::{TaskError, TaskFuture, TaskRunner};
use baton_runtime::remote::{Rejected, Remote, Signal};
use baton_runtime::{Clock, EVALUATION_BUDGET};

use crate::Error;
use crate::interceptor::Interceptor;
use crate::offload::Offload;
use crate::task::{self, Around, Pattern, Task};
use crate::workflow::{Target, Workflow};

/// An in-process Baton engine. Cheap to clone; clones share their [`TaskTokens`].
#[derive(Debug, Clone)]
pub struct Engine {
    clock: Clock,
    around: Arc<Around>,
    tokens: TaskTokens,
}

impl Engine {
    /// An engine in this process, on the system clock (a `Wait` of ten seconds takes ten
    /// seconds), without interceptors or offloading.
    pub fn embedded() -> Engine {
        Engine {
            clock: Clock::Real,
            around: Arc::new(Around::default()),
            tokens: TaskTokens::default(),
        }
    }

    /// The same engine on `clock`; [`Clock::Virtual`] fires timers (waits, retry backoff) as
    /// soon as no task runs, so tests do not sleep, while the history shows the times as if
    /// they had passed.
    #[must_use]
    pub fn with_clock(mut self, clock: Clock) -> Engine {
        self.clock = clock;
        self
    }

    /// The same engine with `interceptor` around every handler, inside the interceptors added
    /// before it (see [`crate::interceptor`]).
    #[must_use]
    pub fn intercept(mut self, interceptor: impl Interceptor) -> Engine {
        Arc::make_mut(&mut self.around).interceptors.push(Arc::new(interceptor));
        self
    }

    /// The same engine with payload offloading: large handler outputs go to `offload`'s store,
    /// references in handler inputs and in the execution's output are resolved (see
    /// [`crate::offload`]).
    #[must_use]
    pub fn offload(mut self, offload: Offload) -> Engine {
        Arc::make_mut(&mut self.around).offload = Some(offload);
        self
    }

    /// The handle that completes this engine's callback tasks by their tokens.
    pub fn task_tokens(&self) -> TaskTokens {
        self.tokens.clone()
    }

    /// Runs `workflow` once on `input` (anything that serializes to JSON) on a fresh compile
    /// of the workflow and returns how it ended and its history: the dev loop (see the module
    /// documentation). Must be called within a tokio runtime: tasks run as tokio tasks.
    ///
    /// ```
    /// use baton_sdk::{Clock, Engine, Flow, Task, TaskFailure, Workflow};
    ///
    /// async fn greet(name: String) -> Result<String, TaskFailure> {
    ///     Ok(format!("hello, {name}"))
    /// }
    ///
    /// let workflow = Workflow::new("greet", Flow::new().then(&Task::new("greet", greet)));
    /// let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    /// let engine = Engine::embedded().with_clock(Clock::Virtual);
    /// let outcome = runtime.block_on(engine.run(&workflow, &"Ada"))?;
    /// assert_eq!(outcome.result, Ok(serde_json::json!("hello, Ada")));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn run(
        &self,
        workflow: &Workflow,
        input: &impl Serialize,
    ) -> Result<RunOutcome, Error> {
        self.prepare(workflow)?.run(input).await
    }

    /// Compiles and validates `workflow` once and binds its handlers, for running it many
    /// times; the interceptors and offloading are the engine's at this call.
    pub fn prepare(&self, workflow: &Workflow) -> Result<Prepared, Error> {
        let target = Target::local();
        let definition = workflow.compile(&target)?;
        let mut by_key = BTreeMap::new();
        let mut callbacks = false;
        for task in definition.tasks {
            // A callback task is a Lambda invocation that names the task as its function.
            let key = match task.pattern {
                Pattern::Activity => target.activity_arn(&task.name),
                Pattern::Callback => {
                    callbacks = true;
                    task.name.clone()
                }
            };
            by_key.insert(key, Arc::new(task));
        }
        let runner = Runner { by_key, around: Arc::clone(&self.around) };
        Ok(Prepared {
            name: workflow.name.clone(),
            machine: definition.machine,
            runner: Arc::new(runner),
            engine: self.clone(),
            callbacks,
        })
    }
}

/// A workflow compiled for an engine, ready to run many times (see [`Engine::prepare`]).
#[derive(Clone)]
pub struct Prepared {
    name: String,
    machine: Arc<StateMachine>,
    runner: Arc<Runner>,
    engine: Engine,
    /// Whether some task waits for its token, so that runs need a mailbox for the callbacks.
    callbacks: bool,
}

impl Prepared {
    /// Runs the workflow once on `input`, as [`Engine::run`] does but without compiling it
    /// again. Must be called within a tokio runtime.
    pub async fn run(&self, input: &impl Serialize) -> Result<RunOutcome, Error> {
        let (result, events) = self.execute(input, Events::Recorded).await?;
        Ok(RunOutcome { result, history: History { events } })
    }

    /// Runs the workflow once on `input` and returns only its output or failure: the fastest
    /// way to run it, since the interpreter then builds no history events (the benchmark's
    /// path; see `docs/benchmarks.md`). Must be called within a tokio runtime.
    pub async fn output(&self, input: &impl Serialize) -> Result<Result<Value, Failure>, Error> {
        let (result, _) = self.execute(input, Events::Skipped).await?;
        Ok(result)
    }

    async fn execute(
        &self,
        input: &impl Serialize,
        events: Events,
    ) -> Result<(Result<Value, Failure>, Vec<Event>), Error> {
        let input = serde_json::to_string(input).map_err(Error::Input)?;
        let options = baton_runtime::Options {
            record_history: matches!(events, Events::Recorded),
            clock: self.engine.clock,
            progress: None,
            evaluation_budget: EVALUATION_BUDGET,
        };
        let mut start = baton_runtime::local_start(&self.name, input);
        start.record_history = options.record_history;
        let machine = Arc::clone(&self.machine);
        let runner: Arc<dyn TaskRunner> = Arc::clone(&self.runner) as Arc<dyn TaskRunner>;
        let run = if self.callbacks {
            let tokens = &self.engine.tokens;
            let (run, mailbox) = tokens.mailbox();
            let result =
                baton_runtime::run_controlled(machine, start, runner, options, mailbox).await;
            tokens.forget_run(run);
            result?
        } else {
            baton_runtime::run_express(machine, start, runner, options).await?
        };
        let result = match run.outcome {
            Outcome::Succeeded { output } => {
                let output = serde_json::from_str(&output).map_err(Error::Output)?;
                match &self.engine.around.offload {
                    Some(offload) => Ok(offload.resolve(output).await?),
                    None => Ok(output),
                }
            }
            Outcome::Failed { error, cause } => {
                Err(Failure { status: Status::Failed, error, cause })
            }
            Outcome::TimedOut { error, cause } => {
                Err(Failure { status: Status::TimedOut, error, cause })
            }
            Outcome::Aborted { error, cause } => {
                Err(Failure { status: Status::Aborted, error, cause })
            }
        };
        Ok((result, run.events))
    }
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Prepared")
            .field("name", &self.name)
            .field("engine", &self.engine)
            .finish_non_exhaustive()
    }
}

/// Whether a run keeps its history events.
#[derive(Clone, Copy)]
enum Events {
    Recorded,
    Skipped,
}

/// Answers a workflow's Task states with its declared handlers.
struct Runner {
    /// Activity tasks by activity ARN, callback tasks by their name (their Lambda function's).
    /// Ordered: ARNs are long, and a few comparisons of them cost less than hashing one.
    by_key: BTreeMap<String, Arc<Task>>,
    around: Arc<Around>,
}

impl TaskRunner for Runner {
    fn start(&self, request: &TaskRequest) -> Option<TaskFuture> {
        let (task, input) = match &request.resource {
            Resource::Activity { arn } => (self.by_key.get(arn)?, request.input.clone()),
            // A callback task's request, sent as a plain `lambda:invoke`; what it returns is
            // ignored, only a failure counts.
            Resource::Integration { service, action, .. }
                if service == "lambda" && action == "invoke" =>
            {
                let name = request.input.get("FunctionName")?.as_str()?;
                let payload = request.input.get("Payload").cloned().unwrap_or(Value::Null);
                (self.by_key.get(name)?, payload)
            }
            Resource::Integration { .. } | Resource::LambdaFunction { .. } => return None,
        };
        if self.around.is_bare() {
            // The handler's own future, without `task::run`'s: that one is sized for
            // interceptors and offloading, and building and moving it cost more than the
            // handler.
            let work = (task.handler)(input);
            return Some(Box::pin(async move { work.await.map_err(TaskError::from) }));
        }
        let task = Arc::clone(task);
        let around = Arc::clone(&self.around);
        Some(Box::pin(
            async move { task::run(&task, input, &around).await.map_err(TaskError::from) },
        ))
    }
}

/// Completes an engine's callback tasks by their task tokens: the in-process counterpart of
/// `SendTaskSuccess`, `SendTaskFailure` and `SendTaskHeartbeat`. Cheap to clone; get it with
/// [`Engine::task_tokens`].
#[derive(Clone, Default)]
pub struct TaskTokens {
    registry: Arc<Mutex<Registry>>,
    next_run: Arc<AtomicU64>,
}

/// The runs with callback tasks, and the tasks that wait for their tokens.
#[derive(Default)]
struct Registry {
    /// Each run's remote, while it runs.
    runs: HashMap<u64, Remote>,
    /// The run and task each token completes.
    waiting: HashMap<String, (u64, TaskId)>,
}

/// Why a task token was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// No running execution of this engine waits for the token: it was never issued, it was
    /// used already, or its execution is over.
    #[error("no task waits for token {token:?}")]
    Unknown {
        /// The token.
        token: String,
    },
    /// The execution no longer waits for the task (it timed out or was cancelled meanwhile).
    #[error(transparent)]
    Rejected(#[from] Rejected),
    /// The output does not serialize to JSON.
    #[error("the task output is not JSON: {0}")]
    Output(#[source] serde_json::Error),
}

impl TaskTokens {
    /// Completes the task waiting for `token` with `output` as its result.
    pub async fn succeed(&self, token: &str, output: &impl Serialize) -> Result<(), TokenError> {
        let output = serde_json::to_value(output).map_err(TokenError::Output)?;
        let (remote, task) = self.find(token, Use::Complete)?;
        remote.send(Signal::TaskSucceeded { task, output }).await?;
        Ok(())
    }

    /// Fails the task waiting for `token` with `error` and `cause`, which the step's `Retry`
    /// and `Catch` match.
    pub async fn fail(&self, token: &str, error: &str, cause: &str) -> Result<(), TokenError> {
        let (remote, task) = self.find(token, Use::Complete)?;
        let signal = Signal::TaskFailed { task, error: error.to_owned(), cause: cause.to_owned() };
        remote.send(signal).await?;
        Ok(())
    }

    /// Tells the task waiting for `token` that its work goes on, restarting its
    /// `HeartbeatSeconds`.
    pub async fn heartbeat(&self, token: &str) -> Result<(), TokenError> {
        let (remote, task) = self.find(token, Use::Heartbeat)?;
        remote.send(Signal::TaskHeartbeat { task }).await?;
        Ok(())
    }

    /// The remote and task of `token`; a token that completes its task is used up.
    fn find(&self, token: &str, token_use: Use) -> Result<(Remote, TaskId), TokenError> {
        let mut registry = self.registry.lock().unwrap_or_else(PoisonError::into_inner);
        let unknown = || TokenError::Unknown { token: token.to_owned() };
        let (run, task) = match token_use {
            Use::Complete => registry.waiting.remove(token),
            Use::Heartbeat => registry.waiting.get(token).copied(),
        }
        .ok_or_else(unknown)?;
        let remote = registry.runs.get(&run).ok_or_else(unknown)?.clone();
        Ok((remote, task))
    }

    /// A mailbox for a new run, and the run's number: each callback task's token is
    /// remembered before its request goes out, so that the handler can hand it on at once.
    fn mailbox(&self) -> (u64, baton_runtime::Mailbox) {
        let run = self.next_run.fetch_add(1, Ordering::Relaxed);
        let registry = Arc::clone(&self.registry);
        let (remote, mailbox) = baton_runtime::mailbox(Box::new(move |request| {
            // Only callback tasks come here: the runner claims every activity it knows.
            let Some(token) = &request.token else {
                return Err(baton_integrations::unsupported(request));
            };
            let mut registry = registry.lock().unwrap_or_else(PoisonError::into_inner);
            registry.waiting.insert(token.clone(), (run, request.task));
            Ok(())
        }));
        self.registry.lock().unwrap_or_else(PoisonError::into_inner).runs.insert(run, remote);
        (run, mailbox)
    }

    /// Forgets run `run`, which has ended, and its tokens.
    fn forget_run(&self, run: u64) {
        let mut registry = self.registry.lock().unwrap_or_else(PoisonError::into_inner);
        registry.runs.remove(&run);
        registry.waiting.retain(|_, (waiting_run, _)| *waiting_run != run);
    }
}

/// What a token is used for.
#[derive(Clone, Copy)]
enum Use {
    /// Succeeding or failing its task, which uses it up.
    Complete,
    /// A heartbeat, after which it still waits.
    Heartbeat,
}

impl std::fmt::Debug for TaskTokens {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let registry = self.registry.lock().unwrap_or_else(PoisonError::into_inner);
        formatter.debug_struct("TaskTokens").field("waiting", &registry.waiting.len()).finish()
    }
}

/// How a run ended: the output or the failure, and the history.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutcome {
    /// The execution's output when it succeeded, how it failed otherwise.
    pub result: Result<Value, Failure>,
    /// Every history event, as `GetExecutionHistory` would list them.
    pub history: History,
}

/// How an execution that did not succeed ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Its status.
    pub status: Status,
    /// The error name, such as `States.TaskFailed` or one a Fail step names.
    pub error: Option<String>,
    /// The cause.
    pub cause: Option<String>,
}

/// The status of an execution that did not succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// `FAILED`.
    Failed,
    /// `TIMED_OUT`.
    TimedOut,
    /// `ABORTED`.
    Aborted,
}

/// An execution's history events.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// The events in order.
    pub events: Vec<Event>,
}

impl History {
    /// The names of the states entered, in order.
    pub fn entered_states(&self) -> Vec<&str> {
        self.events
            .iter()
            .filter_map(|event| match &event.kind {
                EventKind::StateEntered { name, .. } => Some(name.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The history as `GetExecutionHistory` returns it: `{"events": [...]}`.
    pub fn to_json(&self) -> Value {
        let events: Vec<Value> = self.events.iter().map(Event::to_json).collect();
        serde_json::json!({ "events": events })
    }
}
