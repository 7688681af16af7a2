//! Parallel and inline Map states: child frames, their results, and what a child's failure
//! does to its siblings.
//!
//! Children run in order (branch order, item order) until each waits, which is the order AWS
//! records for states that do not wait. A Map runs at most `MaxConcurrency` iterations at once
//! (`0` means no limit); `1` runs them strictly one after another.

use serde_json::Value;

use baton_asl::model::{Dynamic, Payload, ProcessorMode, QueryLanguage, State, StateKind};
use baton_asl::path::Roots;

use crate::dataflow::{self, At, Failure, RUNTIME};
use crate::event::EventKind;
use crate::execution::{
    Children, ChildrenKind, Frame, FrameId, FrameStatus, MapRun, Parent, ScopeStep,
    VisibleVariables, resolve_scope,
};
use crate::interpreter::Run;
use crate::interpreter::query::{Context, Extra};
use crate::map_run::{MapRunLimits, MapRunProgress, MapRunStatus};

/// AWS's error when a Map exceeds its tolerated failures.
const EXCEED_TOLERATED: &str = "States.ExceedToleratedFailureThreshold";

impl Run<'_, '_> {
    pub(crate) fn run_parallel(&mut self, frame: FrameId, state: &State) -> Result<(), Failure> {
        let StateKind::Parallel(parallel) = &state.kind else { return Ok(()) };
        let effective = self.effective_input(frame, state)?;
        let branch_input = match &parallel.payload {
            Some(Payload::Parameters(template)) => {
                self.evaluate_template(frame, template, &effective, None)?
            }
            Some(Payload::Arguments(arguments)) => {
                self.jsonata_single(frame, "Arguments", arguments, &effective)?
            }
            None => effective.clone(),
        };
        self.event(Some(frame), EventKind::ParallelStateStarted);
        let state_id = self.execution.frame(frame).state;
        let mut running = Vec::with_capacity(parallel.branches.len());
        for (index, branch) in parallel.branches.iter().enumerate() {
            let child = self.child_frame(
                frame,
                index,
                ScopeStep::Branch { state: state_id, branch: index },
                branch.start_at,
                branch_input.clone(),
                None,
            );
            running.push(child);
        }
        self.ready.extend(running.iter().copied());
        self.execution.frame_mut(frame).status = FrameStatus::Children(Box::new(Children {
            kind: ChildrenKind::Parallel,
            results: vec![None; parallel.branches.len()],
            running,
        }));
        Ok(())
    }

    fn child_frame(
        &mut self,
        parent: FrameId,
        slot: usize,
        step: ScopeStep,
        start: baton_asl::model::StateId,
        input: Value,
        map_item: Option<(usize, Value)>,
    ) -> FrameId {
        let data = self.execution.frame(parent);
        let mut scope = data.scope.clone();
        scope.push(step);
        let child = Frame {
            parent: Some(Parent { frame: parent, slot }),
            scope,
            state: start,
            input,
            input_text: None,
            input_len: None,
            output_len_bound: None,
            entered_event_id: 0,
            entered_previous_event_id: 0,
            entered_at: self.now,
            last_event_id: data.last_event_id,
            retry_counts: Vec::new(),
            variables: serde_json::Map::new(),
            variable_bytes: 0,
            map_item,
            quiet: data.quiet,
            isolated: false,
            status: FrameStatus::Entering,
        };
        self.execution.add_frame(child)
    }

    pub(crate) fn run_map(&mut self, frame: FrameId, state: &State) -> Result<(), Failure> {
        let StateKind::Map(map) = &state.kind else { return Ok(()) };
        let effective = self.effective_input(frame, state)?;
        let (name, entered) = self.at(frame);
        let at = At { state: name, entered };
        let context = self.context_for(frame, None);
        let distributed = map.processor_config.mode == ProcessorMode::Distributed;
        let items = if state.query_language == QueryLanguage::Jsonata {
            self.jsonata_items(frame, map.items.as_ref(), &effective)?
        } else {
            let variables = VisibleVariables { frames: &self.execution.frames, frame };
            let roots = Roots { input: &effective, context: &context, variables: &variables };
            let items = match &map.items_path {
                None => effective.clone(),
                Some(path) => path
                    .evaluate(&roots)
                    .map_err(|error| Failure::in_state(error.name(), name, entered, error))?,
            };
            let Value::Array(items) = items else {
                let path = map.items_path.as_ref().map_or("$", |path| path.text());
                return Err(Failure::in_state(
                    RUNTIME,
                    name,
                    entered,
                    format!("Reference path \"{path}\" must point to array."),
                ));
            };
            items
        };
        // A Distributed Map records MapStateStarted before it reads its limits (recorded: a bad
        // ToleratedFailureCountPath fails after MapStateStarted); an inline Map after.
        if distributed {
            self.event(Some(frame), EventKind::MapStateStarted { length: items.len() });
        }
        let max_concurrency =
            self.map_integer(frame, &map.max_concurrency, "MaxConcurrency", &effective, &at)?;
        let tolerated_count = match &map.tolerated_failure.count {
            Some(count) => {
                Some(self.map_integer(frame, count, "ToleratedFailureCount", &effective, &at)?)
            }
            None => None,
        };
        let tolerated_percentage = match &map.tolerated_failure.percentage {
            Some(percentage) => Some(self.map_percentage(frame, percentage, &effective, &at)?),
            None => None,
        };
        // The context object is built once; only `$$.Map.Item` changes from item to item.
        let inputs = self.map_item_inputs(frame, map, &effective, &items)?;
        // A batching Map's children each take a batch: the batches are their items too.
        let (inputs, items) = match &map.item_batcher {
            Some(batcher) => {
                let batches = self.batch_items(frame, batcher, &effective, inputs)?;
                (batches.clone(), batches)
            }
            None => (inputs, items),
        };
        let count = items.len();
        let mut map_run = None;
        if distributed {
            let map_run_arn = self.map_run_arn(map.label.as_deref().unwrap_or(name));
            self.event(Some(frame), EventKind::MapRunStarted { map_run_arn: map_run_arn.clone() });
            map_run = Some(self.execution.map_runs.len());
            self.execution.map_runs.push(MapRunProgress {
                tolerated_failure_count: tolerated_count.unwrap_or(0),
                tolerated_failure_percentage: tolerated_percentage.unwrap_or(0.0),
                ..MapRunProgress::started(map_run_arn, self.now, max_concurrency, count)
            });
        } else {
            self.event(Some(frame), EventKind::MapStateStarted { length: items.len() });
        }
        let run = MapRun {
            inputs,
            items,
            next: 0,
            max_concurrency: usize::try_from(max_concurrency).unwrap_or(usize::MAX),
            distributed,
            failures: 0,
            last_iteration_event_id: 0,
            tolerated_count,
            tolerated_percentage,
            halted: Vec::new(),
            resume: std::collections::VecDeque::new(),
            map_run,
        };
        self.execution.frame_mut(frame).status = FrameStatus::Children(Box::new(Children {
            kind: ChildrenKind::Map(run),
            results: vec![None; count],
            running: Vec::new(),
        }));
        if count == 0 {
            self.children_succeeded(frame);
        } else {
            self.start_iterations(frame);
        }
        Ok(())
    }

    /// Each iteration's input: the item, or the `ItemSelector` evaluated with `$$.Map.Item`.
    fn map_item_inputs(
        &mut self,
        frame: FrameId,
        map: &baton_asl::model::Map,
        effective: &Value,
        items: &[Value],
    ) -> Result<Vec<Value>, Failure> {
        let mut item_context = match &map.item_selector {
            Some(Payload::Parameters(template)) if template.uses_context() => {
                self.context_for(frame, None)
            }
            Some(Payload::Arguments(selector)) if selector.reads_context() => {
                self.context_for(frame, None)
            }
            Some(Payload::Parameters(_) | Payload::Arguments(_)) | None => Value::Null,
        };
        let mut inputs = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let input = match &map.item_selector {
                Some(Payload::Parameters(template)) => {
                    if let Value::Object(fields) = &mut item_context {
                        fields.insert(
                            "Map".to_owned(),
                            serde_json::json!({ "Item": { "Index": index, "Value": item } }),
                        );
                    }
                    self.evaluate_template_with(frame, template, effective, &item_context)?
                }
                Some(Payload::Arguments(selector)) => {
                    let context = if let Value::Object(fields) = &mut item_context {
                        fields.insert(
                            "Map".to_owned(),
                            serde_json::json!({ "Item": { "Index": index, "Value": item } }),
                        );
                        Context::Given(&item_context)
                    } else {
                        Context::ForState(None)
                    };
                    let bindings = self.jsonata_bindings(
                        frame,
                        effective,
                        Extra::Nothing,
                        context,
                        &[selector],
                    );
                    self.jsonata_field(frame, "ItemSelector", selector, effective, &bindings)?
                }
                None => item.clone(),
            };
            inputs.push(input);
        }
        Ok(inputs)
    }

    /// `arn:aws:states:REGION:ACCOUNT:mapRun:MACHINE/LABEL:ID`, as AWS names Map Runs.
    fn map_run_arn(&mut self, label: &str) -> String {
        let start = &self.execution.start;
        let account = start.execution_arn.split(':').nth(4).unwrap_or_default().to_owned();
        let prefix = format!(
            "arn:aws:states:{}:{account}:mapRun:{}/{label}",
            start.region, start.state_machine_name
        );
        let id = baton_asl::intrinsic::Random::uuid_v4(&mut self.execution.draws);
        format!("{prefix}:{id}")
    }

    /// Starts Map iterations while the concurrency limit allows: first those a redrive runs
    /// again, then the items not started yet.
    pub(crate) fn start_iterations(&mut self, frame: FrameId) {
        let name = self.current_state(frame).name.clone();
        let state_id = self.execution.frame(frame).state;
        loop {
            let FrameStatus::Children(children) = &mut self.execution.frame_mut(frame).status
            else {
                return;
            };
            let running = children.running.len();
            let ChildrenKind::Map(run) = &mut children.kind else { return };
            let limit = if run.max_concurrency == 0 { usize::MAX } else { run.max_concurrency };
            if running >= limit {
                return;
            }
            if let Some(iteration) = run.resume.pop_front() {
                let inline = !run.distributed;
                children.running.push(iteration);
                self.restart_child(frame, iteration, &name, inline);
                continue;
            }
            if run.next >= run.inputs.len() {
                return;
            }
            let index = run.next;
            run.next += 1;
            let input = std::mem::take(&mut run.inputs[index]);
            let item = run.items[index].clone();
            let distributed = run.distributed;
            let map_run = run.map_run;
            self.count_map_run(map_run, |progress| progress.started += 1);
            if !distributed {
                self.event(
                    Some(frame),
                    EventKind::MapIterationStarted { name: name.clone(), index },
                );
            }
            let machine = self.machine;
            let processor_start = {
                let data = self.execution.frame(frame);
                match &resolve_scope(machine, &data.scope).state(data.state).kind {
                    StateKind::Map(map) => map.processor.start_at,
                    StateKind::Pass(_)
                    | StateKind::Task(_)
                    | StateKind::Choice(_)
                    | StateKind::Wait(_)
                    | StateKind::Succeed
                    | StateKind::Fail(_)
                    | StateKind::Parallel(_) => return,
                }
            };
            let child = self.child_frame(
                frame,
                index,
                ScopeStep::Processor { state: state_id },
                processor_start,
                input,
                Some((index, item)),
            );
            if distributed {
                // Each iteration is a child execution: its own history, none of our variables.
                let data = self.execution.frame_mut(child);
                data.quiet = true;
                data.isolated = true;
                data.last_event_id = 1;
            }
            if let FrameStatus::Children(children) = &mut self.execution.frame_mut(frame).status {
                children.running.push(child);
            }
            self.ready.push_back(child);
        }
    }

    /// A child frame finished: record its result and decide what the parent does next.
    pub(crate) fn child_finished(
        &mut self,
        parent: FrameId,
        slot: usize,
        child: FrameId,
        result: Result<Value, Failure>,
    ) {
        let child_last_event = self.execution.last_event_id;
        let FrameStatus::Children(children) = &mut self.execution.frame_mut(parent).status else {
            return;
        };
        if let Some(position) = children.running.iter().position(|running| *running == child) {
            children.running.remove(position);
        }
        let (is_map, distributed, map_run) = match &children.kind {
            ChildrenKind::Map(run) => (true, run.distributed, run.map_run),
            ChildrenKind::Parallel => (false, false, None),
        };
        let ended_well = result.is_ok();
        self.count_map_run(map_run, |progress| {
            if ended_well {
                progress.succeeded += 1;
            } else {
                progress.failed += 1;
            }
        });
        let name = self.current_state(parent).name.clone();
        // A Distributed Map's iterations are child executions: their events, and so their
        // results, leave no trace in this history.
        if !distributed {
            self.execution.frame_mut(parent).last_event_id = child_last_event;
        }
        match result {
            Ok(output) => {
                if is_map && !distributed {
                    let id = self.event_beside(
                        parent,
                        EventKind::MapIterationSucceeded { name, index: slot },
                    );
                    if let FrameStatus::Children(children) =
                        &mut self.execution.frame_mut(parent).status
                        && let ChildrenKind::Map(run) = &mut children.kind
                    {
                        run.last_iteration_event_id = id;
                    }
                }
                if let FrameStatus::Children(children) =
                    &mut self.execution.frame_mut(parent).status
                {
                    children.results[slot] = Some(output);
                }
            }
            Err(failure) => {
                if is_map {
                    if !distributed {
                        self.event_beside(
                            parent,
                            EventKind::MapIterationFailed { name, index: slot },
                        );
                    }
                    if self.map_tolerates_failure(parent, slot, &failure) {
                        if let FrameStatus::Children(children) =
                            &mut self.execution.frame_mut(parent).status
                            && let ChildrenKind::Map(run) = &mut children.kind
                        {
                            run.halted.push(child);
                        }
                        self.after_child(parent);
                        return;
                    }
                }
                self.children_failed(parent, child, failure);
                return;
            }
        }
        self.after_child(parent);
    }

    /// After a child ended well: start more iterations, or finish the state when all are done.
    fn after_child(&mut self, parent: FrameId) {
        self.start_iterations(parent);
        let FrameStatus::Children(children) = &self.execution.frame(parent).status else { return };
        let pending = match &children.kind {
            ChildrenKind::Map(run) => run.next < run.inputs.len() || !run.resume.is_empty(),
            ChildrenKind::Parallel => false,
        };
        if children.running.is_empty() && !pending {
            self.children_succeeded(parent);
        }
    }

    /// Counts a failed iteration; true when the Map's tolerance absorbs it.
    fn map_tolerates_failure(&mut self, parent: FrameId, slot: usize, failure: &Failure) -> bool {
        let FrameStatus::Children(children) = &mut self.execution.frame_mut(parent).status else {
            return false;
        };
        let total = children.results.len();
        let ChildrenKind::Map(run) = &mut children.kind else { return false };
        run.failures += 1;
        let within_count = run.tolerated_count.is_some_and(|count| run.failures as u64 <= count);
        #[allow(clippy::cast_precision_loss)]
        let within_percentage = run
            .tolerated_percentage
            .is_some_and(|percentage| (run.failures as f64) * 100.0 <= percentage * total as f64);
        if within_count || within_percentage {
            children.results[slot] = Some(failure.to_output());
            return true;
        }
        false
    }

    /// Every child succeeded: the state's result is their outputs, in order.
    fn children_succeeded(&mut self, parent: FrameId) {
        let status =
            std::mem::replace(&mut self.execution.frame_mut(parent).status, FrameStatus::Entering);
        let FrameStatus::Children(mut children) = status else { return };
        // Iterations that failed within the tolerance were kept only for a redrive.
        if let ChildrenKind::Map(run) = &mut children.kind {
            for iteration in std::mem::take(&mut run.halted) {
                self.drop_frame_tree(iteration);
            }
        }
        let machine = self.machine;
        let state = {
            let data = self.execution.frame(parent);
            resolve_scope(machine, &data.scope).state(data.state)
        };
        let results =
            Value::Array(children.results.into_iter().map(Option::unwrap_or_default).collect());
        let outcome = match &state.kind {
            StateKind::Parallel(parallel) => {
                self.event_beside(parent, EventKind::ParallelStateSucceeded);
                self.select_and_finish(
                    parent,
                    state,
                    parallel.result_selector.as_ref(),
                    parallel.result_path.as_ref(),
                    parallel.transition,
                    results,
                )
            }
            StateKind::Map(map) => {
                if let ChildrenKind::Map(run) = &children.kind {
                    if run.distributed {
                        let now = self.now;
                        self.count_map_run(run.map_run, |progress| {
                            progress.end(MapRunStatus::Succeeded, now);
                        });
                        self.event(Some(parent), EventKind::MapRunSucceeded);
                    } else if run.last_iteration_event_id > 0 {
                        self.execution.frame_mut(parent).last_event_id =
                            run.last_iteration_event_id;
                    }
                }
                self.event_beside(parent, EventKind::MapStateSucceeded);
                self.select_and_finish(
                    parent,
                    state,
                    map.result_selector.as_ref(),
                    map.result_path.as_ref(),
                    map.transition,
                    results,
                )
            }
            StateKind::Pass(_)
            | StateKind::Task(_)
            | StateKind::Choice(_)
            | StateKind::Wait(_)
            | StateKind::Succeed
            | StateKind::Fail(_) => Ok(()),
        };
        if let Err(failure) = outcome {
            self.state_failed(parent, failure);
        }
        self.resume_if_entering(parent);
    }

    fn select_and_finish(
        &mut self,
        frame: FrameId,
        state: &State,
        selector: Option<&baton_asl::template::Template>,
        result_path: Option<&baton_asl::model::ResultPath>,
        transition: baton_asl::model::Transition,
        results: Value,
    ) -> Result<(), Failure> {
        if state.query_language == QueryLanguage::Jsonata {
            let input = self.execution.frame(frame).input.clone();
            return self.jsonata_finish(
                frame,
                state,
                &input,
                Extra::Result(&results),
                Some(results.clone()),
                state.output.as_ref(),
                state.assign.as_ref(),
                transition,
            );
        }
        let result = match selector {
            Some(selector) => self.evaluate_template(frame, selector, &results, None)?,
            None => results,
        };
        self.finish_state(frame, state, result_path, result, state.assign.as_ref(), transition)
    }

    /// A child failed beyond tolerance: abort the others, record the state's failure, then let
    /// Retry/Catch of the Parallel or Map state decide. The failed child and the aborted ones
    /// stay halted under the state for a redrive, until a Retry or Catch drops them.
    fn children_failed(&mut self, parent: FrameId, failed: FrameId, failure: Failure) {
        let status =
            std::mem::replace(&mut self.execution.frame_mut(parent).status, FrameStatus::Entering);
        let FrameStatus::Children(mut children) = status else { return };
        let name = self.current_state(parent).name.clone();
        let map_run = match &children.kind {
            ChildrenKind::Map(run) => run.map_run,
            ChildrenKind::Parallel => None,
        };
        for child in &children.running {
            if self.execution.frames.get(*child).is_some_and(Option::is_some) {
                let slot = self.execution.frame(*child).parent.map_or(0, |parent| parent.slot);
                self.count_map_run(map_run, |progress| progress.aborted += 1);
                self.abort_frame(*child);
                if matches!(children.kind, ChildrenKind::Map(ref run) if !run.distributed) {
                    self.event(
                        Some(parent),
                        EventKind::MapIterationAborted { name: name.clone(), index: slot },
                    );
                }
            }
        }
        let distributed = matches!(children.kind, ChildrenKind::Map(ref run) if run.distributed);
        let (failure, failed_event) = match &children.kind {
            ChildrenKind::Parallel => (failure, EventKind::ParallelStateFailed),
            ChildrenKind::Map(run) => {
                // A Distributed Map's failures always go through its tolerance (zero by default).
                let failure = if run.distributed
                    || run.tolerated_count.is_some()
                    || run.tolerated_percentage.is_some()
                {
                    Failure::new(
                        EXCEED_TOLERATED,
                        "The specified tolerated failure threshold was exceeded",
                    )
                } else {
                    failure
                };
                (failure, EventKind::MapStateFailed)
            }
        };
        children.running.push(failed);
        self.execution.frame_mut(parent).status = FrameStatus::Halted { children: Some(children) };
        let now = self.now;
        self.count_map_run(map_run, |progress| progress.end(MapRunStatus::Failed, now));
        // AWS records the state's Failed event once, when no retry follows.
        if !self.retry(parent, &failure) {
            if distributed {
                let details = crate::event::Failure {
                    error: Some(failure.error.clone()),
                    cause: Some(failure.cause.clone()),
                };
                self.event(Some(parent), EventKind::MapRunFailed(details));
            }
            self.event(Some(parent), failed_event);
            self.catch_or_fail(parent, failure);
        }
        self.resume_if_entering(parent);
    }
}

impl Run<'_, '_> {
    /// UpdateMapRun: the running Map Run `arn` takes `limits`, and starts more child executions
    /// if its concurrency grew. A Map Run that has ended is left as it is.
    pub(crate) fn update_map_run(&mut self, arn: &str, limits: MapRunLimits) {
        let Some(index) =
            self.execution.map_runs.iter().position(|progress| {
                progress.arn == arn && progress.status == MapRunStatus::Running
            })
        else {
            return;
        };
        let owner = self.execution.frames.iter().position(|frame| {
            frame.as_ref().is_some_and(|frame| frame.status.map_run() == Some(index))
        });
        let Some(frame) = owner else { return };
        if let FrameStatus::Children(children) = &mut self.execution.frame_mut(frame).status
            && let ChildrenKind::Map(run) = &mut children.kind
        {
            if let Some(limit) = limits.max_concurrency {
                run.max_concurrency = usize::try_from(limit).unwrap_or(usize::MAX);
            }
            if let Some(count) = limits.tolerated_failure_count {
                run.tolerated_count = Some(count);
            }
            if let Some(percentage) = limits.tolerated_failure_percentage {
                run.tolerated_percentage = Some(percentage);
            }
        }
        self.count_map_run(Some(index), |progress| limits.apply_to(progress));
        self.start_iterations(frame);
    }

    /// Applies `count` to the Map Run of a Distributed Map (`map_run`, from its `MapRun`);
    /// does nothing for an inline Map.
    pub(crate) fn count_map_run(
        &mut self,
        map_run: Option<usize>,
        count: impl FnOnce(&mut MapRunProgress),
    ) {
        if let Some(progress) = map_run.and_then(|index| self.execution.map_runs.get_mut(index)) {
            count(progress);
        }
    }

    /// A whole-number Map field (MaxConcurrency, ToleratedFailureCount): literal, JSONata, or
    /// a `…Path`, with AWS's messages.
    fn map_integer(
        &mut self,
        frame: FrameId,
        value: &Dynamic<u64>,
        field: &str,
        input: &Value,
        at: &At<'_>,
    ) -> Result<u64, Failure> {
        match value {
            Dynamic::Literal(number) => Ok(*number),
            Dynamic::Jsonata(expression) => self.jsonata_integer(frame, field, expression, input),
            Dynamic::Path(path) => {
                let found = self.map_path_value(frame, path, input, at)?;
                let field = format!("{field}Path");
                if found.as_i64().is_some_and(|number| number < 0) {
                    let detail = format!("{} cannot be negative.", field.trim_end_matches("Path"));
                    return Err(Failure::in_state(RUNTIME, at.state, at.entered, detail));
                }
                found.as_u64().ok_or_else(|| {
                    let detail = format!(
                        "The {field} field refers to value \"{}\" which is not a valid integer: {}",
                        shown(&found),
                        path.text()
                    );
                    Failure::in_state(RUNTIME, at.state, at.entered, detail)
                })
            }
            Dynamic::Intrinsic(call) => Err(not_for_intrinsics(field, call, at)),
        }
    }

    /// `ToleratedFailurePercentage`: literal, JSONata, or `ToleratedFailurePercentagePath`.
    fn map_percentage(
        &mut self,
        frame: FrameId,
        value: &Dynamic<f64>,
        input: &Value,
        at: &At<'_>,
    ) -> Result<f64, Failure> {
        match value {
            Dynamic::Literal(number) => Ok(*number),
            Dynamic::Jsonata(expression) => self.jsonata_percentage(frame, expression, input),
            Dynamic::Path(path) => {
                let found = self.map_path_value(frame, path, input, at)?;
                found.as_f64().ok_or_else(|| {
                    let detail = format!(
                        "The ToleratedFailurePercentagePath field refers to value \"{}\" which is not a valid float: {}",
                        shown(&found),
                        path.text()
                    );
                    Failure::in_state(RUNTIME, at.state, at.entered, detail)
                })
            }
            Dynamic::Intrinsic(call) => {
                Err(not_for_intrinsics("ToleratedFailurePercentage", call, at))
            }
        }
    }

    /// What a Map field's reference path selects from the state's input.
    pub(crate) fn map_path_value(
        &self,
        frame: FrameId,
        path: &baton_asl::path::Path,
        input: &Value,
        at: &At<'_>,
    ) -> Result<Value, Failure> {
        let context = self.context_for(frame, None);
        let variables = VisibleVariables { frames: &self.execution.frames, frame };
        let roots = Roots { input, context: &context, variables: &variables };
        path.evaluate(&roots)
            .map_err(|error| Failure::in_state(error.name(), at.state, at.entered, error))
    }
}

/// Validation admits intrinsic functions only in a Fail state's `ErrorPath`/`CausePath`; a
/// definition built some other way gets this failure rather than a guess.
pub(crate) fn not_for_intrinsics(
    field: &str,
    call: &baton_asl::intrinsic::Call,
    at: &At<'_>,
) -> Failure {
    Failure::in_state(
        RUNTIME,
        at.state,
        at.entered,
        format!("The field {field} does not take an intrinsic function: {}", call.text()),
    )
}

/// A value as AWS shows it in these messages: strings without quotes, anything else as JSON.
fn shown(value: &Value) -> String {
    value.as_str().map_or_else(|| dataflow::text(value), str::to_owned)
}
