//! The small JSONPath dialect the conformance cases use to pick values out of responses
//! (`$.events[*].executionSucceededEventDetails.output`) and to name what a transformer rewrites
//! (`$..output.StartDate`).
//!
//! This mirrors `jsonpath_find` and `extract_like_sfn_tests` in
//! ../shared/conformance/sfnconf_compare.py rather than the States Language's own JSONPath
//! (baton-asl): what matters here is selecting exactly what the official runner selects.

use serde_json::Value;

use super::resolve::Unresolvable;

/// One step from a value to a value inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    Key(String),
    Index(usize),
}

/// A parsed path token.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// `.name`, `['name']` or `.*` / `[*]`.
    Child(String),
    /// `..name` or `..*`: the name anywhere below (the node itself included).
    Descendant(String),
    Index(i64),
    Slice(Option<i64>, Option<i64>),
}

/// The locations `path` selects in `data`, in document order.
pub(crate) fn find(path: &str, data: &Value) -> Result<Vec<Vec<Segment>>, Unresolvable> {
    let tokens = parse(path).ok_or_else(|| Unresolvable(format!("unsupported JSONPath {path}")))?;
    let mut current: Vec<(Vec<Segment>, &Value)> = vec![(Vec::new(), data)];
    for token in &tokens {
        let mut next = Vec::new();
        for (location, node) in &current {
            match token {
                Token::Child(name) => children(location, node, name, &mut next),
                Token::Descendant(name) => {
                    let mut below = Vec::new();
                    descendants(location.clone(), node, &mut below);
                    for (inner, value) in &below {
                        children(inner, value, name, &mut next);
                    }
                }
                Token::Index(index) => {
                    if let Value::Array(items) = node
                        && let Some(position) = normalise_index(items.len(), *index)
                        && let Some(item) = items.get(position)
                    {
                        next.push((extended(location, Segment::Index(position)), item));
                    }
                }
                Token::Slice(start, end) => {
                    if let Value::Array(items) = node {
                        let (from, to) = slice_bounds(items.len(), *start, *end);
                        for (position, item) in items.iter().enumerate().take(to).skip(from) {
                            next.push((extended(location, Segment::Index(position)), item));
                        }
                    }
                }
            }
        }
        current = next;
    }
    Ok(current.into_iter().map(|(location, _)| location).collect())
}

/// What the tests' extraction helper returns: one match is the value itself (wrapped in a list
/// when it came out of a list without an explicit index), several are a list, none is an
/// empty list for a wildcard path and an error otherwise.
pub(crate) fn extract_like_sfn_tests(path: &str, data: &Value) -> Result<Value, Unresolvable> {
    let locations = find(path, data)?;
    let values: Vec<Value> =
        locations.iter().filter_map(|location| get(data, location)).cloned().collect();
    // The helper's test: a `[*]` or a slice anywhere in the path.
    let wildcard = path
        .split('[')
        .skip(1)
        .filter_map(|part| part.split_once(']'))
        .any(|(inner, _)| inner == "*" || matches!(bracket(inner), Some(Token::Slice(..))));
    match values.as_slice() {
        [] if wildcard => Ok(Value::Array(Vec::new())),
        [] => Err(Unresolvable(format!("JSONPath {path} matched nothing"))),
        [single] => {
            let from_list =
                matches!(locations.first().and_then(|l| l.last()), Some(Segment::Index(_)));
            let explicit_index = path
                .strip_suffix(']')
                .and_then(|head| head.rsplit_once('['))
                .is_some_and(|(_, index)| index.parse::<i64>().is_ok());
            if from_list && !explicit_index {
                Ok(Value::Array(vec![single.clone()]))
            } else {
                Ok(single.clone())
            }
        }
        _ => Ok(Value::Array(values)),
    }
}

/// The value at `location`, if it is still there.
pub(crate) fn get<'v>(data: &'v Value, location: &[Segment]) -> Option<&'v Value> {
    location.iter().try_fold(data, |node, segment| match (node, segment) {
        (Value::Object(fields), Segment::Key(key)) => fields.get(key),
        (Value::Array(items), Segment::Index(index)) => items.get(*index),
        _ => None,
    })
}

/// Mutable access to the value at `location`.
pub(crate) fn get_mut<'v>(data: &'v mut Value, location: &[Segment]) -> Option<&'v mut Value> {
    location.iter().try_fold(data, |node, segment| match (node, segment) {
        (Value::Object(fields), Segment::Key(key)) => fields.get_mut(key),
        (Value::Array(items), Segment::Index(index)) => items.get_mut(*index),
        _ => None,
    })
}

fn parse(path: &str) -> Option<Vec<Token>> {
    let mut rest = path.strip_prefix('$')?;
    let mut tokens = Vec::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("..") {
            let (name, remainder) = name_prefix(after)?;
            tokens.push(Token::Descendant(name.to_owned()));
            rest = remainder;
        } else if let Some(after) = rest.strip_prefix('.') {
            let (name, remainder) = name_prefix(after)?;
            tokens.push(Token::Child(name.to_owned()));
            rest = remainder;
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']')?;
            tokens.push(bracket(after[..end].trim())?);
            rest = &after[end + 1..];
        } else {
            return None;
        }
    }
    Some(tokens)
}

/// A member name (`[A-Za-z0-9_\-$]+`) or `*` at the start of `text`.
fn name_prefix(text: &str) -> Option<(&str, &str)> {
    if let Some(remainder) = text.strip_prefix('*') {
        return Some(("*", remainder));
    }
    let length = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$'))
        .unwrap_or(text.len());
    (length > 0).then(|| text.split_at(length))
}

fn bracket(inner: &str) -> Option<Token> {
    if inner == "*" {
        return Some(Token::Child("*".to_owned()));
    }
    if let Ok(index) = inner.parse::<i64>() {
        return Some(Token::Index(index));
    }
    if let Some((start, end)) = inner.split_once(':') {
        let bound = |text: &str| -> Option<Option<i64>> {
            if text.is_empty() { Some(None) } else { text.parse().ok().map(Some) }
        };
        return Some(Token::Slice(bound(start)?, bound(end)?));
    }
    let quoted = inner
        .strip_prefix('\'')
        .and_then(|text| text.strip_suffix('\''))
        .or_else(|| inner.strip_prefix('"').and_then(|text| text.strip_suffix('"')))?;
    Some(Token::Child(quoted.to_owned()))
}

fn children<'v>(
    location: &[Segment],
    node: &'v Value,
    name: &str,
    out: &mut Vec<(Vec<Segment>, &'v Value)>,
) {
    match node {
        Value::Object(fields) if name == "*" => {
            for (key, value) in fields {
                out.push((extended(location, Segment::Key(key.clone())), value));
            }
        }
        Value::Object(fields) => {
            if let Some(value) = fields.get(name) {
                out.push((extended(location, Segment::Key(name.to_owned())), value));
            }
        }
        Value::Array(items) if name == "*" => {
            for (index, item) in items.iter().enumerate() {
                out.push((extended(location, Segment::Index(index)), item));
            }
        }
        Value::Array(_) | Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
    }
}

/// The node and everything below it, parents before children.
fn descendants<'v>(
    location: Vec<Segment>,
    node: &'v Value,
    out: &mut Vec<(Vec<Segment>, &'v Value)>,
) {
    out.push((location.clone(), node));
    match node {
        Value::Object(fields) => {
            for (key, value) in fields {
                descendants(extended(&location, Segment::Key(key.clone())), value, out);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                descendants(extended(&location, Segment::Index(index)), item, out);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
    }
}

fn extended(location: &[Segment], segment: Segment) -> Vec<Segment> {
    let mut longer = location.to_vec();
    longer.push(segment);
    longer
}

/// A Python index into a list of `length` items, if it is in range.
fn normalise_index(length: usize, index: i64) -> Option<usize> {
    let length = i64::try_from(length).ok()?;
    let position = if index < 0 { index + length } else { index };
    if (0..length).contains(&position) { usize::try_from(position).ok() } else { None }
}

/// Python's `range(length)[start:end]` bounds.
fn slice_bounds(length: usize, start: Option<i64>, end: Option<i64>) -> (usize, usize) {
    let signed = i64::try_from(length).unwrap_or(i64::MAX);
    let clamp = |bound: i64| {
        let position = if bound < 0 { bound + signed } else { bound };
        usize::try_from(position.clamp(0, signed)).unwrap_or(0)
    };
    (start.map_or(0, clamp), end.map_or(length, clamp))
}
