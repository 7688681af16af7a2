//! Choice rules of JSONPath states: whether a condition holds for a state's input.
//!
//! AWS's semantics, with their sources:
//!
//! - Each operator needs a value of its own type: "Step Functions doesn't attempt to match a
//!   numeric field to a string value." A `Variable` (or a `...Path` operand) of another type makes
//!   the comparison false, never an error; the recorded `choice_operators` cases compare every
//!   JSON type against every operator.
//! - A `Variable` or `...Path` operand that selects nothing fails the state with `States.Runtime`
//!   ("If the state input doesn't contain the `$.type` field, the execution fails and an error is
//!   displayed in the execution history"). No recorded conformance case shows the cause; its
//!   text, "Invalid path '$.x': The choice state's condition path references an invalid value.",
//!   is the one independent emulators characterised against AWS. Only `IsPresent` tests for
//!   absence, which is why AWS's example guards a comparison with
//!   `"And": [{"IsPresent": true, ...}, {...}]`: `And` and `Or` stop at the first operand that
//!   decides them, so a guarded comparison is never evaluated.
//! - Strings compare as Java's `String.compareTo` does ("To understand the behavior of string
//!   comparisons, see the Java compareTo documentation"): by UTF-16 code units, not by code points.
//! - Numbers compare as IEEE 754 doubles ("integers outside of the range [-2^53+1, 2^53-1] might
//!   fail to compare in the expected way"), so `1` equals `1.0`.
//! - Timestamps compare as instants after [`crate::timestamp::parse`]; a string that is not an
//!   ASL timestamp makes the comparison false.
//! - `StringMatches` patterns: an unescaped `*` matches any run of characters (also none); `\*`
//!   matches a literal `*` and `\\` a literal `\`. This module also lets `\` make any other
//!   character literal, and reads a trailing lone `\` as itself.

#[cfg(test)]
mod tests;

use std::cmp::Ordering;

use serde_json::Value;

use crate::model::{Comparison, ComparisonOperator, Condition, Operand};
use crate::path::{self, ErrorKind, Path, Roots};
use crate::timestamp;

/// Why a condition could not be evaluated. The interpreter reports [`Error::InvalidPath`] and
/// [`Error::Path`] as `States.Runtime` failures of the Choice state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A `Variable` or `...Path` operand selected nothing (a missing field, an undefined variable).
    #[error(
        "Invalid path '{path}': The choice state's condition path references an invalid value."
    )]
    InvalidPath {
        /// The path as written in the definition.
        path: String,
    },
    /// A path failed for another reason than selecting nothing (an aggregation over no numbers,
    /// an evaluation nested too deeply); also a `States.Runtime` failure.
    #[error(transparent)]
    Path(path::Error),
    /// A JSONata `Condition` reached the JSONPath evaluator. JSONata conditions are evaluated by
    /// the JSONata evaluator (baton-jsonata, issue 5); the interpreter dispatches them there.
    #[error("JSONata conditions are evaluated by the JSONata evaluator, not as JSONPath rules")]
    JsonataCondition,
}

/// Whether `condition` holds for the state's data in `roots` (`$` is the effective input, `$$`
/// the context object, `$name` a variable).
///
/// Evaluation walks nested `And`/`Or`/`Not` with an explicit stack rather than recursion, so a
/// deeply nested rule cannot exhaust the call stack; validation caps nesting anyway.
pub fn evaluate(condition: &Condition, roots: &Roots<'_>) -> Result<bool, Error> {
    /// A composite condition waiting for the result of one of its operands.
    enum Pending<'a> {
        And(std::slice::Iter<'a, Condition>),
        Or(std::slice::Iter<'a, Condition>),
        Not,
    }

    let mut pending: Vec<Pending<'_>> = Vec::new();
    let mut next = condition;
    loop {
        // Descend to the first comparison, remembering the composites on the way.
        let mut result = match next {
            Condition::Comparison(comparison) => compare(comparison, roots)?,
            Condition::And(operands) => {
                let mut rest = operands.iter();
                match rest.next() {
                    Some(first) => {
                        pending.push(Pending::And(rest));
                        next = first;
                        continue;
                    }
                    None => true,
                }
            }
            Condition::Or(operands) => {
                let mut rest = operands.iter();
                match rest.next() {
                    Some(first) => {
                        pending.push(Pending::Or(rest));
                        next = first;
                        continue;
                    }
                    None => false,
                }
            }
            Condition::Not(operand) => {
                pending.push(Pending::Not);
                next = operand;
                continue;
            }
            Condition::Jsonata(_) => return Err(Error::JsonataCondition),
        };
        // Ascend with the result until a composite needs its next operand.
        loop {
            let Some(composite) = pending.last_mut() else {
                return Ok(result);
            };
            let undecided_operand = match composite {
                Pending::Not => {
                    result = !result;
                    None
                }
                // `And` is decided by the first false operand, `Or` by the first true one.
                Pending::And(rest) if result => rest.next(),
                Pending::Or(rest) if !result => rest.next(),
                Pending::And(_) | Pending::Or(_) => None,
            };
            match undecided_operand {
                Some(operand) => {
                    next = operand;
                    break;
                }
                None => {
                    pending.pop();
                }
            }
        }
    }
}

/// Evaluates one `Variable`/operator/operand comparison.
fn compare(comparison: &Comparison, roots: &Roots<'_>) -> Result<bool, Error> {
    use ComparisonOperator as O;

    let value = match select(&comparison.variable, roots)? {
        Some(value) => value,
        // Only `IsPresent` may look at a path that selects nothing.
        None if comparison.operator == O::IsPresent => {
            return Ok(expected_flag(&comparison.operand) == Some(false));
        }
        None => return Err(invalid_path(&comparison.variable)),
    };
    let operand = match &comparison.operand {
        Operand::Path(path) => {
            Resolved::Json(select(path, roots)?.ok_or_else(|| invalid_path(path))?)
        }
        literal => Resolved::Literal(literal),
    };
    let holds = match comparison.operator {
        O::StringEquals => strings(&value, &operand).is_some_and(|(left, right)| left == right),
        O::StringLessThan => string_order(&value, &operand).is_some_and(Ordering::is_lt),
        O::StringGreaterThan => string_order(&value, &operand).is_some_and(Ordering::is_gt),
        O::StringLessThanEquals => string_order(&value, &operand).is_some_and(Ordering::is_le),
        O::StringGreaterThanEquals => string_order(&value, &operand).is_some_and(Ordering::is_ge),
        O::StringMatches => strings(&value, &operand)
            .is_some_and(|(subject, pattern)| wildcard_matches(pattern, subject)),
        O::NumericEquals => numeric_order(&value, &operand).is_some_and(Ordering::is_eq),
        O::NumericLessThan => numeric_order(&value, &operand).is_some_and(Ordering::is_lt),
        O::NumericGreaterThan => numeric_order(&value, &operand).is_some_and(Ordering::is_gt),
        O::NumericLessThanEquals => numeric_order(&value, &operand).is_some_and(Ordering::is_le),
        O::NumericGreaterThanEquals => numeric_order(&value, &operand).is_some_and(Ordering::is_ge),
        O::BooleanEquals => value.as_bool().is_some_and(|left| operand.as_bool() == Some(left)),
        O::TimestampEquals => timestamp_order(&value, &operand).is_some_and(Ordering::is_eq),
        O::TimestampLessThan => timestamp_order(&value, &operand).is_some_and(Ordering::is_lt),
        O::TimestampGreaterThan => timestamp_order(&value, &operand).is_some_and(Ordering::is_gt),
        O::TimestampLessThanEquals => {
            timestamp_order(&value, &operand).is_some_and(Ordering::is_le)
        }
        O::TimestampGreaterThanEquals => {
            timestamp_order(&value, &operand).is_some_and(Ordering::is_ge)
        }
        O::IsNull => operand.as_bool() == Some(value.is_null()),
        O::IsNumeric => operand.as_bool() == Some(value.is_number()),
        O::IsString => operand.as_bool() == Some(value.is_string()),
        O::IsBoolean => operand.as_bool() == Some(value.is_boolean()),
        O::IsTimestamp => {
            let is_timestamp = value.as_str().and_then(timestamp::parse).is_some();
            operand.as_bool() == Some(is_timestamp)
        }
        O::IsPresent => operand.as_bool() == Some(true),
    };
    Ok(holds)
}

/// The `true`/`false` a type test (`IsPresent`, `IsNull`, ...) expects.
fn expected_flag(operand: &Operand) -> Option<bool> {
    match operand {
        Operand::Boolean(flag) => Some(*flag),
        Operand::String(_) | Operand::Number(_) | Operand::Timestamp(_) | Operand::Path(_) => None,
    }
}

/// The value `path` selects, `None` if it selects nothing, or the error of a path that failed
/// for another reason.
fn select(path: &Path, roots: &Roots<'_>) -> Result<Option<Value>, Error> {
    match path.evaluate(roots) {
        Ok(value) => Ok(Some(value)),
        Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
        Err(error) => Err(Error::Path(error)),
    }
}

fn invalid_path(path: &Path) -> Error {
    Error::InvalidPath { path: path.text().to_owned() }
}

/// The right-hand side of a comparison: the literal from the definition, or the value a
/// `...Path` operand selected.
enum Resolved<'a> {
    Literal(&'a Operand),
    Json(Value),
}

impl Resolved<'_> {
    fn as_str(&self) -> Option<&str> {
        match self {
            Resolved::Literal(Operand::String(text) | Operand::Timestamp(text)) => Some(text),
            Resolved::Literal(_) => None,
            Resolved::Json(value) => value.as_str(),
        }
    }

    fn as_f64(&self) -> Option<f64> {
        match self {
            Resolved::Literal(Operand::Number(number)) => Some(*number),
            Resolved::Literal(_) => None,
            Resolved::Json(value) => value.as_f64(),
        }
    }

    fn as_bool(&self) -> Option<bool> {
        match self {
            Resolved::Literal(operand) => expected_flag(operand),
            Resolved::Json(value) => value.as_bool(),
        }
    }
}

fn strings<'a>(value: &'a Value, operand: &'a Resolved<'_>) -> Option<(&'a str, &'a str)> {
    Some((value.as_str()?, operand.as_str()?))
}

/// Java's `String.compareTo`: lexicographic over UTF-16 code units.
fn string_order(value: &Value, operand: &Resolved<'_>) -> Option<Ordering> {
    let (left, right) = strings(value, operand)?;
    Some(left.encode_utf16().cmp(right.encode_utf16()))
}

fn numeric_order(value: &Value, operand: &Resolved<'_>) -> Option<Ordering> {
    // `as_f64` is `None` for non-numbers; JSON numbers are never NaN, so `partial_cmp` succeeds.
    value.as_f64()?.partial_cmp(&operand.as_f64()?)
}

fn timestamp_order(value: &Value, operand: &Resolved<'_>) -> Option<Ordering> {
    let (left, right) = strings(value, operand)?;
    Some(timestamp::parse(left)?.cmp(&timestamp::parse(right)?))
}

/// One element of a `StringMatches` pattern.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Token {
    /// An unescaped `*`: any run of characters, including none.
    Star,
    /// A character that must appear as is.
    Literal(char),
}

/// Whether `subject` matches the `StringMatches` `pattern` (see the module documentation).
fn wildcard_matches(pattern: &str, subject: &str) -> bool {
    let tokens = tokenize(pattern);
    let subject: Vec<char> = subject.chars().collect();
    // Greedy matching that backtracks only to the most recent star: linear in the common cases,
    // and at most pattern length × subject length.
    let (mut token_index, mut subject_index) = (0, 0);
    let mut last_star: Option<(usize, usize)> = None;
    while let Some(&character) = subject.get(subject_index) {
        match tokens.get(token_index) {
            Some(Token::Star) => {
                last_star = Some((token_index + 1, subject_index));
                token_index += 1;
            }
            Some(Token::Literal(expected)) if *expected == character => {
                token_index += 1;
                subject_index += 1;
            }
            _ => match last_star {
                // Let the last star swallow one more character and retry from there.
                Some((after_star, star_start)) => {
                    last_star = Some((after_star, star_start + 1));
                    token_index = after_star;
                    subject_index = star_start + 1;
                }
                None => return false,
            },
        }
    }
    tokens.get(token_index..).is_some_and(|rest| rest.iter().all(|token| *token == Token::Star))
}

fn tokenize(pattern: &str) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(pattern.len());
    let mut characters = pattern.chars();
    while let Some(character) = characters.next() {
        tokens.push(match character {
            '*' => Token::Star,
            '\\' => Token::Literal(characters.next().unwrap_or('\\')),
            other => Token::Literal(other),
        });
    }
    tokens
}
