//! What the interpreter's test targets share: a parsed definition, the start of an execution
//! of it, and its history as text.

// Each test target compiles this module on its own and uses only part of it.
#![allow(dead_code)]

use serde_json::Value;

pub(crate) mod driver;

use baton_asl::{MachineType, Options};
use baton_core::{Event, Millis, Start, WorkflowType};

/// When every test execution starts.
pub(crate) const STARTED_AT: Millis = 1_700_000_000_000;

/// The start of a test execution with `input`, recording its history.
pub(crate) fn start(input: &Value) -> Start {
    Start {
        input: input.to_string(),
        execution_arn: "arn:aws:states:us-east-1:123456789012:execution:test:run".to_owned(),
        execution_name: "run".to_owned(),
        state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:test".to_owned(),
        state_machine_name: "test".to_owned(),
        role_arn: "arn:aws:iam::123456789012:role/test".to_owned(),
        region: "us-east-1".to_owned(),
        workflow_type: WorkflowType::Standard,
        record_history: true,
        seed: "seed".to_owned(),
        at: STARTED_AT,
    }
}

/// A Standard state machine; panics with the diagnostics if `definition` is invalid.
pub(crate) fn machine(definition: &str) -> baton_asl::StateMachine {
    let (machine, diagnostics) =
        baton_asl::parse(definition, &Options { machine_type: MachineType::Standard });
    machine.unwrap_or_else(|| panic!("invalid definition: {diagnostics:#?}"))
}

/// Events one line each: id, previous id, type and details, without the details every event
/// of a type repeats, keys sorted so that expectations do not depend on insertion order.
pub(crate) fn render(events: &[Event]) -> String {
    events
        .iter()
        .map(|event| {
            let json = event.to_json();
            let mut line = format!(
                "{} {} {}",
                event.id,
                event.previous_event_id,
                json["type"].as_str().unwrap_or("")
            );
            if let Some((_, details)) = json
                .as_object()
                .and_then(|fields| fields.iter().find(|(key, _)| key.ends_with("EventDetails")))
            {
                let mut details = details.clone();
                if let Some(fields) = details.as_object_mut() {
                    for repeated in
                        ["inputDetails", "outputDetails", "assignedVariablesDetails", "roleArn"]
                    {
                        fields.remove(repeated);
                    }
                }
                let sorted: std::collections::BTreeMap<String, Value> =
                    details.as_object().cloned().unwrap_or_default().into_iter().collect();
                line.push(' ');
                line.push_str(&serde_json::to_string(&sorted).unwrap_or_default());
            }
            line.push('\n');
            line
        })
        .collect()
}
