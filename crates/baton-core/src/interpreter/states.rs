//! Entering, running and leaving states: Pass, Task, Choice, Wait, Succeed and Fail, plus the
//! common steps (the Entered/Exited events, Assign, transitions).

use std::sync::Arc;

use serde_json::Value;

use baton_asl::model::{
    Assign, Dynamic, Fail, IntegrationPattern, QueryLanguage, Resource, State, StateKind, Task,
    Transition, WaitFor,
};
use baton_asl::path::Roots;
use baton_asl::{choice, limits, timestamp};

use crate::command::{Command, TaskId, TaskRequest};
use crate::context::{self, ContextParts};
use crate::dataflow::{self, At, DATA_LIMIT_EXCEEDED, Failure, RUNTIME, text};
use crate::event::{EventKind, StateType, TaskFamily};
use crate::execution::{
    FrameId, FrameStatus, PendingTask, TaskWait, TimerPurpose, VisibleVariables, resolve_scope,
};
use crate::interpreter::query::{Context, Extra};
use crate::interpreter::{Run, seconds_to_millis};

/// What running a state left the frame doing.
pub(crate) fn state_type(kind: &StateKind) -> StateType {
    match kind {
        StateKind::Pass(_) => StateType::Pass,
        StateKind::Task(_) => StateType::Task,
        StateKind::Choice(_) => StateType::Choice,
        StateKind::Wait(_) => StateType::Wait,
        StateKind::Succeed => StateType::Succeed,
        StateKind::Fail(_) => StateType::Fail,
        StateKind::Parallel(_) => StateType::Parallel,
        StateKind::Map(_) => StateType::Map,
    }
}

impl<'m> Run<'m, '_> {
    /// The state `frame` is in. The reference lives as long as the machine, not the borrow of
    /// the run, so callers can keep it while they change the execution.
    pub(crate) fn current_state(&self, frame: FrameId) -> &'m State {
        let machine: &'m baton_asl::model::StateMachine = self.machine;
        let frame = self.execution.frame(frame);
        resolve_scope(machine, &frame.scope).state(frame.state)
    }

    /// Records `<Type>StateEntered` and runs the state.
    pub(crate) fn enter_state(&mut self, frame: FrameId) {
        let state = self.current_state(frame);
        self.execution.transitions += 1;
        let previous = self.execution.frame(frame).last_event_id;
        // The previous state's Exited event serialized this same value: reuse the text.
        let serialized = self.execution.frame_mut(frame).input_text.take();
        let id = self.event_lazy(frame, |run| EventKind::StateEntered {
            state_type: state_type(&state.kind),
            name: state.name.clone(),
            input: serialized.unwrap_or_else(|| text(&run.execution.frame(frame).input)),
        });
        let retriers = match &state.kind {
            StateKind::Task(task) => task.retry.len(),
            StateKind::Parallel(parallel) => parallel.retry.len(),
            StateKind::Map(map) => map.retry.len(),
            StateKind::Pass(_)
            | StateKind::Choice(_)
            | StateKind::Wait(_)
            | StateKind::Succeed
            | StateKind::Fail(_) => 0,
        };
        let now = self.now;
        let data = self.execution.frame_mut(frame);
        data.entered_event_id = id;
        data.entered_previous_event_id = previous;
        data.entered_at = now;
        data.retry_counts = vec![0; retriers];
        self.execute_state(frame);
    }

    /// The context object for the current state of `frame`, or `null` when nothing reads it.
    /// A task token alone does not make it worth building: the token also goes to the task
    /// in its request, and `$$.Task.Token` is read only through fields that `reads_context`
    /// examines.
    pub(crate) fn context_for(&self, frame: FrameId, token: Option<&str>) -> Value {
        let state = self.current_state(frame);
        if !state.reads_context() {
            return Value::Null;
        }
        let data = self.execution.frame(frame);
        let parts = ContextParts {
            state_name: &state.name,
            retry_count: data.retry_counts.iter().sum(),
            token,
            map_item: data.map_item.as_ref().map(|(index, value)| (*index, value)),
        };
        context::build(self.execution, frame, &parts)
    }

    /// Runs the current state of `frame` after its Entered event (or again after a retry).
    pub(crate) fn execute_state(&mut self, frame: FrameId) {
        let state = self.current_state(frame);
        let jsonata = state.query_language == QueryLanguage::Jsonata;
        let result = match &state.kind {
            StateKind::Pass(pass) if jsonata => self.jsonata_leave(
                frame,
                state,
                state.output.as_ref(),
                state.assign.as_ref(),
                pass.transition,
            ),
            StateKind::Choice(choice) if jsonata => self.run_choice_jsonata(frame, state, choice),
            // Succeed has no Assign.
            StateKind::Succeed if jsonata => {
                self.jsonata_leave(frame, state, state.output.as_ref(), None, Transition::End)
            }
            StateKind::Pass(_) => self.run_pass(frame, state),
            StateKind::Task(task) => self.run_task(frame, state, task),
            StateKind::Choice(_) => self.run_choice(frame, state),
            StateKind::Wait(_) => self.run_wait(frame, state),
            StateKind::Succeed => self.run_succeed(frame, state),
            StateKind::Fail(fail) => {
                let failure = self.fail_state_failure(frame, fail);
                self.frame_failed(frame, failure);
                Ok(())
            }
            StateKind::Parallel(_) => self.run_parallel(frame, state),
            StateKind::Map(_) => {
                let started = self.run_map(frame, state);
                // AWS closes a JSONata Map whose fields fail to evaluate with MapStateFailed.
                if jsonata && started.is_err() {
                    self.event(Some(frame), EventKind::MapStateFailed);
                }
                started
            }
        };
        if let Err(failure) = result {
            self.state_failed(frame, failure);
        }
    }

    pub(crate) fn at(&self, frame: FrameId) -> (&'m str, u64) {
        (&self.current_state(frame).name, self.execution.frame(frame).entered_event_id)
    }

    /// Runs `work` with the state's input after `InputPath`, without copying the input when
    /// there is no `InputPath` (the common case): the frame lends it for the duration.
    pub(crate) fn with_effective_input<R>(
        &mut self,
        frame: FrameId,
        state: &State,
        work: impl FnOnce(&mut Self, &Value) -> Result<R, Failure>,
    ) -> Result<R, Failure> {
        let input = std::mem::take(&mut self.execution.frame_mut(frame).input);
        let result = match &state.input_path {
            None => work(self, &input),
            Some(path) => {
                let context = self.context_for(frame, None);
                let (name, entered) = self.at(frame);
                let variables = VisibleVariables { frames: &self.execution.frames, frame };
                let roots = Roots { input: &input, context: &context, variables: &variables };
                let selected =
                    dataflow::select(Some(path), &input, &roots, &At { state: name, entered });
                selected.and_then(|effective| work(self, &effective))
            }
        };
        self.execution.frame_mut(frame).input = input;
        result
    }

    /// The state's input after `InputPath`.
    pub(crate) fn effective_input(
        &mut self,
        frame: FrameId,
        state: &State,
    ) -> Result<Value, Failure> {
        let context = self.context_for(frame, None);
        let (name, entered) = self.at(frame);
        let variables = VisibleVariables { frames: &self.execution.frames, frame };
        let input = &self.execution.frame(frame).input;
        let roots = Roots { input, context: &context, variables: &variables };
        dataflow::select(state.input_path.as_ref(), input, &roots, &At { state: name, entered })
    }

    /// `ResultPath` then `OutputPath` over a result, and `Assign` with `$` = `assign_input`.
    pub(crate) fn finish_state(
        &mut self,
        frame: FrameId,
        state: &State,
        result_path: Option<&baton_asl::model::ResultPath>,
        result: Value,
        assign: Option<&Assign>,
        transition: Transition,
    ) -> Result<(), Failure> {
        let (name, entered) = self.at(frame);
        let at = At { state: name, entered };
        let assigned = self.assign_values(frame, assign, &result, &at)?;
        // Writing the result into the input adds at most the result and the objects the path
        // creates; OutputPath only selects from that.
        let bound = match result_path {
            Some(baton_asl::model::ResultPath::Path(path)) => {
                self.execution.frame(frame).input_len.map(|input_len| {
                    input_len + dataflow::text_len(&result) + 2 * path.text().len() + 8
                })
            }
            Some(baton_asl::model::ResultPath::Discard) => self.execution.frame(frame).input_len,
            None => None,
        };
        let placed = match result_path {
            None => result,
            Some(baton_asl::model::ResultPath::Discard) => {
                self.execution.frame(frame).input.clone()
            }
            Some(baton_asl::model::ResultPath::Path(path)) => {
                // The input is written in place; on failure it is unchanged and goes back to
                // the frame, where a Catch reads it.
                let mut input = std::mem::take(&mut self.execution.frame_mut(frame).input);
                if let Err(error) = baton_asl::path::write_result_in_place(&mut input, path, result)
                {
                    self.execution.frame_mut(frame).input = input;
                    return Err(Failure::in_state(error.name(), name, entered, error));
                }
                input
            }
        };
        let output = match &state.output_path {
            None => placed,
            Some(path) => {
                let context = self.context_for(frame, None);
                let variables = VisibleVariables { frames: &self.execution.frames, frame };
                let roots = Roots { input: &placed, context: &context, variables: &variables };
                dataflow::select(Some(path), &placed, &roots, &at)?
            }
        };
        self.execution.frame_mut(frame).output_len_bound = bound;
        self.exit_state(frame, state, output, assigned, transition);
        Ok(())
    }

    /// Evaluates `Assign` (JSONPath) and stores the variables, returning them for the event.
    pub(crate) fn assign_values(
        &mut self,
        frame: FrameId,
        assign: Option<&Assign>,
        input: &Value,
        at: &At<'_>,
    ) -> Result<Option<Vec<(String, String)>>, Failure> {
        let Some(Assign::JsonPath(template)) = assign else {
            return Ok(None);
        };
        let context = self.context_for(frame, None);
        let variables = VisibleVariables { frames: &self.execution.frames, frame };
        let roots = Roots { input, context: &context, variables: &variables };
        let values = dataflow::template(template, input, &roots, &mut self.execution.draws, at)?;
        let Value::Object(values) = values else {
            return Ok(None);
        };
        self.store_assigned(frame, values, at).map(Some)
    }

    /// Stores the variables one `Assign` produced, within AWS's size limits, and returns them
    /// serialized for the Exited event.
    pub(crate) fn store_assigned(
        &mut self,
        frame: FrameId,
        values: serde_json::Map<String, Value>,
        at: &At<'_>,
    ) -> Result<Vec<(String, String)>, Failure> {
        let mut assigned = Vec::with_capacity(values.len());
        let mut total = 0;
        for (name, value) in &values {
            let serialized = text(value);
            if serialized.len() > limits::VARIABLE_BYTES_MAX {
                return Err(Failure::in_state(
                    DATA_LIMIT_EXCEEDED,
                    at.state,
                    at.entered,
                    format!(
                        "The variable '{name}' is larger than {} bytes.",
                        limits::VARIABLE_BYTES_MAX
                    ),
                ));
            }
            total += serialized.len();
            assigned.push((name.clone(), serialized));
        }
        if total > limits::VARIABLE_BYTES_MAX {
            return Err(Failure::in_state(
                DATA_LIMIT_EXCEEDED,
                at.state,
                at.entered,
                format!(
                    "The variables assigned by the state total more than {} bytes.",
                    limits::VARIABLE_BYTES_MAX
                ),
            ));
        }
        // Where each variable goes, and what the execution's variables weigh afterwards.
        let mut targets = Vec::with_capacity(values.len());
        let mut execution_bytes = self.execution.variable_bytes;
        for ((name, _), (_, serialized)) in values.iter().zip(&assigned) {
            let target = self.variable_home(frame, name);
            let replaced =
                self.execution.frame(target).variables.get(name).map_or(0, dataflow::text_len);
            execution_bytes = execution_bytes.saturating_sub(replaced) + serialized.len();
            targets.push((target, replaced, serialized.len()));
        }
        // Halted frames (a Map's tolerated failures, kept for a redrive) still hold their
        // variables but are not running: only when the total is over the limit are they
        // looked for (an arena walk), and they do not count against it.
        if execution_bytes > limits::VARIABLES_BYTES_TOTAL_MAX
            && execution_bytes.saturating_sub(self.execution.halted_variable_bytes())
                > limits::VARIABLES_BYTES_TOTAL_MAX
        {
            return Err(Failure::in_state(
                DATA_LIMIT_EXCEEDED,
                at.state,
                at.entered,
                format!(
                    "The execution's variables would total more than {} bytes.",
                    limits::VARIABLES_BYTES_TOTAL_MAX
                ),
            ));
        }
        self.execution.variable_bytes = execution_bytes;
        for ((name, value), (target, replaced, size)) in values.into_iter().zip(targets) {
            let data = self.execution.frame_mut(target);
            data.variable_bytes = data.variable_bytes.saturating_sub(replaced) + size;
            data.variables.insert(name, value);
        }
        Ok(assigned)
    }

    /// The frame a variable is written to: the enclosing scope that defines it (a Catch may set
    /// an outer variable), or the frame's own scope.
    fn variable_home(&self, frame: FrameId, name: &str) -> FrameId {
        let mut current = Some(frame);
        while let Some(id) = current {
            let data = self.execution.frame(id);
            if data.variables.contains_key(name) {
                return id;
            }
            if data.isolated {
                break;
            }
            current = data.parent.map(|parent| parent.frame);
        }
        frame
    }

    /// Records `<Type>StateExited` and follows the transition.
    pub(crate) fn exit_state(
        &mut self,
        frame: FrameId,
        state: &State,
        output: Value,
        assigned: Option<Vec<(String, String)>>,
        transition: Transition,
    ) {
        // The history needs the text anyway; otherwise only its length is computed.
        let serialized = self.execution.start.record_history.then(|| text(&output));
        let bound = self.execution.frame_mut(frame).output_len_bound.take();
        let size = match (&serialized, bound) {
            (Some(serialized), _) => serialized.len(),
            (None, Some(bound)) if bound <= limits::PAYLOAD_BYTES_MAX => bound,
            (None, _) => dataflow::text_len(&output),
        };
        if size > limits::PAYLOAD_BYTES_MAX {
            // AWS ends the execution here: no Exited event, and no Catch applies.
            self.fail_owning_execution(frame, Failure::new(
                DATA_LIMIT_EXCEEDED,
                format!(
                    "The state/task '{}' returned a result with a size exceeding the maximum number of bytes service limit.",
                    state.name
                ),
            ));
            return;
        }
        let input_text = serialized.clone();
        self.event_lazy(frame, |_| EventKind::StateExited {
            state_type: state_type(&state.kind),
            name: state.name.clone(),
            output: serialized.unwrap_or_default(),
            assigned_variables: assigned,
        });
        match transition {
            Transition::Next(next) => {
                let data = self.execution.frame_mut(frame);
                data.state = next;
                data.input = output;
                data.input_text = input_text;
                data.input_len = Some(size);
                data.status = FrameStatus::Entering;
            }
            Transition::End => self.frame_finished(frame, Ok(output)),
        }
    }

    fn run_pass(&mut self, frame: FrameId, state: &State) -> Result<(), Failure> {
        let StateKind::Pass(pass) = &state.kind else { return Ok(()) };
        let result = match (&pass.payload, &pass.result) {
            (Some(baton_asl::model::Payload::Parameters(template)), _) => self
                .with_effective_input(frame, state, |run, effective| {
                    run.evaluate_template(frame, template, effective, None)
                })?,
            (_, Some(result)) => result.clone(),
            _ => self.effective_input(frame, state)?,
        };
        self.finish_state(
            frame,
            state,
            pass.result_path.as_ref(),
            result,
            state.assign.as_ref(),
            pass.transition,
        )
    }

    /// Evaluates a payload template for the current state of `frame`.
    pub(crate) fn evaluate_template(
        &mut self,
        frame: FrameId,
        template: &baton_asl::template::Template,
        input: &Value,
        token: Option<&str>,
    ) -> Result<Value, Failure> {
        let context = self.context_for(frame, token);
        self.evaluate_template_with(frame, template, input, &context)
    }

    /// Evaluates a payload template with a context object the caller built.
    pub(crate) fn evaluate_template_with(
        &mut self,
        frame: FrameId,
        template: &baton_asl::template::Template,
        input: &Value,
        context: &Value,
    ) -> Result<Value, Failure> {
        let (name, entered) = self.at(frame);
        let variables = VisibleVariables { frames: &self.execution.frames, frame };
        let roots = Roots { input, context, variables: &variables };
        dataflow::template(
            template,
            input,
            &roots,
            &mut self.execution.draws,
            &At { state: name, entered },
        )
    }

    fn run_succeed(&mut self, frame: FrameId, state: &State) -> Result<(), Failure> {
        let effective = self.effective_input(frame, state)?;
        let (name, entered) = self.at(frame);
        let context = self.context_for(frame, None);
        let variables = VisibleVariables { frames: &self.execution.frames, frame };
        let roots = Roots { input: &effective, context: &context, variables: &variables };
        let output = dataflow::select(
            state.output_path.as_ref(),
            &effective,
            &roots,
            &At { state: name, entered },
        )?;
        self.exit_state(frame, state, output, None, Transition::End);
        Ok(())
    }

    fn run_choice(&mut self, frame: FrameId, state: &State) -> Result<(), Failure> {
        let StateKind::Choice(choice) = &state.kind else { return Ok(()) };
        let effective = self.effective_input(frame, state)?;
        let (name, entered) = self.at(frame);
        let context = self.context_for(frame, None);
        let mut chosen = None;
        {
            let variables = VisibleVariables { frames: &self.execution.frames, frame };
            let roots = Roots { input: &effective, context: &context, variables: &variables };
            for rule in &choice.choices {
                match choice::evaluate(&rule.condition, &roots) {
                    Ok(true) => {
                        chosen = Some((rule.next, rule.assign.as_ref()));
                        break;
                    }
                    Ok(false) => {}
                    Err(error) => return Err(Failure::in_state(RUNTIME, name, entered, error)),
                }
            }
        }
        let (next, rule_assign) = match (chosen, choice.default) {
            (Some(chosen), _) => chosen,
            (None, Some(default)) => (default, None),
            (None, None) => {
                return Err(Failure::new(
                    "States.NoChoiceMatched",
                    format!(
                        "No Choice Rules matched and no Default was specified for state '{name}'."
                    ),
                ));
            }
        };
        let assign = rule_assign.or(state.assign.as_ref());
        let at = At { state: name, entered };
        let assigned = self.assign_values(frame, assign, &effective, &at)?;
        let variables = VisibleVariables { frames: &self.execution.frames, frame };
        let roots = Roots { input: &effective, context: &context, variables: &variables };
        let output = dataflow::select(state.output_path.as_ref(), &effective, &roots, &at)?;
        self.exit_state(frame, state, output, assigned, Transition::Next(next));
        Ok(())
    }

    fn run_wait(&mut self, frame: FrameId, state: &State) -> Result<(), Failure> {
        let StateKind::Wait(wait) = &state.kind else { return Ok(()) };
        if let Some(delay) = self.jsonata_wait_delay(frame, &wait.until)? {
            if delay / 1000 > limits::WAIT_DELAY_SECONDS_MAX {
                let (name, entered) = self.at(frame);
                return Err(Failure::in_state(
                    RUNTIME,
                    name,
                    entered,
                    "Wait state delay is too long.",
                ));
            }
            let timer = self.timer(frame, TimerPurpose::Wait, delay);
            self.execution.frame_mut(frame).status = FrameStatus::Waiting { timer };
            return Ok(());
        }
        let effective = self.effective_input(frame, state)?;
        let (name, entered) = self.at(frame);
        let context = self.context_for(frame, None);
        let delay = {
            let variables = VisibleVariables { frames: &self.execution.frames, frame };
            let roots = Roots { input: &effective, context: &context, variables: &variables };
            wait_delay(&wait.until, &roots, self.now)
                .map_err(|detail| Failure::in_state(RUNTIME, name, entered, detail))?
        };
        let timer = self.timer(frame, TimerPurpose::Wait, delay);
        self.execution.frame_mut(frame).status = FrameStatus::Waiting { timer };
        Ok(())
    }

    /// A Wait state's timer fired: leave with the (InputPath-filtered) input.
    pub(crate) fn wait_finished(&mut self, frame: FrameId) {
        let machine = self.machine;
        let state = {
            let data = self.execution.frame(frame);
            resolve_scope(machine, &data.scope).state(data.state)
        };
        let StateKind::Wait(wait) = &state.kind else { return };
        self.execution.frame_mut(frame).status = FrameStatus::Entering;
        if state.query_language == QueryLanguage::Jsonata {
            let result = self.jsonata_leave(
                frame,
                state,
                state.output.as_ref(),
                state.assign.as_ref(),
                wait.transition,
            );
            if let Err(failure) = result {
                self.state_failed(frame, failure);
            }
            self.resume_if_entering(frame);
            return;
        }
        let result = self.effective_input(frame, state).and_then(|effective| {
            let (name, entered) = self.at(frame);
            let at = At { state: name, entered };
            let assigned = self.assign_values(frame, state.assign.as_ref(), &effective, &at)?;
            let context = self.context_for(frame, None);
            let variables = VisibleVariables { frames: &self.execution.frames, frame };
            let roots = Roots { input: &effective, context: &context, variables: &variables };
            let output = dataflow::select(state.output_path.as_ref(), &effective, &roots, &at)?;
            self.exit_state(frame, state, output, assigned, wait.transition);
            Ok(())
        });
        if let Err(failure) = result {
            self.state_failed(frame, failure);
        }
        self.resume_if_entering(frame);
    }

    fn fail_state_failure(&mut self, frame: FrameId, fail: &Fail) -> Failure {
        let effective = self.execution.frame(frame).input.clone();
        let (name, entered) = self.at(frame);
        let context = self.context_for(frame, None);
        let variables = VisibleVariables { frames: &self.execution.frames, frame };
        let roots = Roots { input: &effective, context: &context, variables: &variables };
        let mut draws = self.execution.draws.clone();
        let mut field = |value: Option<&Dynamic<String>>,
                         field: &str|
         -> Result<Option<String>, Failure> {
            match value {
                None => Ok(None),
                Some(Dynamic::Literal(text)) => Ok(Some(text.clone())),
                Some(Dynamic::Path(path)) => match path.evaluate(&roots) {
                    Ok(Value::String(text)) => Ok(Some(text)),
                    Ok(other) => Ok(Some(text(&other))),
                    Err(_) => Err(Failure::in_state(
                        RUNTIME,
                        name,
                        entered,
                        format!(
                            "The JSONPath '{}' specified for the field '{field}' could not be found in the input '{}'",
                            path.text(),
                            text(&effective)
                        ),
                    )),
                },
                Some(Dynamic::Intrinsic(call)) => match call.evaluate(&roots, &mut draws) {
                    Ok(Value::String(text)) => Ok(Some(text)),
                    Ok(other) => Ok(Some(text(&other))),
                    Err(error) => Err(Failure::in_state(error.name(), name, entered, error)),
                },
                // Evaluated before this closure (it needs the whole run).
                Some(Dynamic::Jsonata(_)) => Ok(None),
            }
        };
        let error = field(fail.error.as_ref(), "ErrorPath");
        let cause = field(fail.cause.as_ref(), "CausePath");
        self.execution.draws = draws;
        let (error, cause) = match (error, cause) {
            (Ok(error), Ok(cause)) => {
                let error = match &fail.error {
                    Some(Dynamic::Jsonata(value)) => {
                        self.jsonata_fail_field(frame, "Error", value).map(Some)
                    }
                    _ => Ok(error),
                };
                let cause = match (&error, &fail.cause) {
                    (Ok(_), Some(Dynamic::Jsonata(value))) => {
                        self.jsonata_fail_field(frame, "Cause", value).map(Some)
                    }
                    _ => Ok(cause),
                };
                (error, cause)
            }
            other => other,
        };
        match (error, cause) {
            (Ok(error), Ok(cause)) => {
                Failure { error: error.unwrap_or_default(), cause: cause.unwrap_or_default() }
            }
            (Err(failure), _) | (_, Err(failure)) => failure,
        }
    }

    fn run_task(&mut self, frame: FrameId, state: &State, task: &Task) -> Result<(), Failure> {
        let effective = self.effective_input(frame, state)?;
        let (name, entered) = self.at(frame);
        let needs_token = matches!(task.resource, Resource::Activity { .. })
            || matches!(
                task.resource,
                Resource::Integration { pattern: IntegrationPattern::WaitForTaskToken, .. }
            );
        let now = self.now;
        let token = needs_token.then(|| self.execution.draws.token(now));
        let parameters = match &task.payload {
            Some(baton_asl::model::Payload::Parameters(template)) => {
                self.evaluate_template(frame, template, &effective, token.as_deref())?
            }
            Some(baton_asl::model::Payload::Arguments(arguments)) => {
                let bindings = self.jsonata_bindings(
                    frame,
                    &effective,
                    Extra::Nothing,
                    Context::ForState(token.as_deref()),
                    &[arguments],
                );
                self.jsonata_field(frame, "Arguments", arguments, &effective, &bindings)?
            }
            None => effective.clone(),
        };
        let timeout = self.jsonata_task_seconds(
            frame,
            task.timeout_seconds.as_ref(),
            "TimeoutSeconds",
            &effective,
        )?;
        let heartbeat = self.jsonata_task_seconds(
            frame,
            task.heartbeat_seconds.as_ref(),
            "HeartbeatSeconds",
            &effective,
        )?;
        let context = self.context_for(frame, token.as_deref());
        let (timeout, heartbeat) = {
            let variables = VisibleVariables { frames: &self.execution.frames, frame };
            let roots = Roots { input: &effective, context: &context, variables: &variables };
            let timeout = match timeout {
                Some(seconds) => Some(seconds),
                None => seconds_field(task.timeout_seconds.as_ref(), "TimeoutSecondsPath", &roots)
                    .map_err(|detail| Failure::in_state(RUNTIME, name, entered, detail))?,
            };
            let heartbeat = match heartbeat {
                Some(seconds) => Some(seconds),
                None => {
                    seconds_field(task.heartbeat_seconds.as_ref(), "HeartbeatSecondsPath", &roots)
                        .map_err(|detail| Failure::in_state(RUNTIME, name, entered, detail))?
                }
            };
            (timeout, heartbeat)
        };
        let task_id = TaskId(self.execution.next_task);
        self.execution.next_task += 1;
        let (family, resource_type, resource) =
            self.schedule_events(frame, &task.resource, &parameters, timeout, heartbeat);
        let timeout_timer = timeout.map(|seconds| {
            self.timer(frame, TimerPurpose::TaskTimeout, seconds_to_millis(seconds))
        });
        let heartbeat_timer = heartbeat.map(|seconds| {
            self.timer(frame, TimerPurpose::HeartbeatTimeout, seconds_to_millis(seconds))
        });
        let request = Arc::new(TaskRequest {
            task: task_id,
            state_name: name.to_owned(),
            state_entered_event_id: entered,
            resource: task.resource.clone(),
            input: parameters,
            token,
            timeout_seconds: timeout.unwrap_or(limits::TASK_TIMEOUT_SECONDS_DEFAULT),
            heartbeat_seconds: heartbeat,
        });
        self.execution.tasks.insert(task_id, PendingTask { frame, request: Arc::clone(&request) });
        self.commands.push(Command::RunTask(request));
        self.execution.frame_mut(frame).status = FrameStatus::Task(TaskWait {
            task: task_id,
            family,
            resource_type,
            resource,
            timeout_timer,
            heartbeat_timer,
            heartbeat_seconds: heartbeat,
        });
        Ok(())
    }

    /// Records the Scheduled (and, for work that starts at once, Started) events of a task.
    /// The parameters are serialized for the event only when the history is recorded.
    fn schedule_events(
        &mut self,
        frame: FrameId,
        resource: &Resource,
        parameters: &Value,
        timeout: Option<u64>,
        heartbeat: Option<u64>,
    ) -> (TaskFamily, String, String) {
        match resource {
            Resource::Activity { arn } => {
                self.event_lazy(frame, |_| EventKind::ActivityScheduled {
                    resource: arn.clone(),
                    input: text(parameters),
                    timeout_seconds: timeout,
                    heartbeat_seconds: heartbeat,
                });
                (TaskFamily::Activity, String::new(), String::new())
            }
            Resource::LambdaFunction { arn } => {
                self.event_lazy(frame, |_| EventKind::LambdaFunctionScheduled {
                    resource: arn.clone(),
                    input: text(parameters),
                    timeout_seconds: timeout,
                });
                self.event(Some(frame), EventKind::LambdaFunctionStarted);
                (TaskFamily::Lambda, String::new(), String::new())
            }
            Resource::Integration { service, action, pattern, .. } => {
                let resource = format!("{action}{}", pattern.suffix());
                self.event(
                    Some(frame),
                    EventKind::TaskScheduled {
                        resource_type: service.clone(),
                        resource: resource.clone(),
                        region: self.execution.start.region.clone(),
                        parameters: text(parameters),
                        timeout_seconds: timeout,
                        heartbeat_seconds: heartbeat,
                    },
                );
                self.event(
                    Some(frame),
                    EventKind::TaskStarted {
                        resource_type: service.clone(),
                        resource: resource.clone(),
                    },
                );
                (TaskFamily::Service, service.clone(), resource)
            }
        }
    }

    pub(crate) fn task_started(&mut self, frame: FrameId, worker_name: Option<String>) {
        let FrameStatus::Task(wait) = &self.execution.frame(frame).status else { return };
        if wait.family == TaskFamily::Activity {
            self.event(Some(frame), EventKind::ActivityStarted { worker_name });
        }
    }

    pub(crate) fn task_heartbeat(&mut self, frame: FrameId) {
        let FrameStatus::Task(wait) = self.execution.frame(frame).status.clone() else { return };
        let (Some(timer), Some(seconds)) = (wait.heartbeat_timer, wait.heartbeat_seconds) else {
            return;
        };
        self.cancel_timer(timer);
        let renewed = self.timer(frame, TimerPurpose::HeartbeatTimeout, seconds_to_millis(seconds));
        if let FrameStatus::Task(wait) = &mut self.execution.frame_mut(frame).status {
            wait.heartbeat_timer = Some(renewed);
        }
    }

    /// Takes the frame out of its task wait, cancelling the task's timers.
    fn end_task_wait(&mut self, frame: FrameId) -> Option<TaskWait> {
        let status =
            std::mem::replace(&mut self.execution.frame_mut(frame).status, FrameStatus::Entering);
        let FrameStatus::Task(wait) = status else { return None };
        for timer in [wait.timeout_timer, wait.heartbeat_timer].into_iter().flatten() {
            self.cancel_timer(timer);
        }
        Some(wait)
    }

    pub(crate) fn task_succeeded(&mut self, frame: FrameId, output: Value) {
        let Some(wait) = self.end_task_wait(frame) else { return };
        let output_text = text(&output);
        if output_text.len() > limits::PAYLOAD_BYTES_MAX {
            let failure = Failure::new(
                DATA_LIMIT_EXCEEDED,
                format!(
                    "The state/task '{}' returned a result with a size exceeding the maximum number of bytes service limit.",
                    wait.resource_type
                ),
            );
            self.task_failure_event(frame, &wait, &failure);
            self.state_failed(frame, failure);
            self.resume_if_entering(frame);
            return;
        }
        let kind = match wait.family {
            TaskFamily::Service => EventKind::TaskSucceeded {
                resource_type: wait.resource_type,
                resource: wait.resource,
                output: output_text,
            },
            TaskFamily::Lambda => EventKind::LambdaFunctionSucceeded { output: output_text },
            TaskFamily::Activity => EventKind::ActivitySucceeded { output: output_text },
        };
        self.event(Some(frame), kind);
        let result = self.task_result(frame, output);
        if let Err(failure) = result {
            self.state_failed(frame, failure);
        }
        self.resume_if_entering(frame);
    }

    fn task_result(&mut self, frame: FrameId, output: Value) -> Result<(), Failure> {
        let machine = self.machine;
        let state = {
            let data = self.execution.frame(frame);
            resolve_scope(machine, &data.scope).state(data.state)
        };
        let StateKind::Task(task) = &state.kind else { return Ok(()) };
        if state.query_language == QueryLanguage::Jsonata {
            let input = self.execution.frame(frame).input.clone();
            return self.jsonata_finish(
                frame,
                state,
                &input,
                Extra::Result(&output),
                Some(output.clone()),
                state.output.as_ref(),
                state.assign.as_ref(),
                task.transition,
            );
        }
        let result = match &task.result_selector {
            Some(selector) => self.evaluate_template(frame, selector, &output, None)?,
            None => output,
        };
        self.finish_state(
            frame,
            state,
            task.result_path.as_ref(),
            result,
            state.assign.as_ref(),
            task.transition,
        )
    }

    fn task_failure_event(&mut self, frame: FrameId, wait: &TaskWait, failure: &Failure) {
        let details = crate::event::Failure {
            error: Some(failure.error.clone()),
            cause: Some(failure.cause.clone()),
        };
        let kind = match wait.family {
            TaskFamily::Service => EventKind::TaskFailed {
                resource_type: wait.resource_type.clone(),
                resource: wait.resource.clone(),
                failure: details,
            },
            TaskFamily::Lambda => EventKind::LambdaFunctionFailed(details),
            TaskFamily::Activity => EventKind::ActivityFailed(details),
        };
        self.event(Some(frame), kind);
    }

    pub(crate) fn task_failed(&mut self, frame: FrameId, failure: Failure) {
        let Some(wait) = self.end_task_wait(frame) else { return };
        self.task_failure_event(frame, &wait, &failure);
        self.state_failed(frame, failure);
        self.resume_if_entering(frame);
    }

    pub(crate) fn task_timed_out(&mut self, frame: FrameId, purpose: TimerPurpose) {
        let Some(wait) = self.end_task_wait(frame) else { return };
        self.execution.tasks.remove(&wait.task);
        self.commands.push(Command::CancelTask { task: wait.task });
        // AWS records both timeouts as States.Timeout; matching still tells a heartbeat timeout
        // apart (see baton_asl::error_match).
        let details =
            crate::event::Failure { error: Some("States.Timeout".to_owned()), cause: None };
        let kind = match wait.family {
            TaskFamily::Service => EventKind::TaskTimedOut {
                resource_type: wait.resource_type.clone(),
                resource: wait.resource.clone(),
                failure: details,
            },
            TaskFamily::Lambda => EventKind::LambdaFunctionTimedOut(details),
            TaskFamily::Activity => EventKind::ActivityTimedOut(details),
        };
        self.event(Some(frame), kind);
        let error = if purpose == TimerPurpose::HeartbeatTimeout {
            baton_asl::error_match::HEARTBEAT_TIMEOUT
        } else {
            baton_asl::error_match::TIMEOUT
        };
        self.state_failed(frame, Failure::new(error, String::new()));
        self.resume_if_entering(frame);
    }
}

/// Resolves a Task's `TimeoutSeconds`/`HeartbeatSeconds`.
fn seconds_field(
    value: Option<&Dynamic<u64>>,
    field: &str,
    roots: &Roots<'_>,
) -> Result<Option<u64>, String> {
    match value {
        None => Ok(None),
        // Evaluated by `jsonata_task_seconds`; validation allows intrinsics only in Fail states.
        Some(Dynamic::Jsonata(_) | Dynamic::Intrinsic(_)) => Ok(None),
        Some(Dynamic::Literal(seconds)) => Ok(Some(*seconds)),
        Some(Dynamic::Path(path)) => match path.evaluate(roots) {
            Ok(value) => value
                .as_u64()
                .filter(|seconds| *seconds > 0)
                .map(Some)
                .ok_or_else(|| format!("The {field} field refers to value \"{}\" which is not a valid positive integer: {}", text(&value), path.text())),
            Err(error) => Err(error.to_string()),
        },
    }
}

/// How long a Wait state waits, in milliseconds, with AWS's messages for bad values; AWS
/// refuses delays beyond `limits::WAIT_DELAY_SECONDS_MAX`.
fn wait_delay(until: &WaitFor, roots: &Roots<'_>, now: i64) -> Result<i64, String> {
    let delay = uncapped_wait_delay(until, roots, now)?;
    if delay / 1000 > limits::WAIT_DELAY_SECONDS_MAX {
        return Err("Wait state delay is too long.".to_owned());
    }
    Ok(delay)
}

fn uncapped_wait_delay(until: &WaitFor, roots: &Roots<'_>, now: i64) -> Result<i64, String> {
    match until {
        WaitFor::Seconds(Dynamic::Literal(seconds)) => Ok(seconds_to_millis(*seconds)),
        WaitFor::Seconds(Dynamic::Path(path)) => {
            let value = path.evaluate(roots).map_err(|_| {
                format!(
                    "The SecondsPath parameter does not reference an input value: {}",
                    path.text()
                )
            })?;
            if let Some(seconds) = value.as_u64() {
                return Ok(seconds_to_millis(seconds));
            }
            if value.as_i64().is_some_and(|seconds| seconds < 0) {
                return Err(format!(
                    "The SecondsPath parameter references a negative value: {} == {}",
                    path.text(),
                    text(&value)
                ));
            }
            Err(format!(
                "The SecondsPath parameter cannot be parsed as a long value: {} == {}",
                path.text(),
                text(&value)
            ))
        }
        WaitFor::Timestamp(Dynamic::Literal(literal)) => {
            Ok(timestamp::parse(literal).map_or(0, |due| due.as_millisecond() - now).max(0))
        }
        WaitFor::Timestamp(Dynamic::Path(path)) => {
            let value = path.evaluate(roots).map_err(|_| {
                format!(
                    "The TimestampPath parameter does not reference an input value: {}",
                    path.text()
                )
            })?;
            let due = value.as_str().and_then(timestamp::parse).ok_or_else(|| {
                let shown = value.as_str().map_or_else(|| text(&value), str::to_owned);
                format!(
                    "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {} == {shown}",
                    path.text()
                )
            })?;
            Ok((due.as_millisecond() - now).max(0))
        }
        WaitFor::Seconds(Dynamic::Jsonata(_) | Dynamic::Intrinsic(_))
        | WaitFor::Timestamp(Dynamic::Jsonata(_) | Dynamic::Intrinsic(_)) => {
            Err("The wait duration is given in a form the interpreter does not evaluate yet."
                .to_owned())
        }
    }
}
