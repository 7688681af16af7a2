//! What only a real file shows: commits survive closing and reopening, a process killed with
//! SIGKILL in the middle of committing loses no acknowledged commit and leaves no partial
//! one, a file from an older schema is migrated and one from a newer schema is refused, and a
//! shut-down store refuses writes.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use baton_store::conformance::{event, execution, machine};
use baton_store::{
    Change, Commit, Error, Order, PageRequest, StateMachineRevisionRecord, Store, TaskTokenRecord,
};
use baton_store_sqlite::{Options, SqliteStore};

/// The variable that turns `crash_child` into the child process of the crash test.
const CHILD_DATABASE: &str = "BATON_STORE_CRASH_CHILD_DATABASE";
/// The execution-name prefix the child uses, so rounds do not collide.
const CHILD_PREFIX: &str = "BATON_STORE_CRASH_CHILD_PREFIX";
/// Submitter threads in the child: enough that the writer groups commits.
const CHILD_THREADS: usize = 8;
/// After how many acknowledgements each round kills the child: different counts land the
/// kill at different points of the writer's cycle.
const KILL_AFTER: [usize; 4] = [40, 157, 311, 1];
/// Events each step appends.
const STEP_EVENTS: u64 = 3;

fn open(path: &Path) -> SqliteStore {
    Options::new(path).open().expect("the store opens")
}

/// One execution step as the runtime would commit it: a new execution with a snapshot,
/// its first events and a task token.
fn step(name: &str) -> Commit {
    let mut record = execution("m", name, 1);
    record.snapshot = vec![7; 1024];
    let arn = record.arn.clone();
    let mut changes = vec![Change::StartExecution(record)];
    changes.extend((1..=STEP_EVENTS).map(|id| Change::AppendEvent(event(&arn, id))));
    changes.push(Change::AddTaskToken(TaskTokenRecord {
        token: format!("token-{name}"),
        execution_arn: arn,
        task_id: "1".to_owned(),
    }));
    Commit::new(changes)
}

/// Asserts that the step named `name` is stored completely (`true`) or not at all (`false`),
/// and returns which.
fn step_state(store: &dyn Store, name: &str) -> bool {
    let arn = execution("m", name, 1).arn;
    let found = store.execution(&arn).unwrap().is_some();
    let events = store.history(&arn, Order::Forward, &PageRequest::first(10)).unwrap().items.len();
    let token = store.task_token(&format!("token-{name}")).unwrap().is_some();
    let expected_events = if found { STEP_EVENTS as usize } else { 0 };
    assert_eq!(events, expected_events, "events of {name} (execution stored: {found})");
    assert_eq!(token, found, "task token of {name} (execution stored: {found})");
    found
}

/// Every stored execution's name.
fn stored_names(store: &dyn Store) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut request = PageRequest::first(1000);
    loop {
        let page = store.running_executions(&request).unwrap();
        names.extend(page.items.into_iter().map(|e| e.name));
        match page.next {
            Some(token) => request = PageRequest::after(token, 1000),
            None => return names,
        }
    }
}

#[test]
fn reopen_keeps_commits_including_those_still_queued_at_drop() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("baton.db");
    let store = open(&path);
    store.commit(Commit::new(vec![Change::CreateStateMachine(machine("m", 1))])).unwrap();
    store.commit(step("waited")).unwrap();
    // Submitted without waiting, then the store is dropped: Drop must commit them.
    let completions: Vec<_> = (0..50)
        .map(|i| {
            let (callback, completion) = baton_store::completion();
            store.submit(step(&format!("queued-{i:02}")), callback);
            completion
        })
        .collect();
    drop(store);
    for completion in completions {
        completion.wait().expect("a commit queued at drop is committed");
    }

    let store = open(&path);
    assert_eq!(store.state_machine(&machine("m", 1).arn).unwrap(), Some(machine("m", 1)));
    assert!(step_state(&store, "waited"));
    for i in 0..50 {
        assert!(step_state(&store, &format!("queued-{i:02}")));
    }
}

#[test]
fn shut_down_store_refuses_writes_and_still_reads() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("baton.db"));
    store.commit(step("before")).unwrap();
    let clone = store.clone();
    store.shutdown().unwrap();
    let refused = clone.commit(step("after"));
    assert!(matches!(refused, Err(Error::Closed)), "{refused:?}");
    let claimed = clone.claim_next("arn:activity", "w", 1);
    assert!(matches!(claimed, Err(Error::Closed)), "{claimed:?}");
    assert!(step_state(&clone, "before"));
    assert!(!step_state(&clone, "after"));
    clone.shutdown().unwrap();
}

#[test]
fn a_panicking_callback_does_not_stop_the_writer() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("baton.db"));
    store.submit(step("first"), Box::new(|_| panic!("a broken callback")));
    store.commit(step("second")).expect("the writer still runs");
    assert!(step_state(&store, "first"));
    assert!(step_state(&store, "second"));
}

#[test]
fn zero_sized_options_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = Options::new(dir.path().join("baton.db"));
    options.read_connections = 0;
    let opened = options.open();
    assert!(
        matches!(&opened, Err(Error::InvalidOptions { reason }) if reason.contains("read_connections")),
        "{opened:?}"
    );
}

#[test]
fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("baton.db");
    open(&path).shutdown().unwrap();
    let connection = rusqlite::Connection::open(&path).unwrap();
    connection.pragma_update(None, "user_version", 99).unwrap();
    drop(connection);

    let opened = Options::new(&path).open();
    match opened {
        Err(Error::SchemaTooNew { location, found, supported }) => {
            assert_eq!((found, supported), (99, 10));
            assert_eq!(location, path.display().to_string());
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
}

/// A version-1 file (before kept revisions) keeps its data and gains the tables of versions 2
/// (kept revisions) and 3 (versions, aliases, execution sources); its histories survive version
/// 4's numbering of executions and version 5's events in write order, version 6 drops its
/// timers, its task tokens survive version 7's keyed tables, its executions read as never
/// redriven after version 8, its queued task survives version 9's dropped deadline columns,
/// version 10 adds Map Runs, and an event appended after the migration is refused when it is
/// appended twice.
#[test]
fn older_schema_is_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("baton.db");
    let store = open(&path);
    let record = machine("m", 1);
    store.commit(Commit::new(vec![Change::CreateStateMachine(record.clone())])).unwrap();
    store.commit(step("before-migration")).unwrap();
    let queue = baton_store::conformance::activity("q", 1).arn;
    let queued = baton_store::conformance::activity_task(&queue, "queued-token", 1);
    store.commit(Commit::new(vec![Change::EnqueueActivityTask(queued.clone())])).unwrap();
    let arn = execution("m", "before-migration", 1).arn;
    let stored = store.execution(&arn).unwrap();
    store.shutdown().unwrap();
    let connection = rusqlite::Connection::open(&path).unwrap();
    // Back to version 1's tables, with the same data: executions without a declared number,
    // events keyed by their execution's ARN, a timers table, and activity tasks and task
    // tokens in rowid tables.
    connection
        .execute_batch(
            "DROP TABLE state_machine_revisions; DROP TABLE state_machine_versions;
             DROP TABLE state_machine_version_numbers; DROP TABLE state_machine_aliases;
             DROP TABLE execution_sources; DROP TABLE map_runs;
             CREATE TABLE timers (
                 execution_arn TEXT NOT NULL, timer_id TEXT NOT NULL, due_millis INTEGER NOT NULL,
                 PRIMARY KEY (execution_arn, timer_id)) WITHOUT ROWID;
             CREATE INDEX timers_by_due ON timers (due_millis, execution_arn, timer_id);
             CREATE TABLE activity_tasks_v1 (
                 task_token TEXT PRIMARY KEY NOT NULL, activity_arn TEXT NOT NULL,
                 execution_arn TEXT NOT NULL, input TEXT NOT NULL,
                 enqueued_millis INTEGER NOT NULL, heartbeat_deadline_millis INTEGER,
                 timeout_deadline_millis INTEGER, worker_name TEXT, claimed_millis INTEGER);
             INSERT INTO activity_tasks_v1 (task_token, activity_arn, execution_arn, input,
                 enqueued_millis, worker_name, claimed_millis)
                 SELECT task_token, activity_arn, execution_arn, input, enqueued_millis,
                 worker_name, claimed_millis FROM activity_tasks;
             DROP TABLE activity_tasks;
             ALTER TABLE activity_tasks_v1 RENAME TO activity_tasks;
             CREATE INDEX activity_tasks_unclaimed
                 ON activity_tasks (activity_arn, enqueued_millis, task_token)
                 WHERE worker_name IS NULL;
             CREATE TABLE task_tokens_v1 (
                 token TEXT PRIMARY KEY NOT NULL, execution_arn TEXT NOT NULL,
                 task_id TEXT NOT NULL);
             INSERT INTO task_tokens_v1 SELECT * FROM task_tokens;
             DROP TABLE task_tokens;
             ALTER TABLE task_tokens_v1 RENAME TO task_tokens;
             CREATE TABLE events_v1 (
                 execution_arn TEXT NOT NULL, event_id INTEGER NOT NULL, type TEXT NOT NULL,
                 timestamp_millis INTEGER NOT NULL, body TEXT NOT NULL,
                 PRIMARY KEY (execution_arn, event_id)) WITHOUT ROWID;
             INSERT INTO events_v1 SELECT executions.arn, events.event_id, events.type,
                 events.timestamp_millis, events.body
                 FROM events JOIN executions ON executions.id = events.execution_id;
             DROP TABLE events;
             ALTER TABLE events_v1 RENAME TO events;
             CREATE TABLE executions_v1 AS SELECT arn, state_machine_arn, name, status,
                 start_date_millis, stop_date_millis, input, output, error, cause,
                 state_machine_revision_id, seed, snapshot, next_event_id FROM executions;
             DROP TABLE executions;
             ALTER TABLE executions_v1 RENAME TO executions;",
        )
        .unwrap();
    connection.pragma_update(None, "user_version", 1).unwrap();
    drop(connection);

    let store = open(&path);
    assert_eq!(store.state_machine(&record.arn).unwrap(), Some(record.clone()));
    assert_eq!(store.execution(&arn).unwrap(), stored);
    assert!(step_state(&store, "before-migration"));
    assert_eq!(store.activity_task("queued-token").unwrap(), Some(queued));
    let claimed = store.claim_next(&queue, "w", 5).unwrap().expect("the queued task");
    assert_eq!(claimed.task_token, "queued-token");
    let appended = Commit::new(vec![Change::AppendEvent(event(&arn, STEP_EVENTS + 1))]);
    store.commit(appended.clone()).unwrap();
    assert!(matches!(store.commit(appended), Err(Error::DuplicateEvent { .. })));
    let history = store.history(&arn, Order::Forward, &PageRequest::first(10)).unwrap();
    let ids: Vec<u64> = history.items.iter().map(|event| event.event_id).collect();
    assert_eq!(ids, (1..=STEP_EVENTS + 1).collect::<Vec<_>>());
    let kept = StateMachineRevisionRecord {
        state_machine_arn: record.arn.clone(),
        revision_id: record.revision_id.clone(),
        definition: record.definition.clone(),
        role_arn: record.role_arn.clone(),
        update_date_millis: None,
        logging_configuration: record.logging_configuration.clone(),
        tracing_configuration: record.tracing_configuration.clone(),
    };
    store.commit(Commit::new(vec![Change::KeepStateMachineRevision(kept.clone())])).unwrap();
    assert_eq!(store.state_machine_revision(&record.arn, &record.revision_id).unwrap(), Some(kept));
    let version = baton_store::conformance::version("m", 1);
    store.commit(Commit::new(vec![Change::PublishStateMachineVersion(version.clone())])).unwrap();
    assert_eq!(store.state_machine_version(&version.arn).unwrap(), Some(version));
    store.shutdown().unwrap();
}

#[test]
fn not_a_database_is_a_backend_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("baton.db");
    std::fs::write(&path, vec![b'x'; 8192]).unwrap();
    let opened = Options::new(&path).open();
    match opened {
        Err(error @ Error::Backend { .. }) => {
            assert!(error.to_string().contains(&path.display().to_string()), "{error}");
        }
        other => panic!("expected a backend error, got {other:?}"),
    }
}

/// The child process of the crash test: commits steps from several threads forever and
/// prints each step's name once its commit is acknowledged. It does nothing unless the
/// crash test started it (with `CHILD_DATABASE` set).
#[test]
fn crash_child() {
    let Some(path) = std::env::var_os(CHILD_DATABASE) else { return };
    let prefix = std::env::var(CHILD_PREFIX).expect("the crash test names a prefix");
    let store = open(Path::new(&path));
    std::thread::scope(|scope| {
        for thread in 0..CHILD_THREADS {
            let (store, prefix) = (&store, &prefix);
            scope.spawn(move || {
                for i in 0.. {
                    let name = format!("{prefix}-{thread}-{i}");
                    store.commit(step(&name)).expect("the child's commit");
                    let mut stdout = std::io::stdout().lock();
                    writeln!(stdout, "acked {name}").and_then(|()| stdout.flush()).unwrap();
                }
            });
        }
    });
}

#[test]
fn sigkill_while_committing_loses_no_acknowledged_commit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("baton.db");
    let mut acknowledged = BTreeSet::new();
    // Each round reopens what the previous one left.
    for (round, kill_after) in KILL_AFTER.into_iter().enumerate() {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "crash_child", "--nocapture", "--test-threads", "1"])
            .env(CHILD_DATABASE, &path)
            .env(CHILD_PREFIX, format!("r{round}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut seen = 0;
        for line in lines.by_ref() {
            if let Some(name) = line.unwrap().strip_prefix("acked ") {
                acknowledged.insert(name.to_owned());
                seen += 1;
                if seen == kill_after {
                    child.kill().unwrap(); // SIGKILL on Unix.
                    break;
                }
            }
        }
        // Acknowledgements printed before the kill are still in the pipe.
        for line in lines {
            if let Some(name) = line.unwrap().strip_prefix("acked ") {
                acknowledged.insert(name.to_owned());
            }
        }
        child.wait().unwrap();

        let store = open(&path);
        let stored = stored_names(&store);
        for name in &acknowledged {
            assert!(stored.contains(name), "round {round}: acknowledged {name} is missing");
        }
        // Every stored step is complete: no commit is partly visible.
        for name in &stored {
            assert!(step_state(&store, name));
        }
        store.shutdown().unwrap();
    }
    assert!(acknowledged.len() >= KILL_AFTER.iter().sum());
}
