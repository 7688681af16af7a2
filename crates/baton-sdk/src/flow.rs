//! Flows and steps: the builder that reads like the workflow it describes.
//!
//! A [`Flow`] is a sequence of steps that run one after the other. Steps that branch (a
//! [`choice`], or a [`Step::catch`] clause) take flows of their own, and those flows continue
//! after the step once they are done, unless they end the workflow with [`succeed`] or
//! [`fail`], as structured code does. [`parallel`] branches and a [`map`]'s item processor are
//! flows too; each runs in its own ASL scope.
//!
//! Each kind of step is a [`Step<K>`](Step) whose kind marker `K` decides which ASL fields it
//! offers: `retry` exists on Task, Parallel, Map and nested-workflow steps only, `result_path`
//! only where ASL allows a `ResultPath`, so a definition AWS would reject for a misplaced field
//! does not compile.

use serde_json::Value;

use crate::condition::Condition;
use crate::policy::{Catch, Retry};
use crate::task::Task;
use crate::workflow::Workflow;

/// Steps that run one after the other.
#[derive(Debug, Clone, Default)]
pub struct Flow {
    pub(crate) steps: Vec<Node>,
}

impl Flow {
    /// A flow without steps (add them with [`Flow::then`]; a flow must have one to compile).
    pub fn new() -> Flow {
        Flow::default()
    }

    /// Runs `step` after the steps so far: a [`Step`], a `&Task` or a `&Workflow`.
    #[must_use]
    pub fn then(mut self, step: impl Into<Node>) -> Flow {
        self.steps.push(step.into());
        self
    }
}

/// A step of any kind, as a flow holds it.
#[derive(Debug, Clone)]
pub struct Node {
    pub(crate) common: Common,
    pub(crate) kind: AnyKind,
}

/// A step under construction; `K` (see [`kind`]) is its kind and decides its methods.
#[derive(Debug, Clone)]
pub struct Step<K> {
    pub(crate) common: Common,
    pub(crate) kind: K,
}

/// The fields that several kinds of state share, each used only where its kind allows it.
#[derive(Debug, Clone)]
pub(crate) struct Common {
    pub(crate) name: String,
    pub(crate) comment: Option<String>,
    pub(crate) input_path: Option<String>,
    pub(crate) parameters: Option<Value>,
    pub(crate) result_selector: Option<Value>,
    pub(crate) result_path: Option<String>,
    pub(crate) output_path: Option<String>,
    pub(crate) retry: Vec<Retry>,
    pub(crate) catch: Vec<(Catch, Flow)>,
}

/// Every kind of step, for the compiler.
#[derive(Debug, Clone)]
pub(crate) enum AnyKind {
    Task(kind::Task),
    Parallel(kind::Parallel),
    Map(kind::Map),
    Pass(kind::Pass),
    Wait(kind::Wait),
    Choice(kind::Choice),
    Succeed(kind::Succeed),
    Fail(kind::Fail),
    Nested(kind::Nested),
}

/// How long a [`wait`] step waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delay {
    /// A number of seconds (`Seconds`).
    Seconds(u64),
    /// Until an instant (`Timestamp`).
    Until(jiff::Timestamp),
    /// The number of seconds at a path of the input (`SecondsPath`).
    SecondsPath(String),
    /// Until the RFC 3339 timestamp at a path of the input (`TimestampPath`).
    TimestampPath(String),
}

/// A step that passes its input on, optionally replaced by a fixed result (`Pass`).
pub fn pass(name: impl Into<String>) -> Step<kind::Pass> {
    Step::new(name.into(), kind::Pass { result: None })
}

/// A step that waits (`Wait`).
pub fn wait(name: impl Into<String>, delay: Delay) -> Step<kind::Wait> {
    Step::new(name.into(), kind::Wait { delay })
}

/// A step that runs the flow of the first rule whose condition holds (`Choice`); add rules with
/// [`Step::when`] and the fallback with [`Step::otherwise`].
pub fn choice(name: impl Into<String>) -> Step<kind::Choice> {
    Step::new(name.into(), kind::Choice { rules: Vec::new(), otherwise: None })
}

/// A step that runs `branches` at the same time, each on the step's input; its result is the
/// array of the branches' outputs (`Parallel`).
pub fn parallel(
    name: impl Into<String>,
    branches: impl IntoIterator<Item = Flow>,
) -> Step<kind::Parallel> {
    Step::new(name.into(), kind::Parallel { branches: branches.into_iter().collect() })
}

/// A step that runs `processor` once for each item of the array at `items_path`; its result is
/// the array of the processor's outputs (an inline `Map`).
pub fn map(
    name: impl Into<String>,
    items_path: impl Into<String>,
    processor: Flow,
) -> Step<kind::Map> {
    let map = kind::Map {
        items_path: items_path.into(),
        processor,
        max_concurrency: None,
        item_selector: None,
    };
    Step::new(name.into(), map)
}

/// A step that ends the workflow (or its branch) successfully (`Succeed`).
pub fn succeed(name: impl Into<String>) -> Step<kind::Succeed> {
    Step::new(name.into(), kind::Succeed)
}

/// A step that fails the workflow (or its branch) (`Fail`); name the error with
/// [`Step::error`].
pub fn fail(name: impl Into<String>) -> Step<kind::Fail> {
    Step::new(name.into(), kind::Fail { error: None, cause: None })
}

impl<K> Step<K> {
    pub(crate) fn new(name: String, kind: K) -> Step<K> {
        let common = Common {
            name,
            comment: None,
            input_path: None,
            parameters: None,
            result_selector: None,
            result_path: None,
            output_path: None,
            retry: Vec::new(),
            catch: Vec::new(),
        };
        Step { common, kind }
    }

    /// Renames the step (its state's name; 1 to 80 characters, unique in the workflow).
    #[must_use]
    pub fn named(mut self, name: impl Into<String>) -> Step<K> {
        self.common.name = name.into();
        self
    }

    /// A comment for people reading the definition (`Comment`).
    #[must_use]
    pub fn comment(mut self, comment: impl Into<String>) -> Step<K> {
        self.common.comment = Some(comment.into());
        self
    }
}

impl<K: kind::Filtered> Step<K> {
    /// The part of the input the step works on (`InputPath`).
    #[must_use]
    pub fn input_path(mut self, path: impl Into<String>) -> Step<K> {
        self.common.input_path = Some(path.into());
        self
    }

    /// The part of the step's output passed on (`OutputPath`).
    #[must_use]
    pub fn output_path(mut self, path: impl Into<String>) -> Step<K> {
        self.common.output_path = Some(path.into());
        self
    }
}

impl<K: kind::Shaped> Step<K> {
    /// A payload template that builds the step's effective input (`Parameters`; keys ending in
    /// `.$` take paths or intrinsic functions).
    #[must_use]
    pub fn parameters(mut self, template: Value) -> Step<K> {
        self.common.parameters = Some(template);
        self
    }

    /// Where the step's result goes in its input (`ResultPath`); without it the result
    /// replaces the input.
    #[must_use]
    pub fn result_path(mut self, path: impl Into<String>) -> Step<K> {
        self.common.result_path = Some(path.into());
        self
    }
}

impl<K: kind::Selected> Step<K> {
    /// A payload template applied to the raw result before `ResultPath` (`ResultSelector`).
    #[must_use]
    pub fn result_selector(mut self, template: Value) -> Step<K> {
        self.common.result_selector = Some(template);
        self
    }
}

impl<K: kind::Recoverable> Step<K> {
    /// Adds a `Retry` clause. A task's clauses from its declaration come after the step's, and
    /// clauses for `States.ALL` after all others, as ASL requires.
    #[must_use]
    pub fn retry(mut self, retry: Retry) -> Step<K> {
        self.common.retry.push(retry);
        self
    }

    /// Adds a `Catch` clause: errors it matches run `recovery`, which then continues after this
    /// step (unless it ends the workflow). Clauses are ordered as for [`Step::retry`].
    #[must_use]
    pub fn catch(mut self, catch: Catch, recovery: Flow) -> Step<K> {
        self.common.catch.push((catch, recovery));
        self
    }
}

impl Step<kind::Pass> {
    /// A fixed result instead of the input (`Result`).
    #[must_use]
    pub fn result(mut self, result: Value) -> Step<kind::Pass> {
        self.kind.result = Some(result);
        self
    }
}

impl Step<kind::Choice> {
    /// Runs `flow` when `condition` holds and no earlier rule's did (a `Choices` rule).
    #[must_use]
    pub fn when(mut self, condition: Condition, flow: Flow) -> Step<kind::Choice> {
        self.kind.rules.push((condition, flow));
        self
    }

    /// Runs `flow` when no rule's condition holds (`Default`). Without it, that case fails the
    /// workflow with `States.NoChoiceMatched`.
    #[must_use]
    pub fn otherwise(mut self, flow: Flow) -> Step<kind::Choice> {
        self.kind.otherwise = Some(flow);
        self
    }
}

impl Step<kind::Map> {
    /// Runs at most this many items at a time (`MaxConcurrency`; 0 means no limit).
    #[must_use]
    pub fn max_concurrency(mut self, items: u64) -> Step<kind::Map> {
        self.kind.max_concurrency = Some(items);
        self
    }

    /// A payload template that builds each item's input (`ItemSelector`; `$$.Map.Item.Value`
    /// is the item, `$` the Map's input).
    #[must_use]
    pub fn item_selector(mut self, template: Value) -> Step<kind::Map> {
        self.kind.item_selector = Some(template);
        self
    }
}

impl Step<kind::Fail> {
    /// The error name the workflow fails with (`Error`).
    #[must_use]
    pub fn error(mut self, error: impl Into<String>) -> Step<kind::Fail> {
        self.kind.error = Some(error.into());
        self
    }

    /// The cause the workflow fails with (`Cause`).
    #[must_use]
    pub fn cause(mut self, cause: impl Into<String>) -> Step<kind::Fail> {
        self.kind.cause = Some(cause.into());
        self
    }
}

/// Each kind becomes a [`Node`] as it is added to a flow.
macro_rules! into_node {
    ($($kind:ident),+) => {$(
        impl From<Step<kind::$kind>> for Node {
            fn from(step: Step<kind::$kind>) -> Node {
                Node { common: step.common, kind: AnyKind::$kind(step.kind) }
            }
        }
    )+};
}

into_node!(Task, Parallel, Map, Pass, Wait, Choice, Succeed, Fail, Nested);

impl From<&Task> for Node {
    fn from(task: &Task) -> Node {
        task.step().into()
    }
}

impl From<&Workflow> for Node {
    fn from(workflow: &Workflow) -> Node {
        workflow.step().into()
    }
}

/// The kinds of step, and the marker traits that give each kind the ASL fields it allows.
pub mod kind {
    use serde_json::Value;

    use crate::condition::Condition;
    use crate::flow::{Delay, Flow};
    use crate::workflow::Workflow;

    /// Runs a declared task handler (`Task`).
    #[derive(Debug, Clone)]
    pub struct Task {
        pub(crate) task: crate::Task,
    }

    /// Runs flows side by side (`Parallel`).
    #[derive(Debug, Clone)]
    pub struct Parallel {
        pub(crate) branches: Vec<Flow>,
    }

    /// Runs a flow for each item of an array (`Map`).
    #[derive(Debug, Clone)]
    pub struct Map {
        pub(crate) items_path: String,
        pub(crate) processor: Flow,
        pub(crate) max_concurrency: Option<u64>,
        pub(crate) item_selector: Option<Value>,
    }

    /// Passes its input on (`Pass`).
    #[derive(Debug, Clone)]
    pub struct Pass {
        pub(crate) result: Option<Value>,
    }

    /// Waits (`Wait`).
    #[derive(Debug, Clone)]
    pub struct Wait {
        pub(crate) delay: Delay,
    }

    /// Branches on conditions (`Choice`).
    #[derive(Debug, Clone)]
    pub struct Choice {
        pub(crate) rules: Vec<(Condition, Flow)>,
        pub(crate) otherwise: Option<Flow>,
    }

    /// Ends successfully (`Succeed`).
    #[derive(Debug, Clone)]
    pub struct Succeed;

    /// Fails (`Fail`).
    #[derive(Debug, Clone)]
    pub struct Fail {
        pub(crate) error: Option<String>,
        pub(crate) cause: Option<String>,
    }

    /// Runs another workflow inline: a `Parallel` with that workflow as its one branch, whose
    /// output is the nested workflow's output (see [`Workflow::step`]).
    #[derive(Debug, Clone)]
    pub struct Nested {
        pub(crate) workflow: Workflow,
    }

    mod sealed {
        /// Only this crate's kinds take the marker traits.
        pub trait Sealed {}
    }

    /// Kinds with `InputPath` and `OutputPath`.
    pub trait Filtered: sealed::Sealed {}
    /// Kinds with `Parameters` and `ResultPath`.
    pub trait Shaped: sealed::Sealed {}
    /// Kinds with `ResultSelector`.
    pub trait Selected: sealed::Sealed {}
    /// Kinds with `Retry` and `Catch`.
    pub trait Recoverable: sealed::Sealed {}

    /// Gives each kind the marker traits of the fields ASL allows on it.
    macro_rules! fields {
        ($kind:ident: $($marker:ident),*) => {
            impl sealed::Sealed for $kind {}
            $(impl $marker for $kind {})*
        };
    }

    fields!(Task: Filtered, Shaped, Selected, Recoverable);
    fields!(Parallel: Filtered, Shaped, Selected, Recoverable);
    fields!(Map: Filtered, Shaped, Selected, Recoverable);
    fields!(Pass: Filtered, Shaped);
    fields!(Wait: Filtered);
    fields!(Choice: Filtered);
    fields!(Succeed: Filtered);
    fields!(Fail:);
    // A nested workflow's Parallel uses its `OutputPath` to unwrap the one branch's output, so
    // it offers only what does not interfere with that.
    fields!(Nested: Recoverable);
}
