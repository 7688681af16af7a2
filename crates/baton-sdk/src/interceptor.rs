//! Interceptors: code that runs around every task handler, wherever the handler is placed
//! (the embedded engine or an activity worker), for logging, metrics, input decoration and the
//! like, without touching the handlers themselves.
//!
//! Interceptors form an ordered stack, like layers of an onion: the first one added is the
//! outermost. Their [`Interceptor::before`] hooks run in stack order on the way in, each
//! receiving the input the previous one returned; the handler runs on the last one's input;
//! then [`Interceptor::after`] (on success) or [`Interceptor::on_error`] (on failure) runs in
//! reverse order on the way out, for every interceptor whose `before` ran. A hook that returns
//! `Err` fails the task with that [`TaskFailure`] (which `Retry` and `Catch` match like a
//! handler's own), the inner layers are skipped, and the outer layers see the failure in their
//! `on_error`.
//!
//! Hooks are synchronous: they run inline on the task's future, so an interceptor costs a
//! function call, not a task switch. Payload references (see [`crate::offload`]) are resolved
//! before the outermost `before` and created after the outermost `after`, so interceptors see
//! the values themselves.

use std::sync::Arc;

use serde_json::Value;

use crate::task::TaskFailure;

/// Something that runs around every task handler; every hook has a default that does nothing,
/// so an interceptor implements only those it needs.
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
///
/// use baton_sdk::interceptor::{Call, Interceptor};
/// use baton_sdk::{Engine, TaskFailure};
///
/// /// Counts the handler failures of every task.
/// #[derive(Default)]
/// struct Failures(AtomicU64);
///
/// impl Interceptor for Failures {
///     fn on_error(&self, _call: &Call<'_>, _failure: &TaskFailure) {
///         self.0.fetch_add(1, Ordering::Relaxed);
///     }
/// }
///
/// let engine = Engine::embedded().intercept(Failures::default());
/// ```
pub trait Interceptor: Send + Sync + 'static {
    /// Runs before the handler with the input it is about to get; returns the input it gets
    /// instead (the same one to leave it alone), or a failure to fail the task without running
    /// it.
    fn before(&self, call: &Call<'_>, input: Value) -> Result<Value, TaskFailure> {
        let _ = call;
        Ok(input)
    }

    /// Runs after the handler succeeded, with its output; returns the output the task reports
    /// instead, or a failure to fail the task after all.
    fn after(&self, call: &Call<'_>, output: Value) -> Result<Value, TaskFailure> {
        let _ = call;
        Ok(output)
    }

    /// Runs after the handler (or an inner interceptor) failed, with the failure the task
    /// reports.
    fn on_error(&self, call: &Call<'_>, failure: &TaskFailure) {
        let _ = (call, failure);
    }
}

/// The handler call an interceptor hook is told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Call<'a> {
    /// The task's resource name, as it was declared with [`crate::Task::new`].
    pub task: &'a str,
}

impl<'a> Call<'a> {
    /// The call of task `task`.
    pub fn new(task: &'a str) -> Call<'a> {
        Call { task }
    }
}

/// An ordered interceptor stack, the first outermost. Cheap to clone.
#[derive(Clone, Default)]
pub(crate) struct Stack {
    layers: Vec<Arc<dyn Interceptor>>,
}

impl Stack {
    /// Adds `interceptor` inside the ones added before it.
    pub(crate) fn push(&mut self, interceptor: Arc<dyn Interceptor>) {
        self.layers.push(interceptor);
    }

    pub(crate) fn len(&self) -> usize {
        self.layers.len()
    }

    /// Runs `handler` on `input` inside the stack's hooks, as the module documentation says.
    pub(crate) async fn run<Work>(
        &self,
        call: Call<'_>,
        input: Value,
        handler: impl FnOnce(Value) -> Work,
    ) -> Result<Value, TaskFailure>
    where
        Work: Future<Output = Result<Value, TaskFailure>>,
    {
        let mut entered = 0;
        let mut input = Ok(input);
        for layer in &self.layers {
            input = input.and_then(|input| layer.before(&call, input));
            if input.is_err() {
                break;
            }
            entered += 1;
        }
        let mut result = match input {
            Ok(input) => handler(input).await,
            Err(failure) => Err(failure),
        };
        for layer in self.layers[..entered].iter().rev() {
            result = match result {
                Ok(output) => layer.after(&call, output),
                Err(failure) => {
                    layer.on_error(&call, &failure);
                    Err(failure)
                }
            };
        }
        result
    }
}
