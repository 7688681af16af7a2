//! The watchdog that stops a step whose JSONata evaluations run too long.
//!
//! The interpreter is pure and reads no clock, so it cannot time an expression itself. Before
//! each step the shell takes a [`Watch`]: a fresh [`CancelToken`] that this thread trips if the
//! step is still running when its budget is spent. The expression being evaluated then fails
//! with `States.QueryEvaluationError` (JSONata's `U1003`) and the engine moves on. Dropping the
//! watch when the step returns withdraws it. Steps of machines without JSONata states take no
//! watch: nothing else the interpreter evaluates can run away.
//!
//! Steps take microseconds and budgets seconds, so registering a watch must not wake anybody:
//! watches go into a shared table under a short lock, and one thread per process looks at the
//! table every [`WATCHDOG_TICK`]. A runaway step is therefore stopped within one tick of its
//! deadline, and a server doing tens of thousands of steps a second pays a lock, not a thread
//! wake-up, per step (measured: a channel message per step cost 13% of the server's CPU).

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use baton_asl::StateMachine;
use baton_core::CancelToken;

/// How long one step of an execution may spend evaluating before its expressions are stopped.
/// Typical steps take microseconds; a Map selecting 10,000 items takes milliseconds.
pub const EVALUATION_BUDGET: Duration = Duration::from_secs(10);

/// How often the watchdog looks for steps past their deadline.
const WATCHDOG_TICK: Duration = Duration::from_millis(50);

/// The steps under watch: id → (deadline, token).
struct Table {
    next_id: u64,
    watched: BTreeMap<u64, (Instant, CancelToken)>,
}

/// A step under watch; dropping it withdraws the deadline.
pub(crate) struct Watch {
    id: u64,
    token: CancelToken,
}

impl Watch {
    /// A watch for a step of `machine` that may run for `budget`, or `None` when the machine
    /// evaluates no JSONata: nothing else the interpreter does can run away, and a watch costs
    /// a clock read and two trips through the table's lock.
    pub(crate) fn needed(machine: &StateMachine, budget: Duration) -> Option<Watch> {
        machine.uses_jsonata().then(|| Watch::start(budget))
    }

    /// Watches a step that may run for `budget`.
    fn start(budget: Duration) -> Watch {
        let token = CancelToken::new();
        let mut table = table().lock().unwrap_or_else(PoisonError::into_inner);
        table.next_id += 1;
        let id = table.next_id;
        table.watched.insert(id, (Instant::now() + budget, token.clone()));
        Watch { id, token }
    }

    /// The token to hand to the interpreter.
    pub(crate) fn token(&self) -> CancelToken {
        self.token.clone()
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        table().lock().unwrap_or_else(PoisonError::into_inner).watched.remove(&self.id);
    }
}

/// The process's table, with its watchdog thread started on first use.
fn table() -> &'static Mutex<Table> {
    static TABLE: OnceLock<Mutex<Table>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let spawned = std::thread::Builder::new().name("baton-watchdog".to_owned()).spawn(|| {
            loop {
                std::thread::sleep(WATCHDOG_TICK);
                trip_overdue();
            }
        });
        if let Err(error) = spawned {
            // Without the thread nothing trips the tokens: steps run unguarded.
            eprintln!("baton: could not start the evaluation watchdog: {error}");
        }
        Mutex::new(Table { next_id: 0, watched: BTreeMap::new() })
    })
}

/// Trips and forgets every watch whose deadline has passed.
fn trip_overdue() {
    let now = Instant::now();
    let mut table = table().lock().unwrap_or_else(PoisonError::into_inner);
    table.watched.retain(|_, (deadline, token)| {
        let overdue = *deadline <= now;
        if overdue {
            token.cancel();
        }
        !overdue
    });
}
