//! Lambda as Step Functions sees it: which function a Task calls, the response wrapper of the
//! optimised `lambda:invoke` integration, and how a function's error becomes the Task's error.
//!
//! Two resources call a Lambda function, and they differ in what the function receives and what
//! the Task gets back:
//!
//! - `arn:aws:states:::lambda:invoke` takes `{"FunctionName": ..., "Payload": ...}`. The function
//!   receives `Payload` and the Task gets Lambda's whole `Invoke` response
//!   (`{"ExecutedVersion", "Payload", "SdkHttpMetadata", "SdkResponseMetadata", "StatusCode"}`,
//!   as AWS records it in `TaskSucceeded`).
//! - A function ARN used directly (`arn:aws:lambda:REGION:ACCOUNT:function:NAME`) passes the
//!   Task's whole input and gets the function's result as it is.
//!
//! A failing function is reported as AWS does: the error is the function's `errorType` and the
//! cause is the function's error document (`{"errorMessage", "errorType", "stackTrace", ...}`)
//! as JSON text. Failures of the runtime itself (the process exits, its output is not JSON or
//! too large) are `Lambda.Unknown`, which AWS documents for unhandled errors such as
//! out-of-memory and timeouts.

use std::collections::HashMap;

use serde_json::{Value, json};

use baton_asl::model::{IntegrationPattern, Resource};

use crate::{TaskError, TaskFuture, TaskRequest};

/// The error name for failures of the Lambda runtime rather than the function's own code.
pub const UNKNOWN: &str = "Lambda.Unknown";

/// The keys of the error documents that Lambda runtimes write (Python: `errorMessage`,
/// `errorType`, `requestId`, `stackTrace`; Node.js: `errorType`, `errorMessage`, `trace`; Java
/// adds `cause`). A result object made only of these keys, with a message or a type, is an error.
const ERROR_DOCUMENT_KEYS: &[&str] =
    &["errorMessage", "errorType", "stackTrace", "requestId", "trace", "cause"];

/// How the Task receives the function's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `arn:aws:states:::lambda:invoke`: wrapped in Lambda's `Invoke` response.
    Invoke,
    /// A function ARN used directly: the result as it is.
    Function,
}

impl Shape {
    /// Turns the function's work into the Task's: wraps a successful result for
    /// [`Shape::Invoke`]; errors pass unchanged either way.
    pub fn finish(self, work: TaskFuture) -> TaskFuture {
        match self {
            Shape::Function => work,
            Shape::Invoke => Box::pin(async move {
                let payload = work.await?;
                Ok(invoke_response(payload, &Metadata::fresh()))
            }),
        }
    }
}

/// The Lambda function a Task calls and what it receives.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The function as the definition names it: a name, `name:qualifier`, or a (partial) ARN.
    pub function_reference: String,
    /// The bare function name, without account, region or qualifier.
    pub function_name: String,
    /// The event the function receives.
    pub payload: Value,
    pub shape: Shape,
}

impl Target {
    /// The entry of `table` for this function: the reference exactly as written, else the bare
    /// name, so that a table keyed by names serves ARNs and aliases too.
    pub fn lookup<'table, T>(&self, table: &'table HashMap<String, T>) -> Option<&'table T> {
        table.get(&self.function_reference).or_else(|| table.get(&self.function_name))
    }
}

/// The Lambda function `request` calls, or `None` when its resource is not a Lambda call (or is
/// `lambda:invoke` without a string `FunctionName`). Callback patterns (`.waitForTaskToken`)
/// need someone to send the token back, which a local function cannot, so they are not Lambda
/// calls here.
pub fn target(request: &TaskRequest) -> Option<Target> {
    match &request.resource {
        Resource::LambdaFunction { arn } => Some(Target {
            function_reference: arn.clone(),
            function_name: function_name(arn).to_owned(),
            payload: request.input.clone(),
            shape: Shape::Function,
        }),
        Resource::Integration { service, action, pattern, .. }
            if service == "lambda"
                && action == "invoke"
                && *pattern == IntegrationPattern::RequestResponse =>
        {
            let reference = request.input.get("FunctionName")?.as_str()?;
            // Lambda's Invoke sends `{}` when the caller gives no payload.
            let payload = request.input.get("Payload").cloned().unwrap_or_else(|| json!({}));
            Some(Target {
                function_reference: reference.to_owned(),
                function_name: function_name(reference).to_owned(),
                payload,
                shape: Shape::Invoke,
            })
        }
        Resource::Integration { .. } | Resource::Activity { .. } => None,
    }
}

/// The bare function name of a Lambda function reference: `NAME`, `NAME:QUALIFIER`,
/// `ACCOUNT:function:NAME[:QUALIFIER]` or `arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`.
pub fn function_name(reference: &str) -> &str {
    let after_function = match reference.split_once(":function:") {
        Some((_, rest)) => rest,
        None => reference,
    };
    after_function.split(':').next().unwrap_or(after_function)
}

/// The per-call values of Lambda's `Invoke` response metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    pub request_id: String,
    /// The HTTP `Date` header, e.g. `Tue, 04 Mar 2025 10:00:00 GMT`.
    pub date: String,
    /// The `X-Amzn-Trace-Id` header.
    pub trace_id: String,
}

impl Metadata {
    /// A new request id and trace id, dated now.
    pub fn fresh() -> Metadata {
        let now = jiff::Timestamp::now();
        let seconds = u64::try_from(now.as_second()).unwrap_or(0);
        let trace = uuid::Uuid::new_v4().simple().to_string();
        let trace_suffix = trace.get(..24).unwrap_or(&trace);
        Metadata {
            request_id: uuid::Uuid::new_v4().to_string(),
            date: now.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string(),
            trace_id: format!("root=1-{seconds:08x}-{trace_suffix};sampled=0"),
        }
    }
}

/// Lambda's `Invoke` response around a function's result, with the fields, order and headers
/// that AWS records in `TaskSucceeded` for `arn:aws:states:::lambda:invoke`.
pub fn invoke_response(payload: Value, metadata: &Metadata) -> Value {
    let content_length = serde_json::to_string(&payload).map(|text| text.len()).unwrap_or(0);
    let content_length = content_length.to_string();
    let Metadata { request_id, date, trace_id } = metadata;
    json!({
        "ExecutedVersion": "$LATEST",
        "Payload": payload,
        "SdkHttpMetadata": {
            "AllHttpHeaders": {
                "X-Amz-Executed-Version": ["$LATEST"],
                "x-amzn-Remapped-Content-Length": ["0"],
                "Connection": ["keep-alive"],
                "x-amzn-RequestId": [request_id],
                "Content-Length": [content_length],
                "Date": [date],
                "X-Amzn-Trace-Id": [trace_id],
                "Content-Type": ["application/json"],
            },
            "HttpHeaders": {
                "Connection": "keep-alive",
                "Content-Length": content_length,
                "Content-Type": "application/json",
                "Date": date,
                "X-Amz-Executed-Version": "$LATEST",
                "x-amzn-Remapped-Content-Length": "0",
                "x-amzn-RequestId": request_id,
                "X-Amzn-Trace-Id": trace_id,
            },
            "HttpStatusCode": 200,
        },
        "SdkResponseMetadata": { "RequestId": request_id },
        "StatusCode": 200,
    })
}

/// The Task's error when a function answered with an error document, or `None` when `body`
/// is an ordinary result.
pub fn function_error(body: &Value) -> Option<TaskError> {
    let document = body.as_object()?;
    let only_error_keys = document.keys().all(|key| ERROR_DOCUMENT_KEYS.contains(&key.as_str()));
    let error_type = document.get("errorType").and_then(Value::as_str);
    let has_message = document.get("errorMessage").is_some_and(Value::is_string);
    if !only_error_keys || (error_type.is_none() && !has_message) {
        return None;
    }
    let cause = serde_json::to_string(body).unwrap_or_default();
    Some(TaskError::new(error_type.unwrap_or(UNKNOWN), cause))
}

/// A failure of the Lambda runtime: `Lambda.Unknown` with the error document Lambda itself
/// writes for it (`errorType` first, as Lambda's own documents are).
pub fn runtime_error(error_type: &str, message: &str) -> TaskError {
    let document = json!({ "errorType": error_type, "errorMessage": message });
    TaskError::new(UNKNOWN, document.to_string())
}

#[cfg(test)]
mod tests;
