//! History events, shaped as AWS records them (`GetExecutionHistory`).
//!
//! An event has an id (1, 2, ... in order), the id of the event that led to it, a timestamp,
//! a type and that type's details. [`Event::to_json`] gives the exact wire shape: the type name
//! in `type` and the details under `<lowerCamelType>EventDetails` (state events share
//! `stateEnteredEventDetails`/`stateExitedEventDetails`).

use serde_json::{Map, Value, json};

use crate::input::Millis;

/// One history event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: u64,
    pub previous_event_id: u64,
    pub timestamp: Millis,
    pub kind: EventKind,
}

/// The state types, as they prefix state event names (`PassStateEntered`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateType {
    Pass,
    Task,
    Choice,
    Wait,
    Succeed,
    Fail,
    Parallel,
    Map,
}

impl StateType {
    pub fn as_str(self) -> &'static str {
        match self {
            StateType::Pass => "Pass",
            StateType::Task => "Task",
            StateType::Choice => "Choice",
            StateType::Wait => "Wait",
            StateType::Succeed => "Succeed",
            StateType::Fail => "Fail",
            StateType::Parallel => "Parallel",
            StateType::Map => "Map",
        }
    }
}

/// An error name and cause, both optional as in AWS's event details.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Failure {
    pub error: Option<String>,
    pub cause: Option<String>,
}

/// Which family of task events a Task state records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TaskFamily {
    /// `Task*` events with `resourceType`/`resource` (service integrations).
    Service,
    /// `LambdaFunction*` events (a Lambda ARN used directly).
    Lambda,
    /// `Activity*` events.
    Activity,
}

/// The event types and their details.
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    ExecutionStarted {
        input: String,
        role_arn: String,
    },
    ExecutionSucceeded {
        output: String,
    },
    ExecutionFailed(Failure),
    ExecutionAborted(Failure),
    ExecutionTimedOut(Failure),
    /// RedriveExecution restarted the execution; `redrive_count` counts this redrive too.
    ExecutionRedriven {
        redrive_count: u32,
    },
    StateEntered {
        state_type: StateType,
        name: String,
        input: String,
    },
    StateExited {
        state_type: StateType,
        name: String,
        output: String,
        /// Variables assigned on leaving the state, serialized, in assignment order.
        assigned_variables: Option<Vec<(String, String)>>,
    },
    /// `TaskStateAborted`, `WaitStateAborted`, `MapStateAborted`, `ParallelStateAborted`.
    StateAborted {
        state_type: StateType,
    },
    TaskScheduled {
        resource_type: String,
        resource: String,
        region: String,
        parameters: String,
        timeout_seconds: Option<u64>,
        heartbeat_seconds: Option<u64>,
    },
    TaskStarted {
        resource_type: String,
        resource: String,
    },
    TaskSubmitted {
        resource_type: String,
        resource: String,
        output: String,
    },
    TaskSucceeded {
        resource_type: String,
        resource: String,
        output: String,
    },
    TaskFailed {
        resource_type: String,
        resource: String,
        failure: Failure,
    },
    TaskTimedOut {
        resource_type: String,
        resource: String,
        failure: Failure,
    },
    LambdaFunctionScheduled {
        resource: String,
        input: String,
        timeout_seconds: Option<u64>,
    },
    LambdaFunctionStarted,
    LambdaFunctionSucceeded {
        output: String,
    },
    LambdaFunctionFailed(Failure),
    LambdaFunctionTimedOut(Failure),
    ActivityScheduled {
        resource: String,
        input: String,
        timeout_seconds: Option<u64>,
        heartbeat_seconds: Option<u64>,
    },
    ActivityStarted {
        worker_name: Option<String>,
    },
    ActivitySucceeded {
        output: String,
    },
    ActivityFailed(Failure),
    ActivityTimedOut(Failure),
    MapStateStarted {
        length: usize,
    },
    MapStateSucceeded,
    MapStateFailed,
    MapIterationStarted {
        name: String,
        index: usize,
    },
    MapIterationSucceeded {
        name: String,
        index: usize,
    },
    MapIterationFailed {
        name: String,
        index: usize,
    },
    MapIterationAborted {
        name: String,
        index: usize,
    },
    ParallelStateStarted,
    ParallelStateSucceeded,
    ParallelStateFailed,
    /// A Distributed Map started its Map Run (its iterations run as child executions).
    MapRunStarted {
        map_run_arn: String,
    },
    MapRunSucceeded,
    MapRunFailed(Failure),
    /// A state failed while evaluating a field (JSONata, or a path AWS reports this way).
    EvaluationFailed {
        failure: Failure,
        location: Option<String>,
        state: String,
    },
}

impl EventKind {
    /// The AWS `type` of this event.
    pub fn type_name(&self) -> String {
        let fixed = match self {
            EventKind::StateEntered { state_type, .. } => {
                return format!("{}StateEntered", state_type.as_str());
            }
            EventKind::StateExited { state_type, .. } => {
                return format!("{}StateExited", state_type.as_str());
            }
            EventKind::StateAborted { state_type } => {
                return format!("{}StateAborted", state_type.as_str());
            }
            EventKind::ExecutionStarted { .. } => "ExecutionStarted",
            EventKind::ExecutionSucceeded { .. } => "ExecutionSucceeded",
            EventKind::ExecutionFailed(_) => "ExecutionFailed",
            EventKind::ExecutionAborted(_) => "ExecutionAborted",
            EventKind::ExecutionTimedOut(_) => "ExecutionTimedOut",
            EventKind::ExecutionRedriven { .. } => "ExecutionRedriven",
            EventKind::TaskScheduled { .. } => "TaskScheduled",
            EventKind::TaskStarted { .. } => "TaskStarted",
            EventKind::TaskSubmitted { .. } => "TaskSubmitted",
            EventKind::TaskSucceeded { .. } => "TaskSucceeded",
            EventKind::TaskFailed { .. } => "TaskFailed",
            EventKind::TaskTimedOut { .. } => "TaskTimedOut",
            EventKind::LambdaFunctionScheduled { .. } => "LambdaFunctionScheduled",
            EventKind::LambdaFunctionStarted => "LambdaFunctionStarted",
            EventKind::LambdaFunctionSucceeded { .. } => "LambdaFunctionSucceeded",
            EventKind::LambdaFunctionFailed(_) => "LambdaFunctionFailed",
            EventKind::LambdaFunctionTimedOut(_) => "LambdaFunctionTimedOut",
            EventKind::ActivityScheduled { .. } => "ActivityScheduled",
            EventKind::ActivityStarted { .. } => "ActivityStarted",
            EventKind::ActivitySucceeded { .. } => "ActivitySucceeded",
            EventKind::ActivityFailed(_) => "ActivityFailed",
            EventKind::ActivityTimedOut(_) => "ActivityTimedOut",
            EventKind::MapStateStarted { .. } => "MapStateStarted",
            EventKind::MapStateSucceeded => "MapStateSucceeded",
            EventKind::MapStateFailed => "MapStateFailed",
            EventKind::MapIterationStarted { .. } => "MapIterationStarted",
            EventKind::MapIterationSucceeded { .. } => "MapIterationSucceeded",
            EventKind::MapIterationFailed { .. } => "MapIterationFailed",
            EventKind::MapIterationAborted { .. } => "MapIterationAborted",
            EventKind::ParallelStateStarted => "ParallelStateStarted",
            EventKind::ParallelStateSucceeded => "ParallelStateSucceeded",
            EventKind::ParallelStateFailed => "ParallelStateFailed",
            EventKind::MapRunStarted { .. } => "MapRunStarted",
            EventKind::MapRunSucceeded => "MapRunSucceeded",
            EventKind::MapRunFailed(_) => "MapRunFailed",
            EventKind::EvaluationFailed { .. } => "EvaluationFailed",
        };
        fixed.to_owned()
    }

    /// The details object and the key AWS puts it under, if the type has details.
    fn details(&self) -> Option<(&'static str, Value)> {
        let not_truncated = json!({ "truncated": false });
        Some(match self {
            EventKind::ExecutionStarted { input, role_arn } => (
                "executionStartedEventDetails",
                json!({ "input": input, "inputDetails": not_truncated, "roleArn": role_arn }),
            ),
            EventKind::ExecutionSucceeded { output } => (
                "executionSucceededEventDetails",
                json!({ "output": output, "outputDetails": not_truncated }),
            ),
            EventKind::ExecutionFailed(failure) => {
                ("executionFailedEventDetails", failure_json(failure))
            }
            EventKind::ExecutionAborted(failure) => {
                ("executionAbortedEventDetails", failure_json(failure))
            }
            EventKind::ExecutionTimedOut(failure) => {
                ("executionTimedOutEventDetails", failure_json(failure))
            }
            EventKind::ExecutionRedriven { redrive_count } => {
                ("executionRedrivenEventDetails", json!({ "redriveCount": redrive_count }))
            }
            EventKind::StateEntered { name, input, .. } => (
                "stateEnteredEventDetails",
                json!({ "name": name, "input": input, "inputDetails": not_truncated }),
            ),
            EventKind::StateExited { name, output, assigned_variables, .. } => {
                let mut details =
                    json!({ "name": name, "output": output, "outputDetails": not_truncated });
                if let Some(variables) = assigned_variables {
                    let assigned: Map<String, Value> = variables
                        .iter()
                        .map(|(name, value)| (name.clone(), Value::String(value.clone())))
                        .collect();
                    details["assignedVariables"] = Value::Object(assigned);
                    details["assignedVariablesDetails"] = not_truncated;
                }
                ("stateExitedEventDetails", details)
            }
            EventKind::TaskScheduled { .. }
            | EventKind::TaskStarted { .. }
            | EventKind::TaskSubmitted { .. }
            | EventKind::TaskSucceeded { .. }
            | EventKind::TaskFailed { .. }
            | EventKind::TaskTimedOut { .. }
            | EventKind::LambdaFunctionScheduled { .. }
            | EventKind::LambdaFunctionSucceeded { .. }
            | EventKind::LambdaFunctionFailed(_)
            | EventKind::LambdaFunctionTimedOut(_)
            | EventKind::ActivityScheduled { .. }
            | EventKind::ActivityStarted { .. }
            | EventKind::ActivitySucceeded { .. }
            | EventKind::ActivityFailed(_)
            | EventKind::ActivityTimedOut(_) => return self.task_details(),
            EventKind::MapStateStarted { length } => {
                ("mapStateStartedEventDetails", json!({ "length": length }))
            }
            EventKind::MapIterationStarted { name, index } => {
                ("mapIterationStartedEventDetails", json!({ "name": name, "index": index }))
            }
            EventKind::MapIterationSucceeded { name, index } => {
                ("mapIterationSucceededEventDetails", json!({ "name": name, "index": index }))
            }
            EventKind::MapIterationFailed { name, index } => {
                ("mapIterationFailedEventDetails", json!({ "name": name, "index": index }))
            }
            EventKind::MapIterationAborted { name, index } => {
                ("mapIterationAbortedEventDetails", json!({ "name": name, "index": index }))
            }
            EventKind::MapRunStarted { map_run_arn } => {
                ("mapRunStartedEventDetails", json!({ "mapRunArn": map_run_arn }))
            }
            EventKind::MapRunFailed(failure) => ("mapRunFailedEventDetails", failure_json(failure)),
            EventKind::EvaluationFailed { failure, location, state } => {
                let mut details = failure_json(failure);
                details["state"] = json!(state);
                if let Some(location) = location {
                    details["location"] = json!(location);
                }
                ("evaluationFailedEventDetails", details)
            }
            EventKind::StateAborted { .. }
            | EventKind::LambdaFunctionStarted
            | EventKind::MapStateSucceeded
            | EventKind::MapStateFailed
            | EventKind::ParallelStateStarted
            | EventKind::ParallelStateSucceeded
            | EventKind::ParallelStateFailed
            | EventKind::MapRunSucceeded => return None,
        })
    }

    /// Details of the task events (`Task*`, `LambdaFunction*`, `Activity*`).
    // One arm per event type keeps each wire shape in one place; splitting the match further
    // would scatter the format without making any arm shorter.
    #[allow(clippy::too_many_lines)]
    fn task_details(&self) -> Option<(&'static str, Value)> {
        let not_truncated = json!({ "truncated": false });
        Some(match self {
            EventKind::TaskScheduled {
                resource_type,
                resource,
                region,
                parameters,
                timeout_seconds,
                heartbeat_seconds,
            } => {
                let mut details = json!({
                    "resourceType": resource_type,
                    "resource": resource,
                    "region": region,
                    "parameters": parameters,
                });
                if let Some(timeout) = timeout_seconds {
                    details["timeoutInSeconds"] = json!(timeout);
                }
                if let Some(heartbeat) = heartbeat_seconds {
                    details["heartbeatInSeconds"] = json!(heartbeat);
                }
                ("taskScheduledEventDetails", details)
            }
            EventKind::TaskStarted { resource_type, resource } => (
                "taskStartedEventDetails",
                json!({ "resourceType": resource_type, "resource": resource }),
            ),
            EventKind::TaskSubmitted { resource_type, resource, output } => (
                "taskSubmittedEventDetails",
                json!({ "resourceType": resource_type, "resource": resource, "output": output, "outputDetails": not_truncated }),
            ),
            EventKind::TaskSucceeded { resource_type, resource, output } => (
                "taskSucceededEventDetails",
                json!({ "resourceType": resource_type, "resource": resource, "output": output, "outputDetails": not_truncated }),
            ),
            EventKind::TaskFailed { resource_type, resource, failure } => {
                let mut details = failure_json(failure);
                details["resourceType"] = json!(resource_type);
                details["resource"] = json!(resource);
                ("taskFailedEventDetails", details)
            }
            EventKind::TaskTimedOut { resource_type, resource, failure } => {
                let mut details = failure_json(failure);
                details["resourceType"] = json!(resource_type);
                details["resource"] = json!(resource);
                ("taskTimedOutEventDetails", details)
            }
            EventKind::LambdaFunctionScheduled { resource, input, timeout_seconds } => {
                let mut details =
                    json!({ "resource": resource, "input": input, "inputDetails": not_truncated });
                if let Some(timeout) = timeout_seconds {
                    details["timeoutInSeconds"] = json!(timeout);
                }
                ("lambdaFunctionScheduledEventDetails", details)
            }
            EventKind::LambdaFunctionSucceeded { output } => (
                "lambdaFunctionSucceededEventDetails",
                json!({ "output": output, "outputDetails": not_truncated }),
            ),
            EventKind::LambdaFunctionFailed(failure) => {
                ("lambdaFunctionFailedEventDetails", failure_json(failure))
            }
            EventKind::LambdaFunctionTimedOut(failure) => {
                ("lambdaFunctionTimedOutEventDetails", failure_json(failure))
            }
            EventKind::ActivityScheduled {
                resource,
                input,
                timeout_seconds,
                heartbeat_seconds,
            } => {
                let mut details =
                    json!({ "resource": resource, "input": input, "inputDetails": not_truncated });
                if let Some(timeout) = timeout_seconds {
                    details["timeoutInSeconds"] = json!(timeout);
                }
                if let Some(heartbeat) = heartbeat_seconds {
                    details["heartbeatInSeconds"] = json!(heartbeat);
                }
                ("activityScheduledEventDetails", details)
            }
            EventKind::ActivityStarted { worker_name } => {
                let mut details = json!({});
                if let Some(worker) = worker_name {
                    details["workerName"] = json!(worker);
                }
                ("activityStartedEventDetails", details)
            }
            EventKind::ActivitySucceeded { output } => (
                "activitySucceededEventDetails",
                json!({ "output": output, "outputDetails": not_truncated }),
            ),
            EventKind::ActivityFailed(failure) => {
                ("activityFailedEventDetails", failure_json(failure))
            }
            EventKind::ActivityTimedOut(failure) => {
                ("activityTimedOutEventDetails", failure_json(failure))
            }
            EventKind::ExecutionStarted { .. }
            | EventKind::ExecutionSucceeded { .. }
            | EventKind::ExecutionFailed(_)
            | EventKind::ExecutionAborted(_)
            | EventKind::ExecutionTimedOut(_)
            | EventKind::ExecutionRedriven { .. }
            | EventKind::StateEntered { .. }
            | EventKind::StateExited { .. }
            | EventKind::StateAborted { .. }
            | EventKind::LambdaFunctionStarted
            | EventKind::MapStateStarted { .. }
            | EventKind::MapStateSucceeded
            | EventKind::MapStateFailed
            | EventKind::MapIterationStarted { .. }
            | EventKind::MapIterationSucceeded { .. }
            | EventKind::MapIterationFailed { .. }
            | EventKind::MapIterationAborted { .. }
            | EventKind::ParallelStateStarted
            | EventKind::ParallelStateSucceeded
            | EventKind::ParallelStateFailed
            | EventKind::MapRunStarted { .. }
            | EventKind::MapRunSucceeded
            | EventKind::MapRunFailed(_)
            | EventKind::EvaluationFailed { .. } => return None,
        })
    }
}

fn failure_json(failure: &Failure) -> Value {
    let mut details = json!({});
    if let Some(error) = &failure.error {
        details["error"] = json!(error);
    }
    if let Some(cause) = &failure.cause {
        details["cause"] = json!(cause);
    }
    details
}

impl Event {
    /// The event as `GetExecutionHistory` returns it; `timestamp` in epoch seconds.
    pub fn to_json(&self) -> Value {
        #[allow(clippy::cast_precision_loss)]
        let seconds = self.timestamp as f64 / 1000.0;
        let mut event = json!({
            "id": self.id,
            "previousEventId": self.previous_event_id,
            "timestamp": seconds,
            "type": self.kind.type_name(),
        });
        if let Some((key, details)) = self.kind.details() {
            event[key] = details;
        }
        event
    }
}
