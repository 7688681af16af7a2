//! Map Runs: DescribeMapRun, ListMapRuns and UpdateMapRun.
//!
//! Each run of a Distributed Map state is a Map Run (`baton_core::map_run`), which the
//! runtime's journal records in the store with every step that changes it; DescribeMapRun and
//! ListMapRuns read it there. UpdateMapRun reaches the running execution as StopExecution does
//! and answers once the step that applied the new limits is durable. Baton runs a Map Run's child executions
//! inside their parent, so they are not executions of their own: ListExecutions with
//! `mapRunArn` is refused, naming them (see `machines::list_executions`).

use serde_json::{Value, json};

use baton_core::map_run::{MapRunLimits, MapRunProgress, MapRunStatus};
use baton_runtime::remote::Signal;
use baton_store::{MapRunRecord, Page};

use super::{Request, check_arn, page_request, page_response, required, runs, seconds, wrong_type};
use crate::{Error, Handle};

/// `toleratedFailurePercentage` is a percentage.
const TOLERATED_PERCENTAGE_MAX: f64 = 100.0;
/// How often, and how far apart, UpdateMapRun looks for its change in the store (it is there
/// one group commit after the execution took it: milliseconds).
const UPDATE_RECORDED_LOOKS_MAX: usize = 2_500;
const UPDATE_RECORDED_LOOK_PAUSE: std::time::Duration = std::time::Duration::from_millis(2);

pub(super) fn describe_map_run(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let arn = required(request, "mapRunArn")?;
    check_arn(arn, &["mapRun"])?;
    let (record, progress) = map_run(handle, arn)?;
    // Baton's child executions are its items (or batches), and it writes no results
    // elsewhere: both counts are the same, and a succeeded child's result is written.
    let counts = json!({
        "pending": progress.pending(),
        "running": progress.running(),
        "succeeded": progress.succeeded,
        "failed": progress.failed,
        "timedOut": 0,
        "aborted": progress.aborted,
        "total": progress.total,
        "resultsWritten": progress.succeeded,
        "failuresNotRedrivable": 0,
        "pendingRedrive": 0,
    });
    let mut response = json!({
        "mapRunArn": record.arn,
        "executionArn": record.execution_arn,
        "status": progress.status.as_str(),
        "startDate": seconds(progress.started_at),
        "maxConcurrency": progress.max_concurrency,
        "toleratedFailurePercentage": progress.tolerated_failure_percentage,
        "toleratedFailureCount": progress.tolerated_failure_count,
        "itemCounts": counts,
        "executionCounts": counts,
        "redriveCount": progress.redrive_count,
    });
    if let Some(stopped) = progress.stopped_at {
        response["stopDate"] = seconds(stopped);
    }
    if let Some(redriven) = progress.redrive_time {
        response["redriveDate"] = seconds(redriven);
    }
    Ok(response)
}

pub(super) fn list_map_runs(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let execution_arn = required(request, "executionArn")?;
    check_arn(execution_arn, &["execution"])?;
    let page = page_request(request)?;
    if handle.store().execution(execution_arn)?.is_none() {
        return Err(Error::ExecutionDoesNotExist(execution_arn.to_owned()));
    }
    let listed = handle.store().list_map_runs(execution_arn, &page)?;
    let items = listed.items.iter().map(list_item).collect::<Result<Vec<_>, _>>()?;
    Ok(page_response(Page { items, next: listed.next }, "mapRuns", |item| item))
}

pub(super) async fn update_map_run(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let arn = required(request, "mapRunArn")?;
    check_arn(arn, &["mapRun"])?;
    let limits = MapRunLimits {
        max_concurrency: whole_number(request, "maxConcurrency")?,
        tolerated_failure_count: whole_number(request, "toleratedFailureCount")?,
        tolerated_failure_percentage: percentage(request)?,
    };
    let (record, progress) = map_run(handle, arn)?;
    if progress.status != MapRunStatus::Running {
        return Err(Error::ValidationRule(format!(
            "Map Run {arn} is {} and can no longer be updated",
            progress.status.as_str()
        )));
    }
    let signal = Signal::UpdateMapRun { map_run_arn: arn.to_owned(), limits };
    // An execution that ended meanwhile ended its Map Run with it: nothing is left to update.
    runs::signal(handle, &record.execution_arn, signal).await?.map_err(|_| {
        Error::ValidationRule(format!("Map Run {arn} ended and can no longer be updated"))
    })?;
    // The execution took the signal; the new limits are in the store once the step that
    // applied them is durable, and a DescribeMapRun after the answer shows them.
    for _ in 0..UPDATE_RECORDED_LOOKS_MAX {
        let (_, progress) = map_run(handle, arn)?;
        if progress.status != MapRunStatus::Running || limits.hold_in(&progress) {
            return Ok(json!({}));
        }
        tokio::time::sleep(UPDATE_RECORDED_LOOK_PAUSE).await;
    }
    Err(Error::Internal(format!("the update of Map Run {arn} was not recorded in time")))
}

/// The Map Run `arn` as the store last recorded it.
fn map_run(handle: &Handle, arn: &str) -> Result<(MapRunRecord, MapRunProgress), Error> {
    let record =
        handle.store().map_run(arn)?.ok_or_else(|| Error::ResourceNotFound(arn.to_owned()))?;
    let progress = progress(&record)?;
    Ok((record, progress))
}

/// The progress the journal recorded for a Map Run.
fn progress(record: &MapRunRecord) -> Result<MapRunProgress, Error> {
    serde_json::from_str(&record.progress)
        .map_err(|error| Error::Internal(format!("unreadable Map Run {}: {error}", record.arn)))
}

/// One Map Run as ListMapRuns shows it. Its state machine is the Map state's
/// `…:stateMachine:MACHINE/LABEL`, the Map Run's ARN without its id.
fn list_item(record: &MapRunRecord) -> Result<Value, Error> {
    let progress = progress(record)?;
    let machine = record.arn.rsplit_once(':').map_or(record.arn.as_str(), |(machine, _)| machine);
    let mut item = json!({
        "executionArn": record.execution_arn,
        "mapRunArn": record.arn,
        "stateMachineArn": machine.replacen(":mapRun:", ":stateMachine:", 1),
        "startDate": seconds(progress.started_at),
    });
    if let Some(stopped) = progress.stopped_at {
        item["stopDate"] = seconds(stopped);
    }
    Ok(item)
}

/// An optional field that must be a whole number of at least 0.
fn whole_number(request: &Request, field: &str) -> Result<Option<u64>, Error> {
    match request.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => match (value.as_u64(), value.as_i64()) {
            (Some(number), _) => Ok(Some(number)),
            (None, Some(negative)) => Err(Error::Validation(format!(
                "Value '{negative}' at '{field}' failed to satisfy constraint: Member must have value greater than or equal to 0"
            ))),
            (None, None) => Err(wrong_type(field, "integer")),
        },
    }
}

/// `toleratedFailurePercentage`: a number from 0 to 100.
fn percentage(request: &Request) -> Result<Option<f64>, Error> {
    const FIELD: &str = "toleratedFailurePercentage";
    match request.get(FIELD) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => {
            let number = value.as_f64().ok_or_else(|| wrong_type(FIELD, "float"))?;
            if !(0.0..=TOLERATED_PERCENTAGE_MAX).contains(&number) {
                let bound = if number < 0.0 {
                    "greater than or equal to 0.0"
                } else {
                    "less than or equal to 100.0"
                };
                return Err(Error::Validation(format!(
                    "Value '{number}' at '{FIELD}' failed to satisfy constraint: Member must have value {bound}"
                )));
            }
            Ok(Some(number))
        }
    }
}
