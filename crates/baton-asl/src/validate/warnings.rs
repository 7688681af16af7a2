//! The warnings AWS documents for `ValidateStateMachineDefinition`: definitions that are valid
//! but probably not what their author meant.
//!
//! - `NO_DOLLAR`: a template field whose value looks like a path or an intrinsic call, but whose
//!   name does not end in `.$`, so the value is passed on as a plain string.
//! - `PASS_RESULT_IS_STATIC`: a Pass state's `Result` with a field ending in `.$`; `Result` is
//!   never evaluated, so the path stays text.

use serde_json::Value;

use crate::diagnostic::{Code, Diagnostic};
use crate::limits;
use crate::validate::Validator;

/// A check run on every object field: its name, value and location, and where warnings go.
type FieldVisitor<'a> = dyn FnMut(&str, &Value, &str, &mut Vec<Diagnostic>) + 'a;

impl Validator<'_> {
    /// Warns about plain template fields that look like paths or intrinsic calls.
    pub(super) fn warn_no_dollar(&mut self, value: &Value, location: &str) {
        self.walk_fields(value, location, 0, &mut |key, field, location, warnings| {
            let looks_dynamic = field.as_str().is_some_and(|text| {
                text.starts_with("$.") || text.starts_with("$$.") || text.starts_with("States.")
            });
            if !key.ends_with(".$") && looks_dynamic {
                warnings.push(Diagnostic::warning(
                    Code::NoDollar,
                    location,
                    format!(
                        "The value of the field '{key}' looks like a JSONPath or an intrinsic function, but the field name does not end with '.$', so it is used as a plain string"
                    ),
                ));
            }
        });
    }

    /// Warns about `.$` fields in a Pass state's static `Result`.
    pub(super) fn warn_static_result(&mut self, value: &Value, location: &str) {
        self.walk_fields(value, location, 0, &mut |key, _, location, warnings| {
            if key.ends_with(".$") {
                warnings.push(Diagnostic::warning(
                    Code::PassResultIsStatic,
                    location,
                    format!(
                        "The field '{key}' ends with '.$', but a Pass state's Result is static: it is not evaluated as a path"
                    ),
                ));
            }
        });
    }

    /// Calls `visit` for every object field at any depth, with the location of the field.
    fn walk_fields(
        &mut self,
        value: &Value,
        location: &str,
        depth: usize,
        visit: &mut FieldVisitor<'_>,
    ) {
        if depth > limits::JSON_DEPTH_MAX {
            return;
        }
        match value {
            Value::Object(fields) => {
                for (key, field) in fields {
                    let field_location = format!("{location}/{key}");
                    visit(key, field, &field_location, &mut self.diagnostics);
                    self.walk_fields(field, &field_location, depth + 1, visit);
                }
            }
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    self.walk_fields(item, &format!("{location}/{index}"), depth + 1, visit);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
        }
    }
}
