//! The embedded engine's overhead: a workflow of ten trivial typed handler steps run
//! in-process, on one core (a current-thread tokio runtime). Issue 6 asks for at least 100,000
//! runs a second, about 10 µs a run.
//!
//! `cargo bench -p baton-sdk --bench in_process`; runs per second are 1 / the time reported.
//! - `prepared`: `Engine::prepare` once, then `Prepared::run` per iteration (the fast path).
//! - `prepared_output`: `Prepared::output`, which builds no history events.
//! - `dev_loop`: `Engine::run`, which compiles and validates the workflow on every call.

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;

use baton_sdk::{Engine, Flow, Task, TaskFailure, Workflow};

/// How many handler steps the workflow runs.
const STEPS: usize = 10;

async fn increment(count: u64) -> Result<u64, TaskFailure> {
    Ok(count + 1)
}

fn ten_steps() -> Workflow {
    let flow = (0..STEPS)
        .fold(Flow::new(), |flow, index| flow.then(&Task::new(format!("step-{index}"), increment)));
    Workflow::new("ten-steps", flow)
}

fn in_process(criterion: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let workflow = ten_steps();
    let engine = Engine::embedded();
    let prepared = engine.prepare(&workflow).expect("the workflow compiles");
    let outcome = runtime.block_on(prepared.run(&0)).expect("the workflow runs");
    assert_eq!(outcome.result, Ok(json!(STEPS)));

    let mut group = criterion.benchmark_group("in_process");
    group.bench_function("prepared", |bencher| {
        bencher.iter(|| runtime.block_on(prepared.run(&0)).expect("the workflow runs"));
    });
    group.bench_function("prepared_output", |bencher| {
        bencher.iter(|| runtime.block_on(prepared.output(&0)).expect("the workflow runs"));
    });
    group.bench_function("dev_loop", |bencher| {
        bencher.iter(|| runtime.block_on(engine.run(&workflow, &0)).expect("the workflow runs"));
    });
    group.finish();
}

criterion_group!(benches, in_process);
criterion_main!(benches);
