//! The SDK's one error type: a workflow that cannot compile, or an embedded run that cannot
//! happen. A workflow that runs and fails is not an error; it is a [`crate::RunOutcome`] whose
//! result is a [`crate::Failure`] (STYLE E2).

use baton_asl::Diagnostic;

/// Why a workflow did not compile or an embedded run did not take place.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Two steps would produce states with the same name; AWS requires state names to be
    /// unique across the whole state machine.
    #[error(
        "two steps are named {name:?}; state names must be unique across the workflow \
         (rename one with `.named(..)`)"
    )]
    DuplicateStateName {
        /// The state name used twice.
        name: String,
    },
    /// A step's name is empty or longer than AWS allows.
    #[error(
        "step name {name:?} must be 1 to {max} characters long",
        max = baton_asl::limits::STATE_NAME_CHARS_MAX
    )]
    StateNameLength {
        /// The step name.
        name: String,
    },
    /// A flow that must run something has no steps.
    #[error("{place} has no steps")]
    EmptyFlow {
        /// Which flow, such as `branch 2 of parallel step "Prepare"`.
        place: String,
    },
    /// A choice step without any `when` rule.
    #[error("choice {choice:?} has no `when` rule")]
    EmptyChoice {
        /// The choice step's name.
        choice: String,
    },
    /// A step follows one that always ends the flow (Succeed, Fail, or a Choice none of whose
    /// flows goes on), so it could never run.
    #[error("step {step:?} can never run: {after:?} before it always ends the flow")]
    Unreachable {
        /// The step that cannot run.
        step: String,
        /// The step that ends the flow before it.
        after: String,
    },
    /// Two different handlers were declared under one resource name.
    #[error(
        "two different handlers are declared as task {name:?}; a resource name stands for one \
         handler (declare the task once and reuse it)"
    )]
    DuplicateTask {
        /// The resource name.
        name: String,
    },
    /// The generated definition does not validate (for example, a malformed path given to a
    /// step); the diagnostics say where, as `baton validate` would.
    #[error(
        "workflow {workflow:?} compiles to an invalid definition: {}",
        diagnostics.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
    )]
    Invalid {
        /// The workflow's name.
        workflow: String,
        /// The validation errors.
        diagnostics: Vec<Diagnostic>,
    },
    /// The execution input does not serialize to JSON.
    #[error("the execution input is not JSON: {0}")]
    Input(#[source] serde_json::Error),
    /// The execution's output text is not JSON (a bug in the engine).
    #[error("the execution output is not JSON: {0}")]
    Output(#[source] serde_json::Error),
    /// The execution's output is a payload reference that could not be resolved.
    #[error("the execution output could not be resolved: {0}")]
    Offload(#[from] crate::offload::Error),
    /// The embedded engine could not run the execution to its end.
    #[error("the embedded engine could not run the workflow: {0}")]
    Engine(#[from] baton_runtime::Error),
}
