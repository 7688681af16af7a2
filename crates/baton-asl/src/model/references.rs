//! Which workflow variables each state reads: the `variableReferences` of AWS's
//! DescribeStateMachine and DescribeStateMachineForExecution.
//!
//! AWS works this out from the definition alone, so it is a walk over the validated model, done
//! once per machine by whoever stores it. A state reads a variable when one of its fields names
//! it: in JSONPath states, a path rooted at `$name` (every `*Path` field, Choice `Variable` and
//! path operands, `.$` fields of payload templates and the `$name` arguments of their intrinsic
//! calls); in JSONata states, a `$name` in an expression other than `$states` and called
//! functions. `ResultPath` only writes, so it never counts. Both query languages go through the
//! same walk: a field holds whichever form validation allowed for the state's language.

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use crate::model::{
    Assign, Catcher, Condition, Credentials, Dynamic, Jsonata, NullablePath, Operand, Payload,
    State, StateKind, StateMachine, WaitFor,
};
use crate::path::Path;
use crate::template::Template;

impl StateMachine {
    /// For every state that reads workflow variables, the names it reads, sorted and without
    /// duplicates; states that read none are absent. States of Parallel branches and Map
    /// processors are included under their own names, which are unique machine-wide.
    pub fn variable_references(&self) -> BTreeMap<String, Vec<String>> {
        let mut references = BTreeMap::new();
        for state in self.all_states() {
            let mut names = Vec::new();
            state_references(state, &mut names);
            names.sort_unstable();
            names.dedup();
            if !names.is_empty() {
                references.insert(state.name.clone(), names);
            }
        }
        references
    }
}

/// Adds the variables every field of `state` reads to `into`, duplicates included.
fn state_references(state: &State, into: &mut Vec<String>) {
    nullable_path(state.input_path.as_ref(), into);
    nullable_path(state.output_path.as_ref(), into);
    jsonata(state.output.as_ref(), into);
    assign(state.assign.as_ref(), into);
    match &state.kind {
        StateKind::Pass(pass) => payload(pass.payload.as_ref(), into),
        StateKind::Task(task) => {
            payload(task.payload.as_ref(), into);
            template(task.result_selector.as_ref(), into);
            dynamic(task.timeout_seconds.as_ref(), into);
            dynamic(task.heartbeat_seconds.as_ref(), into);
            match &task.credentials {
                Some(Credentials::JsonPath(credentials)) => {
                    credentials.variable_references(into);
                }
                Some(Credentials::Jsonata(credentials)) => jsonata(Some(credentials), into),
                None => {}
            }
            catchers(&task.catch, into);
        }
        StateKind::Parallel(parallel) => {
            payload(parallel.payload.as_ref(), into);
            template(parallel.result_selector.as_ref(), into);
            catchers(&parallel.catch, into);
        }
        StateKind::Map(map) => {
            path(map.items_path.as_ref(), into);
            jsonata(map.items.as_ref(), into);
            payload(map.item_selector.as_ref(), into);
            if let Some(reader) = &map.item_reader {
                payload(reader.payload.as_ref(), into);
            }
            if let Some(batcher) = &map.item_batcher {
                dynamic(batcher.max_items_per_batch.as_ref(), into);
                dynamic(batcher.max_input_bytes_per_batch.as_ref(), into);
                payload(batcher.batch_input.as_ref(), into);
            }
            if let Some(writer) = &map.result_writer {
                payload(writer.payload.as_ref(), into);
            }
            dynamic(Some(&map.max_concurrency), into);
            dynamic(map.tolerated_failure.count.as_ref(), into);
            dynamic(map.tolerated_failure.percentage.as_ref(), into);
            template(map.result_selector.as_ref(), into);
            catchers(&map.catch, into);
        }
        StateKind::Choice(choice) => {
            for rule in &choice.choices {
                condition(&rule.condition, into);
                jsonata(rule.output.as_ref(), into);
                assign(rule.assign.as_ref(), into);
            }
        }
        StateKind::Wait(wait) => match &wait.until {
            WaitFor::Seconds(seconds) => dynamic(Some(seconds), into),
            WaitFor::Timestamp(timestamp) => dynamic(Some(timestamp), into),
        },
        StateKind::Fail(fail) => {
            dynamic(fail.error.as_ref(), into);
            dynamic(fail.cause.as_ref(), into);
        }
        StateKind::Succeed => {}
    }
}

fn path(path: Option<&Path>, into: &mut Vec<String>) {
    into.extend(path.and_then(Path::variable).map(str::to_owned));
}

fn nullable_path(path: Option<&NullablePath>, into: &mut Vec<String>) {
    if let Some(NullablePath::Path(inner)) = path {
        self::path(Some(inner), into);
    }
}

fn jsonata(value: Option<&Jsonata>, into: &mut Vec<String>) {
    if let Some(value) = value {
        into.extend(value.variable_references());
    }
}

fn template(template: Option<&Template>, into: &mut Vec<String>) {
    if let Some(template) = template {
        template.variable_references(into);
    }
}

fn assign(assign: Option<&Assign>, into: &mut Vec<String>) {
    match assign {
        Some(Assign::JsonPath(template)) => template.variable_references(into),
        Some(Assign::Jsonata(value)) => jsonata(Some(value), into),
        None => {}
    }
}

fn payload(payload: Option<&Payload>, into: &mut Vec<String>) {
    match payload {
        Some(Payload::Parameters(template)) => template.variable_references(into),
        Some(Payload::Arguments(value)) => jsonata(Some(value), into),
        None => {}
    }
}

fn dynamic<T>(value: Option<&Dynamic<T>>, into: &mut Vec<String>) {
    match value {
        Some(Dynamic::Path(inner)) => path(Some(inner), into),
        Some(Dynamic::Jsonata(value)) => jsonata(Some(value), into),
        Some(Dynamic::Intrinsic(call)) => call.variable_references(into),
        Some(Dynamic::Literal(_)) | None => {}
    }
}

/// A Catch clause's `Output` and `Assign`; its `ResultPath` only writes.
fn catchers(catch: &[Catcher], into: &mut Vec<String>) {
    for catcher in catch {
        jsonata(catcher.output.as_ref(), into);
        assign(catcher.assign.as_ref(), into);
    }
}

/// A Choice condition: `Variable` and `*Path` operands, through `And`, `Or` and `Not`.
fn condition(rule: &Condition, into: &mut Vec<String>) {
    match rule {
        Condition::Comparison(comparison) => {
            path(Some(&comparison.variable), into);
            if let Operand::Path(operand) = &comparison.operand {
                path(Some(operand), into);
            }
        }
        Condition::And(conditions) | Condition::Or(conditions) => {
            conditions.iter().for_each(|inner| condition(inner, into));
        }
        Condition::Not(inner) => condition(inner, into),
        Condition::Jsonata(value) => jsonata(Some(value), into),
    }
}
