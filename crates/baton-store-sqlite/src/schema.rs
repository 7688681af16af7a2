//! The database schema and its migrations. The schema version lives in SQLite's `user_version`
//! header field: opening a file applies every migration it has not seen, in one transaction,
//! and refuses a file from a newer Baton instead of guessing at its layout.

use rusqlite::Connection;

use baton_store::Error;

/// Migrations in order; the schema version of a file is the number it has applied.
const MIGRATIONS: &[&str] = &[
    // Version 1. Dates are epoch milliseconds; JSON and ASL are stored as given (TEXT); tags
    // are a JSON object per resource because they are always read and written whole.
    r"
    CREATE TABLE state_machines (
        arn TEXT PRIMARY KEY NOT NULL,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        definition TEXT NOT NULL,
        role_arn TEXT NOT NULL,
        creation_date_millis INTEGER NOT NULL,
        revision_id TEXT NOT NULL,
        update_date_millis INTEGER,
        logging_configuration TEXT NOT NULL,
        tracing_configuration TEXT NOT NULL,
        status TEXT NOT NULL,
        tags TEXT NOT NULL
    );
    CREATE INDEX state_machines_by_creation ON state_machines (creation_date_millis, arn);

    CREATE TABLE activities (
        arn TEXT PRIMARY KEY NOT NULL,
        name TEXT NOT NULL,
        creation_date_millis INTEGER NOT NULL,
        tags TEXT NOT NULL
    );
    CREATE INDEX activities_by_creation ON activities (creation_date_millis, arn);

    CREATE TABLE executions (
        arn TEXT PRIMARY KEY NOT NULL,
        state_machine_arn TEXT NOT NULL,
        name TEXT NOT NULL,
        status TEXT NOT NULL,
        start_date_millis INTEGER NOT NULL,
        stop_date_millis INTEGER,
        input TEXT NOT NULL,
        output TEXT,
        error TEXT,
        cause TEXT,
        state_machine_revision_id TEXT NOT NULL,
        seed BLOB NOT NULL,
        snapshot BLOB NOT NULL,
        next_event_id INTEGER NOT NULL,
        UNIQUE (state_machine_arn, name)
    );
    CREATE INDEX executions_by_machine
        ON executions (state_machine_arn, start_date_millis, arn);
    CREATE INDEX executions_by_machine_status
        ON executions (state_machine_arn, status, start_date_millis, arn);
    -- Recovery reads only running executions; a partial index keeps finished ones out of it.
    CREATE INDEX executions_running ON executions (arn) WHERE status = 'RUNNING';

    -- The history is the bulk of the data: no rowid, so the key is stored once.
    CREATE TABLE events (
        execution_arn TEXT NOT NULL,
        event_id INTEGER NOT NULL,
        type TEXT NOT NULL,
        timestamp_millis INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (execution_arn, event_id)
    ) WITHOUT ROWID;

    CREATE TABLE timers (
        execution_arn TEXT NOT NULL,
        timer_id TEXT NOT NULL,
        due_millis INTEGER NOT NULL,
        PRIMARY KEY (execution_arn, timer_id)
    ) WITHOUT ROWID;
    CREATE INDEX timers_by_due ON timers (due_millis, execution_arn, timer_id);

    CREATE TABLE activity_tasks (
        task_token TEXT PRIMARY KEY NOT NULL,
        activity_arn TEXT NOT NULL,
        execution_arn TEXT NOT NULL,
        input TEXT NOT NULL,
        enqueued_millis INTEGER NOT NULL,
        heartbeat_deadline_millis INTEGER,
        timeout_deadline_millis INTEGER,
        worker_name TEXT,
        claimed_millis INTEGER
    );
    -- The queue proper: unclaimed tasks of an activity, oldest first.
    CREATE INDEX activity_tasks_unclaimed
        ON activity_tasks (activity_arn, enqueued_millis, task_token) WHERE worker_name IS NULL;

    CREATE TABLE task_tokens (
        token TEXT PRIMARY KEY NOT NULL,
        execution_arn TEXT NOT NULL,
        task_id TEXT NOT NULL
    );
    ",
    // Version 2. The revisions UpdateStateMachine replaced, which executions started on them
    // still run; the current revision stays in `state_machines`.
    r"
    CREATE TABLE state_machine_revisions (
        state_machine_arn TEXT NOT NULL,
        revision_id TEXT NOT NULL,
        definition TEXT NOT NULL,
        role_arn TEXT NOT NULL,
        update_date_millis INTEGER,
        logging_configuration TEXT NOT NULL,
        tracing_configuration TEXT NOT NULL,
        PRIMARY KEY (state_machine_arn, revision_id)
    ) WITHOUT ROWID;
    ",
    // Version 3. Versions (numbered names of kept revisions), the numbering of each machine's
    // versions (which outlives deleted versions, since a number is never given twice), aliases
    // (their routing as JSON, always read and written whole), and what executions started on a
    // version or an alias were started on.
    r"
    CREATE TABLE state_machine_versions (
        arn TEXT PRIMARY KEY NOT NULL,
        state_machine_arn TEXT NOT NULL,
        version_number INTEGER NOT NULL,
        revision_id TEXT NOT NULL,
        description TEXT,
        creation_date_millis INTEGER NOT NULL,
        UNIQUE (state_machine_arn, version_number)
    );

    CREATE TABLE state_machine_version_numbers (
        state_machine_arn TEXT PRIMARY KEY NOT NULL,
        latest_version_number INTEGER NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE state_machine_aliases (
        arn TEXT PRIMARY KEY NOT NULL,
        state_machine_arn TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT,
        routing TEXT NOT NULL,
        creation_date_millis INTEGER NOT NULL,
        update_date_millis INTEGER
    );
    CREATE INDEX state_machine_aliases_by_machine
        ON state_machine_aliases (state_machine_arn, creation_date_millis, arn);

    CREATE TABLE execution_sources (
        execution_arn TEXT PRIMARY KEY NOT NULL,
        version_arn TEXT NOT NULL,
        alias_arn TEXT
    ) WITHOUT ROWID;
    CREATE INDEX execution_sources_by_version ON execution_sources (version_arn, execution_arn);
    ",
    // Version 4. Events are keyed by their execution's number, not its ARN. Executions are
    // numbered in start order, so the events of the executions running now sit together at
    // the end of the table, and one group commit writes a few shared pages instead of one
    // page somewhere in the table per execution (each a 4 KiB WAL frame); each event row is
    // also an ARN shorter. The number is an INTEGER PRIMARY KEY (the rowid), which VACUUM
    // keeps; the implicit rowid of version 1's table it might renumber.
    r"
    CREATE TABLE executions_numbered (
        id INTEGER PRIMARY KEY,
        arn TEXT NOT NULL UNIQUE,
        state_machine_arn TEXT NOT NULL,
        name TEXT NOT NULL,
        status TEXT NOT NULL,
        start_date_millis INTEGER NOT NULL,
        stop_date_millis INTEGER,
        input TEXT NOT NULL,
        output TEXT,
        error TEXT,
        cause TEXT,
        state_machine_revision_id TEXT NOT NULL,
        seed BLOB NOT NULL,
        snapshot BLOB NOT NULL,
        next_event_id INTEGER NOT NULL,
        UNIQUE (state_machine_arn, name)
    );
    INSERT INTO executions_numbered (id, arn, state_machine_arn, name, status,
        start_date_millis, stop_date_millis, input, output, error, cause,
        state_machine_revision_id, seed, snapshot, next_event_id)
        SELECT rowid, arn, state_machine_arn, name, status,
        start_date_millis, stop_date_millis, input, output, error, cause,
        state_machine_revision_id, seed, snapshot, next_event_id
        FROM executions ORDER BY rowid;
    DROP TABLE executions;
    ALTER TABLE executions_numbered RENAME TO executions;
    CREATE INDEX executions_by_machine
        ON executions (state_machine_arn, start_date_millis, arn);
    CREATE INDEX executions_by_machine_status
        ON executions (state_machine_arn, status, start_date_millis, arn);
    CREATE INDEX executions_running ON executions (arn) WHERE status = 'RUNNING';

    CREATE TABLE events_numbered (
        execution_id INTEGER NOT NULL,
        event_id INTEGER NOT NULL,
        type TEXT NOT NULL,
        timestamp_millis INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (execution_id, event_id)
    ) WITHOUT ROWID;
    INSERT INTO events_numbered
        SELECT executions.id, events.event_id, events.type, events.timestamp_millis, events.body
        FROM events JOIN executions ON executions.arn = events.execution_arn;
    DROP TABLE events;
    ALTER TABLE events_numbered RENAME TO events;
    ",
    // Version 5. Events are stored in the order they are written, and found by an index on
    // (execution, event id). Keyed by (execution, event id) themselves, the events of the
    // executions running at once were spread over as many pages as there were executions (an
    // execution's events sit after its earlier ones), and each group commit wrote one page per
    // execution in it; in write order, a group commit's events share the table's last pages,
    // and only the small index entries are spread.
    r"
    CREATE TABLE events_logged (
        seq INTEGER PRIMARY KEY,
        execution_id INTEGER NOT NULL,
        event_id INTEGER NOT NULL,
        type TEXT NOT NULL,
        timestamp_millis INTEGER NOT NULL,
        body TEXT NOT NULL,
        UNIQUE (execution_id, event_id)
    );
    INSERT INTO events_logged (execution_id, event_id, type, timestamp_millis, body)
        SELECT execution_id, event_id, type, timestamp_millis, body FROM events
        ORDER BY execution_id, event_id;
    DROP TABLE events;
    ALTER TABLE events_logged RENAME TO events;
    ",
    // Version 6. No timers table: an execution's pending timers, with their due times, are in
    // its snapshot, which recovery and parking read; the table was written at every step that
    // set or cleared a timer (two B-trees, the second ordered by due time) and read by nothing.
    r"
    DROP TABLE timers;
    ",
    // Version 7. Activity tasks and task tokens are found only by their token, so the token is
    // their key (WITHOUT ROWID): a rowid table with a unique token kept two B-trees each, and
    // every task scheduled and settled wrote both.
    r"
    CREATE TABLE activity_tasks_keyed (
        task_token TEXT PRIMARY KEY NOT NULL,
        activity_arn TEXT NOT NULL,
        execution_arn TEXT NOT NULL,
        input TEXT NOT NULL,
        enqueued_millis INTEGER NOT NULL,
        heartbeat_deadline_millis INTEGER,
        timeout_deadline_millis INTEGER,
        worker_name TEXT,
        claimed_millis INTEGER
    ) WITHOUT ROWID;
    INSERT INTO activity_tasks_keyed SELECT task_token, activity_arn, execution_arn, input,
        enqueued_millis, heartbeat_deadline_millis, timeout_deadline_millis, worker_name,
        claimed_millis FROM activity_tasks;
    DROP TABLE activity_tasks;
    ALTER TABLE activity_tasks_keyed RENAME TO activity_tasks;
    CREATE INDEX activity_tasks_unclaimed
        ON activity_tasks (activity_arn, enqueued_millis, task_token) WHERE worker_name IS NULL;

    CREATE TABLE task_tokens_keyed (
        token TEXT PRIMARY KEY NOT NULL,
        execution_arn TEXT NOT NULL,
        task_id TEXT NOT NULL
    ) WITHOUT ROWID;
    INSERT INTO task_tokens_keyed SELECT token, execution_arn, task_id FROM task_tokens;
    DROP TABLE task_tokens;
    ALTER TABLE task_tokens_keyed RENAME TO task_tokens;
    ",
    // Version 8. RedriveExecution: how many times an execution was redriven, and when last
    // (both listed by ListExecutions, so they are columns, not only in the snapshot, which a
    // succeeded execution no longer keeps).
    r"
    ALTER TABLE executions ADD COLUMN redrive_count INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE executions ADD COLUMN redrive_date_millis INTEGER;
    ",
    // Version 9. Activity tasks lose their heartbeat and timeout deadlines, which nothing
    // wrote since version 1: those deadlines are timers of the interpreter, in the snapshot.
    r"
    ALTER TABLE activity_tasks DROP COLUMN heartbeat_deadline_millis;
    ALTER TABLE activity_tasks DROP COLUMN timeout_deadline_millis;
    ",
    // Version 10. The Map Runs of Distributed Map states, listed per execution by start date;
    // each step that changes one replaces its row.
    r"
    CREATE TABLE map_runs (
        arn TEXT PRIMARY KEY NOT NULL,
        execution_arn TEXT NOT NULL,
        start_date_millis INTEGER NOT NULL,
        progress TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX map_runs_by_execution ON map_runs (execution_arn, start_date_millis, arn);
    ",
];

/// The schema version this build writes and reads.
pub(crate) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database at `location` to [`SCHEMA_VERSION`], or refuses a newer one.
pub(crate) fn migrate(connection: &mut Connection, location: &str) -> Result<(), Error> {
    let failed = |context: &str| {
        let context = format!("{context} of {location}");
        move |source| Error::backend(context, source)
    };
    let found: i64 = connection
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(failed("reading the schema version"))?;
    if found > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            location: location.to_owned(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    let applied = usize::try_from(found).unwrap_or(0);
    if applied == MIGRATIONS.len() {
        return Ok(());
    }
    let transaction = connection.transaction().map_err(failed("migrating the schema"))?;
    for migration in &MIGRATIONS[applied..] {
        transaction.execute_batch(migration).map_err(failed("migrating the schema"))?;
    }
    transaction
        .pragma_update(None, "user_version", SCHEMA_VERSION)
        .map_err(failed("recording the schema version"))?;
    transaction.commit().map_err(failed("committing the schema migration"))
}
