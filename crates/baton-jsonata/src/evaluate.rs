//! Evaluating a parsed expression against an input, with Step Functions' bindings.
//!
//! This is the bridge between Baton's `serde_json` values and `jsonata-core`'s evaluator: it
//! converts `$states` and the workflow variables once per [`Bindings`], registers the Step
//! Functions functions (see `functions`), bounds the evaluation ([`Limits`]) and turns the
//! result back into JSON with JSONata's `undefined` as `None`. Everything non-deterministic is
//! an input: the seed behind `$random()` and `$uuid()` is in [`Bindings`].
//!
//! Converting the input is most of the cost of a typical evaluation (about 30 µs for an order
//! with 20 line items, against under a microsecond for `$states.input.order.id` itself), and
//! Step Functions expressions rarely read it: they start from `$states` or a variable, because
//! AWS rejects top-level `$` paths. So the input is converted only when the expression may read
//! it (`reads_context`); otherwise the evaluator gets a stand-in of the same kind.

use std::panic::{AssertUnwindSafe, catch_unwind};

use jsonata_core::ast::{AstNode, BinaryOp, PathStep, Stage};
use jsonata_core::evaluator::{CancelToken, Context, Evaluator, EvaluatorOptions};
use jsonata_core::value::{JArray, JValue};
use serde_json::Value;

use crate::{Expression, functions};

/// Deepest evaluation stack an expression may use by default before it fails with `D1011`.
/// jsonata-core's own ceiling is 30,000 levels (about 10,000 nested calls); Step Functions
/// expressions are small, so a tighter default keeps a runaway recursion cheap.
pub const DEFAULT_MAX_DEPTH: usize = 5_000;

/// Longest sequence (map, filter, range...) an expression may build by default before it fails
/// with `D2015`. It bounds memory (a sequence item is a few dozen bytes) while still allowing the
/// reference suite's `$count([1..10000000])`: an aggregate of a long sequence can be small.
pub const DEFAULT_MAX_SEQUENCE_LENGTH: usize = 10_000_000;

/// Deepest JSON value an evaluation may return. Deeper results (which a recursive function can
/// build) fail instead of recursing without bound while converting them.
pub const MAX_RESULT_DEPTH: usize = 1_000;

/// How far an evaluation may go before it is stopped with an error.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Maximum evaluation stack depth (`D1011` beyond it).
    pub max_depth: usize,
    /// Maximum length of a sequence built during evaluation (`D2015` beyond it).
    pub max_sequence_length: usize,
    /// Wall-clock budget in milliseconds (`D1012` beyond it). `None` (the default) keeps the
    /// evaluation free of any clock read; set it only in a shell that accepts that.
    pub time_budget_ms: Option<u64>,
    /// A token the caller may trip from another thread (for example on a timer it owns) to stop
    /// the evaluation with `U1003`. This keeps time out of the pure core.
    pub cancel: Option<CancelToken>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: DEFAULT_MAX_DEPTH,
            max_sequence_length: DEFAULT_MAX_SEQUENCE_LENGTH,
            time_budget_ms: None,
            cancel: None,
        }
    }
}

/// What an expression can see besides its input: `$states`, the workflow variables, the seed for
/// `$random()`/`$uuid()`, and the evaluation limits.
///
/// The values are converted to the evaluator's representation once, here, so that every
/// expression of a state shares one conversion (converting `$states` costs more than
/// evaluating a typical expression). Because of that representation, `Bindings` is not `Send`:
/// build it on the thread that evaluates.
pub struct Bindings {
    states: Option<JValue>,
    variables: Vec<(String, JValue)>,
    seed: u64,
    now_millis: Option<i64>,
    limits: Limits,
}

impl Bindings {
    /// The value bound to `$name`: the last variable of that name, else `$states`.
    fn lookup(&self, name: &str) -> Option<&JValue> {
        match self.variables.iter().rev().find(|(bound, _)| bound == name) {
            Some((_, value)) => Some(value),
            None if name == "states" => self.states.as_ref(),
            None => None,
        }
    }

    /// Bindings with `$states` set to `states` (an object with `input`, `context` and, where
    /// AWS provides them, `result` and `errorOutput`), no variables, default limits, and
    /// `seed` as the source of `$random()` and `$uuid()`. The caller draws a fresh seed for
    /// each evaluation from its own randomness (or from history on replay).
    pub fn new(states: &Value, seed: u64) -> Bindings {
        Bindings {
            states: Some(to_jvalue(states)),
            variables: Vec::new(),
            seed,
            now_millis: None,
            limits: Limits::default(),
        }
    }

    /// Bindings without `$states`, as plain JSONata has (used by the reference test suite).
    pub fn without_states(seed: u64) -> Bindings {
        Bindings {
            states: None,
            variables: Vec::new(),
            seed,
            now_millis: None,
            limits: Limits::default(),
        }
    }

    /// Binds the workflow variable `$name` to `value`. A later binding of the same name wins.
    pub fn with_variable(mut self, name: &str, value: &Value) -> Bindings {
        self.variables.push((name.to_owned(), to_jvalue(value)));
        self
    }

    /// Makes `$now()` and `$millis()` return this instant (milliseconds since the Unix epoch)
    /// instead of reading the clock, so that an evaluation is a function of its inputs. The
    /// caller takes the instant from the event being processed.
    pub fn with_clock(mut self, now_millis: i64) -> Bindings {
        self.now_millis = Some(now_millis);
        self
    }

    /// Replaces the evaluation limits.
    pub fn with_limits(mut self, limits: Limits) -> Bindings {
        self.limits = limits;
        self
    }
}

/// Why an evaluation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvaluationError {
    /// JSONata raised an error. `message` starts with the code when there is one
    /// (`T1006: Attempted to invoke a non-function`), which is the text AWS puts at the end of
    /// its `States.QueryEvaluationError` cause.
    #[error("{message}")]
    Failed {
        /// The JSONata error code (`T1006`, `D3030`, ...), when the error has one.
        code: Option<String>,
        /// The full message, code included.
        message: String,
    },
    /// The expression returned a function or a regular expression, which JSON cannot hold
    /// (AWS: "returned an unsupported result type").
    #[error("the expression returned an unsupported result type")]
    UnsupportedResult,
    /// The result is nested deeper than [`MAX_RESULT_DEPTH`].
    #[error("the result is nested deeper than {MAX_RESULT_DEPTH} levels")]
    ResultTooDeep,
}

impl EvaluationError {
    fn failed(raw: &str) -> EvaluationError {
        let (code, message) = crate::coded_message(raw);
        EvaluationError::Failed { code, message }
    }
}

impl Expression {
    /// Evaluates the expression against `input` (JSONata's `$`). `Ok(None)` is JSONata's
    /// `undefined` (the expression returned nothing).
    ///
    /// The evaluator runs inside `catch_unwind`: jsonata-core has known panics in date picture
    /// formatting, and a panic must fail this one evaluation, not the engine.
    pub fn evaluate(
        &self,
        input: &Value,
        bindings: &Bindings,
    ) -> Result<Option<Value>, EvaluationError> {
        self.evaluate_input(Some(input), bindings)
    }

    /// Like [`Expression::evaluate`], with `None` meaning the input itself is `undefined`
    /// (which the reference test suite uses; Step Functions always has an input).
    pub fn evaluate_input(
        &self,
        input: Option<&Value>,
        bindings: &Bindings,
    ) -> Result<Option<Value>, EvaluationError> {
        if let Some(value) = plain_path(&self.ast, bindings) {
            return to_json(value, 0).map(Some);
        }
        let data = match input {
            None => JValue::Undefined,
            // One object stands for another wherever the expression cannot look inside it:
            // both are a single item to every construct that iterates over its context.
            Some(Value::Object(_)) if !self.shape().reads_input => {
                JValue::object(std::iter::empty().collect())
            }
            Some(value) => to_jvalue(value),
        };
        let outcome = catch_unwind(AssertUnwindSafe(|| self.run(&data, bindings)));
        match outcome {
            Ok(result) => result,
            Err(_) => Err(EvaluationError::Failed {
                code: None,
                message: "the JSONata evaluator failed on this expression".to_owned(),
            }),
        }
    }

    fn run(&self, data: &JValue, bindings: &Bindings) -> Result<Option<Value>, EvaluationError> {
        // Only the names the expression mentions are bound: binding costs more than evaluating
        // a short path, and a name the expression does not mention cannot be reached (`$eval`,
        // the only way to build a reference from a string, is removed).
        let shape = self.shape();
        let mut context = Context::new();
        if let Some(states) = &bindings.states
            && shape.names("states")
        {
            context.bind("states".to_owned(), states.clone());
        }
        for (name, value) in &bindings.variables {
            if shape.names(name) {
                context.bind(name.clone(), value.clone());
            }
        }
        let options = EvaluatorOptions {
            timeout_ms: bindings.limits.time_budget_ms,
            cancel: bindings.limits.cancel.clone(),
            max_stack_depth: Some(bindings.limits.max_depth),
            max_sequence_length: Some(bindings.limits.max_sequence_length),
        };
        let mut evaluator = Evaluator::with_options(context, options);
        functions::register(&mut evaluator, &self.used, bindings.seed, bindings.now_millis)
            .map_err(|error| EvaluationError::failed(error.message()))?;
        let result = evaluator
            .evaluate(&self.ast, data)
            .map_err(|error| EvaluationError::failed(error.message()))?;
        match result {
            JValue::Undefined => Ok(None),
            JValue::Lambda(_) | JValue::Builtin { .. } | JValue::Regex { .. } => {
                Err(EvaluationError::UnsupportedResult)
            }
            value => to_json(&value, 0).map(Some),
        }
    }
}

/// What evaluation needs to know about an expression beyond its AST, worked out once per
/// expression (on its first evaluation) and kept with it.
#[derive(Debug, Clone)]
pub(crate) struct Shape {
    /// Whether the expression may read its input (`reads_context`).
    reads_input: bool,
    /// The names the expression mentions (`collect_names`), sorted and without repeats.
    names: Vec<String>,
}

impl Shape {
    fn of(ast: &AstNode) -> Shape {
        let mut names = Vec::new();
        collect_names(ast, &mut names);
        let mut names: Vec<String> = names.into_iter().map(str::to_owned).collect();
        names.sort_unstable();
        names.dedup();
        Shape { reads_input: reads_context(ast, true), names }
    }

    /// Whether the expression mentions `$name`.
    fn names(&self, name: &str) -> bool {
        self.names.binary_search_by(|known| known.as_str().cmp(name)).is_ok()
    }
}

impl Expression {
    fn shape(&self) -> &Shape {
        self.used.shape.get_or_init(|| Shape::of(&self.ast))
    }
}

/// Converts an evaluation result to JSON the way `JSON.stringify` does, which is what AWS
/// records: integral numbers print without a fraction, `undefined` and functions vanish from
/// objects and become `null` in arrays.
fn to_json(value: &JValue, depth: usize) -> Result<Value, EvaluationError> {
    if depth > MAX_RESULT_DEPTH {
        return Err(EvaluationError::ResultTooDeep);
    }
    Ok(match value {
        JValue::Bool(flag) => Value::Bool(*flag),
        JValue::Number(number) => number_to_json(*number),
        JValue::String(text) => Value::String(String::from(&**text)),
        JValue::Array(items) => Value::Array(
            items.iter().map(|item| to_json(item, depth + 1)).collect::<Result<_, _>>()?,
        ),
        JValue::Object(fields) => {
            let mut object = serde_json::Map::with_capacity(fields.len());
            for (key, field) in fields.iter() {
                if !is_invisible(field) {
                    object.insert(key.clone(), to_json(field, depth + 1)?);
                }
            }
            Value::Object(object)
        }
        // Null, and what JSON.stringify writes as null inside an array.
        _ => Value::Null,
    })
}

/// Whether `JSON.stringify` leaves this object field out.
fn is_invisible(value: &JValue) -> bool {
    matches!(
        value,
        JValue::Undefined | JValue::Lambda(_) | JValue::Builtin { .. } | JValue::Regex { .. }
    )
}

/// Largest integer a double holds exactly; integral numbers up to it print as integers.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// A JSONata number as JSON: integral values in the exactly representable range become integers
/// (`1`, not `1.0`), non-finite values become `null` as in `JSON.stringify`.
fn number_to_json(number: f64) -> Value {
    if !number.is_finite() {
        Value::Null
    } else if number.fract() == 0.0 && number.abs() <= MAX_SAFE_INTEGER {
        // The range check above makes this conversion exact.
        Value::from(number as i64)
    } else {
        serde_json::Number::from_f64(number).map_or(Value::Null, Value::Number)
    }
}

/// `value` in the evaluator's representation. Written out rather than `JValue::from(value.clone())`
/// so that the JSON tree is not copied once more on the way.
fn to_jvalue(value: &Value) -> JValue {
    match value {
        Value::Null => JValue::Null,
        Value::Bool(flag) => JValue::Bool(*flag),
        // As jsonata-core's own conversion does: every JSON number is a double.
        Value::Number(number) => JValue::Number(number.as_f64().unwrap_or(0.0)),
        Value::String(text) => JValue::from(text.as_str()),
        Value::Array(items) => {
            // An array of no arrays lets a path step take it without flattening.
            let flat = !items.iter().any(Value::is_array);
            JValue::Array(JArray::new_flat(items.iter().map(to_jvalue).collect(), flat))
        }
        Value::Object(fields) => JValue::object(
            fields.iter().map(|(key, field)| (key.clone(), to_jvalue(field))).collect(),
        ),
    }
}

/// The value of a path made of a bound variable and field names only
/// (`$states.input.order.id`), when each step lands on a field of an object and the value is
/// not an array. That is the most common Step Functions expression, and this answers it
/// without starting the evaluator. Anything else (`None`) goes through the evaluator, which
/// handles arrays (mapping and flattening), missing fields, predicates and the rest.
fn plain_path<'a>(ast: &AstNode, bindings: &'a Bindings) -> Option<&'a JValue> {
    let AstNode::Path { steps } = ast else {
        return None;
    };
    let plain = |step: &PathStep| {
        step.stages.is_empty()
            && step.focus.is_none()
            && step.index_var.is_none()
            && step.ancestor_label.is_none()
            && !step.is_tuple
            && !step.inner_tuple
    };
    if !steps.iter().all(plain) {
        return None;
    }
    let (first, fields) = steps.split_first()?;
    let AstNode::Variable(name) = &first.node else {
        return None;
    };
    // `$` alone is the context, not a variable.
    if name.is_empty() {
        return None;
    }
    let mut value = bindings.lookup(name)?;
    for step in fields {
        let (AstNode::Name(field), JValue::Object(object)) = (&step.node, value) else {
            return None;
        };
        value = object.get(field.as_str())?;
    }
    match value {
        JValue::Null | JValue::Bool(_) | JValue::Number(_) | JValue::String(_) => Some(value),
        JValue::Object(_) => Some(value),
        _ => None,
    }
}

/// Pushes onto `names` every name `node` mentions as a variable (`$name`), as a function
/// (`$name(...)`) or as a binding (`@$name`, `#$name`), with repeats.
fn collect_names<'a>(node: &'a AstNode, names: &mut Vec<&'a str>) {
    let all = |nodes: &'a [AstNode], names: &mut Vec<&'a str>| {
        nodes.iter().for_each(|node| collect_names(node, names));
    };
    match node {
        AstNode::Variable(name) | AstNode::ParentVariable(name) => names.push(name),
        AstNode::String(_)
        | AstNode::Name(_)
        | AstNode::Number(_)
        | AstNode::Boolean(_)
        | AstNode::Null
        | AstNode::Undefined
        | AstNode::Placeholder
        | AstNode::Regex { .. }
        | AstNode::Wildcard
        | AstNode::Descendant
        | AstNode::Parent(_) => {}
        AstNode::Path { steps } => {
            for step in steps {
                collect_names(&step.node, names);
                names.extend(step.focus.as_deref());
                names.extend(step.index_var.as_deref());
                for stage in &step.stages {
                    match stage {
                        Stage::Filter(filter) => collect_names(filter, names),
                        Stage::Index(name) => names.push(name),
                        Stage::KeepArray => {}
                    }
                }
            }
        }
        AstNode::Binary { lhs, rhs, .. } => {
            collect_names(lhs, names);
            collect_names(rhs, names);
        }
        AstNode::Unary { operand, .. } => collect_names(operand, names),
        AstNode::Function { name, args, .. } => {
            names.push(name);
            all(args, names);
        }
        AstNode::Call { procedure, args } => {
            collect_names(procedure, names);
            all(args, names);
        }
        AstNode::Lambda { body, .. } | AstNode::FunctionApplication(body) => {
            collect_names(body, names);
        }
        AstNode::Array(items) | AstNode::Block(items) | AstNode::ArrayGroup(items) => {
            all(items, names);
        }
        AstNode::Object(pairs) => {
            for (key, value) in pairs {
                collect_names(key, names);
                collect_names(value, names);
            }
        }
        AstNode::ObjectTransform { input, pattern } => {
            collect_names(input, names);
            for (key, value) in pattern {
                collect_names(key, names);
                collect_names(value, names);
            }
        }
        AstNode::Sort { input, terms } => {
            collect_names(input, names);
            terms.iter().for_each(|(term, _)| collect_names(term, names));
        }
        AstNode::Conditional { condition, then_branch, else_branch } => {
            collect_names(condition, names);
            collect_names(then_branch, names);
            if let Some(branch) = else_branch {
                collect_names(branch, names);
            }
        }
        AstNode::Transform { location, update, delete } => {
            collect_names(location, names);
            collect_names(update, names);
            if let Some(delete) = delete {
                collect_names(delete, names);
            }
        }
    }
}

/// Functions that never read the context value: built-ins whose signature has no `-` parameter,
/// and the Step Functions functions. Sorted, for `binary_search`.
const CONTEXT_FREE_FUNCTIONS: [&str; 29] = [
    "append",
    "assert",
    "average",
    "count",
    "distinct",
    "error",
    "exists",
    "filter",
    "hash",
    "join",
    "map",
    "max",
    "merge",
    "millis",
    "min",
    "now",
    "parse",
    "partition",
    "random",
    "range",
    "reduce",
    "reverse",
    "shuffle",
    "single",
    "sort",
    "sum",
    "type",
    "uuid",
    "zip",
];

/// Built-ins with a `-` parameter (jsonata-core 2.2.13's `BUILTINS` table), with their number
/// of parameters: called with fewer arguments, they take the missing one from the context.
/// Sorted by name, for `binary_search`.
const CONTEXT_DEFAULTING_FUNCTIONS: [(&str, usize); 39] = [
    ("abs", 1),
    ("base64decode", 1),
    ("base64encode", 1),
    ("boolean", 1),
    ("ceil", 1),
    ("contains", 2),
    ("decodeUrl", 1),
    ("decodeUrlComponent", 1),
    ("each", 2),
    ("encodeUrl", 1),
    ("encodeUrlComponent", 1),
    ("floor", 1),
    ("formatBase", 2),
    ("formatInteger", 2),
    ("formatNumber", 3),
    ("fromMillis", 3),
    ("keys", 1),
    ("length", 1),
    ("lookup", 2),
    ("lowercase", 1),
    ("match", 3),
    ("not", 1),
    ("number", 1),
    ("pad", 3),
    ("parseInteger", 2),
    ("power", 2),
    ("replace", 4),
    ("round", 2),
    ("sift", 2),
    ("split", 3),
    ("spread", 1),
    ("sqrt", 1),
    ("string", 1),
    ("substring", 3),
    ("substringAfter", 2),
    ("substringBefore", 2),
    ("toMillis", 2),
    ("trim", 1),
    ("uppercase", 1),
];

/// Whether a call of `$name` with `arguments` arguments may read the context. Names in neither
/// table (user functions, `$eval`) are assumed to.
fn call_reads_context(name: &str, arguments: usize) -> bool {
    if CONTEXT_FREE_FUNCTIONS.binary_search(&name).is_ok() {
        return false;
    }
    defaulting_parameters(name).is_none_or(|parameters| arguments < parameters)
}

/// The number of parameters of `name` when it is a built-in with a `-` parameter.
fn defaulting_parameters(name: &str) -> Option<usize> {
    let index =
        CONTEXT_DEFAULTING_FUNCTIONS.binary_search_by_key(&name, |(known, _)| known).ok()?;
    Some(CONTEXT_DEFAULTING_FUNCTIONS[index].1)
}

/// Whether evaluating `node` may look inside the evaluation's input: with `at_input` when the
/// context `node` is evaluated against is the input itself, otherwise when it is a value taken
/// from somewhere (a path step's items, a variable) and only `$$` and the parent operators can
/// reach the input.
///
/// It errs on the side of "yes": the node kinds it does not reason about (`%`, tuple bindings,
/// transforms, `@`/`#` markers) count as reading, and so does a function defined where the
/// context is the input, if its body reads its context (a lambda keeps the context it was
/// defined in).
fn reads_context(node: &AstNode, at_input: bool) -> bool {
    let any = |nodes: &[AstNode]| nodes.iter().any(|node| reads_context(node, at_input));
    match node {
        AstNode::String(_)
        | AstNode::Number(_)
        | AstNode::Boolean(_)
        | AstNode::Null
        | AstNode::Undefined
        | AstNode::Regex { .. } => false,
        // `$` is the context; a context-defaulting built-in passed as a value may be called
        // without arguments; any other name is a variable or a function.
        AstNode::Variable(name) => {
            at_input && (name.is_empty() || defaulting_parameters(name).is_some())
        }
        AstNode::Name(_) | AstNode::Wildcard | AstNode::Descendant | AstNode::Placeholder => {
            at_input
        }
        AstNode::ParentVariable(_) | AstNode::Parent(_) | AstNode::Transform { .. } => true,
        AstNode::Path { steps } => steps.iter().enumerate().any(|(index, step)| {
            step.focus.is_some()
                || step.index_var.is_some()
                || step.ancestor_label.is_some()
                || step.is_tuple
                || step.inner_tuple
                // Only the first step sees the path's context; later ones see the items
                // before them, and stages see the items of their step.
                || reads_context(&step.node, at_input && index == 0)
                || step.stages.iter().any(|stage| match stage {
                    Stage::Filter(filter) => reads_context(filter, false),
                    Stage::KeepArray => false,
                    Stage::Index(_) => true,
                })
        }),
        AstNode::Binary { op, lhs, rhs } => {
            matches!(op, BinaryOp::FocusBind | BinaryOp::IndexBind)
                || reads_context(lhs, at_input)
                || reads_context(rhs, at_input)
        }
        AstNode::Unary { operand, .. } => reads_context(operand, at_input),
        AstNode::Function { name, args, .. } => {
            (at_input && call_reads_context(name, args.len())) || any(args)
        }
        AstNode::Call { procedure, args } => reads_context(procedure, at_input) || any(args),
        AstNode::Lambda { body, signature, .. } => {
            signature.as_deref().is_some_and(|signature| signature.contains('-'))
                || reads_context(body, at_input)
        }
        // `.(expression)` and `.[items]` evaluate against the step's context like any node.
        AstNode::FunctionApplication(expression) => reads_context(expression, at_input),
        AstNode::Array(items) | AstNode::Block(items) | AstNode::ArrayGroup(items) => any(items),
        AstNode::Object(pairs) => pairs
            .iter()
            .any(|(key, value)| reads_context(key, at_input) || reads_context(value, at_input)),
        // `input{key: value}` and `input^(term)` evaluate the pattern and the terms against the
        // items of `input`.
        AstNode::ObjectTransform { input, pattern } => {
            reads_context(input, at_input)
                || pattern
                    .iter()
                    .any(|(key, value)| reads_context(key, false) || reads_context(value, false))
        }
        AstNode::Sort { input, terms } => {
            reads_context(input, at_input)
                || terms.iter().any(|(term, _)| reads_context(term, false))
        }
        AstNode::Conditional { condition, then_branch, else_branch } => {
            reads_context(condition, at_input)
                || reads_context(then_branch, at_input)
                || else_branch.as_deref().is_some_and(|branch| reads_context(branch, at_input))
        }
    }
}

/// The shortcuts of this module against the evaluator's full path: `reads_context` may only
/// say "no" when the input cannot matter, and `plain_path` must agree with the evaluator.
#[cfg(test)]
mod shortcuts {
    use serde_json::json;

    use super::{Bindings, Expression, reads_context, to_jvalue};

    /// For each `(expression, reads)` row: whether `reads_context` says the expression may read
    /// its input, and whether `Expression::evaluate` (with its shortcuts) gives what the
    /// evaluator gives with the real input. Reports every row that differs.
    fn check(rows: &[(&str, bool)]) {
        let input = json!({
            "name": "top",
            "order": {"id": "o-1", "items": [{"price": 5, "name": "a"}, {"price": 20, "name": "b"}]},
            "limit": 10,
            "tags": ["x"],
            "empty": null,
        });
        let states = json!({"input": input, "context": {"Execution": {"Name": "run"}}});
        let bindings = Bindings::new(&states, 1)
            .with_variable("threshold", &json!(7))
            .with_variable("list", &json!([1, 2]))
            .with_variable("threshold", &json!(8));
        let mut wrong = Vec::new();
        for (text, reads) in rows {
            let expression = Expression::parse(text).expect("test expressions parse");
            let said = reads_context(&expression.ast, true);
            let shortcut = expression.evaluate(&input, &bindings);
            let full = expression.run(&to_jvalue(&input), &bindings);
            if said != *reads || shortcut != full {
                wrong.push(format!("{text}: reads {said}, {shortcut:?} against {full:?}"));
            }
        }
        assert!(wrong.is_empty(), "{} rows differ:\n{}", wrong.len(), wrong.join("\n"));
    }

    #[test]
    fn shortcuts_agree_with_the_evaluator() {
        check(&[
            ("$states.input.order.id", false),
            ("$states.input.order", false),
            ("$states.input.order.items", false),
            ("$states.input.tags", false),
            ("$states.input.empty", false),
            ("$states.input.missing.field", false),
            ("$states.context.Execution.Name", false),
            ("$threshold", false),
            ("$list", false),
            ("$states.input.order.items[price > 10].name", false),
            ("$states.input.order.items[price > $$.limit].name", true),
            ("$sum($states.input.order.items.(price * 2))", false),
            ("$states.input.order.items{name: $sum(price)}", false),
            ("$states.input.order.items^(>price).name", false),
            ("$map($states.input.order.items, function($item) { $item.name })", false),
            ("$map($states.input.order.items, function($item) { name })", true),
            ("{\"id\": $states.input.order.id, \"n\": $count($states.input.order.items)}", false),
            ("{\"id\": order.id}", true),
            ("$string($states.input.limit) & $uppercase($states.input.name)", false),
            ("$string()", true),
            ("$substring(\"abcdef\", 2)", true),
            ("$lookup($states.input.order, \"id\")", false),
            ("$merge([$states.input.order, {\"x\": 1}])", false),
            ("$states.input.limit > $threshold ? \"high\" : \"low\"", false),
            ("name", true),
            ("$", true),
            ("$$", true),
            ("$.name", true),
            ("order.items[0].name", true),
            ("($f := function() { name }; $f())", true),
            ("($x := $states.input.limit; $x * 2)", false),
            ("[$states.input.name, $states.context.Execution.Name]", false),
            ("$states.input.name ~> $uppercase()", true),
            ("*", true),
            ("**.price", true),
        ]);
    }
}
