//! The parser of intrinsic call syntax: `States.Name(arg, ...)` where an argument is a string
//! literal in single quotes, a number, `true`, `false`, `null`, a path (`$.x`, `$$.x`, `$var`) or
//! another call.
//!
//! It is a recursive-descent parser over bytes (every token it looks for is ASCII, so byte
//! offsets always fall on character boundaries). Recursion is bounded by
//! `limits::INTRINSIC_NESTING_MAX`, which is also AWS's documented nesting limit.

use serde_json::{Number, Value};

use super::string::{MalformedTemplate, Template};
use super::{Function, SyntaxError};
use crate::limits::INTRINSIC_NESTING_MAX;
use crate::path::Path;

/// One call: the function and its arguments, ready to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) function: Function,
    /// The template of a `States.Format` whose first argument is a string literal, split into
    /// text and `{}` slots at parse time; `args` then holds only the values. Whether an escape
    /// made a brace literal is only known while the raw text is at hand, so this cannot wait
    /// until evaluation. A template whose braces do not pair up is kept as an error: AWS accepts
    /// the definition and fails the execution.
    pub(crate) template: Option<Result<Template, MalformedTemplate>>,
    pub(crate) args: Vec<Arg>,
}

impl Node {
    /// See [`super::Call::variable_references`].
    pub(crate) fn variable_references(&self, into: &mut Vec<String>) {
        for arg in &self.args {
            match arg {
                Arg::Literal(_) => {}
                Arg::Path(path) => into.extend(path.variable().map(str::to_owned)),
                Arg::Call(node) => node.variable_references(into),
            }
        }
    }
}

/// One argument of a call.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Arg {
    /// A string, number, boolean or null written in the call.
    Literal(Value),
    /// A path, evaluated against the input, the context object or the variables.
    Path(Path),
    /// A nested call.
    Call(Box<Node>),
}

/// Parses a whole call; only whitespace may follow it.
pub(crate) fn parse(text: &str) -> Result<Node, SyntaxError> {
    let mut parser = Parser { text, bytes: text.as_bytes(), position: 0 };
    let node = parser.call(1)?;
    parser.skip_whitespace();
    if parser.position < parser.bytes.len() {
        return Err(parser.error("unexpected text after the call"));
    }
    Ok(node)
}

const PREFIX: &str = "States.";
const AFTER_ARGUMENT: &str = "expected ',' or ')' after an argument";

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    position: usize,
}

impl Parser<'_> {
    fn call(&mut self, depth: usize) -> Result<Node, SyntaxError> {
        if depth > INTRINSIC_NESTING_MAX {
            return Err(self.error(&format!(
                "intrinsic functions are nested more than {INTRINSIC_NESTING_MAX} deep"
            )));
        }
        let start = self.position;
        if !self.rest().starts_with(PREFIX) {
            return Err(self.error("expected an intrinsic function call starting with 'States.'"));
        }
        self.position += PREFIX.len();
        while self.peek().is_some_and(|byte| byte.is_ascii_alphanumeric()) {
            self.position += 1;
        }
        let name = self.text.get(start..self.position).unwrap_or_default();
        let Some(function) = Function::from_name(name) else {
            return Err(SyntaxError {
                message: format!("unknown intrinsic function '{name}'"),
                offset: start,
            });
        };
        self.expect(b'(')?;
        let mut node = Node { function, template: None, args: Vec::new() };
        self.skip_whitespace();
        if self.peek() == Some(b')') {
            self.position += 1;
            return Ok(node);
        }
        if function == Function::Format && self.peek() == Some(b'\'') {
            node.template = Some(Template::from_literal(self.string_literal()?));
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.position += 1,
                Some(b')') => {
                    self.position += 1;
                    return Ok(node);
                }
                _ => return Err(self.error(AFTER_ARGUMENT)),
            }
        }
        loop {
            self.skip_whitespace();
            node.args.push(self.argument(depth)?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.position += 1,
                Some(b')') => {
                    self.position += 1;
                    return Ok(node);
                }
                _ => return Err(self.error(AFTER_ARGUMENT)),
            }
        }
    }

    fn argument(&mut self, depth: usize) -> Result<Arg, SyntaxError> {
        match self.peek() {
            Some(b'\'') => Ok(Arg::Literal(Value::String(unescape(self.string_literal()?)))),
            Some(b'$') => self.path(),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'S') if self.rest().starts_with(PREFIX) => {
                Ok(Arg::Call(Box::new(self.call(depth + 1)?)))
            }
            _ => {
                for (word, value) in [
                    ("true", Value::Bool(true)),
                    ("false", Value::Bool(false)),
                    ("null", Value::Null),
                ] {
                    if self.rest().starts_with(word) && self.ends_token(word.len()) {
                        self.position += word.len();
                        return Ok(Arg::Literal(value));
                    }
                }
                Err(self
                    .error("expected an argument: a string, number, boolean, null, path or call"))
            }
        }
    }

    /// Reads a single-quoted literal and returns its raw text (escapes not yet resolved), after
    /// checking that every backslash starts one of the four escapes AWS allows.
    fn string_literal(&mut self) -> Result<&str, SyntaxError> {
        let start = self.position + 1;
        let mut index = start;
        loop {
            match self.bytes.get(index) {
                None => {
                    return Err(SyntaxError {
                        message: "unterminated string literal".to_owned(),
                        offset: self.position,
                    });
                }
                Some(b'\'') => break,
                Some(b'\\') => match self.bytes.get(index + 1) {
                    Some(b'\'' | b'{' | b'}' | b'\\') => index += 2,
                    _ => {
                        return Err(SyntaxError {
                            message: "invalid escape in a string literal: only \\', \\{, \\} and \\\\ are allowed"
                                .to_owned(),
                            offset: index,
                        });
                    }
                },
                Some(_) => index += 1,
            }
        }
        self.position = index + 1;
        Ok(self.text.get(start..index).unwrap_or_default())
    }

    /// Reads a path up to the `,` or `)` that ends the argument. Commas and parentheses inside
    /// brackets (filters, unions) and inside quoted names belong to the path.
    fn path(&mut self) -> Result<Arg, SyntaxError> {
        let start = self.position;
        let mut depth = 0usize;
        let mut quote: Option<u8> = None;
        let mut index = start;
        while let Some(&byte) = self.bytes.get(index) {
            if let Some(open) = quote {
                if byte == b'\\' {
                    index += 1;
                } else if byte == open {
                    quote = None;
                }
            } else {
                match byte {
                    b'\'' | b'"' if depth > 0 => quote = Some(byte),
                    b'[' | b'(' => depth += 1,
                    b']' | b')' if depth > 0 => depth -= 1,
                    b',' | b')' => break,
                    byte if depth == 0 && byte.is_ascii_whitespace() => break,
                    _ => {}
                }
            }
            index += 1;
        }
        let end = index.min(self.bytes.len());
        let text = self.text.get(start..end).unwrap_or_default();
        let path = Path::parse(text).map_err(|error| SyntaxError {
            message: format!("invalid path '{text}': {error}"),
            offset: start,
        })?;
        self.position = end;
        Ok(Arg::Path(path))
    }

    /// Reads a number in JSON's syntax (AWS rejects `1.` and `.5`).
    fn number(&mut self) -> Result<Arg, SyntaxError> {
        let start = self.position;
        let mut index = start;
        while self.bytes.get(index).is_some_and(|byte| {
            byte.is_ascii_digit() || matches!(byte, b'-' | b'+' | b'.' | b'e' | b'E')
        }) {
            index += 1;
        }
        let text = self.text.get(start..index).unwrap_or_default();
        let invalid = || SyntaxError { message: format!("invalid number '{text}'"), offset: start };
        if !is_json_number(text) {
            return Err(invalid());
        }
        // An integer stays an integer even when it is `-0`, which serde_json would make the
        // float -0.0 while Java's JSON reader makes it the `int` 0.
        let integer = if text.contains(['.', 'e', 'E']) { None } else { text.parse::<i64>().ok() };
        let number = match integer {
            Some(integer) => Number::from(integer),
            None => serde_json::from_str(text).map_err(|_| invalid())?,
        };
        self.position = index;
        Ok(Arg::Literal(Value::Number(number)))
    }

    fn expect(&mut self, byte: u8) -> Result<(), SyntaxError> {
        if self.peek() == Some(byte) {
            self.position += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected '{}'", char::from(byte))))
        }
    }

    /// Whether a keyword of `length` bytes at the current position ends there (so `nullx` is
    /// not `null` followed by garbage that a later check would report less clearly).
    fn ends_token(&self, length: usize) -> bool {
        self.bytes
            .get(self.position + length)
            .is_none_or(|byte| byte.is_ascii_whitespace() || matches!(byte, b',' | b')'))
    }

    fn skip_whitespace(&mut self) {
        while self.peek().is_some_and(|byte| byte.is_ascii_whitespace()) {
            self.position += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.position).copied()
    }

    fn rest(&self) -> &str {
        self.text.get(self.position..).unwrap_or_default()
    }

    fn error(&self, message: &str) -> SyntaxError {
        SyntaxError { message: message.to_owned(), offset: self.position }
    }
}

/// Resolves the escapes of a literal's raw text, which [`Parser::string_literal`] has checked:
/// a backslash always stands for the character after it.
fn unescape(raw: &str) -> String {
    let mut value = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => value.extend(chars.next()),
            c => value.push(c),
        }
    }
    value
}

/// JSON's number grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn is_json_number(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut index = usize::from(bytes.first() == Some(&b'-'));
    let digits = |index: &mut usize| {
        let start = *index;
        while bytes.get(*index).is_some_and(u8::is_ascii_digit) {
            *index += 1;
        }
        *index - start
    };
    let integer_start = index;
    let integer_digits = digits(&mut index);
    if integer_digits == 0 || (integer_digits > 1 && bytes.get(integer_start) == Some(&b'0')) {
        return false;
    }
    if bytes.get(index) == Some(&b'.') {
        index += 1;
        if digits(&mut index) == 0 {
            return false;
        }
    }
    if matches!(bytes.get(index), Some(b'e' | b'E')) {
        index += 1;
        if matches!(bytes.get(index), Some(b'+' | b'-')) {
            index += 1;
        }
        if digits(&mut index) == 0 {
            return false;
        }
    }
    index == bytes.len()
}
