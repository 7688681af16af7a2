//! From a workflow to ASL JSON: state names, transitions, scopes, and a final validation by
//! `baton-asl`.
//!
//! A flow's steps become states of one scope, chained by `Next`; the last state of the
//! outermost flow of a scope ends it (`End: true`). The flows of a Choice's rules and of Catch
//! clauses are laid out in the same scope right after their step, and their last state goes on
//! to whatever follows that step, so they read as structured branches. Parallel branches, Map
//! processors and nested workflows get scopes of their own.
//!
//! Output is deterministic: states appear in flow order (a step before the states of its
//! branches), fields in a fixed order, and names come from step names only, so the same
//! workflow compiles to byte-identical JSON.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use baton_asl::limits::STATE_NAME_CHARS_MAX;
use baton_asl::{MachineType, Options};

use crate::Error;
use crate::flow::{AnyKind, Common, Delay, Flow, Node, kind};
use crate::policy::{Catch, Retry};
use crate::task::{Pattern, Task};
use crate::workflow::{Definition, Target, Workflow};

/// The resource of a callback task (see [`Task::callback`]): a Lambda invocation that waits for
/// its task token.
const CALLBACK_RESOURCE: &str = "arn:aws:states:::lambda:invoke.waitForTaskToken";
/// What separates a nested workflow's step name from its states' names.
const NESTED_SEPARATOR: &str = "/";
/// The characters of a shortened name's hash suffix: `~` and eight hex digits.
const NAME_HASH_CHARS: usize = 9;

/// Compiles `workflow` for `target` and validates the result.
pub(crate) fn workflow(workflow: &Workflow, target: &Target) -> Result<Definition, Error> {
    let mut compiler = Compiler { target, names: HashSet::new(), tasks: Vec::new() };
    let place = format!("workflow {:?}", workflow.name);
    let scope = compiler.scope(&workflow.flow, "", &place)?;
    let mut definition = Map::new();
    if let Some(comment) = &workflow.comment {
        definition.insert("Comment".to_owned(), json!(comment));
    }
    definition.extend(scope);
    let json = Value::Object(definition);

    // Activities are not allowed in EXPRESS machines, and Task states here are activities.
    let options = Options { machine_type: MachineType::Standard };
    let (machine, diagnostics) = baton_asl::parse(&json.to_string(), &options);
    let Some(machine) = machine else {
        let diagnostics =
            diagnostics.into_iter().filter(|diagnostic| diagnostic.is_error()).collect();
        return Err(Error::Invalid { workflow: workflow.name.clone(), diagnostics });
    };
    Ok(Definition { json, machine: Arc::new(machine), tasks: compiler.tasks })
}

/// Where a state goes when it is done.
#[derive(Debug, Clone)]
enum Next {
    State(String),
    End,
}

/// The first state of a compiled flow, and whether its end can be reached (it is not when
/// every path through it ends in Succeed, Fail or a Choice without a way out).
struct Entered {
    start: String,
    falls_through: bool,
}

struct Compiler<'a> {
    target: &'a Target,
    /// Every state name used so far: AWS requires them unique across the whole machine.
    names: HashSet<String>,
    /// The tasks the Task states run, each once, in order of first use.
    tasks: Vec<Task>,
}

impl Compiler<'_> {
    /// `flow` as a scope of its own: `StartAt` and `States`.
    fn scope(
        &mut self,
        flow: &Flow,
        prefix: &str,
        place: &str,
    ) -> Result<Map<String, Value>, Error> {
        let mut states = Map::new();
        let entered = self.sequence(flow, prefix, place, &Next::End, &mut states)?;
        let mut scope = Map::new();
        scope.insert("StartAt".to_owned(), json!(entered.start));
        scope.insert("States".to_owned(), Value::Object(states));
        Ok(scope)
    }

    /// Adds `flow`'s states to `states`, its last state going on to `next`.
    fn sequence(
        &mut self,
        flow: &Flow,
        prefix: &str,
        place: &str,
        next: &Next,
        states: &mut Map<String, Value>,
    ) -> Result<Entered, Error> {
        let names = flow
            .steps
            .iter()
            .map(|node| state_name(prefix, &node.common.name))
            .collect::<Result<Vec<_>, _>>()?;
        let Some(start) = names.first() else {
            return Err(Error::EmptyFlow { place: place.to_owned() });
        };
        let mut falls_through = true;
        for (index, node) in flow.steps.iter().enumerate() {
            if !falls_through {
                let (step, after) = (names[index].clone(), names[index - 1].clone());
                return Err(Error::Unreachable { step, after });
            }
            let after =
                names.get(index + 1).map_or_else(|| next.clone(), |name| Next::State(name.clone()));
            falls_through = self.state(node, &names[index], prefix, &after, states)?;
        }
        Ok(Entered { start: start.clone(), falls_through })
    }

    /// Adds the state of `node` (and the states of its Choice and Catch flows) to `states`;
    /// returns whether execution can go on to `next` from it.
    fn state(
        &mut self,
        node: &Node,
        name: &str,
        prefix: &str,
        next: &Next,
        states: &mut Map<String, Value>,
    ) -> Result<bool, Error> {
        if !self.names.insert(name.to_owned()) {
            return Err(Error::DuplicateStateName { name: name.to_owned() });
        }
        // A placeholder keeps this state ahead of the states its branches add; inserting the
        // finished state under the same key later keeps the position.
        states.insert(name.to_owned(), Value::Null);
        let common = &node.common;
        let mut state = Map::new();
        put(&mut state, "Type", json!(type_name(&node.kind)));
        if let Some(comment) = &common.comment {
            put(&mut state, "Comment", json!(comment));
        }
        let falls_through = self.fields(node, name, prefix, next, states, &mut state)?;

        // A step's own clauses come first: they are the more specific ones, and ASL uses the
        // first clause that matches. Clauses for `States.ALL` go last, as ASL requires (the
        // sort is stable, so the order is otherwise kept).
        let (task_retry, task_catch) = match &node.kind {
            AnyKind::Task(kind::Task { task }) => (task.retry.as_slice(), task.catch.as_slice()),
            _ => (&[][..], &[][..]),
        };
        let mut retriers: Vec<&Retry> = common.retry.iter().chain(task_retry).collect();
        retriers.sort_by_key(|retry| retry.matches_all());
        if !retriers.is_empty() {
            let retriers = retriers.into_iter().map(Retry::to_json).collect();
            put(&mut state, "Retry", Value::Array(retriers));
        }
        let mut clauses: Vec<&(Catch, Flow)> = common.catch.iter().chain(task_catch).collect();
        clauses.sort_by_key(|(catch, _)| catch.matches_all());
        let mut catchers = Vec::new();
        for (index, (clause, recovery)) in clauses.into_iter().enumerate() {
            let place = format!("catch {} of step {name:?}", index + 1);
            let entered = self.sequence(recovery, prefix, &place, next, states)?;
            catchers.push(clause.to_json(&entered.start));
        }
        if !catchers.is_empty() {
            put(&mut state, "Catch", Value::Array(catchers));
        }

        if !matches!(node.kind, AnyKind::Choice(_) | AnyKind::Succeed(_) | AnyKind::Fail(_)) {
            match next {
                Next::State(next) => put(&mut state, "Next", json!(next)),
                Next::End => put(&mut state, "End", json!(true)),
            }
        }
        states.insert(name.to_owned(), Value::Object(state));
        Ok(falls_through)
    }

    /// Puts the fields of `node`'s kind and its data-flow fields into `state` (adding the
    /// states of a Choice's flows to `states`); returns whether execution can go on to `next`.
    fn fields(
        &mut self,
        node: &Node,
        name: &str,
        prefix: &str,
        next: &Next,
        states: &mut Map<String, Value>,
        state: &mut Map<String, Value>,
    ) -> Result<bool, Error> {
        match &node.kind {
            AnyKind::Task(kind::Task { task }) => {
                self.use_task(task)?;
                match task.pattern {
                    Pattern::Activity => {
                        put(state, "Resource", json!(self.target.activity_arn(&task.name)));
                        put_data_flow(state, &node.common);
                    }
                    Pattern::Callback => {
                        put(state, "Resource", json!(CALLBACK_RESOURCE));
                        // The step's own Parameters, if any, shape the input the handler gets;
                        // the token rides beside it.
                        let input = match &node.common.parameters {
                            Some(template) => json!({ "input": template }),
                            None => json!({ "input.$": "$" }),
                        };
                        let mut payload = input;
                        payload["token.$"] = json!("$$.Task.Token");
                        let parameters = json!({ "FunctionName": task.name, "Payload": payload });
                        let common = Common { parameters: Some(parameters), ..node.common.clone() };
                        put_data_flow(state, &common);
                    }
                }
                if let Some(seconds) = task.timeout_seconds {
                    put(state, "TimeoutSeconds", json!(seconds));
                }
                if let Some(seconds) = task.heartbeat_seconds {
                    put(state, "HeartbeatSeconds", json!(seconds));
                }
            }
            AnyKind::Parallel(kind::Parallel { branches }) => {
                let mut scopes = Vec::new();
                for (index, branch) in branches.iter().enumerate() {
                    let place = format!("branch {} of parallel step {name:?}", index + 1);
                    scopes.push(Value::Object(self.scope(branch, prefix, &place)?));
                }
                put(state, "Branches", Value::Array(scopes));
                put_data_flow(state, &node.common);
            }
            AnyKind::Map(map) => {
                put(state, "ItemsPath", json!(map.items_path));
                if let Some(template) = &map.item_selector {
                    put(state, "ItemSelector", template.clone());
                }
                let place = format!("the processor of map step {name:?}");
                let mut processor = Map::new();
                processor.insert("ProcessorConfig".to_owned(), json!({"Mode": "INLINE"}));
                processor.extend(self.scope(&map.processor, prefix, &place)?);
                put(state, "ItemProcessor", Value::Object(processor));
                if let Some(items) = map.max_concurrency {
                    put(state, "MaxConcurrency", json!(items));
                }
                put_data_flow(state, &node.common);
            }
            AnyKind::Pass(kind::Pass { result }) => {
                if let Some(result) = result {
                    put(state, "Result", result.clone());
                }
                put_data_flow(state, &node.common);
            }
            AnyKind::Wait(kind::Wait { delay }) => {
                let (key, value) = match delay {
                    Delay::Seconds(seconds) => ("Seconds", json!(seconds)),
                    Delay::Until(instant) => ("Timestamp", json!(instant.to_string())),
                    Delay::SecondsPath(path) => ("SecondsPath", json!(path)),
                    Delay::TimestampPath(path) => ("TimestampPath", json!(path)),
                };
                put(state, key, value);
                put_data_flow(state, &node.common);
            }
            AnyKind::Choice(choice) => {
                put_data_flow(state, &node.common);
                return self.choice(choice, name, prefix, next, states, state);
            }
            AnyKind::Succeed(kind::Succeed) => {
                put_data_flow(state, &node.common);
                return Ok(false);
            }
            AnyKind::Fail(kind::Fail { error, cause }) => {
                if let Some(error) = error {
                    put(state, "Error", json!(error));
                }
                if let Some(cause) = cause {
                    put(state, "Cause", json!(cause));
                }
                return Ok(false);
            }
            AnyKind::Nested(kind::Nested { workflow }) => {
                let place = format!("workflow {:?} nested as step {name:?}", workflow.name);
                let inner_prefix = format!("{name}{NESTED_SEPARATOR}");
                let scope = self.scope(&workflow.flow, &inner_prefix, &place)?;
                put(state, "Branches", json!([scope]));
                // The one branch's output, not the array of all branches' outputs.
                put(state, "OutputPath", json!("$[0]"));
            }
        }
        Ok(true)
    }

    /// A Choice's `Choices` and `Default`, with their flows added to `states`; execution goes
    /// on after the Choice when some flow reaches its end.
    fn choice(
        &mut self,
        choice: &kind::Choice,
        name: &str,
        prefix: &str,
        next: &Next,
        states: &mut Map<String, Value>,
        state: &mut Map<String, Value>,
    ) -> Result<bool, Error> {
        if choice.rules.is_empty() {
            return Err(Error::EmptyChoice { choice: name.to_owned() });
        }
        let mut falls_through = false;
        let mut rules = Vec::new();
        for (index, (condition, flow)) in choice.rules.iter().enumerate() {
            let place = format!("rule {} of choice {name:?}", index + 1);
            let entered = self.sequence(flow, prefix, &place, next, states)?;
            falls_through |= entered.falls_through;
            let mut rule = condition.to_json();
            rule["Next"] = json!(entered.start);
            rules.push(rule);
        }
        put(state, "Choices", Value::Array(rules));
        if let Some(flow) = &choice.otherwise {
            let place = format!("the otherwise flow of choice {name:?}");
            let entered = self.sequence(flow, prefix, &place, next, states)?;
            falls_through |= entered.falls_through;
            put(state, "Default", json!(entered.start));
        }
        Ok(falls_through)
    }

    /// Records that a Task state runs `task`; two different handlers may not share a name.
    fn use_task(&mut self, task: &Task) -> Result<(), Error> {
        match self.tasks.iter().find(|known| known.name == task.name) {
            Some(known) if Arc::ptr_eq(&known.handler, &task.handler) => Ok(()),
            Some(_) => Err(Error::DuplicateTask { name: task.name.clone() }),
            None => {
                self.tasks.push(task.clone());
                Ok(())
            }
        }
    }
}

/// The ASL `Type` of a kind of step (a nested workflow is a Parallel).
fn type_name(kind: &AnyKind) -> &'static str {
    match kind {
        AnyKind::Task(_) => "Task",
        AnyKind::Parallel(_) | AnyKind::Nested(_) => "Parallel",
        AnyKind::Map(_) => "Map",
        AnyKind::Pass(_) => "Pass",
        AnyKind::Wait(_) => "Wait",
        AnyKind::Choice(_) => "Choice",
        AnyKind::Succeed(_) => "Succeed",
        AnyKind::Fail(_) => "Fail",
    }
}

fn put(state: &mut Map<String, Value>, key: &str, value: Value) {
    state.insert(key.to_owned(), value);
}

/// The data-flow fields a step sets, in the order ASL applies them.
fn put_data_flow(state: &mut Map<String, Value>, common: &Common) {
    let fields = [
        ("InputPath", common.input_path.as_ref().map(|path| json!(path))),
        ("Parameters", common.parameters.clone()),
        ("ResultSelector", common.result_selector.clone()),
        ("ResultPath", common.result_path.as_ref().map(|path| json!(path))),
        ("OutputPath", common.output_path.as_ref().map(|path| json!(path))),
    ];
    for (key, value) in fields {
        if let Some(value) = value {
            put(state, key, value);
        }
    }
}

/// The state name of step `name` under `prefix` (the names of enclosing nested-workflow
/// steps). A step's own name must fit AWS's limit; a prefixed name that does not is cut and
/// ends in a hash of the whole name, so it stays unique and deterministic.
fn state_name(prefix: &str, name: &str) -> Result<String, Error> {
    let chars = name.chars().count();
    if chars == 0 || chars > STATE_NAME_CHARS_MAX {
        return Err(Error::StateNameLength { name: name.to_owned() });
    }
    let full = format!("{prefix}{name}");
    if full.chars().count() <= STATE_NAME_CHARS_MAX {
        return Ok(full);
    }
    let kept: String = full.chars().take(STATE_NAME_CHARS_MAX - NAME_HASH_CHARS).collect();
    Ok(format!("{kept}~{:08x}", fnv1a(full.as_bytes())))
}

/// The 32-bit FNV-1a hash: a fixed, documented function, so shortened names never change
/// between releases (std's hasher makes no such promise), and a few lines instead of a
/// dependency.
fn fnv1a(bytes: &[u8]) -> u32 {
    const OFFSET_BASIS: u32 = 0x811c_9dc5;
    const PRIME: u32 = 0x0100_0193;
    bytes.iter().fold(OFFSET_BASIS, |hash, byte| (hash ^ u32::from(*byte)).wrapping_mul(PRIME))
}
