//! Path evaluation as Jayway JsonPath does it with its default options (the configuration AWS
//! Step Functions uses): every segment applied depth-first in document order, "not found"
//! errors only where the path so far selects a single node, and Jayway's filter semantics.
//!
//! Recursion happens only where a segment branches (wildcards, scans, unions, filters) or makes
//! a new value (functions); single names and indexes are followed in a loop. A counter bounds
//! the recursion by [`PATH_EVALUATION_DEPTH_MAX`], deep scans of nested documents included.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::{Map, Number, Value};

use super::parse::{
    Chain, Expr, FunctionKind, Literal, Num, Op, Operand, Pattern, Segment, Slice, SubPath,
    parse_decimal,
};
use crate::limits::PATH_EVALUATION_DEPTH_MAX;

/// Why an evaluation stopped, in Jayway's terms. Most are Jayway's `PathNotFoundException`
/// (see [`Fault::is_not_found`]); `seg` is the index of the segment that failed.
#[derive(Debug)]
pub(crate) enum Fault {
    /// A name that is not the last segment is missing.
    MissingProperty { seg: usize },
    /// The last name is missing while properties are required (existence checks only).
    NoResultsLeaf,
    /// A name was applied to something that is not an object; `found` is the Java class
    /// Jayway names in its message.
    NotAnObject { seg: usize, found: &'static str },
    /// An index or slice was applied to something that is not an array; `context` is the
    /// value as Jayway prints it (filled in only when the caller wants messages).
    NotAnArray { seg: usize, context: String },
    /// An index or slice was applied to `null`.
    NullArray { seg: usize },
    /// A wildcard that is not the last segment met a scalar.
    WildcardScalar,
    /// A filter was applied to a scalar.
    FilterOnScalar,
    /// An aggregate function (`sum()`, `avg()`, ...) found no numbers.
    EmptyAggregation,
    /// The evaluation recursed deeper than [`PATH_EVALUATION_DEPTH_MAX`].
    TooDeep,
}

impl Fault {
    /// Jayway's `PathNotFoundException`, which wildcards over arrays and filters swallow.
    fn is_not_found(&self) -> bool {
        matches!(
            self,
            Fault::MissingProperty { .. }
                | Fault::NoResultsLeaf
                | Fault::NotAnObject { .. }
                | Fault::NotAnArray { .. }
                | Fault::NullArray { .. }
                | Fault::WildcardScalar
        )
    }
}

/// How to evaluate.
#[derive(Clone, Copy)]
pub(crate) struct Mode {
    /// Jayway's `REQUIRE_PROPERTIES` option, which it uses for existence checks in filters:
    /// every missing name is an error.
    pub(crate) require_properties: bool,
    /// Whether faults should carry the text of the value that caused them (worth it only when
    /// the fault becomes a user-visible error).
    pub(crate) detail: bool,
}

/// Follows a chain of single names and single indexes without allocating.
pub(crate) fn lookup<'v>(segments: &[Segment], mut node: &'v Value) -> Option<&'v Value> {
    for segment in segments {
        node = match (segment, node) {
            (Segment::Name { name, .. }, Value::Object(map)) => map.get(name)?,
            (Segment::Index(index), Value::Array(items)) => {
                items.get(effective_index(items.len(), i64::from(*index))?)?
            }
            _ => return None,
        };
    }
    Some(node)
}

/// Runs `chain` on `document`; `root` is what `$` means inside filters. Returns every match
/// in Jayway's order (a definite chain has at most one, except after functions, whose
/// results Jayway records too; the caller then takes the last).
pub(crate) fn run(
    chain: &Chain,
    document: &Value,
    root: &Value,
    mode: Mode,
    depth: usize,
) -> Result<Vec<Value>, Fault> {
    let mut evaluator = Evaluator { chain, root, mode, depth, results: Vec::new() };
    evaluator.descend(0, document)?;
    Ok(evaluator.results)
}

struct Evaluator<'p, 'r> {
    chain: &'p Chain,
    root: &'r Value,
    mode: Mode,
    depth: usize,
    results: Vec<Value>,
}

impl Evaluator<'_, '_> {
    fn upstream_definite(&self, seg: usize) -> bool {
        seg <= self.chain.first_indefinite
    }

    fn is_leaf(&self, seg: usize) -> bool {
        seg + 1 == self.chain.segments.len()
    }

    /// Recurses into `walk`, within the depth budget.
    fn descend(&mut self, seg: usize, node: &Value) -> Result<(), Fault> {
        self.depth += 1;
        if self.depth > PATH_EVALUATION_DEPTH_MAX {
            return Err(Fault::TooDeep);
        }
        let result = self.walk(seg, node);
        self.depth -= 1;
        result
    }

    /// Applies the segments from `seg` on to `node`.
    fn walk(&mut self, mut seg: usize, mut node: &Value) -> Result<(), Fault> {
        let chain = self.chain;
        loop {
            let Some(segment) = chain.segments.get(seg) else {
                self.results.push(node.clone());
                return Ok(());
            };
            match segment {
                Segment::Name { name, .. } => {
                    let Value::Object(map) = node else {
                        return self.not_an_object(seg, node);
                    };
                    let Some(child) = map.get(name) else {
                        return self.missing(seg, true);
                    };
                    node = child;
                }
                Segment::Index(index) => {
                    let Some(items) = self.array_model(seg, node)? else {
                        return Ok(());
                    };
                    let Some(child) =
                        effective_index(items.len(), i64::from(*index)).and_then(|i| items.get(i))
                    else {
                        return Ok(());
                    };
                    node = child;
                }
                Segment::Names { names, .. } => return self.names(seg, node, names),
                Segment::Indexes(indexes) => {
                    let Some(items) = self.array_model(seg, node)? else {
                        return Ok(());
                    };
                    for &index in indexes {
                        if let Some(child) = effective_index(items.len(), i64::from(index))
                            .and_then(|i| items.get(i))
                        {
                            self.descend(seg + 1, child)?;
                        }
                    }
                    return Ok(());
                }
                Segment::Slice(slice) => {
                    let Some(items) = self.array_model(seg, node)? else {
                        return Ok(());
                    };
                    for index in slice_indexes(*slice, items.len()) {
                        if let Some(child) =
                            effective_index(items.len(), index).and_then(|i| items.get(i))
                        {
                            self.descend(seg + 1, child)?;
                        }
                    }
                    return Ok(());
                }
                Segment::Wildcard => return self.wildcard(seg, node),
                Segment::Scan => return self.scan(seg + 1, node),
                Segment::Filter(expression) => return self.filter(seg, expression, node),
                Segment::Function(function) => {
                    let value = apply(function.kind, node)?;
                    // Jayway records a function's result even when more segments follow.
                    if self.is_leaf(seg) {
                        self.results.push(value);
                        return Ok(());
                    }
                    self.results.push(value.clone());
                    return self.descend(seg + 1, &value);
                }
            }
            seg += 1;
        }
    }

    /// A missing name: an error only when the path so far is definite (or properties are
    /// required); a missing last name is simply no result.
    fn missing(&self, seg: usize, token_definite: bool) -> Result<(), Fault> {
        if self.is_leaf(seg) {
            if self.mode.require_properties { Err(Fault::NoResultsLeaf) } else { Ok(()) }
        } else if (self.upstream_definite(seg) && token_definite) || self.mode.require_properties {
            Err(Fault::MissingProperty { seg })
        } else {
            Ok(())
        }
    }

    fn not_an_object(&self, seg: usize, node: &Value) -> Result<(), Fault> {
        if self.upstream_definite(seg) {
            Err(Fault::NotAnObject { seg, found: java_class(node) })
        } else {
            Ok(())
        }
    }

    /// Jayway's `checkArrayModel`: the array to index, `None` to skip, or the error.
    fn array_model<'n>(
        &self,
        seg: usize,
        node: &'n Value,
    ) -> Result<Option<&'n Vec<Value>>, Fault> {
        match node {
            Value::Array(items) => Ok(Some(items)),
            _ if !self.upstream_definite(seg) => Ok(None),
            Value::Null => Err(Fault::NullArray { seg }),
            other => {
                let context = if self.mode.detail { java_string(other) } else { String::new() };
                Err(Fault::NotAnArray { seg, context })
            }
        }
    }

    /// `['a','b']`: merged into one object when last, iterated otherwise.
    fn names(&mut self, seg: usize, node: &Value, names: &[String]) -> Result<(), Fault> {
        let Value::Object(map) = node else {
            return self.not_an_object(seg, node);
        };
        if self.is_leaf(seg) {
            let mut merged = Map::new();
            for name in names {
                match map.get(name) {
                    Some(value) => {
                        merged.insert(name.clone(), value.clone());
                    }
                    None if self.mode.require_properties => {
                        return Err(Fault::MissingProperty { seg });
                    }
                    None => {}
                }
            }
            self.results.push(Value::Object(merged));
            return Ok(());
        }
        for name in names {
            match map.get(name) {
                Some(child) => self.descend(seg + 1, child)?,
                None => self.missing(seg, false)?,
            }
        }
        Ok(())
    }

    fn wildcard(&mut self, seg: usize, node: &Value) -> Result<(), Fault> {
        match node {
            Value::Object(map) => {
                for child in map.values() {
                    self.descend(seg + 1, child)?;
                }
            }
            Value::Array(items) => {
                for child in items {
                    // Jayway's wildcard over an array skips elements whose evaluation fails
                    // with "not found", unless properties are required.
                    match self.descend(seg + 1, child) {
                        Err(fault) if fault.is_not_found() && !self.mode.require_properties => {}
                        other => other?,
                    }
                }
            }
            _ if !self.is_leaf(seg) => return Err(Fault::WildcardScalar),
            _ => {}
        }
        Ok(())
    }

    fn filter(&mut self, seg: usize, expression: &Expr, node: &Value) -> Result<(), Fault> {
        match node {
            Value::Object(_) if self.accept(expression, node)? => self.descend(seg + 1, node)?,
            Value::Object(_) => {}
            Value::Array(items) => {
                for item in items {
                    if self.accept(expression, item)? {
                        self.descend(seg + 1, item)?;
                    }
                }
            }
            _ if self.upstream_definite(seg) => return Err(Fault::FilterOnScalar),
            _ => {}
        }
        Ok(())
    }

    /// `..`: visits `node` and its descendants in document order (a node before its
    /// children) and applies the segment `target` where Jayway's scan predicate allows it.
    fn scan(&mut self, target: usize, node: &Value) -> Result<(), Fault> {
        self.depth += 1;
        if self.depth > PATH_EVALUATION_DEPTH_MAX {
            return Err(Fault::TooDeep);
        }
        let result = self.scan_node(target, node);
        self.depth -= 1;
        result
    }

    fn scan_node(&mut self, target: usize, node: &Value) -> Result<(), Fault> {
        match node {
            Value::Object(map) => {
                if self.scan_matches(target, node)? {
                    self.walk(target, node)?;
                }
                for child in map.values() {
                    self.scan(target, child)?;
                }
            }
            Value::Array(items) => {
                if self.scan_matches(target, node)? {
                    if self.is_leaf(target) {
                        self.walk(target, node)?;
                    } else {
                        // Jayway applies what follows the target to each element, skipping the
                        // target itself: `$..[0].a` yields `a` of every element of every array.
                        for item in items {
                            self.walk(target + 1, item)?;
                        }
                    }
                }
                for child in items {
                    self.scan(target, child)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Jayway's scan predicates: which nodes the segment after `..` is applied to.
    fn scan_matches(&mut self, target: usize, node: &Value) -> Result<bool, Fault> {
        let chain = self.chain;
        Ok(match chain.segments.get(target) {
            Some(Segment::Name { name, .. }) => match node {
                Value::Object(map) => self.mode.require_properties || map.contains_key(name),
                _ => false,
            },
            Some(Segment::Names { names, .. }) => match node {
                Value::Object(map) => {
                    self.mode.require_properties
                        || !self.is_leaf(target)
                        || names.iter().all(|name| map.contains_key(name))
                }
                _ => false,
            },
            Some(Segment::Index(_) | Segment::Indexes(_) | Segment::Slice(_)) => node.is_array(),
            Some(Segment::Wildcard) => true,
            Some(Segment::Filter(expression)) => self.accept(expression, node)?,
            Some(Segment::Function(_) | Segment::Scan) | None => false,
        })
    }

    /// Whether `item` passes a filter. Jayway turns errors inside a filter into "no"; only
    /// running out of depth is passed on.
    fn accept(&self, expression: &Expr, item: &Value) -> Result<bool, Fault> {
        match self.test(expression, item) {
            Ok(passed) => Ok(passed),
            Err(Thrown::TooDeep) => Err(Fault::TooDeep),
            Err(Thrown::Rejected) => Ok(false),
        }
    }

    fn test(&self, expression: &Expr, item: &Value) -> Result<bool, Thrown> {
        match expression {
            Expr::Or(operands) => {
                for operand in operands {
                    if self.test(operand, item)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Expr::And(operands) => {
                for operand in operands {
                    if !self.test(operand, item)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Expr::Not(operand) => Ok(!self.test(operand, item)?),
            Expr::Exists { path, should_exist } => Ok(self.exists(path, item)? == *should_exist),
            Expr::Compare { left, op, right } => {
                let left = self.operand(left, item)?;
                let right = self.operand(right, item)?;
                compare(*op, &left, &right)
            }
        }
    }

    /// The document a filter path starts from; `None` when `@` is a scalar, which AWS does
    /// not let `@` match ("It only matches objects").
    fn start<'a>(&'a self, path: &SubPath, item: &'a Value) -> Option<&'a Value> {
        if !path.relative {
            Some(self.root)
        } else if item.is_object() || item.is_array() {
            Some(item)
        } else {
            None
        }
    }

    /// An existence check, evaluated as Jayway does: with properties required.
    fn exists(&self, path: &SubPath, item: &Value) -> Result<bool, Thrown> {
        let Some(document) = self.start(path, item) else {
            return Ok(false);
        };
        if path.chain.simple {
            return Ok(lookup(&path.chain.segments, document).is_some());
        }
        let mode = Mode { require_properties: true, detail: false };
        match run(&path.chain, document, self.root, mode, self.depth) {
            Ok(results) => Ok(!path.chain.is_definite() || !results.is_empty()),
            Err(Fault::TooDeep) => Err(Thrown::TooDeep),
            Err(_) => Ok(false),
        }
    }

    fn operand<'a>(&'a self, operand: &'a Operand, item: &'a Value) -> Result<Node<'a>, Thrown> {
        Ok(match operand {
            Operand::Literal(Literal::String(text)) => Node::Str(Cow::Borrowed(text)),
            Operand::Literal(Literal::Number(number, text)) => {
                Node::Num(*number, NumText::Literal(text))
            }
            Operand::Literal(Literal::Bool(value)) => Node::Bool(*value),
            Operand::Literal(Literal::Null) => Node::Null,
            Operand::Literal(Literal::Json(value)) => Node::Json(Cow::Borrowed(value)),
            Operand::Pattern(pattern) => Node::Pattern(pattern),
            Operand::Path(path) => self.path_value(path, item)?,
        })
    }

    /// A filter path's value: the node for a definite path (undefined when there is none),
    /// an array of matches for an indefinite one.
    fn path_value<'a>(&'a self, path: &SubPath, item: &'a Value) -> Result<Node<'a>, Thrown> {
        let Some(document) = self.start(path, item) else {
            return Ok(Node::Undefined);
        };
        if path.chain.simple {
            return Ok(lookup(&path.chain.segments, document).map_or(Node::Undefined, Node::of));
        }
        let mode = Mode { require_properties: false, detail: false };
        match run(&path.chain, document, self.root, mode, self.depth) {
            Ok(mut results) if path.chain.is_definite() => {
                Ok(results.pop().map_or(Node::Undefined, Node::owned))
            }
            Ok(results) => Ok(Node::Json(Cow::Owned(Value::Array(results)))),
            Err(Fault::TooDeep) => Err(Thrown::TooDeep),
            Err(_) => Ok(Node::Undefined),
        }
    }
}

/// What stops a filter test: Jayway's `InvalidPathException` (the item is rejected) or
/// running out of depth.
enum Thrown {
    Rejected,
    TooDeep,
}

/// A value inside a filter, typed as Jayway's `ValueNode`s are.
enum Node<'a> {
    Str(Cow<'a, str>),
    Num(Num, NumText<'a>),
    Bool(bool),
    Null,
    /// An array or object.
    Json(Cow<'a, Value>),
    Pattern(&'a Pattern),
    /// A path that selected nothing.
    Undefined,
}

/// How a number prints when compared with a string (Java's `toString` of the number).
enum NumText<'a> {
    Json(Number),
    Literal(&'a str),
}

impl NumText<'_> {
    fn text(&self) -> Cow<'_, str> {
        match self {
            NumText::Json(number) => Cow::Owned(number.to_string()),
            NumText::Literal(text) => Cow::Borrowed(text),
        }
    }
}

impl<'a> Node<'a> {
    fn of(value: &'a Value) -> Node<'a> {
        match value {
            Value::String(text) => Node::Str(Cow::Borrowed(text)),
            Value::Number(number) => Node::Num(Num::of(number), NumText::Json(number.clone())),
            Value::Bool(value) => Node::Bool(*value),
            Value::Null => Node::Null,
            Value::Array(_) | Value::Object(_) => Node::Json(Cow::Borrowed(value)),
        }
    }

    fn owned(value: Value) -> Node<'a> {
        match value {
            Value::String(text) => Node::Str(Cow::Owned(text)),
            Value::Number(number) => Node::Num(Num::of(&number), NumText::Json(number)),
            Value::Bool(value) => Node::Bool(value),
            Value::Null => Node::Null,
            value @ (Value::Array(_) | Value::Object(_)) => Node::Json(Cow::Owned(value)),
        }
    }

    /// The elements of a JSON array: `Ok(None)` for another JSON value, `Err` (Jayway throws)
    /// for anything else.
    fn list(&self) -> Result<Option<Vec<Node<'_>>>, Thrown> {
        match self {
            Node::Json(value) => {
                Ok(value.as_array().map(|items| items.iter().map(Node::of).collect()))
            }
            _ => Err(Thrown::Rejected),
        }
    }
}

/// Jayway's `ValueNode.equals`: `left.equals(right)`, which is not symmetric between numbers
/// and strings (a number parses the string; a string compares with the number's text).
fn equals(left: &Node<'_>, right: &Node<'_>) -> bool {
    match (left, right) {
        (Node::Num(left, _), Node::Num(right, _)) => left.compare(*right) == Some(Ordering::Equal),
        (Node::Num(left, _), Node::Str(right)) => {
            parse_decimal(right).is_some_and(|right| left.compare(right) == Some(Ordering::Equal))
        }
        (Node::Str(left), Node::Str(right)) => left == right,
        (Node::Str(left), Node::Num(_, text)) => **left == *text.text(),
        (Node::Bool(left), Node::Bool(right)) => left == right,
        (Node::Null, Node::Null) => true,
        (Node::Json(left), Node::Json(right)) => left == right,
        (Node::Pattern(left), Node::Pattern(right)) => left.source == right.source,
        _ => false,
    }
}

fn same_type(left: &Node<'_>, right: &Node<'_>) -> bool {
    std::mem::discriminant(left) == std::mem::discriminant(right)
}

/// Java's `String.compareTo`, which orders by UTF-16 code units.
fn compare_strings(left: &str, right: &str) -> Ordering {
    left.encode_utf16().cmp(right.encode_utf16())
}

fn order(left: &Node<'_>, right: &Node<'_>) -> Option<Ordering> {
    match (left, right) {
        (Node::Num(left, _), Node::Num(right, _)) => left.compare(*right),
        (Node::Str(left), Node::Str(right)) => Some(compare_strings(left, right)),
        _ => None,
    }
}

/// Jayway's evaluators, one per operator.
fn compare(op: Op, left: &Node<'_>, right: &Node<'_>) -> Result<bool, Thrown> {
    Ok(match op {
        Op::Eq => equals(left, right),
        Op::Ne => !equals(left, right),
        Op::StrictEq => same_type(left, right) && equals(left, right),
        Op::StrictNe => !(same_type(left, right) && equals(left, right)),
        Op::Lt => order(left, right) == Some(Ordering::Less),
        Op::Le => matches!(order(left, right), Some(Ordering::Less | Ordering::Equal)),
        Op::Gt => order(left, right) == Some(Ordering::Greater),
        Op::Ge => matches!(order(left, right), Some(Ordering::Greater | Ordering::Equal)),
        Op::Regex => match (left, right) {
            (Node::Pattern(pattern), other) | (other, Node::Pattern(pattern))
                if !matches!(other, Node::Pattern(_)) =>
            {
                pattern.regex.is_match(&regex_input(other))
            }
            _ => false,
        },
        Op::In => right.list()?.is_some_and(|items| items.iter().any(|item| equals(left, item))),
        Op::Nin => right.list()?.is_none_or(|items| !items.iter().any(|item| equals(left, item))),
        Op::Contains => match (left, right) {
            (Node::Str(left), Node::Str(right)) => left.contains(&**right),
            (Node::Json(value), _) => value
                .as_array()
                .is_some_and(|items| items.iter().any(|item| equals(right, &Node::of(item)))),
            _ => false,
        },
        Op::Size => match (left, right) {
            (Node::Str(text), Node::Num(size, _)) => usize::try_from(size.int_value())
                .is_ok_and(|size| text.encode_utf16().count() == size),
            (Node::Json(value), Node::Num(size, _)) => {
                // Jayway measures arrays only; anything else has length -1.
                let length = value
                    .as_array()
                    .map_or(-1, |items| i64::try_from(items.len()).unwrap_or(i64::MAX));
                length == i64::from(size.int_value())
            }
            _ => false,
        },
        Op::Empty => match left {
            Node::Str(text) => text.is_empty() == expect_bool(right)?,
            Node::Json(value) => {
                let empty = match &**value {
                    Value::Array(items) => items.is_empty(),
                    Value::Object(map) => map.is_empty(),
                    _ => false,
                };
                empty == expect_bool(right)?
            }
            _ => false,
        },
        Op::Exists => expect_bool(left)? == expect_bool(right)?,
        Op::SubsetOf | Op::AnyOf | Op::NoneOf => {
            let Some(right_items) = right.list()? else {
                return Ok(false);
            };
            let Some(left_items) = left.list()? else {
                return Ok(false);
            };
            let contained = |item: &Node<'_>| right_items.iter().any(|other| equals(item, other));
            match op {
                Op::SubsetOf => left_items.iter().all(contained),
                Op::AnyOf => left_items.iter().any(contained),
                _ => !left_items.iter().any(contained),
            }
        }
    })
}

fn expect_bool(node: &Node<'_>) -> Result<bool, Thrown> {
    match node {
        Node::Bool(value) => Ok(*value),
        _ => Err(Thrown::Rejected),
    }
}

/// The text a regular expression is matched against: strings and numbers as text, booleans
/// as `true`/`false`, anything else as the empty string.
fn regex_input<'n>(node: &'n Node<'_>) -> Cow<'n, str> {
    match node {
        Node::Str(text) => Cow::Borrowed(text),
        Node::Num(_, text) => text.text(),
        Node::Bool(true) => Cow::Borrowed("true"),
        Node::Bool(false) => Cow::Borrowed("false"),
        _ => Cow::Borrowed(""),
    }
}

/// Applies a path function to `node`.
#[allow(clippy::cast_precision_loss)]
fn apply(kind: FunctionKind, node: &Value) -> Result<Value, Fault> {
    Ok(match kind {
        FunctionKind::Length => match node {
            Value::Array(items) => Value::from(items.len()),
            Value::Object(map) => Value::from(map.len()),
            _ => Value::Null,
        },
        FunctionKind::Keys => match node {
            Value::Object(map) => Value::Array(map.keys().cloned().map(Value::String).collect()),
            _ => Value::Null,
        },
        FunctionKind::First => {
            node.as_array().and_then(|items| items.first()).cloned().unwrap_or(Value::Null)
        }
        FunctionKind::Last => {
            node.as_array().and_then(|items| items.last()).cloned().unwrap_or(Value::Null)
        }
        FunctionKind::Concat => {
            let mut text = String::new();
            for item in node.as_array().into_iter().flatten() {
                if let Value::String(part) = item {
                    text.push_str(part);
                }
            }
            Value::String(text)
        }
        FunctionKind::Min
        | FunctionKind::Max
        | FunctionKind::Avg
        | FunctionKind::Sum
        | FunctionKind::StdDev => {
            let numbers: Vec<f64> = node
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|item| item.as_number().and_then(Number::as_f64))
                .collect();
            if numbers.is_empty() {
                return Err(Fault::EmptyAggregation);
            }
            let count = numbers.len() as f64;
            let sum: f64 = numbers.iter().sum();
            let result = match kind {
                FunctionKind::Min => numbers.iter().copied().fold(f64::INFINITY, f64::min),
                FunctionKind::Max => numbers.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                FunctionKind::Avg => sum / count,
                FunctionKind::Sum => sum,
                _ => {
                    let squares: f64 = numbers.iter().map(|number| number * number).sum();
                    // Rounding can make the variance slightly negative; Java would print NaN.
                    (squares / count - sum * sum / count / count).max(0.0).sqrt()
                }
            };
            Number::from_f64(result).map_or(Value::Null, Value::Number)
        }
    })
}

/// Maps a possibly negative index onto `0..length`, as Jayway's `handleArrayIndex` does.
fn effective_index(length: usize, index: i64) -> Option<usize> {
    if index < 0 {
        length.checked_sub(usize::try_from(index.unsigned_abs()).ok()?)
    } else {
        usize::try_from(index).ok()
    }
}

/// The indexes a slice visits, before negative ones are mapped by [`effective_index`]. Only
/// the bounds Jayway normalises are normalised: in `[a:b]` neither is, so a negative `a`
/// wraps around and a negative `b` selects nothing.
fn slice_indexes(slice: Slice, length: usize) -> std::ops::Range<i64> {
    let length = i64::try_from(length).unwrap_or(i64::MAX);
    match slice {
        Slice::From(from) => {
            let from = i64::from(from);
            let from = if from < 0 { length + from } else { from }.max(0);
            from.min(length)..length
        }
        Slice::To(to) => {
            let to = i64::from(to);
            let to = if to < 0 { length + to } else { to }.min(length);
            0..to.max(0)
        }
        Slice::Between(from, to) => {
            let (from, to) = (i64::from(from), i64::from(to).min(length));
            if from >= to { 0..0 } else { from..to }
        }
    }
}

/// The Java class Jayway's json-smart provider would hold for `value`, as its messages print it.
fn java_class(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "java.lang.Boolean",
        Value::Number(number) => match (number.as_i64(), number.as_u64()) {
            (Some(int), _) if i32::try_from(int).is_ok() => "java.lang.Integer",
            (Some(_), _) => "java.lang.Long",
            (None, Some(_)) => "java.math.BigInteger",
            (None, None) => "java.lang.Double",
        },
        Value::String(_) => "java.lang.String",
        Value::Array(_) => "net.minidev.json.JSONArray",
        Value::Object(_) => "net.minidev.json.JSONObject",
    }
}

/// `toString()` of the Java value: strings bare, everything else as compact JSON.
pub(crate) fn java_string(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}
