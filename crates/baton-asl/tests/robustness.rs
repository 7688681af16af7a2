//! Robustness evidence for `baton-asl`: whatever definition text, path, intrinsic call or payload
//! template arrives, the parser, the validator and the evaluators answer with a value or an error;
//! they never panic and never hang.
//!
//! Five property tests each generate one kind of input and feed it to the public API:
//! - `definitions_from_arbitrary_json`: arbitrary JSON (and definition-shaped JSON), validated as
//!   a value for both machine types, and its text, cut short or with one character replaced, read
//!   as JSON and as YAML; also YAML-like token soup and very deeply nested documents.
//! - `definitions_from_mutated_corpus`: the definitions of ../shared/asl-corpus, mutated where the
//!   validator looks (a field deleted, a value replaced by random JSON or by a path-, intrinsic- or
//!   JSONata-like string, a field added, a state duplicated, a transition retargeted). Random JSON
//!   is almost always rejected at the first field; these inputs reach every rule.
//! - `paths`: path strings built from the JSONPath alphabet and grammar, parsed, evaluated against
//!   random inputs, context objects and variables, and used to write a result.
//! - `intrinsic_calls`: calls built from the intrinsic grammar (every function name, any arity,
//!   nested calls, string literals with escapes, numbers, paths), parsed and evaluated.
//! - `payload_templates`: objects with `.$` fields, parsed as templates and evaluated.
//!
//! `BATON_ROBUSTNESS_CASES` sets the number of inputs per test (default `CASES_DEFAULT`, so that
//! `cargo test` stays fast). The million-input evidence is the release run
//! `BATON_ROBUSTNESS_CASES=250000 cargo test --release -p baton-asl --test robustness -- --nocapture`,
//! which prints the number of inputs each test ran. Proptest's own variables apply as well
//! (`PROPTEST_RNG_SEED` replays a run).
//!
//! "No hang" is checked in two ways. An input that finishes but takes longer than
//! `INPUT_DURATION_MAX` fails its test, so proptest shrinks it and prints the smallest such input;
//! this is a hang detector, not a speed requirement. An input that never finishes cannot be failed
//! from its own thread, so a watchdog thread prints it and aborts the process after
//! `INPUT_DURATION_ABORT`.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::Union;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Map, Number, Value, json};

use baton_asl::intrinsic::{Call, Function, Random};
use baton_asl::path::{self, Path, Roots};
use baton_asl::source::Format;
use baton_asl::template::Template;
use baton_asl::{Diagnostic, MachineType, Options};

/// Inputs per test when `BATON_ROBUSTNESS_CASES` is not set.
const CASES_DEFAULT: u32 = 2_000;
/// An input that takes longer than this fails the test as a (probable) hang. Debug builds run
/// about five times slower, and `cargo test` shares two cores with other test binaries in CI, so
/// they get more time; the release run is the one held to two seconds.
const INPUT_DURATION_MAX: Duration =
    Duration::from_secs(if cfg!(debug_assertions) { 10 } else { 2 });
/// An input still running after this long is an endless loop: the watchdog aborts the process.
const INPUT_DURATION_ABORT: Duration = Duration::from_secs(30);
/// How often the watchdog looks at the running input when no other input starts or ends.
const WATCHDOG_POLL: Duration = Duration::from_secs(1);

/// The deepest nesting of the deep documents: beyond `limits::JSON_DEPTH_MAX` (512), within what
/// serde_json drops without overflowing a test thread's stack in a debug build. Text nests deeper
/// only in vain, as serde_json stops reading at 128 levels.
const DOCUMENT_DEPTH_MAX: usize = 700;
/// Alias levels of the "billion laughs" YAML documents: 10^12 nodes once expanded.
const YAML_ALIAS_LEVELS_MAX: usize = 12;

const STANDARD: Options = Options { machine_type: MachineType::Standard };
const EXPRESS: Options = Options { machine_type: MachineType::Express };

#[test]
fn definitions_from_arbitrary_json() {
    run("definitions_from_arbitrary_json", document(), check_document);
}

#[test]
fn definitions_from_mutated_corpus() {
    let corpus = corpus();
    if corpus.is_empty() {
        println!(
            "robustness definitions_from_mutated_corpus: skipped, no corpus at {CORPUS_MANIFEST}"
        );
        return;
    }
    let strategy = (0..corpus.len(), vec(mutation(), 1..5)).prop_map(move |(index, mutations)| {
        CorpusCase { entry: Arc::clone(&corpus[index]), mutations }
    });
    run("definitions_from_mutated_corpus", strategy, check_corpus_case);
}

#[test]
fn paths() {
    let strategy = (path_text(), evaluation_roots(), json_value())
        .prop_map(|(text, roots, result)| PathCase { text, roots, result });
    run("paths", strategy, check_path);
}

#[test]
fn intrinsic_calls() {
    let strategy = (intrinsic_text(), evaluation_roots(), any::<u64>())
        .prop_map(|(text, roots, seed)| IntrinsicCase { text, roots, seed });
    run("intrinsic_calls", strategy, check_intrinsic);
}

#[test]
fn payload_templates() {
    let strategy = (template_value(), evaluation_roots(), any::<u64>())
        .prop_map(|(template, roots, seed)| TemplateCase { template, roots, seed });
    run("payload_templates", strategy, check_template);
}

// ---------------------------------------------------------------------------------------------
// The checks: one per kind of input, each calling the API the way an engine would.

/// A definition document: JSON to validate as a value and as (damaged) text, or raw text.
#[derive(Debug, Clone)]
enum Document {
    Json {
        value: Value,
        cut: usize,
        replace_at: usize,
        replacement: char,
    },
    Text(String),
    /// A document nested `depth` levels deep (in JSON levels).
    Deep {
        shape: DeepShape,
        depth: usize,
    },
}

/// How a very deeply nested document is built.
#[derive(Debug, Clone, Copy)]
enum DeepShape {
    /// `[[[...]]]` as text.
    ArrayText,
    /// `{"a":{"a":...}}` as text.
    ObjectText,
    /// Nested YAML block mappings as text.
    YamlBlocks,
    /// YAML aliases that each repeat the previous anchor ten times ("billion laughs"): the
    /// document is small, its expansion exponential in the depth.
    YamlAliases,
    /// A Pass state whose `Parameters` template nests that deep, as a value.
    Parameters,
    /// Parallel states nested inside each other's branches, as a value.
    Parallel,
    /// Inline Map states nested inside each other's processors, as a value.
    Map,
}

/// Validates the document in every form; the reach is that of the value itself (or the text).
fn check_document(document: &Document) -> Reach {
    match document {
        Document::Json { value, cut, replace_at, replacement } => {
            let text = value.to_string();
            validate_text(&text);
            validate_text(&truncate(&text, *cut));
            validate_text(&replace_char(&text, *replace_at, *replacement));
            let pretty = serde_json::to_string_pretty(value).unwrap_or_default();
            validate_yaml(&pretty);
            validate_yaml(&truncate(&pretty, *cut));
            validate_value(value)
        }
        Document::Text(text) => {
            validate_text(text);
            validate_yaml(text)
        }
        Document::Deep { shape, depth } => check_deep(*shape, *depth),
    }
}

fn check_deep(shape: DeepShape, depth: usize) -> Reach {
    match shape {
        DeepShape::ArrayText => {
            let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            validate_text(&text);
            validate_yaml(&text)
        }
        DeepShape::ObjectText => {
            let text = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
            validate_text(&text);
            validate_yaml(&text)
        }
        DeepShape::YamlBlocks => {
            let text: String =
                (0..depth).map(|level| format!("{}a:\n", " ".repeat(level))).collect();
            validate_yaml(&text)
        }
        DeepShape::YamlAliases => {
            let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
            for level in 1..=depth % YAML_ALIAS_LEVELS_MAX {
                let previous = format!("*a{}", level - 1);
                text.push_str(&format!(
                    "a{level}: &a{level} [{}]\n",
                    [previous.as_str(); 10].join(", ")
                ));
            }
            validate_yaml(&text)
        }
        DeepShape::Parameters => {
            let parameters = (0..depth).fold(json!({"x.$": "$.x"}), |inner, _| json!({"a": inner}));
            validate_value(&json!({
                "StartAt": "P",
                "States": {"P": {"Type": "Pass", "Parameters": parameters, "End": true}},
            }))
        }
        DeepShape::Parallel => {
            // Each Parallel state nests four levels: Branches, the branch, States, the state.
            let machine = (0..depth / 4).fold(json!({"Type": "Pass", "End": true}), |inner, _| {
                json!({"Type": "Parallel", "End": true, "Branches": [{"StartAt": "S", "States": {"S": inner}}]})
            });
            validate_value(&json!({"StartAt": "S", "States": {"S": machine}}))
        }
        DeepShape::Map => {
            // Each Map state nests three levels: ItemProcessor, States, the state.
            let machine = (0..depth / 3).fold(json!({"Type": "Pass", "End": true}), |inner, _| {
                json!({"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "S", "States": {"S": inner}}})
            });
            validate_value(&json!({"StartAt": "S", "States": {"S": machine}}))
        }
    }
}

/// One corpus definition and the mutations applied to it before validation.
#[derive(Clone)]
struct CorpusCase {
    entry: Arc<CorpusEntry>,
    mutations: Vec<Mutation>,
}

impl Debug for CorpusCase {
    /// The file name stands for the definition, which can be long; the mutations are what matter.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CorpusCase")
            .field("file", &self.entry.file)
            .field("mutations", &self.mutations)
            .finish()
    }
}

fn check_corpus_case(case: &CorpusCase) -> Reach {
    let mut definition = case.entry.definition.clone();
    for mutation in &case.mutations {
        mutate(&mut definition, mutation);
    }
    validate_text(&definition.to_string());
    validate_value(&definition)
}

#[derive(Debug, Clone)]
struct PathCase {
    text: String,
    roots: EvaluationRoots,
    result: Value,
}

fn check_path(case: &PathCase) -> Reach {
    let Ok(path) = Path::parse(&case.text) else {
        return "syntax error";
    };
    let (reach, result) = match path.evaluate(&case.roots.roots()) {
        Ok(value) => ("evaluated", value),
        Err(_) => ("evaluation failed", case.result.clone()),
    };
    drop(path::write_result(case.roots.input.clone(), &path, result));
    reach
}

#[derive(Debug, Clone)]
struct IntrinsicCase {
    text: String,
    roots: EvaluationRoots,
    seed: u64,
}

fn check_intrinsic(case: &IntrinsicCase) -> Reach {
    let Ok(call) = Call::parse(&case.text) else {
        return "syntax error";
    };
    evaluation_reach(&call.evaluate(&case.roots.roots(), &mut XorShift::new(case.seed)))
}

#[derive(Debug, Clone)]
struct TemplateCase {
    template: Value,
    roots: EvaluationRoots,
    seed: u64,
}

fn check_template(case: &TemplateCase) -> Reach {
    let Ok(template) = Template::parse(&case.template) else {
        return "syntax error";
    };
    evaluation_reach(&template.evaluate(&case.roots.roots(), &mut XorShift::new(case.seed)))
}

fn evaluation_reach<E>(result: &Result<Value, E>) -> Reach {
    if result.is_ok() { "evaluated" } else { "evaluation failed" }
}

/// Validates for both machine types; the reach is that of the STANDARD validation.
fn validate_value(value: &Value) -> Reach {
    let express = baton_asl::parse_value(value, &EXPRESS);
    validation_reach(&express);
    validation_reach(&baton_asl::parse_value(value, &STANDARD))
}

fn validate_text(text: &str) -> Reach {
    validation_reach(&baton_asl::parse(text, &STANDARD))
}

fn validate_yaml(text: &str) -> Reach {
    validation_reach(&baton_asl::parse_as(text, Format::Yaml, &EXPRESS))
}

/// Checks that validation returns a machine exactly when it reports no error, and that every
/// diagnostic renders.
fn validation_reach<M>((machine, diagnostics): &(Option<M>, Vec<Diagnostic>)) -> Reach {
    let has_errors = diagnostics.iter().any(Diagnostic::is_error);
    assert_ne!(
        machine.is_some(),
        has_errors,
        "a machine is returned exactly when there is no error: {diagnostics:?}"
    );
    for diagnostic in diagnostics {
        std::hint::black_box(diagnostic.to_string());
    }
    if machine.is_some() { "valid" } else { "invalid" }
}

/// The input, context object and variables an evaluation runs against.
#[derive(Debug, Clone)]
struct EvaluationRoots {
    input: Value,
    context: Value,
    variables: Map<String, Value>,
}

impl EvaluationRoots {
    fn roots(&self) -> Roots<'_> {
        Roots { input: &self.input, context: &self.context, variables: &self.variables }
    }
}

/// Deterministic randomness for `States.MathRandom` and `States.UUID`: xorshift64.
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> XorShift {
        // Xorshift stays at zero forever from a zero state.
        XorShift(seed | 1)
    }
}

impl Random for XorShift {
    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn uuid_v4(&mut self) -> uuid::Uuid {
        let bits = (u128::from(self.next_u64()) << 64) | u128::from(self.next_u64());
        uuid::Builder::from_random_bytes(bits.to_le_bytes()).into_uuid()
    }
}

// ---------------------------------------------------------------------------------------------
// The driver: runs a strategy, times every input, watches for endless loops, prints the totals.

fn cases() -> u32 {
    match std::env::var("BATON_ROBUSTNESS_CASES") {
        Ok(text) => text
            .parse()
            .unwrap_or_else(|_| panic!("BATON_ROBUSTNESS_CASES is not a number: {text}")),
        Err(_) => CASES_DEFAULT,
    }
}

/// How far into the API one input got, such as "syntax error" or "evaluated"; the totals show
/// that the generators reach past the parsers.
type Reach = &'static str;

fn run<S>(name: &'static str, strategy: S, check: impl Fn(&S::Value) -> Reach)
where
    S: Strategy,
    S::Value: Clone + Debug + Send + 'static,
{
    // Failures are reported with their shrunk input instead of being saved to a regressions file:
    // a fixed failure belongs in the unit tests of the module that had it.
    let config = Config { cases: cases(), failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new(config);
    let watchdog = Watchdog::spawn(name);
    let inputs = Cell::new(0_u64);
    let slowest = Cell::new(Duration::ZERO);
    let reached = RefCell::new(BTreeMap::<Reach, u64>::new());
    let started = Instant::now();
    let result = runner.run(&strategy, |input| {
        inputs.set(inputs.get() + 1);
        let began = Instant::now();
        let watch = watchdog.watch(began, input.clone());
        let reach = check(&input);
        drop(watch);
        *reached.borrow_mut().entry(reach).or_default() += 1;
        let elapsed = began.elapsed();
        slowest.set(slowest.get().max(elapsed));
        if elapsed > INPUT_DURATION_MAX {
            return Err(TestCaseError::fail(format!(
                "one input took {elapsed:?}, more than {INPUT_DURATION_MAX:?}: {input:?}"
            )));
        }
        Ok(())
    });
    watchdog.stop();
    println!(
        "robustness {name}: {} inputs in {:.1} s, slowest input {:.1} ms; reached: {}",
        inputs.get(),
        started.elapsed().as_secs_f64(),
        slowest.get().as_secs_f64() * 1000.0,
        reached
            .borrow()
            .iter()
            .map(|(reach, count)| format!("{reach} {count}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    if let Err(error) = result {
        panic!("{name}: {error}");
    }
}

enum WatchEvent {
    Start(Instant, Box<dyn Debug + Send>),
    Done,
}

struct Watchdog {
    sender: mpsc::Sender<WatchEvent>,
    thread: thread::JoinHandle<()>,
}

/// Marks one input as running until dropped (also when the check panics and unwinds).
struct Watch<'a> {
    sender: &'a mpsc::Sender<WatchEvent>,
}

impl Watchdog {
    fn spawn(name: &'static str) -> Watchdog {
        let (sender, receiver) = mpsc::channel::<WatchEvent>();
        let thread = thread::spawn(move || {
            let mut running: Option<(Instant, Box<dyn Debug + Send>)> = None;
            loop {
                match receiver.recv_timeout(WATCHDOG_POLL) {
                    Ok(WatchEvent::Start(began, input)) => running = Some((began, input)),
                    Ok(WatchEvent::Done) => running = None,
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => return,
                }
                if let Some((began, input)) = &running
                    && began.elapsed() > INPUT_DURATION_ABORT
                {
                    eprintln!(
                        "robustness {name}: an input has run for {:?}, aborting: {input:?}",
                        began.elapsed()
                    );
                    std::process::abort();
                }
            }
        });
        Watchdog { sender, thread }
    }

    fn watch(&self, began: Instant, input: impl Debug + Send + 'static) -> Watch<'_> {
        // A send fails only when the watchdog thread is gone, and then there is nobody to tell.
        drop(self.sender.send(WatchEvent::Start(began, Box::new(input))));
        Watch { sender: &self.sender }
    }

    fn stop(self) {
        drop(self.sender);
        self.thread.join().expect("the watchdog thread does not panic");
    }
}

impl Drop for Watch<'_> {
    fn drop(&mut self) {
        drop(self.sender.send(WatchEvent::Done));
    }
}

// ---------------------------------------------------------------------------------------------
// The corpus and its mutations.

const CORPUS_MANIFEST: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/asl-corpus/manifest.json");

struct CorpusEntry {
    file: String,
    definition: Value,
}

/// The corpus definitions that are JSON (all of them, today); empty when the corpus is absent.
fn corpus() -> Vec<Arc<CorpusEntry>> {
    let Ok(manifest) = std::fs::read_to_string(CORPUS_MANIFEST) else {
        return Vec::new();
    };
    let manifest: Value = serde_json::from_str(&manifest).expect("the corpus manifest is JSON");
    let directory =
        std::path::Path::new(CORPUS_MANIFEST).parent().expect("the manifest is in a directory");
    let files = manifest["files"].as_array().expect("the manifest lists files");
    files
        .iter()
        .filter_map(|file| {
            let file = file["file"].as_str()?.to_owned();
            let text = std::fs::read_to_string(directory.join(&file)).ok()?;
            let definition = serde_json::from_str(&text).ok()?;
            Some(Arc::new(CorpusEntry { file, definition }))
        })
        .collect()
}

/// One edit of a definition. The `usize`s pick among the candidates by remainder, so every
/// generated mutation applies to any definition (or does nothing when there is no candidate).
#[derive(Debug, Clone)]
enum Mutation {
    /// Deletes the field or array item at a location.
    Delete(usize),
    /// Replaces the value at a location.
    Replace(usize, Value),
    /// Adds (or overwrites) a field in the object at a location.
    Insert(usize, String, Value),
    /// Copies a state under a new name into the same States block.
    DuplicateState(usize, String),
    /// Points a `Next`, `Default` or `StartAt` at another state name.
    Retarget(usize, usize),
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let replacement = prop_oneof![2 => json_value(), 3 => text().prop_map(Value::String)];
    prop_oneof![
        3 => any::<usize>().prop_map(Mutation::Delete),
        4 => (any::<usize>(), replacement.clone()).prop_map(|(at, value)| Mutation::Replace(at, value)),
        2 => (any::<usize>(), select(WORDS), replacement)
            .prop_map(|(at, key, value)| Mutation::Insert(at, key.to_owned(), value)),
        1 => (any::<usize>(), select(STATE_NAMES))
            .prop_map(|(at, name)| Mutation::DuplicateState(at, name.to_owned())),
        2 => (any::<usize>(), any::<usize>()).prop_map(|(at, target)| Mutation::Retarget(at, target)),
    ]
}

fn mutate(definition: &mut Value, mutation: &Mutation) {
    match mutation {
        Mutation::Delete(at) => {
            let locations = locations(definition, &mut |_, _| true);
            if let Some((last, parent)) =
                pick(&locations, *at).and_then(|location| location.split_last())
                && let Some(parent) = value_at(definition, parent)
            {
                match (parent, last) {
                    (Value::Object(object), Step::Key(key)) => drop(object.shift_remove(key)),
                    (Value::Array(array), Step::Index(index)) if *index < array.len() => {
                        drop(array.remove(*index))
                    }
                    _ => {}
                }
            }
        }
        Mutation::Replace(at, value) => {
            let locations = locations(definition, &mut |_, _| true);
            if let Some(target) =
                pick(&locations, *at).and_then(|location| value_at(definition, location))
            {
                *target = value.clone();
            }
        }
        Mutation::Insert(at, key, value) => {
            let locations = locations(definition, &mut |_, value| value.is_object());
            if let Some(Value::Object(object)) =
                pick(&locations, *at).and_then(|location| value_at(definition, location))
            {
                object.insert(key.clone(), value.clone());
            }
        }
        Mutation::DuplicateState(at, name) => {
            let blocks = locations(definition, &mut |step, value| {
                value.is_object() && step == Some(&Step::Key("States".to_owned()))
            });
            if let Some(Value::Object(states)) =
                pick(&blocks, *at).and_then(|location| value_at(definition, location))
                && let Some(state) = states.values().nth(at % states.len().max(1)).cloned()
            {
                states.insert(name.clone(), state);
            }
        }
        Mutation::Retarget(at, target) => retarget(definition, *at, *target),
    }
}

fn retarget(definition: &mut Value, at: usize, target: usize) {
    let is_transition = |step: Option<&Step>, value: &Value| {
        value.is_string()
            && matches!(step, Some(Step::Key(key)) if ["Next", "Default", "StartAt"].contains(&key.as_str()))
    };
    let transitions = locations(definition, &mut |step, value| is_transition(step, value));
    let mut names: Vec<String> = STATE_NAMES.iter().map(|name| (*name).to_owned()).collect();
    for block in locations(definition, &mut |step, value| {
        value.is_object() && step == Some(&Step::Key("States".to_owned()))
    }) {
        if let Some(Value::Object(states)) = value_at(definition, &block) {
            names.extend(states.keys().cloned());
        }
    }
    if let Some(transition) =
        pick(&transitions, at).and_then(|location| value_at(definition, location))
        && let Some(name) = pick(&names, target)
    {
        *transition = Value::String(name.clone());
    }
}

fn pick<T>(items: &[T], index: usize) -> Option<&T> {
    items.get(index.checked_rem(items.len())?)
}

/// The locations (root first, then depth first) whose value passes `keep`, which also sees the
/// last step of the location.
fn locations(value: &Value, keep: &mut dyn FnMut(Option<&Step>, &Value) -> bool) -> Vec<Vec<Step>> {
    fn walk(
        value: &Value,
        location: &mut Vec<Step>,
        keep: &mut dyn FnMut(Option<&Step>, &Value) -> bool,
        out: &mut Vec<Vec<Step>>,
    ) {
        if keep(location.last(), value) {
            out.push(location.clone());
        }
        match value {
            Value::Object(object) => {
                for (key, child) in object {
                    location.push(Step::Key(key.clone()));
                    walk(child, location, keep, out);
                    location.pop();
                }
            }
            Value::Array(array) => {
                for (index, child) in array.iter().enumerate() {
                    location.push(Step::Index(index));
                    walk(child, location, keep, out);
                    location.pop();
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
        }
    }
    let mut out = Vec::new();
    walk(value, &mut Vec::new(), keep, &mut out);
    out
}

fn value_at<'a>(value: &'a mut Value, location: &[Step]) -> Option<&'a mut Value> {
    location.iter().try_fold(value, |value, step| match (value, step) {
        (Value::Object(object), Step::Key(key)) => object.get_mut(key),
        (Value::Array(array), Step::Index(index)) => array.get_mut(*index),
        _ => None,
    })
}

// ---------------------------------------------------------------------------------------------
// Generators. The token tables are packed by hand (`rustfmt::skip`): rustfmt would give each
// token a line of its own.

/// Words of the language: field names, state types, values the validator recognizes.
#[rustfmt::skip]
const WORDS: &[&str] = &[
    "Comment", "StartAt", "States", "Type", "Next", "End", "Version", "TimeoutSeconds",
    "QueryLanguage", "Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map",
    "Resource", "Parameters", "Arguments", "Output", "Assign", "Result", "ResultPath", "InputPath",
    "OutputPath", "ResultSelector", "Retry", "Catch", "ErrorEquals", "IntervalSeconds",
    "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "FULL", "NONE", "Choices",
    "Default", "Variable", "Condition", "StringEquals", "StringEqualsPath", "StringMatches",
    "NumericEquals", "NumericLessThanPath", "NumericGreaterThanEquals", "BooleanEquals",
    "TimestampEquals", "TimestampLessThanPath", "IsPresent", "IsNull", "IsString", "IsNumeric",
    "IsTimestamp", "And", "Or", "Not", "Seconds", "SecondsPath", "Timestamp", "TimestampPath",
    "Branches", "Iterator", "ItemProcessor", "ProcessorConfig", "Mode", "INLINE", "DISTRIBUTED",
    "ExecutionType", "STANDARD", "EXPRESS", "ItemsPath", "Items", "ItemSelector", "ItemReader",
    "ReaderConfig", "InputType", "CSV", "JSON", "CSVHeaderLocation", "MaxItems", "ResultWriter",
    "ItemBatcher", "MaxItemsPerBatch", "BatchInput", "MaxConcurrency", "MaxConcurrencyPath",
    "ToleratedFailurePercentage", "ToleratedFailureCount", "Label", "Error", "Cause", "ErrorPath",
    "CausePath", "HeartbeatSeconds", "TimeoutSecondsPath", "HeartbeatSecondsPath", "Credentials",
    "RoleArn", "JSONata", "JSONPath", "1.0", "States.ALL", "States.TaskFailed", "States.Timeout",
    "States.Runtime", "States.HeartbeatTimeout", "arn:aws:lambda:us-east-1:123456789012:function:f",
    "arn:aws:states:::lambda:invoke", "arn:aws:states:::lambda:invoke.waitForTaskToken",
    "arn:aws:states:::states:startExecution.sync:2",
    "arn:aws:states:us-east-1:123456789012:activity:a", "arn:aws:states:::dynamodb:getItem",
    "arn:aws:states:::s3:getObject", "arn:aws:states:::aws-sdk:s3:listObjectsV2",
    "2016-03-14T01:59:00Z", "2016-03-14T01:59:00.123+01:00", "A", "B", "x", "",
];
const STATE_TYPES: &[&str] =
    &["Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map", "Nope"];
const STATE_NAMES: &[&str] = &["A", "B", "C", "Done", "", "é", "$.x", "A.B", "A Name With Spaces"];
/// Names used in paths, and keys of the generated inputs, so that paths often select something.
#[rustfmt::skip]
const NAMES: &[&str] = &[
    "a", "b", "s", "n", "o", "t", "r", "x", "name", "Execution", "Input", "Map", "Item", "Index",
    "Value", "Task", "Token", "var", "states", "é", "0", "",
];
/// Roots of well-formed paths.
const PATH_ROOTS: &[&str] = &["$", "$$", "$var", "$a", "$states", "$$.Execution", "$$.Map.Item"];
/// Tokens of the path language, and some from outside it, for token soup and for damaging paths.
#[rustfmt::skip]
const PATH_TOKENS: &[&str] = &[
    "$", "$$", "$var", "$.", ".", "..", "[", "]", "*", "?(", "(", ")", "@", "@.", "==", "!=", "<",
    "<=", ">", ">=", "=~", "/a.*/i", "/[/", "/x{1000}{1000}/", "/a/xyz", "/(a+)+$/", "'", "\"",
    "'a'", "\"b\"", "'\\''", "0", "1", "-1", "2", "-0", "1.5", "1e308", "1e999", "99999999999999999999",
    ":", "::", ",", "length()", ".length", ".concat('x')", ".append(1)", ".nope()", "all", "type",
    "matches", "{}", "a", "b", "name", "Execution", "Map", "Item", "é", "日本", "😀", " ", "\\", "&&",
    "||", "!", "true", "false", "null", "-", "+", "~", "#", "\u{0}", "\n", "\t", "States", "",
];
#[rustfmt::skip]
const FILTER_OPERATORS: &[&str] = &[
    "==", "!=", "<", "<=", ">", ">=", "=~", "===", "!==", "in", "nin", "subsetof", "anyof", "noneof",
    "contains", "size", "empty", "exists",
];
#[rustfmt::skip]
const FILTER_OPERANDS: &[&str] = &[
    "0", "1", "-2.5", "'a'", "\"b\"", "true", "false", "null", "/a.*/i", "/(a+)+$/", "/(a{100}){100}/",
    "@.b", "@", "$.a", "$['x']", "$$.Map", "$var.a", "['a','b']", "[1, 2]", "[]", "@.b.length()",
];
#[rustfmt::skip]
const PATH_FUNCTIONS: &[&str] = &[
    ".length()", ".size()", ".min()", ".max()", ".avg()", ".sum()", ".stddev()", ".keys()",
    ".first()", ".last()", ".concat()",
];
/// Pieces of well-formed intrinsic string literals (escapes included).
#[rustfmt::skip]
const LITERAL_PIECES: &[&str] = &[
    "a", "b", " ", "{}", "{", "}", "\\'", "\\{", "\\}", "\\\\", ",", "(", ")", "$", "$.a", "é", "😀",
    "\"", "States.Array(", "{\"x\": 1}", "[1,2]", "aGVsbG8=",
];
/// Number literals an intrinsic call can hold, including ones beyond `int` and `double`.
#[rustfmt::skip]
const NUMBERS: &[&str] = &[
    "0", "1", "-1", "2", "3", "1.5", "-0", "0.0", "1.0", "1E3", "2147483647", "2147483648",
    "-2147483649", "9223372036854775808", "1e308", "1e400", "-1e-400",
];
/// Paths into the generated inputs (see `useful_input`) that select values of one type.
const STRING_PATHS: &[&str] =
    &["$.s", "$.t", "$.b64", "$.e", "$.u", "$.long", "$.name", "$.redos", "$$.Execution.Id", "$.r"];
const NUMBER_PATHS: &[&str] =
    &["$.n", "$.f", "$.neg", "$.big", "$.huge", "$$.Map.Item.Index", "$.r", "$.a[0]", "$.missing"];
const ARRAY_PATHS: &[&str] =
    &["$.a", "$.a[*]", "$..k", "$.o.y.z", "$.r", "$$.Execution.Input", "$var", "$.deep.a"];
const OBJECT_PATHS: &[&str] = &["$.o", "$.o.y", "$", "$.r", "$$.Map.Item.Value", "$var", "$$"];
const HASH_ALGORITHMS: &[&str] =
    &["'MD5'", "'SHA-1'", "'SHA-256'", "'SHA-384'", "'SHA-512'", "'sha-256'", "'SHA3'"];
/// Tokens that damage an intrinsic call (or are outside its syntax), for one-edit mutations.
#[rustfmt::skip]
const INTRINSIC_TOKENS: &[&str] = &[
    "(", ")", ",", ",,", "'", "\\", "\\n", "{", "}", " ", "$", ".", "0x10", "NaN", ".5", "+1", "01",
    "Infinity", "nil", "TRUE", "States.", "States.Nope(", "States.format(", "states.Array(", "\"",
    "$$", "@", "States.UUIDX()",
];
#[rustfmt::skip]
const YAML_TOKENS: &[&str] = &[
    "StartAt: A\n", "States:\n", "  A:\n", "    Type: Pass\n", "    End: true\n", "- ", ": ", "\n",
    "  ", "&a ", "*a", "!!str ", "!!binary ", "<<: *a\n", "{", "}", "[", "]", "'", "\"", "# c\n",
    "|\n", ">-\n", "---\n", "...\n", "? ", "yes", "~", "0o17", ".inf", "\t", "%YAML 1.2\n", "!tag ",
    "a", "1",
];
#[rustfmt::skip]
const JSONATA_TOKENS: &[&str] = &[
    "$states.input", "$states.context", "$x", ".", "a", "[0]", "+", "&", "(", ")", "{", "}", "[",
    "]", "\"s\"", "1", "$sum(", "$partition(", "$hash(", "$uuid()", "function($v){$v}", "?", ":",
    ";", "%", "~>", "$$", "**", " ",
];

/// A string: usually a word of the language, a path, an intrinsic call or a JSONata expression.
fn text() -> BoxedStrategy<String> {
    prop_oneof![
        4 => select(WORDS).prop_map(str::to_owned),
        2 => path_text(),
        1 => intrinsic_text(),
        1 => jsonata_text(),
        2 => "(?s).{0,12}",
    ]
    .boxed()
}

fn json_leaf() -> BoxedStrategy<Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        2 => (-3_i64..100).prop_map(Value::from),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        1 => any::<f64>().prop_filter_map("finite", |number| Number::from_f64(number).map(Value::Number)),
        4 => text().prop_map(Value::String),
    ]
    .boxed()
}

fn json_key() -> BoxedStrategy<String> {
    prop_oneof![3 => select(WORDS).prop_map(str::to_owned), 2 => select(NAMES).prop_map(str::to_owned), 1 => "(?s).{0,8}"]
        .boxed()
}

fn json_value() -> BoxedStrategy<Value> {
    json_leaf()
        .prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                vec(inner.clone(), 0..6).prop_map(Value::Array),
                vec((json_key(), inner), 0..6)
                    .prop_map(|fields| Value::Object(fields.into_iter().collect())),
            ]
        })
        .boxed()
}

/// JSON shaped like a definition: `StartAt`, and states with a `Type`, a transition and random
/// fields named after ASL fields.
fn definition_like() -> BoxedStrategy<Value> {
    let state = (
        select(STATE_TYPES),
        vec((select(WORDS), json_value()), 0..5),
        select(STATE_NAMES),
        any::<bool>(),
    )
        .prop_map(|(kind, fields, next, end)| {
            let mut state: Map<String, Value> =
                fields.into_iter().map(|(key, value)| (key.to_owned(), value)).collect();
            state.insert("Type".to_owned(), Value::from(kind));
            if end {
                state.insert("End".to_owned(), Value::Bool(true));
            } else {
                state.insert("Next".to_owned(), Value::from(next));
            }
            Value::Object(state)
        });
    (
        select(STATE_NAMES),
        vec((select(STATE_NAMES), state), 1..5),
        vec((select(WORDS), json_value()), 0..2),
    )
        .prop_map(|(start, states, extra)| {
            let mut definition: Map<String, Value> =
                extra.into_iter().map(|(key, value)| (key.to_owned(), value)).collect();
            definition.insert("StartAt".to_owned(), Value::from(start));
            let states = states.into_iter().map(|(name, state)| (name.to_owned(), state)).collect();
            definition.insert("States".to_owned(), Value::Object(states));
            Value::Object(definition)
        })
        .boxed()
}

fn document() -> impl Strategy<Value = Document> {
    let json = prop_oneof![json_value(), definition_like()];
    let deep_shape = select(vec![
        DeepShape::ArrayText,
        DeepShape::ObjectText,
        DeepShape::YamlBlocks,
        DeepShape::YamlAliases,
        DeepShape::Parameters,
        DeepShape::Parallel,
        DeepShape::Map,
    ]);
    prop_oneof![
        8 => (json, any::<usize>(), any::<usize>(), any::<char>()).prop_map(|(value, cut, replace_at, replacement)| {
            Document::Json { value, cut, replace_at, replacement }
        }),
        2 => vec(select(YAML_TOKENS), 0..24).prop_map(|tokens| Document::Text(tokens.concat())),
        1 => (deep_shape, 0..=DOCUMENT_DEPTH_MAX).prop_map(|(shape, depth)| Document::Deep { shape, depth }),
    ]
}

/// One edit that damages a well-formed string, to reach the error paths of a parser.
#[derive(Debug, Clone)]
enum Edit {
    Truncate(usize),
    Insert(usize, &'static str),
    Remove(usize),
}

fn edit(tokens: &'static [&'static str]) -> BoxedStrategy<Edit> {
    prop_oneof![
        1 => any::<usize>().prop_map(Edit::Truncate),
        2 => (any::<usize>(), select(tokens)).prop_map(|(at, token)| Edit::Insert(at, token)),
        1 => any::<usize>().prop_map(Edit::Remove),
    ]
    .boxed()
}

fn apply(text: &str, edit: &Edit) -> String {
    match edit {
        Edit::Truncate(at) => truncate(text, *at),
        Edit::Insert(at, token) => insert(text, *at, token),
        Edit::Remove(at) => remove_char(text, *at),
    }
}

fn path_segment() -> BoxedStrategy<String> {
    let index = prop_oneof![
        6 => (-3_i64..6).prop_map(|index| index.to_string()),
        1 => any::<i64>().prop_map(|index| index.to_string()),
    ];
    let maybe_index = prop_oneof![Just(String::new()), index.clone()];
    prop_oneof![
        6 => select(NAMES).prop_map(|name| format!(".{name}")),
        1 => select(NAMES).prop_map(|name| format!("['{name}']")),
        1 => select(NAMES).prop_map(|name| format!("[\"{name}\"]")),
        2 => index.clone().prop_map(|index| format!("[{index}]")),
        1 => Just("[*]".to_owned()),
        1 => Just(".*".to_owned()),
        1 => select(NAMES).prop_map(|name| format!("..{name}")),
        1 => (maybe_index.clone(), maybe_index.clone(), maybe_index)
            .prop_map(|(start, end, step)| format!("[{start}:{end}:{step}]")),
        2 => filter().prop_map(|filter| format!("[?({filter})]")),
        1 => vec(index, 1..4).prop_map(|indexes| format!("[{}]", indexes.join(","))),
        1 => vec(select(NAMES), 1..4).prop_map(|names| format!("['{}']", names.join("','"))),
        1 => select(PATH_FUNCTIONS).prop_map(str::to_owned),
    ]
    .boxed()
}

/// A filter expression: comparisons and existence checks combined with `!`, `&&`, `||` and
/// parentheses.
fn filter() -> BoxedStrategy<String> {
    let operand = prop_oneof![
        3 => select(NAMES).prop_map(|name| format!("@.{name}")),
        1 => select(FILTER_OPERANDS).prop_map(str::to_owned),
    ];
    let comparison = prop_oneof![
        4 => (operand.clone(), select(FILTER_OPERATORS), select(FILTER_OPERANDS))
            .prop_map(|(left, operator, right)| format!("{left} {operator} {right}")),
        1 => operand,
    ];
    comparison
        .prop_recursive(3, 8, 2, |inner| {
            prop_oneof![
                inner.clone().prop_map(|filter| format!("!({filter})")),
                inner.clone().prop_map(|filter| format!("({filter})")),
                (inner.clone(), select(vec!["&&", "||"]), inner)
                    .prop_map(|(left, operator, right)| format!("{left} {operator} {right}")),
            ]
        })
        .boxed()
}

/// A path string: well-formed from the grammar, the same damaged by one edit, or token soup.
fn path_text() -> BoxedStrategy<String> {
    let well_formed = (select(PATH_ROOTS), vec(path_segment(), 0..5))
        .prop_map(|(root, segments)| format!("{root}{}", segments.concat()))
        .boxed();
    prop_oneof![
        6 => well_formed.clone(),
        2 => (well_formed, edit(PATH_TOKENS)).prop_map(|(text, edit)| apply(&text, &edit)),
        1 => vec(select(PATH_TOKENS), 0..10).prop_map(|tokens| tokens.concat()),
    ]
    .boxed()
}

/// A well-formed string literal, escapes included.
fn literal() -> BoxedStrategy<String> {
    vec(select(LITERAL_PIECES), 0..6).prop_map(|pieces| format!("'{}'", pieces.concat())).boxed()
}

fn function_name() -> BoxedStrategy<String> {
    let names: Vec<String> =
        Function::ALL.iter().map(|function| function.name().to_owned()).collect();
    select(names).boxed()
}

/// `name(arguments)` from a strategy for the arguments.
fn named(
    name: &'static str,
    arguments: impl Strategy<Value = Vec<String>> + 'static,
) -> BoxedStrategy<String> {
    arguments.prop_map(move |arguments| format!("{name}({})", arguments.join(", "))).boxed()
}

/// A call of one of the eighteen functions with arguments of the types it takes (mostly), each
/// argument possibly a `nested` call.
fn typed_call(nested: BoxedStrategy<String>) -> BoxedStrategy<String> {
    let from = |paths: &'static [&'static str]| select(paths).prop_map(str::to_owned);
    let array = prop_oneof![3 => from(ARRAY_PATHS), 1 => nested.clone()].boxed();
    let number =
        prop_oneof![3 => from(NUMBERS), 2 => from(NUMBER_PATHS), 1 => nested.clone()].boxed();
    let string = prop_oneof![3 => literal(), 2 => from(STRING_PATHS), 1 => nested.clone()].boxed();
    let object = prop_oneof![3 => from(OBJECT_PATHS), 1 => nested].boxed();
    let boolean = from(&["true", "false", "null", "$.r"]);
    let any =
        prop_oneof![array.clone(), number.clone(), string.clone(), object.clone(), boolean.clone()]
            .boxed();
    let optional = |strategy: BoxedStrategy<String>| vec(strategy, 0..=1);
    Union::new(vec![
        named(
            "States.Format",
            (string.clone(), vec(any.clone(), 0..4)).prop_map(|(template, mut values)| {
                values.insert(0, template);
                values
            }),
        ),
        named("States.StringToJson", string.clone().prop_map(|text| vec![text])),
        named("States.JsonToString", any.clone().prop_map(|value| vec![value])),
        named("States.Array", vec(any.clone(), 0..4)),
        named(
            "States.ArrayPartition",
            (array.clone(), number.clone()).prop_map(|(a, n)| vec![a, n]),
        ),
        named("States.ArrayContains", (array.clone(), any.clone()).prop_map(|(a, v)| vec![a, v])),
        named("States.ArrayRange", vec(number.clone(), 3)),
        named("States.ArrayGetItem", (array.clone(), number.clone()).prop_map(|(a, n)| vec![a, n])),
        named("States.ArrayLength", array.clone().prop_map(|a| vec![a])),
        named("States.ArrayUnique", array.prop_map(|a| vec![a])),
        named("States.Base64Encode", string.clone().prop_map(|text| vec![text])),
        named(
            "States.Base64Decode",
            prop_oneof![3 => from(&["$.b64", "'aGk='", "'@@'", "'YQ'"]), 1 => string.clone()]
                .prop_map(|text| vec![text]),
        ),
        named(
            "States.Hash",
            (string.clone(), prop_oneof![3 => from(HASH_ALGORITHMS), 1 => string.clone()])
                .prop_map(|(text, algorithm)| vec![text, algorithm]),
        ),
        named(
            "States.JsonMerge",
            (object.clone(), object, boolean).prop_map(|(a, b, deep)| vec![a, b, deep]),
        ),
        named(
            "States.MathRandom",
            (number.clone(), number.clone(), optional(number.clone()))
                .prop_map(|(start, end, seed)| [vec![start, end], seed].concat()),
        ),
        named("States.MathAdd", vec(number, 2)),
        named("States.StringSplit", vec(string, 2)),
        named("States.UUID", optional(any)),
    ])
    .boxed()
}

/// A call of any function with any arguments: literals, numbers, paths and nested calls.
fn untyped_call(nested: BoxedStrategy<String>) -> BoxedStrategy<String> {
    let argument = prop_oneof![
        2 => literal(),
        1 => select(NUMBERS).prop_map(str::to_owned),
        1 => any::<i64>().prop_map(|number| number.to_string()),
        1 => any::<f64>().prop_map(|number| format!("{number:e}")),
        1 => select(&["true", "false", "null"]).prop_map(str::to_owned),
        2 => path_text(),
        1 => nested,
    ];
    (function_name(), vec(argument, 0..5))
        .prop_map(|(name, arguments)| format!("{name}({})", arguments.join(", ")))
        .boxed()
}

/// An intrinsic call: well-typed, any arguments, damaged by one edit, or nested very deep.
fn intrinsic_text() -> BoxedStrategy<String> {
    let typed = Just("States.UUID()".to_owned()).prop_recursive(4, 16, 2, typed_call).boxed();
    let untyped = literal().prop_recursive(4, 16, 2, untyped_call).boxed();
    let deep = (function_name(), 0_usize..16, typed.clone()).prop_map(|(name, depth, argument)| {
        format!("{}{argument}{}", format!("{name}(").repeat(depth), ")".repeat(depth))
    });
    prop_oneof![
        6 => typed.clone(),
        2 => untyped.clone(),
        2 => (prop_oneof![typed, untyped], edit(INTRINSIC_TOKENS)).prop_map(|(text, edit)| apply(&text, &edit)),
        1 => deep,
    ]
    .boxed()
}

fn jsonata_text() -> BoxedStrategy<String> {
    (vec(select(JSONATA_TOKENS), 0..8), any::<bool>())
        .prop_map(|(tokens, closed)| {
            format!("{{% {}{}", tokens.concat(), if closed { " %}" } else { "" })
        })
        .boxed()
}

/// A payload template: objects whose `.$` fields hold paths or intrinsic calls (or a value of the
/// wrong type), nested in objects and arrays.
fn template_value() -> BoxedStrategy<Value> {
    let dynamic = prop_oneof![
        4 => path_text().prop_map(Value::String),
        3 => intrinsic_text().prop_map(Value::String),
        1 => json_leaf(),
    ];
    let field = prop_oneof![
        1 => (json_key(), json_leaf()),
        2 => (json_key(), dynamic).prop_map(|(key, value)| (format!("{key}.$"), value)),
    ];
    let leaf = prop_oneof![3 => vec(field, 0..5).prop_map(|fields| Value::Object(fields.into_iter().collect())), 1 => json_leaf()];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            vec((json_key(), inner), 0..4).prop_map(|fields| {
                // Nested templates go under plain keys and under `.$` keys alike: the latter is
                // an error the parser must report rather than trip over.
                Value::Object(
                    fields
                        .into_iter()
                        .enumerate()
                        .map(|(index, (key, value))| {
                            if index % 3 == 2 { (format!("{key}.$"), value) } else { (key, value) }
                        })
                        .collect(),
                )
            }),
        ]
    })
    .boxed()
}

/// An input that gives each intrinsic function arguments of the right type under short paths.
fn useful_input(random: Value, deep_depth: usize) -> Value {
    json!({
        "a": [1, 2, 3, "x", [1, 2], {"k": 1}, null, 2.5],
        "s": "a,b,,c",
        "n": 3,
        "f": 2.5,
        "neg": -7,
        "big": 2_147_483_648_i64,
        "huge": 1e300,
        "o": {"x": 1, "y": {"z": [1]}},
        "t": "{\"x\": 1, \"y\": [1, 2]}",
        "b64": "aGVsbG8gd29ybGQ=",
        "bad64": "@@@",
        "e": "",
        "u": "é😀",
        "name": "n",
        "redos": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!",
        "long": long_string(),
        "deep": (0..deep_depth).fold(json!(1), |inner, _| json!({"a": [inner]})),
        "r": random,
    })
}

/// A string just over the intrinsic string limit (10,000 characters), made once.
fn long_string() -> &'static str {
    static LONG: OnceLock<String> = OnceLock::new();
    LONG.get_or_init(|| "x".repeat(10_001))
}

fn context_like(random: Value) -> Value {
    json!({
        "Execution": {
            "Id": "arn:aws:states:us-east-1:123456789012:execution:m:e",
            "Input": random,
            "Name": "e",
            "RoleArn": "arn:aws:iam::123456789012:role/r",
            "StartTime": "2024-01-01T00:00:00.000Z",
        },
        "State": {"Name": "S", "EnteredTime": "2024-01-01T00:00:00.000Z", "RetryCount": 0},
        "StateMachine": {"Id": "arn:aws:states:us-east-1:123456789012:stateMachine:m", "Name": "m"},
        "Map": {"Item": {"Index": 1, "Value": {"a": 1}}},
        "Task": {"Token": "token"},
    })
}

fn evaluation_roots() -> impl Strategy<Value = EvaluationRoots> {
    // Inputs nest at most 64 deep here: payloads arrive as JSON text, which serde_json reads to a
    // depth of 128, and the nested wrapper adds two levels per step.
    let input = prop_oneof![
        1 => json_value(),
        3 => (json_value(), 0_usize..64).prop_map(|(random, depth)| useful_input(random, depth)),
    ];
    let context = prop_oneof![1 => json_value(), 3 => json_value().prop_map(context_like)];
    let variables = vec((select(NAMES), json_value()), 0..4).prop_map(|variables| {
        variables.into_iter().map(|(name, value)| (name.to_owned(), value)).collect()
    });
    (input, context, variables).prop_map(|(input, context, variables)| EvaluationRoots {
        input,
        context,
        variables,
    })
}

/// `text` cut at `at` (modulo its length, on a character boundary).
fn truncate(text: &str, at: usize) -> String {
    let at = text.floor_char_boundary(at.checked_rem(text.len() + 1).unwrap_or(0));
    text.get(..at).unwrap_or_default().to_owned()
}

/// `text` with `token` inserted at `at` (modulo its length, on a character boundary).
fn insert(text: &str, at: usize, token: &str) -> String {
    let at = text.floor_char_boundary(at.checked_rem(text.len() + 1).unwrap_or(0));
    let (head, tail) = text.split_at(at);
    format!("{head}{token}{tail}")
}

/// `text` without the character at `at` (modulo its length).
fn remove_char(text: &str, at: usize) -> String {
    let at = at.checked_rem(text.chars().count()).unwrap_or(0);
    text.chars().enumerate().filter(|(index, _)| *index != at).map(|(_, c)| c).collect()
}

/// `text` with the character at `at` (modulo its length) replaced.
fn replace_char(text: &str, at: usize, replacement: char) -> String {
    let count = text.chars().count();
    let at = at.checked_rem(count).unwrap_or(0);
    text.chars().enumerate().map(|(index, c)| if index == at { replacement } else { c }).collect()
}
