//! Benchmarks of intrinsic functions: parsing a call (done once per definition) and evaluating
//! it (done on every state entry), for the functions payload templates use most.

use std::hint::black_box;

use baton_asl::intrinsic::{Call, Random};
use baton_asl::path::{NoVariables, Roots};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;

/// Randomness is not exercised by these calls; a fixed source keeps the bench deterministic.
struct FixedRandom;

impl Random for FixedRandom {
    fn next_u64(&mut self) -> u64 {
        0
    }

    fn uuid_v4(&mut self) -> uuid::Uuid {
        uuid::Uuid::nil()
    }
}

const CALLS: [(&str, &str); 4] = [
    (
        "format",
        "States.Format('Hello {}, your order {} ships on {}.', $.name, $.order.id, $$.Execution.StartTime)",
    ),
    ("array", "States.Array($.name, $.order.id, 'literal', 42, States.Array($.order.items[0]))"),
    ("hash", "States.Hash($.order.note, 'SHA-256')"),
    ("math_add", "States.MathAdd($.order.count, -1)"),
];

fn intrinsic(criterion: &mut Criterion) {
    let input = json!({
        "name": "Ada",
        "order": {"id": "o-1234", "count": 7, "items": [{"sku": "a"}, {"sku": "b"}], "note": "x".repeat(200)},
    });
    let context = json!({"Execution": {"StartTime": "2024-01-01T00:00:00Z"}});
    let roots = Roots { input: &input, context: &context, variables: &NoVariables };
    for (name, text) in CALLS {
        criterion.bench_function(&format!("intrinsic/parse/{name}"), |bench| {
            bench.iter(|| Call::parse(black_box(text)));
        });
        let call = Call::parse(text).expect("benchmarked calls are valid");
        criterion.bench_function(&format!("intrinsic/evaluate/{name}"), |bench| {
            bench.iter(|| call.evaluate(black_box(&roots), &mut FixedRandom));
        });
    }
}

criterion_group!(benches, intrinsic);
criterion_main!(benches);
