//! TestState: one state run once with a mocked result or error, as AWS's TestState API does
//! (`baton_core::test_state` runs it; this module reads and checks the request with AWS's
//! messages and writes the response).
//!
//! The definition is one state, or a whole state machine with `stateName`. No service is
//! called: a Task state needs a mock (AWS would call the service with `roleArn`; Baton's
//! TestState does not call services, activities or Lambda functions).

use serde_json::{Map, Value, json};

use baton_asl::model::StateKind;
use baton_core::test_state::{self, Configuration, Identity, Mock, Request as TestRequest};

use super::{Request, optional_bool, optional_str, required};
use crate::{Error, Handle};

mod shapes;

/// The name the state of a one-state definition gets in the machine it is wrapped in; AWS
/// shows it in the context object it makes up (recorded).
const SINGLE_STATE_NAME: &str = "StateName";

/// How much of the data flow the response shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InspectionLevel {
    Info,
    Debug,
    Trace,
}

pub(crate) fn test_state(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let definition = required(request, "definition")?;
    if definition.len() > baton_asl::limits::DEFINITION_BYTES_MAX {
        return Err(super::too_long("definition", baton_asl::limits::DEFINITION_BYTES_MAX));
    }
    let level = match optional_str(request, "inspectionLevel")? {
        None | Some("INFO") => InspectionLevel::Info,
        Some("DEBUG") => InspectionLevel::Debug,
        Some("TRACE") => InspectionLevel::Trace,
        Some(other) => {
            return Err(super::not_in_enum(other, "inspectionLevel", "[INFO, DEBUG, TRACE]"));
        }
    };
    let role_arn = optional_str(request, "roleArn")?;
    let input = json_field(request, "input", "{}", |_| {
        Error::InvalidExecutionInput("Invalid input: the input is not valid JSON".to_owned())
    })?;
    let variables = match json_field(request, "variables", "{}", |_| {
        Error::ValidationRule("Variables must be a valid JSON object".to_owned())
    })? {
        Value::Object(variables) => variables,
        _ => return Err(Error::ValidationRule("Variables must be a valid JSON object".to_owned())),
    };
    let mock = mock(request)?;
    if mock.is_some() && optional_bool(request, "revealSecrets")? == Some(true) {
        return Err(Error::ValidationRule(
            "TestState does not support RevealSecrets when a mock is specified.".to_owned(),
        ));
    }
    let configuration = configuration(request, mock.is_some())?;
    let (machine, state_name) = machine(definition, optional_str(request, "stateName")?)?;
    let (_, state) = test_state::find(&machine, &state_name)
        .ok_or_else(|| Error::ValidationRule(test_state::Error::StateNotFound.to_string()))?;
    if let (StateKind::Task(task), Some((Mock::Result(result), mode))) = (&state.kind, &mock) {
        shapes::check(task.resource.arn(), result, *mode).map_err(|problem| {
            Error::ValidationRule(format!("Mock result schema validation error: {problem}"))
        })?;
    }
    if matches!(state.kind, StateKind::Task(_)) && mock.is_none() && role_arn.is_none() {
        return Err(Error::ValidationRule(
            "RoleArn must be specified when testing a Task state".to_owned(),
        ));
    }
    let now = baton_runtime::now_millis();
    let context = match optional_str(request, "context")? {
        Some(text) => given_context(text)?,
        None => {
            let prefix = super::arn_prefix(handle);
            let machine_name = uuid::Uuid::new_v4().to_string();
            let execution_name = uuid::Uuid::new_v4().to_string();
            let start_time = iso8601(now);
            let identity = Identity {
                execution_arn: &format!("{prefix}:express:{machine_name}:{execution_name}"),
                execution_name: &execution_name,
                state_machine_arn: &format!("{prefix}:stateMachine:{machine_name}"),
                state_machine_name: &machine_name,
                role_arn,
                start_time: &start_time,
            };
            test_state::context(&identity, state, &input, configuration.retrier_retry_count)
        }
    };
    let test = TestRequest {
        machine: &machine,
        state_name: &state_name,
        input,
        context,
        variables,
        mock: mock.map(|(mock, _)| mock),
        configuration,
        now,
        seed: baton_runtime::seed(),
    };
    let response = test_state::run(&test).map_err(|error| match error {
        test_state::Error::MockRequired => Error::InvalidDefinitionVerbatim(error.to_string()),
        test_state::Error::TaskNeedsMock(resource) => Error::UnsupportedFeature(format!(
            "calling the resource {resource} from TestState (activities and service integrations are not run by TestState in Baton; give a mock)"
        )),
        test_state::Error::StateNotFound
        | test_state::Error::MockNotAccepted(_)
        | test_state::Error::MockNotArray
        | test_state::Error::MockBranchCount => Error::ValidationRule(error.to_string()),
    })?;
    Ok(show(&response, level))
}

/// An optional field holding JSON text, parsed (`default` when absent).
fn json_field(
    request: &Request,
    field: &str,
    default: &str,
    invalid: impl Fn(serde_json::Error) -> Error,
) -> Result<Value, Error> {
    let text = optional_str(request, field)?.unwrap_or(default);
    serde_json::from_str(text).map_err(invalid)
}

/// `mock`: a result (JSON text) or an error output, and the `fieldValidationMode`.
fn mock(request: &Request) -> Result<Option<(Mock, shapes::Mode)>, Error> {
    let Some(mock) = request.get("mock").filter(|mock| !mock.is_null()) else {
        return Ok(None);
    };
    let Value::Object(mock) = mock else {
        return Err(super::wrong_type("mock", "structure"));
    };
    let mode = match optional_str(mock, "fieldValidationMode")? {
        None | Some("STRICT") => shapes::Mode::Strict,
        Some("PRESENT") => shapes::Mode::Present,
        Some("NONE") => shapes::Mode::None,
        Some(other) => {
            return Err(super::not_in_enum(
                other,
                "mock.fieldValidationMode",
                "[STRICT, PRESENT, NONE]",
            ));
        }
    };
    let result = optional_str(mock, "result")?;
    let error_output = mock.get("errorOutput").filter(|error| !error.is_null());
    let mock =
        match (result, error_output) {
            (Some(_), Some(_)) | (None, None) => {
                return Err(Error::ValidationRule(
                "A test mock should have only one of the following fields: [result, errorOutput]."
                    .to_owned(),
            ));
            }
            (Some(result), None) => Mock::Result(serde_json::from_str(result).map_err(|_| {
                Error::ValidationRule("Mocked result must be valid JSON".to_owned())
            })?),
            (None, Some(Value::Object(error_output))) => Mock::Error {
                error: optional_str(error_output, "error")?.unwrap_or_default().to_owned(),
                cause: optional_str(error_output, "cause")?.unwrap_or_default().to_owned(),
            },
            (None, Some(_)) => return Err(super::wrong_type("mock.errorOutput", "structure")),
        };
    Ok(Some((mock, mode)))
}

/// `stateConfiguration`.
fn configuration(request: &Request, mocked: bool) -> Result<Configuration, Error> {
    let Some(configuration) = request.get("stateConfiguration").filter(|value| !value.is_null())
    else {
        return Ok(Configuration::default());
    };
    let Value::Object(configuration) = configuration else {
        return Err(super::wrong_type("stateConfiguration", "structure"));
    };
    let count = |field: &str| -> Result<Option<u64>, Error> {
        match configuration.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => value.as_u64().map(Some).ok_or_else(|| {
                super::wrong_type(&format!("stateConfiguration.{field}"), "integer")
            }),
        }
    };
    let map_iteration_failure_count = count("mapIterationFailureCount")?;
    if map_iteration_failure_count.is_some() && !mocked {
        return Err(Error::ValidationRule(
            "TestState does not support MapIterationFailureCount when a mock is not specified."
                .to_owned(),
        ));
    }
    if let Some(data) = optional_str(configuration, "mapItemReaderData")? {
        serde_json::from_str::<Value>(data).map_err(|_| {
            Error::ValidationRule("MapItemReaderData must be valid JSON".to_owned())
        })?;
    }
    Ok(Configuration {
        retrier_retry_count: count("retrierRetryCount")?.unwrap_or(0),
        map_iteration_failure_count,
    })
}

/// The machine the state is tested in, and the state's name: a whole machine with
/// `stateName` (its start state without), or one state wrapped in a machine of its own whose
/// transitions lead to placeholder Succeed states.
fn machine(
    definition: &str,
    state_name: Option<&str>,
) -> Result<(baton_asl::StateMachine, String), Error> {
    let value: Value = serde_json::from_str(definition)
        .map_err(|error| Error::InvalidDefinition(format!("Invalid JSON: {error}")))?;
    let (value, name) = match value.get("States") {
        Some(_) => {
            let name = match state_name {
                Some(name) => name.to_owned(),
                None => value.get("StartAt").and_then(Value::as_str).unwrap_or_default().to_owned(),
            };
            (value, name)
        }
        None => (wrap(value), SINGLE_STATE_NAME.to_owned()),
    };
    let options = baton_asl::Options { machine_type: baton_asl::MachineType::Standard };
    let (machine, diagnostics) = baton_asl::parse_value(&value, &options);
    match machine {
        Some(machine) => Ok((machine, name)),
        None => {
            let shown: Vec<String> = diagnostics
                .iter()
                .filter(|diagnostic| diagnostic.is_error())
                .map(ToString::to_string)
                .collect();
            Err(Error::InvalidDefinition(shown.join(", ")))
        }
    }
}

/// `{"StartAt": "StateName", "States": {"StateName": state, target: {"Type": "Succeed"}...}}`
fn wrap(state: Value) -> Value {
    let mut targets: Vec<String> = Vec::new();
    let mut add = |value: Option<&Value>| {
        if let Some(Value::String(target)) = value
            && target != SINGLE_STATE_NAME
            && !targets.contains(target)
        {
            targets.push(target.clone());
        }
    };
    add(state.get("Next"));
    add(state.get("Default"));
    for list in ["Choices", "Catch"] {
        for rule in state.get(list).and_then(Value::as_array).into_iter().flatten() {
            add(rule.get("Next"));
        }
    }
    let mut states = Map::new();
    states.insert(SINGLE_STATE_NAME.to_owned(), state);
    for target in targets {
        states.insert(target, json!({ "Type": "Succeed" }));
    }
    json!({ "StartAt": SINGLE_STATE_NAME, "States": states })
}

/// A `context` the request gives: a JSON object AWS checks field by field.
fn given_context(text: &str) -> Result<Value, Error> {
    let invalid =
        |detail: &str| Error::ValidationRule(format!("Invalid Context object provided: {detail}"));
    let context: Value = serde_json::from_str(text).map_err(|_| invalid("not valid JSON"))?;
    let Value::Object(fields) = &context else {
        return Err(invalid("the context must be a JSON object"));
    };
    if fields.contains_key("Map") {
        return Err(invalid("'Map' field is not supported when mocking a Context object"));
    }
    let strings = [
        ("Execution", "Id"),
        ("Execution", "Name"),
        ("Execution", "RoleArn"),
        ("Execution", "StartTime"),
        ("StateMachine", "Id"),
        ("StateMachine", "Name"),
        ("State", "Name"),
        ("State", "EnteredTime"),
    ];
    for (part, field) in strings {
        let value = context.get(part).and_then(|part| part.get(field));
        if value.is_some_and(|value| !value.is_string()) {
            return Err(invalid(&format!("{part}.{field} must be a string")));
        }
    }
    let retry_count = context.get("State").and_then(|state| state.get("RetryCount"));
    if retry_count.is_some_and(|value| !value.is_u64()) {
        return Err(invalid("State.RetryCount must be an integer"));
    }
    Ok(context)
}

/// The response: `output` and the inspection data as JSON text, as AWS sends them.
fn show(response: &test_state::Response, level: InspectionLevel) -> Value {
    let mut shown = Map::new();
    if let Some(output) = &response.output {
        shown.insert("output".to_owned(), Value::String(text(output)));
    }
    if let Some((error, cause)) = &response.error {
        shown.insert("error".to_owned(), Value::String(error.clone()));
        shown.insert("cause".to_owned(), Value::String(cause.clone()));
    }
    if let Some(next) = &response.next_state {
        shown.insert("nextState".to_owned(), Value::String(next.clone()));
    }
    shown.insert("status".to_owned(), Value::String(response.status.as_str().to_owned()));
    if level != InspectionLevel::Info {
        let inspection = &response.inspection;
        let mut data = Map::new();
        for (field, value) in &inspection.data {
            data.insert((*field).to_owned(), Value::String(text(value)));
        }
        for (field, value) in &inspection.numbers {
            data.insert((*field).to_owned(), value.clone());
        }
        if let Some(details) = &inspection.error_details {
            let mut shown_details = Map::new();
            if let Some(index) = details.catch_index {
                shown_details.insert("catchIndex".to_owned(), json!(index));
            }
            if let Some(index) = details.retry_index {
                shown_details.insert("retryIndex".to_owned(), json!(index));
            }
            if let Some(seconds) = details.retry_backoff_interval_seconds {
                shown_details.insert("retryBackoffIntervalSeconds".to_owned(), json!(seconds));
            }
            data.insert("errorDetails".to_owned(), Value::Object(shown_details));
        }
        shown.insert("inspectionData".to_owned(), Value::Object(data));
    }
    Value::Object(shown)
}

/// `2024-01-31T12:00:00.123Z`, as context objects write times.
fn iso8601(at: baton_core::Millis) -> String {
    jiff::Timestamp::from_millisecond(at)
        .map(|timestamp| timestamp.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

fn text(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}
