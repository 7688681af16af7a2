//! Benchmarks of payload templates: compiling one (done once per definition) and evaluating it
//! (done on every state entry), for a typical Task `Parameters` block and for a template with no
//! `.$` field at all.

use std::hint::black_box;

use baton_asl::intrinsic::Random;
use baton_asl::path::{NoVariables, Roots};
use baton_asl::template::Template;
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};

/// Randomness is not exercised by these templates; a fixed source keeps the bench deterministic.
struct FixedRandom;

impl Random for FixedRandom {
    fn next_u64(&mut self) -> u64 {
        0
    }

    fn uuid_v4(&mut self) -> uuid::Uuid {
        uuid::Uuid::nil()
    }
}

fn templates() -> [(&'static str, Value); 2] {
    [
        (
            "task_parameters",
            json!({
                "FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:process",
                "Payload": {
                    "orderId.$": "$.order.id",
                    "items.$": "$.order.items[*].sku",
                    "customer": {"name.$": "$.customer.name", "tier": "gold"},
                    "execution.$": "$$.Execution.Id",
                    "greeting.$": "States.Format('Hello {}, order {}', $.customer.name, $.order.id)",
                    "count.$": "States.ArrayLength($.order.items)"
                }
            }),
        ),
        (
            "constant",
            json!({"Bucket": "my-bucket", "Key": "data/input.json", "Options": {"Retries": 3, "Tags": ["a", "b"]}}),
        ),
    ]
}

fn template(criterion: &mut Criterion) {
    let input = json!({
        "order": {"id": "o-1234", "items": [{"sku": "a"}, {"sku": "b"}, {"sku": "c"}]},
        "customer": {"name": "Ada"},
    });
    let context =
        json!({"Execution": {"Id": "arn:aws:states:us-east-1:123456789012:execution:m:e"}});
    let roots = Roots { input: &input, context: &context, variables: &NoVariables };
    for (name, value) in templates() {
        criterion.bench_function(&format!("template/parse/{name}"), |bench| {
            bench.iter(|| Template::parse(black_box(&value)));
        });
        let compiled = Template::parse(&value).expect("benchmarked templates are valid");
        criterion.bench_function(&format!("template/evaluate/{name}"), |bench| {
            bench.iter(|| compiled.evaluate(black_box(&roots), &mut FixedRandom));
        });
    }
}

criterion_group!(benches, template);
criterion_main!(benches);
