//! Typed field access with diagnostics: presence, JSON type, ranges, exclusivity, unknown fields.
//!
//! Every reader returns `None` both when the field is absent and when it is invalid; in the
//! second case it has already reported why. Callers that need to tell the two apart ask
//! [`Fields::has`] first.

use serde_json::{Map, Value};

use crate::model::{Dynamic, NullablePath, QueryLanguage, ResultPath};
use crate::path::{Path, Root};
use crate::template::Template;
use crate::validate::Validator;

/// One JSON object of the definition and where it is.
pub(super) struct Fields<'a> {
    pub(super) map: &'a Map<String, Value>,
    /// `/States/Name` style; empty for the top level.
    pub(super) location: String,
}

impl<'a> Fields<'a> {
    pub(super) fn new(map: &'a Map<String, Value>, location: String) -> Fields<'a> {
        Fields { map, location }
    }

    /// The location of a field of this object.
    pub(super) fn at(&self, key: &str) -> String {
        format!("{}/{key}", self.location)
    }

    /// The location of this object, `/` for the top level.
    pub(super) fn location_or_root(&self) -> String {
        if self.location.is_empty() { "/".to_owned() } else { self.location.clone() }
    }

    pub(super) fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key)
    }

    pub(super) fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }
}

/// What a path field may contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PathRule {
    /// Any JSONPath, rooted at `$`, `$$` or a variable (InputPath, OutputPath, ItemsPath...).
    Path,
    /// A Reference Path: definite, single value (the `*Path` fields of Choice and Wait, ...).
    Reference,
}

impl Validator<'_> {
    /// The fields of a value that must be a JSON object (`what` names it in the message).
    pub(super) fn fields_of<'a>(
        &mut self,
        value: &'a Value,
        location: &str,
        what: &str,
    ) -> Option<Fields<'a>> {
        match value.as_object() {
            Some(object) => Some(Fields::new(object, location.to_owned())),
            None => {
                self.error(location, format!("{what} must be a JSON object"));
                None
            }
        }
    }

    /// Reports fields that are not in `allowed`. A field that belongs to the other query
    /// language gets a message that says so.
    pub(super) fn check_allowed(
        &mut self,
        fields: &Fields<'_>,
        allowed: &[&str],
        other_language: &[&str],
        query_language: Option<QueryLanguage>,
    ) {
        for key in fields.map.keys() {
            if allowed.contains(&key.as_str()) {
                continue;
            }
            let message = match query_language {
                Some(language) if other_language.contains(&key.as_str()) => format!(
                    "The field '{key}' is not supported when the query language is {}",
                    language.as_str()
                ),
                _ => format!("The field '{key}' is not supported by Step Functions"),
            };
            self.error(&fields.at(key), message);
        }
    }

    /// Reports the missing ones of `keys`; true when all are present.
    pub(super) fn require(&mut self, fields: &Fields<'_>, keys: &[&str]) -> bool {
        let missing: Vec<&str> = keys.iter().copied().filter(|key| !fields.has(key)).collect();
        if missing.is_empty() {
            return true;
        }
        self.error(
            &fields.location_or_root(),
            format!("These fields are required: [{}]", missing.join(", ")),
        );
        false
    }

    /// Reports when more than one of `keys` is present; true when at most one is.
    pub(super) fn exclusive(&mut self, fields: &Fields<'_>, keys: &[&str]) -> bool {
        let present: Vec<&str> = keys.iter().copied().filter(|key| fields.has(key)).collect();
        if present.len() <= 1 {
            return true;
        }
        self.error(
            &fields.location_or_root(),
            format!("Only one of these fields may be present: [{}]", present.join(", ")),
        );
        false
    }

    fn wrong_type(&mut self, fields: &Fields<'_>, key: &str, expected: &str) {
        self.error(&fields.at(key), format!("The value of the field '{key}' must be {expected}"));
    }

    pub(super) fn string<'a>(&mut self, fields: &Fields<'a>, key: &str) -> Option<&'a str> {
        match fields.get(key)? {
            Value::String(text) => Some(text),
            _ => {
                self.wrong_type(fields, key, "a string");
                None
            }
        }
    }

    /// A string that must not be empty (names, `Next`, error names).
    pub(super) fn non_empty_string<'a>(
        &mut self,
        fields: &Fields<'a>,
        key: &str,
    ) -> Option<&'a str> {
        let text = self.string(fields, key)?;
        if text.is_empty() {
            self.error(&fields.at(key), format!("The field '{key}' must not be empty"));
            return None;
        }
        Some(text)
    }

    pub(super) fn object<'a>(
        &mut self,
        fields: &Fields<'a>,
        key: &str,
    ) -> Option<&'a Map<String, Value>> {
        match fields.get(key)? {
            Value::Object(map) => Some(map),
            _ => {
                self.wrong_type(fields, key, "an object");
                None
            }
        }
    }

    pub(super) fn array<'a>(&mut self, fields: &Fields<'a>, key: &str) -> Option<&'a [Value]> {
        match fields.get(key)? {
            Value::Array(items) => Some(items),
            _ => {
                self.wrong_type(fields, key, "an array");
                None
            }
        }
    }

    pub(super) fn boolean(&mut self, fields: &Fields<'_>, key: &str) -> Option<bool> {
        match fields.get(key)? {
            Value::Bool(flag) => Some(*flag),
            _ => {
                self.wrong_type(fields, key, "a boolean");
                None
            }
        }
    }

    /// A whole number in `minimum..=maximum`.
    pub(super) fn integer_in(
        &mut self,
        fields: &Fields<'_>,
        key: &str,
        minimum: u64,
        maximum: u64,
    ) -> Option<u64> {
        let value = fields.get(key)?;
        match integer_value(value) {
            Some(number) if (minimum..=maximum).contains(&number) => Some(number),
            Some(_) | None if value.is_number() => {
                self.error(
                    &fields.at(key),
                    format!(
                        "The value of the field '{key}' must be an integer between {minimum} and {maximum}"
                    ),
                );
                None
            }
            _ => {
                self.wrong_type(fields, key, "an integer");
                None
            }
        }
    }

    /// A positive whole number within AWS's general 99999999 bound.
    pub(super) fn positive_integer(&mut self, fields: &Fields<'_>, key: &str) -> Option<u64> {
        self.integer_in(fields, key, 1, crate::limits::TASK_TIMEOUT_SECONDS_MAX)
    }

    pub(super) fn number(&mut self, fields: &Fields<'_>, key: &str) -> Option<f64> {
        match fields.get(key)? {
            Value::Number(number) => number.as_f64(),
            _ => {
                self.wrong_type(fields, key, "a number");
                None
            }
        }
    }

    /// Parses a path string and checks it against `rule`.
    pub(super) fn parse_path(
        &mut self,
        text: &str,
        location: &str,
        rule: PathRule,
    ) -> Option<Path> {
        match Path::parse(text) {
            Ok(path) => {
                if rule == PathRule::Reference && !path.is_reference_path() {
                    self.error(
                        location,
                        format!("The value '{text}' is not a valid Reference Path"),
                    );
                    return None;
                }
                Some(path)
            }
            Err(error) => {
                self.error(
                    location,
                    format!("The value '{text}' is not a valid JSONPath: {error}"),
                );
                None
            }
        }
    }

    pub(super) fn path(&mut self, fields: &Fields<'_>, key: &str, rule: PathRule) -> Option<Path> {
        let text = self.string(fields, key)?;
        self.parse_path(text, &fields.at(key), rule)
    }

    /// `InputPath`/`OutputPath`: a path or `null`.
    pub(super) fn nullable_path(&mut self, fields: &Fields<'_>, key: &str) -> Option<NullablePath> {
        match fields.get(key)? {
            Value::Null => Some(NullablePath::Null),
            Value::String(text) => {
                self.parse_path(text, &fields.at(key), PathRule::Path).map(NullablePath::Path)
            }
            _ => {
                self.wrong_type(fields, key, "a JSONPath string or null");
                None
            }
        }
    }

    /// `ResultPath`: a reference path rooted at `$` (never a variable or `$$`), or `null`.
    pub(super) fn result_path(&mut self, fields: &Fields<'_>) -> Option<ResultPath> {
        const KEY: &str = "ResultPath";
        match fields.get(KEY)? {
            Value::Null => Some(ResultPath::Discard),
            Value::String(text) => {
                let path = self.parse_path(text, &fields.at(KEY), PathRule::Reference)?;
                if *path.root() != Root::Input {
                    self.error(
                        &fields.at(KEY),
                        format!(
                            "The value '{text}' is not valid for ResultPath: it must start with '$' and cannot reference variables or the context object"
                        ),
                    );
                    return None;
                }
                Some(ResultPath::Path(path))
            }
            _ => {
                self.wrong_type(fields, KEY, "a JSONPath string or null");
                None
            }
        }
    }

    /// A payload template (`Parameters`, `ResultSelector`, `ItemSelector`, JSONPath `Assign`).
    pub(super) fn template(&mut self, fields: &Fields<'_>, key: &str) -> Option<Template> {
        let value = fields.get(key)?;
        self.template_value(value, &fields.at(key))
    }

    pub(super) fn template_value(&mut self, value: &Value, location: &str) -> Option<Template> {
        self.warn_no_dollar(value, location);
        match Template::parse(value) {
            Ok(template) => Some(template),
            Err(problems) => {
                for (suffix, message) in problems {
                    self.error(&format!("{location}{suffix}"), message);
                }
                None
            }
        }
    }

    /// A count that may be a literal, a `*Path` reference path, or JSONata: `TimeoutSeconds`,
    /// `MaxConcurrency`, `ToleratedFailureCount`...
    pub(super) fn dynamic_integer(
        &mut self,
        fields: &Fields<'_>,
        key: &str,
        minimum: u64,
        maximum: u64,
        query_language: QueryLanguage,
    ) -> Option<Dynamic<u64>> {
        let path_key = format!("{key}Path");
        if !self.exclusive(fields, &[key, &path_key]) {
            return None;
        }
        if fields.has(&path_key) {
            return self.path(fields, &path_key, PathRule::Reference).map(Dynamic::Path);
        }
        if query_language == QueryLanguage::Jsonata
            && let Some(Value::String(text)) = fields.get(key)
        {
            return self.jsonata_string(text, &fields.at(key)).map(Dynamic::Jsonata);
        }
        self.integer_in(fields, key, minimum, maximum).map(Dynamic::Literal)
    }
}

/// A JSON number that is a whole number (`5` and `5.0` both count, as in AWS's Java parser).
fn integer_value(value: &Value) -> Option<u64> {
    let number = value.as_number()?;
    if let Some(integer) = number.as_u64() {
        return Some(integer);
    }
    let float = number.as_f64()?;
    // Exact whole floats below 2^53 convert without loss.
    if float.fract() == 0.0 && (0.0..9_007_199_254_740_992.0).contains(&float) {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        return Some(float as u64);
    }
    None
}
