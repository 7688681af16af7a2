//! Benchmarks for whole executions through `simulate::run`: the sfnbench workloads that need no
//! tasks, so that the interpreter's own cost is all that is measured.
//!
//! - `w1_pass_chain`: 100 Pass states, each with Parameters and ResultPath, reported as states
//!   per second (criterion's element throughput, one element per state entered).
//! - `w3_map_fanout`: one inline Map (MaxConcurrency 1000), two Pass states per item, then a
//!   Pass that counts the results, reported as Map items per second.
//!
//! The definitions are read from ../shared/bench/workloads, the same files the npm peer runs in
//! `cargo xtask bench-interpreter`, with the inputs the sfnbench driver sends. Each benchmark
//! first checks the execution's output, so a fast wrong answer cannot pass for a fast one.

use std::hint::black_box;
use std::path::PathBuf;

use baton_asl::model::StateMachine;
use baton_asl::{MachineType, Options};
use baton_core::simulate::{self, Simulation, TaskAnswer};
use baton_core::{EventKind, Outcome, Start, TaskRequest};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};

/// The W3 Map size, as sfnbench and issue 3 use it. The run is an Express execution, so its
/// history (about 60,000 events) is not bound by the Standard 25,000-event limit.
const W3_ITEMS: usize = 10_000;

/// W3 runs for tens of milliseconds per execution; criterion's default of 100 samples would
/// spend minutes on it without making the estimate noticeably tighter.
const W3_SAMPLES: usize = 10;

fn workload(file: &str) -> StateMachine {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/bench/workloads")
        .join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("reading {}: {error}", path.display()));
    let (machine, diagnostics) =
        baton_asl::parse(&text, &Options { machine_type: MachineType::Standard });
    machine.unwrap_or_else(|| panic!("{file} is not a valid definition: {diagnostics:#?}"))
}

fn start(input: &Value) -> Start {
    Start {
        input: input.to_string(),
        execution_arn: "arn:aws:states:us-east-1:123456789012:execution:bench:run".to_owned(),
        execution_name: "run".to_owned(),
        state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:bench".to_owned(),
        state_machine_name: "bench".to_owned(),
        role_arn: "arn:aws:iam::123456789012:role/bench".to_owned(),
        region: "us-east-1".to_owned(),
        workflow_type: baton_core::WorkflowType::Express,
        record_history: true,
        seed: "bench".to_owned(),
        at: 1_700_000_000_000,
    }
}

/// Runs one execution; the workloads have no Task states, so no task is ever asked for.
fn run(machine: &StateMachine, start: Start) -> Simulation {
    let mut no_tasks = |request: &TaskRequest| -> TaskAnswer {
        panic!("the workload asked for task {}", request.state_name)
    };
    simulate::run(machine, start, &mut no_tasks).expect("the workload runs")
}

/// The execution's output, after checking that it succeeded.
fn output(simulation: &Simulation) -> Value {
    let Outcome::Succeeded { output } = &simulation.outcome else {
        panic!("the workload did not succeed: {:?}", simulation.outcome)
    };
    serde_json::from_str(output).expect("the output is JSON")
}

fn states_entered(simulation: &Simulation) -> usize {
    simulation
        .events
        .iter()
        .filter(|event| matches!(event.kind, EventKind::StateEntered { .. }))
        .count()
}

fn w1_pass_chain(criterion: &mut Criterion) {
    let machine = workload("w1_pass_chain.asl.json");
    let input = json!({"seed": "s0", "v": {"step": -1}});
    let first = run(&machine, start(&input));
    let result = output(&first);
    assert_eq!(result["v"]["step"], 99, "W1 output: {result}");
    assert_eq!(result["v"]["prev"], 98, "W1 output: {result}");
    let states = states_entered(&first);
    assert_eq!(states, 100, "W1 enters every Pass state once");

    let mut group = criterion.benchmark_group("interpreter");
    group.throughput(Throughput::Elements(states as u64));
    group.bench_function("w1_pass_chain", |bencher| {
        bencher.iter(|| run(black_box(&machine), start(black_box(&input))))
    });
    group.finish();
}

fn w3_map_fanout(criterion: &mut Criterion) {
    let machine = workload("w3_map_fanout.asl.json");
    let input = json!({"items": (0..W3_ITEMS).collect::<Vec<_>>()});
    let result = output(&run(&machine, start(&input)));
    assert_eq!(result["count"], W3_ITEMS, "W3 output: {result}");

    let mut group = criterion.benchmark_group("interpreter");
    group.sample_size(W3_SAMPLES);
    group.throughput(Throughput::Elements(W3_ITEMS as u64));
    group.bench_function("w3_map_fanout", |bencher| {
        bencher.iter(|| run(black_box(&machine), start(black_box(&input))))
    });
    group.finish();
}

criterion_group!(benches, w1_pass_chain, w3_map_fanout);
criterion_main!(benches);
