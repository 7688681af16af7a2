//! Interceptors around handlers on the embedded engine: `check` runs a workflow on an engine
//! with a stack of interceptors that write what they see into one log, and compares the
//! outcome and the log with the expectation.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use baton_sdk::interceptor::{Call, Interceptor};
use baton_sdk::{Catch, Clock, Engine, Flow, Retry, Task, TaskFailure, Workflow, pass};

/// What the interceptors of one case saw, one line an event.
type Log = Arc<Mutex<Vec<String>>>;

fn write(log: &Log, line: String) {
    log.lock().unwrap_or_else(PoisonError::into_inner).push(line);
}

/// Logs every hook under its own name, and fails `before` for the tasks it is told to refuse.
struct Logger {
    name: &'static str,
    log: Log,
    refuse: Option<&'static str>,
}

impl Interceptor for Logger {
    fn before(&self, call: &Call<'_>, input: Value) -> Result<Value, TaskFailure> {
        write(&self.log, format!("{} before {} {input}", self.name, call.task));
        if self.refuse == Some(call.task) {
            return Err(TaskFailure::new("Policy.Refused", format!("{} refuses", self.name)));
        }
        Ok(input)
    }

    fn after(&self, call: &Call<'_>, output: Value) -> Result<Value, TaskFailure> {
        write(&self.log, format!("{} after {} {output}", self.name, call.task));
        Ok(output)
    }

    fn on_error(&self, call: &Call<'_>, failure: &TaskFailure) {
        write(&self.log, format!("{} on_error {} {}", self.name, call.task, failure.error));
    }
}

/// Counts calls and failures, as a metrics exporter would, and logs the totals on each.
struct Metrics {
    calls: AtomicU64,
    failures: AtomicU64,
    log: Log,
}

impl Interceptor for Metrics {
    fn before(&self, _call: &Call<'_>, input: Value) -> Result<Value, TaskFailure> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        Ok(input)
    }

    fn after(&self, call: &Call<'_>, output: Value) -> Result<Value, TaskFailure> {
        self.report(call);
        Ok(output)
    }

    fn on_error(&self, call: &Call<'_>, _failure: &TaskFailure) {
        self.failures.fetch_add(1, Ordering::Relaxed);
        self.report(call);
    }
}

impl Metrics {
    fn report(&self, call: &Call<'_>) {
        let calls = self.calls.load(Ordering::Relaxed);
        let failures = self.failures.load(Ordering::Relaxed);
        write(&self.log, format!("metrics {}: calls={calls} failures={failures}", call.task));
    }
}

/// Adds the tenant to every object input, so handlers can require it in their typed input.
struct Tenant(&'static str);

impl Interceptor for Tenant {
    fn before(&self, _call: &Call<'_>, mut input: Value) -> Result<Value, TaskFailure> {
        if let Value::Object(fields) = &mut input {
            fields.insert("tenant".to_owned(), json!(self.0));
        }
        Ok(input)
    }
}

/// Replaces every output by `{"wrapped": output}`.
struct Wrap;

impl Interceptor for Wrap {
    fn after(&self, _call: &Call<'_>, output: Value) -> Result<Value, TaskFailure> {
        Ok(json!({ "wrapped": output }))
    }
}

/// Which interceptors a case stacks, outermost first.
enum Layer {
    Logger(&'static str),
    Refusing(&'static str, &'static str),
    Metrics,
    Tenant(&'static str),
    Wrap,
}

#[derive(Deserialize)]
struct Order {
    id: u32,
    tenant: Option<String>,
}

#[derive(Serialize)]
struct Invoice {
    id: u32,
    tenant: String,
}

async fn invoice(order: Order) -> Result<Invoice, TaskFailure> {
    let tenant = order.tenant.ok_or_else(|| TaskFailure::new("Invoice.NoTenant", "no tenant"))?;
    Ok(Invoice { id: order.id, tenant })
}

#[derive(Deserialize)]
struct Attempt {
    id: u32,
}

async fn flaky(attempt: Attempt) -> Result<u32, TaskFailure> {
    Err(TaskFailure::new("Flaky.Down", format!("order {} cannot be served", attempt.id)))
}

fn invoicing() -> Workflow {
    Workflow::new("invoicing", Flow::new().then(&Task::new("invoice", invoice)))
}

/// A task that always fails, retried once, its failure caught by a Pass.
fn retried() -> Workflow {
    let flaky = Task::new("flaky", flaky)
        .retry(Retry::on(["Flaky.Down"]).interval(1).max_attempts(1))
        .catch(Catch::all().result_path("$.error"), Flow::new().then(pass("Gave up")));
    Workflow::new("retried", Flow::new().then(&flaky))
}

/// Runs `workflow` on `input` on an engine with `layers` (outermost first) and compares the
/// outcome and the log with `expect`.
fn check(layers: &[Layer], workflow: &Workflow, input: Value, expect: &str) {
    let log = Log::default();
    let mut engine = Engine::embedded().with_clock(Clock::Virtual);
    for layer in layers {
        engine = match *layer {
            Layer::Logger(name) => {
                engine.intercept(Logger { name, log: log.clone(), refuse: None })
            }
            Layer::Refusing(name, task) => {
                engine.intercept(Logger { name, log: log.clone(), refuse: Some(task) })
            }
            Layer::Metrics => engine.intercept(Metrics {
                calls: AtomicU64::new(0),
                failures: AtomicU64::new(0),
                log: log.clone(),
            }),
            Layer::Tenant(tenant) => engine.intercept(Tenant(tenant)),
            Layer::Wrap => engine.intercept(Wrap),
        };
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let outcome = runtime.block_on(engine.run(workflow, &input)).expect("the workflow runs");
    let mut lines = vec![match outcome.result {
        Ok(output) => format!("SUCCEEDED {output}"),
        Err(failure) => format!("{:?} {}", failure.status, failure.error.unwrap_or_default()),
    }];
    lines.extend(log.lock().unwrap_or_else(PoisonError::into_inner).iter().cloned());
    let actual = lines.join("\n");
    assert!(actual == expect.trim(), "the run differs; it was:\n{actual}");
}

#[test]
fn hooks_run_in_onion_order_around_the_handler() {
    check(
        &[Layer::Logger("outer"), Layer::Logger("inner")],
        &invoicing(),
        json!({"id": 7, "tenant": "acme"}),
        r#"
SUCCEEDED {"id":7,"tenant":"acme"}
outer before invoice {"id":7,"tenant":"acme"}
inner before invoice {"id":7,"tenant":"acme"}
inner after invoice {"id":7,"tenant":"acme"}
outer after invoice {"id":7,"tenant":"acme"}
"#,
    );
}

#[test]
fn before_decorates_the_input_the_typed_handler_gets() {
    check(
        &[Layer::Tenant("acme"), Layer::Logger("log")],
        &invoicing(),
        json!({"id": 7}),
        r#"
SUCCEEDED {"id":7,"tenant":"acme"}
log before invoice {"id":7,"tenant":"acme"}
log after invoice {"id":7,"tenant":"acme"}
"#,
    );
    // Without the decoration the handler fails for want of a tenant.
    check(
        &[Layer::Logger("log")],
        &invoicing(),
        json!({"id": 7}),
        r#"
Failed Invoice.NoTenant
log before invoice {"id":7}
log on_error invoice Invoice.NoTenant
"#,
    );
}

#[test]
fn after_replaces_the_output_and_outer_layers_see_the_replacement() {
    check(
        &[Layer::Logger("outer"), Layer::Wrap],
        &invoicing(),
        json!({"id": 1, "tenant": "acme"}),
        r#"
SUCCEEDED {"wrapped":{"id":1,"tenant":"acme"}}
outer before invoice {"id":1,"tenant":"acme"}
outer after invoice {"wrapped":{"id":1,"tenant":"acme"}}
"#,
    );
}

#[test]
fn on_error_sees_each_failed_attempt_and_metrics_count_them() {
    check(
        &[Layer::Metrics, Layer::Logger("log")],
        &retried(),
        json!({"id": 3}),
        r#"
SUCCEEDED {"id":3,"error":{"Error":"Flaky.Down","Cause":"order 3 cannot be served"}}
log before flaky {"id":3}
log on_error flaky Flaky.Down
metrics flaky: calls=1 failures=1
log before flaky {"id":3}
log on_error flaky Flaky.Down
metrics flaky: calls=2 failures=2
"#,
    );
}

#[test]
fn a_refusing_before_fails_the_task_without_running_inner_layers() {
    check(
        &[Layer::Logger("outer"), Layer::Refusing("guard", "invoice"), Layer::Logger("inner")],
        &invoicing(),
        json!({"id": 7, "tenant": "acme"}),
        r#"
Failed Policy.Refused
outer before invoice {"id":7,"tenant":"acme"}
guard before invoice {"id":7,"tenant":"acme"}
outer on_error invoice Policy.Refused
"#,
    );
}
