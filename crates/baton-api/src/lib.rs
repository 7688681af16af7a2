//! The AWS Step Functions API over HTTP: awsJson1_0 (`POST /` with `X-Amz-Target:
//! AWSStepFunctions.<Action>`), so that unmodified AWS SDKs, the AWS CLI and boto3 talk to
//! Baton. This is the only crate that knows about HTTP.
//!
//! This is the first slice of issue 4. State machines, executions, activities and their task
//! queues live **in memory only**: a restart forgets them, and a Standard execution is not
//! durable (the SQLite store is the next step). Standard executions run under
//! [`baton_runtime::run_controlled`], so StopExecution, activity workers (GetActivityTask,
//! SendTaskHeartbeat) and task tokens (SendTaskSuccess/Failure) reach them as inputs of the
//! interpreter. Tags, versions and aliases, UpdateStateMachine,
//! DescribeStateMachineForExecution, Map runs, TestState and RedriveExecution answer
//! `UnsupportedOperation`, naming the action.
//!
//! The server follows the recipe of STYLE A6: [`Options`] → [`Options::build`] →
//! [`Service::run`], and tests or other parts reach the state through a cheap-to-clone
//! [`Handle`].
//!
//! ```text
//! let service = Options::local().build(runner);
//! let router = baton_api::app(service.handle()); // for oneshot tests
//! service.run(listener, shutdown).await?;
//! ```

mod actions;
mod error;
mod store;

use std::future::Future;
use std::sync::{Arc, Mutex};

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

pub use crate::error::Error;

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

    /// The service, with no state machines yet, whose Task states' work goes to `runner`.
    pub fn build(self, runner: Arc<dyn TaskRunner>) -> Service {
        let store = Mutex::new(store::Store::default());
        Service { handle: Handle { inner: Arc::new(Inner { options: self, runner, store }) } }
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

    /// Serves the API on `listener` until `shutdown` completes, then lets requests in flight
    /// finish. Executions still running end with the process: nothing is durable yet.
    pub async fn run(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(listener, app(self.handle)).with_graceful_shutdown(shutdown).await
    }
}

/// A cheap-to-clone handle on the server's state (STYLE A6): the state machines, the
/// executions, and the runner that does the Task states' work.
#[derive(Clone)]
pub struct Handle {
    inner: Arc<Inner>,
}

struct Inner {
    options: Options,
    runner: Arc<dyn TaskRunner>,
    store: Mutex<store::Store>,
}

impl Handle {
    fn options(&self) -> &Options {
        &self.inner.options
    }

    /// The store, locked. No lock is ever held across an await, so a poisoned lock means a
    /// panic in a synchronous section, and the data it left is still the best there is.
    fn store(&self) -> std::sync::MutexGuard<'_, store::Store> {
        self.inner.store.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
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
