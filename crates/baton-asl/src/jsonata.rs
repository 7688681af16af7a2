//! JSONata field values: parsed once when the definition is validated, evaluated per state.
//!
//! A field of a JSONata state is any JSON value in which a string of the form `{% expr %}` is an
//! expression. Validation parses every expression and keeps the parsed form here, so an
//! execution never parses; evaluation walks the value, evaluates each expression with the
//! caller's bindings and builds the result. Failures carry AWS's `location` (the field, then the
//! object keys down to the expression: `Output/result`) and AWS's cause texts, which the
//! interpreter reports as `States.QueryEvaluationError`.

use std::sync::Arc;

use baton_jsonata::{Bindings, EvaluationError, Expression};
use serde_json::{Map, Value};

/// A parsed field value (see [`crate::model::Jsonata`]).
#[derive(Debug, Clone)]
pub(crate) enum Node {
    /// A part without expressions, kept as written.
    Literal(Value),
    /// A `{% %}` string.
    Expression(Arc<Parsed>),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

/// One expression: its text as AWS quotes it in causes (trimmed, without delimiters), its
/// parsed form, and what it reads, worked out once so that evaluation binds only that.
#[derive(Debug)]
pub(crate) struct Parsed {
    text: String,
    expression: Expression,
    variables: Vec<String>,
    reads_context: bool,
}

impl Parsed {
    pub(crate) fn new(text: &str, expression: Expression) -> Parsed {
        let text = text.trim().to_owned();
        let variables =
            expression.variable_references().into_iter().filter(|name| name != "states").collect();
        let reads_context = reads_context(&text);
        Parsed { text, expression, variables, reads_context }
    }
}

/// Why evaluating a field failed: where, and AWS's cause text (without the state prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The field and the keys down to the failing expression (`Output/result`).
    pub location: String,
    pub cause: String,
}

impl Node {
    /// Whether any expression of the value reads the context object (`$states` other than
    /// `$states.input`, `$states.result` and `$states.errorOutput`).
    pub(crate) fn reads_context(&self) -> bool {
        match self {
            Node::Literal(_) => false,
            Node::Expression(parsed) => parsed.reads_context,
            Node::Array(items) => items.iter().any(Node::reads_context),
            Node::Object(fields) => fields.iter().any(|(_, node)| node.reads_context()),
        }
    }

    /// The variables the expressions read, without duplicates, into `names`.
    pub(crate) fn variable_references(&self, names: &mut Vec<String>) {
        match self {
            Node::Literal(_) => {}
            Node::Expression(parsed) => {
                for name in &parsed.variables {
                    if !names.contains(name) {
                        names.push(name.clone());
                    }
                }
            }
            Node::Array(items) => items.iter().for_each(|item| item.variable_references(names)),
            Node::Object(fields) => {
                fields.iter().for_each(|(_, node)| node.variable_references(names));
            }
        }
    }

    pub(crate) fn evaluate(
        &self,
        location: &mut String,
        input: &Value,
        bindings: &Bindings,
    ) -> Result<Value, Failure> {
        match self {
            Node::Literal(value) => Ok(value.clone()),
            Node::Expression(parsed) => match parsed.expression.evaluate(input, bindings) {
                Ok(Some(value)) => Ok(value),
                Ok(None) => {
                    Err(failure(location, &parsed.text, "returned nothing (undefined).".to_owned()))
                }
                Err(EvaluationError::UnsupportedResult) => Err(failure(
                    location,
                    &parsed.text,
                    "returned an unsupported result type.".to_owned(),
                )),
                Err(error) => Err(failure(
                    location,
                    &parsed.text,
                    format!("threw an error during evaluation. {error}"),
                )),
            },
            Node::Array(items) => {
                let mut values = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    let length = location.len();
                    location.push('/');
                    location.push_str(&index.to_string());
                    values.push(item.evaluate(location, input, bindings)?);
                    location.truncate(length);
                }
                Ok(Value::Array(values))
            }
            Node::Object(fields) => {
                let mut object = Map::with_capacity(fields.len());
                for (key, node) in fields {
                    let length = location.len();
                    location.push('/');
                    location.push_str(key);
                    object.insert(key.clone(), node.evaluate(location, input, bindings)?);
                    location.truncate(length);
                }
                Ok(Value::Object(object))
            }
        }
    }

    /// The expression text when the whole value is one expression.
    pub(crate) fn expression_text(&self) -> Option<&str> {
        match self {
            Node::Expression(parsed) => Some(&parsed.text),
            Node::Literal(_) | Node::Array(_) | Node::Object(_) => None,
        }
    }
}

fn failure(location: &str, text: &str, what: String) -> Failure {
    Failure {
        location: location.to_owned(),
        cause: format!(
            "The JSONata expression '{text}' specified for the field '{location}' {what}"
        ),
    }
}

/// Whether an expression's text may read `$states.context` (conservatively: any `$states` not
/// followed by `.input`, `.result` or `.errorOutput`).
fn reads_context(text: &str) -> bool {
    const PREFIX: &str = "$states";
    let mut rest = text;
    while let Some(start) = rest.find(PREFIX) {
        rest = &rest[start + PREFIX.len()..];
        let after = rest.trim_start();
        let Some(after_dot) = after.strip_prefix('.') else { return true };
        let after_dot = after_dot.trim_start();
        let end =
            after_dot.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(after_dot.len());
        if !matches!(&after_dot[..end], "input" | "result" | "errorOutput") {
            return true;
        }
    }
    false
}

/// The JSON type name AWS uses in "Expected 'array', but was 'boolean'".
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
