//! The typed model of a state machine definition.
//!
//! Only validation constructs these types (../shared/STYLE.md T1): a `StateMachine` in hand means
//! every `Next` resolves, every path parses, every expression is well formed and every field that
//! AWS forbids is absent. Downstream code (the interpreter, the graph renderer) never re-checks.
//!
//! Fields keep the two query languages apart. JSONPath states use `input_path`, `parameters`,
//! `result_selector`, `result_path` and `output_path`; JSONata states use `arguments` and
//! `output`; both may `assign`. Values that may be given literally, by a path (`*Path` fields) or
//! by a JSONata expression are [`Dynamic`].

mod choice;
mod map;
mod references;
mod task;

use std::collections::HashMap;

use serde_json::Value;

pub use choice::{
    Choice, ChoiceRule, Comparison, ComparisonOperator, Condition, Operand, OperandKind,
};
pub use map::{
    ItemBatcher, ItemReader, Map, ProcessorConfig, ProcessorExecutionType, ProcessorMode,
    ResultWriter, ToleratedFailure,
};
pub use task::{Credentials, IntegrationPattern, Resource, Task};

use crate::intrinsic::Call;
use crate::path::Path;
use crate::template::Template;

/// A validated state machine definition.
#[derive(Debug, Clone)]
pub struct StateMachine {
    pub comment: Option<String>,
    pub version: Option<String>,
    /// Execution-level timeout; `None` means no limit beyond AWS's one year.
    pub timeout_seconds: Option<u64>,
    /// The machine's default query language (JSONPath unless the definition says otherwise).
    pub query_language: QueryLanguage,
    /// The top-level `StartAt`/`States`.
    pub scope: Scope,
    /// Whether some state, at any depth, is written in JSONata, computed once by validation:
    /// only JSONata evaluations can run away, so a machine without them needs no watchdog.
    pub(crate) uses_jsonata: bool,
    /// Whether some Map state, at any depth, has an `ItemReader` or a `ResultWriter`, computed
    /// once by validation: the interpreter refuses those on every start, and walking every
    /// state for it cost an in-process start more than the answer.
    pub(crate) uses_distributed_io: bool,
}

impl StateMachine {
    /// Whether some state of the machine (at any depth) evaluates JSONata, the only evaluation
    /// a runaway expression can stall (see `baton-runtime`'s watchdog).
    pub fn uses_jsonata(&self) -> bool {
        self.uses_jsonata
    }

    /// Whether some Map state of the machine (at any depth) reads its items with an
    /// `ItemReader` or writes its results with a `ResultWriter`.
    pub fn uses_distributed_io(&self) -> bool {
        self.uses_distributed_io
    }

    /// Every state of the machine, depth first, including those in Parallel branches and Map
    /// processors.
    pub fn all_states(&self) -> Vec<&State> {
        let mut states = Vec::new();
        self.scope.collect_states(&mut states);
        states
    }
}

/// The query language of a machine or a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryLanguage {
    JsonPath,
    Jsonata,
}

impl QueryLanguage {
    /// The spelling used in definitions.
    pub fn as_str(self) -> &'static str {
        match self {
            QueryLanguage::JsonPath => "JSONPath",
            QueryLanguage::Jsonata => "JSONata",
        }
    }
}

/// A `StartAt` plus its `States`: the machine itself, a Parallel branch or a Map processor.
/// Names are unique across the whole machine, transitions never leave their scope.
#[derive(Debug, Clone)]
pub struct Scope {
    pub start_at: StateId,
    /// States in definition order.
    pub states: Vec<State>,
    by_name: HashMap<String, StateId>,
}

impl Scope {
    pub(crate) fn new(start_at: StateId, states: Vec<State>) -> Scope {
        let by_name = states
            .iter()
            .enumerate()
            .map(|(index, state)| (state.name.clone(), StateId(index)))
            .collect();
        Scope { start_at, states, by_name }
    }

    /// The state a transition leads to. Validation guarantees every `StateId` of this scope is
    /// in range, so this cannot fail for ids taken from the scope's own states.
    pub fn state(&self, id: StateId) -> &State {
        &self.states[id.0]
    }

    pub fn start(&self) -> &State {
        self.state(self.start_at)
    }

    /// Looks a state up by name (for callers that start from stored names, such as recovery).
    pub fn find(&self, name: &str) -> Option<StateId> {
        self.by_name.get(name).copied()
    }

    fn collect_states<'a>(&'a self, into: &mut Vec<&'a State>) {
        for state in &self.states {
            into.push(state);
            match &state.kind {
                StateKind::Parallel(parallel) => {
                    for branch in &parallel.branches {
                        branch.collect_states(into);
                    }
                }
                StateKind::Map(map) => map.processor.collect_states(into),
                StateKind::Pass(_)
                | StateKind::Task(_)
                | StateKind::Choice(_)
                | StateKind::Wait(_)
                | StateKind::Succeed
                | StateKind::Fail(_) => {}
            }
        }
    }
}

/// The position of a state in its [`Scope`]. Serializable, so that an interpreter can store
/// where an execution is (its snapshot) and find the state again in the same definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct StateId(pub(crate) usize);

impl StateId {
    pub fn index(self) -> usize {
        self.0
    }
}

/// What happens after a state completes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Next(StateId),
    End,
}

/// One state with the fields every state type shares.
#[derive(Debug, Clone)]
pub struct State {
    pub name: String,
    pub comment: Option<String>,
    /// The effective query language: the state's own, or the machine's.
    pub query_language: QueryLanguage,
    /// JSONPath `InputPath`; `None` when absent (the whole input).
    pub input_path: Option<NullablePath>,
    /// JSONPath `OutputPath`; `None` when absent (the whole output).
    pub output_path: Option<NullablePath>,
    /// JSONata `Output`.
    pub output: Option<Jsonata>,
    /// `Assign` (both query languages).
    pub assign: Option<Assign>,
    pub kind: StateKind,
    /// Whether any field may read the context object (`$$`), computed once by validation so
    /// that an interpreter builds `$$` only for the states that read it.
    pub(crate) reads_context: bool,
}

impl State {
    /// Whether evaluating this state may read the context object (`$$`). Conservative for
    /// Choice, Wait and Fail, whose paths are not examined one by one.
    pub fn reads_context(&self) -> bool {
        self.reads_context
    }

    /// Every JSONata value of the state (its own fields, Choice rules, Catch clauses), for
    /// questions about all of them: which variables they read, whether they read the context.
    pub fn jsonata_fields(&self) -> Vec<&Jsonata> {
        let mut fields: Vec<&Jsonata> = Vec::new();
        fields.extend(self.output.as_ref());
        if let Some(Assign::Jsonata(assign)) = &self.assign {
            fields.push(assign);
        }
        match &self.kind {
            StateKind::Pass(pass) => fields.extend(payload(pass.payload.as_ref())),
            StateKind::Task(task) => {
                fields.extend(payload(task.payload.as_ref()));
                dynamic(task.timeout_seconds.as_ref(), &mut fields);
                dynamic(task.heartbeat_seconds.as_ref(), &mut fields);
                if let Some(Credentials::Jsonata(credentials)) = &task.credentials {
                    fields.push(credentials);
                }
                fields.extend(catchers(&task.catch));
            }
            StateKind::Parallel(parallel) => {
                fields.extend(payload(parallel.payload.as_ref()));
                fields.extend(catchers(&parallel.catch));
            }
            StateKind::Map(map) => {
                fields.extend(map.items.as_ref());
                fields.extend(payload(map.item_selector.as_ref()));
                dynamic(Some(&map.max_concurrency), &mut fields);
                dynamic(map.tolerated_failure.count.as_ref(), &mut fields);
                dynamic(map.tolerated_failure.percentage.as_ref(), &mut fields);
                if let Some(batcher) = &map.item_batcher {
                    dynamic(batcher.max_items_per_batch.as_ref(), &mut fields);
                    dynamic(batcher.max_input_bytes_per_batch.as_ref(), &mut fields);
                    fields.extend(payload(batcher.batch_input.as_ref()));
                }
                if let Some(reader) = &map.item_reader {
                    fields.extend(payload(reader.payload.as_ref()));
                }
                if let Some(writer) = &map.result_writer {
                    fields.extend(payload(writer.payload.as_ref()));
                }
                fields.extend(catchers(&map.catch));
            }
            StateKind::Choice(choice) => {
                for rule in &choice.choices {
                    if let Condition::Jsonata(condition) = &rule.condition {
                        fields.push(condition);
                    }
                    fields.extend(rule.output.as_ref());
                    if let Some(Assign::Jsonata(assign)) = &rule.assign {
                        fields.push(assign);
                    }
                }
            }
            StateKind::Wait(wait) => match &wait.until {
                WaitFor::Seconds(seconds) => dynamic(Some(seconds), &mut fields),
                WaitFor::Timestamp(timestamp) => dynamic(Some(timestamp), &mut fields),
            },
            StateKind::Fail(fail) => {
                dynamic(fail.error.as_ref(), &mut fields);
                dynamic(fail.cause.as_ref(), &mut fields);
            }
            StateKind::Succeed => {}
        }
        fields
    }

    pub(crate) fn compute_reads_context(&self) -> bool {
        if self.query_language == QueryLanguage::Jsonata {
            return self.jsonata_fields().iter().any(|field| field.reads_context());
        }
        use crate::path::Root;
        let reads = |path: &Path| *path.root() == Root::Context;
        let path_reads = |path: Option<&NullablePath>| matches!(path, Some(NullablePath::Path(path)) if reads(path));
        let dynamic_reads = |value: Option<&Dynamic<u64>>| matches!(value, Some(Dynamic::Path(path)) if reads(path));
        let template_reads =
            |template: Option<&Template>| template.is_some_and(Template::uses_context);
        let payload_reads = |payload: Option<&Payload>| match payload {
            Some(Payload::Parameters(template)) => template.uses_context(),
            Some(Payload::Arguments(_)) | None => false,
        };
        let assign_reads = |assign: Option<&Assign>| match assign {
            Some(Assign::JsonPath(template)) => template.uses_context(),
            Some(Assign::Jsonata(_)) | None => false,
        };
        // A Catch's Assign is evaluated with the state's context object.
        let catch_reads =
            |catch: &[Catcher]| catch.iter().any(|catcher| assign_reads(catcher.assign.as_ref()));
        let kind_reads = match &self.kind {
            StateKind::Pass(pass) => payload_reads(pass.payload.as_ref()),
            StateKind::Task(task) => {
                payload_reads(task.payload.as_ref())
                    || template_reads(task.result_selector.as_ref())
                    || dynamic_reads(task.timeout_seconds.as_ref())
                    || dynamic_reads(task.heartbeat_seconds.as_ref())
                    || catch_reads(&task.catch)
            }
            StateKind::Parallel(parallel) => {
                payload_reads(parallel.payload.as_ref())
                    || template_reads(parallel.result_selector.as_ref())
                    || catch_reads(&parallel.catch)
            }
            StateKind::Map(map) => {
                map.items_path.as_ref().is_some_and(reads)
                    || payload_reads(map.item_selector.as_ref())
                    || template_reads(map.result_selector.as_ref())
                    || dynamic_reads(Some(&map.max_concurrency))
                    || dynamic_reads(map.tolerated_failure.count.as_ref())
                    || matches!(&map.tolerated_failure.percentage, Some(Dynamic::Path(path)) if reads(path))
                    || map.item_batcher.as_ref().is_some_and(|batcher| {
                        dynamic_reads(batcher.max_items_per_batch.as_ref())
                            || dynamic_reads(batcher.max_input_bytes_per_batch.as_ref())
                            || payload_reads(batcher.batch_input.as_ref())
                    })
                    || map
                        .item_reader
                        .as_ref()
                        .is_some_and(|reader| payload_reads(reader.payload.as_ref()))
                    || map
                        .result_writer
                        .as_ref()
                        .is_some_and(|writer| payload_reads(writer.payload.as_ref()))
                    || catch_reads(&map.catch)
            }
            // Choice rules, Wait and Fail paths are not examined one by one.
            StateKind::Choice(_) | StateKind::Wait(_) | StateKind::Fail(_) => true,
            StateKind::Succeed => false,
        };
        path_reads(self.input_path.as_ref())
            || path_reads(self.output_path.as_ref())
            || assign_reads(self.assign.as_ref())
            || kind_reads
    }
}

/// The JSONata form of a field that may also be literal or a path.
fn dynamic<'a, T>(value: Option<&'a Dynamic<T>>, fields: &mut Vec<&'a Jsonata>) {
    if let Some(Dynamic::Jsonata(jsonata)) = value {
        fields.push(jsonata);
    }
}

/// `Arguments`, when the state has it.
fn payload(payload: Option<&Payload>) -> Option<&Jsonata> {
    match payload {
        Some(Payload::Arguments(arguments)) => Some(arguments),
        Some(Payload::Parameters(_)) | None => None,
    }
}

/// The `Output` and `Assign` of Catch clauses.
fn catchers(catch: &[Catcher]) -> Vec<&Jsonata> {
    let mut found = Vec::new();
    for catcher in catch {
        found.extend(catcher.output.as_ref());
        if let Some(Assign::Jsonata(assign)) = &catcher.assign {
            found.push(assign);
        }
    }
    found
}

/// The state types of the Amazon States Language.
#[derive(Debug, Clone)]
pub enum StateKind {
    Pass(Pass),
    Task(Box<Task>),
    Choice(Choice),
    Wait(Wait),
    Succeed,
    Fail(Fail),
    Parallel(Parallel),
    Map(Box<Map>),
}

impl StateKind {
    /// The `Type` value of this kind, as written in definitions and history events.
    pub fn type_name(&self) -> &'static str {
        match self {
            StateKind::Pass(_) => "Pass",
            StateKind::Task(_) => "Task",
            StateKind::Choice(_) => "Choice",
            StateKind::Wait(_) => "Wait",
            StateKind::Succeed => "Succeed",
            StateKind::Fail(_) => "Fail",
            StateKind::Parallel(_) => "Parallel",
            StateKind::Map(_) => "Map",
        }
    }
}

/// A JSONPath path field that may be `null` (`InputPath`, `OutputPath`: null means `{}`).
#[derive(Debug, Clone, PartialEq)]
pub enum NullablePath {
    Path(Path),
    Null,
}

/// `ResultPath`: where a state's result goes in its input.
#[derive(Debug, Clone, PartialEq)]
pub enum ResultPath {
    /// A reference path rooted at `$`.
    Path(Path),
    /// `null`: the result is discarded and the input passes through.
    Discard,
}

/// A JSON value in which every string of the form `{% expression %}` is a JSONata expression;
/// each was parsed at validation time and is kept parsed, so executions never parse.
#[derive(Debug, Clone)]
pub struct Jsonata {
    /// The value as written in the definition.
    pub value: Value,
    pub(crate) node: crate::jsonata::Node,
}

impl PartialEq for Jsonata {
    fn eq(&self, other: &Jsonata) -> bool {
        self.value == other.value
    }
}

impl Jsonata {
    /// A value without expressions (a literal `Condition`, say).
    pub(crate) fn literal(value: Value) -> Jsonata {
        Jsonata { node: crate::jsonata::Node::Literal(value.clone()), value }
    }

    /// Evaluates the value for the field `field` (AWS's name, used in failure locations) with
    /// `input` as JSONata's `$` and the caller's bindings (`$states`, variables, seed, clock).
    /// An expression that returns nothing (`undefined`) fails, wherever it is in the value.
    pub fn evaluate(
        &self,
        field: &str,
        input: &Value,
        bindings: &baton_jsonata::Bindings,
    ) -> Result<Value, crate::jsonata::Failure> {
        let mut location = field.to_owned();
        self.node.evaluate(&mut location, input, bindings)
    }

    /// Whether evaluating the value may read `$states.context`.
    pub fn reads_context(&self) -> bool {
        self.node.reads_context()
    }

    /// The workflow variables the expressions read (`$name`), without duplicates.
    pub fn variable_references(&self) -> Vec<String> {
        let mut names = Vec::new();
        self.node.variable_references(&mut names);
        names
    }

    /// The expression's text (trimmed, without `{% %}`) when the whole value is one expression,
    /// as AWS quotes it in causes.
    pub fn expression_text(&self) -> Option<&str> {
        self.node.expression_text()
    }
}

/// `Assign`: variable names to values. In JSONPath states the value is a payload template
/// (`"name.$": "$.path"`); in JSONata states, a [`Jsonata`] value.
#[derive(Debug, Clone)]
pub enum Assign {
    JsonPath(Template),
    Jsonata(Jsonata),
}

/// The data a state sends to its work: `Parameters` (JSONPath) or `Arguments` (JSONata).
#[derive(Debug, Clone)]
pub enum Payload {
    Parameters(Template),
    Arguments(Jsonata),
}

/// A number given literally, through a reference path (`*Path` fields) or by JSONata.
#[derive(Debug, Clone, PartialEq)]
pub enum Dynamic<T> {
    Literal(T),
    Path(Path),
    Jsonata(Jsonata),
    /// An intrinsic function: only `ErrorPath` and `CausePath` of a Fail state accept one.
    Intrinsic(Call),
}

/// A `Retry` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Retrier {
    pub error_equals: Vec<String>,
    pub interval_seconds: u64,
    pub max_attempts: u64,
    pub backoff_rate: f64,
    pub max_delay_seconds: Option<u64>,
    pub jitter: Jitter,
    pub comment: Option<String>,
}

/// `JitterStrategy` of a retrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jitter {
    None,
    Full,
}

/// A `Catch` entry.
#[derive(Debug, Clone)]
pub struct Catcher {
    pub error_equals: Vec<String>,
    pub next: StateId,
    /// JSONPath: where the error output goes (`$` when absent).
    pub result_path: Option<ResultPath>,
    /// JSONata: the catcher's `Output`.
    pub output: Option<Jsonata>,
    /// Replaces the state's own `Assign` when this catcher is taken.
    pub assign: Option<Assign>,
    pub comment: Option<String>,
}

/// `Pass`.
#[derive(Debug, Clone)]
pub struct Pass {
    pub result: Option<Value>,
    pub payload: Option<Payload>,
    pub result_path: Option<ResultPath>,
    pub transition: Transition,
}

/// `Wait`: exactly one of its four duration fields (or the JSONata forms).
#[derive(Debug, Clone)]
pub struct Wait {
    pub until: WaitFor,
    pub transition: Transition,
}

/// How long a Wait state waits.
#[derive(Debug, Clone, PartialEq)]
pub enum WaitFor {
    /// `Seconds` (a literal or JSONata) or `SecondsPath`.
    Seconds(Dynamic<u64>),
    /// `Timestamp` (a literal RFC 3339 string or JSONata) or `TimestampPath`.
    Timestamp(Dynamic<String>),
}

/// `Fail`: error and cause, each literal, by path, or by JSONata.
#[derive(Debug, Clone)]
pub struct Fail {
    pub error: Option<Dynamic<String>>,
    pub cause: Option<Dynamic<String>>,
}

/// `Parallel`.
#[derive(Debug, Clone)]
pub struct Parallel {
    pub branches: Vec<Scope>,
    pub payload: Option<Payload>,
    pub result_selector: Option<Template>,
    pub result_path: Option<ResultPath>,
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
    pub transition: Transition,
}
