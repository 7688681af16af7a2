//! Activity workers: the declared [`Task`] handlers served against a Baton server or AWS Step
//! Functions, over GetActivityTask long polls.
//!
//! A [`Worker`] is given tasks (or a whole [`Workflow`]'s tasks) and how to serve each
//! ([`Options`]: how many tasks run at once, how many long polls wait, whether heartbeats are
//! sent). [`Worker::run`] then serves them until its shutdown future completes. Handlers run
//! through the same function as on the embedded engine, inside the worker's interceptors and
//! payload offloading ([`Worker::intercept`], [`Worker::offload`]). The same `Task`
//! values run on the embedded engine ([`crate::Engine`]) or here, so where a handler runs is
//! decided by which of the two is given the workflow, never by the workflow itself.
//!
//! Per task, each of `pollers` loops takes a free slot (one of `concurrency`) before it polls,
//! so a worker never holds a task it has no room to run; the slot is kept while the handler
//! runs and reports, and given back if the poll comes back empty. While a handler runs, a task
//! declared with `HeartbeatSeconds` gets a SendTaskHeartbeat every third of that interval.
//!
//! Answers: `Ok` is SendTaskSuccess with the serialized output; a [`crate::TaskFailure`] is
//! SendTaskFailure with its error and cause; a panic is SendTaskFailure with
//! [`HANDLER_PANICKED`], the error the embedded engine gives a panicking handler too. When the
//! server has already given up on a task (it timed out: `States.Timeout` or
//! `States.HeartbeatTimeout` in the execution), a heartbeat or the answer is refused with
//! `TaskTimedOut` (or `InvalidToken`); the worker then stops heartbeating, logs the refusal
//! through `tracing`, counts it in the [`Report`], and goes on.
//!
//! Shutdown: once the shutdown future completes, no new poll starts; the polls waiting are
//! dropped (a task the server hands to a dropped poll at that very moment is retried by the
//! server after its heartbeat or timeout expires, as on AWS), and `run` returns once every
//! handler that was running has finished and reported.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::{JoinError, JoinSet};

use crate::client::{self, Client, Error};
use crate::interceptor::Interceptor;
use crate::offload::Offload;
use crate::task::{self, Around, Pattern, Task, TaskFailure};
use crate::workflow::{Target, Workflow};

/// The error a task fails with when its handler panics, on a worker as on the embedded engine
/// (whose runtime reports a panicking task runner with this name).
pub const HANDLER_PANICKED: &str = "Baton.RunnerPanicked";

/// The fraction of `HeartbeatSeconds` between two heartbeats: a third leaves room for two
/// heartbeats to be slow or lost before the server gives up on the task.
const HEARTBEATS_PER_INTERVAL: u32 = 3;

/// The pause after a poll that failed (the server unreachable, say) before the next one, so
/// that a worker facing a dead endpoint does not spin.
const POLL_RETRY_PAUSE: Duration = Duration::from_secs(1);

/// The longest cause SendTaskFailure accepts (AWS: 32,768 characters); longer ones are cut.
const CAUSE_CHARS_MAX: usize = 32_768;

/// Activity workers for declared tasks.
///
/// ```no_run
/// use baton_sdk::worker::{Options, Worker};
/// use baton_sdk::{Client, Task, TaskFailure};
///
/// async fn double(n: u64) -> Result<u64, TaskFailure> {
///     Ok(n * 2)
/// }
///
/// # async fn serve() -> Result<(), baton_sdk::client::Error> {
/// let double = Task::new("double", double);
/// let worker = Worker::new(Client::endpoint("http://127.0.0.1:8083"), "doubler")
///     .task(&double, Options::concurrency(8));
/// // Serves until the channel says stop, then finishes the tasks in hand.
/// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
/// let serving = tokio::spawn(worker.run(async { stopped.await.unwrap_or_default() }));
/// // ... later:
/// stop.send(()).ok();
/// let report = serving.await.expect("the worker ran")?;
/// println!("{} tasks answered", report.succeeded + report.failed);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Worker {
    client: Client,
    name: String,
    tasks: Vec<(Task, Options)>,
    around: Around,
}

impl Worker {
    /// A worker that polls through `client` and calls itself `name` (the `workerName` the
    /// history's `ActivityStarted` events show), without interceptors or offloading.
    pub fn new(client: Client, name: impl Into<String>) -> Worker {
        Worker { client, name: name.into(), tasks: Vec::new(), around: Around::default() }
    }

    /// Serves `task` with `options`.
    #[must_use]
    pub fn task(mut self, task: &Task, options: Options) -> Worker {
        self.tasks.push((task.clone(), options));
        self
    }

    /// Serves every activity task `workflow` uses, each with `options` (callback tasks are
    /// Lambda invocations, not activities, and are left out).
    pub fn workflow(mut self, workflow: &Workflow, options: Options) -> Result<Worker, Error> {
        let definition = workflow.compile(&Target::local())?;
        for task in definition.tasks {
            if task.pattern == Pattern::Activity {
                self.tasks.push((task, options));
            }
        }
        Ok(self)
    }

    /// The same worker with `interceptor` around every handler, inside the interceptors added
    /// before it (see [`crate::interceptor`]).
    #[must_use]
    pub fn intercept(mut self, interceptor: impl Interceptor) -> Worker {
        self.around.interceptors.push(Arc::new(interceptor));
        self
    }

    /// The same worker with payload offloading (see [`crate::offload`]): references in task
    /// inputs are resolved and large outputs are stored, so that it and the engine exchange
    /// large values through the same store.
    #[must_use]
    pub fn offload(mut self, offload: Offload) -> Worker {
        self.around.offload = Some(offload);
        self
    }

    /// Polls for and runs tasks until `shutdown` completes, then waits for the handlers still
    /// running to finish and report, and returns what was done. Fails before serving anything
    /// if a task is a callback task or an activity's ARN cannot be found (see
    /// [`Client::with_target`]). Must be called within a tokio runtime.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<Report, Error> {
        let counts = Arc::new(Counts::default());
        let around = Arc::new(self.around);
        let (stop, stopped) = watch::channel(false);
        let mut served = Vec::with_capacity(self.tasks.len());
        for (task, options) in self.tasks {
            if task.pattern != Pattern::Activity {
                return Err(Error::NotAnActivity { task: task.name });
            }
            assert!(options.concurrency > 0, "task {} needs at least one slot", task.name);
            assert!(options.pollers > 0, "task {} needs at least one poller", task.name);
            let served_task = Served {
                client: self.client.clone(),
                worker_name: self.name.clone(),
                activity_arn: self.client.activity_arn(&task.name).await?,
                heartbeat: heartbeat_interval(task.heartbeat_seconds, options.heartbeats),
                task: Arc::new(task),
                around: Arc::clone(&around),
                slots: Arc::new(Semaphore::new(options.concurrency)),
                counts: Arc::clone(&counts),
            };
            served.push((Arc::new(served_task), options.pollers.min(options.concurrency)));
        }
        let mut pollers = JoinSet::new();
        for (served, count) in served {
            for _ in 0..count {
                pollers.spawn(Arc::clone(&served).poll(stopped.clone()));
            }
        }
        shutdown.await;
        // Pollers stop taking slots and drop their long polls, then wait for their handlers.
        let _ = stop.send(true);
        while let Some(joined) = pollers.join_next().await {
            if let Err(error) = joined
                && error.is_panic()
            {
                std::panic::resume_unwind(error.into_panic());
            }
        }
        Ok(counts.report())
    }
}

/// How a worker serves one task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// How many of the task's handlers run at once at most (its slots; at least 1).
    pub concurrency: usize,
    /// How many GetActivityTask long polls wait at once at most (at least 1; more than
    /// `concurrency` is `concurrency`).
    pub pollers: usize,
    /// Whether heartbeats are sent while the handler runs.
    pub heartbeats: Heartbeats,
}

impl Options {
    /// Up to `concurrency` handlers at once, as many pollers, heartbeats sent automatically.
    pub fn concurrency(concurrency: usize) -> Options {
        Options { concurrency, pollers: concurrency, heartbeats: Heartbeats::Automatic }
    }
}

/// Whether a worker sends heartbeats for a task while its handler runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heartbeats {
    /// Every third of `HeartbeatSeconds`, when the task declares it.
    Automatic,
    /// Never: the handler must finish within `HeartbeatSeconds`, or the task times out with
    /// `States.HeartbeatTimeout`.
    Off,
}

/// What a worker did, returned when it has shut down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Report {
    /// Tasks answered with SendTaskSuccess.
    pub succeeded: u64,
    /// Tasks answered with SendTaskFailure (handler failures and panics).
    pub failed: u64,
    /// Answers the server refused because the task was over (it timed out).
    pub late: u64,
    /// Heartbeats the server accepted.
    pub heartbeats: u64,
}

/// One task served: what its pollers share.
struct Served {
    client: Client,
    worker_name: String,
    activity_arn: String,
    task: Arc<Task>,
    around: Arc<Around>,
    heartbeat: Option<Duration>,
    /// One permit per handler that may run at once.
    slots: Arc<Semaphore>,
    counts: Arc<Counts>,
}

impl Served {
    /// One poller: takes a free slot, long-polls, and starts the handler on the task that
    /// comes back, until told to stop; then waits for the handlers it started.
    async fn poll(self: Arc<Self>, mut stopped: watch::Receiver<bool>) {
        let mut answering = JoinSet::new();
        loop {
            let slot = tokio::select! {
                biased;
                _ = stopped.wait_for(|stop| *stop) => break,
                slot = Arc::clone(&self.slots).acquire_owned() => {
                    slot.expect("the worker never closes its slots")
                }
            };
            let polled = tokio::select! {
                biased;
                _ = stopped.wait_for(|stop| *stop) => break,
                polled = self
                    .client
                    .sfn()
                    .get_activity_task()
                    .activity_arn(&self.activity_arn)
                    .worker_name(&self.worker_name)
                    .send() => polled,
            };
            match polled {
                Ok(polled) => {
                    // No token: the long poll ended without a task; the slot goes back.
                    if let Some(token) = polled.task_token() {
                        let input = polled.input().unwrap_or("null").to_owned();
                        let served = Arc::clone(&self);
                        answering.spawn(served.answer(token.to_owned(), input, slot));
                    }
                }
                Err(error) => {
                    let error = client::service("GetActivityTask")(error);
                    tracing::warn!(activity.arn = %self.activity_arn, %error, "poll failed");
                    drop(slot);
                    tokio::select! {
                        _ = stopped.wait_for(|stop| *stop) => break,
                        () = tokio::time::sleep(POLL_RETRY_PAUSE) => {}
                    }
                }
            }
            // Reaps the answers that are done, so the set holds only those in flight.
            while answering.try_join_next().is_some() {}
        }
        while answering.join_next().await.is_some() {}
    }

    /// Runs the handler on one task, heartbeating meanwhile if the task wants it, and reports
    /// the result; the slot is given back when this ends.
    async fn answer(self: Arc<Self>, token: String, input: String, _slot: OwnedSemaphorePermit) {
        let (task, around) = (Arc::clone(&self.task), Arc::clone(&self.around));
        let mut handler = tokio::spawn(async move {
            let input: Value = serde_json::from_str(&input).map_err(|error| {
                TaskFailure::new(
                    crate::INPUT_INVALID,
                    format!("the task input is not JSON: {error}"),
                )
            })?;
            task::run(&task, input, &around).await
        });
        let joined = match self.heartbeat {
            None => (&mut handler).await,
            Some(every) => {
                let mut beats =
                    tokio::time::interval_at(tokio::time::Instant::now() + every, every);
                let mut beating = true;
                loop {
                    tokio::select! {
                        joined = &mut handler => break joined,
                        _ = beats.tick(), if beating => beating = self.heartbeat(&token).await,
                    }
                }
            }
        };
        match outcome(joined) {
            Ok(output) => self.succeed(&token, output).await,
            Err(failure) => self.fail(&token, &failure).await,
        }
    }

    /// Sends one heartbeat; returns whether to go on heartbeating (not once the server has
    /// given up on the task).
    async fn heartbeat(&self, token: &str) -> bool {
        match self.client.sfn().send_task_heartbeat().task_token(token).send().await {
            Ok(_) => {
                self.counts.heartbeats.fetch_add(1, Ordering::Relaxed);
                true
            }
            Err(error) => {
                let over = error
                    .as_service_error()
                    .is_some_and(|error| error.is_task_timed_out() || error.is_invalid_token());
                let error = client::service("SendTaskHeartbeat")(error);
                tracing::warn!(activity.arn = %self.activity_arn, %error, "heartbeat refused");
                !over
            }
        }
    }

    async fn succeed(&self, token: &str, output: Value) {
        let sent =
            self.client.sfn().send_task_success().task_token(token).output(output.to_string());
        match sent.send().await {
            Ok(_) => {
                self.counts.succeeded.fetch_add(1, Ordering::Relaxed);
            }
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|error| error.is_task_timed_out() || error.is_invalid_token()) =>
            {
                self.late(client::service("SendTaskSuccess")(error));
            }
            Err(error) => {
                // The server refused the output itself (too large, say): the task fails with
                // the reason, rather than waiting for its timeout.
                let error = client::service("SendTaskSuccess")(error);
                let failure = TaskFailure::new(crate::OUTPUT_INVALID, error.to_string());
                self.fail(token, &failure).await;
            }
        }
    }

    async fn fail(&self, token: &str, failure: &TaskFailure) {
        let cause: String = failure.cause.chars().take(CAUSE_CHARS_MAX).collect();
        let sent = self
            .client
            .sfn()
            .send_task_failure()
            .task_token(token)
            .error(&failure.error)
            .cause(cause);
        match sent.send().await {
            Ok(_) => {
                self.counts.failed.fetch_add(1, Ordering::Relaxed);
            }
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|error| error.is_task_timed_out() || error.is_invalid_token()) =>
            {
                self.late(client::service("SendTaskFailure")(error));
            }
            Err(error) => {
                let error = client::service("SendTaskFailure")(error);
                tracing::warn!(activity.arn = %self.activity_arn, %error, "failure not reported");
            }
        }
    }

    /// A result the server no longer takes: the task timed out while the handler ran.
    fn late(&self, error: Error) {
        self.counts.late.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(activity.arn = %self.activity_arn, %error, "late result dropped");
    }
}

/// How long to wait between heartbeats, if the task gets any.
fn heartbeat_interval(heartbeat_seconds: Option<u64>, heartbeats: Heartbeats) -> Option<Duration> {
    match heartbeats {
        Heartbeats::Automatic => {
            heartbeat_seconds.map(|seconds| Duration::from_secs(seconds) / HEARTBEATS_PER_INTERVAL)
        }
        Heartbeats::Off => None,
    }
}

/// The handler's result, a panic turned into the failure [`HANDLER_PANICKED`].
fn outcome(joined: Result<Result<Value, TaskFailure>, JoinError>) -> Result<Value, TaskFailure> {
    match joined {
        Ok(result) => result,
        Err(error) => {
            let cause = match error.try_into_panic() {
                Ok(panic) => match panic.downcast::<String>() {
                    Ok(message) => *message,
                    Err(panic) => panic.downcast_ref::<&str>().map_or_else(
                        || "a panic without a message".to_owned(),
                        |message| (*message).to_owned(),
                    ),
                },
                // Only a runtime shutting down cancels the handler's task.
                Err(error) => error.to_string(),
            };
            Err(TaskFailure::new(HANDLER_PANICKED, format!("The handler panicked: {cause}")))
        }
    }
}

/// The report's counters, shared by the pollers.
#[derive(Default)]
struct Counts {
    succeeded: AtomicU64,
    failed: AtomicU64,
    late: AtomicU64,
    heartbeats: AtomicU64,
}

impl Counts {
    fn report(&self) -> Report {
        Report {
            succeeded: self.succeeded.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
            late: self.late.load(Ordering::Relaxed),
            heartbeats: self.heartbeats.load(Ordering::Relaxed),
        }
    }
}
