//! Retry and Catch clauses: what a Task, Parallel or Map step does when it fails.
//!
//! They compile to ASL's `Retry` and `Catch` arrays. Only the fields a program sets are written,
//! so the generated definition stays as short as one written by hand and AWS's defaults apply
//! to the rest (interval 1 s, 3 attempts, backoff rate 2.0).

use serde_json::{Map, Value, json};

/// The error name that matches every error (`States.ALL`).
pub const ALL_ERRORS: &str = "States.ALL";

/// A `Retry` clause: which errors to retry, how often and how long to wait between attempts.
#[derive(Debug, Clone, PartialEq)]
pub struct Retry {
    errors: Vec<String>,
    interval_seconds: Option<u64>,
    max_attempts: Option<u64>,
    backoff_rate: Option<f64>,
    max_delay_seconds: Option<u64>,
    full_jitter: bool,
}

impl Retry {
    /// Retries the errors named (ASL's `ErrorEquals`, e.g. `["Oven.Cold", "States.Timeout"]`).
    pub fn on<S: Into<String>>(errors: impl IntoIterator<Item = S>) -> Retry {
        Retry {
            errors: errors.into_iter().map(Into::into).collect(),
            interval_seconds: None,
            max_attempts: None,
            backoff_rate: None,
            max_delay_seconds: None,
            full_jitter: false,
        }
    }

    /// Retries every error (`States.ALL`).
    pub fn all() -> Retry {
        Retry::on([ALL_ERRORS])
    }

    /// Seconds before the first retry (`IntervalSeconds`).
    #[must_use]
    pub fn interval(mut self, seconds: u64) -> Retry {
        self.interval_seconds = Some(seconds);
        self
    }

    /// Retries at most this many times (`MaxAttempts`; 0 never retries).
    #[must_use]
    pub fn max_attempts(mut self, attempts: u64) -> Retry {
        self.max_attempts = Some(attempts);
        self
    }

    /// The factor each wait grows by (`BackoffRate`, at least 1.0).
    #[must_use]
    pub fn backoff_rate(mut self, rate: f64) -> Retry {
        self.backoff_rate = Some(rate);
        self
    }

    /// The longest wait between attempts (`MaxDelaySeconds`).
    #[must_use]
    pub fn max_delay(mut self, seconds: u64) -> Retry {
        self.max_delay_seconds = Some(seconds);
        self
    }

    /// Draws each wait at random between zero and its backoff (`JitterStrategy: FULL`).
    #[must_use]
    pub fn full_jitter(mut self) -> Retry {
        self.full_jitter = true;
        self
    }

    /// Whether the clause names `States.ALL` (ASL allows that only in the last clause).
    pub(crate) fn matches_all(&self) -> bool {
        self.errors.iter().any(|error| error == ALL_ERRORS)
    }

    pub(crate) fn to_json(&self) -> Value {
        let mut clause = Map::new();
        clause.insert("ErrorEquals".to_owned(), json!(self.errors));
        let fields = [
            ("IntervalSeconds", self.interval_seconds.map(Value::from)),
            ("MaxAttempts", self.max_attempts.map(Value::from)),
            ("BackoffRate", self.backoff_rate.map(Value::from)),
            ("MaxDelaySeconds", self.max_delay_seconds.map(Value::from)),
            ("JitterStrategy", self.full_jitter.then(|| Value::from("FULL"))),
        ];
        for (key, value) in fields {
            if let Some(value) = value {
                clause.insert(key.to_owned(), value);
            }
        }
        Value::Object(clause)
    }
}

/// A `Catch` clause: which errors to catch and where the error output goes. The flow that
/// handles them is given beside it (see `Step::catch`), and continues after the step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catch {
    errors: Vec<String>,
    result_path: Option<String>,
}

impl Catch {
    /// Catches the errors named (ASL's `ErrorEquals`).
    pub fn on<S: Into<String>>(errors: impl IntoIterator<Item = S>) -> Catch {
        Catch { errors: errors.into_iter().map(Into::into).collect(), result_path: None }
    }

    /// Catches every error (`States.ALL`).
    pub fn all() -> Catch {
        Catch::on([ALL_ERRORS])
    }

    /// Where the error output (`{"Error": ..., "Cause": ...}`) is placed in the step's input
    /// (`ResultPath`); without it the error output replaces the input.
    #[must_use]
    pub fn result_path(mut self, path: impl Into<String>) -> Catch {
        self.result_path = Some(path.into());
        self
    }

    /// Whether the clause names `States.ALL` (ASL allows that only in the last clause).
    pub(crate) fn matches_all(&self) -> bool {
        self.errors.iter().any(|error| error == ALL_ERRORS)
    }

    /// The clause, its `Next` being the handling flow's first state.
    pub(crate) fn to_json(&self, next: &str) -> Value {
        let mut clause = Map::new();
        clause.insert("ErrorEquals".to_owned(), json!(self.errors));
        if let Some(path) = &self.result_path {
            clause.insert("ResultPath".to_owned(), json!(path));
        }
        clause.insert("Next".to_owned(), json!(next));
        Value::Object(clause)
    }
}
