//! An ETL fan-out over a Map: extract a batch of raw order lines, transform each line in a Map
//! that runs at most a few at a time, then load the clean lines and report the totals. A line
//! that cannot be parsed is not lost: the transform's failure is caught per item and counted
//! as rejected, so one bad line does not fail the batch.
//!
//! `cargo run -p baton-sdk --example etl` prints the generated definition, then runs one batch
//! on the embedded engine. The tests include this file to check the definition and the runs.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use baton_sdk::{Catch, Clock, Engine, Flow, RunOutcome, Target, Task, TaskFailure, Workflow};
use baton_sdk::{map, pass};

/// How many lines are transformed at once (`MaxConcurrency`).
const TRANSFORMS_CONCURRENT_MAX: u64 = 4;
/// The error a line that does not parse fails its transform with.
const LINE_MALFORMED: &str = "Etl.LineMalformed";

/// The workflow's input: where the batch comes from.
#[derive(Debug, Deserialize)]
struct Source {
    lines: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Extracted {
    lines: Vec<String>,
}

/// One Map item: a raw line, `SKU,QUANTITY,UNIT PRICE`.
#[derive(Debug, Deserialize)]
struct Raw {
    line: String,
}

/// A transformed line; a rejected one keeps only the error that rejected it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum Line {
    Clean { sku: String, quantity: u64, cents: u64 },
    Rejected { rejected: Value },
}

#[derive(Debug, Deserialize)]
struct Transformed {
    lines: Vec<Line>,
}

#[derive(Debug, Serialize)]
struct Report {
    loaded: usize,
    rejected: usize,
    total_cents: u64,
}

async fn extract(source: Source) -> Result<Extracted, TaskFailure> {
    let lines = source.lines.into_iter().map(|line| line.trim().to_owned()).collect();
    Ok(Extracted { lines })
}

async fn transform(raw: Raw) -> Result<Line, TaskFailure> {
    let malformed = || TaskFailure::new(LINE_MALFORMED, format!("cannot parse {:?}", raw.line));
    let fields: Vec<&str> = raw.line.split(',').map(str::trim).collect();
    let [sku, quantity, price] = fields[..] else {
        return Err(malformed());
    };
    let quantity: u64 = quantity.parse().map_err(|_| malformed())?;
    let (units, hundredths) = price.split_once('.').unwrap_or((price, "0"));
    let units: u64 = units.parse().map_err(|_| malformed())?;
    let hundredths: u64 = format!("{hundredths:0<2}").parse().map_err(|_| malformed())?;
    Ok(Line::Clean {
        sku: sku.to_uppercase(),
        quantity,
        cents: quantity * (units * 100 + hundredths),
    })
}

async fn load(transformed: Transformed) -> Result<Report, TaskFailure> {
    let mut report = Report { loaded: 0, rejected: 0, total_cents: 0 };
    for line in transformed.lines {
        match line {
            Line::Clean { cents, .. } => {
                report.loaded += 1;
                report.total_cents += cents;
            }
            Line::Rejected { .. } => report.rejected += 1,
        }
    }
    Ok(report)
}

/// The ETL workflow.
pub(crate) fn workflow() -> Workflow {
    let extract = Task::new("extract", extract);
    let transform = Task::new("transform", transform);
    let load = Task::new("load", load);
    // A malformed line becomes `{"rejected": {"Error": ..., "Cause": ...}}` for `load` to count.
    let each_line = Flow::new().then(transform.step().catch(
        Catch::on([LINE_MALFORMED]).result_path("$.rejected"),
        Flow::new().then(pass("Reject line").parameters(json!({"rejected.$": "$.rejected"}))),
    ));
    Workflow::new(
        "etl",
        Flow::new()
            .then(&extract)
            .then(
                map("Transform lines", "$.lines", each_line)
                    .item_selector(json!({"line.$": "$$.Map.Item.Value"}))
                    .max_concurrency(TRANSFORMS_CONCURRENT_MAX)
                    .result_path("$.lines"),
            )
            .then(&load),
    )
    .comment("Extract order lines, transform each (at most 4 at once), load the clean ones.")
}

/// Runs one batch of `lines` on a fresh embedded engine with the virtual clock.
pub(crate) fn run(lines: &[&str]) -> Result<RunOutcome, Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let engine = Engine::embedded().with_clock(Clock::Virtual);
    Ok(runtime.block_on(engine.run(&workflow(), &json!({ "lines": lines })))?)
}

pub(crate) fn main() -> Result<(), Box<dyn std::error::Error>> {
    print!("{}", workflow().compile(&Target::local())?.to_text());
    let outcome = run(&["pen, 3, 1.50", "ink,2,4.25", "paper,many,2", "stapler,1,12"])?;
    let report = outcome.result.map_err(|failure| format!("the batch failed: {failure:?}"))?;
    println!("{report}");
    if report != json!({"loaded": 3, "rejected": 1, "total_cents": 2500}) {
        return Err(format!("unexpected report {report}").into());
    }
    Ok(())
}
