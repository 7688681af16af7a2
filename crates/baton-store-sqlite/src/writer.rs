//! The writer thread: the only connection that writes. It takes every request queued since
//! its last transaction (up to [`BATCH_COMMITS_MAX`](crate::BATCH_COMMITS_MAX) by default),
//! applies them in one transaction, commits it (one fsync under `synchronous=FULL`), and only
//! then answers the submitters. While it waits for the disk, new requests queue up and form
//! the next batch, so the number of commits per fsync grows with the number of concurrent
//! submitters (group commit).
//!
//! A batch is first applied without savepoints. If a request in it fails, that transaction is
//! rolled back and the batch runs again with each request in its own savepoint: the failing
//! request rolls back to its savepoint and is answered with its error, and the rest of the
//! batch still commits. If the transaction itself fails, every request in it is answered
//! with that failure and nothing of the batch is durable.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::Receiver;

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use baton_store::completion::Reply;
use baton_store::{
    ActivityTaskRecord, Change, ClaimRequest, Commit, Entity, Error, ExecutionRecord, Tags,
};

use crate::{Counters, rows, versions};

/// What the writer thread is asked to do.
pub(crate) enum Request {
    Commit(Commit, Reply<()>),
    Claim(ClaimRequest, Reply<Option<ActivityTaskRecord>>),
}

/// What a request produced, held until its batch is durable: the task a claim took, or
/// nothing for a commit.
type Outcome = Option<ActivityTaskRecord>;

/// How a batch's requests are kept apart inside its transaction.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Isolation {
    /// Applied directly, one after another: the fast path. The first failure abandons the
    /// whole transaction, and the batch is tried again with savepoints.
    Optimistic,
    /// Each request in its own savepoint, so that a failing one is rolled back alone.
    Savepoints,
}

/// Runs until every sender is gone and the queue is empty.
pub(crate) fn run(
    mut connection: Connection,
    requests: Receiver<Request>,
    batch_max: usize,
    counters: Arc<Counters>,
) {
    while let Ok(first) = requests.recv() {
        let mut batch = vec![first];
        while batch.len() < batch_max {
            match requests.try_recv() {
                Ok(request) => batch.push(request),
                Err(_) => break,
            }
        }
        let requests_count = batch.len() as u64;
        // Refused requests are rare (a step recorded twice, a name taken), and a savepoint
        // per request costs about a sixth of the writer's time (docs/benchmarks.md), so a
        // batch first runs without them.
        let outcomes = match attempt(&mut connection, &batch, Isolation::Optimistic) {
            Some(outcomes) => outcomes,
            None => attempt(&mut connection, &batch, Isolation::Savepoints)
                .expect("with savepoints, a failing request does not abandon the batch"),
        };
        for (request, outcome) in batch.into_iter().zip(outcomes) {
            answer(request, outcome);
        }
        counters.transactions.fetch_add(1, Ordering::Relaxed);
        counters.requests.fetch_add(requests_count, Ordering::Relaxed);
    }
}

/// Applies and commits `batch` in one transaction, returning each request's outcome in
/// order; `None` when an optimistic attempt met a failing request and rolled back.
fn attempt(
    connection: &mut Connection,
    batch: &[Request],
    isolation: Isolation,
) -> Option<Vec<Result<Outcome, Error>>> {
    let mut transaction = match connection.transaction_with_behavior(TransactionBehavior::Immediate)
    {
        Ok(transaction) => transaction,
        Err(source) => {
            let error = Error::backend("beginning a write transaction", source);
            return Some(batch.iter().map(|_| Err(error.clone())).collect());
        }
    };
    let mut outcomes = Vec::with_capacity(batch.len());
    for request in batch {
        // After some errors (a full disk, an IO error) SQLite rolls the whole transaction
        // back by itself. A savepoint would then open a transaction of its own and commit
        // the request alone, so the rest of the batch is refused instead.
        if transaction.is_autocommit() {
            let source = std::io::Error::other("SQLite rolled the batch's transaction back");
            outcomes.push(Err(Error::backend("applying a batch of writes", source)));
            continue;
        }
        let outcome = match isolation {
            Isolation::Optimistic => apply_request(&transaction, request),
            Isolation::Savepoints => {
                in_savepoint(&mut transaction, |savepoint| apply_request(savepoint, request))
            }
        };
        if outcome.is_err() && isolation == Isolation::Optimistic {
            return None; // Dropping the transaction rolls it back.
        }
        outcomes.push(outcome);
    }
    match transaction.commit() {
        Ok(()) => Some(outcomes),
        Err(source) => {
            let error = Error::backend("committing a batch of writes", source);
            Some(batch.iter().map(|_| Err(error.clone())).collect())
        }
    }
}

fn apply_request(connection: &Connection, request: &Request) -> Result<Outcome, Error> {
    match request {
        Request::Commit(commit, _) => {
            commit.changes.iter().try_for_each(|change| apply(connection, change))?;
            Ok(None)
        }
        Request::Claim(claim, _) => claim_next(connection, claim),
    }
}

/// Tells the submitter of `request` how it went, once its batch is durable.
fn answer(request: Request, outcome: Result<Outcome, Error>) {
    match request {
        Request::Commit(_, reply) => reply.send(outcome.map(drop)),
        Request::Claim(_, reply) => reply.send(outcome),
    }
}

/// Runs `body` in a savepoint that is kept if it succeeds and rolled back if it fails.
fn in_savepoint<T>(
    transaction: &mut Transaction<'_>,
    body: impl FnOnce(&Connection) -> Result<T, Error>,
) -> Result<T, Error> {
    let savepoint = transaction
        .savepoint()
        .map_err(|source| Error::backend("opening a savepoint for a commit", source))?;
    // On an error, dropping the savepoint rolls back this request's changes alone.
    let value = body(&savepoint)?;
    savepoint
        .commit()
        .map_err(|source| Error::backend("releasing a commit's savepoint", source))?;
    Ok(value)
}

fn claim_next(
    connection: &Connection,
    claim: &ClaimRequest,
) -> Result<Option<ActivityTaskRecord>, Error> {
    let sql = format!(
        "UPDATE activity_tasks SET worker_name = ?2, claimed_millis = ?3 WHERE task_token = (
             SELECT task_token FROM activity_tasks
             WHERE activity_arn = ?1 AND worker_name IS NULL
             ORDER BY enqueued_millis, task_token LIMIT 1)
         RETURNING {}",
        rows::ACTIVITY_TASK_COLUMNS
    );
    let mut statement =
        connection.prepare_cached(&sql).map_err(failed("claiming", &claim.activity_arn))?;
    statement
        .query_row(
            params![claim.activity_arn, claim.worker_name, claim.now_millis],
            rows::activity_task,
        )
        .optional()
        .map_err(failed("claiming", &claim.activity_arn))
}

/// The error for a failed statement while doing `what` to `key`.
pub(crate) fn failed<'a>(what: &'a str, key: &'a str) -> impl Fn(rusqlite::Error) -> Error + 'a {
    move |source| Error::backend(format!("{what} {key}"), source)
}

/// Runs one statement and returns how many rows it changed.
pub(crate) fn execute(
    connection: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    what: &str,
    key: &str,
) -> Result<usize, Error> {
    connection
        .prepare_cached(sql)
        .and_then(|mut statement| statement.execute(params))
        .map_err(failed(what, key))
}

/// The error for creating something whose key exists.
pub(crate) fn exists(entity: Entity, key: &str) -> impl FnOnce() -> Error + '_ {
    move || Error::AlreadyExists { entity, key: key.to_owned() }
}

/// The error for changing something that does not exist.
pub(crate) fn missing(entity: Entity, key: &str) -> impl FnOnce() -> Error + '_ {
    move || Error::NotFound { entity, key: key.to_owned() }
}

/// Fails with `error` unless the statement changed a row.
pub(crate) fn changed_one(changed: usize, error: impl FnOnce() -> Error) -> Result<(), Error> {
    if changed == 0 { Err(error()) } else { Ok(()) }
}

#[expect(clippy::too_many_lines, reason = "one arm per change; each arm is one statement")]
fn apply(connection: &Connection, change: &Change) -> Result<(), Error> {
    match change {
        Change::CreateStateMachine(m) => {
            let sql = format!(
                "INSERT INTO state_machines ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                 ON CONFLICT DO NOTHING",
                rows::STATE_MACHINE_COLUMNS
            );
            let values = params![
                m.arn,
                m.name,
                m.r#type.as_str(),
                m.definition,
                m.role_arn,
                m.creation_date_millis,
                m.revision_id,
                m.update_date_millis,
                m.logging_configuration,
                m.tracing_configuration,
                m.status.as_str(),
                rows::tags_text(&m.tags)
            ];
            let changed = execute(connection, &sql, values, "creating state machine", &m.arn)?;
            changed_one(changed, exists(Entity::StateMachine, &m.arn))
        }
        Change::UpdateStateMachine(m) => {
            let sql = "UPDATE state_machines SET name = ?2, type = ?3, definition = ?4,
                role_arn = ?5, revision_id = ?6, update_date_millis = ?7,
                logging_configuration = ?8, tracing_configuration = ?9, status = ?10
                WHERE arn = ?1";
            let values = params![
                m.arn,
                m.name,
                m.r#type.as_str(),
                m.definition,
                m.role_arn,
                m.revision_id,
                m.update_date_millis,
                m.logging_configuration,
                m.tracing_configuration,
                m.status.as_str()
            ];
            let changed = execute(connection, sql, values, "updating state machine", &m.arn)?;
            changed_one(changed, missing(Entity::StateMachine, &m.arn))
        }
        Change::KeepStateMachineRevision(r) => {
            let sql = "SELECT 1 FROM state_machines WHERE arn = ?1";
            let arn = &r.state_machine_arn;
            let machine = connection
                .prepare_cached(sql)
                .and_then(|mut statement| statement.exists([arn]))
                .map_err(failed("keeping a revision of", arn))?;
            if !machine {
                return Err(missing(Entity::StateMachine, arn)());
            }
            let sql = format!(
                "INSERT OR REPLACE INTO state_machine_revisions ({}) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                rows::REVISION_COLUMNS
            );
            let values = params![
                arn,
                r.revision_id,
                r.definition,
                r.role_arn,
                r.update_date_millis,
                r.logging_configuration,
                r.tracing_configuration
            ];
            execute(connection, &sql, values, "keeping a revision of", arn).map(drop)
        }
        Change::DeleteStateMachine { arn } => {
            let sql = "DELETE FROM state_machines WHERE arn = ?1";
            let changed = execute(connection, sql, [&arn], "deleting state machine", arn)?;
            changed_one(changed, missing(Entity::StateMachine, arn))?;
            let sql = "DELETE FROM state_machine_revisions WHERE state_machine_arn = ?1";
            execute(connection, sql, [&arn], "deleting the revisions of", arn)?;
            versions::delete_machine(connection, arn)
        }
        Change::PublishStateMachineVersion(v) => versions::publish(connection, v),
        Change::DeleteStateMachineVersion { arn } => versions::delete_version(connection, arn),
        Change::CreateStateMachineAlias(a) => versions::put_alias(connection, a, false),
        Change::UpdateStateMachineAlias(a) => versions::put_alias(connection, a, true),
        Change::DeleteStateMachineAlias { arn } => versions::delete_alias(connection, arn),
        Change::RecordExecutionSource(s) => versions::record_source(connection, s),
        Change::CreateActivity(a) => {
            let sql = format!(
                "INSERT INTO activities ({}) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                rows::ACTIVITY_COLUMNS
            );
            let values = params![a.arn, a.name, a.creation_date_millis, rows::tags_text(&a.tags)];
            let changed = execute(connection, &sql, values, "creating activity", &a.arn)?;
            changed_one(changed, exists(Entity::Activity, &a.arn))
        }
        Change::DeleteActivity { arn } => {
            let sql = "DELETE FROM activities WHERE arn = ?1";
            let changed = execute(connection, sql, [&arn], "deleting activity", arn)?;
            changed_one(changed, missing(Entity::Activity, arn))
        }
        Change::TagResource { arn, tags } => {
            edit_tags(connection, arn, |old| old.extend(tags.clone()))
        }
        Change::UntagResource { arn, keys } => edit_tags(connection, arn, |old| {
            for key in keys {
                old.remove(key);
            }
        }),
        Change::StartExecution(e) => start_execution(connection, e),
        Change::UpdateExecution(u) => {
            let sql = "UPDATE executions SET status = ?2, stop_date_millis = ?3, output = ?4,
                error = ?5, cause = ?6, snapshot = ?7, next_event_id = ?8, redrive_count = ?9,
                redrive_date_millis = ?10 WHERE arn = ?1";
            let values = params![
                u.arn,
                u.status.as_str(),
                u.stop_date_millis,
                u.output,
                u.error,
                u.cause,
                u.snapshot,
                u.next_event_id,
                u.redriven.map_or(0, |redriven| redriven.count),
                u.redriven.map(|redriven| redriven.date_millis)
            ];
            let changed = execute(connection, sql, values, "updating execution", &u.arn)?;
            changed_one(changed, missing(Entity::Execution, &u.arn))
        }
        Change::AppendEvent(e) => {
            // An event of no stored execution has no number: NOT NULL refuses it.
            let sql = format!(
                "INSERT INTO events (execution_id, {}) VALUES (
                     (SELECT id FROM executions WHERE arn = ?1), ?2, ?3, ?4, ?5)
                 ON CONFLICT DO NOTHING",
                rows::EVENT_COLUMNS
            );
            let values = params![e.execution_arn, e.event_id, e.r#type, e.timestamp_millis, e.body];
            let changed =
                execute(connection, &sql, values, "appending an event to", &e.execution_arn)?;
            changed_one(changed, || Error::DuplicateEvent {
                execution_arn: e.execution_arn.clone(),
                event_id: e.event_id,
            })
        }
        Change::EnqueueActivityTask(t) => {
            let sql = format!(
                "INSERT INTO activity_tasks ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT DO NOTHING",
                rows::ACTIVITY_TASK_COLUMNS
            );
            let (worker_name, claimed_millis) = match &t.claim {
                Some(claim) => (Some(&claim.worker_name), Some(claim.claimed_millis)),
                None => (None, None),
            };
            let values = params![
                t.task_token,
                t.activity_arn,
                t.execution_arn,
                t.input,
                t.enqueued_millis,
                worker_name,
                claimed_millis
            ];
            let changed =
                execute(connection, &sql, values, "enqueueing activity task", &t.task_token)?;
            changed_one(changed, exists(Entity::ActivityTask, &t.task_token))
        }
        Change::PutMapRun(run) => {
            let sql = format!(
                "INSERT INTO map_runs ({}) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (arn) DO UPDATE SET progress = excluded.progress",
                rows::MAP_RUN_COLUMNS
            );
            let values = params![run.arn, run.execution_arn, run.start_date_millis, run.progress];
            execute(connection, &sql, values, "recording map run", &run.arn).map(drop)
        }
        Change::RemoveActivityTask { task_token } => {
            let sql = "DELETE FROM activity_tasks WHERE task_token = ?1";
            execute(connection, sql, [&task_token], "removing activity task", task_token).map(drop)
        }
        Change::AddTaskToken(t) => {
            let sql = format!(
                "INSERT INTO task_tokens ({}) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                rows::TASK_TOKEN_COLUMNS
            );
            let values = params![t.token, t.execution_arn, t.task_id];
            let changed = execute(connection, &sql, values, "adding task token", &t.token)?;
            changed_one(changed, exists(Entity::TaskToken, &t.token))
        }
        Change::RemoveTaskToken { token } => {
            let sql = "DELETE FROM task_tokens WHERE token = ?1";
            execute(connection, sql, [&token], "removing task token", token).map(drop)
        }
    }
}

fn start_execution(connection: &Connection, e: &ExecutionRecord) -> Result<(), Error> {
    let sql = format!(
        "INSERT INTO executions ({})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
         ON CONFLICT DO NOTHING",
        rows::EXECUTION_COLUMNS
    );
    let values = params![
        e.arn,
        e.state_machine_arn,
        e.name,
        e.status.as_str(),
        e.start_date_millis,
        e.stop_date_millis,
        e.input,
        e.output,
        e.error,
        e.cause,
        e.state_machine_revision_id,
        e.seed,
        e.snapshot,
        e.next_event_id,
        e.redriven.map_or(0, |redriven| redriven.count),
        e.redriven.map(|redriven| redriven.date_millis)
    ];
    if execute(connection, &sql, values, "starting execution", &e.arn)? == 1 {
        return Ok(());
    }
    // Either unique constraint may have refused the row; say which.
    let sql = "SELECT 1 FROM executions WHERE arn = ?1";
    let same_arn = connection
        .prepare_cached(sql)
        .and_then(|mut statement| statement.exists([&e.arn]))
        .map_err(failed("starting execution", &e.arn))?;
    Err(if same_arn {
        Error::AlreadyExists { entity: Entity::Execution, key: e.arn.clone() }
    } else {
        Error::AlreadyExists {
            entity: Entity::ExecutionName,
            key: format!("{}/{}", e.state_machine_arn, e.name),
        }
    })
}

/// Changes the tags of the state machine or activity `arn`: they are read, edited and written
/// back whole, which is safe because this thread is the only writer.
fn edit_tags(
    connection: &Connection,
    arn: &str,
    edit: impl FnOnce(&mut Tags),
) -> Result<(), Error> {
    for table in ["state_machines", "activities"] {
        let sql = format!("SELECT tags FROM {table} WHERE arn = ?1");
        let stored: Option<String> = connection
            .prepare_cached(&sql)
            .and_then(|mut statement| statement.query_row([arn], |row| row.get(0)).optional())
            .map_err(failed("reading the tags of", arn))?;
        let Some(stored) = stored else { continue };
        let mut tags: Tags = serde_json::from_str(&stored)
            .map_err(|source| Error::backend(format!("reading the tags of {arn}"), source))?;
        edit(&mut tags);
        let sql = format!("UPDATE {table} SET tags = ?2 WHERE arn = ?1");
        execute(connection, &sql, params![arn, rows::tags_text(&tags)], "tagging", arn)?;
        return Ok(());
    }
    Err(Error::NotFound { entity: Entity::Resource, key: arn.to_owned() })
}
