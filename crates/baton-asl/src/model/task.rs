//! Task states and their resources.

use crate::model::{Catcher, Dynamic, Jsonata, Payload, ResultPath, Retrier, Transition};
use crate::template::Template;

/// `Task`.
#[derive(Debug, Clone)]
pub struct Task {
    pub resource: Resource,
    pub payload: Option<Payload>,
    pub result_selector: Option<Template>,
    pub result_path: Option<ResultPath>,
    /// `TimeoutSeconds`/`TimeoutSecondsPath`/JSONata; AWS's default applies when `None`.
    pub timeout_seconds: Option<Dynamic<u64>>,
    pub heartbeat_seconds: Option<Dynamic<u64>>,
    /// `Credentials` (a role to assume): a payload template in JSONPath, JSONata otherwise.
    pub credentials: Option<Credentials>,
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
    pub transition: Transition,
}

/// `Credentials` of a Task.
#[derive(Debug, Clone)]
pub enum Credentials {
    JsonPath(Template),
    Jsonata(Jsonata),
}

/// Who does a Task's work, recognised from its `Resource` ARN.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Resource {
    /// `arn:aws:states:REGION:ACCOUNT:activity:NAME`.
    Activity { arn: String },
    /// A Lambda function ARN used directly (the legacy form, `LambdaFunction*` history events).
    LambdaFunction { arn: String },
    /// `arn:aws:states:::SERVICE:ACTION[.PATTERN]`: an optimised or AWS SDK integration.
    Integration { arn: String, service: String, action: String, pattern: IntegrationPattern },
}

impl Resource {
    pub fn arn(&self) -> &str {
        match self {
            Resource::Activity { arn }
            | Resource::LambdaFunction { arn }
            | Resource::Integration { arn, .. } => arn,
        }
    }
}

/// How a service integration waits for its work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum IntegrationPattern {
    /// Call and move on.
    RequestResponse,
    /// `.sync`: wait for the job to finish.
    Sync,
    /// `.sync:2`: wait, with the JSON output shape of `states:startExecution`.
    Sync2,
    /// `.waitForTaskToken`: wait for SendTaskSuccess/Failure with the task token.
    WaitForTaskToken,
}

impl IntegrationPattern {
    pub fn suffix(self) -> &'static str {
        match self {
            IntegrationPattern::RequestResponse => "",
            IntegrationPattern::Sync => ".sync",
            IntegrationPattern::Sync2 => ".sync:2",
            IntegrationPattern::WaitForTaskToken => ".waitForTaskToken",
        }
    }
}
