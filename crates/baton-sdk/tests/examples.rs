//! The ETL and approval examples (`examples/etl.rs`, `examples/approval.rs`, included here as
//! modules) run through the same builder functions their `main` uses: `check` compares a run's
//! result and the states it entered with the expectation, and each example's definition must
//! validate as `baton validate` would.

#[path = "../examples/approval.rs"]
mod approval;
#[path = "../examples/etl.rs"]
mod etl;

use baton_sdk::{RunOutcome, Target, Workflow};

/// Compares `outcome`'s result and the states it entered, one a line, with `expect`.
fn check(outcome: &RunOutcome, expect: &str) {
    let mut lines = vec![match &outcome.result {
        Ok(output) => format!("SUCCEEDED {output}"),
        Err(failure) => format!(
            "{:?} {}: {}",
            failure.status,
            failure.error.as_deref().unwrap_or("-"),
            failure.cause.as_deref().unwrap_or("-")
        ),
    }];
    lines.extend(outcome.history.entered_states().into_iter().map(str::to_owned));
    let actual = lines.join("\n");
    assert!(actual == expect.trim(), "the run differs; it was:\n{actual}");
}

/// `workflow` compiles to a definition that validates without any diagnostic.
fn validates(workflow: &Workflow) {
    let definition = workflow.compile(&Target::local()).expect("the example compiles");
    let options = baton_asl::Options { machine_type: baton_asl::MachineType::Standard };
    let (machine, diagnostics) = baton_asl::parse(&definition.to_text(), &options);
    assert!(diagnostics.is_empty(), "baton validate reports {diagnostics:?}");
    assert!(machine.is_some());
}

#[test]
fn etl_loads_clean_lines_and_counts_rejected_ones() {
    validates(&etl::workflow());
    let outcome = etl::run(&["pen, 3, 1.50", "ink,2,4.25", "paper,many,2", "stapler,1,12"])
        .expect("the batch runs");
    check(
        &outcome,
        r#"
SUCCEEDED {"loaded":3,"rejected":1,"total_cents":2500}
extract
Transform lines
transform
transform
transform
transform
Reject line
load
"#,
    );
}

#[test]
fn etl_of_an_empty_batch_loads_nothing() {
    check(
        &etl::run(&[]).expect("the batch runs"),
        r#"
SUCCEEDED {"loaded":0,"rejected":0,"total_cents":0}
extract
Transform lines
load
"#,
    );
}

#[test]
fn etl_limits_the_map_concurrency() {
    let definition = etl::workflow().compile(&Target::local()).expect("the example compiles");
    assert_eq!(definition.json()["States"]["Transform lines"]["MaxConcurrency"], 4);
}

#[test]
fn approval_pays_an_approved_expense() {
    let (inbox, _requests) = tokio::sync::mpsc::unbounded_channel();
    validates(&approval::workflow(inbox));
    check(
        &approval::run("lunch", 4_200).expect("the expense runs"),
        r#"
SUCCEEDED {"id":"lunch","cents":4200,"approved_by":"grace"}
ask-approver
pay
"#,
    );
}

#[test]
fn approval_fails_a_rejected_expense_with_the_approvers_reason_caught() {
    check(
        &approval::run("yacht", 90_000_000).expect("the expense runs"),
        r#"
Failed Expense.Rejected: -
ask-approver
Rejected
"#,
    );
}

#[test]
fn approval_step_is_a_wait_for_task_token_lambda_call() {
    let (inbox, _requests) = tokio::sync::mpsc::unbounded_channel();
    let definition =
        approval::workflow(inbox).compile(&Target::local()).expect("the example compiles");
    let state = &definition.json()["States"]["ask-approver"];
    assert_eq!(state["Resource"], "arn:aws:states:::lambda:invoke.waitForTaskToken");
    assert_eq!(
        state["Parameters"],
        serde_json::json!({
            "FunctionName": "ask-approver",
            "Payload": {"input.$": "$", "token.$": "$$.Task.Token"}
        })
    );
    assert_eq!(definition.activities().collect::<Vec<_>>(), ["pay"]);
}

#[test]
fn examples_run() {
    etl::main().expect("the ETL example runs");
    approval::main().expect("the approval example runs");
}
