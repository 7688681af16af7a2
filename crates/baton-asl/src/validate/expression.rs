//! JSONata expressions in field values, `$states` rules and variable names.
//!
//! In a JSONata state, a string that starts with `{%` and ends with `%}` is an expression; the
//! delimiters are exact (a string that has only one of them is an error, surrounding spaces make
//! it a plain string, as AWS treats `" {% x %} "`). Expressions are parsed here so syntax errors
//! surface at definition time with the JSONata error code, as AWS reports them.

use serde_json::Value;

use std::sync::Arc;

use crate::jsonata::{Node, Parsed};
use crate::limits;
use crate::model::Jsonata;
use crate::validate::Validator;

const OPEN: &str = "{%";
const CLOSE: &str = "%}";

/// Which parts of `$states` a field may read beyond `input` and `context`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StatesAccess {
    /// Most fields: `$states.input` and `$states.context` only.
    Input,
    /// A Task, Map or Parallel state's top-level `Output` and `Assign`: also `$states.result`.
    Result,
    /// A Catch's `Output` and `Assign`: also `$states.errorOutput`.
    ErrorOutput,
}

impl Validator<'_> {
    /// A field whose whole value must be one JSONata expression string (`Condition`, and
    /// `Seconds`-like fields when given as strings).
    pub(super) fn jsonata_string(&mut self, text: &str, location: &str) -> Option<Jsonata> {
        if !(text.starts_with(OPEN)
            && text.ends_with(CLOSE)
            && text.len() >= OPEN.len() + CLOSE.len())
        {
            self.error(
                location,
                format!("The value '{text}' must be a JSONata expression enclosed in {{% %}}"),
            );
            return None;
        }
        self.jsonata_value(&Value::String(text.to_owned()), location, StatesAccess::Input)
    }

    /// A JSON value in which any string may be a `{% %}` expression, at any depth.
    pub(super) fn jsonata_value(
        &mut self,
        value: &Value,
        location: &str,
        access: StatesAccess,
    ) -> Option<Jsonata> {
        let errors_before = self.error_count();
        let node = self.jsonata_node(value, location, access, 0);
        (self.error_count() == errors_before)
            .then(|| node.map(|node| Jsonata { value: value.clone(), node }))
            .flatten()
    }

    /// Checks and parses a value; `None` when some part of it is wrong (reported).
    fn jsonata_node(
        &mut self,
        value: &Value,
        location: &str,
        access: StatesAccess,
        depth: usize,
    ) -> Option<Node> {
        if depth > limits::JSON_DEPTH_MAX {
            self.error(location, "The value is nested too deeply");
            return None;
        }
        match value {
            Value::String(text) => self.expression_string(text, location, access),
            Value::Array(items) => {
                let mut nodes = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    let node =
                        self.jsonata_node(item, &format!("{location}/{index}"), access, depth + 1);
                    nodes.extend(node);
                }
                (nodes.len() == items.len()).then(|| literal_or(value, Node::Array(nodes)))
            }
            Value::Object(fields) => {
                let mut nodes = Vec::with_capacity(fields.len());
                for (key, item) in fields {
                    let node =
                        self.jsonata_node(item, &format!("{location}/{key}"), access, depth + 1);
                    nodes.extend(node.map(|node| (key.clone(), node)));
                }
                (nodes.len() == fields.len()).then(|| literal_or(value, Node::Object(nodes)))
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => Some(Node::Literal(value.clone())),
        }
    }

    fn expression_string(
        &mut self,
        text: &str,
        location: &str,
        access: StatesAccess,
    ) -> Option<Node> {
        let opens = text.starts_with(OPEN);
        let closes = text.ends_with(CLOSE) && text.len() >= OPEN.len() + CLOSE.len();
        match (opens, closes) {
            (false, false) => Some(Node::Literal(Value::String(text.to_owned()))),
            (true, false) | (false, true) => {
                self.error(
                    location,
                    format!(
                        "The JSONata expression '{text}' must start with '{OPEN}' and end with '{CLOSE}'"
                    ),
                );
                None
            }
            (true, true) => {
                let body = &text[OPEN.len()..text.len() - CLOSE.len()];
                self.expression(body, location, access)
            }
        }
    }

    fn expression(&mut self, body: &str, location: &str, access: StatesAccess) -> Option<Node> {
        if body.trim().is_empty() {
            self.error(location, "The JSONata expression is empty");
            return None;
        }
        let expression = match baton_jsonata::Expression::parse(body) {
            Ok(expression) => expression,
            Err(error) => {
                self.error(
                    location,
                    format!("The JSONata expression '{}' is not valid: {error}", body.trim()),
                );
                return None;
            }
        };
        let mut allowed = true;
        for property in states_properties(body) {
            let permitted = match property {
                "input" | "context" => true,
                "result" => access == StatesAccess::Result,
                "errorOutput" => access == StatesAccess::ErrorOutput,
                _ => false,
            };
            if !permitted {
                allowed = false;
                self.error(
                    location,
                    format!(
                        "The JSONata expression may not use '$states.{property}' in this field"
                    ),
                );
            }
        }
        allowed.then(|| Node::Expression(Arc::new(Parsed::new(body, expression))))
    }

    /// Variable names in `Assign`: identifiers of at most 80 characters, not `states`.
    pub(super) fn variable_name(&mut self, name: &str, location: &str) -> bool {
        let mut characters = name.chars();
        let starts_well =
            characters.next().is_some_and(|first| first.is_alphabetic() || first == '_');
        let rest_ok = characters.all(|c| c.is_alphanumeric() || c == '_');
        let length_ok = name.chars().count() <= limits::VARIABLE_NAME_CHARS_MAX;
        if !(starts_well && rest_ok && length_ok) {
            self.error(
                location,
                format!(
                    "The variable name '{name}' is not valid: it must start with a letter or '_', contain only letters, digits and '_', and be at most {} characters",
                    limits::VARIABLE_NAME_CHARS_MAX
                ),
            );
            return false;
        }
        if name == "states" {
            self.error(location, "The variable name 'states' is reserved");
            return false;
        }
        true
    }
}

/// The property names read as `$states.<name>` in an expression's text.
fn states_properties(body: &str) -> Vec<&str> {
    const PREFIX: &str = "$states";
    let mut names = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find(PREFIX) {
        let after = rest[start + PREFIX.len()..].trim_start();
        rest = &rest[start + PREFIX.len()..];
        let Some(after_dot) = after.strip_prefix('.') else { continue };
        let after_dot = after_dot.trim_start();
        let end =
            after_dot.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(after_dot.len());
        let name = &after_dot[..end];
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// A container whose parts are all literal stays one literal, so evaluation clones it whole.
fn literal_or(value: &Value, node: Node) -> Node {
    let all_literal = match &node {
        Node::Array(items) => items.iter().all(|item| matches!(item, Node::Literal(_))),
        Node::Object(fields) => fields.iter().all(|(_, item)| matches!(item, Node::Literal(_))),
        Node::Literal(_) | Node::Expression(_) => false,
    };
    if all_literal { Node::Literal(value.clone()) } else { node }
}
