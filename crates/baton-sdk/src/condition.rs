//! Typed Choice conditions: comparisons on paths whose ASL operator follows from the Rust type
//! of the compared value, combined with `and`, `or` and `!`.
//!
//! ASL spells the type into every operator (`StringEquals`, `NumericLessThan`,
//! `TimestampGreaterThanEquals`, `BooleanEquals`, ...), and picking the wrong one is a silent
//! bug: `NumericEquals` against a string never matches. Here the operator is chosen from the
//! value's type, so `var("$.count").less_than(5)` is `NumericLessThan` and
//! `var("$.name").equals("Ada")` is `StringEquals`. Booleans have no ordering in ASL, so
//! `less_than(true)` does not compile.
//!
//! ```
//! use baton_sdk::condition::{Path, var};
//!
//! let ready = var("$.acceptable").equals(true).and(var("$.toppings").less_than_or_equal(5));
//! let urgent = !var("$.deadline").is_present() | var("$.priority").equals(Path::<i64>::new("$.max"));
//! assert_eq!(ready.to_json()["And"][1]["NumericLessThanEquals"], 5);
//! assert_eq!(urgent.to_json()["Or"][1]["NumericEqualsPath"], "$.max");
//! ```

use std::marker::PhantomData;

use serde_json::{Map, Value, json};

/// A Choice rule's condition, without its `Next` (the branch it guards adds that).
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    rule: Value,
}

impl Condition {
    /// True when both conditions hold (`And`; chains flatten into one `And`).
    #[must_use]
    pub fn and(self, other: Condition) -> Condition {
        Condition::combine("And", self, other)
    }

    /// True when either condition holds (`Or`; chains flatten into one `Or`).
    #[must_use]
    pub fn or(self, other: Condition) -> Condition {
        Condition::combine("Or", self, other)
    }

    /// The rule as ASL writes it (no `Next`).
    pub fn to_json(&self) -> Value {
        self.rule.clone()
    }

    fn combine(operator: &str, left: Condition, right: Condition) -> Condition {
        let mut operands = Vec::new();
        for condition in [left, right] {
            match condition.rule {
                Value::Object(mut rule) if rule.len() == 1 && rule.contains_key(operator) => {
                    if let Some(Value::Array(inner)) = rule.remove(operator) {
                        operands.extend(inner);
                    }
                }
                rule => operands.push(rule),
            }
        }
        Condition { rule: json!({ operator: operands }) }
    }
}

impl std::ops::Not for Condition {
    type Output = Condition;

    /// True when the condition does not hold (`Not`).
    fn not(self) -> Condition {
        Condition { rule: json!({ "Not": self.rule }) }
    }
}

impl std::ops::BitAnd for Condition {
    type Output = Condition;

    /// `a & b` is [`Condition::and`].
    fn bitand(self, other: Condition) -> Condition {
        self.and(other)
    }
}

impl std::ops::BitOr for Condition {
    type Output = Condition;

    /// `a | b` is [`Condition::or`].
    fn bitor(self, other: Condition) -> Condition {
        self.or(other)
    }
}

/// The value at a path of the state's input (or `$$.` of the context object), to compare.
pub fn var(path: impl Into<String>) -> Variable {
    Variable { path: path.into() }
}

/// A Choice rule's `Variable`: the path whose value a condition tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    path: String,
}

impl Variable {
    /// Equal to `value` (`StringEquals`, `NumericEquals`, `BooleanEquals`, `TimestampEquals`,
    /// or their `...Path` forms for a [`Path`]).
    pub fn equals(self, value: impl Operand) -> Condition {
        self.compare("Equals", value.into_operand())
    }

    /// Less than `value` (`StringLessThan`, `NumericLessThan`, `TimestampLessThan`, or their
    /// `...Path` forms for a [`Path`]).
    pub fn less_than(self, value: impl Ordered) -> Condition {
        self.compare("LessThan", value.into_operand())
    }

    /// Less than or equal to `value` (`...LessThanEquals`).
    pub fn less_than_or_equal(self, value: impl Ordered) -> Condition {
        self.compare("LessThanEquals", value.into_operand())
    }

    /// Greater than `value` (`...GreaterThan`).
    pub fn greater_than(self, value: impl Ordered) -> Condition {
        self.compare("GreaterThan", value.into_operand())
    }

    /// Greater than or equal to `value` (`...GreaterThanEquals`).
    pub fn greater_than_or_equal(self, value: impl Ordered) -> Condition {
        self.compare("GreaterThanEquals", value.into_operand())
    }

    /// A string matching `pattern`, where `*` stands for any characters (`StringMatches`).
    pub fn matches(self, pattern: impl Into<String>) -> Condition {
        self.test("StringMatches", Value::String(pattern.into()))
    }

    /// The path selects a value (`IsPresent: true`).
    pub fn is_present(self) -> Condition {
        self.test("IsPresent", Value::Bool(true))
    }

    /// The value is JSON `null` (`IsNull: true`).
    pub fn is_null(self) -> Condition {
        self.test("IsNull", Value::Bool(true))
    }

    /// The value is a string (`IsString: true`).
    pub fn is_string(self) -> Condition {
        self.test("IsString", Value::Bool(true))
    }

    /// The value is a number (`IsNumeric: true`).
    pub fn is_numeric(self) -> Condition {
        self.test("IsNumeric", Value::Bool(true))
    }

    /// The value is a boolean (`IsBoolean: true`).
    pub fn is_boolean(self) -> Condition {
        self.test("IsBoolean", Value::Bool(true))
    }

    /// The value is an RFC 3339 timestamp string (`IsTimestamp: true`).
    pub fn is_timestamp(self) -> Condition {
        self.test("IsTimestamp", Value::Bool(true))
    }

    fn compare(self, relation: &str, operand: Compared) -> Condition {
        let (operator, value) = match operand.against {
            Against::Value(value) => (format!("{}{relation}", operand.kind.prefix()), value),
            Against::Path(path) => {
                (format!("{}{relation}Path", operand.kind.prefix()), path.into())
            }
        };
        self.test(&operator, value)
    }

    fn test(self, operator: &str, value: Value) -> Condition {
        let mut rule = Map::new();
        rule.insert("Variable".to_owned(), Value::String(self.path));
        rule.insert(operator.to_owned(), value);
        Condition { rule: Value::Object(rule) }
    }
}

/// The value at another path, compared as type `T` (the `...Path` operators).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path<T> {
    path: String,
    compared_as: PhantomData<T>,
}

impl<T: Operand> Path<T> {
    /// The value at `path`, compared as a `T`.
    pub fn new(path: impl Into<String>) -> Path<T> {
        Path { path: path.into(), compared_as: PhantomData }
    }
}

/// The ASL type family of a compared value: the prefix of its operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `String...`
    String,
    /// `Numeric...`
    Numeric,
    /// `Boolean...`
    Boolean,
    /// `Timestamp...`
    Timestamp,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Kind::String => "String",
            Kind::Numeric => "Numeric",
            Kind::Boolean => "Boolean",
            Kind::Timestamp => "Timestamp",
        }
    }
}

/// What a comparison compares against: its type family and a literal or a path.
#[derive(Debug, Clone, PartialEq)]
pub struct Compared {
    kind: Kind,
    against: Against,
}

#[derive(Debug, Clone, PartialEq)]
enum Against {
    Value(Value),
    Path(String),
}

/// A value a Choice rule can compare with: it knows its ASL type family.
pub trait Operand {
    /// The operator family of this type.
    const KIND: Kind;

    /// The value (or path) in the rule.
    fn into_operand(self) -> Compared;
}

/// A value ASL can order (strings, numbers and timestamps; not booleans).
pub trait Ordered: Operand {}

/// Literals of one type family: their JSON value goes into the rule as it is.
macro_rules! literal_operands {
    ($kind:ident, $ordered:tt: $($type:ty),+) => {$(
        impl Operand for $type {
            const KIND: Kind = Kind::$kind;

            fn into_operand(self) -> Compared {
                Compared { kind: Kind::$kind, against: Against::Value(json!(self)) }
            }
        }
        literal_operands!(@ordered $ordered $type);
    )+};
    (@ordered ordered $type:ty) => { impl Ordered for $type {} };
    (@ordered unordered $type:ty) => {};
}

literal_operands!(String, ordered: &str, String);
literal_operands!(Numeric, ordered: i32, i64, u32, u64, usize, f64);
literal_operands!(Boolean, unordered: bool);

impl Operand for jiff::Timestamp {
    const KIND: Kind = Kind::Timestamp;

    fn into_operand(self) -> Compared {
        // jiff prints RFC 3339 in UTC with an uppercase `T` and `Z`, as ASL requires.
        Compared { kind: Kind::Timestamp, against: Against::Value(Value::String(self.to_string())) }
    }
}

impl Ordered for jiff::Timestamp {}

impl<T: Operand> Operand for Path<T> {
    const KIND: Kind = T::KIND;

    fn into_operand(self) -> Compared {
        Compared { kind: T::KIND, against: Against::Path(self.path) }
    }
}

impl<T: Ordered> Ordered for Path<T> {}
