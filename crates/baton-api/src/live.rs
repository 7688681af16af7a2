//! What the server keeps in memory beside its store: the running Standard executions (the
//! [`Remote`] that reaches each, and the task tokens it waits on), state machines parsed once
//! per revision, the wake-ups of pollers waiting on an activity, and whether the server is
//! closing.
//!
//! None of it is durable and none of it needs to be: after a restart, recovery registers
//! every running execution again, and the resumed executions hand out their pending tasks'
//! tokens again.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use baton_asl::StateMachine;
use baton_core::{Millis, TaskId};
use baton_runtime::Remote;

/// The in-memory side of the server.
pub(crate) struct Live {
    running: Mutex<Running>,
    /// Parsed state machines by (ARN, revision id).
    machines: Mutex<HashMap<(String, String), Arc<Parsed>>>,
    /// Wakes the pollers of an activity, by activity ARN, when a task is queued.
    pollers: Mutex<HashMap<String, Arc<Notify>>>,
    /// Becomes `true` when the server stops accepting requests.
    closing: watch::Sender<bool>,
}

impl Default for Live {
    fn default() -> Self {
        Live {
            running: Mutex::default(),
            machines: Mutex::default(),
            pollers: Mutex::default(),
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

/// A running Standard execution.
pub(crate) struct Execution {
    pub(crate) remote: Remote,
    /// Its input, for StartExecution's idempotency.
    pub(crate) input: String,
    pub(crate) start_date_millis: Millis,
    /// Becomes `true` once the execution's run is over and its ending is in the store.
    pub(crate) ended: watch::Receiver<bool>,
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

    /// Forgets an execution whose run is over, with its tokens.
    pub(crate) fn remove_execution(&self, arn: &str) {
        let mut running = self.running();
        if let Some(execution) = running.executions.remove(arn) {
            for token in execution.tokens {
                running.tokens.remove(&token);
            }
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
