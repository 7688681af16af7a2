//! JSONPath as AWS Step Functions evaluates it: `InputPath`, `OutputPath`, `ItemsPath`, the
//! `*Path` fields, the `.$` fields of payload templates, and `ResultPath` writing.
//!
//! AWS evaluates paths with the Java library Jayway JsonPath, and its behaviour is the
//! specification here, quirks included:
//!
//! - Names in dot notation may hold any character but `.`, `[`, `(` and space (`$.a-b`,
//!   `$.a:b`, `$.&Ж中` are names; a backslash is an ordinary character). Bracket notation takes
//!   `'...'` or `"..."` and unions of them (`$['a','b']`).
//! - Indexes (`[0]`, `[-1]`), index unions (`[0,2]`), slices (`[1:3]`, `[:2]`, `[-2:]`; a
//!   step is ignored), wildcards (`.*`, `[*]`), deep scans (`..`), filters (`[?(...)]`) and the
//!   functions `length()`/`size()`, `min()`, `max()`, `avg()`, `sum()`, `stddev()`, `keys()`,
//!   `first()`, `last()`, `concat()`.
//! - A *definite* path (no wildcard, filter, slice, index union, scan, or name union before
//!   the end) evaluates to one value, and to an error when there is none. Any other path
//!   evaluates to an array of every match, possibly empty; AWS never fails such a path
//!   (`$.missing[*]` on `{}` gives `[]`).
//! - The errors of definite paths read exactly as AWS reports them, e.g.
//!   `Invalid path '$.a' : No results for path: $['a']` and
//!   `Invalid path '$.a.b' : Missing property in path $['a']` (see [`Error`]).
//! - Filters support `==`, `!=`, `<`, `<=`, `>`, `>=`, `=~ /regex/flags` (a full match, as
//!   Java's `matches()`), `in`, `nin`, `subsetof`, `anyof`, `noneof`, `contains`, `size`,
//!   `empty`, `exists`, `===`, `!==`, `&&`, `||`, `!`, parentheses, existence checks
//!   (`[?(@.isbn)]`) and paths from the document root (`@.price <= $.limit`). Comparisons
//!   follow Jayway: numbers with numbers, strings with strings (UTF-16 order); `==` between a
//!   number and a string converts the string. As AWS documents, `@` never matches a scalar.
//!
//! Beyond plain Jayway, a path may start at the context object (`$$`) or at a variable
//! (`$name`); the rest of the path is then evaluated against that value.
//!
//! Where Jayway versions disagree, these choices follow what AWS was observed to do, or the
//! least surprising reading when nothing was observed:
//!
//! - A bracketed name is taken as written: AWS matches `$['a\"b']` against the key `a\"b`
//!   (conformance case `test_escape_sequence_parsing`); only `\'` inside `'...'` stands for `'`.
//! - Negative indexes count from the end, as in recent Jayway versions.
//! - A function after a leading scan (`$..price.sum()`) applies to each match, as in the
//!   Jayway versions without the "scanner function inverter".
//! - Functions with arguments and the operators `all`, `type` and `matches` (usable only from
//!   Jayway's Java API) are rejected when parsing, and so are unknown functions, which Jayway
//!   only reports when evaluating.
//! - Regular expression flags are the letters right after the closing `/` (`i`, `m`, `s`, `x`;
//!   `d`, `u` and `U` change nothing in Rust's engine). Patterns use Rust's `regex` syntax,
//!   which matches Java's for common expressions and never backtracks catastrophically.
//!
//! Parsing is separate from evaluation so that a definition is checked once; regular
//! expressions are compiled at parse time. Evaluating a definite path of plain names and
//! indexes allocates nothing but the clone of its result.
//!
//! ```
//! use baton_asl::path::{NoVariables, Path, Roots};
//! use serde_json::json;
//!
//! let input = json!({"store": {"book": [{"price": 8}, {"price": 22}]}});
//! let roots = Roots { input: &input, context: &json!({}), variables: &NoVariables };
//! let cheap = Path::parse("$.store.book[?(@.price < 10)]").unwrap();
//! assert_eq!(cheap.evaluate(&roots).unwrap(), json!([{"price": 8}]));
//! let missing = Path::parse("$.store.pen").unwrap();
//! assert_eq!(
//!     missing.evaluate(&roots).unwrap_err().to_string(),
//!     "Invalid path '$.store.pen' : No results for path: $['store']['pen']"
//! );
//! ```

mod eval;
mod parse;
mod write;

#[cfg(test)]
mod tests;

use std::fmt::Write as _;

use serde_json::Value;

use self::eval::{Fault, Mode};
use self::parse::{Chain, Segment, Slice};
use crate::limits::PATH_EVALUATION_DEPTH_MAX;

pub use self::write::{write_result, write_result_in_place};

/// What a path starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Root {
    /// `$`: the state's input (or whatever document the field applies to).
    Input,
    /// `$$`: the context object.
    Context,
    /// `$name`: a workflow variable.
    Variable(String),
}

/// Where variables are looked up.
pub trait Variables {
    /// The value of the variable `name`, if it is defined.
    fn get(&self, name: &str) -> Option<&Value>;
}

impl Variables for serde_json::Map<String, Value> {
    fn get(&self, name: &str) -> Option<&Value> {
        serde_json::Map::get(self, name)
    }
}

/// No variables at all, for evaluations outside a state machine's variable scope.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoVariables;

impl Variables for NoVariables {
    fn get(&self, _name: &str) -> Option<&Value> {
        None
    }
}

/// The three roots a path can start from.
pub struct Roots<'a> {
    /// `$`.
    pub input: &'a Value,
    /// `$$`.
    pub context: &'a Value,
    /// `$name`.
    pub variables: &'a dyn Variables,
}

/// A parsed path. Two paths are equal when their texts are.
#[derive(Debug, Clone)]
pub struct Path {
    text: String,
    root: Root,
    chain: Chain,
}

impl PartialEq for Path {
    fn eq(&self, other: &Path) -> bool {
        self.text == other.text
    }
}

/// Why a path could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at offset {offset}")]
pub struct SyntaxError {
    /// What is wrong, for humans.
    pub message: String,
    /// The byte offset in the path text where the problem was found.
    pub offset: usize,
}

/// Why evaluating (or writing through) a path failed.
///
/// The `Display` text is the cause AWS reports, without the
/// `An error occurred while executing the state ...` prefix the engine adds. Payload templates
/// report "not found" errors with their own text; [`Error::kind`] tells those apart.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A definite path selected nothing: its last name or index is missing. `normalized` is
    /// the whole path in Jayway's canonical form (`$['a']['b'][0]`).
    #[error("Invalid path '{path}' : No results for path: {normalized}")]
    NoResults {
        /// The path as written.
        path: String,
        /// The path in canonical form.
        normalized: String,
    },
    /// A name before the end of a definite path is missing; `at` is the path up to and
    /// including it.
    #[error("Invalid path '{path}' : Missing property in path {at}")]
    MissingProperty {
        /// The path as written.
        path: String,
        /// Where the missing name is, in canonical form.
        at: String,
    },
    /// A name was applied to something that is not an object.
    #[error(
        "Invalid path '{path}' : Expected to find an object with property {property} in path {at} but found '{found}'. This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'."
    )]
    NotAnObject {
        /// The path as written.
        path: String,
        /// The name, as Jayway prints it (`['b']`).
        property: String,
        /// The path to the value that is not an object.
        at: String,
        /// The Java class of that value, as Jayway prints it.
        found: &'static str,
    },
    /// An index or slice was applied to something that is not an array.
    #[error(
        "Invalid path '{path}' : Filter: {filter} can only be applied to arrays. Current context is: {context}"
    )]
    NotAnArray {
        /// The path as written.
        path: String,
        /// The rest of the path from the index on, in canonical form.
        filter: String,
        /// The value that is not an array.
        context: String,
    },
    /// An index or slice was applied to `null`.
    #[error("Invalid path '{path}' : The path {at} is null")]
    NullArray {
        /// The path as written.
        path: String,
        /// The path to the `null`.
        at: String,
    },
    /// `min()`, `max()`, `avg()`, `sum()` or `stddev()` found no numbers.
    #[error(
        "Invalid path '{path}' : Aggregation function attempted to calculate value using empty array"
    )]
    EmptyAggregation {
        /// The path as written.
        path: String,
    },
    /// The path starts at a variable that is not defined.
    #[error("Invalid path '{path}' : The variable '{name}' is not defined")]
    UndefinedVariable {
        /// The path as written.
        path: String,
        /// The variable's name, without `$`.
        name: String,
    },
    /// The evaluation nested deeper than [`PATH_EVALUATION_DEPTH_MAX`] levels.
    #[error(
        "Invalid path '{path}' : the evaluation nests deeper than {PATH_EVALUATION_DEPTH_MAX} levels"
    )]
    TooDeep {
        /// The path as written.
        path: String,
    },
    /// `ResultPath` cannot be applied to the input: a name meets something that is not an
    /// object, or an index something that is not an array or is out of range.
    /// The text is the cause AWS reports with `States.ResultPathMatchFailure`.
    #[error("Unable to apply ReferencePath {path} to input {input}")]
    ResultPathMatchFailure {
        /// The path as written.
        path: String,
        /// The input, as compact JSON.
        input: String,
    },
    /// [`write_result`] was given a path that is not a reference path rooted at `$`, which
    /// validation rejects for `ResultPath`.
    #[error("Invalid path '{path}' : a ResultPath must be a reference path starting with '$'")]
    NotAResultPath {
        /// The path as written.
        path: String,
    },
}

/// The families of [`Error`] that callers treat differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The path selects nothing. Payload templates report these as
    /// `The JSONPath '...' specified for the field '...' could not be found in the input '...'`.
    NotFound,
    /// `ResultPath` could not be applied: AWS fails with `States.ResultPathMatchFailure`.
    ResultPathMatchFailure,
    /// Anything else; AWS fails with `States.Runtime`.
    Runtime,
}

impl Error {
    /// Which family the error belongs to.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::NoResults { .. }
            | Error::MissingProperty { .. }
            | Error::NotAnObject { .. }
            | Error::NotAnArray { .. }
            | Error::NullArray { .. }
            | Error::UndefinedVariable { .. } => ErrorKind::NotFound,
            Error::ResultPathMatchFailure { .. } => ErrorKind::ResultPathMatchFailure,
            Error::EmptyAggregation { .. }
            | Error::TooDeep { .. }
            | Error::NotAResultPath { .. } => ErrorKind::Runtime,
        }
    }

    /// The AWS error name an execution fails with.
    pub fn name(&self) -> &'static str {
        match self.kind() {
            ErrorKind::ResultPathMatchFailure => "States.ResultPathMatchFailure",
            ErrorKind::NotFound | ErrorKind::Runtime => "States.Runtime",
        }
    }

    /// The path as written.
    pub fn path(&self) -> &str {
        match self {
            Error::NoResults { path, .. }
            | Error::MissingProperty { path, .. }
            | Error::NotAnObject { path, .. }
            | Error::NotAnArray { path, .. }
            | Error::NullArray { path, .. }
            | Error::EmptyAggregation { path }
            | Error::UndefinedVariable { path, .. }
            | Error::TooDeep { path }
            | Error::ResultPathMatchFailure { path, .. }
            | Error::NotAResultPath { path } => path,
        }
    }
}

impl Path {
    /// Parses a path as AWS accepts it in a `*Path` field or a `.$` field.
    pub fn parse(text: &str) -> Result<Path, SyntaxError> {
        let (root, chain) = parse::parse(text)?;
        Ok(Path { text: text.to_owned(), root, chain })
    }

    /// The path as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// What the path starts from.
    pub fn root(&self) -> &Root {
        &self.root
    }

    /// The workflow variable the path reads (`name` of `$name.x`), if it starts at one. Filters
    /// cannot name variables, so this is every variable a path reads.
    pub fn variable(&self) -> Option<&str> {
        match &self.root {
            Root::Variable(name) => Some(name),
            Root::Input | Root::Context => None,
        }
    }

    /// Jayway's "definite": the path selects at most one node, so it evaluates to that node
    /// rather than to an array. Wildcards, filters, slices, index unions, scans and name
    /// unions that are not last make a path indefinite.
    pub fn is_definite(&self) -> bool {
        self.chain.is_definite()
    }

    /// An ASL *Reference Path*: only single names and single non-negative indexes, so that it
    /// identifies exactly one node (required by `ResultPath`, `ItemsPath` and others).
    pub fn is_reference_path(&self) -> bool {
        self.chain.segments.iter().all(|segment| match segment {
            Segment::Name { .. } => true,
            Segment::Index(index) => *index >= 0,
            _ => false,
        })
    }

    /// Evaluates the path: the selected value for a definite path, an array of every match
    /// for an indefinite one.
    pub fn evaluate(&self, roots: &Roots<'_>) -> Result<Value, Error> {
        let document = match &self.root {
            Root::Input => roots.input,
            Root::Context => roots.context,
            Root::Variable(name) => roots.variables.get(name).ok_or_else(|| {
                Error::UndefinedVariable { path: self.text.clone(), name: name.clone() }
            })?,
        };
        let chain = &self.chain;
        if chain.simple
            && let Some(found) = eval::lookup(&chain.segments, document)
        {
            return Ok(found.clone());
        }
        let definite = chain.is_definite();
        let mode = Mode { require_properties: false, detail: definite };
        match eval::run(chain, document, document, mode, 0) {
            Ok(mut results) if definite => results.pop().ok_or_else(|| self.no_results()),
            Ok(results) => Ok(Value::Array(results)),
            Err(Fault::TooDeep) => Err(Error::TooDeep { path: self.text.clone() }),
            Err(fault) if definite => Err(self.fault_error(fault)),
            // AWS answers an indefinite path that fails with an empty array.
            Err(_) => Ok(Value::Array(Vec::new())),
        }
    }

    fn no_results(&self) -> Error {
        Error::NoResults { path: self.text.clone(), normalized: self.canonical() }
    }

    /// The error a fault of a definite path becomes, with Jayway's message parts.
    fn fault_error(&self, fault: Fault) -> Error {
        let path = self.text.clone();
        let segments = &self.chain.segments;
        match fault {
            Fault::MissingProperty { seg } => {
                let mut at = evaluated_path(segments, seg);
                if let Some(Segment::Name { name, .. }) = segments.get(seg) {
                    let _ = write!(at, "['{name}']");
                }
                Error::MissingProperty { path, at }
            }
            Fault::NotAnObject { seg, found } => Error::NotAnObject {
                path,
                property: segments.get(seg).map(fragment).unwrap_or_default(),
                at: evaluated_path(segments, seg),
                found,
            },
            Fault::NotAnArray { seg, context } => Error::NotAnArray {
                path,
                filter: segments.get(seg..).unwrap_or_default().iter().map(fragment).collect(),
                context,
            },
            Fault::NullArray { seg } => {
                Error::NullArray { path, at: evaluated_path(segments, seg) }
            }
            Fault::EmptyAggregation => Error::EmptyAggregation { path },
            Fault::TooDeep => Error::TooDeep { path },
            // Only indefinite chains or existence checks fail these ways; for a definite
            // chain, "no results" is the honest description.
            Fault::NoResultsLeaf | Fault::WildcardScalar | Fault::FilterOnScalar => {
                self.no_results()
            }
        }
    }

    /// Jayway's canonical form of the whole path (`$['a'][0][*]`), which AWS prints in
    /// "No results" errors. Every root prints as `$`, since AWS hands Jayway the context
    /// object or the variable's value as the document.
    fn canonical(&self) -> String {
        let mut text = String::from("$");
        for segment in &self.chain.segments {
            text.push_str(&fragment(segment));
        }
        text
    }
}

/// The path Jayway has evaluated before segment `seg` (its `currentPath`): names always in
/// single quotes, functions left out.
fn evaluated_path(segments: &[Segment], seg: usize) -> String {
    let mut text = String::from("$");
    for segment in segments.get(..seg).unwrap_or_default() {
        match segment {
            Segment::Name { name, .. } => {
                let _ = write!(text, "['{name}']");
            }
            Segment::Function(_) => {}
            other => text.push_str(&fragment(other)),
        }
    }
    text
}

/// Jayway's `getPathFragment` of one segment.
fn fragment(segment: &Segment) -> String {
    match segment {
        Segment::Name { name, quote } => format!("[{quote}{name}{quote}]"),
        Segment::Names { names, quote } => {
            let quoted: Vec<String> =
                names.iter().map(|name| format!("{quote}{name}{quote}")).collect();
            format!("[{}]", quoted.join(","))
        }
        Segment::Index(index) => format!("[{index}]"),
        Segment::Indexes(indexes) => {
            let printed: Vec<String> = indexes.iter().map(i32::to_string).collect();
            format!("[{}]", printed.join(","))
        }
        Segment::Slice(Slice::From(from)) => format!("[{from}:]"),
        Segment::Slice(Slice::To(to)) => format!("[:{to}]"),
        Segment::Slice(Slice::Between(from, to)) => format!("[{from}:{to}]"),
        Segment::Wildcard => "[*]".to_owned(),
        Segment::Scan => "..".to_owned(),
        Segment::Filter(_) => "[?]".to_owned(),
        Segment::Function(function) => format!(".{}()", function.name),
    }
}
