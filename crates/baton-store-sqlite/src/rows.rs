//! Between rows and records: the column list of each table, in the order its row reader
//! expects, and the conversions SQLite has no type for (enums as AWS's names, tags as JSON,
//! event ids as signed integers).

use rusqlite::Row;
use rusqlite::types::Type;

use baton_store::{
    ActivityRecord, ActivityTaskRecord, AliasRoute, Claim, EventRecord, ExecutionRecord,
    ExecutionSourceRecord, ExecutionStatus, MapRunRecord, Redriven, StateMachineAliasRecord,
    StateMachineRecord, StateMachineRevisionRecord, StateMachineStatus, StateMachineType,
    StateMachineVersionRecord, Tags, TaskTokenRecord,
};

pub(crate) const STATE_MACHINE_COLUMNS: &str = "arn, name, type, definition, role_arn, \
    creation_date_millis, revision_id, update_date_millis, logging_configuration, \
    tracing_configuration, status, tags";

pub(crate) const REVISION_COLUMNS: &str = "state_machine_arn, revision_id, definition, \
    role_arn, update_date_millis, logging_configuration, tracing_configuration";

pub(crate) const VERSION_COLUMNS: &str = "arn, state_machine_arn, version_number, revision_id, \
    description, creation_date_millis";

pub(crate) const ALIAS_COLUMNS: &str = "arn, state_machine_arn, name, description, routing, \
    creation_date_millis, update_date_millis";

pub(crate) const SOURCE_COLUMNS: &str = "execution_arn, version_arn, alias_arn";

pub(crate) const ACTIVITY_COLUMNS: &str = "arn, name, creation_date_millis, tags";

pub(crate) const EXECUTION_COLUMNS: &str = "arn, state_machine_arn, name, status, \
    start_date_millis, stop_date_millis, input, output, error, cause, \
    state_machine_revision_id, seed, snapshot, next_event_id, redrive_count, redrive_date_millis";

/// An event's own columns; the table keys it by its execution's number, not its ARN.
pub(crate) const EVENT_COLUMNS: &str = "event_id, type, timestamp_millis, body";

/// An event's columns as [`event`] reads them, for a query that binds the execution's ARN to
/// `?1`.
pub(crate) const HISTORY_COLUMNS: &str = "?1, event_id, type, timestamp_millis, body";

pub(crate) const ACTIVITY_TASK_COLUMNS: &str = "task_token, activity_arn, execution_arn, input, \
    enqueued_millis, worker_name, claimed_millis";

pub(crate) const TASK_TOKEN_COLUMNS: &str = "token, execution_arn, task_id";

pub(crate) const MAP_RUN_COLUMNS: &str = "arn, execution_arn, start_date_millis, progress";

pub(crate) fn state_machine(row: &Row<'_>) -> rusqlite::Result<StateMachineRecord> {
    Ok(StateMachineRecord {
        arn: row.get(0)?,
        name: row.get(1)?,
        r#type: named(row, 2, StateMachineType::from_name)?,
        definition: row.get(3)?,
        role_arn: row.get(4)?,
        creation_date_millis: row.get(5)?,
        revision_id: row.get(6)?,
        update_date_millis: row.get(7)?,
        logging_configuration: row.get(8)?,
        tracing_configuration: row.get(9)?,
        status: named(row, 10, StateMachineStatus::from_name)?,
        tags: tags(row, 11)?,
    })
}

pub(crate) fn revision(row: &Row<'_>) -> rusqlite::Result<StateMachineRevisionRecord> {
    Ok(StateMachineRevisionRecord {
        state_machine_arn: row.get(0)?,
        revision_id: row.get(1)?,
        definition: row.get(2)?,
        role_arn: row.get(3)?,
        update_date_millis: row.get(4)?,
        logging_configuration: row.get(5)?,
        tracing_configuration: row.get(6)?,
    })
}

pub(crate) fn version(row: &Row<'_>) -> rusqlite::Result<StateMachineVersionRecord> {
    Ok(StateMachineVersionRecord {
        arn: row.get(0)?,
        state_machine_arn: row.get(1)?,
        version_number: row.get(2)?,
        revision_id: row.get(3)?,
        description: row.get(4)?,
        creation_date_millis: row.get(5)?,
    })
}

pub(crate) fn alias(row: &Row<'_>) -> rusqlite::Result<StateMachineAliasRecord> {
    Ok(StateMachineAliasRecord {
        arn: row.get(0)?,
        state_machine_arn: row.get(1)?,
        name: row.get(2)?,
        description: row.get(3)?,
        routing: json(row, 4)?,
        creation_date_millis: row.get(5)?,
        update_date_millis: row.get(6)?,
    })
}

pub(crate) fn source(row: &Row<'_>) -> rusqlite::Result<ExecutionSourceRecord> {
    Ok(ExecutionSourceRecord {
        execution_arn: row.get(0)?,
        version_arn: row.get(1)?,
        alias_arn: row.get(2)?,
    })
}

/// An alias's routing as stored: a JSON array.
pub(crate) fn routing_text(routing: &[AliasRoute]) -> String {
    serde_json::to_string(routing).expect("routes of strings and integers always serialize")
}

pub(crate) fn activity(row: &Row<'_>) -> rusqlite::Result<ActivityRecord> {
    Ok(ActivityRecord {
        arn: row.get(0)?,
        name: row.get(1)?,
        creation_date_millis: row.get(2)?,
        tags: tags(row, 3)?,
    })
}

pub(crate) fn execution(row: &Row<'_>) -> rusqlite::Result<ExecutionRecord> {
    Ok(ExecutionRecord {
        arn: row.get(0)?,
        state_machine_arn: row.get(1)?,
        name: row.get(2)?,
        status: named(row, 3, ExecutionStatus::from_name)?,
        start_date_millis: row.get(4)?,
        stop_date_millis: row.get(5)?,
        input: row.get(6)?,
        output: row.get(7)?,
        error: row.get(8)?,
        cause: row.get(9)?,
        state_machine_revision_id: row.get(10)?,
        seed: row.get(11)?,
        snapshot: row.get(12)?,
        next_event_id: row.get(13)?,
        redriven: match row.get::<_, Option<i64>>(15)? {
            Some(date_millis) => Some(Redriven { count: row.get(14)?, date_millis }),
            None => None,
        },
    })
}

pub(crate) fn event(row: &Row<'_>) -> rusqlite::Result<EventRecord> {
    Ok(EventRecord {
        execution_arn: row.get(0)?,
        event_id: row.get(1)?,
        r#type: row.get(2)?,
        timestamp_millis: row.get(3)?,
        body: row.get(4)?,
    })
}

pub(crate) fn activity_task(row: &Row<'_>) -> rusqlite::Result<ActivityTaskRecord> {
    let worker_name: Option<String> = row.get(5)?;
    let claimed_millis: Option<i64> = row.get(6)?;
    let claim = match (worker_name, claimed_millis) {
        (Some(worker_name), Some(claimed_millis)) => Some(Claim { worker_name, claimed_millis }),
        _ => None,
    };
    Ok(ActivityTaskRecord {
        task_token: row.get(0)?,
        activity_arn: row.get(1)?,
        execution_arn: row.get(2)?,
        input: row.get(3)?,
        enqueued_millis: row.get(4)?,
        claim,
    })
}

pub(crate) fn map_run(row: &Row<'_>) -> rusqlite::Result<MapRunRecord> {
    Ok(MapRunRecord {
        arn: row.get(0)?,
        execution_arn: row.get(1)?,
        start_date_millis: row.get(2)?,
        progress: row.get(3)?,
    })
}

pub(crate) fn task_token(row: &Row<'_>) -> rusqlite::Result<TaskTokenRecord> {
    Ok(TaskTokenRecord { token: row.get(0)?, execution_arn: row.get(1)?, task_id: row.get(2)? })
}

/// Tags as stored: a JSON object.
pub(crate) fn tags_text(tags: &Tags) -> String {
    serde_json::to_string(tags).expect("a map of strings always serializes")
}

fn tags(row: &Row<'_>, index: usize) -> rusqlite::Result<Tags> {
    json(row, index)
}

/// A column stored as JSON text.
fn json<T: serde::de::DeserializeOwned>(row: &Row<'_>, index: usize) -> rusqlite::Result<T> {
    let text: String = row.get(index)?;
    serde_json::from_str(&text)
        .map_err(|error| rusqlite::Error::FromSqlConversionFailure(index, Type::Text, error.into()))
}

/// An enum stored as AWS's name; any other text means the file was changed behind our back.
fn named<T>(row: &Row<'_>, index: usize, from_name: fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    let text: String = row.get(index)?;
    from_name(&text).ok_or_else(|| {
        let message = format!("unknown stored value {text:?}");
        rusqlite::Error::FromSqlConversionFailure(index, Type::Text, message.into())
    })
}
