//! Evaluating a parsed expression against an input, with Step Functions' bindings.
//!
//! This is the bridge between Baton's `serde_json` values and `jsonata-core`'s evaluator: it
//! converts `$states` and the workflow variables once per [`Bindings`], registers the Step
//! Functions functions (see `functions`), bounds the evaluation ([`Limits`]) and turns the
//! result back into JSON with JSONata's `undefined` as `None`. Everything non-deterministic is
//! an input: the seed behind `$random()` and `$uuid()` is in [`Bindings`].

use std::panic::{AssertUnwindSafe, catch_unwind};

use jsonata_core::evaluator::{CancelToken, Context, Evaluator, EvaluatorOptions};
use jsonata_core::value::JValue;
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
    /// Bindings with `$states` set to `states` (an object with `input`, `context` and, where
    /// AWS provides them, `result` and `errorOutput`), no variables, default limits, and
    /// `seed` as the source of `$random()` and `$uuid()`. The caller draws a fresh seed for
    /// each evaluation from its own randomness (or from history on replay).
    pub fn new(states: &Value, seed: u64) -> Bindings {
        Bindings {
            states: Some(JValue::from(states.clone())),
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
        self.variables.push((name.to_owned(), JValue::from(value.clone())));
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
        let data = input.map_or(JValue::Undefined, |value| JValue::from(value.clone()));
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
        let mut context = Context::new();
        if let Some(states) = &bindings.states {
            context.bind("states".to_owned(), states.clone());
        }
        for (name, value) in &bindings.variables {
            context.bind(name.clone(), value.clone());
        }
        let options = EvaluatorOptions {
            timeout_ms: bindings.limits.time_budget_ms,
            cancel: bindings.limits.cancel.clone(),
            max_stack_depth: Some(bindings.limits.max_depth),
            max_sequence_length: Some(bindings.limits.max_sequence_length),
        };
        let mut evaluator = Evaluator::with_options(context, options);
        functions::register(&mut evaluator, self.used, bindings.seed, bindings.now_millis)
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
        JValue::String(text) => Value::String(text.to_string()),
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
