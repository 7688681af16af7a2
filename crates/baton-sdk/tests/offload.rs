//! Payload offloading on the embedded engine: `check` runs a workflow with or without an offload
//! store (a fresh temporary directory) and compares the outcome and every task result recorded
//! in the history, long strings shortened to their length and reference keys hidden, with the
//! expectation.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use baton_sdk::offload::REFERENCE_KEY;
use baton_sdk::{Clock, Engine, Flow, Offload, Task, TaskFailure, Workflow};

/// The size of the value the workflows move: four times the 256 KiB payload limit.
const BLOB_BYTES: usize = 1024 * 1024;
/// Strings longer than this are rendered as their length (a SHA-256 digest in hex is shown).
const RENDERED_CHARS_MAX: usize = 64;

#[derive(Deserialize)]
struct Request {
    bytes: usize,
}

#[derive(Serialize, Deserialize)]
struct Blob {
    text: String,
}

/// The input of `digest`: the request with the blob `produce` put beside it.
#[derive(Deserialize)]
struct Produced {
    blob: Blob,
}

#[derive(Serialize)]
struct Digest {
    bytes: usize,
    sha256: String,
}

async fn produce(request: Request) -> Result<Blob, TaskFailure> {
    Ok(Blob { text: blob_text(request.bytes) })
}

async fn digest(produced: Produced) -> Result<Digest, TaskFailure> {
    let text = produced.blob.text;
    Ok(Digest { bytes: text.len(), sha256: sha256(&text) })
}

fn blob_text(bytes: usize) -> String {
    "abcdefghijklmnopqrstuvwxyz".chars().cycle().take(bytes).collect()
}

fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect()
}

/// `produce` makes the blob and puts it at `$.blob`; `digest` reads it back.
fn moved() -> Workflow {
    let produce = Task::new("produce", produce);
    let digest = Task::new("digest", digest);
    Workflow::new("moved", Flow::new().then(produce.step().result_path("$.blob")).then(&digest))
}

/// `digest` alone, on a blob given in the input.
fn digested() -> Workflow {
    Workflow::new("digested", Flow::new().then(&Task::new("digest", digest)))
}

/// `produce` alone: its result is the execution's output.
fn produced() -> Workflow {
    Workflow::new("produced", Flow::new().then(&Task::new("produce", produce)))
}

/// Runs `workflow` on `input`, with offloading to a fresh directory when `offload` says so,
/// and compares the rendered run with `expect`.
fn check(offload: bool, workflow: &Workflow, input: Value, expect: &str) {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let mut engine = Engine::embedded().with_clock(Clock::Virtual);
    if offload {
        engine = engine.offload(Offload::local(directory.path()).expect("a local store"));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let outcome = runtime.block_on(engine.run(workflow, &input)).expect("the workflow runs");
    let mut lines = vec![match outcome.result {
        Ok(output) => format!("SUCCEEDED {}", render(output)),
        Err(failure) => {
            let directory = directory.path().canonicalize().expect("the directory exists");
            let cause = failure.cause.unwrap_or_default();
            let cause = cause.replace(&directory.display().to_string(), "<directory>");
            format!("{:?} {}: {cause}", failure.status, failure.error.unwrap_or_default())
        }
    }];
    for event in &outcome.history.events {
        let json = event.to_json();
        let type_name = event.kind.type_name();
        let Some(output) = json.get("activitySucceededEventDetails").and_then(|d| d.get("output"))
        else {
            continue;
        };
        let output = serde_json::from_str(output.as_str().expect("output text")).expect("JSON");
        lines.push(format!("{type_name} {}", render(output)));
    }
    let stored = std::fs::read_dir(directory.path().join("baton-offloaded"))
        .map_or(0, |entries| entries.count());
    lines.push(format!("stored objects: {stored}"));
    let actual = lines.join("\n");
    assert!(actual == expect.trim(), "the run differs; it was:\n{actual}");
}

/// `value` with long strings replaced by their length and references' store and key hidden.
fn render(value: Value) -> String {
    fn shrink(value: Value) -> Value {
        match value {
            Value::String(text) if text.len() > RENDERED_CHARS_MAX => {
                json!(format!("<{} chars>", text.len()))
            }
            Value::Object(mut object) => {
                if let Some(reference) = object.get_mut(REFERENCE_KEY) {
                    reference["store"] = json!("<store>");
                    reference["key"] = json!("<key>");
                }
                Value::Object(object.into_iter().map(|(key, value)| (key, shrink(value))).collect())
            }
            Value::Array(items) => Value::Array(items.into_iter().map(shrink).collect()),
            value => value,
        }
    }
    shrink(value).to_string()
}

#[test]
fn a_mebibyte_moves_between_tasks_through_the_store() {
    let digest = sha256(&blob_text(BLOB_BYTES));
    check(
        true,
        &moved(),
        json!({"bytes": BLOB_BYTES}),
        &format!(
            r#"
SUCCEEDED {{"bytes":1048576,"sha256":"{digest}"}}
ActivitySucceeded {{"baton:offloaded":{{"store":"<store>","key":"<key>","bytes":1048587}}}}
ActivitySucceeded {{"bytes":1048576,"sha256":"{digest}"}}
stored objects: 1
"#
        ),
    );
}

#[test]
fn without_offloading_the_mebibyte_exceeds_the_payload_limit() {
    check(
        false,
        &moved(),
        json!({"bytes": BLOB_BYTES}),
        // AWS names a Lambda task's resource type in this cause ('lambda'); recorded cases have
        // none for an activity, whose events carry no resource type, so the name is empty.
        r#"
Failed States.DataLimitExceeded: The state/task '' returned a result with a size exceeding the maximum number of bytes service limit.
stored objects: 0
"#,
    );
}

#[test]
fn a_small_result_stays_in_the_workflow() {
    let digest = sha256("abcdefghij");
    check(
        true,
        &moved(),
        json!({"bytes": 10}),
        &format!(
            r#"
SUCCEEDED {{"bytes":10,"sha256":"{digest}"}}
ActivitySucceeded {{"text":"abcdefghij"}}
ActivitySucceeded {{"bytes":10,"sha256":"{digest}"}}
stored objects: 0
"#
        ),
    );
}

#[test]
fn the_engine_resolves_a_reference_in_the_execution_output() {
    check(
        true,
        &produced(),
        json!({"bytes": BLOB_BYTES}),
        r#"
SUCCEEDED {"text":"<1048576 chars>"}
ActivitySucceeded {"baton:offloaded":{"store":"<store>","key":"<key>","bytes":1048587}}
stored objects: 1
"#,
    );
}

#[test]
fn a_reference_to_another_store_fails_the_task_that_reads_it() {
    let reference =
        json!({REFERENCE_KEY: {"store": "s3://elsewhere", "key": "k.json", "bytes": 2}});
    check(
        true,
        &digested(),
        json!({ "blob": reference }),
        r#"
Failed Baton.PayloadOffloadFailed: the reference is to store "s3://elsewhere", but this offload is configured for "file://<directory>"
stored objects: 0
"#,
    );
}
