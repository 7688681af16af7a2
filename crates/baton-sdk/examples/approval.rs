//! A human approval with a task token: an expense waits for an approver, who approves or
//! rejects it later by its token; an approved expense is paid, a rejected one fails with the
//! approver's reason.
//!
//! The `ask-approver` step is a callback task (`Task::callback`: a `.waitForTaskToken` call):
//! its handler only puts the request and its token in the approver's inbox, and the step waits
//! until the approver answers through the engine's `TaskTokens` (on AWS or `baton serve`, the
//! approver would call `SendTaskSuccess`/`SendTaskFailure` with the token instead).
//!
//! `cargo run -p baton-sdk --example approval` prints the generated definition, then runs two
//! expenses on the embedded engine: one the approver approves and one it rejects. The tests
//! include this file to check both outcomes.

use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::mpsc;

use baton_sdk::{Callback, Catch, Clock, Engine, Flow, RunOutcome, Target, Task, TaskFailure};
use baton_sdk::{TaskTokens, Workflow, fail};

/// The largest expense, in cents, that the approver accepts.
const APPROVAL_CENTS_MAX: u64 = 50_000;
/// The error an approver's rejection fails the waiting step with.
const REJECTED: &str = "Approval.Rejected";
/// How long an expense waits for its approver before the step times out.
const APPROVAL_SECONDS_MAX: u64 = 7 * 24 * 3600;

/// The workflow's input.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Expense {
    id: String,
    cents: u64,
}

/// What the approver sends back with the token when it approves.
#[derive(Debug, Serialize, Deserialize)]
struct Approval {
    approver: String,
}

/// The input of `pay`: the expense with the approval at `$.approval`.
#[derive(Debug, Deserialize)]
struct Approved {
    id: String,
    cents: u64,
    approval: Approval,
}

#[derive(Debug, Serialize)]
struct Payment {
    id: String,
    cents: u64,
    approved_by: String,
}

/// The approver's inbox: each expense waiting for a decision, with the token that answers it.
pub(crate) type Inbox = mpsc::UnboundedSender<Callback<Expense>>;

async fn pay(approved: Approved) -> Result<Payment, TaskFailure> {
    Ok(Payment { id: approved.id, cents: approved.cents, approved_by: approved.approval.approver })
}

/// The workflow: ask the approver, wait for the answer, pay or fail.
pub(crate) fn workflow(inbox: Inbox) -> Workflow {
    let ask =
        Task::callback("ask-approver", move |request: Callback<Expense>| {
            let sent = inbox.send(request);
            async move {
                sent.map_err(|_| TaskFailure::new("Approval.NoApprover", "the approver has left"))
            }
        })
        .timeout_seconds(APPROVAL_SECONDS_MAX);
    let pay = Task::new("pay", pay);
    Workflow::new(
        "approval",
        Flow::new()
            .then(ask.step().result_path("$.approval").catch(
                Catch::on([REJECTED]),
                Flow::new().then(fail("Rejected").error("Expense.Rejected")),
            ))
            .then(&pay),
    )
    .comment("Pay an expense once a person approves it by its task token.")
}

/// The approver: takes one request from its inbox and answers it by its token, approving
/// expenses up to the limit and rejecting the rest.
pub(crate) async fn approver(
    inbox: &mut mpsc::UnboundedReceiver<Callback<Expense>>,
    tokens: &TaskTokens,
) -> Result<(), Box<dyn std::error::Error>> {
    let request = inbox.recv().await.ok_or("the workflow never asked")?;
    let expense = &request.input;
    if expense.cents <= APPROVAL_CENTS_MAX {
        tokens.succeed(&request.token, &Approval { approver: "grace".to_owned() }).await?;
    } else {
        let reason = format!("{} cents is over the limit of {APPROVAL_CENTS_MAX}", expense.cents);
        tokens.fail(&request.token, REJECTED, &reason).await?;
    }
    Ok(())
}

/// Runs `expense` through the workflow on a fresh embedded engine with the virtual clock, the
/// approver answering beside it.
pub(crate) fn run(id: &str, cents: u64) -> Result<RunOutcome, Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let engine = Engine::embedded().with_clock(Clock::Virtual);
    let tokens = engine.task_tokens();
    let (inbox, mut requests) = mpsc::unbounded_channel();
    let workflow = workflow(inbox);
    let expense = Expense { id: id.to_owned(), cents };
    let (outcome, answered) = runtime.block_on(async {
        tokio::join!(engine.run(&workflow, &expense), approver(&mut requests, &tokens))
    });
    answered?;
    Ok(outcome?)
}

pub(crate) fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (inbox, _requests) = mpsc::unbounded_channel();
    print!("{}", workflow(inbox).compile(&Target::local())?.to_text());
    let approved = run("lunch", 4_200)?;
    println!("lunch: {:?}", approved.result);
    if approved.result != Ok(json!({"id": "lunch", "cents": 4200, "approved_by": "grace"})) {
        return Err("the lunch was not paid".into());
    }
    let rejected = run("yacht", 90_000_000)?;
    println!("yacht: {:?}", rejected.result);
    if rejected.result.as_ref().err().and_then(|failure| failure.error.as_deref())
        != Some("Expense.Rejected")
    {
        return Err("the yacht was not rejected".into());
    }
    Ok(())
}
