//! The Amazon States Language: a typed, validated model of state machine definitions and the
//! pure evaluators every Step Functions engine needs (JSONPath as AWS evaluates it, payload
//! templates, intrinsic functions, Choice rules, error matching, retry backoff).
//!
//! This crate does no IO, reads no clock and draws no randomness of its own: anything that varies
//! (the current time, random numbers, ids) is an argument. Validation never fails; it returns the
//! machine when there is one and every diagnostic at once, as AWS's
//! `ValidateStateMachineDefinition` does:
//!
//! ```
//! let (machine, diagnostics) = baton_asl::parse(
//!     r#"{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}"#,
//!     &baton_asl::Options { machine_type: baton_asl::MachineType::Standard },
//! );
//! assert!(machine.is_some());
//! assert!(diagnostics.is_empty());
//! ```

pub mod aws_message;
pub mod choice;
pub mod diagnostic;
pub mod error_match;
pub mod intrinsic;
pub mod jsonata;
pub mod limits;
pub mod model;
pub mod path;
pub mod retry;
pub mod source;
pub mod template;
pub mod timestamp;
mod validate;

pub use diagnostic::{Code, Diagnostic, Severity};

pub use model::StateMachine;
pub(crate) use validate::forbidden_label_character;
pub use validate::{MachineType, Options, parse, parse_as, parse_value};
