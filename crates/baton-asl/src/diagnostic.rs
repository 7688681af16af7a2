//! Validation diagnostics in the shape of AWS's `ValidateStateMachineDefinitionDiagnostic`.
//!
//! AWS reports almost every structural problem as `SCHEMA_VALIDATION_FAILED` with a message and a
//! JSON-pointer-like `location` such as `/States/Foo/Next`; the other codes exist for the few
//! problems AWS singles out. Messages follow AWS's wording where it is known from recorded
//! responses (../shared/conformance and the LocalStack cases in ../shared/asl-corpus).

use std::fmt;

use serde::Serialize;

/// One problem (or warning) found in a definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    pub message: String,
    /// Where the problem is, as `/States/Name/Field`; `None` when it concerns the whole text
    /// (for example, the text is not JSON).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

impl Diagnostic {
    /// An error with the catch-all code AWS uses for structural problems.
    pub fn schema(location: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code: Code::SchemaValidationFailed,
            message: message.into(),
            location: Some(location.into()),
        }
    }

    /// An error with a specific code.
    pub fn error(code: Code, location: Option<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Error, code, message: message.into(), location }
    }

    /// A warning: the definition is still valid.
    pub fn warning(
        code: Code,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            code,
            message: message.into(),
            location: Some(location.into()),
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// AWS's one-line form, as CreateStateMachine puts it in `InvalidDefinition` messages:
    /// `SCHEMA_VALIDATION_FAILED: These fields are required: [States] at /`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)?;
        if let Some(location) = &self.location {
            write!(f, " at {location}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    Error,
    Warning,
}

/// The diagnostic codes AWS documents for `ValidateStateMachineDefinition`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Code {
    /// The text is not JSON (or YAML).
    InvalidJsonDescription,
    /// The definition is empty.
    MissingDescription,
    /// Everything structural: fields, types, transitions, paths, expressions.
    SchemaValidationFailed,
    /// A Task `Resource` is not a resource AWS recognises.
    InvalidResource,
    /// A `Next`, `Default` or `StartAt` names no state in its scope.
    MissingTransitionTarget,
    /// A States block has no terminal state.
    MissingEndState,
    /// A state name appears twice in the whole machine.
    DuplicateStateName,
    /// A state name breaks the naming rules (length, characters).
    InvalidStateName,
    /// A Map `Label` appears twice.
    DuplicateLabelName,
    /// A Map `Label` breaks the naming rules.
    InvalidLabelName,
    /// States are nested deeper than the engine allows.
    TooDeeplyNested,
    /// Warning: a field value looks like a path but the key does not end in `.$`.
    NoDollar,
    /// Warning: a field value looks like a path but the field name does not end in `Path`.
    NoPath,
    /// Warning: a Pass state's `Result` contains what looks like a path.
    PassResultIsStatic,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::InvalidJsonDescription => "INVALID_JSON_DESCRIPTION",
            Code::MissingDescription => "MISSING_DESCRIPTION",
            Code::SchemaValidationFailed => "SCHEMA_VALIDATION_FAILED",
            Code::InvalidResource => "INVALID_RESOURCE",
            Code::MissingTransitionTarget => "MISSING_TRANSITION_TARGET",
            Code::MissingEndState => "MISSING_END_STATE",
            Code::DuplicateStateName => "DUPLICATE_STATE_NAME",
            Code::InvalidStateName => "INVALID_STATE_NAME",
            Code::DuplicateLabelName => "DUPLICATE_LABEL_NAME",
            Code::InvalidLabelName => "INVALID_LABEL_NAME",
            Code::TooDeeplyNested => "TOO_DEEPLY_NESTED",
            Code::NoDollar => "NO_DOLLAR",
            Code::NoPath => "NO_PATH",
            Code::PassResultIsStatic => "PASS_RESULT_IS_STATIC",
        }
    }
}
