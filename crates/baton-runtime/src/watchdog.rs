//! The watchdog that stops a step whose JSONata evaluations run too long.
//!
//! The interpreter is pure and reads no clock, so it cannot time an expression itself. Before
//! each step the shell takes a [`Watch`]: a fresh [`CancelToken`] that this thread trips if the
//! step is still running when its budget is spent. The expression being evaluated then fails
//! with `States.QueryEvaluationError` (JSONata's `U1003`) and the engine moves on. Dropping the
//! watch when the step returns withdraws it. One thread serves the whole process; it sleeps
//! until the earliest deadline or the next message.

use std::collections::BTreeMap;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use baton_core::CancelToken;

/// How long one step of an execution may spend evaluating before its expressions are stopped.
/// Typical steps take microseconds; a Map selecting 10,000 items takes milliseconds.
pub const EVALUATION_BUDGET: Duration = Duration::from_secs(10);

enum Message {
    Watch { id: u64, deadline: Instant, token: CancelToken },
    Release { id: u64 },
}

struct Watchdog {
    sender: Mutex<Sender<Message>>,
    next_id: Mutex<u64>,
}

/// A step under watch; dropping it withdraws the deadline.
pub(crate) struct Watch {
    id: u64,
    token: CancelToken,
}

impl Watch {
    /// Watches a step that may run for `budget`.
    pub(crate) fn start(budget: Duration) -> Watch {
        let watchdog = watchdog();
        let id = {
            let mut next =
                watchdog.next_id.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            *next += 1;
            *next
        };
        let token = CancelToken::new();
        let message =
            Message::Watch { id, deadline: Instant::now() + budget, token: token.clone() };
        // A send fails only if the thread is gone; the step then runs unguarded.
        let _ =
            watchdog.sender.lock().unwrap_or_else(std::sync::PoisonError::into_inner).send(message);
        Watch { id, token }
    }

    /// The token to hand to the interpreter.
    pub(crate) fn token(&self) -> CancelToken {
        self.token.clone()
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let sender = watchdog().sender.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let _ = sender.send(Message::Release { id: self.id });
    }
}

fn watchdog() -> &'static Watchdog {
    static WATCHDOG: OnceLock<Watchdog> = OnceLock::new();
    WATCHDOG.get_or_init(|| {
        let (sender, receiver) = mpsc::channel();
        std::thread::Builder::new()
            .name("baton-watchdog".to_owned())
            .spawn(move || run(&receiver))
            .map(|_| ())
            .unwrap_or_else(|error| {
                // Without the thread nothing trips the tokens: steps run unguarded.
                eprintln!("baton: could not start the evaluation watchdog: {error}");
            });
        Watchdog { sender: Mutex::new(sender), next_id: Mutex::new(0) }
    })
}

fn run(receiver: &mpsc::Receiver<Message>) {
    let mut watched: BTreeMap<u64, (Instant, CancelToken)> = BTreeMap::new();
    loop {
        let now = Instant::now();
        watched.retain(|_, (deadline, token)| {
            let due = *deadline <= now;
            if due {
                token.cancel();
            }
            !due
        });
        let next = watched.values().map(|(deadline, _)| *deadline).min();
        let message = match next {
            Some(deadline) => {
                match receiver.recv_timeout(deadline.saturating_duration_since(now)) {
                    Ok(message) => message,
                    Err(RecvTimeoutError::Timeout) => continue,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            }
            None => match receiver.recv() {
                Ok(message) => message,
                Err(_) => return,
            },
        };
        match message {
            Message::Watch { id, deadline, token } => {
                watched.insert(id, (deadline, token));
            }
            Message::Release { id } => {
                watched.remove(&id);
            }
        }
    }
}
