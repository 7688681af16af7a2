//! The pizza example (`examples/pizza.rs`, included here as a module) checked two ways: its
//! generated definition against the checked-in `tests/expected/pizza.asl.json`, and runs on
//! the embedded engine with the virtual clock, compared event by event.
//!
//! Refresh the expected definition after an intended change with
//! `UPDATE_EXPECT=1 cargo test -p baton-sdk --test pizza`, then review the diff.

#[path = "../examples/pizza.rs"]
mod pizza;
mod support;

use std::fs;
use std::path::Path;

use serde_json::json;

use baton_sdk::Target;

/// The checked-in definition, relative to the crate.
const EXPECTED_DEFINITION: &str = "tests/expected/pizza.asl.json";

#[test]
fn definition_matches_the_checked_in_file() {
    let definition = pizza::workflow().compile(&Target::local()).expect("the pizza compiles");
    let text = definition.to_text();
    let again = pizza::workflow().compile(&Target::local()).expect("the pizza compiles");
    assert_eq!(again.to_text(), text, "compiling twice gives the same bytes");

    let options = baton_asl::Options { machine_type: baton_asl::MachineType::Standard };
    let (machine, diagnostics) = baton_asl::parse(&text, &options);
    assert!(diagnostics.is_empty(), "baton validate reports {diagnostics:?}");
    assert!(machine.is_some());
    assert_eq!(
        definition.activities().collect::<Vec<_>>(),
        ["make-dough", "prepare-ingredient", "assemble", "bake"]
    );

    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(EXPECTED_DEFINITION);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        fs::write(&path, &text).expect("write the expected definition");
        return;
    }
    let expected = fs::read_to_string(&path).unwrap_or_default();
    assert!(expected == text, "{EXPECTED_DEFINITION} differs (UPDATE_EXPECT=1 to accept):\n{text}");
}

#[test]
fn example_runs() {
    pizza::main().expect("the example serves its pizza");
}

#[test]
fn a_good_order_is_baked_and_served() {
    support::check(
        &pizza::workflow(),
        json!({"ingredients": ["tomato", "basil"], "oven_celsius": 250}),
        r#"
SUCCEEDED {"toppings":["sliced tomato","sliced basil"],"minutes":12}
+0 ExecutionStarted
+0 ParallelStateEntered Prepare
+0 ParallelStateStarted
+0 TaskStateEntered make-dough
+0 ActivityScheduled
+0 MapStateEntered Prepare ingredients
+0 MapStateStarted
+0 MapIterationStarted Prepare ingredients
+0 MapIterationStarted Prepare ingredients
+0 TaskStateEntered prepare-ingredient
+0 ActivityScheduled
+0 TaskStateEntered prepare-ingredient
+0 ActivityScheduled
+0 ActivityStarted
+0 ActivityStarted
+0 ActivityStarted
+0 ActivitySucceeded
+0 TaskStateExited make-dough
+0 ActivitySucceeded
+0 TaskStateExited prepare-ingredient
+0 MapIterationSucceeded Prepare ingredients
+0 ActivitySucceeded
+0 TaskStateExited prepare-ingredient
+0 MapIterationSucceeded Prepare ingredients
+0 MapStateSucceeded
+0 MapStateExited Prepare ingredients
+0 ParallelStateSucceeded
+0 ParallelStateExited Prepare
+0 WaitStateEntered Let the dough rise
+120000 WaitStateExited Let the dough rise
+120000 TaskStateEntered assemble
+120000 ActivityScheduled
+120000 ActivityStarted
+120000 ActivitySucceeded
+120000 TaskStateExited assemble
+120000 ChoiceStateEntered Acceptable?
+120000 ChoiceStateExited Acceptable?
+120000 TaskStateEntered bake
+120000 ActivityScheduled
+120000 ActivityStarted
+120000 ActivitySucceeded
+120000 TaskStateExited bake
+120000 SucceedStateEntered Serve
+120000 SucceedStateExited Serve
+120000 ExecutionSucceeded
"#,
    );
}

#[test]
fn a_cold_oven_is_retried_then_caught() {
    support::check(
        &pizza::workflow(),
        json!({"ingredients": ["mushroom"], "oven_celsius": 150}),
        r#"
SUCCEEDED {"toppings":["sliced mushroom"],"topping_count":1,"acceptable":true,"oven_celsius":150,"error":{"Error":"Oven.Cold","Cause":"the oven is at 150 °C; a pizza needs 220 °C"},"takeout":"the pizzeria next door"}
+0 ExecutionStarted
+0 ParallelStateEntered Prepare
+0 ParallelStateStarted
+0 TaskStateEntered make-dough
+0 ActivityScheduled
+0 MapStateEntered Prepare ingredients
+0 MapStateStarted
+0 MapIterationStarted Prepare ingredients
+0 TaskStateEntered prepare-ingredient
+0 ActivityScheduled
+0 ActivityStarted
+0 ActivityStarted
+0 ActivitySucceeded
+0 TaskStateExited make-dough
+0 ActivitySucceeded
+0 TaskStateExited prepare-ingredient
+0 MapIterationSucceeded Prepare ingredients
+0 MapStateSucceeded
+0 MapStateExited Prepare ingredients
+0 ParallelStateSucceeded
+0 ParallelStateExited Prepare
+0 WaitStateEntered Let the dough rise
+120000 WaitStateExited Let the dough rise
+120000 TaskStateEntered assemble
+120000 ActivityScheduled
+120000 ActivityStarted
+120000 ActivitySucceeded
+120000 TaskStateExited assemble
+120000 ChoiceStateEntered Acceptable?
+120000 ChoiceStateExited Acceptable?
+120000 TaskStateEntered bake
+120000 ActivityScheduled
+120000 ActivityStarted
+120000 ActivityFailed Oven.Cold
+150000 ActivityScheduled
+150000 ActivityStarted
+150000 ActivityFailed Oven.Cold
+210000 ActivityScheduled
+210000 ActivityStarted
+210000 ActivityFailed Oven.Cold
+210000 TaskStateExited bake
+210000 PassStateEntered Order takeout
+210000 PassStateExited Order takeout
+210000 SucceedStateEntered Serve
+210000 SucceedStateExited Serve
+210000 ExecutionSucceeded
"#,
    );
}

#[test]
fn an_unacceptable_pizza_is_rejected() {
    support::check(
        &pizza::workflow(),
        json!({"ingredients": ["pineapple"], "oven_celsius": 250}),
        r#"
Failed Pizza.Rejected: The kitchen does not bake this pizza.
+0 ExecutionStarted
+0 ParallelStateEntered Prepare
+0 ParallelStateStarted
+0 TaskStateEntered make-dough
+0 ActivityScheduled
+0 MapStateEntered Prepare ingredients
+0 MapStateStarted
+0 MapIterationStarted Prepare ingredients
+0 TaskStateEntered prepare-ingredient
+0 ActivityScheduled
+0 ActivityStarted
+0 ActivityStarted
+0 ActivitySucceeded
+0 TaskStateExited make-dough
+0 ActivitySucceeded
+0 TaskStateExited prepare-ingredient
+0 MapIterationSucceeded Prepare ingredients
+0 MapStateSucceeded
+0 MapStateExited Prepare ingredients
+0 ParallelStateSucceeded
+0 ParallelStateExited Prepare
+0 WaitStateEntered Let the dough rise
+120000 WaitStateExited Let the dough rise
+120000 TaskStateEntered assemble
+120000 ActivityScheduled
+120000 ActivityStarted
+120000 ActivitySucceeded
+120000 TaskStateExited assemble
+120000 ChoiceStateEntered Acceptable?
+120000 ChoiceStateExited Acceptable?
+120000 FailStateEntered Reject pizza
+120000 ExecutionFailed Pizza.Rejected
"#,
    );
}
