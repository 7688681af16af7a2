//! The shell around the interpreter: it reads the clock, draws seeds, runs tasks and timers with
//! tokio, and feeds what happened back to `baton-core` (STYLE A1, A2).
//!
//! Today it runs Express executions in memory: [`run_express`] starts an execution, performs
//! each command the interpreter returns (a task goes to a [`TaskRunner`], a timer to tokio's
//! clock or to a virtual one), turns every result into the next [`Input`](baton_core::Input),
//! and returns when the interpreter says the execution is over. Nothing is stored; the history
//! is kept only when [`Options::record_history`] asks for it.
//!
//! [`run_controlled`] does the same for an execution whose owner reaches it from outside
//! through a [`Remote`] (see [`remote`]): StopExecution, activity workers (GetActivityTask,
//! SendTaskHeartbeat) and task tokens (SendTaskSuccess/Failure) become inputs, and signals for
//! tasks the interpreter no longer waits for are rejected to their sender.
//!
//! ```text
//! let start = baton_runtime::local_start("Orders", r#"{"id": 7}"#.to_owned());
//! let options = Options {
//!     record_history: false,
//!     clock: Clock::Real,
//!     progress: None,
//!     evaluation_budget: baton_runtime::EVALUATION_BUDGET,
//! };
//! let result = baton_runtime::run_express(machine, start, runner, options).await?;
//! ```

mod express;
mod journal;
pub mod remote;
mod watchdog;

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

use baton_core::{Event, Millis, Outcome, Start};

pub use baton_integrations::TaskRunner;

pub use crate::express::{Beginning, Parked, Ran, run_durable};
pub use crate::express::{run_controlled, run_express};
pub use crate::journal::{
    Journal, JournalError, Parking, ReadBack, TaskEffects, running, running_page,
};
pub use crate::remote::{Mailbox, Remote, mailbox};
pub use crate::watchdog::EVALUATION_BUDGET;

/// The region and account that local executions pretend to run in (Step Functions Local's).
const LOCAL_REGION: &str = "us-east-1";
const LOCAL_ACCOUNT: &str = "123456789012";
/// How many secret random bytes seed an execution (see [`Start::seed`]).
const SEED_BYTES: usize = 32;
/// How many bytes of the operating system's randomness a thread fetches at a time for seeds
/// and execution names: one `getrandom` call (a system call) per 85 executions instead of two
/// per execution, which cost 8 % of an in-process run of ten tasks.
const RANDOM_POOL_BYTES: usize = 4096;

/// Called with each history event as soon as the interpreter produces it.
pub type Progress = Box<dyn FnMut(&Event) + Send>;

/// How an execution runs.
pub struct Options {
    /// Keep every history event in [`RunResult::events`].
    pub record_history: bool,
    pub clock: Clock,
    /// Live progress, such as a command line's display of states entered and left.
    pub progress: Option<Progress>,
    /// How long one step may spend evaluating JSONata before its expressions are stopped
    /// ([`EVALUATION_BUDGET`] unless a caller needs another).
    pub evaluation_budget: std::time::Duration,
}

/// Which clock the execution's timers (Wait states, retry backoff, timeouts) follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// The system clock: a `Wait` of ten seconds takes ten seconds.
    Real,
    /// A clock that stands still while tasks run and jumps to the next timer's due time as soon
    /// as none is running, so timers fire at once, in due order. Tasks take no time on it, and
    /// history timestamps show the waits as if they had happened. For tests.
    Virtual,
}

/// How an execution ended.
#[derive(Debug, Clone, PartialEq)]
pub struct RunResult {
    pub outcome: Outcome,
    /// The history, when [`Options::record_history`] asked for it; empty otherwise.
    pub events: Vec<Event>,
}

/// Why the shell could not run an execution to its end.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The interpreter refused an input: invalid execution input, an unsupported feature, or
    /// (a bug) an input that does not apply to the execution.
    #[error(transparent)]
    Core(#[from] baton_core::Error),
    /// The execution waits for nothing the shell can deliver: no task runs and no timer is
    /// pending, yet the interpreter has not finished it.
    #[error("the execution is not finished but waits for no task and no timer")]
    Stalled,
    /// A Standard execution's step could not be made durable, so none of its effects were
    /// performed; the execution stops here and resumes from its last durable step.
    #[error("{reason}")]
    Durability { reason: String },
}

/// The start of a local execution of state machine `state_machine_name` with `input` (JSON
/// text): a fresh execution name, the time now, and a secret seed from the operating system.
pub fn local_start(state_machine_name: &str, input: String) -> Start {
    // Joined rather than formatted: an in-process run is a few microseconds, and `format!`
    // went through the formatting machinery for each of these.
    let execution_name = fresh_uuid();
    let prefix = ["arn:aws:states:", LOCAL_REGION, ":", LOCAL_ACCOUNT].concat();
    Start {
        input,
        execution_arn: [&prefix, ":express:", state_machine_name, ":", &execution_name].concat(),
        state_machine_arn: [&prefix, ":stateMachine:", state_machine_name].concat(),
        execution_name,
        state_machine_name: state_machine_name.to_owned(),
        role_arn: ["arn:aws:iam::", LOCAL_ACCOUNT, ":role/baton-local"].concat(),
        region: LOCAL_REGION.to_owned(),
        workflow_type: baton_core::WorkflowType::Express,
        record_history: true,
        seed: seed(),
        at: now_millis(),
    }
}

/// A random (version 4) UUID, hyphenated in lower case, from this thread's pool of the
/// operating system's randomness: a default execution name, an Express execution's id. A
/// `Uuid::new_v4` is a system call each.
pub fn fresh_uuid() -> String {
    let uuid = uuid::Builder::from_random_bytes(random_bytes()).into_uuid();
    uuid.hyphenated().encode_lower(&mut uuid::Uuid::encode_buffer()).to_owned()
}

/// 32 secret random bytes from the operating system, hex encoded: an execution's seed.
pub fn seed() -> String {
    baton_core::hex(&random_bytes::<SEED_BYTES>())
}

/// `N` bytes of the operating system's randomness, taken from this thread's pool (refilled
/// [`RANDOM_POOL_BYTES`] at a time). Each byte is handed out once and wiped from the pool, so
/// the pool never holds a secret that was already used.
fn random_bytes<const N: usize>() -> [u8; N] {
    thread_local! {
        static POOL: RefCell<RandomPool> =
            const { RefCell::new(RandomPool { bytes: [0; RANDOM_POOL_BYTES], used: RANDOM_POOL_BYTES }) };
    }
    POOL.with_borrow_mut(|pool| {
        if pool.used + N > RANDOM_POOL_BYTES {
            // Without the operating system's randomness there is no secret to draw, and task
            // tokens would become guessable; no execution may start then.
            getrandom::fill(&mut pool.bytes).expect("the operating system provides random bytes");
            pool.used = 0;
        }
        let taken = &mut pool.bytes[pool.used..pool.used + N];
        let mut bytes = [0; N];
        bytes.copy_from_slice(taken);
        taken.fill(0);
        pool.used += N;
        bytes
    })
}

/// Random bytes fetched from the operating system and not yet handed out: those from `used`
/// on.
struct RandomPool {
    bytes: [u8; RANDOM_POOL_BYTES],
    used: usize,
}

/// The system clock in milliseconds since the Unix epoch.
pub fn now_millis() -> Millis {
    let elapsed = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    Millis::try_from(elapsed.as_millis()).unwrap_or(Millis::MAX)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    /// Enough draws to empty the thread's random pool several times.
    const DRAWS: usize = 4 * super::RANDOM_POOL_BYTES / super::SEED_BYTES;

    #[test]
    fn a_local_start_names_the_execution_in_arns() {
        let start = super::local_start("Orders", "{}".to_owned());
        let prefix = "arn:aws:states:us-east-1:123456789012";
        let name = &start.execution_name;
        assert_eq!(start.execution_arn, format!("{prefix}:express:Orders:{name}"));
        assert_eq!(start.state_machine_arn, format!("{prefix}:stateMachine:Orders"));
        assert_eq!(start.role_arn, "arn:aws:iam::123456789012:role/baton-local");
        assert_eq!(name.len(), 36, "a hyphenated UUID: {name}");
        assert_eq!(name, &name.to_lowercase());
    }

    #[test]
    fn seeds_and_execution_names_never_repeat_across_pool_refills() {
        let mut seen = HashSet::new();
        for _ in 0..DRAWS {
            let start = super::local_start("Machine", "{}".to_owned());
            assert_eq!(start.seed.len(), 2 * super::SEED_BYTES);
            assert!(start.seed.bytes().all(|byte| byte.is_ascii_hexdigit()), "{}", start.seed);
            let name = uuid::Uuid::parse_str(&start.execution_name).expect("a UUID");
            assert_eq!(name.get_version(), Some(uuid::Version::Random));
            assert!(seen.insert(start.seed), "a seed repeated");
            assert!(seen.insert(start.execution_name), "an execution name repeated");
        }
    }
}
