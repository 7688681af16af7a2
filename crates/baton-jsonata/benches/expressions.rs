//! Criterion benchmarks of evaluating the typical Step Functions expressions in
//! `benches/expressions.json`, each parsed once as a definition is. `cargo xtask bench-jsonata`
//! times the same cases beside the npm `jsonata` package; this bench is for Baton alone.

mod support;

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};

fn expressions(criterion: &mut Criterion) {
    let cases = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/expressions.json"));
    let suite = support::Suite::load(cases).expect("the case file loads");
    let bindings = suite.bindings();
    for case in &suite.cases {
        criterion.bench_function(&format!("jsonata/evaluate/{}", case.name), |bench| {
            bench.iter(|| case.expression.evaluate(black_box(&suite.input), &bindings));
        });
    }
    // The per-state cost when a state has one expression: binding `$states` and the variables,
    // then evaluating.
    let case = &suite.cases[0];
    criterion.bench_function(&format!("jsonata/bindings_and_evaluate/{}", case.name), |bench| {
        bench.iter(|| case.expression.evaluate(black_box(&suite.input), &suite.bindings()));
    });
}

criterion_group!(benches, expressions);
criterion_main!(benches);
