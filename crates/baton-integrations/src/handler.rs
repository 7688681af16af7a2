//! In-process Rust handlers: async functions that do a Task's work inside the Baton process.
//!
//! A handler is registered under a key, and the key says what the handler stands for:
//!
//! - A resource ARN (`arn:aws:states:::sqs:sendMessage`, an activity ARN, ...): the handler *is*
//!   that resource. It receives the Task's effective parameters and its result is the Task's
//!   result, unchanged.
//! - A Lambda function name (`Greet`, or a full function ARN): the handler *is* that function.
//!   It is called for `arn:aws:states:::lambda:invoke` with that `FunctionName` (receiving
//!   `Payload`, its result wrapped in Lambda's `Invoke` response) and for the function's ARN used
//!   directly (receiving the Task's input, its result as it is). See [`crate::lambda`].
//!
//! An exact resource ARN wins over a function name, so a test can replace `lambda:invoke` as a
//! whole.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use serde_json::Value;

use crate::{TaskFuture, TaskRequest, TaskResult, TaskRunner, lambda};

/// A registered handler, boxed so that handlers of different types share one table.
type Handler = Arc<dyn Fn(Value) -> TaskFuture + Send + Sync>;

/// Handlers keyed by resource ARN or Lambda function name.
#[derive(Clone, Default)]
pub struct Handlers {
    by_key: HashMap<String, Handler>,
}

impl Handlers {
    /// No handlers.
    pub fn new() -> Handlers {
        Handlers::default()
    }

    /// Registers `handler` under `key` (a resource ARN or a Lambda function name), replacing any
    /// handler registered under the same key.
    ///
    /// ```text
    /// handlers.register("Greet", |event| async move {
    ///     let name = event["name"].as_str().unwrap_or("world").to_owned();
    ///     Ok(json!({ "hello": name }))
    /// });
    /// ```
    pub fn register<F, Work>(&mut self, key: impl Into<String>, handler: F) -> &mut Handlers
    where
        F: Fn(Value) -> Work + Send + Sync + 'static,
        Work: Future<Output = TaskResult> + Send + 'static,
    {
        let boxed: Handler = Arc::new(move |input| Box::pin(handler(input)));
        self.by_key.insert(key.into(), boxed);
        self
    }
}

impl TaskRunner for Handlers {
    fn start(&self, request: &TaskRequest) -> Option<TaskFuture> {
        if let Some(handler) = self.by_key.get(request.resource.arn()) {
            return Some(handler(request.input.clone()));
        }
        let target = lambda::target(request)?;
        let handler = target.lookup(&self.by_key)?;
        Some(target.shape.finish(handler(target.payload)))
    }
}

#[cfg(test)]
mod tests;
