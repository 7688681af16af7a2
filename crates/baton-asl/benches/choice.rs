//! Benchmarks for Choice rule evaluation: the shapes real state machines use (a numeric range
//! under `And`, a guarded string comparison, a wildcard match, a timestamp comparison).

use std::hint::black_box;

use baton_asl::choice;
use baton_asl::model::{Comparison, ComparisonOperator, Condition, Operand};
use baton_asl::path::{NoVariables, Path, Roots};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;

fn comparison(variable: &str, operator: ComparisonOperator, operand: Operand) -> Condition {
    Condition::Comparison(Comparison {
        variable: Path::parse(variable).expect("benchmark paths are valid"),
        operator,
        operand,
    })
}

fn rules() -> Vec<(&'static str, Condition)> {
    use ComparisonOperator as O;
    vec![
        (
            "numeric_range",
            Condition::And(vec![
                comparison("$.value", O::NumericGreaterThanEquals, Operand::Number(20.0)),
                comparison("$.value", O::NumericLessThan, Operand::Number(30.0)),
            ]),
        ),
        (
            "guarded_string",
            Condition::And(vec![
                comparison("$.order.status", O::IsPresent, Operand::Boolean(true)),
                Condition::Not(Box::new(comparison(
                    "$.order.status",
                    O::StringEquals,
                    Operand::String("cancelled".to_owned()),
                ))),
            ]),
        ),
        (
            "string_matches",
            comparison("$.file", O::StringMatches, Operand::String("log-*-prod-*.txt".to_owned())),
        ),
        (
            "timestamp_path",
            comparison(
                "$.order.created",
                O::TimestampLessThan,
                Operand::Path(Path::parse("$.deadline").expect("a valid path")),
            ),
        ),
    ]
}

fn bench_choice(criterion: &mut Criterion) {
    let input = json!({
        "value": 22,
        "file": "log-2024-06-01-prod-eu-west-1.txt",
        "deadline": "2024-06-02T00:00:00Z",
        "order": {"status": "shipped", "created": "2024-06-01T12:30:00.250+02:00"},
    });
    let context = json!({"Execution": {"Input": input.clone()}});
    let roots = Roots { input: &input, context: &context, variables: &NoVariables };
    let mut group = criterion.benchmark_group("choice");
    for (name, rule) in rules() {
        assert_eq!(choice::evaluate(&rule, &roots), Ok(true), "{name} holds for the input");
        group.bench_function(name, |bencher| {
            bencher.iter(|| choice::evaluate(black_box(&rule), black_box(&roots)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_choice);
criterion_main!(benches);
