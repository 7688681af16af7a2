//! JSONata for Step Functions.
//!
//! Today this crate parses expressions so that `baton-asl` can report syntax errors at
//! validation time, with the JSONata error code in the message as AWS does. Evaluation (with
//! `$partition`, `$range`, `$hash`, `$random`, `$uuid`, `$parse` and the `$states` bindings)
//! arrives with the JSONata issue. The parser is `jsonata-core`'s, chosen on evidence
//! (../shared/DEPENDENCIES.md); it is wrapped here so the rest of Baton never names it.

use std::panic::{AssertUnwindSafe, catch_unwind};

/// A parsed JSONata expression.
#[derive(Debug, Clone)]
pub struct Expression {
    ast: jsonata_core::ast::AstNode,
}

/// Why an expression could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SyntaxError {
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
            Ok(Ok(ast)) => Ok(Expression { ast }),
            Ok(Err(error)) => Err(SyntaxError { message: error.to_string() }),
            Err(_) => Err(SyntaxError {
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

/// Walks the AST through its serde form, which names every node kind, so that a new node kind in
/// the parser cannot hide a variable from us.
fn collect_variables(node: &jsonata_core::ast::AstNode, names: &mut Vec<String>) {
    fn walk(value: &serde_json::Value, names: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(fields) => {
                for (key, child) in fields {
                    if key == "Variable"
                        && let serde_json::Value::String(name) = child
                    {
                        // `$` alone is the context value, not a variable.
                        if !name.is_empty() && !names.contains(name) {
                            names.push(name.clone());
                        }
                    } else {
                        walk(child, names);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|item| walk(item, names)),
            _ => {}
        }
    }
    if let Ok(tree) = serde_json::to_value(node) {
        walk(&tree, names);
    }
}
