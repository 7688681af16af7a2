//! Turning the recorded placeholders of a case back into concrete values.
//!
//! The cases were extracted with sentinels where a test used a value that only exists at run
//! time: `zzr2.executionArnzz` is field `executionArn` of the response to step 2, `zzu1zz` a
//! random short id, `zzacctzz` the account. This is the Rust twin of `Resolver` in
//! ../shared/conformance/sfnconf_compare.py, so that a case means the same thing here as in the
//! official runner.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::{Captures, Regex};
use serde_json::Value;

/// `arn:aws:states:zzregionzz:zzacctzz:zzarnzz:zzr1.stateMachineArnzz`: a whole ARN the test
/// took from a response.
static ARN_SENTINEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"arn:aws:states:zzregionzz:zzacctzz:zzarnzz:zzr(\d+)((?:\.[A-Za-z0-9_$\-]+?)*?)zz")
        .expect("the ARN sentinel pattern is valid")
});

/// `zzr1.stateMachineArnzz`: any value the test took from a response.
static REF_SENTINEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"zzr(\d+)((?:\.[A-Za-z0-9_$\-]+?)*?)zz").expect("the ref sentinel pattern is valid")
});

/// `zzu1zz` (a short random id) and `zzl1zz` (a UUID).
static UID_SENTINEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"zz([ul])(\d+)zz").expect("the uid sentinel pattern is valid"));

/// Sentinels for things outside Step Functions (an external function, a second account): a
/// value containing one cannot be built in-process.
static UNRESOLVABLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"zz(ext_|mockfile|acct2|key2|secret2|arnzz)")
        .expect("the unresolvable sentinel pattern is valid")
});

/// The role ARN every test passed to CreateStateMachine.
pub(crate) const ROLE_SENTINEL: &str = "arn:aws:iam::zzacctzz:role/zzrolezz";

/// A placeholder that cannot be filled in without a service the harness does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unresolvable(pub(crate) String);

/// The identity the harness runs under: what the placeholders for account, region and role
/// become.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Identity {
    pub(crate) account: &'static str,
    pub(crate) region: &'static str,
    pub(crate) role_arn: &'static str,
}

/// Fills in placeholders from the responses the harness has produced so far.
#[derive(Debug)]
pub(crate) struct Resolver<'s> {
    pub(crate) responses: &'s HashMap<u64, Value>,
    /// The AWS operation name of each step (`CreateStateMachine`), for exception texts.
    pub(crate) operations: &'s HashMap<u64, String>,
    pub(crate) identity: Identity,
}

impl Resolver<'_> {
    /// The value at `path` inside the response to step `reference`.
    pub(crate) fn reference(&self, reference: u64, path: &[Value]) -> Result<&Value, Unresolvable> {
        let response = self
            .responses
            .get(&reference)
            .ok_or_else(|| Unresolvable(format!("response r{reference} not available")))?;
        walk_path(response, path)
    }

    /// Replaces the sentinels in `text`. With `escape`, substituted values are regex-escaped
    /// (for transformer patterns).
    pub(crate) fn string(&self, text: &str, escape: bool) -> Result<String, Unresolvable> {
        if !text.contains("zz") {
            return Ok(text.to_owned());
        }
        let convert = |value: &str| if escape { regex::escape(value) } else { value.to_owned() };
        let reference = |captures: &Captures<'_>| -> Result<String, Unresolvable> {
            let number = captures[1]
                .parse::<u64>()
                .map_err(|_| Unresolvable(format!("step number {} is too large", &captures[1])))?;
            let path: Vec<Value> = path_from_tail(&captures[2]);
            let value = self.reference(number, &path)?;
            let text = match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            Ok(convert(&text))
        };
        let text = text.replace(ROLE_SENTINEL, &convert(self.identity.role_arn));
        let text = replace_all(&ARN_SENTINEL, &text, reference)?;
        let text = replace_all(&REF_SENTINEL, &text, reference)?;
        let text = replace_all(&UID_SENTINEL, &text, |captures| {
            Ok(convert(&unique_id(&captures[1], &captures[2])))
        })?;
        let text = text
            .replace("zzacctzz", &convert(self.identity.account))
            .replace("zzregionzz", &convert(self.identity.region));
        if UNRESOLVABLE.is_match(&text) {
            let shown: String = text.chars().take(120).collect();
            return Err(Unresolvable(format!("unresolvable placeholder in {shown:?}")));
        }
        Ok(text)
    }

    /// Replaces the sentinels everywhere in `spec`, including `{"$sym": ...}` references to
    /// whole responses.
    pub(crate) fn value(&self, spec: &Value, escape: bool) -> Result<Value, Unresolvable> {
        match spec {
            Value::String(text) => Ok(Value::String(self.string(text, escape)?)),
            Value::Array(items) => items
                .iter()
                .map(|item| self.value(item, escape))
                .collect::<Result<_, _>>()
                .map(Value::Array),
            Value::Object(fields) => {
                if fields.len() == 1 {
                    if let Some(symbol) = fields.get("$sym") {
                        return self.symbol(symbol);
                    }
                    if let Some(opaque) = fields.get("$opaque").or_else(|| fields.get("$bytes")) {
                        return Err(Unresolvable(format!("opaque value {opaque}")));
                    }
                }
                let mut resolved = serde_json::Map::new();
                for (key, value) in fields {
                    resolved.insert(self.string(key, false)?, self.value(value, escape)?);
                }
                Ok(Value::Object(resolved))
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => Ok(spec.clone()),
        }
    }

    /// `{"ref": 3, "path": [...], "as": ..., "jsonpath": ...}`: (part of) a response.
    fn symbol(&self, symbol: &Value) -> Result<Value, Unresolvable> {
        let reference = symbol
            .get("ref")
            .and_then(Value::as_u64)
            .ok_or_else(|| Unresolvable(format!("malformed reference {symbol}")))?;
        let path = symbol.get("path").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
        let value = self.reference(reference, path)?;
        if symbol.get("as").and_then(Value::as_str) == Some("exception_str") {
            return Ok(Value::String(self.exception_text(reference, value)));
        }
        match symbol.get("jsonpath").and_then(Value::as_str) {
            Some(jsonpath) if !jsonpath.is_empty() => {
                super::jsonpath::extract_like_sfn_tests(jsonpath, value)
            }
            _ => Ok(value.clone()),
        }
    }

    /// What `str()` of the botocore `ClientError` for this response says.
    fn exception_text(&self, reference: u64, response: &Value) -> String {
        let error = response.get("Error");
        let field = |name: &str| {
            error.and_then(|error| error.get(name)).and_then(Value::as_str).unwrap_or("Unknown")
        };
        let operation = self.operations.get(&reference).map_or("Unknown", String::as_str);
        format!(
            "An error occurred ({}) when calling the {operation} operation: {}",
            field("Code"),
            field("Message")
        )
    }
}

/// A deterministic stand-in for the random ids the tests drew: `u` ids are 8 hex digits,
/// `l` ids are UUIDs. Determinism keeps reruns identical; uniqueness within a case is all the
/// tests rely on.
fn unique_id(kind: &str, number: &str) -> String {
    let number: u64 = number.parse().unwrap_or(0);
    if kind == "u" {
        format!("{:08x}", 0xba70_0000_u64 + number)
    } else {
        format!("ba700000-0000-4000-8000-{number:012x}")
    }
}

/// `.executionArn` or `.Error.Code` as path segments; numeric segments index lists.
fn path_from_tail(tail: &str) -> Vec<Value> {
    tail.split('.')
        .filter(|segment| !segment.is_empty())
        .map(|segment| match segment.parse::<i64>() {
            Ok(index) => Value::from(index),
            Err(_) => Value::String(segment.to_owned()),
        })
        .collect()
}

/// Follows object keys and list indexes (negative indexes count from the end, as in Python).
pub(crate) fn walk_path<'v>(value: &'v Value, path: &[Value]) -> Result<&'v Value, Unresolvable> {
    let mut current = value;
    for segment in path {
        current = match current {
            Value::Object(fields) => {
                let key = match segment {
                    Value::String(key) => key.clone(),
                    other => other.to_string(),
                };
                fields.get(&key).ok_or_else(|| Unresolvable(format!("missing key {key:?}")))?
            }
            Value::Array(items) => {
                let index = segment
                    .as_i64()
                    .or_else(|| segment.as_str().and_then(|text| text.parse().ok()))
                    .ok_or_else(|| Unresolvable(format!("list index {segment}")))?;
                python_index(items, index)
                    .ok_or_else(|| Unresolvable(format!("list index {index} out of range")))?
            }
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {
                return Err(Unresolvable(format!("cannot descend into a scalar with {segment}")));
            }
        };
    }
    Ok(current)
}

/// `items[index]` with Python's negative indexing.
pub(crate) fn python_index(items: &[Value], index: i64) -> Option<&Value> {
    let length = i64::try_from(items.len()).ok()?;
    let position = if index < 0 { index + length } else { index };
    usize::try_from(position).ok().and_then(|position| items.get(position))
}

/// `Regex::replace_all` with a replacement that can fail.
fn replace_all(
    pattern: &Regex,
    text: &str,
    mut replacement: impl FnMut(&Captures<'_>) -> Result<String, Unresolvable>,
) -> Result<String, Unresolvable> {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for captures in pattern.captures_iter(text) {
        let Some(whole) = captures.get(0) else { continue };
        out.push_str(&text[last..whole.start()]);
        out.push_str(&replacement(&captures)?);
        last = whole.end();
    }
    out.push_str(&text[last..]);
    Ok(out)
}
