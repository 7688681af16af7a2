//! RedriveExecution, and whether an execution can be redriven (DescribeExecution's
//! `redriveStatus` and `redriveStatusReason`).
//!
//! A Standard execution that failed, timed out or was aborted runs again from where it stopped
//! (see `baton_core::Input::Redrive`), with the same ARN, definition revision and input; its
//! history goes on after `ExecutionRedriven`. The store's record counts the redrives, which
//! DescribeExecution and ListExecutions show and ListExecutions' `redriveFilter` selects by.

use serde_json::{Value, json};

use baton_core::Millis;
use baton_store::{ExecutionRecord, ExecutionStatus, StateMachineStatus};

use super::runs::{self, Redrive};
use super::{Request, check_arn, optional_str, required, seconds, too_long};
use crate::{Error, Handle};

/// An execution can be redriven for 14 days after it stopped.
const REDRIVABLE_PERIOD_MILLIS: Millis = 14 * 24 * 60 * 60 * 1000;
/// An execution that started more than a year ago (AWS's longest execution) cannot be.
const EXECUTION_OPEN_MILLIS_MAX: Millis = 365 * 24 * 60 * 60 * 1000;
/// Nor can one whose history holds this many events: a redrive needs room for more.
const REDRIVE_HISTORY_EVENTS_MAX: u64 = 24_999;
/// `clientToken`'s longest length; its characters are printable ASCII without the space.
const CLIENT_TOKEN_CHARS_MAX: usize = 64;

pub(super) async fn redrive_execution(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let arn = required(request, "executionArn")?;
    check_arn(arn, &["execution"])?;
    let token = optional_str(request, "clientToken")?;
    if let Some(token) = token {
        check_client_token(token)?;
    }
    let now = baton_runtime::now_millis();
    let redrivable = |record: &ExecutionRecord| match not_redrivable(handle, record, now)? {
        Some(reason) => Err(Error::ExecutionNotRedrivable(reason)),
        None => Ok(()),
    };
    // The same token again answers as the redrive it made, without redriving twice.
    let recorded = match runs::redrive(handle, arn, now, token, redrivable).await? {
        Redrive::Repeated(redriven) => return Ok(json!({ "redriveDate": seconds(redriven) })),
        Redrive::Begun(recorded) => recorded,
    };
    if recorded.await.is_err() {
        // The run ended before its redrive was durable: the store failed, or the interpreter
        // refused the redrive (the run recorded nothing then).
        let redriven = handle.store().execution(arn)?.and_then(|record| record.redriven);
        if redriven.is_none_or(|redriven| redriven.date_millis != now) {
            if let Some(token) = token {
                handle.live().forget_redrive_token(arn, token);
            }
            return Err(Error::Internal(format!("execution {arn} could not be redriven")));
        }
    }
    Ok(json!({ "redriveDate": seconds(now) }))
}

/// Why `record` cannot be redriven at `now`, in AWS's words (its `redriveStatusReason`), or
/// `None` if it can.
pub(super) fn not_redrivable(
    handle: &Handle,
    record: &ExecutionRecord,
    now: Millis,
) -> Result<Option<String>, Error> {
    let status = record.status;
    match status {
        ExecutionStatus::Running | ExecutionStatus::Succeeded | ExecutionStatus::PendingRedrive => {
            return Ok(Some(format!("Execution is {status} and cannot be redriven")));
        }
        ExecutionStatus::Failed | ExecutionStatus::TimedOut | ExecutionStatus::Aborted => {}
    }
    let machine = handle.store().state_machine(&record.state_machine_arn)?;
    if machine.is_none_or(|machine| machine.status == StateMachineStatus::Deleting) {
        return Ok(Some("State machine is in DELETING status".to_owned()));
    }
    if record.next_event_id.saturating_sub(1) >= REDRIVE_HISTORY_EVENTS_MAX {
        return Ok(Some("Execution history event limit exceeded".to_owned()));
    }
    if now.saturating_sub(record.start_date_millis) > EXECUTION_OPEN_MILLIS_MAX {
        return Ok(Some("Execution has exceeded the max execution time".to_owned()));
    }
    let stopped = record.stop_date_millis.unwrap_or(record.start_date_millis);
    if now.saturating_sub(stopped) > REDRIVABLE_PERIOD_MILLIS {
        return Ok(Some("Execution redrivable period exceeded".to_owned()));
    }
    // Baton's own reason: the runtime could not run the execution to its end (a feature it
    // does not run, say) and recorded the failure itself, with no frontier to go on from.
    if record.snapshot.is_empty() {
        return Ok(Some(
            "Execution was stopped by the Baton runtime, which kept no state to redrive it from"
                .to_owned(),
        ));
    }
    Ok(None)
}

/// Adds DescribeExecution's redrive fields for `record`.
pub(super) fn describe(
    handle: &Handle,
    record: &ExecutionRecord,
    response: &mut Value,
) -> Result<(), Error> {
    response["redriveCount"] = json!(record.redriven.map_or(0, |redriven| redriven.count));
    if let Some(redriven) = record.redriven {
        response["redriveDate"] = seconds(redriven.date_millis);
    }
    match not_redrivable(handle, record, baton_runtime::now_millis())? {
        None => response["redriveStatus"] = json!("REDRIVABLE"),
        Some(reason) => {
            response["redriveStatus"] = json!("NOT_REDRIVABLE");
            response["redriveStatusReason"] = json!(reason);
        }
    }
    Ok(())
}

/// `clientToken`: 1 to 64 characters from `!` to `~`.
fn check_client_token(token: &str) -> Result<(), Error> {
    if token.is_empty() {
        return Err(Error::Validation(format!(
            "Value '{token}' at 'clientToken' failed to satisfy constraint: Member must have length greater than or equal to 1"
        )));
    }
    if token.chars().count() > CLIENT_TOKEN_CHARS_MAX {
        return Err(too_long("clientToken", CLIENT_TOKEN_CHARS_MAX));
    }
    if !token.chars().all(|c| ('!'..='~').contains(&c)) {
        return Err(Error::Validation(format!(
            "Value '{token}' at 'clientToken' failed to satisfy constraint: Member must satisfy regular expression pattern: [!-~]+"
        )));
    }
    Ok(())
}
