//! Every valid definition of ../shared/asl-corpus, run to its end: the interpreter must never
//! panic or return an `Err` for a validated machine, whatever its tasks answer. Tasks alternate
//! between success (`{}`) and a failure, so Retry and Catch paths run too; loops end at the
//! Standard 25,000-event limit.

use std::fs;
use std::path::Path;

use serde_json::{Value, json};

use baton_asl::{MachineType, Options};
use baton_core::simulate::{self, TaskAnswer};
use baton_core::{Error, Start, TaskRequest, WorkflowType};

#[test]
fn valid_corpus_definitions_run_to_an_end() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/asl-corpus");
    let Ok(manifest) = fs::read_to_string(corpus.join("manifest.json")) else {
        panic!("the corpus is expected at {}", corpus.display());
    };
    let manifest: Value = serde_json::from_str(&manifest).expect("manifest");
    let mut ran = 0;
    let mut refused = 0;
    for entry in manifest["files"].as_array().expect("files") {
        if entry["expected"] != "valid" {
            continue;
        }
        let file = entry["file"].as_str().expect("file");
        let text = fs::read_to_string(corpus.join(file)).unwrap_or_default();
        let (Some(machine), _) =
            baton_asl::parse(&text, &Options { machine_type: MachineType::Standard })
        else {
            continue;
        };
        let start = Start {
            input: "{}".to_owned(),
            execution_arn: "arn:aws:states:us-east-1:123456789012:execution:corpus:run".to_owned(),
            execution_name: "run".to_owned(),
            state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:corpus"
                .to_owned(),
            state_machine_name: "corpus".to_owned(),
            role_arn: "arn:aws:iam::123456789012:role/corpus".to_owned(),
            region: "us-east-1".to_owned(),
            workflow_type: WorkflowType::Standard,
            record_history: false,
            seed: file.to_owned(),
            at: 1_700_000_000_000,
        };
        let mut count = 0u32;
        let mut answer = |_: &TaskRequest| {
            count += 1;
            if count.is_multiple_of(2) {
                TaskAnswer::Failed {
                    error: "Corpus.Failure".to_owned(),
                    cause: "scripted".to_owned(),
                }
            } else {
                TaskAnswer::Succeeded(json!({}))
            }
        };
        match simulate::run(&machine, start, &mut answer) {
            Ok(_) => ran += 1,
            Err(Error::Unsupported { .. }) => refused += 1,
            Err(error) => panic!("{file}: {error}"),
        }
    }
    println!("{ran} corpus definitions ran to an end; {refused} use features not run yet");
    assert!(ran > 300, "only {ran} definitions ran");
}
