//! Payload templates: the JSON of `Parameters`, `ResultSelector`, `ItemSelector` (and the legacy
//! Map `Parameters`) and JSONPath `Assign`, in which every field whose name ends in `.$` takes
//! its value from a path (`$.x`, `$$.x`, `$var.x`) or an intrinsic call, at any depth, inside
//! arrays too (the ASL specification: "however deeply nested").
//!
//! A template is compiled once, when the definition is validated: paths and calls are parsed,
//! subtrees without a `.$` field are kept as constants, and the order of every object's fields
//! in the result is decided. Evaluation then only walks the compiled tree.
//!
//! That order is AWS's, which is not the order of the definition: an object's fields without
//! `.$` come first, in definition order, then the `.$` fields in the order a Java `HashMap` of
//! their names iterates. Every recorded conformance case fits this rule, for example
//! `{"Iterations.$": .., "Values.$": ..}` gives `{"Values": .., "Iterations": ..}`,
//! `{"Iterations": 3, "Values.$": ..}` keeps its order, `{"Bucket.$": .., "Key.$": ..,
//! "from_previous": [..]}` gives `from_previous, Bucket, Key`, and the nested
//! `{"mergedJson.$", "parsedJson.$", "stringifiedJson.$"}` of
//! `test_reference_assign[BASE_REFERENCE_IN_INTRINSIC_FUNCTION]` gives
//! `parsedJson, mergedJson, stringifiedJson`.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::intrinsic::{self, Call, Random, java};
use crate::limits::JSON_DEPTH_MAX;
use crate::path::{self, ErrorKind, Path, Roots};

/// A compiled payload template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    root: Node,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    /// A subtree without any `.$` field: the result is the subtree as written.
    Constant(Value),
    /// An object with a `.$` field somewhere inside, its fields in result order.
    Object(Vec<Member>),
    /// An array with a `.$` field somewhere inside.
    Array(Vec<Node>),
}

#[derive(Debug, Clone, PartialEq)]
struct Member {
    /// The field's name in the result (without `.$`).
    name: String,
    source: Source,
}

#[derive(Debug, Clone, PartialEq)]
enum Source {
    Template(Node),
    Path(Path),
    Call(Call),
}

/// Why evaluating a template failed. The `Display` text is the cause AWS reports, without the
/// `An error occurred while executing the state ...` prefix that the engine adds.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A path selected nothing, whether it is the field's value or an argument of the field's
    /// intrinsic call. `input` is the template's input as compact JSON.
    #[error(
        "The JSONPath '{path}' specified for the field '{field}' could not be found in the input '{input}'"
    )]
    NotFound {
        /// The path as written.
        path: String,
        /// The field, with its `.$`.
        field: String,
        /// The input, as compact JSON.
        input: String,
    },
    /// A path failed for another reason (an aggregation over nothing, a too deep evaluation).
    #[error("{source}")]
    Path {
        /// The field, with its `.$`.
        field: String,
        /// What went wrong.
        source: path::Error,
    },
    /// An intrinsic call failed.
    #[error("{source}")]
    Intrinsic {
        /// The field, with its `.$`.
        field: String,
        /// What went wrong.
        source: intrinsic::Error,
    },
}

impl Error {
    /// The AWS error name an execution fails with: `States.Runtime`.
    pub fn name(&self) -> &'static str {
        match self {
            Error::NotFound { .. } => "States.Runtime",
            Error::Path { source, .. } => source.name(),
            Error::Intrinsic { source, .. } => source.name(),
        }
    }
}

impl Template {
    /// Compiles a template. On failure, returns every problem as `(location, message)`, where
    /// the location is the pointer (`""` or `/a/b`) from the template to the object holding the
    /// bad field, since AWS reports the field's name in the message and the location of its
    /// object: `The value for the field 'parsed.$' must be a valid JSONPath or a valid intrinsic
    /// function call at /States/IntrinsicEscape/Parameters`.
    pub fn parse(value: &Value) -> Result<Template, Vec<(String, String)>> {
        let mut problems = Vec::new();
        let root = compile(value, "", 0, &mut problems);
        if problems.is_empty() { Ok(Template { root }) } else { Err(problems) }
    }

    /// Whether evaluating may read the context object (`$$`), so callers can skip building it.
    /// Conservative: an intrinsic call counts when its text mentions `$$` anywhere.
    pub fn uses_context(&self) -> bool {
        fn reads_context(node: &Node) -> bool {
            match node {
                Node::Constant(_) => false,
                Node::Object(members) => members.iter().any(|member| match &member.source {
                    Source::Template(inner) => reads_context(inner),
                    Source::Path(path) => *path.root() == path::Root::Context,
                    Source::Call(call) => call.text().contains("$$"),
                }),
                Node::Array(items) => items.iter().any(reads_context),
            }
        }
        reads_context(&self.root)
    }

    /// Adds the workflow variables the template reads (`"k.$": "$name"` fields and `$name`
    /// arguments of intrinsic calls, at any depth) to `into`, duplicates included.
    pub fn variable_references(&self, into: &mut Vec<String>) {
        fn collect(node: &Node, into: &mut Vec<String>) {
            match node {
                Node::Constant(_) => {}
                Node::Object(members) => {
                    for member in members {
                        match &member.source {
                            Source::Template(inner) => collect(inner, into),
                            Source::Path(path) => into.extend(path.variable().map(str::to_owned)),
                            Source::Call(call) => call.variable_references(into),
                        }
                    }
                }
                Node::Array(items) => items.iter().for_each(|item| collect(item, into)),
            }
        }
        collect(&self.root, into);
    }

    /// Evaluates the template against the input, the context object and the variables.
    /// `random` serves the intrinsic calls that need randomness.
    pub fn evaluate(&self, roots: &Roots<'_>, random: &mut dyn Random) -> Result<Value, Error> {
        evaluate(&self.root, roots, random)
    }
}

fn compile(
    value: &Value,
    location: &str,
    depth: usize,
    problems: &mut Vec<(String, String)>,
) -> Node {
    if depth > JSON_DEPTH_MAX {
        problems.push((
            location.to_owned(),
            format!("The payload template nests more than {JSON_DEPTH_MAX} levels deep"),
        ));
        return Node::Constant(Value::Null);
    }
    match value {
        Value::Object(members) => compile_object(value, members, location, depth, problems),
        Value::Array(items) => {
            let nodes: Vec<Node> = items
                .iter()
                .enumerate()
                .map(|(index, item)| {
                    compile(item, &format!("{location}/{index}"), depth + 1, problems)
                })
                .collect();
            if nodes.iter().all(|node| matches!(node, Node::Constant(_))) {
                Node::Constant(value.clone())
            } else {
                Node::Array(nodes)
            }
        }
        scalar => Node::Constant(scalar.clone()),
    }
}

fn compile_object(
    value: &Value,
    members: &Map<String, Value>,
    location: &str,
    depth: usize,
    problems: &mut Vec<(String, String)>,
) -> Node {
    let mut fixed = Vec::new();
    let mut dynamic = Vec::new();
    let mut keys_by_name: HashMap<&str, &str> = HashMap::with_capacity(members.len());
    for (key, member) in members {
        let (name, is_dynamic) = match key.strip_suffix(".$") {
            Some(name) => (name, true),
            None => (key.as_str(), false),
        };
        if let Some(first) = keys_by_name.insert(name, key) {
            problems.push((
                location.to_owned(),
                format!(
                    "The field '{name}' is defined more than once, as '{first}' and as '{key}'"
                ),
            ));
        } else if !is_dynamic {
            let node = compile(member, &format!("{location}/{key}"), depth + 1, problems);
            fixed.push(Member { name: name.to_owned(), source: Source::Template(node) });
        } else if let Some(source) = dynamic_source(member) {
            dynamic.push(Member { name: name.to_owned(), source });
        } else {
            problems.push((
                location.to_owned(),
                format!(
                    "The value for the field '{key}' must be a valid JSONPath or a valid intrinsic function call"
                ),
            ));
        }
    }
    let is_constant =
        |member: &Member| matches!(member.source, Source::Template(Node::Constant(_)));
    if dynamic.is_empty() && fixed.iter().all(is_constant) {
        return Node::Constant(value.clone());
    }
    let hash_codes: Vec<i32> =
        dynamic.iter().map(|member| java::string_hash_code(&member.name)).collect();
    let order = java::bucket_order(&hash_codes, java::hash_map_capacity(dynamic.len()));
    fixed.extend(java::reorder(dynamic, &order));
    Node::Object(fixed)
}

/// The path or call a `.$` field's value holds: AWS reads a string starting with `States.` as
/// a call and anything else as a path.
fn dynamic_source(value: &Value) -> Option<Source> {
    let Value::String(text) = value else { return None };
    if intrinsic::looks_like_call(text) {
        Call::parse(text).ok().map(Source::Call)
    } else {
        Path::parse(text).ok().map(Source::Path)
    }
}

fn evaluate(node: &Node, roots: &Roots<'_>, random: &mut dyn Random) -> Result<Value, Error> {
    match node {
        Node::Constant(value) => Ok(value.clone()),
        Node::Array(items) => items
            .iter()
            .map(|item| evaluate(item, roots, random))
            .collect::<Result<_, _>>()
            .map(Value::Array),
        Node::Object(members) => {
            let mut object = Map::with_capacity(members.len());
            for member in members {
                let value = match &member.source {
                    Source::Template(node) => evaluate(node, roots, random)?,
                    Source::Path(path) => {
                        path.evaluate(roots).map_err(|source| path_error(member, source, roots))?
                    }
                    Source::Call(call) => {
                        call.evaluate(roots, random).map_err(|source| match source {
                            intrinsic::Error::Path { source } => path_error(member, source, roots),
                            source => Error::Intrinsic { field: field(member), source },
                        })?
                    }
                };
                object.insert(member.name.clone(), value);
            }
            Ok(Value::Object(object))
        }
    }
}

/// A path failure as AWS reports it for a template field: "not found" with the field and the
/// input, anything else with the path's own text.
fn path_error(member: &Member, source: path::Error, roots: &Roots<'_>) -> Error {
    match source.kind() {
        ErrorKind::NotFound => Error::NotFound {
            path: source.path().to_owned(),
            field: field(member),
            input: java::to_json(roots.input).unwrap_or_else(|_| roots.input.to_string()),
        },
        ErrorKind::ResultPathMatchFailure | ErrorKind::Runtime => {
            Error::Path { field: field(member), source }
        }
    }
}

/// The field's name as written in the definition.
fn field(member: &Member) -> String {
    format!("{}.$", member.name)
}

#[cfg(test)]
mod tests {
    //! Data-driven through [`check`] and [`check_problems`]. Expected orders and texts come
    //! from the AWS-recorded conformance cases named next to them.

    use serde_json::{Value, json};

    use super::Template;
    use crate::intrinsic::Random;
    use crate::path::Roots;

    struct FixedRandom;

    impl Random for FixedRandom {
        fn next_u64(&mut self) -> u64 {
            0
        }

        fn uuid_v4(&mut self) -> uuid::Uuid {
            uuid::Uuid::nil()
        }
    }

    /// Compiles `template` and evaluates it against `input` (the context object holds it as
    /// `$$.Execution.Input`) and `variables`; compares the compact JSON of the result, key
    /// order included, with `expect`, or the error with `error: <cause>`.
    #[track_caller]
    fn check(template: &str, input: &str, variables: &str, expect: &str) {
        let template: Value = serde_json::from_str(template).expect("template is JSON");
        let input: Value = serde_json::from_str(input).expect("input is JSON");
        let variables: Value = serde_json::from_str(variables).expect("variables are JSON");
        let Value::Object(variables) = variables else { panic!("variables must be an object") };
        let context = json!({"Execution": {"Input": input.clone()}});
        let compiled = Template::parse(&template).expect("template compiles");
        let roots = Roots { input: &input, context: &context, variables: &variables };
        let actual = match compiled.evaluate(&roots, &mut FixedRandom) {
            Ok(value) => value.to_string(),
            Err(error) => format!("error: {error}"),
        };
        let expect = match expect.strip_prefix("error: ") {
            Some(_) => expect.to_owned(),
            None => {
                serde_json::from_str::<Value>(expect).expect("expected value is JSON").to_string()
            }
        };
        assert_eq!(actual, expect);
    }

    /// Compiles `template` and compares its problems, one `location: message` per entry.
    #[track_caller]
    fn check_problems(template: &str, expect: &[&str]) {
        let template: Value = serde_json::from_str(template).expect("template is JSON");
        let problems = Template::parse(&template).expect_err("template has problems");
        let actual: Vec<String> =
            problems.iter().map(|(location, message)| format!("{location}: {message}")).collect();
        assert_eq!(actual, expect);
    }

    #[test]
    fn fields_and_order() {
        check(r#"{"a.$": "$.x", "b": 1}"#, r#"{"x": 2}"#, "{}", r#"{"b":1,"a":2}"#);
        // test_map_state_legacy_reentrant: BeforeIteration, then StartState.
        check(
            r#"{"Iterations.$": "States.MathAdd($.Iterations, -1)", "Values.$": "$.Values"}"#,
            r#"{"Iterations": 3, "Values": [0, 1]}"#,
            "{}",
            r#"{"Values":[0,1],"Iterations":2}"#,
        );
        check(
            r#"{"Iterations": 3, "Values.$": "States.ArrayRange(0, 3, 1)"}"#,
            "{}",
            "{}",
            r#"{"Iterations":3,"Values":[0,1,2,3]}"#,
        );
        // test_map_item_reader_base_json_with_items_path.
        check(
            r#"{"Bucket.$": "$.Bucket", "Key.$": "$.Key", "from_previous": ["item-0"]}"#,
            r#"{"Bucket": "b", "Key": "k"}"#,
            "{}",
            r#"{"from_previous":["item-0"],"Bucket":"b","Key":"k"}"#,
        );
        // test_reference_in_map_state[MAP_STATE_REFERENCE_IN_INTRINSIC_FUNCTION].
        check(
            r#"{"Question.$": "$Question", "Answer.$": "$.AnnouncePokemon"}"#,
            r#"{"AnnouncePokemon": "It's Pikachu!"}"#,
            r#"{"Question": "Who's that Pokemon?"}"#,
            r#"{"Answer":"It's Pikachu!","Question":"Who's that Pokemon?"}"#,
        );
        check(r#"{".$": "$.x"}"#, r#"{"x": 1}"#, "{}", r#"{"":1}"#);
        check(r#"{"a.$": "$.missing[*]"}"#, "{}", "{}", r#"{"a":[]}"#);
        check(
            r#"{"whole.$": "$", "context.$": "$$.Execution.Input.x"}"#,
            r#"{"x": 1}"#,
            "{}",
            r#"{"context":1,"whole":{"x":1}}"#,
        );
    }

    /// test_reference_assign[BASE_REFERENCE_IN_INTRINSIC_FUNCTION]: the whole recorded output,
    /// nested objects in AWS's order, except the UUID, which the recording normalized.
    #[test]
    fn recorded_nested_template() {
        check(
            r#"{
                "encodingOps": {"encoded.$": "States.Base64Encode($rawString)", "decoded.$": "States.Base64Decode($encodedString)"},
                "hashOps": {"hashValue.$": "States.Hash($inputString, 'SHA-256')"},
                "jsonOps": {
                    "mergedJson.$": "States.JsonMerge($json1, $json2, false)",
                    "parsedJson.$": "States.StringToJson($jsonString)",
                    "stringifiedJson.$": "States.JsonToString($jsonObject)"
                },
                "mathOps": {"sum.$": "States.MathAdd($value1, $value2)"},
                "stringOps": {"splitString.$": "States.StringSplit($csvString, ',')", "formattedString.$": "States.Format('Hello {}, welcome to {}!', $name, $place)"},
                "uuidOp": {"uniqueId.$": "States.UUID()"}
            }"#,
            "{}",
            r#"{
                "rawString": "Hello World", "encodedString": "SGVsbG8gV29ybGQ=", "inputString": "Hash this string",
                "json1": {"a": 1, "b": 2}, "json2": {"c": 3, "d": 4}, "jsonString": "{\"key\":\"value\"}",
                "jsonObject": {"test": "object"}, "value1": 5, "value2": 3, "csvString": "a,b,c,d,e",
                "name": "John", "place": "LocalStack"
            }"#,
            r#"{
                "encodingOps": {"decoded": "Hello World", "encoded": "SGVsbG8gV29ybGQ="},
                "hashOps": {"hashValue": "1cac63f39fd68d8c531f27b807610fb3d50f0fc3f186995767fb6316e7200a3e"},
                "jsonOps": {"parsedJson": {"key": "value"}, "mergedJson": {"a": 1, "b": 2, "c": 3, "d": 4}, "stringifiedJson": "{\"test\":\"object\"}"},
                "mathOps": {"sum": 8},
                "stringOps": {"formattedString": "Hello John, welcome to LocalStack!", "splitString": ["a", "b", "c", "d", "e"]},
                "uuidOp": {"uniqueId": "00000000-0000-0000-0000-000000000000"}
            }"#,
        );
    }

    #[test]
    fn constants_and_arrays() {
        // Values without `.$` are literal, whatever they look like.
        check(
            r#"{"a": {"b": [1, "$.x", "States.Array()"]}, "c": null}"#,
            r#"{"x": 2}"#,
            "{}",
            r#"{"a":{"b":[1,"$.x","States.Array()"]},"c":null}"#,
        );
        check(
            r#"{"list": [{"a.$": "$.x", "k": 0}, 1, [{"b.$": "$.y"}]]}"#,
            r#"{"x": 1, "y": 2}"#,
            "{}",
            r#"{"list":[{"k":0,"a":1},1,[{"b":2}]]}"#,
        );
        check(r#"[{"a.$": "$.x"}, "b"]"#, r#"{"x": true}"#, "{}", r#"[{"a":true},"b"]"#);
        check(r#""just a string""#, "{}", "{}", r#""just a string""#);
    }

    #[test]
    fn errors() {
        // Texts recorded by AWS (test_state_pass_* in ../shared/conformance, /tmp/aws_causes.txt).
        check(
            r#"{"value.$": "$.no_such_jsonpath"}"#,
            r#"{"a": 1.0, "s": "é\n"}"#,
            "{}",
            r#"error: The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '{"a":1.0,"s":"é\n"}'"#,
        );
        check(
            r#"{"value.$": "$$.Execution.Input.no_such_jsonpath"}"#,
            r#"{"a": 1}"#,
            "{}",
            r#"error: The JSONPath '$$.Execution.Input.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '{"a":1}'"#,
        );
        // Observed: a missing path argument of a call reads the same.
        check(
            r#"{"n": {"value.$": "States.Base64Encode($.missing)"}}"#,
            "{}",
            "{}",
            "error: The JSONPath '$.missing' specified for the field 'value.$' could not be found in the input '{}'",
        );
        check(
            r#"{"v.$": "States.ArrayLength($.a)"}"#,
            r#"{"a": 1}"#,
            "{}",
            "error: Invalid arguments in States.ArrayLength",
        );
        check(
            r#"{"v.$": "$.a.max()"}"#,
            r#"{"a": []}"#,
            "{}",
            "error: Invalid path '$.a.max()' : Aggregation function attempted to calculate value using empty array",
        );
    }

    #[test]
    fn problems() {
        // test_illegal_escapes[ESCAPE_SEQUENCES_ILLEGAL_INTRINSIC_FUNCTION]: AWS's message, at
        // the location of the template.
        check_problems(
            r#"{"parsed.$": "States.StringToJson('{\"text\":\"An \\\"escaped double quote\\\" here\"}')"}"#,
            &[
                ": The value for the field 'parsed.$' must be a valid JSONPath or a valid intrinsic function call",
            ],
        );
        check_problems(
            r#"{"a.$": 1, "b": {"c.$": "nope", "d.$": "States.Nope()"}, "l": [{"e.$": null}], "f": 1, "f.$": "$"}"#,
            &[
                ": The value for the field 'a.$' must be a valid JSONPath or a valid intrinsic function call",
                "/b: The value for the field 'c.$' must be a valid JSONPath or a valid intrinsic function call",
                "/b: The value for the field 'd.$' must be a valid JSONPath or a valid intrinsic function call",
                "/l/0: The value for the field 'e.$' must be a valid JSONPath or a valid intrinsic function call",
                ": The field 'f' is defined more than once, as 'f' and as 'f.$'",
            ],
        );
        let mut deep = json!({"x.$": "$"});
        for _ in 0..=crate::limits::JSON_DEPTH_MAX {
            deep = json!([deep]);
        }
        let problems = Template::parse(&deep).expect_err("too deep");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].1.contains("nests more than"), "{problems:?}");
    }
}
