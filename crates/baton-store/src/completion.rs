//! How a submitted write reports back. Writes are submitted, not performed in the caller's
//! thread: a backend may hold the write for a moment to commit it together with others (group
//! commit), and the caller learns the outcome through a [`Callback`] once the write is durable.
//!
//! The callback runs on the backend's writer thread, so it must be quick: send the result
//! somewhere and return. A tokio runtime sends it into a `tokio::sync::oneshot` (see the
//! crate docs); synchronous code uses [`completion`] and blocks on [`Completion::wait`].

use std::sync::mpsc;

use crate::Error;

/// Called exactly once with the outcome of a submitted write.
pub type Callback<T> = Box<dyn FnOnce(Result<T, Error>) + Send>;

/// A callback and the handle that waits for it, over a `std::sync::mpsc` channel.
pub fn completion<T: Send + 'static>() -> (Callback<T>, Completion<T>) {
    let (sender, receiver) = mpsc::sync_channel(1);
    let callback: Callback<T> = Box::new(move |result| {
        // The waiter may have given up; the write happened regardless.
        let _ = sender.send(result);
    });
    (callback, Completion { receiver })
}

/// Waits, in a blocking way, for the outcome of one submitted write.
#[derive(Debug)]
pub struct Completion<T> {
    receiver: mpsc::Receiver<Result<T, Error>>,
}

impl<T> Completion<T> {
    /// Blocks until the write is durable or has failed.
    pub fn wait(self) -> Result<T, Error> {
        // A dropped callback means the backend went away without answering.
        self.receiver.recv().unwrap_or(Err(Error::Closed))
    }

    /// The outcome if it is known, without blocking.
    pub fn try_wait(&self) -> Option<Result<T, Error>> {
        match self.receiver.try_recv() {
            Ok(result) => Some(result),
            Err(mpsc::TryRecvError::Empty) => None,
            Err(mpsc::TryRecvError::Disconnected) => Some(Err(Error::Closed)),
        }
    }
}

/// A callback that is answered exactly once: if a backend drops it unanswered (the store
/// shut down with the write still queued), the submitter hears [`Error::Closed`] instead of
/// waiting forever. For backends.
pub struct Reply<T> {
    callback: Option<Callback<T>>,
}

impl<T> Reply<T> {
    /// Wraps a submitter's callback.
    pub fn new(callback: Callback<T>) -> Self {
        Self { callback: Some(callback) }
    }

    /// Answers the submitter.
    pub fn send(mut self, result: Result<T, Error>) {
        if let Some(callback) = self.callback.take() {
            call(callback, result);
        }
    }
}

impl<T> Drop for Reply<T> {
    fn drop(&mut self) {
        if let Some(callback) = self.callback.take() {
            call(callback, Err(Error::Closed));
        }
    }
}

/// Calls a submitter's callback, containing a panic in it: the callback runs on the
/// backend's writer thread, and one broken callback must not stop every other write.
fn call<T>(callback: Callback<T>, result: Result<T, Error>) {
    // Nothing of the writer's state is borrowed by the callback, so unwinding out of it
    // cannot leave that state half-changed.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || callback(result)));
}

impl<T> std::fmt::Debug for Reply<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reply").field("answered", &self.callback.is_none()).finish()
    }
}
