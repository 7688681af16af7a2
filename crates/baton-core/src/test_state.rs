//! TestState: one state of a definition run once, on an input, variables and a context object
//! the caller gives, with the state's work replaced by a mock.
//!
//! AWS's TestState API answers with the state's output, its next state, the error it raised
//! and how Retry and Catch treat that error (`RETRIABLE`, `CAUGHT_ERROR`), without running an
//! execution. The caller says how far the retries got (`retrierRetryCount`) and, for a Map,
//! how many iterations failed, so one call shows one decision. Nothing waits: a Wait state
//! leaves at once. Every data-flow step can be inspected (`inspectionData`).
//!
//! The steps are the interpreter's (`dataflow`, the JSONata fields, Choice rules, error
//! matching, retry backoff); only the frame and history machinery of an execution is absent.

use serde_json::{Map, Value};

use baton_asl::model::{
    Assign, Catcher, Choice, Condition, Dynamic, Jsonata, Map as MapState, NullablePath, Payload,
    QueryLanguage, ResultPath, Retrier, Scope, State, StateKind, StateMachine, Transition,
};
use baton_asl::path::Roots;
use baton_asl::retry::Backoff;
use baton_asl::template::Template;
use baton_asl::{choice, error_match};
use baton_jsonata::Bindings;

use crate::dataflow::{self, At, Failure, RUNTIME};
use crate::input::Millis;
use crate::interpreter::query::QUERY_EVALUATION_ERROR;
use crate::random::Draws;

/// AWS's error when a Map's failed iterations exceed what it tolerates.
const EXCEED_TOLERATED: &str = "States.ExceedToleratedFailureThreshold";
const EXCEED_TOLERATED_CAUSE: &str = "The specified tolerated failure threshold was exceeded";
/// The state name AWS puts in the context object it makes up for a test (recorded).
const CONTEXT_STATE_NAME: &str = "StateName";

/// One TestState call, after the API parsed and checked the request.
pub struct Request<'a> {
    /// The validated definition the state belongs to.
    pub machine: &'a StateMachine,
    /// The state to run, anywhere in the definition (a Map's processor state too).
    pub state_name: &'a str,
    pub input: Value,
    /// The context object `$$` (`$states.context`), given or made by [`context`].
    pub context: Value,
    /// The workflow variables the state sees.
    pub variables: Map<String, Value>,
    pub mock: Option<Mock>,
    pub configuration: Configuration,
    /// The instant JSONata's `$now()` reads.
    pub now: Millis,
    /// The seed for `States.UUID()`, `$random()` and retry jitter.
    pub seed: String,
}

/// What the mocked work of a Task, Map or Parallel state returns.
#[derive(Debug, Clone, PartialEq)]
pub enum Mock {
    /// The work succeeds with this result (a Map's or Parallel's is the array of results).
    Result(Value),
    /// The work fails with this error and cause.
    Error { error: String, cause: String },
}

/// `stateConfiguration`: where the state is in its execution.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Configuration {
    /// How many times the matching retrier already retried.
    pub retrier_retry_count: u64,
    /// A Map's iterations that failed, checked against its tolerated failures.
    pub map_iteration_failure_count: Option<u64>,
}

/// How the state ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Succeeded,
    Failed,
    /// A retrier matched the error and has attempts left.
    Retriable,
    /// A catcher matched the error: the output is the catcher's, the next state its `Next`.
    CaughtError,
}

impl Status {
    /// AWS's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Succeeded => "SUCCEEDED",
            Status::Failed => "FAILED",
            Status::Retriable => "RETRIABLE",
            Status::CaughtError => "CAUGHT_ERROR",
        }
    }
}

/// What the test produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: Status,
    pub output: Option<Value>,
    /// The error and cause the state raised (also when a retrier or catcher took it).
    pub error: Option<(String, String)>,
    pub next_state: Option<String>,
    pub inspection: Inspection,
}

/// `inspectionData`: the value after each data-flow step, in AWS's field names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inspection {
    /// `input`, `afterInputPath`, `afterParameters`/`afterArguments`, `result`,
    /// `afterResultSelector`, `afterResultPath`, `afterItemsPath`, `variables`: JSON values
    /// that AWS sends as JSON text.
    pub data: Vec<(&'static str, Value)>,
    /// `maxConcurrency`, `toleratedFailureCount`, `toleratedFailurePercentage`: numbers.
    pub numbers: Vec<(&'static str, Value)>,
    /// `errorDetails`: which retrier or catcher took the error.
    pub error_details: Option<ErrorDetails>,
}

/// `errorDetails`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ErrorDetails {
    pub catch_index: Option<usize>,
    pub retry_index: Option<usize>,
    pub retry_backoff_interval_seconds: Option<u64>,
}

/// Why a test cannot run; the messages are AWS's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("State not found in definition")]
    StateNotFound,
    #[error("State type '{0}' is not supported when a mock is specified")]
    MockNotAccepted(&'static str),
    /// A Map or Parallel state without a mock: TestState does not run their iterations.
    #[error(
        "TestState API does not support Map or Parallel states. Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]"
    )]
    MockRequired,
    /// A Task state without a mock: Baton's TestState calls no service.
    #[error(
        "Baton's TestState does not call the resource {0}: give a mock result or error for Task states"
    )]
    TaskNeedsMock(String),
    #[error("Mocked result must be an array.")]
    MockNotArray,
    #[error("Mocked result must contain the same number of items as number of Parallel branches.")]
    MockBranchCount,
}

/// The identity of the made-up execution a context object describes.
pub struct Identity<'a> {
    pub execution_arn: &'a str,
    pub execution_name: &'a str,
    pub state_machine_arn: &'a str,
    pub state_machine_name: &'a str,
    pub role_arn: Option<&'a str>,
    /// `Execution.StartTime` and `State.EnteredTime`, ISO 8601.
    pub start_time: &'a str,
}

/// The context object AWS makes up when the request gives none: an Express execution of a
/// made-up machine; `State.RetryCount` only for the states that can retry (Task, Map and
/// Parallel, recorded).
pub fn context(identity: &Identity<'_>, state: &State, input: &Value, retry_count: u64) -> Value {
    let mut state_part = Map::new();
    state_part.insert("Name".to_owned(), Value::from(CONTEXT_STATE_NAME));
    state_part.insert("EnteredTime".to_owned(), Value::from(identity.start_time));
    if matches!(state.kind, StateKind::Task(_) | StateKind::Map(_) | StateKind::Parallel(_)) {
        state_part.insert("RetryCount".to_owned(), Value::from(retry_count));
    }
    serde_json::json!({
        "Execution": {
            "Id": identity.execution_arn,
            "Input": input,
            "Name": identity.execution_name,
            "RoleArn": identity.role_arn,
            "StartTime": identity.start_time,
        },
        "StateMachine": {
            "Id": identity.state_machine_arn,
            "Name": identity.state_machine_name,
        },
        "State": state_part,
    })
}

/// Finds the state named `name` anywhere in the machine, with the scope its transitions
/// name states of.
pub fn find<'m>(machine: &'m StateMachine, name: &str) -> Option<(&'m Scope, &'m State)> {
    find_in(&machine.scope, name)
}

fn find_in<'m>(scope: &'m Scope, name: &str) -> Option<(&'m Scope, &'m State)> {
    if let Some(id) = scope.find(name) {
        return Some((scope, scope.state(id)));
    }
    scope.states.iter().find_map(|state| match &state.kind {
        StateKind::Map(map) => find_in(&map.processor, name),
        StateKind::Parallel(parallel) => {
            parallel.branches.iter().find_map(|branch| find_in(branch, name))
        }
        StateKind::Pass(_)
        | StateKind::Task(_)
        | StateKind::Choice(_)
        | StateKind::Wait(_)
        | StateKind::Succeed
        | StateKind::Fail(_) => None,
    })
}

/// Runs the state once.
pub fn run(request: &Request<'_>) -> Result<Response, Error> {
    let (scope, state) = find(request.machine, request.state_name).ok_or(Error::StateNotFound)?;
    check_mock(state, request.mock.as_ref())?;
    let mut test = Test {
        request,
        state,
        variables: request.variables.clone(),
        inspection: Inspection::default(),
        draws: Draws::new(&request.seed),
    };
    test.note("input", request.input.clone());
    let outcome = test.run_state();
    let response = match outcome {
        Ok(left) => {
            test.note_variables();
            Response {
                status: Status::Succeeded,
                output: Some(left.output),
                error: None,
                next_state: next_name(scope, left.transition),
                inspection: test.inspection,
            }
        }
        Err(failure) => test.handle(scope, failure),
    };
    Ok(response)
}

/// The mock a state accepts: Task, Map and Parallel states need one (a Task could call its
/// service on AWS, which Baton's TestState does not do); the others take none.
fn check_mock(state: &State, mock: Option<&Mock>) -> Result<(), Error> {
    match (&state.kind, mock) {
        (StateKind::Task(task), None) => Err(Error::TaskNeedsMock(task.resource.arn().to_owned())),
        (StateKind::Map(_) | StateKind::Parallel(_), None) => Err(Error::MockRequired),
        (StateKind::Map(map), Some(Mock::Result(result))) => {
            if result.is_array() || map.result_writer.is_some() {
                Ok(())
            } else {
                Err(Error::MockNotArray)
            }
        }
        (StateKind::Parallel(parallel), Some(Mock::Result(result))) => match result {
            Value::Array(items) if items.len() == parallel.branches.len() => Ok(()),
            Value::Array(_) => Err(Error::MockBranchCount),
            Value::Null
            | Value::Bool(_)
            | Value::Number(_)
            | Value::String(_)
            | Value::Object(_) => Err(Error::MockNotArray),
        },
        (StateKind::Task(_) | StateKind::Map(_) | StateKind::Parallel(_), Some(_)) => Ok(()),
        (
            StateKind::Pass(_)
            | StateKind::Choice(_)
            | StateKind::Wait(_)
            | StateKind::Succeed
            | StateKind::Fail(_),
            None,
        ) => Ok(()),
        (
            StateKind::Pass(_)
            | StateKind::Choice(_)
            | StateKind::Wait(_)
            | StateKind::Succeed
            | StateKind::Fail(_),
            Some(_),
        ) => Err(Error::MockNotAccepted(state.kind.type_name())),
    }
}

fn next_name(scope: &Scope, transition: Transition) -> Option<String> {
    match transition {
        Transition::Next(id) => Some(scope.state(id).name.clone()),
        Transition::End => None,
    }
}

fn retriers(state: &State) -> &[Retrier] {
    match &state.kind {
        StateKind::Task(task) => &task.retry,
        StateKind::Parallel(parallel) => &parallel.retry,
        StateKind::Map(map) => &map.retry,
        StateKind::Pass(_)
        | StateKind::Choice(_)
        | StateKind::Wait(_)
        | StateKind::Succeed
        | StateKind::Fail(_) => &[],
    }
}

fn catchers(state: &State) -> &[Catcher] {
    match &state.kind {
        StateKind::Task(task) => &task.catch,
        StateKind::Parallel(parallel) => &parallel.catch,
        StateKind::Map(map) => &map.catch,
        StateKind::Pass(_)
        | StateKind::Choice(_)
        | StateKind::Wait(_)
        | StateKind::Succeed
        | StateKind::Fail(_) => &[],
    }
}

/// How a state left when it did not fail.
struct Left {
    output: Value,
    transition: Transition,
}

/// What a result goes through after the work (JSONPath: ResultSelector, ResultPath,
/// OutputPath; JSONata: Output), and where the state goes next.
struct Finish<'s> {
    result_selector: Option<&'s Template>,
    result_path: Option<&'s ResultPath>,
    transition: Transition,
}

/// One run of a state.
struct Test<'r, 'm> {
    request: &'r Request<'m>,
    state: &'m State,
    variables: Map<String, Value>,
    inspection: Inspection,
    draws: Draws,
}

impl Test<'_, '_> {
    fn note(&mut self, field: &'static str, value: Value) {
        self.inspection.data.push((field, value));
    }

    fn note_variables(&mut self) {
        if !self.variables.is_empty() {
            self.note("variables", Value::Object(self.variables.clone()));
        }
    }

    fn jsonata(&self) -> bool {
        self.state.query_language == QueryLanguage::Jsonata
    }

    fn at(&self) -> At<'_> {
        At { state: &self.state.name, entered: 0 }
    }

    /// A data-flow failure as TestState reports it: the cause without the execution's "error
    /// occurred while executing the state" prefix, which names an event id a test has not.
    fn bare(&self, failure: Failure) -> Failure {
        let prefix = Failure::in_state(&failure.error, &self.state.name, 0, "").cause;
        match failure.cause.strip_prefix(&prefix) {
            Some(cause) => Failure::new(failure.error.clone(), cause),
            None => failure,
        }
    }

    fn select(&self, path: Option<&NullablePath>, value: &Value) -> Result<Value, Failure> {
        let roots =
            Roots { input: value, context: &self.request.context, variables: &self.variables };
        dataflow::select(path, value, &roots, &self.at()).map_err(|failure| self.bare(failure))
    }

    fn template(&mut self, template: &Template, input: &Value) -> Result<Value, Failure> {
        let roots = Roots { input, context: &self.request.context, variables: &self.variables };
        let at = At { state: &self.state.name, entered: 0 };
        let result = dataflow::template(template, input, &roots, &mut self.draws, &at);
        result.map_err(|failure| self.bare(failure))
    }

    /// Evaluates a JSONata field with `$states.input` = `input` and, if given, `extra` (the
    /// result or the error output) under its name.
    fn evaluate(
        &mut self,
        field: &str,
        value: &Jsonata,
        input: &Value,
        extra: Option<(&str, &Value)>,
    ) -> Result<Value, Failure> {
        let mut states = Map::new();
        states.insert("input".to_owned(), input.clone());
        states.insert("context".to_owned(), self.request.context.clone());
        if let Some((name, value)) = extra {
            states.insert(name.to_owned(), value.clone());
        }
        let seed = baton_asl::intrinsic::Random::next_u64(&mut self.draws);
        let mut bindings = Bindings::new(&Value::Object(states), seed).with_clock(self.request.now);
        for name in value.variable_references() {
            if let Some(variable) = self.variables.get(&name) {
                bindings = bindings.with_variable(&name, variable);
            }
        }
        value
            .evaluate(field, input, &bindings)
            .map_err(|failure| Failure::new(QUERY_EVALUATION_ERROR, failure.cause))
    }

    fn run_state(&mut self) -> Result<Left, Failure> {
        let state = self.state;
        let input = self.request.input.clone();
        if self.jsonata() {
            return self.run_jsonata(state, &input);
        }
        match &state.kind {
            StateKind::Pass(pass) => {
                let result = match &pass.result {
                    Some(result) => {
                        self.note("result", result.clone());
                        result.clone()
                    }
                    None => {
                        let effective = self.input_path(&input)?;
                        self.parameters(pass.payload.as_ref(), &effective)?
                    }
                };
                let finish = Finish {
                    result_selector: None,
                    result_path: pass.result_path.as_ref(),
                    transition: pass.transition,
                };
                self.finish(&input, result, &finish)
            }
            StateKind::Task(task) => {
                let effective = self.input_path(&input)?;
                self.parameters(task.payload.as_ref(), &effective)?;
                let result = self.mocked()?;
                let finish = Finish {
                    result_selector: task.result_selector.as_ref(),
                    result_path: task.result_path.as_ref(),
                    transition: task.transition,
                };
                self.finish(&input, result, &finish)
            }
            StateKind::Parallel(parallel) => {
                let effective = self.select(state.input_path.as_ref(), &input)?;
                if let Some(payload) = &parallel.payload {
                    self.parameters(Some(payload), &effective)?;
                }
                let result = self.mocked()?;
                let finish = Finish {
                    result_selector: parallel.result_selector.as_ref(),
                    result_path: parallel.result_path.as_ref(),
                    transition: parallel.transition,
                };
                self.finish(&input, result, &finish)
            }
            StateKind::Map(map) => self.run_map(map, &input),
            StateKind::Choice(choice) => self.run_choice(choice, &input),
            StateKind::Wait(wait) => {
                let effective = self.input_path(&input)?;
                self.assign_path(state.assign.as_ref(), &effective)?;
                let output = self.select(state.output_path.as_ref(), &effective)?;
                Ok(Left { output, transition: wait.transition })
            }
            StateKind::Succeed => {
                let effective = self.input_path(&input)?;
                let output = self.select(state.output_path.as_ref(), &effective)?;
                Ok(Left { output, transition: Transition::End })
            }
            StateKind::Fail(fail) => {
                let effective = self.input_path(&input)?;
                let error = self.fail_field(fail.error.as_ref(), "ErrorPath", &effective)?;
                let cause = self.fail_field(fail.cause.as_ref(), "CausePath", &effective)?;
                Err(Failure::new(error, cause))
            }
        }
    }

    /// A JSONPath Map: its items are read (for the inspection and AWS's errors), the mock is
    /// the array of the iterations' results.
    fn run_map(&mut self, map: &MapState, input: &Value) -> Result<Left, Failure> {
        let state = self.state;
        let effective = self.input_path(input)?;
        if let Some(path) = &map.items_path {
            let roots = Roots {
                input: &effective,
                context: &self.request.context,
                variables: &self.variables,
            };
            let items = path.evaluate(&roots).map_err(|error| {
                self.bare(Failure::in_state(error.name(), &state.name, 0, error))
            })?;
            if !items.is_array() {
                // AWS names a context path (`$$.Execution.Input`) with one `$` here
                // (recorded).
                let text = path.text();
                let shown =
                    text.strip_prefix('$').filter(|rest| rest.starts_with('$')).unwrap_or(text);
                return Err(Failure::new(
                    RUNTIME,
                    format!("Reference path \"{shown}\" must point to array."),
                ));
            }
            self.note("afterItemsPath", items);
        }
        self.map_settings(map, &effective)?;
        let result = self.mocked()?;
        self.check_tolerance(map, &effective)?;
        let finish = Finish {
            result_selector: map.result_selector.as_ref(),
            result_path: map.result_path.as_ref(),
            transition: map.transition,
        };
        self.finish(input, result, &finish)
    }

    fn run_choice(&mut self, choice: &Choice, input: &Value) -> Result<Left, Failure> {
        let state = self.state;
        let effective = self.input_path(input)?;
        let roots =
            Roots { input: &effective, context: &self.request.context, variables: &self.variables };
        let mut chosen = None;
        for rule in &choice.choices {
            match choice::evaluate(&rule.condition, &roots) {
                Ok(true) => {
                    chosen = Some((rule.next, rule.assign.as_ref()));
                    break;
                }
                Ok(false) => {}
                Err(error) => return Err(Failure::new(RUNTIME, error.to_string())),
            }
        }
        let (next, assign) = match (chosen, choice.default) {
            (Some(chosen), _) => chosen,
            (None, Some(default)) => (default, None),
            (None, None) => return Err(no_choice_matched(&state.name)),
        };
        self.assign_path(assign.or(state.assign.as_ref()), &effective)?;
        let output = self.select(state.output_path.as_ref(), &effective)?;
        Ok(Left { output, transition: Transition::Next(next) })
    }

    fn input_path(&mut self, input: &Value) -> Result<Value, Failure> {
        let effective = self.select(self.state.input_path.as_ref(), input)?;
        self.note("afterInputPath", effective.clone());
        Ok(effective)
    }

    /// `Parameters` over the effective input (which passes unchanged without them).
    fn parameters(
        &mut self,
        payload: Option<&Payload>,
        effective: &Value,
    ) -> Result<Value, Failure> {
        let parameters = match payload {
            Some(Payload::Parameters(template)) => self.template(template, effective)?,
            Some(Payload::Arguments(_)) | None => effective.clone(),
        };
        self.note("afterParameters", parameters.clone());
        Ok(parameters)
    }

    /// The mocked work's result, or its error.
    fn mocked(&mut self) -> Result<Value, Failure> {
        match &self.request.mock {
            Some(Mock::Result(result)) => {
                self.note("result", result.clone());
                Ok(result.clone())
            }
            Some(Mock::Error { error, cause }) => Err(Failure::new(error.clone(), cause.clone())),
            // `check_mock` refused states without one that need one.
            None => Ok(Value::Null),
        }
    }

    /// JSONPath: ResultSelector, Assign (over the selected result), ResultPath, OutputPath.
    fn finish(&mut self, raw: &Value, result: Value, finish: &Finish<'_>) -> Result<Left, Failure> {
        let selected = match finish.result_selector {
            Some(selector) => self.template(selector, &result)?,
            None => result,
        };
        self.note("afterResultSelector", selected.clone());
        self.assign_path(self.state.assign.as_ref(), &selected)?;
        let placed = dataflow::place(finish.result_path, raw, selected, &self.at())
            .map_err(|failure| self.bare(failure))?;
        self.note("afterResultPath", placed.clone());
        let output = self.select(self.state.output_path.as_ref(), &placed)?;
        Ok(Left { output, transition: finish.transition })
    }

    /// A JSONPath `Assign`: evaluated over `input`, stored in the variables.
    fn assign_path(&mut self, assign: Option<&Assign>, input: &Value) -> Result<(), Failure> {
        let Some(Assign::JsonPath(template)) = assign else { return Ok(()) };
        if let Value::Object(values) = self.template(template, input)? {
            self.variables.extend(values);
        }
        Ok(())
    }

    /// A Fail state's `Error`/`Cause` (or their `*Path` and intrinsic forms).
    fn fail_field(
        &mut self,
        value: Option<&Dynamic<String>>,
        field: &str,
        input: &Value,
    ) -> Result<String, Failure> {
        let roots = Roots { input, context: &self.request.context, variables: &self.variables };
        let value = match value {
            None => return Ok(String::new()),
            Some(Dynamic::Literal(text)) => return Ok(text.clone()),
            Some(Dynamic::Path(path)) => path.evaluate(&roots).map_err(|_| {
                Failure::new(
                    RUNTIME,
                    format!(
                        "The JSONPath '{}' specified for the field '{field}' could not be found in the input '{}'",
                        path.text(),
                        dataflow::text(input)
                    ),
                )
            })?,
            Some(Dynamic::Intrinsic(call)) => {
                let result = call.evaluate(&roots, &mut self.draws);
                result.map_err(|error| Failure::new(error.name(), error.to_string()))?
            }
            Some(Dynamic::Jsonata(value)) => {
                let name = if field == "ErrorPath" { "Error" } else { "Cause" };
                self.evaluate(name, value, input, None)?
            }
        };
        Ok(value.as_str().map_or_else(|| dataflow::text(&value), str::to_owned))
    }

    /// A Map's `MaxConcurrency` and tolerated failures, as inspection shows them.
    fn map_settings(&mut self, map: &MapState, input: &Value) -> Result<(), Failure> {
        let concurrency = self.number(&map.max_concurrency, "MaxConcurrency", input)?;
        self.inspection.numbers.push(("maxConcurrency", concurrency.unwrap_or(Value::from(0))));
        if let Some(count) = &map.tolerated_failure.count
            && let Some(count) = self.number(count, "ToleratedFailureCount", input)?
        {
            self.inspection.numbers.push(("toleratedFailureCount", count));
        }
        if let Some(percentage) = &map.tolerated_failure.percentage
            && let Some(percentage) =
                self.number(percentage, "ToleratedFailurePercentage", input)?
        {
            let percentage = percentage.as_f64().map_or(percentage, Value::from);
            self.inspection.numbers.push(("toleratedFailurePercentage", percentage));
        }
        Ok(())
    }

    /// A number field given literally, by a path or by JSONata.
    fn number<T: Clone + Into<Value>>(
        &mut self,
        value: &Dynamic<T>,
        field: &str,
        input: &Value,
    ) -> Result<Option<Value>, Failure> {
        match value {
            Dynamic::Literal(value) => Ok(Some(value.clone().into())),
            Dynamic::Path(path) => {
                let roots =
                    Roots { input, context: &self.request.context, variables: &self.variables };
                Ok(path.evaluate(&roots).ok())
            }
            Dynamic::Jsonata(value) => self.evaluate(field, value, input, None).map(Some),
            Dynamic::Intrinsic(_) => Ok(None),
        }
    }

    /// `mapIterationFailureCount` against `ToleratedFailureCount`/`Percentage`; a Map that
    /// sets neither tolerates any count here (recorded).
    fn check_tolerance(&mut self, map: &MapState, input: &Value) -> Result<(), Failure> {
        let Some(failed) = self.request.configuration.map_iteration_failure_count else {
            return Ok(());
        };
        let numbers = self.inspection.numbers.clone();
        let get = |name: &str| {
            numbers.iter().find(|(field, _)| *field == name).map(|(_, value)| value.clone())
        };
        let total = match &self.request.mock {
            Some(Mock::Result(Value::Array(items))) => items.len(),
            _ => input.as_array().map_or(0, Vec::len),
        };
        let over_count = map.tolerated_failure.count.is_some()
            && get("toleratedFailureCount")
                .and_then(|count| count.as_u64())
                .is_some_and(|count| failed > count);
        #[allow(clippy::cast_precision_loss)]
        let over_percentage = map.tolerated_failure.percentage.is_some()
            && total > 0
            && get("toleratedFailurePercentage")
                .and_then(|percentage| percentage.as_f64())
                .is_some_and(|percentage| failed as f64 * 100.0 / total as f64 > percentage);
        if over_count || over_percentage {
            return Err(Failure::new(EXCEED_TOLERATED, EXCEED_TOLERATED_CAUSE));
        }
        Ok(())
    }

    /// JSONata states: `Arguments`, the work, then `Output` and `Assign` over the input and
    /// `$states.result`.
    fn run_jsonata(&mut self, state: &State, input: &Value) -> Result<Left, Failure> {
        let (result, transition) = match &state.kind {
            StateKind::Pass(pass) => (None, pass.transition),
            StateKind::Succeed => (None, Transition::End),
            StateKind::Wait(wait) => (None, wait.transition),
            StateKind::Task(task) => {
                self.arguments(task.payload.as_ref(), input)?;
                (Some(self.mocked()?), task.transition)
            }
            StateKind::Parallel(parallel) => {
                self.arguments(parallel.payload.as_ref(), input)?;
                (Some(self.mocked()?), parallel.transition)
            }
            StateKind::Map(map) => {
                if let Some(items) = &map.items {
                    let items = self.evaluate("Items", items, input, None)?;
                    if !items.is_array() {
                        return Err(Failure::new(
                            QUERY_EVALUATION_ERROR,
                            format!(
                                "The JSONata expression specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '{}' for value: {}",
                                baton_asl::jsonata::type_name(&items),
                                dataflow::text(&items)
                            ),
                        ));
                    }
                }
                self.map_settings(map, input)?;
                let result = self.mocked()?;
                self.check_tolerance(map, input)?;
                (Some(result), map.transition)
            }
            StateKind::Fail(fail) => {
                let error = self.fail_field(fail.error.as_ref(), "ErrorPath", input)?;
                let cause = self.fail_field(fail.cause.as_ref(), "CausePath", input)?;
                return Err(Failure::new(error, cause));
            }
            StateKind::Choice(choice) => {
                for rule in &choice.choices {
                    let Condition::Jsonata(condition) = &rule.condition else { continue };
                    let matched = self.evaluate("Condition", condition, input, None)?;
                    let Value::Bool(matched) = matched else {
                        return Err(Failure::new(
                            QUERY_EVALUATION_ERROR,
                            format!(
                                "The JSONata expression specified for the field 'Condition' returned an unexpected result type. Expected 'boolean', but was '{}' for value: {}",
                                baton_asl::jsonata::type_name(&matched),
                                dataflow::text(&matched)
                            ),
                        ));
                    };
                    if matched {
                        let output = rule.output.as_ref().or(state.output.as_ref());
                        let assign = rule.assign.as_ref().or(state.assign.as_ref());
                        let output = self.leave_jsonata(input, None, output, assign)?;
                        return Ok(Left { output, transition: Transition::Next(rule.next) });
                    }
                }
                let Some(default) = choice.default else {
                    return Err(no_choice_matched(&state.name));
                };
                let output =
                    self.leave_jsonata(input, None, state.output.as_ref(), state.assign.as_ref())?;
                return Ok(Left { output, transition: Transition::Next(default) });
            }
        };
        let output = self.leave_jsonata(
            input,
            result.as_ref(),
            state.output.as_ref(),
            state.assign.as_ref(),
        )?;
        Ok(Left { output, transition })
    }

    fn arguments(&mut self, payload: Option<&Payload>, input: &Value) -> Result<(), Failure> {
        if let Some(Payload::Arguments(arguments)) = payload {
            let arguments = self.evaluate("Arguments", arguments, input, None)?;
            self.note("afterArguments", arguments);
        }
        Ok(())
    }

    /// JSONata `Output` and `Assign`, both over the same variables; without `Output` the state
    /// leaves with its result, or its input.
    fn leave_jsonata(
        &mut self,
        input: &Value,
        result: Option<&Value>,
        output: Option<&Jsonata>,
        assign: Option<&Assign>,
    ) -> Result<Value, Failure> {
        let extra = result.map(|result| ("result", result));
        let assigned = match assign {
            Some(Assign::Jsonata(assign)) => Some(self.evaluate("Assign", assign, input, extra)?),
            Some(Assign::JsonPath(_)) | None => None,
        };
        let output = match output {
            Some(output) => self.evaluate("Output", output, input, extra)?,
            None => result.cloned().unwrap_or_else(|| input.clone()),
        };
        if let Some(Value::Object(values)) = assigned {
            self.variables.extend(values);
        }
        Ok(output)
    }

    /// Retry, then Catch, then failure.
    fn handle(mut self, scope: &Scope, failure: Failure) -> Response {
        let error = Some((failure.error.clone(), failure.cause.clone()));
        let mut details = ErrorDetails::default();
        let retry_count = self.request.configuration.retrier_retry_count;
        for (index, retrier) in retriers(self.state).iter().enumerate() {
            if !error_match::matches(&retrier.error_equals, &failure.error) {
                continue;
            }
            details.retry_index = Some(index);
            if retry_count < retrier.max_attempts {
                let jitter = self.draws.unit();
                details.retry_backoff_interval_seconds =
                    Some(Backoff::from(retrier).delay(retry_count, jitter).as_secs());
                self.inspection.error_details = Some(details);
                return self.ended(Status::Retriable, None, error, None);
            }
            break;
        }
        for (index, catcher) in catchers(self.state).iter().enumerate() {
            if !error_match::matches(&catcher.error_equals, &failure.error) {
                continue;
            }
            details.catch_index = Some(index);
            self.inspection.error_details = Some(details);
            return match self.caught(catcher, &failure) {
                Ok(output) => {
                    let next = Some(scope.state(catcher.next).name.clone());
                    self.ended(Status::CaughtError, Some(output), error, next)
                }
                Err(failure) => {
                    let error = Some((failure.error, failure.cause));
                    self.ended(Status::Failed, None, error, None)
                }
            };
        }
        if details.retry_index.is_some() {
            self.inspection.error_details = Some(details);
        }
        self.ended(Status::Failed, None, error, None)
    }

    fn ended(
        mut self,
        status: Status,
        output: Option<Value>,
        error: Option<(String, String)>,
        next_state: Option<String>,
    ) -> Response {
        self.note_variables();
        Response { status, output, error, next_state, inspection: self.inspection }
    }

    /// A catcher's output: JSONPath puts the error output at its `ResultPath`; JSONata
    /// evaluates its `Output` (and `Assign`) with `$states.errorOutput`.
    fn caught(&mut self, catcher: &Catcher, failure: &Failure) -> Result<Value, Failure> {
        let error_output = failure.to_output();
        let input = self.request.input.clone();
        if self.jsonata() {
            let extra = Some(("errorOutput", &error_output));
            let assigned = match &catcher.assign {
                Some(Assign::Jsonata(assign)) => {
                    Some(self.evaluate("Assign", assign, &input, extra)?)
                }
                Some(Assign::JsonPath(_)) | None => None,
            };
            let output = match &catcher.output {
                Some(output) => self.evaluate("Output", output, &input, extra)?,
                None => error_output,
            };
            if let Some(Value::Object(values)) = assigned {
                self.variables.extend(values);
            }
            return Ok(output);
        }
        self.assign_path(catcher.assign.as_ref(), &error_output)?;
        dataflow::place(catcher.result_path.as_ref(), &input, error_output, &self.at())
            .map_err(|failure| self.bare(failure))
    }
}

fn no_choice_matched(name: &str) -> Failure {
    Failure::new(
        "States.NoChoiceMatched",
        format!("No Choice Rules matched and no Default was specified for state '{name}'."),
    )
}
