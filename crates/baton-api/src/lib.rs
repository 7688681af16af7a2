//! The AWS Step Functions API over HTTP: awsJson1_0 (`POST /` with `X-Amz-Target:
//! AWSStepFunctions.<Action>`), so that unmodified AWS SDKs, the AWS CLI and boto3 talk to
//! Baton. This is the only crate that knows about HTTP.
//!
//! State machines, activities and Standard executions (their rows and histories) live in a
//! [`baton_store::Store`]: an SQLite file for `baton serve` ([`open_data_dir`]), or a
//! [`MemoryStore`] for tests and throwaway setups ([`Options::build`]). Every API read
//! (Describe*, List*, GetExecutionHistory) reads the store. Standard executions run under
//! [`baton_runtime::run_durable`]: each step of the interpreter is committed before any of its
//! effects, so after a restart [`Service::recover`] resumes every execution that was running,
//! from its last durable step. StopExecution, activity workers (GetActivityTask,
//! SendTaskHeartbeat) and task tokens (SendTaskSuccess/Failure) reach a running execution as
//! signals through the [`baton_runtime::Remote`] the service keeps for it in memory. Activity
//! tasks wait in the store's durable queue and task tokens are recorded there too.
//!
//! Express executions run in memory only, as in AWS, which keeps no record of them.
//!
//! UpdateStateMachine makes a new revision of a machine; executions keep running the revision
//! they started on, after a restart too, because the store keeps every revision an update
//! replaces ([`baton_store::Change::KeepStateMachineRevision`]) until the machine is deleted.
//! Tags on state machines and activities live with their records in the store.
//!
//! Versions and aliases, Map runs, TestState and RedriveExecution answer
//! `UnsupportedOperation`, naming the action (or, for `publish: true`, state machine versions).
//!
//! The server follows the recipe of STYLE A6: [`Options`] → [`Options::build_on`] →
//! [`Service::recover`] → [`Service::run`], and tests or other parts reach the state through a
//! cheap-to-clone [`Handle`].
//!
//! ```text
//! let store = baton_api::open_data_dir(Path::new("baton-data"))?;
//! let service = Options::local().build_on(Arc::new(store.clone()), runner);
//! let recovered = service.recover().await?;
//! let router = baton_api::app(service.handle()); // for oneshot tests
//! service.run(listener, shutdown).await?;
//! store.shutdown()?;
//! ```

mod actions;
mod data_dir;
mod error;
mod live;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use baton_integrations::TaskRunner;
use baton_store::memory::MemoryStore;
use baton_store::{CachedCatalog, Store};

pub use crate::data_dir::{DATABASE_FILE, DataDirError, open_data_dir};
pub use crate::error::Error;
use crate::live::Live;

/// The prefix of every `X-Amz-Target` header this API serves.
const TARGET_PREFIX: &str = "AWSStepFunctions.";
/// The content type of awsJson1_0 requests and responses.
const CONTENT_TYPE: &str = "application/x-amz-json-1.0";
/// The largest request body read. The largest valid request is a 1 MiB definition
/// (`DEFINITION_BYTES_MAX`) escaped inside JSON, where every character may take up to six
/// bytes (`\u0000`); anything above that cannot be valid.
const REQUEST_BYTES_MAX: usize = 6 * baton_asl::limits::DEFINITION_BYTES_MAX + 64 * 1024;

/// Who the server pretends to be: ARNs carry this account and region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Options {
    /// The twelve-digit account id in every ARN.
    pub account_id: String,
    /// The region in every ARN and in task events.
    pub region: String,
}

impl Options {
    /// Step Functions Local's defaults: account 123456789012 in us-east-1.
    pub fn local() -> Options {
        Options { account_id: "123456789012".to_owned(), region: "us-east-1".to_owned() }
    }

    /// The service on a fresh in-memory store, whose Task states' work goes to `runner`.
    /// Nothing survives the process: for tests and throwaway setups.
    pub fn build(self, runner: Arc<dyn TaskRunner>) -> Service {
        self.build_on(Arc::new(MemoryStore::new()), runner)
    }

    /// The service on `store`, whose Task states' work goes to `runner`. Executions the store
    /// holds as running do not run until [`Service::recover`] resumes them.
    ///
    /// The service keeps the store's machine and activity records in memory
    /// ([`CachedCatalog`]), so nothing else may change them in `store` while it runs.
    pub fn build_on(self, store: Arc<dyn Store>, runner: Arc<dyn TaskRunner>) -> Service {
        let store: Arc<dyn Store> = Arc::new(CachedCatalog::new(store));
        let inner = Inner { options: self, runner, store, live: Live::default() };
        Service { handle: Handle { inner: Arc::new(inner) } }
    }
}

/// The API server, ready to run.
pub struct Service {
    handle: Handle,
}

impl Service {
    /// A handle on the service's state, for [`app`] or for other parts of the process.
    pub fn handle(&self) -> Handle {
        self.handle.clone()
    }

    /// Resumes every Standard execution the store holds as running, from its last durable
    /// step, and returns how many. Call it once, before serving: pending timers fire at their
    /// original due times (at once when overdue), tasks that were running run again, and
    /// activity tasks already queued stay queued. An execution whose state machine cannot be
    /// loaded any more fails with `States.Runtime`. Needs a tokio runtime.
    pub async fn recover(&self) -> Result<usize, Error> {
        actions::recover(&self.handle).await
    }

    /// Serves the API on `listener` until `shutdown` completes: stops accepting connections,
    /// ends long polls at once (they answer `{}`), lets requests in flight finish, then stops
    /// the running executions between two steps. Every step they made is durable already, so
    /// [`Service::recover`] continues them at the next start; shut the store down after this
    /// returns to flush what is queued.
    pub async fn run(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let closing = self.handle.clone();
        let shutdown = async move {
            shutdown.await;
            closing.inner.live.close();
        };
        let served =
            axum::serve(listener, app(self.handle.clone())).with_graceful_shutdown(shutdown).await;
        self.handle.inner.live.stop_executions().await;
        served
    }
}

/// A cheap-to-clone handle on the server's state (STYLE A6): the store, what lives only in
/// memory (running executions, parsed state machines, waiting pollers), and the runner that
/// does the Task states' work.
#[derive(Clone)]
pub struct Handle {
    inner: Arc<Inner>,
}

struct Inner {
    options: Options,
    runner: Arc<dyn TaskRunner>,
    store: Arc<dyn Store>,
    live: Live,
}

impl Handle {
    /// How many Standard executions run in memory now. A running execution that waits only
    /// for activity workers, callbacks or timers more than a second away parks: it stays
    /// RUNNING in the store and is not counted here until a signal or its timer wakes it.
    pub fn executions_in_memory(&self) -> usize {
        self.live().running().executions.len()
    }

    fn options(&self) -> &Options {
        &self.inner.options
    }

    fn store(&self) -> &dyn Store {
        self.inner.store.as_ref()
    }

    fn live(&self) -> &Live {
        &self.inner.live
    }
}

/// The API as an axum router: one `POST /` route that dispatches on `X-Amz-Target`.
pub fn app(handle: Handle) -> Router {
    Router::new()
        .route("/", post(dispatch))
        .layer(DefaultBodyLimit::max(REQUEST_BYTES_MAX))
        .with_state(handle)
}

async fn dispatch(
    State(handle): State<Handle>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    // A body that cannot be read (too large, or cut off) gets AWS's JSON error shape too.
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return Error::Serialization(rejection.body_text()).into_response(),
    };
    let target = headers.get("x-amz-target").and_then(|value| value.to_str().ok()).unwrap_or("");
    let Some(action) = target.strip_prefix(TARGET_PREFIX) else {
        return Error::UnknownOperation(target.to_owned()).into_response();
    };
    let request = match parse_body(&body) {
        Ok(request) => request,
        Err(error) => return error.into_response(),
    };
    match actions::run(&handle, action, request).await {
        Ok(value) => json_response(StatusCode::OK, &value),
        Err(error) => error.into_response(),
    }
}

/// Our own JSON extractor: a body that is not a JSON object becomes AWS's
/// `SerializationException` rather than axum's plain-text rejection (STYLE E4). An empty body
/// is an empty request, as the SDKs send for actions without parameters.
fn parse_body(body: &[u8]) -> Result<serde_json::Map<String, Value>, Error> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Error::Serialization(
            "Start of structure or map found where not expected.".to_owned(),
        )),
        Err(error) => Err(Error::Serialization(format!("The request body is not JSON: {error}"))),
    }
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}
