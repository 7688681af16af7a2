//! Times every case of `benches/expressions.json` the way `cargo xtask bench-jsonata` times the
//! npm `jsonata` package on the same file, and prints the figures as JSON.
//!
//! Usage: `bench_expressions CASES.json WARMUP_MS SAMPLE_MS SAMPLES`.
//!
//! Each expression is parsed once (as Baton parses a definition once), warmed up, then timed in
//! `SAMPLES` samples of about `SAMPLE_MS` each; a sample's figure is its wall time over the
//! evaluations it ran. Evaluations run in batches sized during the warm-up to take about a
//! millisecond, so reading the clock costs nothing measurable. The node driver in
//! xtask/assets/bench_jsonata.js uses the same method. Two figures per case:
//! - `evaluate`: `Expression::evaluate` with the state's `Bindings` built once, as an engine
//!   evaluates several fields of one state against one `$states`;
//! - `bindings_and_evaluate`: `Bindings::new` (with the workflow variables) and one evaluation,
//!   the whole cost when a state has a single expression.

#[path = "../benches/support/mod.rs"]
mod support;

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A batch of evaluations should take at least this long, so that the two clock reads around
/// it are a negligible part of it.
const BATCH_DURATION_MIN: Duration = Duration::from_millis(1);

fn main() -> Result<(), String> {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let [cases, warmup_ms, sample_ms, samples] = arguments.as_slice() else {
        return Err("usage: bench_expressions CASES.json WARMUP_MS SAMPLE_MS SAMPLES".to_owned());
    };
    let number = |text: &str| {
        text.parse::<u64>().map_err(|error| format!("`{text}` is not a count: {error}"))
    };
    let timing = Timing {
        warmup: Duration::from_millis(number(warmup_ms)?),
        sample: Duration::from_millis(number(sample_ms)?),
        samples: usize::try_from(number(samples)?).map_err(|error| error.to_string())?,
    };
    if timing.samples == 0 {
        return Err("SAMPLES must be at least 1".to_owned());
    }
    let suite = support::Suite::load(Path::new(cases))?;
    let bindings = suite.bindings();
    let mut report = Vec::new();
    for case in &suite.cases {
        let result = case
            .expression
            .evaluate(&suite.input, &bindings)
            .map_err(|error| format!("case {} fails: {error}", case.name))?;
        let evaluate = timing.measure(|| {
            black_box(case.expression.evaluate(black_box(&suite.input), &bindings)).is_ok()
        });
        let bindings_and_evaluate = timing.measure(|| {
            let bindings = suite.bindings();
            black_box(case.expression.evaluate(black_box(&suite.input), &bindings)).is_ok()
        });
        let mut entry = json!({
            "name": case.name,
            "evaluate_ns": median(&evaluate),
            "evaluate_samples_ns": evaluate,
            "bindings_and_evaluate_ns": median(&bindings_and_evaluate),
            "bindings_and_evaluate_samples_ns": bindings_and_evaluate,
        });
        // JSONata's `undefined` has no JSON form: the key is left out, as the node side does.
        if let Some(result) = result {
            entry["result"] = result;
        }
        report.push(entry);
    }
    println!("{}", json!({ "cases": report }));
    Ok(())
}

/// How long to warm up and to sample each measurement.
struct Timing {
    warmup: Duration,
    sample: Duration,
    samples: usize,
}

impl Timing {
    /// Nanoseconds per call of `call` in each sample. `call` returns whether it succeeded, and a
    /// failure ends the benchmark: an error path would be timed instead of the evaluation.
    fn measure(&self, mut call: impl FnMut() -> bool) -> Vec<f64> {
        let mut run_batch = |size: u64| {
            for _ in 0..size {
                assert!(call(), "an evaluation failed while being timed");
            }
        };
        let mut batch = 1_u64;
        let warmup_start = Instant::now();
        while warmup_start.elapsed() < self.warmup {
            let start = Instant::now();
            run_batch(batch);
            if start.elapsed() < BATCH_DURATION_MIN {
                batch *= 2;
            }
        }
        (0..self.samples)
            .map(|_| {
                let start = Instant::now();
                let mut calls = 0_u64;
                while start.elapsed() < self.sample || calls == 0 {
                    run_batch(batch);
                    calls += batch;
                }
                start.elapsed().as_nanos() as f64 / calls as f64
            })
            .collect()
    }
}

fn median(values: &[f64]) -> Value {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    let median = if sorted.len().is_multiple_of(2) {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    } else {
        sorted[middle]
    };
    json!(median)
}
