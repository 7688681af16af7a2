//! The context object (`$$`) as a state sees it.

use serde_json::{Value, json};

use crate::execution::{Execution, FrameId};
use crate::input::Millis;
use crate::input::WorkflowType;

/// What the context object of one evaluation contains besides the execution's identity.
pub(crate) struct ContextParts<'a> {
    pub(crate) state_name: &'a str,
    pub(crate) retry_count: u64,
    pub(crate) token: Option<&'a str>,
    /// `$$.Map.Item` while evaluating a Map's ItemSelector.
    pub(crate) map_item: Option<(usize, &'a Value)>,
}

/// Builds `$$` for a state of `frame`.
pub(crate) fn build(execution: &Execution, frame: FrameId, parts: &ContextParts<'_>) -> Value {
    let start = &execution.start;
    let entered_at = execution.frame(frame).entered_at;
    let mut context = json!({
        "Execution": {
            "Id": start.execution_arn,
            "Input": execution.input,
            "Name": start.execution_name,
            "RoleArn": start.role_arn,
            "StartTime": iso8601(start.at),
            "RedriveCount": execution.redrive_count,
        },
        "State": {
            "EnteredTime": iso8601(entered_at),
            "Name": parts.state_name,
            "RetryCount": parts.retry_count,
        },
        "StateMachine": {
            "Id": start.state_machine_arn,
            "Name": start.state_machine_name,
        },
    });
    if let Some(redriven) = execution.redrive_time {
        context["Execution"]["RedriveTime"] = json!(iso8601(redriven));
    }
    // Express executions cannot be redriven and AWS leaves both counters out of their context
    // object (recorded: StartSyncExecution of a state that returns `$$`).
    if start.workflow_type == WorkflowType::Express {
        if let Some(execution) = context["Execution"].as_object_mut() {
            execution.remove("RedriveCount");
        }
        if let Some(state) = context["State"].as_object_mut() {
            state.remove("RetryCount");
        }
    }
    if let Some(token) = parts.token {
        context["Task"] = json!({ "Token": token });
    }
    if let Some((index, value)) = parts.map_item {
        context["Map"] = json!({ "Item": { "Index": index, "Value": value } });
    }
    context
}

/// `2024-01-31T12:00:00.123Z`, as AWS writes context-object times.
pub(crate) fn iso8601(at: Millis) -> String {
    jiff::Timestamp::from_millisecond(at)
        .map(|timestamp| timestamp.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}
