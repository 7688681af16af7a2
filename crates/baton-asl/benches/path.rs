//! Benchmarks of JSONPath: parsing (done once per definition) and evaluating (done on every
//! state entry) for typical paths on a medium document: plain names, an index, a deep scan
//! and a filter.

use std::hint::black_box;

use baton_asl::path::{NoVariables, Path, Roots};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};

const PATHS: [(&str, &str); 4] = [
    ("names", "$.a.b.c"),
    ("index", "$.items[0].id"),
    ("scan", "$..price"),
    ("filter", "$.items[?(@.price < 10 && @.tags anyof ['sale'])].id"),
];

/// About 20 KB of JSON: a small nested object and 100 items.
fn document() -> Value {
    let items: Vec<Value> = (0..100)
        .map(|index| {
            json!({
                "id": format!("item-{index}"),
                "price": index % 20,
                "tags": if index % 3 == 0 { json!(["sale", "new"]) } else { json!(["new"]) },
                "details": {"weight": index, "color": "red", "sizes": [1, 2, 3]},
            })
        })
        .collect();
    json!({"a": {"b": {"c": 42}}, "items": items, "meta": {"count": 100, "source": "bench"}})
}

fn path(criterion: &mut Criterion) {
    let input = document();
    let context = json!({});
    let roots = Roots { input: &input, context: &context, variables: &NoVariables };
    for (name, text) in PATHS {
        criterion.bench_function(&format!("path/parse/{name}"), |bench| {
            bench.iter(|| Path::parse(black_box(text)));
        });
        let path = Path::parse(text).expect("benchmarked paths are valid");
        criterion.bench_function(&format!("path/evaluate/{name}"), |bench| {
            bench.iter(|| path.evaluate(black_box(&roots)));
        });
    }
}

criterion_group!(benches, path);
criterion_main!(benches);
