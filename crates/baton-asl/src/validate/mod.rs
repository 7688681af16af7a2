//! Validation: from a JSON value to a [`StateMachine`] plus every diagnostic at once.
//!
//! Validation never fails (../shared/STYLE.md T2). It walks the definition once, reports every
//! problem it finds with AWS's code, wording (where known) and location, and builds the typed
//! model as it goes; the model is returned only when no error was found.
//!
//! The walk is split by concern: `fields` reads typed fields and reports type, presence and
//! exclusivity problems; `state` builds each state type; `choice`, `map` and `resource` hold
//! the larger state-specific rules; `expression` checks JSONata strings; `graph` checks
//! transitions, reachability and terminal states of each scope; `warnings` adds the warnings
//! AWS documents for valid but suspicious definitions.

mod choice;
mod expression;
mod fields;
mod graph;
mod map;
mod resource;
mod scopes;
mod state;
#[cfg(test)]
mod tests;
mod warnings;

pub(crate) use map::forbidden_label_character;

use std::collections::HashMap;

use serde_json::Value;

use crate::diagnostic::{Code, Diagnostic};
use crate::model::{QueryLanguage, Scope, StateId, StateKind, StateMachine};
use crate::source::{self, Format};

use fields::Fields;

/// What the definition is validated for.
#[derive(Debug, Clone)]
pub struct Options {
    pub machine_type: MachineType,
}

/// The state machine type: some features exist only for STANDARD machines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MachineType {
    Standard,
    Express,
}

impl MachineType {
    /// Parses `STANDARD`/`EXPRESS` (as the API and the CLI spell them).
    pub fn parse(text: &str) -> Option<MachineType> {
        match text {
            "STANDARD" => Some(MachineType::Standard),
            "EXPRESS" => Some(MachineType::Express),
            _ => None,
        }
    }
}

/// Parses and validates a JSON definition (what the Step Functions API accepts).
pub fn parse(text: &str, options: &Options) -> (Option<StateMachine>, Vec<Diagnostic>) {
    parse_as(text, Format::Json, options)
}

/// Parses and validates a definition written in `format`.
pub fn parse_as(
    text: &str,
    format: Format,
    options: &Options,
) -> (Option<StateMachine>, Vec<Diagnostic>) {
    match source::read(text, format) {
        Ok(value) => parse_value(&value, options),
        Err(diagnostic) => (None, vec![diagnostic]),
    }
}

/// Validates a definition that is already a JSON value.
pub fn parse_value(value: &Value, options: &Options) -> (Option<StateMachine>, Vec<Diagnostic>) {
    let mut validator = Validator {
        options,
        diagnostics: Vec::new(),
        state_names: HashMap::new(),
        machine_query_language: QueryLanguage::JsonPath,
    };
    let machine = validator.machine(value);
    if machine.is_some() {
        validator.check_variable_scopes(value);
    }
    let has_errors = validator.diagnostics.iter().any(Diagnostic::is_error);
    (if has_errors { None } else { machine }, validator.diagnostics)
}

/// Fields allowed at the top level of a definition.
const MACHINE_FIELDS: &[&str] =
    &["Comment", "StartAt", "States", "Version", "TimeoutSeconds", "QueryLanguage"];

struct Validator<'o> {
    options: &'o Options,
    diagnostics: Vec<Diagnostic>,
    /// Every state name seen so far, with its location: names are unique across the machine.
    state_names: HashMap<String, String>,
    /// The machine's own `QueryLanguage`: a JSONata machine admits no JSONPath state at any
    /// depth, while a JSONata state inside a JSONPath machine may hold JSONPath states.
    machine_query_language: QueryLanguage,
}

impl Validator<'_> {
    fn error(&mut self, location: &str, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::schema(location, message));
    }

    fn error_code(&mut self, code: Code, location: &str, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::error(code, Some(location.to_owned()), message));
    }

    fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|diagnostic| diagnostic.is_error()).count()
    }

    fn machine(&mut self, value: &Value) -> Option<StateMachine> {
        let Some(object) = value.as_object() else {
            self.diagnostics.push(Diagnostic::error(
                Code::SchemaValidationFailed,
                None,
                "Definition must be a valid JSON object",
            ));
            return None;
        };
        let fields = Fields::new(object, String::new());
        self.check_allowed(&fields, MACHINE_FIELDS, &[], None);
        let comment = self.string(&fields, "Comment").map(str::to_owned);
        let version = self.string(&fields, "Version").map(str::to_owned);
        if let Some(version) = &version
            && version != "1.0"
        {
            self.error(&fields.at("Version"), "The field 'Version' must be \"1.0\"");
        }
        let timeout_seconds = self.positive_integer(&fields, "TimeoutSeconds");
        let query_language = self.query_language(&fields).unwrap_or(QueryLanguage::JsonPath);
        self.machine_query_language = query_language;
        let scope = self.scope(&fields, query_language, 0)?;
        let mut machine = StateMachine {
            comment,
            version,
            timeout_seconds,
            query_language,
            scope,
            uses_jsonata: false,
            uses_distributed_io: false,
        };
        let states = machine.all_states();
        let uses_jsonata =
            states.iter().any(|state| state.query_language == QueryLanguage::Jsonata);
        let uses_distributed_io = states.iter().any(|state| {
            matches!(&state.kind, StateKind::Map(map)
                if map.item_reader.is_some() || map.result_writer.is_some())
        });
        machine.uses_jsonata = uses_jsonata;
        machine.uses_distributed_io = uses_distributed_io;
        Some(machine)
    }

    /// Reads `QueryLanguage` where it may appear.
    fn query_language(&mut self, fields: &Fields<'_>) -> Option<QueryLanguage> {
        match self.string(fields, "QueryLanguage")? {
            "JSONPath" => Some(QueryLanguage::JsonPath),
            "JSONata" => Some(QueryLanguage::Jsonata),
            _ => {
                self.error(
                    &fields.at("QueryLanguage"),
                    "The field 'QueryLanguage' should have one of these values: [JSONPath, JSONata]",
                );
                None
            }
        }
    }

    /// Validates a `StartAt` + `States` block and everything in it.
    fn scope(
        &mut self,
        fields: &Fields<'_>,
        query_language: QueryLanguage,
        depth: usize,
    ) -> Option<Scope> {
        if depth > crate::limits::STATE_NESTING_DEPTH_MAX {
            self.error_code(
                Code::TooDeeplyNested,
                &fields.location_or_root(),
                format!(
                    "States are nested more than {} levels deep",
                    crate::limits::STATE_NESTING_DEPTH_MAX
                ),
            );
            return None;
        }
        self.require(fields, &["StartAt", "States"]);
        let start_at = self.string(fields, "StartAt");
        let states = self.object(fields, "States")?;
        let states_location = fields.at("States");

        // Names first, so that transitions can resolve to ids while states are built.
        let mut ids = HashMap::new();
        for (index, name) in states.keys().enumerate() {
            self.state_name(name, &format!("{states_location}/{name}"));
            ids.insert(name.clone(), StateId(index));
        }
        if states.is_empty() {
            self.error(&states_location, "The field 'States' must contain at least one state");
        }
        let start = start_at.and_then(|name| match ids.get(name) {
            Some(id) => Some(*id),
            None => {
                self.error_code(
                    Code::MissingTransitionTarget,
                    &fields.at("StartAt"),
                    format!("Missing 'Next' target: {name}"),
                );
                None
            }
        });

        let context = state::Context { ids: &ids, query_language, depth };
        let mut built = Vec::with_capacity(states.len());
        for (name, value) in states {
            let location = format!("{states_location}/{name}");
            built.push(self.state(name, value, &location, &context));
        }
        let built: Option<Vec<_>> = built.into_iter().collect();
        let scope = Scope::new(start?, built?);
        self.check_graph(&scope, &states_location);
        Some(scope)
    }

    /// State names: at most 80 characters, unique across the whole machine.
    fn state_name(&mut self, name: &str, location: &str) {
        if name.is_empty() || name.chars().count() > crate::limits::STATE_NAME_CHARS_MAX {
            self.error_code(
                Code::InvalidStateName,
                location,
                format!(
                    "State names must be 1 to {} characters long",
                    crate::limits::STATE_NAME_CHARS_MAX
                ),
            );
        }
        if let Some(first) = self.state_names.get(name) {
            let message = format!("Duplicate State name: {name} (first defined at {first})");
            self.error_code(Code::DuplicateStateName, location, message);
        } else {
            self.state_names.insert(name.to_owned(), location.to_owned());
        }
    }
}
