//! JSONata for Step Functions.
//!
//! The crate parses expressions so that `baton-asl` can report syntax errors at validation time,
//! with the JSONata error code in the message as AWS does, and evaluates them
//! ([`Expression::evaluate`]) with the `$states` binding, workflow variables and the functions
//! Step Functions adds. The parser and evaluator are `jsonata-core`'s, chosen on evidence
//! (../shared/DEPENDENCIES.md); they are wrapped here so the rest of Baton never names them.
//!
//! Covered:
//! - the JSONata language as jsonata-core implements it; `tests/suite.rs` runs the reference
//!   suite through this crate's API and reports each case it misses;
//! - `$partition`, `$range`, `$hash`, `$random([seed])`, `$uuid`, `$parse`, with integer
//!   parameters rounded down; `$eval` fails with `T1006` as on AWS;
//! - bounded evaluation ([`Limits`]: stack depth, sequence length, an optional time budget and a
//!   cancel token), and panics in the evaluator turned into errors.
//!
//! Not covered:
//! - `$now()` and `$millis()` read the instant given to [`Bindings::with_clock`]; without one,
//!   and in `$toMillis` with a picture (which fills missing fields from today), jsonata-core
//!   reads the real clock;
//! - `$now(picture, timezone)`: jsonata-core's `$now` takes no arguments (`T0410`), unlike
//!   jsonata-js; `$fromMillis($millis(), picture, timezone)` gives the same text;
//! - regular expressions use the `regex` crate, so lookaround and backreferences are errors;
//! - the error texts of the Step Functions functions on bad arguments are Baton's own (AWS
//!   does not document them); type errors use JSONata's `T0410`.

mod evaluate;
mod functions;

pub use evaluate::{
    Bindings, DEFAULT_MAX_DEPTH, DEFAULT_MAX_SEQUENCE_LENGTH, EvaluationError, Limits,
    MAX_RESULT_DEPTH,
};
pub use functions::MAX_RANGE_ITEMS;
/// Trips an evaluation from outside (see [`Limits::cancel`]).
pub use jsonata_core::evaluator::CancelToken;

use std::panic::{AssertUnwindSafe, catch_unwind};

/// A parsed JSONata expression.
#[derive(Debug, Clone)]
pub struct Expression {
    ast: jsonata_core::ast::AstNode,
    /// The Step Functions functions (and replaced built-ins) the expression names.
    used: functions::Used,
}

/// Why an expression could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SyntaxError {
    /// The JSONata error code (`S0202`, ...), when the parser gave one.
    pub code: Option<String>,
    /// The message, starting with the JSONata error code (for example `S0202: ...`) when the
    /// parser gave one.
    pub message: String,
}

impl Expression {
    /// Parses `text` (the part between `{%` and `%}`).
    ///
    /// The parser runs inside `catch_unwind`: a panic in the third-party parser becomes a syntax
    /// error for this one expression instead of taking the engine down.
    pub fn parse(text: &str) -> Result<Expression, SyntaxError> {
        match catch_unwind(AssertUnwindSafe(|| jsonata_core::parser::parse(text))) {
            Ok(Ok(ast)) => {
                let used = used_functions(&ast);
                Ok(Expression { ast, used })
            }
            Ok(Err(error)) => {
                let (code, message) = coded_message(&error.to_string());
                Err(SyntaxError { code, message })
            }
            Err(_) => Err(SyntaxError {
                code: None,
                message: "the JSONata parser failed on this expression".to_owned(),
            }),
        }
    }

    /// The variables the expression reads (`$name`), in order of first appearance, without
    /// duplicates. Function names that are called (`$sum(...)`) are not included.
    pub fn variable_references(&self) -> Vec<String> {
        let mut names = Vec::new();
        collect_variables(&self.ast, &mut names);
        names
    }
}

/// Splits a jsonata-core message into its JSONata code and a message that starts with that code,
/// as jsonata-js prints it and AWS quotes it (`T1006: Attempted to invoke a non-function`).
/// jsonata-core sometimes puts a description of its own before the code (`Invalid syntax: S0201:
/// ...`, `Signature validation failed: T0410: ...`); that prefix is dropped.
pub(crate) fn coded_message(raw: &str) -> (Option<String>, String) {
    // The one parser error jsonata-core reports without its code.
    if raw == "Unclosed comment" {
        return (Some("S0106".to_owned()), "S0106: Comment has no closing tag".to_owned());
    }
    // jsonata-core names the callee after T1006's text; jsonata-js, and so AWS, does not.
    const NON_FUNCTION: &str = "T1006: Attempted to invoke a non-function";
    if let Some(at) = raw.find(NON_FUNCTION) {
        return (Some("T1006".to_owned()), raw[at..at + NON_FUNCTION.len()].to_owned());
    }
    let starts = std::iter::once(0).chain(raw.match_indices(": ").map(|(at, _)| at + 2));
    for start in starts {
        if let Some(rest) = raw.get(start..)
            && let Some(code) = jsonata_core::evaluator::error_code_prefix(rest)
        {
            return (Some(code.to_owned()), rest.to_owned());
        }
    }
    (None, raw.to_owned())
}

/// The functions of `functions` that the AST names, as a call (`$hash(...)`) or as a value
/// (`$map(items, $hash)`). Found through the AST's serde form, as in `collect_variables`. An
/// expression cannot reach a function it does not name: `$eval`, the only way to build code
/// from a string, is itself one of them.
fn used_functions(node: &jsonata_core::ast::AstNode) -> functions::Used {
    fn walk(value: &serde_json::Value, used: &mut functions::Used) {
        match value {
            serde_json::Value::Object(fields) => {
                for (key, child) in fields {
                    match (key.as_str(), child) {
                        ("Variable" | "name", serde_json::Value::String(name)) => used.note(name),
                        _ => walk(child, used),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|item| walk(item, used)),
            _ => {}
        }
    }
    let mut used = functions::Used::default();
    if let Ok(tree) = serde_json::to_value(node) {
        walk(&tree, &mut used);
    }
    used
}

/// Walks the AST through its serde form, which names every node kind, so that a new node kind in
/// the parser cannot hide a variable from us. Names the expression binds itself (`$n := ...`,
/// lambda parameters) are local, not workflow variables, and are left out.
fn collect_variables(node: &jsonata_core::ast::AstNode, names: &mut Vec<String>) {
    fn walk(value: &serde_json::Value, names: &mut Vec<String>, locals: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(fields) => {
                for (key, child) in fields {
                    match (key.as_str(), child) {
                        ("Variable", serde_json::Value::String(name)) => {
                            // `$` alone is the context value, not a variable.
                            if !name.is_empty() && !names.contains(name) {
                                names.push(name.clone());
                            }
                        }
                        ("Binary", serde_json::Value::Object(binary))
                            if binary.get("op").and_then(serde_json::Value::as_str)
                                == Some("ColonEqual") =>
                        {
                            if let Some(serde_json::Value::String(name)) =
                                binary.get("lhs").and_then(|lhs| lhs.get("Variable"))
                            {
                                locals.push(name.clone());
                            }
                            walk(child, names, locals);
                        }
                        ("Lambda", serde_json::Value::Object(lambda)) => {
                            if let Some(serde_json::Value::Array(params)) = lambda.get("params") {
                                locals.extend(
                                    params.iter().filter_map(|p| p.as_str().map(str::to_owned)),
                                );
                            }
                            walk(child, names, locals);
                        }
                        _ => walk(child, names, locals),
                    }
                }
            }
            serde_json::Value::Array(items) => {
                items.iter().for_each(|item| walk(item, names, locals));
            }
            _ => {}
        }
    }
    let mut locals = Vec::new();
    if let Ok(tree) = serde_json::to_value(node) {
        walk(&tree, names, &mut locals);
    }
    names.retain(|name| !locals.contains(name));
}

#[cfg(test)]
mod tests;
