//! Variable scopes: a Parallel branch or a Map iteration may read the variables of the scopes
//! around it but may not assign one of their names again.
//!
//! Each States block is a scope. The check reads the raw definition after the states were
//! validated one by one, so it sees every `Assign` (a state's own and its Choice rules'). A
//! Catch's `Assign` is left out: AWS lets it set variables of the scope around the state. A
//! Distributed Map's iterations run as child executions that see no outer variable, so they
//! start afresh.

use serde_json::{Map, Value};

use crate::validate::Validator;

impl Validator<'_> {
    /// Checks the machine's top-level scope and everything nested in it.
    pub(super) fn check_variable_scopes(&mut self, machine: &Value) {
        if let Some(states) = machine.get("States").and_then(Value::as_object) {
            self.check_scope(states, "/States", &[], 0);
        }
    }

    fn check_scope(
        &mut self,
        states: &Map<String, Value>,
        location: &str,
        outer: &[String],
        depth: usize,
    ) {
        if depth > crate::limits::STATE_NESTING_DEPTH_MAX {
            return;
        }
        let mut assigned: Vec<(String, String)> = Vec::new();
        for (name, state) in states {
            let state_location = format!("{location}/{name}");
            collect_assigned(
                state.get("Assign"),
                &format!("{state_location}/Assign"),
                &mut assigned,
            );
            if let Some(Value::Array(rules)) = state.get("Choices") {
                for (index, rule) in rules.iter().enumerate() {
                    let rule_location = format!("{state_location}/Choices/{index}/Assign");
                    collect_assigned(rule.get("Assign"), &rule_location, &mut assigned);
                }
            }
        }
        for (variable, at) in &assigned {
            if outer.contains(variable) {
                self.error(
                    at,
                    format!(
                        "The variable '{variable}' is assigned in an enclosing scope; a Parallel branch or Map iteration may read it but not assign it"
                    ),
                );
            }
        }
        let mut visible: Vec<String> = outer.to_vec();
        visible.extend(assigned.into_iter().map(|(variable, _)| variable));
        for (name, state) in states {
            let state_location = format!("{location}/{name}");
            if let Some(Value::Array(branches)) = state.get("Branches") {
                for (index, branch) in branches.iter().enumerate() {
                    if let Some(inner) = branch.get("States").and_then(Value::as_object) {
                        let at = format!("{state_location}/Branches/{index}/States");
                        self.check_scope(inner, &at, &visible, depth + 1);
                    }
                }
            }
            for key in ["ItemProcessor", "Iterator"] {
                let Some(processor) = state.get(key) else { continue };
                let Some(inner) = processor.get("States").and_then(Value::as_object) else {
                    continue;
                };
                let distributed = processor
                    .pointer("/ProcessorConfig/Mode")
                    .and_then(Value::as_str)
                    .is_some_and(|mode| mode == "DISTRIBUTED");
                let outer_of_inner: &[String] = if distributed { &[] } else { &visible };
                let at = format!("{state_location}/{key}/States");
                self.check_scope(inner, &at, outer_of_inner, depth + 1);
            }
        }
    }
}

/// The variable names an `Assign` object sets (`name` or `name.$`), with their locations.
fn collect_assigned(assign: Option<&Value>, location: &str, into: &mut Vec<(String, String)>) {
    let Some(Value::Object(fields)) = assign else { return };
    for key in fields.keys() {
        let variable = key.strip_suffix(".$").unwrap_or(key);
        into.push((variable.to_owned(), format!("{location}/{key}")));
    }
}
