//! Helpers shared by this crate's unit tests: task requests built from an ARN, and a way to
//! await a runner's answer.

use serde_json::Value;

use baton_asl::model::{IntegrationPattern, Resource};
use baton_core::TaskId;

use crate::{TaskRequest, TaskResult, TaskRunner};

/// A request from Task state `state` for `arn` with effective parameters `input`.
pub(crate) fn request(state: &str, arn: &str, input: Value) -> TaskRequest {
    TaskRequest {
        task: TaskId(1),
        state_name: state.to_owned(),
        state_entered_event_id: 2,
        resource: resource(arn),
        input,
        token: None,
        timeout_seconds: 60,
        heartbeat_seconds: None,
    }
}

/// The resource model for the ARNs the tests use (validation recognises the real ones).
fn resource(arn: &str) -> Resource {
    if arn.starts_with("arn:aws:lambda:") {
        return Resource::LambdaFunction { arn: arn.to_owned() };
    }
    if arn.contains(":activity:") {
        return Resource::Activity { arn: arn.to_owned() };
    }
    let operation = arn.strip_prefix("arn:aws:states:::").unwrap_or(arn);
    let (service, action) = operation.split_once(':').unwrap_or((operation, ""));
    let (action, pattern) = match action.strip_suffix(".waitForTaskToken") {
        Some(action) => (action, IntegrationPattern::WaitForTaskToken),
        None => (action, IntegrationPattern::RequestResponse),
    };
    Resource::Integration {
        arn: arn.to_owned(),
        service: service.to_owned(),
        action: action.to_owned(),
        pattern,
    }
}

/// What `runner` answers to `request`: `None` when it declines.
pub(crate) fn answer(runner: &dyn TaskRunner, request: &TaskRequest) -> Option<TaskResult> {
    let work = runner.start(request)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime for the test");
    Some(runtime.block_on(work))
}

/// An answer rendered as one line, for compact expectations: `declined`, `ok <json>` or
/// `error <name>: <cause>`.
pub(crate) fn render(answer: Option<TaskResult>) -> String {
    match answer {
        None => "declined".to_owned(),
        Some(Ok(output)) => format!("ok {output}"),
        Some(Err(error)) => format!("error {}: {}", error.error, error.cause),
    }
}
