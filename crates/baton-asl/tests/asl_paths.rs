//! Path validity against the 316 rows of `../shared/asl-paths/cases.json`: every path of
//! asl-path-validator's unit tests, checked as a Path, a Reference Path, a payload template
//! value and a `ResultPath`.
//!
//! Those expectations are that library's reading of the ASL specification, not AWS's
//! behaviour. Where AWS (which parses paths with Jayway JsonPath) decides differently, the row
//! is listed in [`DISAGREEMENTS`] with the reason, and the test asserts that we still disagree,
//! so the list stays true.

use baton_asl::path::{Path, Root};
use serde_json::Value;

/// Rows where this crate deliberately answers the opposite of the file, and why.
const DISAGREEMENTS: &[(&str, &str, &str)] = &[
    (
        r"$.foo\@bar.baz\[\[.\?pretty",
        "*",
        "a backslash escapes nothing in Jayway's dot notation: `baz\\` is followed by `[\\[`, \
         which no bracket form matches, so Jayway rejects the path",
    ),
    (
        "$[(@.length-1)].bar",
        "Path PayloadTemplate",
        "Jayway has no script expressions `[(...)]`; its compiler fails on them",
    ),
    (
        "$.book[?(@.price <= $['expensive'])]",
        "Path PayloadTemplate",
        "Jayway filters may compare with paths from the document root; AWS documents only \
         Reference Paths as unable to reference other values",
    ),
    (
        "$.book[?(@.author =~ /.*REES/i)]",
        "Path PayloadTemplate",
        "Jayway supports `=~` with regular expressions; AWS documents only Reference Paths as \
         unable to filter by regular expression",
    ),
];

/// What this crate answers for `path` in `context`.
fn accepts(path: &str, context: &str) -> bool {
    let Ok(parsed) = Path::parse(path) else {
        return false;
    };
    match context {
        "Path" | "PayloadTemplate" => true,
        "ReferencePath" => parsed.is_reference_path(),
        "ResultPath" => parsed.is_reference_path() && *parsed.root() == Root::Input,
        other => panic!("unknown context {other}"),
    }
}

fn disagreement(path: &str, context: &str) -> Option<&'static str> {
    DISAGREEMENTS
        .iter()
        .find(|(listed, contexts, _)| {
            *listed == path
                && (*contexts == "*" || contexts.split(' ').any(|listed| listed == context))
        })
        .map(|(_, _, reason)| *reason)
}

#[test]
fn asl_path_validator_cases() {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/asl-paths/cases.json");
    let text = std::fs::read_to_string(file).unwrap_or_else(|error| panic!("{file}: {error}"));
    let document: Value = serde_json::from_str(&text).expect("cases.json is JSON");
    let rows = document["cases"].as_array().expect("cases.json has a cases array");
    assert_eq!(rows.len(), 316, "the file's row count changed");
    let mut checked = 0;
    let mut failures = Vec::new();
    for row in rows {
        let path = row["path"].as_str().expect("path is a string");
        let context = row["context"].as_str().expect("context is a string");
        let valid = row["valid"].as_bool().expect("valid is a boolean");
        // Intrinsic functions are values of payload templates, not paths; the intrinsic
        // module checks those rows.
        if context == "PayloadTemplate" && path.starts_with("States.") {
            continue;
        }
        checked += 1;
        let ours = accepts(path, context);
        match disagreement(path, context) {
            None if ours != valid => {
                failures.push(format!("{context} {path}: expected {valid}, got {ours}"))
            }
            Some(reason) if ours == valid => {
                failures.push(format!(
                    "{context} {path}: listed as a disagreement ({reason}) but agrees"
                ));
            }
            _ => {}
        }
    }
    assert!(failures.is_empty(), "{} of {checked} rows:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(checked, 316 - 33, "every row but the intrinsic payload templates is checked");
}
