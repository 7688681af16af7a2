//! String intrinsics: `States.Format` (and its templates) and `States.StringSplit`.

use serde_json::Value;

use super::java;

/// A `States.Format` template split into literal text and `{}` slots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Slot,
}

/// A template with a `{` that is not followed by `}`, or a `}` that closes nothing. AWS fails
/// the execution on such a template (observed for `'Hello {'`, `'Hello {{}}'` and `'}'`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MalformedTemplate;

impl Template {
    /// Splits the raw text of a string literal (escapes not yet resolved, but already checked by
    /// the parser). Escaped braces `\{` and `\}` are literal text; unescaped `{}` is a slot.
    pub(crate) fn from_literal(raw: &str) -> Result<Template, MalformedTemplate> {
        Template::split(raw, true)
    }

    /// Splits a template that came from a path or a nested call: it has no escapes, so every
    /// brace is significant.
    pub(crate) fn from_value(text: &str) -> Result<Template, MalformedTemplate> {
        Template::split(text, false)
    }

    fn split(text: &str, has_escapes: bool) -> Result<Template, MalformedTemplate> {
        let mut parts = Vec::new();
        let mut current = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' if has_escapes => current.extend(chars.next()),
                '{' => {
                    if chars.next() != Some('}') {
                        return Err(MalformedTemplate);
                    }
                    if !current.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut current)));
                    }
                    parts.push(Part::Slot);
                }
                '}' => return Err(MalformedTemplate),
                c => current.push(c),
            }
        }
        if !current.is_empty() {
            parts.push(Part::Text(current));
        }
        Ok(Template { parts })
    }

    /// How many values the template takes.
    fn slot_count(&self) -> usize {
        self.parts.iter().filter(|part| matches!(part, Part::Slot)).count()
    }

    /// Fills the slots with the values, printed as Java's `toString` prints them (strings bare,
    /// objects as `{key=value}`, as AWS does). `None` when the number of values is not the
    /// number of slots, or a value is too deeply nested to print.
    pub(crate) fn format(&self, values: &[Value]) -> Option<String> {
        if values.len() != self.slot_count() {
            return None;
        }
        let mut out = String::new();
        let mut values = values.iter();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Slot => java::write_display(&mut out, values.next()?).ok()?,
            }
        }
        Some(out)
    }
}

/// `States.StringSplit`: the tokens between any of the delimiter characters, as Java's
/// `StringTokenizer` returns them, so empty tokens are dropped (AWS splits `",,,,"` into `[]`
/// and `", , ,"` into `[" ", " "]`) and an empty delimiter returns the whole string.
pub(crate) fn split(text: &str, delimiters: &str) -> Vec<Value> {
    text.split(|c: char| delimiters.contains(c))
        .filter(|token| !token.is_empty())
        .map(|token| Value::String(token.to_owned()))
        .collect()
}
