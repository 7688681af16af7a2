//! Motiva's pizza workflow, written with the Baton SDK: make the dough while every ingredient
//! is prepared, let the dough rise for two minutes, check the pizza, then bake and serve it or
//! reject it. A cold oven is retried, and if it stays cold the customer gets takeout.
//!
//! `cargo run -p baton-sdk --example pizza` prints the generated definition, then runs one
//! order on the embedded engine. The engine uses the virtual clock, so the two minutes of
//! rising take no time. The tests include this file to check the definition and the runs.

use serde::{Deserialize, Serialize};
use serde_json::json;

use baton_sdk::condition::var;
use baton_sdk::{Catch, Clock, Delay, Engine, Flow, Retry, Target, Task, TaskFailure, Workflow};
use baton_sdk::{choice, fail, map, parallel, pass, succeed, wait};

/// The most toppings a pizza carries and still bakes through.
const TOPPINGS_MAX: u64 = 5;
/// The oven temperature a pizza needs.
const OVEN_CELSIUS_MIN: u32 = 220;
/// How long the dough rises.
const RISE_SECONDS: u64 = 120;
/// How many ingredients are prepared at once (there are only so many cooks).
const COOKS: u64 = 2;

/// The part of the order (the workflow's input) that `make-dough` reads.
#[derive(Debug, Deserialize)]
struct Order {
    ingredients: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Dough {
    grams: usize,
    kneaded: bool,
}

/// One Map item: the ingredient to prepare.
#[derive(Debug, Deserialize)]
struct Ingredient {
    ingredient: String,
}

/// The input of `assemble`: the order with what the Parallel step prepared.
#[derive(Debug, Deserialize)]
struct Prepared {
    oven_celsius: u32,
    prepared: Mise,
}

#[derive(Debug, Deserialize)]
struct Mise {
    dough: Dough,
    toppings: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Pizza {
    toppings: Vec<String>,
    topping_count: usize,
    acceptable: bool,
    oven_celsius: u32,
}

#[derive(Debug, Serialize)]
struct Baked {
    toppings: Vec<String>,
    minutes: u32,
}

async fn make_dough(order: Order) -> Result<Dough, TaskFailure> {
    // A bigger pizza needs more dough.
    Ok(Dough { grams: 250 + 20 * order.ingredients.len(), kneaded: true })
}

async fn prepare_ingredient(item: Ingredient) -> Result<String, TaskFailure> {
    Ok(format!("sliced {}", item.ingredient))
}

async fn assemble(prepared: Prepared) -> Result<Pizza, TaskFailure> {
    let toppings = prepared.prepared.toppings;
    // The kitchen's one rule about taste.
    let acceptable = prepared.prepared.dough.kneaded
        && !toppings.iter().any(|topping| topping.contains("pineapple"));
    Ok(Pizza {
        topping_count: toppings.len(),
        toppings,
        acceptable,
        oven_celsius: prepared.oven_celsius,
    })
}

async fn bake(pizza: Pizza) -> Result<Baked, TaskFailure> {
    if pizza.oven_celsius < OVEN_CELSIUS_MIN {
        let cause = format!(
            "the oven is at {} °C; a pizza needs {OVEN_CELSIUS_MIN} °C",
            pizza.oven_celsius
        );
        return Err(TaskFailure::new("Oven.Cold", cause));
    }
    Ok(Baked { toppings: pizza.toppings, minutes: 12 })
}

/// The pizza workflow.
pub(crate) fn workflow() -> Workflow {
    workflow_rising(RISE_SECONDS)
}

/// The pizza workflow with the dough rising for `rise_seconds` (tests against a server, which
/// waits in real time, let it rise for a second).
pub(crate) fn workflow_rising(rise_seconds: u64) -> Workflow {
    let make_dough = Task::new("make-dough", make_dough).timeout_seconds(300);
    let prepare_ingredient = Task::new("prepare-ingredient", prepare_ingredient);
    let assemble = Task::new("assemble", assemble);
    let bake = Task::new("bake", bake)
        .retry(Retry::on(["Oven.Cold"]).interval(30).max_attempts(2).backoff_rate(2.0))
        .catch(
            Catch::on(["Oven.Cold"]).result_path("$.error"),
            Flow::new().then(
                pass("Order takeout")
                    .result(json!("the pizzeria next door"))
                    .result_path("$.takeout"),
            ),
        )
        .timeout_seconds(900)
        .heartbeat_seconds(120);

    let prepare = parallel(
        "Prepare",
        [
            Flow::new().then(&make_dough),
            Flow::new().then(
                map("Prepare ingredients", "$.ingredients", Flow::new().then(&prepare_ingredient))
                    .item_selector(json!({"ingredient.$": "$$.Map.Item.Value"}))
                    .max_concurrency(COOKS),
            ),
        ],
    )
    .result_selector(json!({"dough.$": "$[0]", "toppings.$": "$[1]"}))
    .result_path("$.prepared");

    let acceptable =
        var("$.acceptable").equals(true) & var("$.topping_count").less_than_or_equal(TOPPINGS_MAX);
    Workflow::new(
        "pizza",
        Flow::new()
            .then(prepare)
            .then(wait("Let the dough rise", Delay::Seconds(rise_seconds)))
            .then(&assemble)
            .then(
                choice("Acceptable?").when(acceptable, Flow::new().then(&bake)).otherwise(
                    Flow::new().then(
                        fail("Reject pizza")
                            .error("Pizza.Rejected")
                            .cause("The kitchen does not bake this pizza."),
                    ),
                ),
            )
            .then(succeed("Serve")),
    )
    .comment("Motiva's pizza: dough and toppings in parallel, rise, check, bake.")
}

pub(crate) fn main() -> anyhow::Result<()> {
    let workflow = workflow();
    print!("{}", workflow.compile(&Target::local())?.to_text());
    let order = json!({"ingredients": ["tomato", "mozzarella", "basil"], "oven_celsius": 250});
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let engine = Engine::embedded().with_clock(Clock::Virtual);
    let outcome = runtime.block_on(engine.run(&workflow, &order))?;
    println!("states: {}", outcome.history.entered_states().join(" → "));
    match outcome.result {
        Ok(output) => println!("served: {output}"),
        Err(failure) => anyhow::bail!("the pizza failed: {failure:?}"),
    }
    Ok(())
}
