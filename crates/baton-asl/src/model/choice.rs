//! Choice states and their rules.

use crate::model::{Assign, Jsonata, StateId};
use crate::path::Path;

/// `Choice`: rules tried in order, then `Default`.
#[derive(Debug, Clone)]
pub struct Choice {
    pub choices: Vec<ChoiceRule>,
    pub default: Option<StateId>,
}

/// A top-level rule: a condition plus where it leads, and what it assigns when taken.
#[derive(Debug, Clone)]
pub struct ChoiceRule {
    pub condition: Condition,
    pub next: StateId,
    /// JSONata: the state's output when this rule is taken.
    pub output: Option<Jsonata>,
    pub assign: Option<Assign>,
    pub comment: Option<String>,
}

/// A Boolean expression of a Choice rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// JSONPath: `Variable` compared by one operator.
    Comparison(Comparison),
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
    /// JSONata: `Condition` (must evaluate to a Boolean).
    Jsonata(Jsonata),
}

/// `"Variable": "$.x", "<Operator>": operand`.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub variable: Path,
    pub operator: ComparisonOperator,
    pub operand: Operand,
}

/// The comparison operators, without their `Path` suffix (that is in [`Operand`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComparisonOperator {
    StringEquals,
    StringLessThan,
    StringGreaterThan,
    StringLessThanEquals,
    StringGreaterThanEquals,
    StringMatches,
    NumericEquals,
    NumericLessThan,
    NumericGreaterThan,
    NumericLessThanEquals,
    NumericGreaterThanEquals,
    BooleanEquals,
    TimestampEquals,
    TimestampLessThan,
    TimestampGreaterThan,
    TimestampLessThanEquals,
    TimestampGreaterThanEquals,
    IsNull,
    IsPresent,
    IsNumeric,
    IsString,
    IsBoolean,
    IsTimestamp,
}

impl ComparisonOperator {
    /// Every operator with its name, for parsing and for messages.
    pub const ALL: [(&'static str, ComparisonOperator); 23] = [
        ("StringEquals", ComparisonOperator::StringEquals),
        ("StringLessThan", ComparisonOperator::StringLessThan),
        ("StringGreaterThan", ComparisonOperator::StringGreaterThan),
        ("StringLessThanEquals", ComparisonOperator::StringLessThanEquals),
        ("StringGreaterThanEquals", ComparisonOperator::StringGreaterThanEquals),
        ("StringMatches", ComparisonOperator::StringMatches),
        ("NumericEquals", ComparisonOperator::NumericEquals),
        ("NumericLessThan", ComparisonOperator::NumericLessThan),
        ("NumericGreaterThan", ComparisonOperator::NumericGreaterThan),
        ("NumericLessThanEquals", ComparisonOperator::NumericLessThanEquals),
        ("NumericGreaterThanEquals", ComparisonOperator::NumericGreaterThanEquals),
        ("BooleanEquals", ComparisonOperator::BooleanEquals),
        ("TimestampEquals", ComparisonOperator::TimestampEquals),
        ("TimestampLessThan", ComparisonOperator::TimestampLessThan),
        ("TimestampGreaterThan", ComparisonOperator::TimestampGreaterThan),
        ("TimestampLessThanEquals", ComparisonOperator::TimestampLessThanEquals),
        ("TimestampGreaterThanEquals", ComparisonOperator::TimestampGreaterThanEquals),
        ("IsNull", ComparisonOperator::IsNull),
        ("IsPresent", ComparisonOperator::IsPresent),
        ("IsNumeric", ComparisonOperator::IsNumeric),
        ("IsString", ComparisonOperator::IsString),
        ("IsBoolean", ComparisonOperator::IsBoolean),
        ("IsTimestamp", ComparisonOperator::IsTimestamp),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, operator)| *operator == self).map_or("", |(name, _)| name)
    }

    /// The JSON type a literal operand must have. `StringMatches` takes a pattern string.
    pub fn operand_kind(self) -> OperandKind {
        use ComparisonOperator as O;
        match self {
            O::StringEquals
            | O::StringLessThan
            | O::StringGreaterThan
            | O::StringLessThanEquals
            | O::StringGreaterThanEquals
            | O::StringMatches => OperandKind::String,
            O::NumericEquals
            | O::NumericLessThan
            | O::NumericGreaterThan
            | O::NumericLessThanEquals
            | O::NumericGreaterThanEquals => OperandKind::Number,
            O::TimestampEquals
            | O::TimestampLessThan
            | O::TimestampGreaterThan
            | O::TimestampLessThanEquals
            | O::TimestampGreaterThanEquals => OperandKind::Timestamp,
            O::BooleanEquals
            | O::IsNull
            | O::IsPresent
            | O::IsNumeric
            | O::IsString
            | O::IsBoolean
            | O::IsTimestamp => OperandKind::Boolean,
        }
    }

    /// Whether a `<Name>Path` form exists (`StringMatches` and the `Is*` tests have none).
    pub fn has_path_form(self) -> bool {
        !matches!(
            self,
            ComparisonOperator::StringMatches
                | ComparisonOperator::IsNull
                | ComparisonOperator::IsPresent
                | ComparisonOperator::IsNumeric
                | ComparisonOperator::IsString
                | ComparisonOperator::IsBoolean
                | ComparisonOperator::IsTimestamp
        )
    }
}

/// The kind of literal an operator compares against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperandKind {
    String,
    Number,
    Boolean,
    Timestamp,
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    String(String),
    Number(f64),
    Boolean(bool),
    /// A literal timestamp, checked to be RFC 3339 at validation.
    Timestamp(String),
    /// The `...Path` form: compare with the value at this path.
    Path(Path),
}
