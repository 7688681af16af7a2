//! Workflows: a named flow, what compiles to a state machine definition and what the engine
//! runs.

use std::sync::Arc;

use serde_json::Value;

use baton_asl::StateMachine;

use crate::Error;
use crate::flow::{Flow, Step, kind};
use crate::task::{Pattern, Task};

/// The region and account that local runs use, as Step Functions Local does.
const LOCAL_REGION: &str = "us-east-1";
const LOCAL_ACCOUNT: &str = "123456789012";

/// A named flow: a state machine written in Rust.
#[derive(Debug, Clone)]
pub struct Workflow {
    pub(crate) name: String,
    pub(crate) comment: Option<String>,
    pub(crate) flow: Flow,
}

impl Workflow {
    /// A workflow called `name` (its state machine's name) that runs `flow`.
    pub fn new(name: impl Into<String>, flow: Flow) -> Workflow {
        Workflow { name: name.into(), comment: None, flow }
    }

    /// A comment for the definition (`Comment`).
    #[must_use]
    pub fn comment(mut self, comment: impl Into<String>) -> Workflow {
        self.comment = Some(comment.into());
        self
    }

    /// The workflow's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A step that runs this workflow inside another, named after this workflow unless renamed.
    ///
    /// The nested workflow is inlined as a `Parallel` state with one branch (and
    /// `OutputPath: "$[0]"`, so the step's output is the nested workflow's output), rather than
    /// a `states:startExecution.sync:2` child execution: it then needs no second state machine
    /// to be deployed, runs on the embedded engine, and its states appear in the parent's
    /// history. Its states are named `STEP/STATE` after the step, so the same workflow can be
    /// nested twice under different step names.
    pub fn step(&self) -> Step<kind::Nested> {
        Step::new(self.name.clone(), kind::Nested { workflow: self.clone() })
    }

    /// Compiles the workflow into an ASL definition for `target`, and validates it as `baton
    /// validate` does. The same workflow always compiles to the same JSON, byte for byte.
    pub fn compile(&self, target: &Target) -> Result<Definition, Error> {
        crate::compile::workflow(self, target)
    }
}

/// Where a definition runs: the region and account its activity ARNs name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// An AWS region, such as `us-east-1`.
    pub region: String,
    /// An account id, such as `123456789012`.
    pub account_id: String,
}

impl Target {
    /// The region and account of local runs (`us-east-1`, `123456789012`), as Step Functions
    /// Local and the embedded engine use them.
    pub fn local() -> Target {
        Target { region: LOCAL_REGION.to_owned(), account_id: LOCAL_ACCOUNT.to_owned() }
    }

    /// The ARN of the activity that serves task `name`.
    pub fn activity_arn(&self, name: &str) -> String {
        format!("arn:aws:states:{}:{}:activity:{name}", self.region, self.account_id)
    }
}

/// A compiled, validated workflow: the ASL JSON, the state machine it validates to, and the
/// task handlers its Task states name.
#[derive(Debug, Clone)]
pub struct Definition {
    pub(crate) json: Value,
    pub(crate) machine: Arc<StateMachine>,
    pub(crate) tasks: Vec<Task>,
}

impl Definition {
    /// The definition as JSON, keys in the order they were generated.
    pub fn json(&self) -> &Value {
        &self.json
    }

    /// The definition as indented JSON text with a final newline, ready to be written to a file
    /// and compared with one.
    pub fn to_text(&self) -> String {
        let mut text = serde_json::to_string_pretty(&self.json)
            .expect("a JSON value with string keys always serializes");
        text.push('\n');
        text
    }

    /// The names of the activities the definition's Task states use, in order of first use.
    /// Callback tasks ([`Task::callback`]) are Lambda invocations, not activities.
    pub fn activities(&self) -> impl Iterator<Item = &str> {
        self.tasks.iter().filter(|task| task.pattern == Pattern::Activity).map(Task::name)
    }
}
