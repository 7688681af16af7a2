//! The path parser: text to [`Chain`], following the grammar of Jayway JsonPath's
//! `PathCompiler` and `FilterCompiler` (the library AWS Step Functions evaluates paths with),
//! including its leniencies, so that a path AWS accepts parses here and one it rejects does not.
//!
//! Where Jayway versions differ, this follows the behaviour AWS was observed to have; the
//! choices are listed in the module documentation of [`crate::path`].

use std::cmp::Ordering;

use regex::{Regex, RegexBuilder};
use serde_json::{Map, Number, Value};

use super::{Root, SyntaxError};
use crate::limits::{PATH_NESTING_DEPTH_MAX, PATH_REGEX_BYTES_MAX};

/// The steps of a path after its root.
#[derive(Clone, Debug)]
pub(crate) struct Chain {
    pub(crate) segments: Vec<Segment>,
    /// Index of the first segment that can select more than one node (`segments.len()` when
    /// none can). Jayway raises "not found" errors only for segments whose upstream is definite,
    /// that is, for segments at or before this index.
    pub(crate) first_indefinite: usize,
    /// True when every segment is a single name or a single index: such chains are walked by a
    /// loop that neither allocates nor recurses.
    pub(crate) simple: bool,
}

impl Chain {
    fn new(segments: Vec<Segment>) -> Chain {
        let count = segments.len();
        let first_indefinite =
            (0..count).find(|&index| !token_definite(&segments, index)).unwrap_or(count);
        let simple = segments
            .iter()
            .all(|segment| matches!(segment, Segment::Name { .. } | Segment::Index(_)));
        Chain { segments, first_indefinite, simple }
    }

    /// Jayway's "definite": the chain selects at most one node.
    pub(crate) fn is_definite(&self) -> bool {
        self.first_indefinite == self.segments.len()
    }
}

/// Jayway's `isTokenDefinite`. A multi-name segment is definite only as the last segment,
/// where Jayway merges the named members into one object instead of iterating them.
fn token_definite(segments: &[Segment], index: usize) -> bool {
    match segments.get(index) {
        Some(Segment::Name { .. } | Segment::Index(_) | Segment::Function(_)) => true,
        Some(Segment::Names { .. }) => index + 1 == segments.len(),
        Some(
            Segment::Indexes(_)
            | Segment::Slice(_)
            | Segment::Wildcard
            | Segment::Scan
            | Segment::Filter(_),
        )
        | None => false,
    }
}

/// One step of a path.
#[derive(Clone, Debug)]
pub(crate) enum Segment {
    /// `.name`, `['name']` or `["name"]`; `quote` is the delimiter Jayway prints it with.
    Name { name: String, quote: char },
    /// `['a','b']`.
    Names { names: Vec<String>, quote: char },
    /// `[2]` or `[-1]`.
    Index(i32),
    /// `[0,2,-1]`.
    Indexes(Vec<i32>),
    /// `[1:3]`, `[1:]` or `[:3]`.
    Slice(Slice),
    /// `.*` or `[*]`.
    Wildcard,
    /// `..`: the segment after it is applied to every node of the subtree.
    Scan,
    /// `[?(...)]`.
    Filter(Box<Expr>),
    /// `.length()` and friends.
    Function(Function),
}

/// Jayway's three slice forms. A step (`[a:b:c]`) is parsed and ignored, as Jayway does.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Slice {
    From(i32),
    To(i32),
    Between(i32, i32),
}

/// A path function, called without arguments.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Function {
    pub(crate) kind: FunctionKind,
    /// The name as written (`size` is an alias of `length`), for the canonical form.
    pub(crate) name: &'static str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FunctionKind {
    Length,
    Min,
    Max,
    Avg,
    Sum,
    StdDev,
    Keys,
    First,
    Last,
    Concat,
}

const FUNCTIONS: [(&str, FunctionKind); 11] = [
    ("length", FunctionKind::Length),
    ("size", FunctionKind::Length),
    ("min", FunctionKind::Min),
    ("max", FunctionKind::Max),
    ("avg", FunctionKind::Avg),
    ("sum", FunctionKind::Sum),
    ("stddev", FunctionKind::StdDev),
    ("keys", FunctionKind::Keys),
    ("first", FunctionKind::First),
    ("last", FunctionKind::Last),
    ("concat", FunctionKind::Concat),
];

/// A filter expression.
#[derive(Clone, Debug)]
pub(crate) enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Not(Box<Expr>),
    /// `@.isbn` (or `!@.isbn` when `should_exist` is false).
    Exists {
        path: Box<SubPath>,
        should_exist: bool,
    },
    Compare {
        left: Operand,
        op: Op,
        right: Operand,
    },
}

/// A path inside a filter, relative to the current item (`@`) or to the document (`$`).
#[derive(Clone, Debug)]
pub(crate) struct SubPath {
    pub(crate) relative: bool,
    pub(crate) chain: Chain,
}

#[derive(Clone, Debug)]
pub(crate) enum Operand {
    Path(Box<SubPath>),
    Literal(Literal),
    Pattern(Pattern),
}

#[derive(Clone, Debug)]
pub(crate) enum Literal {
    String(String),
    /// A number and its text as Java's `BigDecimal.toString` would print it.
    Number(Num, String),
    Bool(bool),
    Null,
    /// A JSON array or object, written in json-smart's permissive syntax.
    Json(Value),
}

/// A `/regex/flags` literal, compiled once at parse time and anchored at both ends because
/// Jayway matches with Java's `Matcher.matches()`.
#[derive(Clone, Debug)]
pub(crate) struct Pattern {
    pub(crate) regex: Regex,
    pub(crate) source: String,
}

/// A number as Jayway compares it (`BigDecimal`): integers exactly, everything else as `f64`.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    pub(crate) fn of(number: &Number) -> Num {
        if let Some(int) = number.as_i64() {
            Num::Int(i128::from(int))
        } else if let Some(int) = number.as_u64() {
            Num::Int(i128::from(int))
        } else {
            Num::Float(number.as_f64().unwrap_or(f64::NAN))
        }
    }

    #[allow(clippy::cast_precision_loss)]
    fn as_f64(self) -> f64 {
        match self {
            Num::Int(int) => int as f64,
            Num::Float(float) => float,
        }
    }

    pub(crate) fn compare(self, other: Num) -> Option<Ordering> {
        match (self, other) {
            (Num::Int(left), Num::Int(right)) => Some(left.cmp(&right)),
            (left, right) => left.as_f64().partial_cmp(&right.as_f64()),
        }
    }

    /// `BigDecimal.intValue()`: truncation toward zero, keeping the low 32 bits.
    #[allow(clippy::cast_possible_truncation)]
    pub(crate) fn int_value(self) -> i32 {
        match self {
            Num::Int(int) => int as i32,
            Num::Float(float) => (float.trunc() as i128) as i32,
        }
    }
}

/// Filter operators (Jayway's `RelationalOperator`, minus `all`, `type` and `matches`, which
/// only work through Jayway's Java API).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    StrictEq,
    StrictNe,
    Lt,
    Le,
    Gt,
    Ge,
    Regex,
    In,
    Nin,
    Contains,
    Size,
    Exists,
    Empty,
    SubsetOf,
    AnyOf,
    NoneOf,
}

const OPERATORS: [(&str, Op); 18] = [
    (">=", Op::Ge),
    ("<=", Op::Le),
    ("==", Op::Eq),
    ("===", Op::StrictEq),
    ("!=", Op::Ne),
    ("!==", Op::StrictNe),
    ("<", Op::Lt),
    (">", Op::Gt),
    ("=~", Op::Regex),
    ("NIN", Op::Nin),
    ("IN", Op::In),
    ("CONTAINS", Op::Contains),
    ("SIZE", Op::Size),
    ("EXISTS", Op::Exists),
    ("EMPTY", Op::Empty),
    ("SUBSETOF", Op::SubsetOf),
    ("ANYOF", Op::AnyOf),
    ("NONEOF", Op::NoneOf),
];

/// Parses a whole path: its root (`$`, `$$` or `$name`) and its chain.
pub(crate) fn parse(text: &str) -> Result<(Root, Chain), SyntaxError> {
    let (root, start) = parse_root(text)?;
    let chain = parse_chain(text, start, 0, 0)?;
    Ok((root, chain))
}

fn error(offset: usize, message: impl Into<String>) -> SyntaxError {
    SyntaxError { message: message.into(), offset }
}

/// Reads the root. A variable name is made of letters, digits and `_` and does not start with
/// a digit; whatever follows must be `.`, `[` or the end (checked by [`parse_chain`]).
fn parse_root(text: &str) -> Result<(Root, usize), SyntaxError> {
    let Some(rest) = text.strip_prefix('$') else {
        return Err(error(0, "a path must start with '$'"));
    };
    if rest.starts_with('$') {
        return Ok((Root::Context, 2));
    }
    let mut end = 1;
    for (index, character) in rest.char_indices() {
        let allowed = character == '_'
            || if index == 0 { character.is_alphabetic() } else { character.is_alphanumeric() };
        if !allowed {
            break;
        }
        end = 1 + index + character.len_utf8();
    }
    match text.get(1..end) {
        Some(name) if !name.is_empty() => Ok((Root::Variable(name.to_owned()), end)),
        _ => Ok((Root::Input, 1)),
    }
}

/// Parses the segments of `text` from byte `start` (just after the root). `base` is the offset
/// of `text` in the text the user wrote, for error offsets; `depth` counts filter nesting.
fn parse_chain(text: &str, start: usize, base: usize, depth: usize) -> Result<Chain, SyntaxError> {
    let bytes = text.as_bytes();
    let mut segments = Vec::new();
    if start < bytes.len() {
        if bytes.last() == Some(&b'.') {
            return Err(error(base + bytes.len() - 1, "a path must not end with '.' or '..'"));
        }
        if !matches!(bytes.get(start), Some(b'.' | b'[')) {
            return Err(error(base + start, "expected '.' or '[' after the root"));
        }
        let mut parser = ChainParser { text, bytes, base, depth, segments: &mut segments };
        let mut position = start;
        while position < bytes.len() {
            position = parser.token(position)?;
        }
    }
    Ok(Chain::new(segments))
}

struct ChainParser<'t, 's> {
    text: &'t str,
    bytes: &'t [u8],
    base: usize,
    depth: usize,
    segments: &'s mut Vec<Segment>,
}

impl ChainParser<'_, '_> {
    fn error(&self, position: usize, message: impl Into<String>) -> SyntaxError {
        error(self.base + position, message)
    }

    fn slice(&self, start: usize, end: usize) -> Result<&str, SyntaxError> {
        self.text.get(start..end).ok_or_else(|| self.error(start, "malformed path"))
    }

    /// Reads one token starting at `position` and returns where the next one starts.
    fn token(&mut self, position: usize) -> Result<usize, SyntaxError> {
        match self.bytes.get(position) {
            Some(b'[') => self.bracket(position),
            Some(b'.') => self.dot(position),
            Some(b'*') => {
                self.segments.push(Segment::Wildcard);
                Ok(position + 1)
            }
            _ => self.property(position),
        }
    }

    /// `.` (a separator) or `..` (a scan).
    fn dot(&mut self, position: usize) -> Result<usize, SyntaxError> {
        let next = if self.bytes.get(position + 1) == Some(&b'.') {
            self.segments.push(Segment::Scan);
            position + 2
        } else {
            position + 1
        };
        match self.bytes.get(next) {
            Some(b'.') => Err(self.error(next, format!("character '.' at {next} is not valid"))),
            None => Err(self.error(position, "a path must not end with '.' or '..'")),
            Some(_) => Ok(next),
        }
    }

    /// A name in dot notation: anything up to `.`, `[` or `(` (a function call); spaces are not
    /// allowed, every other character is.
    fn property(&mut self, position: usize) -> Result<usize, SyntaxError> {
        let mut end = position;
        loop {
            match self.bytes.get(end) {
                Some(b' ') => {
                    return Err(self.error(
                        end,
                        "use bracket notation ['my prop'] for a name that contains spaces",
                    ));
                }
                Some(b'.' | b'[') | None => break,
                Some(b'(') => return self.function(position, end),
                Some(_) => end += 1,
            }
        }
        let name = self.slice(position, end)?.to_owned();
        self.segments.push(Segment::Name { name, quote: '\'' });
        Ok(end)
    }

    fn function(&mut self, start: usize, open: usize) -> Result<usize, SyntaxError> {
        let name = self.slice(start, open)?;
        let mut level = 1usize;
        let mut close = open + 1;
        while let Some(&byte) = self.bytes.get(close) {
            match byte {
                b'(' => level += 1,
                b')' => {
                    level -= 1;
                    if level == 0 {
                        break;
                    }
                }
                _ => {}
            }
            close += 1;
        }
        if level != 0 {
            return Err(
                self.error(open, format!("arguments to function '{name}' are not closed properly"))
            );
        }
        if !self
            .slice(open + 1, close)?
            .bytes()
            .all(|byte| matches!(byte, b' ' | b'\t' | b'\n' | b'\r'))
        {
            return Err(self.error(open, format!("function '{name}' takes no arguments here")));
        }
        let Some(&(name, kind)) = FUNCTIONS.iter().find(|(known, _)| *known == name) else {
            return Err(self.error(start, format!("function '{name}' does not exist")));
        };
        self.segments.push(Segment::Function(Function { kind, name }));
        Ok(close + 1)
    }

    fn bracket(&mut self, position: usize) -> Result<usize, SyntaxError> {
        let significant = next_significant(self.bytes, position);
        let parsed = match significant.and_then(|index| self.bytes.get(index).map(|&b| (index, b)))
        {
            Some((_, quote @ (b'\'' | b'"'))) => Some(self.bracket_names(position, quote)?),
            Some((_, byte)) if byte.is_ascii_digit() || byte == b'-' || byte == b':' => {
                self.array(position)?
            }
            Some((star, b'*')) => Some(self.bracket_wildcard(star)?),
            Some((question, b'?')) => self.filter(question)?,
            _ => None,
        };
        parsed.ok_or_else(|| {
            self.error(
                position,
                format!("could not parse the token at {position}; expected ?, ', 0-9 or *"),
            )
        })
    }

    /// `['a']`, `["a"]`, `['a','b']`. A backslash keeps the next character from ending the
    /// name; the name is otherwise taken as written (AWS matches `$['a\"b']` against the key
    /// `a\"b`), except that `\'` inside `'...'` (and `\"` inside `"..."`) stands for the quote.
    fn bracket_names(&mut self, position: usize, quote: u8) -> Result<usize, SyntaxError> {
        let mut names = Vec::new();
        let mut in_name = false;
        let mut escaped = false;
        let mut last_was_comma = false;
        let mut name_start = 0;
        let mut last_quote = None;
        let mut index = position + 1;
        while let Some(&byte) = self.bytes.get(index) {
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b']' && !in_name {
                if last_was_comma {
                    return Err(self.error(index, "found an empty name"));
                }
                break;
            } else if byte == quote {
                if in_name {
                    let after = next_significant(self.bytes, index).and_then(|i| self.bytes.get(i));
                    if !matches!(after, Some(b']' | b',')) {
                        return Err(self.error(
                            index,
                            "names in brackets must be separated by ',' and closed by ']'",
                        ));
                    }
                    let raw = self.slice(name_start, index)?;
                    names.push(unescape_quote(raw, char::from(quote)));
                    in_name = false;
                    last_quote = Some(index);
                } else {
                    name_start = index + 1;
                    in_name = true;
                    last_was_comma = false;
                }
            } else if byte == b',' && !in_name {
                if last_was_comma {
                    return Err(self.error(index, "found an empty name"));
                }
                last_was_comma = true;
            }
            index += 1;
        }
        if in_name {
            return Err(self
                .error(position, format!("a name is not closed: missing {}", char::from(quote))));
        }
        let close = last_quote
            .and_then(|last| next_significant(self.bytes, last))
            .filter(|&close| self.bytes.get(close) == Some(&b']'))
            .ok_or_else(|| self.error(position, "a name is not closed: missing ]"))?;
        let quote = char::from(quote);
        let segment = if names.len() == 1 {
            Segment::Name { name: names.pop().unwrap_or_default(), quote }
        } else {
            Segment::Names { names, quote }
        };
        self.segments.push(segment);
        Ok(close + 1)
    }

    /// `[1]`, `[1,2]`, `[1:2]`, `[:2]`, `[-2:]`. Returns `None` when the brackets hold
    /// something else, as Jayway's `readArrayToken` does.
    fn array(&mut self, position: usize) -> Result<Option<usize>, SyntaxError> {
        let Some(close) = find(self.bytes, position + 1, b']') else {
            return Ok(None);
        };
        let expression = java_trim(self.slice(position + 1, close)?);
        if !expression.bytes().all(|b| b.is_ascii_digit() || matches!(b, b',' | b'-' | b':' | b' '))
        {
            return Ok(None);
        }
        let segment = if expression.contains(':') {
            Segment::Slice(self.slice_operation(position, expression)?)
        } else {
            let mut indexes = Vec::new();
            for token in expression.split(',') {
                let index = parse_java_int(token.trim_matches(' ')).ok_or_else(|| {
                    self.error(position, format!("failed to parse the index list '{expression}'"))
                })?;
                indexes.push(index);
            }
            if indexes.len() == 1 {
                Segment::Index(indexes.pop().unwrap_or_default())
            } else {
                Segment::Indexes(indexes)
            }
        };
        self.segments.push(segment);
        Ok(Some(close + 1))
    }

    fn slice_operation(&self, position: usize, expression: &str) -> Result<Slice, SyntaxError> {
        let invalid = || self.error(position, format!("failed to parse the slice '{expression}'"));
        if !expression.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'-' | b':')) {
            return Err(invalid());
        }
        // Java's `String.split` drops trailing empty strings: `1:` has one part.
        let mut parts: Vec<&str> = expression.split(':').collect();
        while parts.last() == Some(&"") {
            parts.pop();
        }
        let bound = |index: usize| -> Result<Option<i32>, SyntaxError> {
            match parts.get(index) {
                None | Some(&"") => Ok(None),
                Some(text) => parse_java_int(text).map(Some).ok_or_else(invalid),
            }
        };
        match (bound(0)?, bound(1)?) {
            (Some(from), None) => Ok(Slice::From(from)),
            (None, Some(to)) => Ok(Slice::To(to)),
            (Some(from), Some(to)) => Ok(Slice::Between(from, to)),
            (None, None) => Err(invalid()),
        }
    }

    fn bracket_wildcard(&mut self, star: usize) -> Result<usize, SyntaxError> {
        let close = next_significant(self.bytes, star)
            .filter(|&close| self.bytes.get(close) == Some(&b']'))
            .ok_or_else(|| self.error(star + 1, "expected the wildcard to end with ']'"))?;
        self.segments.push(Segment::Wildcard);
        Ok(close + 1)
    }

    /// `[?(...)]`: finds the parenthesis that closes the filter (skipping quoted strings and
    /// regular expressions) and hands the parenthesised text to [`FilterParser`].
    fn filter(&mut self, question: usize) -> Result<Option<usize>, SyntaxError> {
        let Some(open) =
            next_significant(self.bytes, question).filter(|&i| self.bytes.get(i) == Some(&b'('))
        else {
            return Ok(None);
        };
        let close = matching_close(self.bytes, open, b'(', b')', true, true)
            .map_err(|message| self.error(open, message))?;
        let Some(close) = close else {
            return Ok(None);
        };
        let Some(end) =
            next_significant(self.bytes, close).filter(|&i| self.bytes.get(i) == Some(&b']'))
        else {
            return Ok(None);
        };
        let depth = self.depth + 1;
        if depth > PATH_NESTING_DEPTH_MAX {
            return Err(self.error(open, "filters are nested too deeply"));
        }
        let source = self.slice(open, close + 1)?;
        let expression = FilterParser::parse(source, self.base + open, depth)?;
        self.segments.push(Segment::Filter(Box::new(expression)));
        Ok(Some(end + 1))
    }
}

/// Index of the first byte after `position` that is not a space (Jayway's
/// `nextSignificantChar` only skips spaces).
fn next_significant(bytes: &[u8], position: usize) -> Option<usize> {
    let mut index = position + 1;
    while bytes.get(index) == Some(&b' ') {
        index += 1;
    }
    (index < bytes.len()).then_some(index)
}

fn find(bytes: &[u8], from: usize, wanted: u8) -> Option<usize> {
    bytes.get(from..)?.iter().position(|&byte| byte == wanted).map(|index| from + index)
}

/// Index of the next `wanted` after `position` that is not escaped by a backslash.
fn next_unescaped(bytes: &[u8], position: usize, wanted: u8) -> Option<usize> {
    let mut escaped = false;
    let mut index = position + 1;
    while let Some(&byte) = bytes.get(index) {
        if escaped {
            escaped = false;
        } else if byte == b'\\' {
            escaped = true;
        } else if byte == wanted {
            return Some(index);
        }
        index += 1;
    }
    None
}

/// Jayway's `indexOfMatchingCloseChar`: the index of the `close` that matches the `open` at
/// `start`, optionally skipping quoted strings and `/regex/` literals.
fn matching_close(
    bytes: &[u8],
    start: usize,
    open: u8,
    close: u8,
    skip_strings: bool,
    skip_regex: bool,
) -> Result<Option<usize>, &'static str> {
    let mut opened = 1usize;
    let mut index = start + 1;
    while index < bytes.len() {
        if skip_strings && let Some(&quote @ (b'\'' | b'"')) = bytes.get(index) {
            index = next_unescaped(bytes, index, quote).ok_or("a quoted string is not closed")? + 1;
        }
        if skip_regex && bytes.get(index) == Some(&b'/') {
            index = next_unescaped(bytes, index, b'/')
                .ok_or("a regular expression is not closed with '/'")?
                + 1;
        }
        let Some(&byte) = bytes.get(index) else {
            return Err("unexpected end of the path");
        };
        if byte == open {
            opened += 1;
        } else if byte == close {
            opened -= 1;
            if opened == 0 {
                return Ok(Some(index));
            }
        }
        index += 1;
    }
    Ok(None)
}

/// Java's `String.trim()`: strips every character up to and including U+0020.
fn java_trim(text: &str) -> &str {
    text.trim_matches(|character: char| character <= ' ')
}

/// Java's `Integer.parseInt` on the characters Jayway lets through (digits and a leading `-`).
fn parse_java_int(text: &str) -> Option<i32> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Replaces `\<quote>` with `<quote>` in a bracketed name and keeps every other character.
fn unescape_quote(raw: &str, quote: char) -> String {
    let mut name = String::with_capacity(raw.len());
    let mut characters = raw.chars().peekable();
    while let Some(character) = characters.next() {
        if character == '\\' && characters.peek() == Some(&quote) {
            continue;
        }
        name.push(character);
    }
    name
}

/// Parses a filter expression: the parenthesised text of `[?(...)]`, parentheses included.
///
/// The grammar is Jayway's `FilterCompiler`:
/// `or = and {'||' and}`, `and = operand {'&&' operand}`,
/// `operand = '!' operand | '(' or ')' | value [operator value]`.
struct FilterParser<'t> {
    text: &'t str,
    bytes: &'t [u8],
    position: usize,
    base: usize,
    depth: usize,
}

impl FilterParser<'_> {
    fn parse(text: &str, base: usize, depth: usize) -> Result<Expr, SyntaxError> {
        let mut parser = FilterParser { text, bytes: text.as_bytes(), position: 0, base, depth };
        let expression = parser.or()?;
        parser.skip_blanks();
        if parser.position < parser.bytes.len() {
            let rest = text.get(parser.position..).unwrap_or_default();
            return Err(parser.error(format!("expected the end of the filter instead of '{rest}'")));
        }
        Ok(expression)
    }

    fn error(&self, message: impl Into<String>) -> SyntaxError {
        error(self.base + self.position, message)
    }

    fn current(&self) -> Option<u8> {
        self.bytes.get(self.position).copied()
    }

    /// Jayway's `skipBlanks` skips spaces only.
    fn skip_blanks(&mut self) {
        while self.current() == Some(b' ') {
            self.position += 1;
        }
    }

    fn slice(&self, start: usize, end: usize) -> Result<&str, SyntaxError> {
        self.text.get(start..end).ok_or_else(|| self.error("malformed filter"))
    }

    fn nested<T>(
        &mut self,
        parse: impl FnOnce(&mut Self) -> Result<T, SyntaxError>,
    ) -> Result<T, SyntaxError> {
        self.depth += 1;
        if self.depth > PATH_NESTING_DEPTH_MAX {
            return Err(self.error("the filter is nested too deeply"));
        }
        let result = parse(self);
        self.depth -= 1;
        result
    }

    fn significant(&mut self, token: &str) -> bool {
        self.skip_blanks();
        if self.bytes.get(self.position..).is_some_and(|rest| rest.starts_with(token.as_bytes())) {
            self.position += token.len();
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Result<Expr, SyntaxError> {
        let mut operands = vec![self.and()?];
        loop {
            let save = self.position;
            if self.significant("||") {
                operands.push(self.and()?);
            } else {
                self.position = save;
                break;
            }
        }
        Ok(if operands.len() == 1 {
            operands.pop().unwrap_or(Expr::Or(Vec::new()))
        } else {
            Expr::Or(operands)
        })
    }

    fn and(&mut self) -> Result<Expr, SyntaxError> {
        let mut operands = vec![self.operand()?];
        loop {
            let save = self.position;
            if self.significant("&&") {
                operands.push(self.operand()?);
            } else {
                self.position = save;
                break;
            }
        }
        Ok(if operands.len() == 1 {
            operands.pop().unwrap_or(Expr::And(Vec::new()))
        } else {
            Expr::And(operands)
        })
    }

    fn operand(&mut self) -> Result<Expr, SyntaxError> {
        self.skip_blanks();
        let save = self.position;
        if self.current() == Some(b'!') {
            self.position += 1;
            self.skip_blanks();
            if matches!(self.current(), Some(b'$' | b'@')) {
                // `!@.x` is a negated existence check, read by `value`.
                self.position = save;
            } else {
                let inner = self.nested(Self::operand)?;
                return Ok(Expr::Not(Box::new(inner)));
            }
        }
        if self.current() == Some(b'(') {
            self.position += 1;
            let inner = self.nested(Self::or)?;
            self.skip_blanks();
            if self.current() != Some(b')') {
                return Err(self.error("expected ')'"));
            }
            self.position += 1;
            return Ok(inner);
        }
        self.relation()
    }

    /// `value operator value`, or a lone path (an existence check). As in Jayway, a failure
    /// to read the operator or the right-hand value falls back to the existence check.
    fn relation(&mut self) -> Result<Expr, SyntaxError> {
        let (left, should_exist) = self.value()?;
        let save = self.position;
        let right = self.operator().and_then(|op| Ok((op, self.value()?.0)));
        match (right, left) {
            (Ok((op, right)), left) => Ok(Expr::Compare { left, op, right }),
            (Err(_), Operand::Path(path)) => {
                self.position = save;
                Ok(Expr::Exists { path, should_exist })
            }
            (Err(_), _) => Err(self.error("expected a path or an operator")),
        }
    }

    fn operator(&mut self) -> Result<Op, SyntaxError> {
        self.skip_blanks();
        let start = self.position;
        if self.current().is_some_and(is_operator_byte) {
            while self.current().is_some_and(is_operator_byte) {
                self.position += 1;
            }
        } else {
            while self.current().is_some_and(|byte| byte != b' ') {
                self.position += 1;
            }
        }
        let text = self.slice(start, self.position)?;
        OPERATORS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(text))
            .map(|&(_, op)| op)
            .ok_or_else(|| self.error(format!("filter operator '{text}' is not supported")))
    }

    /// A value and, for paths, whether an existence check on it expects it to exist.
    fn value(&mut self) -> Result<(Operand, bool), SyntaxError> {
        self.skip_blanks();
        match self.current() {
            Some(b'$' | b'@') => self.path(true),
            Some(b'!') => {
                self.position += 1;
                self.skip_blanks();
                match self.current() {
                    Some(b'$' | b'@') => self.path(false),
                    _ => Err(self.error("unexpected character '!'")),
                }
            }
            _ => Ok((self.literal()?, true)),
        }
    }

    /// A path inside a filter ends at a space, an operator character or a `)` that does not
    /// close a function call; bracketed parts are skipped whole.
    fn path(&mut self, should_exist: bool) -> Result<(Operand, bool), SyntaxError> {
        let start = self.position;
        self.position += 1;
        while let Some(byte) = self.current() {
            if byte == b'[' {
                let close = matching_close(self.bytes, self.position, b'[', b']', true, false)
                    .map_err(|message| self.error(message))?
                    .ok_or_else(|| self.error("square brackets do not match in the filter"))?;
                self.position = close + 1;
                continue;
            }
            let closes_logical = byte == b')' && !self.closes_function(start);
            if is_operator_byte(byte) || byte == b' ' || closes_logical {
                break;
            }
            self.position += 1;
        }
        let text = self.slice(start, self.position)?;
        let depth = self.depth + 1;
        if depth > PATH_NESTING_DEPTH_MAX {
            return Err(self.error("the filter is nested too deeply"));
        }
        let path = parse_sub_path(text, self.base + start, depth)?;
        Ok((Operand::Path(Box::new(path)), should_exist))
    }

    /// Whether the `)` at the current position closes a call such as `@.length()`: the
    /// previous significant character is `(` and a `.` precedes it within the path.
    fn closes_function(&self, lower: usize) -> bool {
        let mut index = self.position;
        loop {
            if index == 0 {
                return false;
            }
            index -= 1;
            if self.bytes.get(index) != Some(&b' ') {
                break;
            }
        }
        if self.bytes.get(index) != Some(&b'(') {
            return false;
        }
        (lower + 1..index).rev().any(|i| self.bytes.get(i) == Some(&b'.'))
    }

    fn literal(&mut self) -> Result<Operand, SyntaxError> {
        self.skip_blanks();
        let literal = match self.current() {
            Some(quote @ (b'\'' | b'"')) => {
                let close = next_unescaped(self.bytes, self.position, quote)
                    .ok_or_else(|| self.error("a string literal is not closed"))?;
                let raw = self.slice(self.position + 1, close)?;
                let text =
                    java_unescape(raw).ok_or_else(|| self.error("invalid escape in a string"))?;
                self.position = close + 1;
                Literal::String(text)
            }
            Some(byte) if byte.is_ascii_alphabetic() || byte == b'_' => self.bare_word()?,
            Some(open @ (b'{' | b'[')) => {
                let close_byte = if open == b'[' { b']' } else { b'}' };
                let close =
                    matching_close(self.bytes, self.position, open, close_byte, true, false)
                        .map_err(|message| self.error(message))?
                        .ok_or_else(|| self.error("a JSON literal is not closed"))?;
                let source = self.slice(self.position, close + 1)?;
                let value = JsonLiteral::parse(source, self.depth)
                    .ok_or_else(|| self.error(format!("invalid JSON literal {source}")))?;
                self.position = close + 1;
                Literal::Json(value)
            }
            Some(b'/') => return self.pattern().map(Operand::Pattern),
            _ => {
                let start = self.position;
                while self.current().is_some_and(|byte| {
                    byte.is_ascii_digit() || matches!(byte, b'-' | b'.' | b'e' | b'E')
                }) {
                    self.position += 1;
                }
                let text = self.slice(start, self.position)?;
                let number = parse_decimal(text)
                    .ok_or_else(|| self.error(format!("invalid literal '{text}'")))?;
                Literal::Number(number, big_decimal_text(text))
            }
        };
        Ok(Operand::Literal(literal))
    }

    /// `true`, `false`, `null`, or an unquoted word. AWS accepts unquoted words as strings
    /// (`[?(@.Name==Receipt)]` runs in published, deployed workflows of
    /// ../shared/asl-corpus/workflows-collection), so a bare word is a string literal.
    fn bare_word(&mut self) -> Result<Literal, SyntaxError> {
        let start = self.position;
        while self
            .current()
            .is_some_and(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-'))
        {
            self.position += 1;
        }
        Ok(match self.slice(start, self.position)? {
            "true" => Literal::Bool(true),
            "false" => Literal::Bool(false),
            "null" => Literal::Null,
            word => Literal::String(word.to_owned()),
        })
    }

    /// `/regex/flags`, flags being letters right after the closing slash.
    fn pattern(&mut self) -> Result<Pattern, SyntaxError> {
        let close = next_unescaped(self.bytes, self.position, b'/')
            .ok_or_else(|| self.error("a regular expression is not closed with '/'"))?;
        let source = self.slice(self.position + 1, close)?.to_owned();
        let mut end = close + 1;
        while self.bytes.get(end).is_some_and(u8::is_ascii_alphabetic) {
            end += 1;
        }
        let flags = self.slice(close + 1, end)?;
        let verbose = flags.contains('x');
        // `\A` and `\z` anchor at the ends whatever the flags, as `Matcher.matches()` does.
        let anchored =
            if verbose { format!("\\A(?:{source}\n)\\z") } else { format!("\\A(?:{source})\\z") };
        let mut builder = RegexBuilder::new(&anchored);
        builder.size_limit(PATH_REGEX_BYTES_MAX).dfa_size_limit(PATH_REGEX_BYTES_MAX);
        for flag in flags.chars() {
            match flag {
                'i' => builder.case_insensitive(true),
                'm' => builder.multi_line(true),
                's' => builder.dot_matches_new_line(true),
                'x' => builder.ignore_whitespace(true),
                // Unix lines and the two Unicode flags change nothing for Rust's regex engine.
                'd' | 'u' | 'U' => &mut builder,
                other => {
                    return Err(self.error(format!("unknown regular expression flag '{other}'")));
                }
            };
        }
        let regex = builder.build().map_err(|error| {
            self.error(format!("invalid regular expression /{source}/: {error}"))
        })?;
        self.position = end;
        Ok(Pattern { regex, source })
    }
}

fn is_operator_byte(byte: u8) -> bool {
    matches!(byte, b'<' | b'>' | b'=' | b'~' | b'!')
}

/// Parses a path written inside a filter: rooted at `@` (the current item) or `$` (the document).
fn parse_sub_path(text: &str, base: usize, depth: usize) -> Result<SubPath, SyntaxError> {
    let relative = text.starts_with('@');
    let chain = parse_chain(text, 1, base, depth)?;
    Ok(SubPath { relative, chain })
}

/// Java's `BigDecimal(String)` syntax: an optional sign, digits with an optional fraction (or
/// a fraction alone), and an optional exponent.
pub(crate) fn parse_decimal(text: &str) -> Option<Num> {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(index) => (unsigned.get(..index)?, Some(unsigned.get(index + 1..)?)),
        None => (unsigned, None),
    };
    let (integer, fraction) = match mantissa.split_once('.') {
        Some((integer, fraction)) => (integer, Some(fraction)),
        None => (mantissa, None),
    };
    let digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    let has_digits = !integer.is_empty() || fraction.is_some_and(|f| !f.is_empty());
    if !has_digits || !digits(integer) || !fraction.is_none_or(digits) {
        return None;
    }
    if let Some(exponent) = exponent {
        let exponent_digits = exponent.strip_prefix(['-', '+']).unwrap_or(exponent);
        if exponent_digits.is_empty() || !digits(exponent_digits) {
            return None;
        }
    }
    if fraction.is_none()
        && exponent.is_none()
        && let Ok(int) = text.parse::<i128>()
    {
        return Some(Num::Int(int));
    }
    text.parse::<f64>().ok().map(Num::Float)
}

/// What `BigDecimal.toString()` prints for a literal without an exponent: no leading zeros,
/// `0` before a bare fraction, no sign on zero. Literals with an exponent are kept as written.
fn big_decimal_text(text: &str) -> String {
    if text.contains(['e', 'E']) {
        return text.to_owned();
    }
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (integer, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let integer = integer.trim_start_matches('0');
    let integer = if integer.is_empty() { "0" } else { integer };
    let zero = integer == "0" && fraction.bytes().all(|byte| byte == b'0');
    let mut printed = String::new();
    if negative && !zero {
        printed.push('-');
    }
    printed.push_str(integer);
    if !fraction.is_empty() {
        printed.push('.');
        printed.push_str(fraction);
    }
    printed
}

/// Jayway's `Utils.unescape`: Java string escapes, `\uXXXX` included; an unknown escape
/// stands for the escaped character.
fn java_unescape(raw: &str) -> Option<String> {
    if !raw.contains('\\') {
        return Some(raw.to_owned());
    }
    let mut units: Vec<u16> = Vec::with_capacity(raw.len());
    let mut characters = raw.chars();
    let mut buffer = [0u16; 2];
    while let Some(character) = characters.next() {
        if character != '\\' {
            units.extend_from_slice(character.encode_utf16(&mut buffer));
            continue;
        }
        let escaped = match characters.next() {
            None => '\\',
            Some('r') => '\r',
            Some('f') => '\u{c}',
            Some('t') => '\t',
            Some('n') => '\n',
            Some('b') => '\u{8}',
            Some('u') => {
                let hex: String = characters.by_ref().take(4).collect();
                if hex.len() != 4 {
                    return None;
                }
                units.push(u16::from_str_radix(&hex, 16).ok()?);
                continue;
            }
            Some(other) => other,
        };
        units.extend_from_slice(escaped.encode_utf16(&mut buffer));
    }
    Some(String::from_utf16_lossy(&units))
}

/// JSON in filters (`@.tag in ['a','b']`) is read the way json-smart's permissive mode reads
/// it: strings in single or double quotes, and bare words as strings.
struct JsonLiteral<'t> {
    bytes: &'t [u8],
    text: &'t str,
    position: usize,
}

impl JsonLiteral<'_> {
    fn parse(text: &str, depth: usize) -> Option<Value> {
        let mut parser = JsonLiteral { bytes: text.as_bytes(), text, position: 0 };
        let value = parser.value(depth)?;
        parser.skip_whitespace();
        (parser.position == parser.bytes.len()).then_some(value)
    }

    fn current(&self) -> Option<u8> {
        self.bytes.get(self.position).copied()
    }

    fn skip_whitespace(&mut self) {
        while self.current().is_some_and(|byte| matches!(byte, b' ' | b'\t' | b'\n' | b'\r')) {
            self.position += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        if depth > PATH_NESTING_DEPTH_MAX {
            return None;
        }
        self.skip_whitespace();
        match self.current()? {
            b'[' => {
                self.position += 1;
                let mut items = Vec::new();
                self.skip_whitespace();
                if self.current() == Some(b']') {
                    self.position += 1;
                    return Some(Value::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.skip_whitespace();
                    match self.current()? {
                        b',' => self.position += 1,
                        b']' => {
                            self.position += 1;
                            return Some(Value::Array(items));
                        }
                        _ => return None,
                    }
                }
            }
            b'{' => {
                self.position += 1;
                let mut members = Map::new();
                self.skip_whitespace();
                if self.current() == Some(b'}') {
                    self.position += 1;
                    return Some(Value::Object(members));
                }
                loop {
                    self.skip_whitespace();
                    let key = match self.scalar()? {
                        Value::String(key) => key,
                        other => other.to_string(),
                    };
                    self.skip_whitespace();
                    if self.current()? != b':' {
                        return None;
                    }
                    self.position += 1;
                    let value = self.value(depth + 1)?;
                    members.insert(key, value);
                    self.skip_whitespace();
                    match self.current()? {
                        b',' => self.position += 1,
                        b'}' => {
                            self.position += 1;
                            return Some(Value::Object(members));
                        }
                        _ => return None,
                    }
                }
            }
            _ => self.scalar(),
        }
    }

    fn scalar(&mut self) -> Option<Value> {
        match self.current()? {
            quote @ (b'"' | b'\'') => {
                let close = next_unescaped(self.bytes, self.position, quote)?;
                let raw = self.text.get(self.position + 1..close)?;
                self.position = close + 1;
                java_unescape(raw).map(Value::String)
            }
            _ => {
                let start = self.position;
                while self.current().is_some_and(|byte| {
                    !matches!(
                        byte,
                        b',' | b':' | b']' | b'}' | b'[' | b'{' | b' ' | b'\t' | b'\n' | b'\r'
                    )
                }) {
                    self.position += 1;
                }
                let word = self.text.get(start..self.position)?;
                match word {
                    "" => None,
                    "true" => Some(Value::Bool(true)),
                    "false" => Some(Value::Bool(false)),
                    "null" => Some(Value::Null),
                    _ => Some(
                        serde_json::from_str::<Number>(word)
                            .map_or_else(|_| Value::String(word.to_owned()), Value::Number),
                    ),
                }
            }
        }
    }
}
