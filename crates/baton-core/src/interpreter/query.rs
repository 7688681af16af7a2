//! JSONata states: evaluating fields with `$states`, the workflow variables, a seed and the
//! clock, and the way such a state leaves (Assign and Output, both seeing the same variables).
//!
//! A field that fails to evaluate fails the state with `States.QueryEvaluationError` and AWS's
//! cause text, after an `EvaluationFailed` event naming the state and the field.

use serde_json::{Map, Value};

use baton_asl::intrinsic::Random;
use baton_asl::jsonata::type_name;
use baton_asl::model::{Assign, Choice, Condition, Dynamic, Jsonata, State, Transition, WaitFor};
use baton_asl::path::Variables;
use baton_asl::timestamp;
use baton_jsonata::{Bindings, Limits};

use crate::dataflow::{At, Failure, text};
use crate::event::{EventKind, Failure as EventFailure};
use crate::execution::{FrameId, VisibleVariables};
use crate::interpreter::{Run, seconds_to_millis};

/// AWS's error for a JSONata field that fails or returns what the field cannot take.
pub(crate) const QUERY_EVALUATION_ERROR: &str = "States.QueryEvaluationError";

/// What `$states` holds besides `input` and `context`.
#[derive(Clone, Copy)]
pub(crate) enum Extra<'a> {
    Nothing,
    /// `$states.result`: a Task, Parallel or Map state's result, in its Output and Assign.
    Result(&'a Value),
    /// `$states.errorOutput`: the error a Catch handles, in its Output and Assign.
    ErrorOutput(&'a Value),
}

/// The context object an evaluation sees, when the caller has one already (a Map item's).
pub(crate) enum Context<'a> {
    /// Built for the state if any of the fields reads it (with the task token, if any).
    ForState(Option<&'a str>),
    Given(&'a Value),
}

impl Run<'_, '_> {
    /// Bindings for evaluating `fields` of the current state of `frame` against `input`: only
    /// the variables the fields name are converted, and the context object only when read.
    pub(crate) fn jsonata_bindings(
        &mut self,
        frame: FrameId,
        input: &Value,
        extra: Extra<'_>,
        context: Context<'_>,
        fields: &[&Jsonata],
    ) -> Bindings {
        let mut states = Map::with_capacity(4);
        states.insert("input".to_owned(), input.clone());
        match context {
            Context::ForState(token) => {
                if fields.iter().any(|field| field.reads_context()) {
                    states.insert("context".to_owned(), self.context_for(frame, token));
                }
            }
            Context::Given(context) => {
                states.insert("context".to_owned(), context.clone());
            }
        }
        match extra {
            Extra::Nothing => {}
            Extra::Result(result) => {
                states.insert("result".to_owned(), result.clone());
            }
            Extra::ErrorOutput(error) => {
                states.insert("errorOutput".to_owned(), error.clone());
            }
        }
        let seed = self.execution.draws.next_u64();
        let limits =
            Limits { cancel: self.execution.evaluation_guard.clone(), ..Limits::default() };
        let mut bindings =
            Bindings::new(&Value::Object(states), seed).with_clock(self.now).with_limits(limits);
        let variables = VisibleVariables { frames: &self.execution.frames, frame };
        let mut bound: Vec<String> = Vec::new();
        for field in fields {
            for name in field.variable_references() {
                if bound.contains(&name) {
                    continue;
                }
                if let Some(value) = variables.get(&name) {
                    bindings = bindings.with_variable(&name, value);
                }
                bound.push(name);
            }
        }
        bindings
    }

    /// Evaluates one field; a failure is recorded and becomes `States.QueryEvaluationError`.
    pub(crate) fn jsonata_field(
        &mut self,
        frame: FrameId,
        field: &str,
        value: &Jsonata,
        input: &Value,
        bindings: &Bindings,
    ) -> Result<Value, Failure> {
        value
            .evaluate(field, input, bindings)
            .map_err(|failure| self.query_failed(frame, Some(failure.location), &failure.cause))
    }

    /// Evaluates one field that is the only one its bindings serve, against `input`.
    pub(crate) fn jsonata_single(
        &mut self,
        frame: FrameId,
        field: &str,
        value: &Jsonata,
        input: &Value,
    ) -> Result<Value, Failure> {
        let bindings =
            self.jsonata_bindings(frame, input, Extra::Nothing, Context::ForState(None), &[value]);
        self.jsonata_field(frame, field, value, input, &bindings)
    }

    /// The failure for a field whose value has the wrong JSON type (`Items` must give an
    /// array, a `Condition` a Boolean), with AWS's message.
    pub(crate) fn unexpected_type(
        &mut self,
        frame: FrameId,
        field: &str,
        value: &Jsonata,
        result: &Value,
        expected: &str,
    ) -> Failure {
        let shown = value.expression_text().unwrap_or_default();
        let detail = format!(
            "The JSONata expression '{shown}' specified for the field '{field}' returned an unexpected result type. Expected '{expected}', but was '{}' for value: {}",
            type_name(result),
            text(result)
        );
        self.query_failed(frame, Some(field.to_owned()), &detail)
    }

    /// Records `EvaluationFailed` and returns the failure the state then handles.
    ///
    /// When the field fails before the state recorded anything after its Entered event, AWS
    /// points the event at what the Entered event points at (recorded for failing `Arguments`,
    /// `Output`, `Assign` and `Items` in Pass, Task and Map states); the event after it points
    /// at the event itself. After other events of the state (a task's result) no recording
    /// shows otherwise, so it follows them as any event does.
    pub(crate) fn query_failed(
        &mut self,
        frame: FrameId,
        location: Option<String>,
        detail: &str,
    ) -> Failure {
        let data = self.execution.frame_mut(frame);
        if data.last_event_id == data.entered_event_id {
            data.last_event_id = data.entered_previous_event_id;
        }
        self.evaluation_failed(frame, location, detail)
    }

    /// [`Run::query_failed`] for a Wait state's `Timestamp` that is not a timestamp: there AWS
    /// points the event at the state's Entered event (recorded: test_wait_timestamp_jsonata).
    fn timestamp_failed(&mut self, frame: FrameId, detail: &str) -> Failure {
        self.evaluation_failed(frame, Some("Timestamp".to_owned()), detail)
    }

    fn evaluation_failed(
        &mut self,
        frame: FrameId,
        location: Option<String>,
        detail: &str,
    ) -> Failure {
        let (name, entered) = self.at(frame);
        let failure = Failure::in_state(QUERY_EVALUATION_ERROR, name, entered, detail);
        self.event(
            Some(frame),
            EventKind::EvaluationFailed {
                failure: EventFailure {
                    error: Some(failure.error.clone()),
                    cause: Some(failure.cause.clone()),
                },
                location,
                state: name.to_owned(),
            },
        );
        failure
    }

    /// Leaves a JSONata state: `Assign` and `Output` are evaluated against the same variables
    /// (AWS: "in parallel"), then the variables are stored and the state exits. Without
    /// `Output` the state leaves with `result` (a Task's, Parallel's or Map's result, a Catch's
    /// error output) or, when that is `None`, with its input.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn jsonata_finish(
        &mut self,
        frame: FrameId,
        state: &State,
        input: &Value,
        extra: Extra<'_>,
        result: Option<Value>,
        output: Option<&Jsonata>,
        assign: Option<&Assign>,
        transition: Transition,
    ) -> Result<(), Failure> {
        let assign = match assign {
            Some(Assign::Jsonata(assign)) => Some(assign),
            Some(Assign::JsonPath(_)) | None => None,
        };
        if output.is_none() && assign.is_none() {
            let leaving = result.unwrap_or_else(|| input.clone());
            self.exit_state(frame, state, leaving, None, transition);
            return Ok(());
        }
        let fields: Vec<&Jsonata> = output.into_iter().chain(assign).collect();
        let bindings = self.jsonata_bindings(frame, input, extra, Context::ForState(None), &fields);
        // Validation makes `Assign` an object, so its evaluation is one too.
        let values = match assign {
            Some(assign) => {
                let values = self.jsonata_field(frame, "Assign", assign, input, &bindings)?;
                if let Value::Object(values) = values { Some(values) } else { None }
            }
            None => None,
        };
        let output = match output {
            Some(output) => self.jsonata_field(frame, "Output", output, input, &bindings)?,
            None => result.unwrap_or_else(|| input.clone()),
        };
        let (name, entered) = self.at(frame);
        let assigned = match values {
            Some(values) => {
                Some(self.store_assigned(frame, values, &At { state: name, entered })?)
            }
            None => None,
        };
        self.exit_state(frame, state, output, assigned, transition);
        Ok(())
    }
}

/// The JSONata forms of the states whose whole logic differs from JSONPath's.
impl Run<'_, '_> {
    /// Leaves a JSONata state that has no result of its own (Pass, Succeed, Choice, Wait):
    /// `Output` and `Assign` see the state's input, which is also the default output.
    pub(crate) fn jsonata_leave(
        &mut self,
        frame: FrameId,
        state: &State,
        output: Option<&Jsonata>,
        assign: Option<&Assign>,
        transition: Transition,
    ) -> Result<(), Failure> {
        let input = self.execution.frame(frame).input.clone();
        self.jsonata_finish(frame, state, &input, Extra::Nothing, None, output, assign, transition)
    }

    /// Choice: the first rule whose `Condition` is true decides, with its own `Output` and
    /// `Assign` if it has them, the state's otherwise (as on the Default path).
    pub(crate) fn run_choice_jsonata(
        &mut self,
        frame: FrameId,
        state: &State,
        choice: &Choice,
    ) -> Result<(), Failure> {
        let input = self.execution.frame(frame).input.clone();
        let conditions: Vec<&Jsonata> = choice
            .choices
            .iter()
            .filter_map(|rule| match &rule.condition {
                Condition::Jsonata(condition) => Some(condition),
                Condition::Comparison(_)
                | Condition::And(_)
                | Condition::Or(_)
                | Condition::Not(_) => None,
            })
            .collect();
        let bindings = self.jsonata_bindings(
            frame,
            &input,
            Extra::Nothing,
            Context::ForState(None),
            &conditions,
        );
        let mut chosen = None;
        for rule in &choice.choices {
            let Condition::Jsonata(condition) = &rule.condition else { continue };
            let result = self.jsonata_field(frame, "Condition", condition, &input, &bindings)?;
            let Value::Bool(matched) = result else {
                return Err(self.unexpected_type(
                    frame,
                    "Condition",
                    condition,
                    &result,
                    "boolean",
                ));
            };
            if matched {
                chosen = Some(rule);
                break;
            }
        }
        drop(bindings);
        let (next, output, assign) = match (chosen, choice.default) {
            (Some(rule), _) => (
                rule.next,
                rule.output.as_ref().or(state.output.as_ref()),
                rule.assign.as_ref().or(state.assign.as_ref()),
            ),
            (None, Some(default)) => (default, state.output.as_ref(), state.assign.as_ref()),
            (None, None) => {
                return Err(Failure::new(
                    "States.NoChoiceMatched",
                    format!(
                        "No Choice Rules matched and no Default was specified for state '{}'.",
                        state.name
                    ),
                ));
            }
        };
        self.jsonata_finish(
            frame,
            state,
            &input,
            Extra::Nothing,
            None,
            output,
            assign,
            Transition::Next(next),
        )
    }

    /// A Wait state's delay in milliseconds from its JSONata `Seconds` or `Timestamp`.
    pub(crate) fn jsonata_wait_delay(
        &mut self,
        frame: FrameId,
        until: &WaitFor,
    ) -> Result<Option<i64>, Failure> {
        let (field, value) = match until {
            WaitFor::Seconds(Dynamic::Jsonata(value)) => ("Seconds", value),
            WaitFor::Timestamp(Dynamic::Jsonata(value)) => ("Timestamp", value),
            WaitFor::Seconds(_) | WaitFor::Timestamp(_) => return Ok(None),
        };
        let input = self.execution.frame(frame).input.clone();
        let result = self.jsonata_single(frame, field, value, &input)?;
        if field == "Seconds" {
            let seconds = self.jsonata_seconds(frame, field, value, &result)?;
            return Ok(Some(seconds_to_millis(seconds)));
        }
        let due = result.as_str().and_then(timestamp::parse).ok_or_else(|| {
            let shown = result.as_str().map_or_else(|| text(&result), str::to_owned);
            let detail = format!(
                "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {shown}"
            );
            self.timestamp_failed(frame, &detail)
        })?;
        Ok(Some((due.as_millisecond() - self.now).max(0)))
    }

    /// A whole number of seconds from a JSONata field (`Seconds`, `TimeoutSeconds`, ...),
    /// rounded down as AWS does for integer parameters.
    pub(crate) fn jsonata_seconds(
        &mut self,
        frame: FrameId,
        field: &str,
        value: &Jsonata,
        result: &Value,
    ) -> Result<u64, Failure> {
        match result.as_f64() {
            Some(number) if number >= 0.0 && number.is_finite() => {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let seconds = number.floor() as u64;
                Ok(seconds)
            }
            _ => Err(self.unexpected_type(frame, field, value, result, "non-negative integer")),
        }
    }

    /// A Fail state's `Error` or `Cause` given as JSONata: the value as a string.
    pub(crate) fn jsonata_fail_field(
        &mut self,
        frame: FrameId,
        field: &str,
        value: &Jsonata,
    ) -> Result<String, Failure> {
        let input = self.execution.frame(frame).input.clone();
        let result = self.jsonata_single(frame, field, value, &input)?;
        if let Value::String(result) = result {
            return Ok(result);
        }
        Ok(text(&result))
    }
}

impl Run<'_, '_> {
    /// A Task's `TimeoutSeconds` or `HeartbeatSeconds` given as JSONata; `None` for the other
    /// forms (resolved with the JSONPath ones).
    pub(crate) fn jsonata_task_seconds(
        &mut self,
        frame: FrameId,
        value: Option<&Dynamic<u64>>,
        field: &str,
        input: &Value,
    ) -> Result<Option<u64>, Failure> {
        let Some(Dynamic::Jsonata(value)) = value else { return Ok(None) };
        self.jsonata_integer(frame, field, value, input).map(Some)
    }
}

impl Run<'_, '_> {
    /// The items a JSONata Map iterates: `Items` (which must give an array), or the input.
    pub(crate) fn jsonata_items(
        &mut self,
        frame: FrameId,
        items: Option<&Jsonata>,
        input: &Value,
    ) -> Result<Vec<Value>, Failure> {
        let Some(items) = items else {
            if let Value::Array(items) = input {
                return Ok(items.clone());
            }
            let detail = format!("Map state input must be an array but was: {}", text(input));
            return Err(self.query_failed(frame, None, &detail));
        };
        let result = self.jsonata_single(frame, "Items", items, input)?;
        if let Value::Array(items) = result {
            return Ok(items);
        }
        Err(self.unexpected_type(frame, "Items", items, &result, "array"))
    }

    /// A whole number from a JSONata field (`TimeoutSeconds`, `MaxConcurrency`, ...), rounded
    /// down as AWS does for integer parameters.
    pub(crate) fn jsonata_integer(
        &mut self,
        frame: FrameId,
        field: &str,
        value: &Jsonata,
        input: &Value,
    ) -> Result<u64, Failure> {
        let result = self.jsonata_single(frame, field, value, input)?;
        self.jsonata_seconds(frame, field, value, &result)
    }

    /// `ToleratedFailurePercentage` from JSONata: a number from 0 to 100.
    pub(crate) fn jsonata_percentage(
        &mut self,
        frame: FrameId,
        value: &Jsonata,
        input: &Value,
    ) -> Result<f64, Failure> {
        let field = "ToleratedFailurePercentage";
        let result = self.jsonata_single(frame, field, value, input)?;
        match result.as_f64() {
            Some(percentage) if (0.0..=100.0).contains(&percentage) => Ok(percentage),
            _ => {
                Err(self.unexpected_type(frame, field, value, &result, "number between 0 and 100"))
            }
        }
    }
}
