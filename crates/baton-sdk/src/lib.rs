//! Workflows as Rust code: define a Step Functions workflow with a builder that reads like the
//! flow, write its tasks as plain async functions with typed input and output, compile it to
//! ASL that `baton validate` and AWS accept, and run it in-process on an embedded engine.
//!
//! ```
//! use baton_sdk::condition::var;
//! use baton_sdk::{Clock, Delay, Engine, Flow, Retry, Target, Task, TaskFailure, Workflow};
//! use baton_sdk::{choice, fail, succeed, wait};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Deserialize)]
//! struct Order { quantity: u32 }
//! #[derive(Serialize)]
//! struct Quote { price: u32, approved: bool }
//!
//! async fn quote(order: Order) -> Result<Quote, TaskFailure> {
//!     Ok(Quote { price: order.quantity * 3, approved: order.quantity <= 10 })
//! }
//!
//! let quote = Task::new("quote", quote).retry(Retry::on(["Pricing.Busy"]).max_attempts(2));
//! let workflow = Workflow::new(
//!     "orders",
//!     Flow::new()
//!         .then(&quote)
//!         .then(wait("Cool off", Delay::Seconds(60)))
//!         .then(
//!             choice("Approved?")
//!                 .when(
//!                     !var("$.approved").equals(true),
//!                     Flow::new().then(fail("Rejected").error("Order.TooLarge")),
//!                 )
//!                 .otherwise(Flow::new().then(succeed("Accepted"))),
//!         ),
//! );
//!
//! // The definition, as a state machine would be created with it.
//! let definition = workflow.compile(&Target::local())?;
//! assert_eq!(definition.json()["States"]["quote"]["Next"], "Cool off");
//!
//! // One in-process run; the virtual clock skips the minute of waiting.
//! let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//! let engine = Engine::embedded().with_clock(Clock::Virtual);
//! let outcome = runtime.block_on(engine.run(&workflow, &serde_json::json!({"quantity": 4})))?;
//! assert_eq!(outcome.result, Ok(serde_json::json!({"price": 12, "approved": true})));
//! assert_eq!(outcome.history.entered_states(), ["quote", "Cool off", "Approved?", "Accepted"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The parts:
//!
//! - [`Flow`] and the step constructors ([`pass`], [`wait`], [`choice`], [`parallel`],
//!   [`map`], [`succeed`], [`fail`], a `&`[`Task`], a `&`[`Workflow`] to nest it) build the
//!   flow; [`Step`] methods set ASL fields, only those the step's kind allows. A [`choice`]'s
//!   flows and a step's `catch` flows go on after the step when they end, like structured code.
//! - [`condition`] builds Choice conditions whose ASL operator follows from the compared
//!   value's Rust type.
//! - [`Task`] declares a handler with its resource name and its Retry/Catch/timeout/heartbeat
//!   policy; a [`TaskFailure`] from the handler is the error Retry and Catch match.
//! - [`Workflow::compile`] produces the validated [`Definition`]; the same workflow always
//!   compiles to byte-identical JSON, so it can be checked in and compared.
//! - [`Engine::embedded`] runs a workflow in this process and returns a [`RunOutcome`]: the
//!   output or [`Failure`], and the [`History`]. [`Engine::run`] is the reloaded dev loop
//!   (compiled afresh on every call, so no stale handlers); [`Engine::prepare`] compiles once
//!   for many runs ([`Prepared::run`], and [`Prepared::output`] without history).
//! - [`Engine::intercept`] stacks [`Interceptor`]s (before/after/on-error hooks) around every
//!   handler, and [`Engine::offload`] moves large handler results to an object store
//!   ([`Offload`], see [`offload`]) so workflows can carry data past the 256 KiB limit.
//! - [`Task::callback`] declares a `.waitForTaskToken` task whose handler hands its token on;
//!   [`TaskTokens`] completes it on the embedded engine.
//! - [`Client`] (through the official [`aws_sdk_sfn`] client, so against Baton or AWS by
//!   endpoint) deploys a workflow with `ensure_state_machine` (create or update, activities
//!   registered, idempotent), starts executions, waits for their output or [`Failure`], and
//!   reads their history.
//! - [`Worker`] serves the same [`Task`] values as activity workers: GetActivityTask long polls,
//!   per-task concurrency, automatic heartbeats, graceful shutdown. Whether a handler runs on
//!   the embedded engine or on a worker is chosen by which of the two gets the workflow.
//!
//! Decisions: Task states are activities (`arn:aws:states:REGION:ACCOUNT:activity:NAME`, for a
//! [`Target`]), so the same definition can be served by activity workers; nested workflows are
//! inlined as one-branch Parallel states (see [`Workflow::step`]). Step names are state names;
//! they must be unique across the workflow and at most 80 characters, and states of nested
//! workflows are named `STEP/STATE`.
//!
//! Not yet (issue 6): JSONata states; callback tasks are served by the embedded engine only
//! (on AWS a Lambda function of the task's name plays the handler).

#![warn(missing_docs)]

pub mod client;
mod compile;
pub mod condition;
mod engine;
mod error;
mod flow;
pub mod interceptor;
pub mod offload;
mod policy;
mod task;
pub mod worker;
mod workflow;

pub use aws_sdk_sfn;
pub use baton_core::Event;
pub use baton_runtime::Clock;
/// The object store crate payload offloading is built on, to configure stores with.
pub use object_store;

pub use crate::client::Client;
pub use crate::condition::Condition;
pub use crate::engine::{
    Engine, Failure, History, Prepared, RunOutcome, Status, TaskTokens, TokenError,
};
pub use crate::error::Error;
pub use crate::flow::{
    Delay, Flow, Node, Step, choice, fail, kind, map, parallel, pass, succeed, wait,
};
pub use crate::interceptor::Interceptor;
pub use crate::offload::Offload;
pub use crate::policy::{ALL_ERRORS, Catch, Retry};
pub use crate::task::{Callback, INPUT_INVALID, OUTPUT_INVALID, Task, TaskFailure};
pub use crate::worker::Worker;
pub use crate::workflow::{Definition, Target, Workflow};
