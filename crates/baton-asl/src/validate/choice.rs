//! Choice states: rules, comparisons, operand types.

use serde_json::{Map, Value};

use crate::model::{
    Choice, ChoiceRule, Comparison, ComparisonOperator, Condition, Operand, OperandKind,
    QueryLanguage,
};
use crate::timestamp;
use crate::validate::Validator;
use crate::validate::expression::StatesAccess;
use crate::validate::fields::{Fields, PathRule};
use crate::validate::state::Context;

/// Rules nest at most this deep (And/Or/Not), so validation and evaluation recursion is bounded.
const RULE_DEPTH_MAX: usize = 64;

impl Validator<'_> {
    pub(super) fn choice(
        &mut self,
        fields: &Fields<'_>,
        language: QueryLanguage,
        context: &Context<'_>,
    ) -> Option<Choice> {
        self.require(fields, &["Choices"]);
        let default = self
            .non_empty_string(fields, "Default")
            .map(|name| self.target(name, &fields.at("Default"), context));
        let items = self.array(fields, "Choices")?;
        let location = fields.at("Choices");
        if items.is_empty() {
            self.error(&location, "The field 'Choices' must contain at least one rule");
            return None;
        }
        let mut rules = Vec::with_capacity(items.len());
        let mut ok = true;
        for (index, item) in items.iter().enumerate() {
            match self.choice_rule(item, &format!("{location}/{index}"), language, context) {
                Some(rule) => rules.push(rule),
                None => ok = false,
            }
        }
        let default = match default {
            Some(resolved) => Some(resolved?),
            None => None,
        };
        ok.then_some(Choice { choices: rules, default })
    }

    fn choice_rule(
        &mut self,
        value: &Value,
        location: &str,
        language: QueryLanguage,
        context: &Context<'_>,
    ) -> Option<ChoiceRule> {
        let Some(object) = value.as_object() else {
            self.error(location, "A choice rule must be a JSON object");
            return None;
        };
        let fields = Fields::new(object, location.to_owned());
        self.require(&fields, &["Next"]);
        let next = self
            .non_empty_string(&fields, "Next")
            .and_then(|name| self.target(name, &fields.at("Next"), context));
        let assign = self.assign(&fields, language, StatesAccess::Input);
        let comment = self.string(&fields, "Comment").map(str::to_owned);
        let (condition, output) = match language {
            QueryLanguage::Jsonata => {
                self.check_allowed(
                    &fields,
                    &["Condition", "Next", "Assign", "Output", "Comment"],
                    &["Variable", "And", "Or", "Not"],
                    Some(language),
                );
                self.require(&fields, &["Condition"]);
                let condition = self.jsonata_condition(&fields);
                let output = fields.get("Output").and_then(|value| {
                    self.jsonata_value(value, &fields.at("Output"), StatesAccess::Input)
                });
                (condition, output)
            }
            QueryLanguage::JsonPath => {
                (self.condition(object, location, &["Next", "Assign", "Comment"], 0), None)
            }
        };
        Some(ChoiceRule { condition: condition?, next: next?, output, assign, comment })
    }

    fn jsonata_condition(&mut self, fields: &Fields<'_>) -> Option<Condition> {
        match fields.get("Condition")? {
            Value::Bool(flag) => {
                Some(Condition::Jsonata(crate::model::Jsonata::literal(Value::Bool(*flag))))
            }
            Value::String(text) => {
                self.jsonata_string(text, &fields.at("Condition")).map(Condition::Jsonata)
            }
            _ => {
                self.error(
                    &fields.at("Condition"),
                    "The field 'Condition' must be a boolean or a JSONata expression",
                );
                None
            }
        }
    }

    /// A JSONPath Boolean expression: a comparison, or And/Or/Not over nested ones. `extra`
    /// lists the fields a top-level rule may have besides the expression.
    fn condition(
        &mut self,
        object: &Map<String, Value>,
        location: &str,
        extra: &[&str],
        depth: usize,
    ) -> Option<Condition> {
        if depth > RULE_DEPTH_MAX {
            self.error(
                location,
                format!("Choice rules nest more than {RULE_DEPTH_MAX} levels deep"),
            );
            return None;
        }
        let fields = Fields::new(object, location.to_owned());
        let operators: Vec<&str> = object
            .keys()
            .map(String::as_str)
            .filter(|key| !extra.contains(key) && *key != "Variable" && *key != "Comment")
            .collect();
        if operators.len() != 1 {
            let message = if operators.is_empty() {
                "A choice rule must have exactly one comparison operator, or And, Or or Not"
                    .to_owned()
            } else {
                format!(
                    "A choice rule must have exactly one comparison operator, found: [{}]",
                    operators.join(", ")
                )
            };
            self.error(location, message);
            return None;
        }
        let operator = operators[0];
        match operator {
            "And" | "Or" => {
                if fields.has("Variable") {
                    self.error(
                        &fields.at("Variable"),
                        format!("'Variable' cannot be used with '{operator}'"),
                    );
                }
                let items = self.array(&fields, operator)?;
                if items.is_empty() {
                    self.error(
                        &fields.at(operator),
                        format!("'{operator}' must contain at least one rule"),
                    );
                    return None;
                }
                let mut conditions = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    let item_location = format!("{}/{index}", fields.at(operator));
                    let Some(nested) = item.as_object() else {
                        self.error(&item_location, "A choice rule must be a JSON object");
                        return None;
                    };
                    conditions.push(self.condition(nested, &item_location, &[], depth + 1));
                }
                let conditions: Option<Vec<_>> = conditions.into_iter().collect();
                Some(if operator == "And" {
                    Condition::And(conditions?)
                } else {
                    Condition::Or(conditions?)
                })
            }
            "Not" => {
                let nested = self.object(&fields, "Not")?;
                let condition = self.condition(nested, &fields.at("Not"), &[], depth + 1)?;
                Some(Condition::Not(Box::new(condition)))
            }
            _ => self.comparison(&fields, operator).map(Condition::Comparison),
        }
    }

    fn comparison(&mut self, fields: &Fields<'_>, key: &str) -> Option<Comparison> {
        let (name, is_path) = match key.strip_suffix("Path") {
            Some(base) if ComparisonOperator::ALL.iter().any(|(name, _)| *name == base) => {
                (base, true)
            }
            _ => (key, false),
        };
        let Some(operator) = ComparisonOperator::ALL
            .iter()
            .find(|(candidate, _)| *candidate == name)
            .map(|(_, o)| *o)
        else {
            self.error(&fields.at(key), format!("'{key}' is not a valid choice rule operator"));
            return None;
        };
        if is_path && !operator.has_path_form() {
            self.error(&fields.at(key), format!("'{key}' is not a valid choice rule operator"));
            return None;
        }
        if !self.require(fields, &["Variable"]) {
            return None;
        }
        let variable = self.path(fields, "Variable", PathRule::Path);
        let operand = if is_path {
            self.path(fields, key, PathRule::Reference).map(Operand::Path)
        } else {
            self.operand(fields, key, operator)
        };
        Some(Comparison { variable: variable?, operator, operand: operand? })
    }

    fn operand(
        &mut self,
        fields: &Fields<'_>,
        key: &str,
        operator: ComparisonOperator,
    ) -> Option<Operand> {
        match operator.operand_kind() {
            OperandKind::String => {
                self.string(fields, key).map(|text| Operand::String(text.to_owned()))
            }
            OperandKind::Number => self.number(fields, key).map(Operand::Number),
            OperandKind::Boolean => self.boolean(fields, key).map(Operand::Boolean),
            OperandKind::Timestamp => {
                let text = self.string(fields, key)?;
                if timestamp::parse(text).is_none() {
                    self.error(&fields.at(key), "String does not match RFC3339 timestamp");
                    return None;
                }
                Some(Operand::Timestamp(text.to_owned()))
            }
        }
    }
}
