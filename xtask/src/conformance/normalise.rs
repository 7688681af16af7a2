//! Normalising what Baton produced the way the recordings were normalised, so that the two
//! compare: ARNs, account, region, dates and ids become the placeholders the snapshots hold.
//!
//! The recordings went through LocalStack's snapshot transformers; each case lists the ones its
//! test registered. This mirrors `normalise` in ../shared/conformance/sfnconf_compare.py for the
//! transformer kinds the interpreter-only cases use; any other kind is reported as an
//! approximation rather than silently ignored. Placeholders such as `<ArnPart_0idx>` or
//! `<uuid:1>` match any text when compared (see `compare::text_matches`), so the numbering of
//! the placeholders we produce never decides a verdict.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use regex::{NoExpand, Regex};
use serde_json::{Map, Value, json};

use super::case::Transformer;
use super::jsonpath;
use super::resolve::{Resolver, Unresolvable};

/// An ISO 8601 date-time with a zone, with calendar validation (leap days included): the
/// snapshot tooling replaces every such text with `date`.
static ISO_DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&iso_date_pattern()).expect("the ISO date pattern is valid"));

/// The same, anchored at the start, for "is this value a date?".
static ISO_DATE_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!("^(?:{})", iso_date_pattern())).expect("the ISO date pattern is valid")
});

static UUID_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}")
        .expect("the UUID pattern is valid")
});

/// A cause that quotes a JSON document (`... 'input {"a": 1}'`): the document is replaced.
static CAUSE_JSON: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)^.*'(\{.*\})'").expect("the cause pattern is valid"));

/// What was normalised, and any transformer that could only be approximated.
#[derive(Debug)]
pub(crate) struct Normalised {
    pub(crate) values: Map<String, Value>,
    pub(crate) approximations: Vec<String>,
}

/// Normalises the observed values (one per snapshot key) with the case's transformers, then
/// the defaults every snapshot gets.
pub(crate) fn normalise(
    observed: Map<String, Value>,
    transformers: &[Transformer],
    resolver: &Resolver<'_>,
) -> Normalised {
    let mut data = Value::Object(observed);
    parse_json_strings(&mut data);
    let mut context = Context::default();
    let mut ordered: Vec<&Transformer> = transformers.iter().collect();
    ordered.sort_by_key(|transformer| (transformer.priority, transformer.seq));
    let mut defaults_done = false;
    for transformer in ordered {
        // LocalStack applies its defaults between the test's own priority-0/1 transformers and
        // the later ones.
        if transformer.priority >= 2 && !defaults_done {
            apply_defaults(&mut data, &mut context, resolver);
            defaults_done = true;
        }
        if let Err(Unresolvable(reason)) = apply(&transformer.t, &mut data, &mut context, resolver)
        {
            let kind = transformer.t.get("kind").and_then(Value::as_str).unwrap_or("?");
            context.approximations.push(format!("unresolved transformer {kind}: {reason}"));
        }
    }
    if !defaults_done {
        apply_defaults(&mut data, &mut context, resolver);
    }
    let mut values = Map::new();
    // The root stays an object: no transformer replaces the value at the root.
    let fields = if let Value::Object(fields) = data { fields } else { Map::new() };
    for (key, value) in fields {
        let mut text = value.to_string();
        for replacement in &context.replacements {
            text = replacement.apply(&text);
        }
        match serde_json::from_str(&text) {
            Ok(normalised) => {
                values.insert(key, normalised);
            }
            Err(_) => {
                context.approximations.push(format!("could not re-load {key}"));
                values.insert(key, value);
            }
        }
    }
    Normalised { values, approximations: context.approximations }
}

/// A text substitution over the serialized value.
#[derive(Debug)]
enum Replacement {
    Text { from: String, to: String },
    Pattern { pattern: Regex, to: String },
}

impl Replacement {
    fn apply(&self, text: &str) -> String {
        match self {
            Replacement::Text { from, to } => text.replace(from.as_str(), to),
            Replacement::Pattern { pattern, to } => {
                pattern.replace_all(text, NoExpand(to)).into_owned()
            }
        }
    }
}

/// The substitutions collected so far, applied in order at the end.
#[derive(Debug, Default)]
struct Context {
    replacements: Vec<Replacement>,
    seen: HashSet<String>,
    counters: HashMap<String, u64>,
    approximations: Vec<String>,
}

impl Context {
    /// Replaces every occurrence of `value` with `<label:n>`, numbering labels in order.
    fn reference(&mut self, value: &Value, label: &str) {
        let Value::String(value) = value else { return };
        // The substitution runs over serialized JSON, where quotes are escaped.
        let value = value.replace('"', "\\\"");
        if !self.seen.insert(value.clone()) {
            return;
        }
        let counter = self.counters.entry(label.to_owned()).or_insert(1);
        let token = format!("<{label}:{counter}>");
        *counter += 1;
        self.replacements.push(Replacement::Text { from: value, to: token });
    }

    fn pattern(&mut self, pattern: &str, to: &str) {
        match Regex::new(pattern) {
            Ok(pattern) => {
                self.replacements.push(Replacement::Pattern { pattern, to: to.to_owned() });
            }
            Err(error) => self.approximations.push(format!("bad regex in transformer: {error}")),
        }
    }
}

fn apply(
    transformer: &Value,
    data: &mut Value,
    context: &mut Context,
    resolver: &Resolver<'_>,
) -> Result<(), Unresolvable> {
    let field = |name: &str| transformer.get(name).cloned().unwrap_or(Value::Null);
    let text = |name: &str| transformer.get(name).and_then(Value::as_str).unwrap_or_default();
    match text("kind") {
        "sfn_api_defaults" => api_defaults(data, context),
        "regex" => {
            let pattern = text("pattern");
            let pattern = if pattern.contains("zz") {
                resolver.string(pattern, true)?
            } else {
                pattern.to_owned()
            };
            context.pattern(&pattern, text("replacement"));
        }
        "arn_split" => {
            let arn = resolver.value(&field("value"), false)?;
            let arn = arn.as_str().ok_or_else(|| Unresolvable(format!("ARN {arn} is no text")))?;
            let parts: Vec<Value> = arn.split(':').map(Value::from).collect();
            for part in transformer.get("parts").and_then(Value::as_array).into_iter().flatten() {
                let index = part.get(0).and_then(Value::as_i64).unwrap_or(0);
                let to = part.get(1).and_then(Value::as_str).unwrap_or_default();
                if let Some(Value::String(piece)) = super::resolve::python_index(&parts, index)
                    && !piece.is_empty()
                {
                    context.pattern(&regex::escape(piece), to);
                }
            }
        }
        "map_run_arns_in" => {
            // The official runner ignores a history it cannot resolve here.
            if let Ok(history) = resolver.value(&field("value"), false) {
                let mut arns: Vec<String> = Vec::new();
                for location in jsonpath::find("$..mapRunArn", &history)? {
                    if let Some(Value::String(arn)) = jsonpath::get(&history, &location)
                        && !arns.contains(arn)
                    {
                        arns.push(arn.clone());
                    }
                }
                map_run_replacements(&arns, 0, context);
            }
        }
        "map_run_arn" => {
            let arn = resolver.value(&field("value"), false)?;
            let base = transformer.get("index").and_then(Value::as_u64).unwrap_or(0);
            map_run_replacements(&[arn.as_str().unwrap_or_default().to_owned()], base, context);
        }
        "jsonpath" => {
            let locations = jsonpath::find(text("path"), data)?;
            let replacement = text("replacement");
            if transformer.get("reference").and_then(Value::as_bool).unwrap_or(true) {
                for location in &locations {
                    if let Some(value) = jsonpath::get(data, location).cloned() {
                        context.reference(&value, replacement);
                    }
                }
            } else {
                for location in locations.iter().filter(|location| !location.is_empty()) {
                    if let Some(value) = jsonpath::get_mut(data, location) {
                        *value = Value::from(replacement);
                    }
                }
            }
        }
        "sfn_parallel_sort" => {
            for location in jsonpath::find("$..events", data)? {
                if let Some(Value::Array(events)) = jsonpath::get_mut(data, &location) {
                    parallel_sort(events);
                }
            }
        }
        other => context.approximations.push(format!("transformer {other} is not mirrored")),
    }
    Ok(())
}

/// `sfn_api_defaults`: SDK response metadata and JSON documents quoted in causes.
fn api_defaults(data: &mut Value, context: &mut Context) {
    for (path, to) in [
        ("$..SdkHttpMetadata..Date", "date"),
        ("$..SdkResponseMetadata..RequestId", "RequestId"),
        ("$..X-Amzn-Trace-Id", "X-Amzn-Trace-Id"),
        ("$..x-amz-crc32", "x-amz-crc32"),
        ("$..x-amzn-RequestId", "x-amzn-RequestId"),
        ("$..x-amzn-requestid", "x-amzn-requestid"),
    ] {
        for location in jsonpath::find(path, data).unwrap_or_default() {
            if let Some(value) = jsonpath::get_mut(data, &location).filter(|_| !location.is_empty())
            {
                *value = Value::from(to);
            }
        }
    }
    key_value_walk(data, &mut |key, value| {
        if key == "cause"
            && let Value::String(cause) = value
            && let Some(document) = CAUSE_JSON.captures(cause).and_then(|found| found.get(1))
            && serde_json::from_str::<Value>(document.as_str()).is_ok()
        {
            context.reference(&Value::from(document.as_str()), "json-input");
        }
        false
    });
}

/// The events that end a Parallel block for `parallel_sort`.
const PARALLEL_CLOSE: &[&str] = &[
    "ParallelStateSucceeded",
    "ParallelStateAborted",
    "ParallelStateExited",
    "ParallelStateFailed",
];

/// `sfn_parallel_sort`: sorts the events of each Parallel block, byte for byte as the snapshot
/// tooling does, quirks included, because the recordings went through it. Two quirks change
/// what the recordings hold: `ParallelStateExited` also counts as a block end, so the block is
/// spliced in a second time over a range one event longer and the `ParallelStateSucceeded`
/// event disappears; and the loop walks the list while it shrinks, as Python's list iterator
/// does, so the event after each such splice is never looked at.
fn parallel_sort(events: &mut Vec<Value>) {
    let mut start: Option<usize> = None;
    let mut block: Vec<Value> = Vec::new();
    let mut inside = false;
    let mut index = 0;
    while index < events.len() {
        let kind = events[index].get("type").and_then(Value::as_str).map(str::to_owned);
        match kind.as_deref() {
            None => inside = false,
            Some(kind) if PARALLEL_CLOSE.contains(&kind) => {
                if let Some(from) = start {
                    let mut sorted = block.clone();
                    sorted.sort_by_cached_key(python_dumps);
                    events.splice(from..index, sorted);
                }
                inside = false;
            }
            Some("ParallelStateStarted") => {
                inside = true;
                block.clear();
                start = Some(index + 1);
            }
            Some(_) if inside => {
                if let Value::Object(fields) = &mut events[index] {
                    fields.insert("id".to_owned(), json!([0]));
                    fields.insert("previousEventId".to_owned(), json!(0));
                }
                block.push(events[index].clone());
            }
            Some(_) => {}
        }
        index += 1;
    }
}

/// Python's `json.dumps` of a value whose keys were sorted first: the sort key of
/// `parallel_sort`.
fn python_dumps(value: &Value) -> String {
    let mut out = String::new();
    write_python_json(value, &mut out);
    out
}

fn write_python_json(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(number) => out.push_str(&number.to_string()),
        Value::String(text) => write_python_string(text, out),
        Value::Array(items) => {
            out.push('[');
            for (position, item) in items.iter().enumerate() {
                if position > 0 {
                    out.push_str(", ");
                }
                write_python_json(item, out);
            }
            out.push(']');
        }
        Value::Object(fields) => {
            let mut keys: Vec<&String> = fields.keys().collect();
            keys.sort();
            out.push('{');
            for (position, key) in keys.into_iter().enumerate() {
                if position > 0 {
                    out.push_str(", ");
                }
                write_python_string(key, out);
                out.push_str(": ");
                write_python_json(&fields[key], out);
            }
            out.push('}');
        }
    }
}

/// A JSON string as Python writes it by default (`ensure_ascii`: everything outside ASCII as
/// `\uXXXX`, in UTF-16 units).
fn write_python_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            other => {
                let mut units = [0_u16; 2];
                for unit in other.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
}

fn map_run_replacements(arns: &[String], base: u64, context: &mut Context) {
    for (offset, arn) in (base..).zip(arns) {
        let tail: Vec<&str> = arn.rsplit('/').next().unwrap_or_default().split(':').collect();
        if let Some(second) = tail.get(1) {
            context.pattern(&regex::escape(second), &format!("<MapRunArnPart1_{offset}idx>"));
        }
        if let Some(first) = tail.first()
            && UUID_PREFIX.is_match(first)
        {
            context.pattern(&regex::escape(first), &format!("<MapRunArnPart0_{offset}idx>"));
        }
    }
}

/// What every snapshot gets: account, region and partition, UUIDs under `...Id` keys, ISO
/// dates, and timestamps.
fn apply_defaults(data: &mut Value, context: &mut Context, resolver: &Resolver<'_>) {
    context.pattern(&regex::escape(resolver.identity.account), "111111111111");
    context.pattern(&regex::escape(resolver.identity.region), "<region>");
    context.pattern(&regex::escape("arn:aws:"), "arn:<partition>:");
    key_value_walk(data, &mut |key, value| {
        if let Value::String(text) = value
            && key.to_lowercase().ends_with("id")
            && UUID_PREFIX.is_match(text)
        {
            context.reference(value, "uuid");
            return true;
        }
        false
    });
    context
        .replacements
        .push(Replacement::Pattern { pattern: ISO_DATE.clone(), to: "date".into() });
    key_value_walk(data, &mut |key, value| {
        let timestamp_key = key.to_lowercase().contains("timestamp")
            || key == "creationTime"
            || key == "ingestionTime";
        let is_date = value.as_str().is_some_and(|text| ISO_DATE_PREFIX.is_match(text));
        if timestamp_key && !is_date {
            *value = Value::from("timestamp");
            return true;
        }
        false
    });
}

/// Visits object members the way key/value snapshot transformers do: `visit` sees each member;
/// unless it returns true (handled), the walk descends into the member's objects and into the
/// objects of its lists.
fn key_value_walk(data: &mut Value, visit: &mut dyn FnMut(&str, &mut Value) -> bool) {
    let Value::Object(fields) = data else { return };
    for (key, value) in fields.iter_mut() {
        if visit(key, value) {
            continue;
        }
        match value {
            Value::Array(items) => {
                for item in items.iter_mut().filter(|item| item.is_object()) {
                    key_value_walk(item, visit);
                }
            }
            Value::Object(_) => key_value_walk(value, visit),
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
        }
    }
}

/// Strings that hold a JSON object (directly in an object, or in objects inside lists) become
/// the object, as the snapshot tooling stores them.
fn parse_json_strings(data: &mut Value) {
    let Value::Object(fields) = data else { return };
    for value in fields.values_mut() {
        match value {
            Value::Array(items) => {
                for item in items.iter_mut().filter(|item| item.is_object()) {
                    parse_json_strings(item);
                }
            }
            Value::Object(_) => parse_json_strings(value),
            Value::String(text) if text.starts_with('{') => {
                if let Ok(parsed) = serde_json::from_str(text) {
                    *value = parsed;
                }
            }
            Value::String(_) | Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
}

fn iso_date_pattern() -> String {
    let day_28 = r"(?:0[1-9]|1\d|2[0-8])";
    let month_day = format!(
        r"(?:(?:0[1-9]|1[0-2])-{day_28}|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)"
    );
    let leap_year = r"(?:[1-9]\d(?:0[48]|[2468][048]|[13579][26])|(?:[2468][048]|[13579][26])00)";
    let date = format!(r"(?:[1-9]\d{{3}}-{month_day}|{leap_year}-02-29)");
    let time = r"T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?";
    let zone = r"(?:Z|[+-][01]\d:?(?:[0-5]\d)?)";
    format!("{date}{time}{zone}")
}
