//! What the server keeps in memory beside its store: the Standard executions that run in
//! memory (the [`Remote`] that reaches each, and the task tokens it waits on), the due times
//! of parked executions' next timers, who waits for which execution to end, state machines
//! parsed once per revision, the wake-ups of pollers waiting on an activity, RedriveExecution's
//! recent client tokens, and whether the server is closing.
//!
//! A running execution that only waits for the outside world (a worker, a callback, a distant
//! timer) parks: its run ends, its store record holds all of it, and memory keeps only its
//! next timer's due time. A signal or that timer wakes it from the store.
//!
//! None of it is durable and none of it needs to be: after a restart, recovery resumes or
//! parks every running execution again, and the resumed executions hand out their pending
//! tasks' tokens again.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use baton_asl::StateMachine;
use baton_core::{Millis, TaskId};
use baton_runtime::Remote;

/// The in-memory side of the server.
pub(crate) struct Live {
    running: Mutex<Running>,
    /// Parked executions by their next timer's due time: each is woken shortly before.
    parked_timers: Mutex<BTreeSet<(Millis, String)>>,
    /// Wakes the task that wakes parked executions, when an earlier due time joins.
    parked_timers_changed: Notify,
    /// Whether that task was started (on the first parked timer).
    timer_waker_started: AtomicBool,
    /// Told `true` when the execution of that ARN ends, for those who wait for it.
    endings: Mutex<HashMap<String, watch::Sender<bool>>>,
    /// Parsed state machines by (ARN, revision id).
    machines: Mutex<HashMap<(String, String), Arc<Parsed>>>,
    /// Wakes the pollers of an activity, by activity ARN, when a task is queued.
    pollers: Mutex<HashMap<String, Arc<Notify>>>,
    /// The client tokens of recent redrives, oldest first (see [`Live::redrive_of_token`]).
    redrive_tokens: Mutex<VecDeque<RedriveToken>>,
    /// Becomes `true` when the server stops accepting requests.
    closing: watch::Sender<bool>,
}

/// A RedriveExecution that named a client token.
struct RedriveToken {
    execution_arn: String,
    token: String,
    /// When the redrive happened, which a repeat answers with (`redriveDate`).
    redrive_date_millis: Millis,
}

/// How long a redrive's client token makes a repeat of it answer the same (AWS: 15 minutes).
const REDRIVE_TOKEN_MILLIS: Millis = 15 * 60 * 1000;
/// How many client tokens AWS remembers per execution: its last ten successful redrives.
const REDRIVE_TOKENS_PER_EXECUTION: usize = 10;

impl Default for Live {
    fn default() -> Self {
        Live {
            running: Mutex::default(),
            parked_timers: Mutex::default(),
            parked_timers_changed: Notify::new(),
            timer_waker_started: AtomicBool::new(false),
            endings: Mutex::default(),
            machines: Mutex::default(),
            pollers: Mutex::default(),
            redrive_tokens: Mutex::default(),
            closing: watch::Sender::new(false),
        }
    }
}

/// The running executions and the tokens of the tasks they wait on.
#[derive(Default)]
pub(crate) struct Running {
    pub(crate) executions: HashMap<String, Execution>,
    /// Token → (execution ARN, task), for every token a running execution handed out. The
    /// store records tokens too, but its commit may still be on its way to the disk when a
    /// fast callback answers.
    pub(crate) tokens: HashMap<String, (String, TaskId)>,
}

/// A Standard execution running in memory.
pub(crate) struct Execution {
    pub(crate) remote: Remote,
    /// Its input, for StartExecution's idempotency.
    pub(crate) input: String,
    pub(crate) start_date_millis: Millis,
    /// The task that runs it, so that shutdown can stop it between two steps.
    pub(crate) work: Option<JoinHandle<()>>,
    /// The tokens it handed out, forgotten with it.
    pub(crate) tokens: Vec<String>,
}

/// A state machine parsed from its stored definition.
pub(crate) struct Parsed {
    pub(crate) machine: Arc<StateMachine>,
    /// The variables each state reads, worked out once for Describe* answers.
    pub(crate) variable_references: BTreeMap<String, Vec<String>>,
}

impl Live {
    /// The running executions, locked. No lock is ever held across an await, so a poisoned
    /// lock means a panic in a synchronous section, and the data it left is still the best
    /// there is.
    pub(crate) fn running(&self) -> MutexGuard<'_, Running> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Forgets an execution whose run is over or parked, with its tokens.
    pub(crate) fn remove_execution(&self, arn: &str) {
        let mut running = self.running();
        if let Some(execution) = running.executions.remove(arn) {
            for token in execution.tokens {
                running.tokens.remove(&token);
            }
        }
    }

    /// The parked executions' next timers, locked (see [`Live::running`] on poisoning).
    pub(crate) fn parked_timers(&self) -> MutexGuard<'_, BTreeSet<(Millis, String)>> {
        self.parked_timers.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Remembers that the parked execution `arn` must be woken before `due`.
    pub(crate) fn park_timer(&self, due: Millis, arn: String) {
        let earliest = {
            let mut timers = self.parked_timers();
            timers.insert((due, arn));
            timers.first().is_some_and(|(first, _)| *first == due)
        };
        if earliest {
            self.parked_timers_changed.notify_one();
        }
    }

    /// `true` the first time only: the caller then starts the task that wakes parked
    /// executions before their timers.
    pub(crate) fn start_timer_waker(&self) -> bool {
        !self.timer_waker_started.swap(true, Ordering::AcqRel)
    }

    /// Completes when a parked execution's timer may have come due earlier than the waker
    /// thought.
    pub(crate) async fn parked_timers_changed(&self) {
        self.parked_timers_changed.notified().await;
    }

    /// The date of the redrive of execution `arn` that named client token `token` less than
    /// 15 minutes before `now`, among the last ten of that execution: a repeated
    /// RedriveExecution answers with it instead of redriving again. Not durable: after a
    /// restart, a repeat finds the execution running and is refused as not redrivable.
    pub(crate) fn redrive_of_token(&self, arn: &str, token: &str, now: Millis) -> Option<Millis> {
        let mut tokens = self.redrive_tokens.lock().unwrap_or_else(PoisonError::into_inner);
        while tokens.front().is_some_and(|oldest| {
            oldest.redrive_date_millis.saturating_add(REDRIVE_TOKEN_MILLIS) <= now
        }) {
            tokens.pop_front();
        }
        tokens
            .iter()
            .rev()
            .filter(|used| used.execution_arn == arn)
            .take(REDRIVE_TOKENS_PER_EXECUTION)
            .find(|used| used.token == token)
            .map(|used| used.redrive_date_millis)
    }

    /// Remembers that client token `token` redrove execution `arn` at `redrive_date_millis`.
    pub(crate) fn remember_redrive_token(
        &self,
        arn: &str,
        token: &str,
        redrive_date_millis: Millis,
    ) {
        let mut tokens = self.redrive_tokens.lock().unwrap_or_else(PoisonError::into_inner);
        tokens.push_back(RedriveToken {
            execution_arn: arn.to_owned(),
            token: token.to_owned(),
            redrive_date_millis,
        });
    }

    /// Forgets client token `token` of execution `arn`: its redrive did not happen.
    pub(crate) fn forget_redrive_token(&self, arn: &str, token: &str) {
        let mut tokens = self.redrive_tokens.lock().unwrap_or_else(PoisonError::into_inner);
        tokens.retain(|used| used.execution_arn != arn || used.token != token);
    }

    /// Waits until the execution `arn` has ended, as `ended` (which reads the store) says,
    /// or until the server closes.
    pub(crate) async fn wait_ended(&self, arn: &str, ended: impl Fn() -> bool) {
        let mut ending = {
            let mut endings = self.endings.lock().unwrap_or_else(PoisonError::into_inner);
            endings.entry(arn.to_owned()).or_insert_with(|| watch::Sender::new(false)).subscribe()
        };
        // Subscribed first: an ending after this check is announced to the subscription.
        if ended() {
            return;
        }
        tokio::select! {
            _ = ending.wait_for(|ended| *ended) => {}
            () = self.closed() => {}
        }
    }

    /// Tells those who wait for the execution `arn` that it has ended (its ending is durable).
    pub(crate) fn announce_ended(&self, arn: &str) {
        let ending = self.endings.lock().unwrap_or_else(PoisonError::into_inner).remove(arn);
        if let Some(ending) = ending {
            ending.send_replace(true);
        }
    }

    /// The parsed machine of `(arn, revision_id)`, parsing it with `parse` the first time.
    pub(crate) fn machine<E>(
        &self,
        arn: &str,
        revision_id: &str,
        parse: impl FnOnce() -> Result<StateMachine, E>,
    ) -> Result<Arc<Parsed>, E> {
        let key = (arn.to_owned(), revision_id.to_owned());
        if let Some(parsed) = self.machines.lock().unwrap_or_else(PoisonError::into_inner).get(&key)
        {
            return Ok(Arc::clone(parsed));
        }
        // Parsed outside the lock: a large definition takes a while, and two requests that
        // parse the same one at once only do the work twice.
        let machine = parse()?;
        let parsed = Arc::new(Parsed {
            variable_references: machine.variable_references(),
            machine: Arc::new(machine),
        });
        let mut machines = self.machines.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(Arc::clone(machines.entry(key).or_insert(parsed)))
    }

    /// Forgets every parsed revision of a deleted machine.
    pub(crate) fn forget_machine(&self, arn: &str) {
        self.machines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|(key, _), _| key != arn);
    }

    /// The wake-up of an activity's pollers.
    pub(crate) fn pollers(&self, activity_arn: &str) -> Arc<Notify> {
        let mut pollers = self.pollers.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(pollers.entry(activity_arn.to_owned()).or_default())
    }

    /// Says that the server stops accepting requests: long polls end at once.
    pub(crate) fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Whether the server is closing: a nested execution's parent that stops then leaves its
    /// child running, since both resume at the next start.
    pub(crate) fn is_closing(&self) -> bool {
        *self.closing.borrow()
    }

    /// Completes once the server is closing.
    pub(crate) async fn closed(&self) {
        let mut closing = self.closing.subscribe();
        // The sender lives as long as `self`, so the wait ends only by closing.
        let _ = closing.wait_for(|closing| *closing).await;
    }

    /// Stops every running execution between two steps and waits until they are gone. Their
    /// steps are durable, so recovery continues them at the next start.
    pub(crate) async fn stop_executions(&self) {
        let works: Vec<JoinHandle<()>> = {
            let mut running = self.running();
            running.tokens.clear();
            running.executions.drain().filter_map(|(_, execution)| execution.work).collect()
        };
        for work in works {
            work.abort();
            // Cancelled, or it ended on its own meanwhile: either way it is gone.
            let _ = work.await;
        }
    }
}
