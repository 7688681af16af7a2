//! Intrinsic functions of the Amazon States Language (`States.Format(...)`, `States.Array(...)`
//! and the other sixteen), as JSONPath states use them in payload templates and in the few
//! fields that accept an intrinsic instead of a path.
//!
//! A call is parsed once, when the definition is validated ([`Call::parse`]), into a small tree
//! whose paths are already compiled and whose literal `States.Format` templates are already split
//! into text and `{}` slots; evaluation then only walks that tree. Parsing checks what AWS checks
//! when a state machine is created: the call syntax, the escapes inside string literals, the
//! function names and the nesting depth. Argument counts and types are checked at evaluation,
//! because AWS accepts such definitions and fails the execution instead (with `States.Runtime`
//! and the cause `Invalid arguments in States.<Name>`).
//!
//! Where AWS's behaviour differs from its documentation, this module follows what AWS was
//! observed to do (the sources are named next to each function): numeric arguments are truncated
//! toward zero as Java's `(int)` cast does (except `States.MathAdd`, which rounds), values are
//! printed the way Java prints them, and `States.ArrayUnique` returns its items in the order of
//! a Java `HashSet`.
//!
//! Randomness (`States.MathRandom` without a seed, `States.UUID`) comes from a [`Random`] the
//! caller passes, so evaluation stays a pure function of its arguments.

mod array;
mod encoding;
mod eval;
pub(crate) mod java;
mod json;
mod math;
mod parse;
mod random;
mod string;
#[cfg(test)]
mod tests;

use std::fmt;

use serde_json::Value;

use crate::path;

/// A parsed intrinsic function call such as `States.Format('Hello {}', $.name)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    text: String,
    root: parse::Node,
}

impl Call {
    /// Parses `text`, which must be one call with nothing after it but whitespace.
    ///
    /// Fails on what AWS rejects when the state machine is created: malformed syntax, a backslash
    /// escape other than `\'`, `\{`, `\}` and `\\` in a string literal, an unknown function, an
    /// invalid path argument, or calls nested deeper than
    /// [`INTRINSIC_NESTING_MAX`](crate::limits::INTRINSIC_NESTING_MAX).
    pub fn parse(text: &str) -> Result<Call, SyntaxError> {
        let root = parse::parse(text)?;
        Ok(Call { text: text.to_owned(), root })
    }

    /// The text the call was parsed from.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Adds the workflow variables the call reads (its `$name` path arguments, in nested calls
    /// too) to `into`, in order of appearance, duplicates included.
    pub fn variable_references(&self, into: &mut Vec<String>) {
        self.root.variable_references(into);
    }

    /// Evaluates the call against the state input, the context object and the variables.
    ///
    /// `random` is drawn from only by `States.MathRandom` without a seed and by `States.UUID`.
    pub fn evaluate(
        &self,
        roots: &path::Roots<'_>,
        random: &mut dyn Random,
    ) -> Result<Value, Error> {
        eval::evaluate(&self.root, roots, random)
    }
}

/// Whether `text` is meant as an intrinsic call rather than a path: AWS decides by the
/// `States.` prefix alone, so `"States.Nope()"` is a (bad) call, not a (bad) path.
pub fn looks_like_call(text: &str) -> bool {
    text.starts_with("States.")
}

/// The source of randomness for `States.MathRandom` (without a seed) and `States.UUID`.
///
/// It is an argument rather than something this crate owns so that evaluation is
/// deterministic: the engine draws from a source it controls and records what it drew.
pub trait Random {
    /// A uniformly distributed 64-bit number.
    fn next_u64(&mut self) -> u64;
    /// A random (version 4) UUID.
    fn uuid_v4(&mut self) -> uuid::Uuid;
}

/// Why an intrinsic call could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at offset {offset}")]
pub struct SyntaxError {
    /// What is wrong, in a sentence fragment such as `expected ',' or ')'`.
    pub message: String,
    /// The byte offset in the call text where the problem was found.
    pub offset: usize,
}

/// Why evaluating an intrinsic call failed.
///
/// Every variant is an execution failure named `States.Runtime` ([`Error::name`]): that is what
/// AWS reports for intrinsic failures, although its documentation lists
/// `States.IntrinsicFailure` (observed on AWS by the characterization suite cited in
/// `tests.rs`). The `Display` text is the cause AWS gives, without the
/// `An error occurred while executing the state ...` prefix that the engine adds.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A function got arguments of the wrong number, type or range, or data it cannot process
    /// (JSON text that does not parse, a template whose braces do not pair up, ...).
    #[error("Invalid arguments in {}", function.name())]
    InvalidArguments {
        /// The function whose arguments were rejected.
        function: Function,
    },
    /// A path argument could not be evaluated; the usual cause is that it selects nothing.
    ///
    /// The text is the path's own error. Payload templates report a path that selects nothing
    /// with the field name and the input instead, as AWS does (see `template::Error`).
    #[error("{source}")]
    Path {
        /// What went wrong, with the path as written in the call.
        source: path::Error,
    },
}

impl Error {
    /// The AWS error name an execution fails with: `States.Runtime`, for path errors as for
    /// invalid arguments.
    pub fn name(&self) -> &'static str {
        match self {
            Error::InvalidArguments { .. } => "States.Runtime",
            Error::Path { source } => source.name(),
        }
    }
}

/// The eighteen intrinsic functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Function {
    /// `States.Format(template, value...)`: fills the template's `{}` slots.
    Format,
    /// `States.StringToJson(string)`: parses JSON text.
    StringToJson,
    /// `States.JsonToString(value)`: writes compact JSON text.
    JsonToString,
    /// `States.Array(value...)`: an array of the arguments.
    Array,
    /// `States.ArrayPartition(array, size)`: chunks of `size` items.
    ArrayPartition,
    /// `States.ArrayContains(array, value)`: whether the array holds the value.
    ArrayContains,
    /// `States.ArrayRange(start, end, step)`: the numbers from `start` to `end`.
    ArrayRange,
    /// `States.ArrayGetItem(array, index)`: one item.
    ArrayGetItem,
    /// `States.ArrayLength(array)`: the number of items.
    ArrayLength,
    /// `States.ArrayUnique(array)`: the distinct items.
    ArrayUnique,
    /// `States.Base64Encode(string)`.
    Base64Encode,
    /// `States.Base64Decode(string)`.
    Base64Decode,
    /// `States.Hash(data, algorithm)`: a hex digest.
    Hash,
    /// `States.JsonMerge(object, object, false)`: a shallow merge.
    JsonMerge,
    /// `States.MathRandom(start, end[, seed])`: a random integer.
    MathRandom,
    /// `States.MathAdd(number, number)`: an integer sum.
    MathAdd,
    /// `States.StringSplit(string, delimiters)`: the tokens between delimiters.
    StringSplit,
    /// `States.UUID()`: a random version 4 UUID.
    Uuid,
}

impl Function {
    /// Every function, in the order of AWS's documentation.
    pub const ALL: [Function; 18] = [
        Function::Format,
        Function::StringToJson,
        Function::JsonToString,
        Function::Array,
        Function::ArrayPartition,
        Function::ArrayContains,
        Function::ArrayRange,
        Function::ArrayGetItem,
        Function::ArrayLength,
        Function::ArrayUnique,
        Function::Base64Encode,
        Function::Base64Decode,
        Function::Hash,
        Function::JsonMerge,
        Function::MathRandom,
        Function::MathAdd,
        Function::StringSplit,
        Function::Uuid,
    ];

    /// The full name, such as `States.Format`.
    pub fn name(self) -> &'static str {
        match self {
            Function::Format => "States.Format",
            Function::StringToJson => "States.StringToJson",
            Function::JsonToString => "States.JsonToString",
            Function::Array => "States.Array",
            Function::ArrayPartition => "States.ArrayPartition",
            Function::ArrayContains => "States.ArrayContains",
            Function::ArrayRange => "States.ArrayRange",
            Function::ArrayGetItem => "States.ArrayGetItem",
            Function::ArrayLength => "States.ArrayLength",
            Function::ArrayUnique => "States.ArrayUnique",
            Function::Base64Encode => "States.Base64Encode",
            Function::Base64Decode => "States.Base64Decode",
            Function::Hash => "States.Hash",
            Function::JsonMerge => "States.JsonMerge",
            Function::MathRandom => "States.MathRandom",
            Function::MathAdd => "States.MathAdd",
            Function::StringSplit => "States.StringSplit",
            Function::Uuid => "States.UUID",
        }
    }

    /// The function with this full name, if there is one (names are case-sensitive).
    pub fn from_name(name: &str) -> Option<Function> {
        Function::ALL.into_iter().find(|function| function.name() == name)
    }
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
