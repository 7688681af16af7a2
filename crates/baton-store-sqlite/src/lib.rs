//! Baton's embedded durable store: one SQLite file in WAL mode.
//!
//! * **Writes** go to one writer thread that owns the only write connection. It groups every
//!   commit queued while the previous transaction was being made durable into the next
//!   transaction, so one fsync makes many executions' steps durable (group commit). A refused
//!   commit does not affect the others: a batch with one is applied again with a savepoint
//!   per commit.
//! * **Durability**: `synchronous=FULL` by default ([`Synchronous::Full`]): SQLite fsyncs the
//!   WAL at every transaction, and a submitter hears `Ok` only after that. An acknowledged
//!   commit therefore survives a crash of the process or of the machine.
//! * **Reads** use a small pool of read-only connections; in WAL mode they never wait for
//!   the writer.
//! * **Claims** of activity tasks go through the writer too: a claim is a write, so it is
//!   durable (and grouped with other writes, which matters at thousands of polls a second)
//!   before the worker gets the task, and the single writer hands each task to one claim.
//!
//! The store follows STYLE A6 for a long-running part: [`Options`] (serde) →
//! [`Options::open`] → a cheap-to-clone [`SqliteStore`] handle. [`SqliteStore::shutdown`]
//! commits what is queued and joins the writer thread; dropping the last handle does the same.
//!
//! ```
//! use baton_store::{Change, Commit, Store, TaskTokenRecord};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let store = baton_store_sqlite::Options::new(dir.path().join("baton.db")).open().unwrap();
//! let token = TaskTokenRecord {
//!     token: "AAAA".to_owned(),
//!     execution_arn: "arn:aws:states:us-east-1:123456789012:execution:m:e".to_owned(),
//!     task_id: "1".to_owned(),
//! };
//! // Blocks until the commit is fsynced; from tokio, use `submit` with a oneshot instead
//! // (see the `baton_store` crate docs).
//! store.commit(Commit::new(vec![Change::AddTaskToken(token)])).unwrap();
//! store.shutdown().unwrap();
//! ```
//!
//! # Benchmark
//!
//! `cargo run --release -p baton-store-sqlite --example bench` measures group commit from
//! 1, 16, 64 and 256 submitter threads, and recovery of 100,000 running executions, on a real
//! file under `target/` with `synchronous=FULL` (results in `docs/benchmarks.md`).

mod read;
mod rows;
mod schema;
mod versions;
mod writer;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, SyncSender};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};

use baton_store::completion::Reply;
use baton_store::page::listing;
use baton_store::{
    ActivityRecord, ActivityTaskRecord, Callback, ClaimRequest, Commit, Error, EventRecord,
    ExecutionFilter, ExecutionRecord, ExecutionSourceRecord, ExecutionStatus, MapRunRecord, Order,
    Page, PageRequest, StateMachineAliasRecord, StateMachineRecord, StateMachineRevisionRecord,
    StateMachineVersionRecord, Store, TaskTokenRecord,
};

use crate::read::{Listing, ReadPool};
use crate::writer::Request;

/// The most commits one transaction takes by default. Larger batches amortize the fsync over
/// more commits but hold every submitter of the batch until the last commit is applied;
/// at about 20 µs per commit, 1,024 commits keep a batch near 20 ms.
pub const BATCH_COMMITS_MAX: usize = 1024;

/// Read-only connections opened by default: enough for the API and the runtime to read
/// concurrently on a small machine without holding many file handles.
pub const READ_CONNECTIONS: usize = 4;

/// Requests that may wait for the writer before `submit` blocks the submitter: backpressure
/// when the disk cannot keep up, instead of an unbounded queue.
pub const QUEUE_REQUESTS_MAX: usize = 16 * BATCH_COMMITS_MAX;

/// Prepared statements each connection keeps. Every statement the store runs is prepared
/// once per connection and reused; rusqlite's default of 16 is fewer than the store's
/// distinct statements, which would re-prepare them over and over.
const STATEMENTS_CACHED: usize = 64;

/// The writer's page cache, in KiB: SQLite's default of 2 MiB. A larger cache (64 MiB was
/// tried, so that large batches would not spill dirty pages before their commit) made every
/// commit scan the cache's whole hash table when it ends (`pcache1TruncateUnsafe`, 6% of the
/// server's CPU in the activity round-trip benchmark) and gave no more durable transitions
/// per second (docs/benchmarks.md).
const WRITER_CACHE_KIB: i64 = 2 * 1024;

/// WAL pages after which a commit checkpoints them into the database file (SQLite's
/// default is 1,000, 4 MiB). An execution's row and history pages change at every step;
/// a longer WAL lets many of those changes reach the database file as one page write, which
/// measured about a third more commits per second (docs/benchmarks.md). The WAL then grows
/// to about 64 MiB between checkpoints.
const WAL_CHECKPOINT_PAGES: i64 = 16 * 1024;

/// How long a connection waits for a lock held by another process before failing. Within
/// one store there is a single writer and WAL readers never wait, so this only matters when
/// another program has the file open.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Where the store lives and how it commits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Options {
    /// The database file; created with its schema if absent. SQLite keeps `-wal` and `-shm`
    /// files beside it.
    pub path: PathBuf,
    /// When SQLite fsyncs. Defaults to [`Synchronous::Full`], which Baton's durability
    /// guarantee requires.
    #[serde(default = "Synchronous::full")]
    pub synchronous: Synchronous,
    /// The most commits one transaction takes (at least 1). Defaults to
    /// [`BATCH_COMMITS_MAX`].
    #[serde(default = "batch_commits_max")]
    pub batch_commits_max: usize,
    /// How many read-only connections to open (at least 1). Defaults to [`READ_CONNECTIONS`].
    #[serde(default = "read_connections")]
    pub read_connections: usize,
}

/// SQLite's `synchronous` setting for the writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Synchronous {
    /// fsync the WAL at every commit: an acknowledged commit survives a power loss. The
    /// default, and what Baton's "committed before any effect" promise assumes.
    Full,
    /// fsync only at checkpoints: an acknowledged commit survives a crash of the process but
    /// may be lost with the machine. For tests and throwaway setups only.
    Normal,
}

impl Synchronous {
    fn full() -> Self {
        Self::Full
    }

    fn pragma(self) -> &'static str {
        match self {
            Self::Full => "FULL",
            Self::Normal => "NORMAL",
        }
    }
}

fn batch_commits_max() -> usize {
    BATCH_COMMITS_MAX
}

fn read_connections() -> usize {
    READ_CONNECTIONS
}

impl Options {
    /// The defaults for a database at `path`: `synchronous=FULL`, [`BATCH_COMMITS_MAX`],
    /// [`READ_CONNECTIONS`].
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            synchronous: Synchronous::Full,
            batch_commits_max: BATCH_COMMITS_MAX,
            read_connections: READ_CONNECTIONS,
        }
    }

    /// Opens (or creates) the database, migrates its schema, and starts the writer thread.
    ///
    /// Fails with [`Error::SchemaTooNew`] for a file written by a newer Baton, with
    /// [`Error::InvalidOptions`] for a zero `batch_commits_max` or `read_connections`, and
    /// with [`Error::Backend`] if the file cannot be opened or is not a database.
    pub fn open(self) -> Result<SqliteStore, Error> {
        for (name, value) in [
            ("batch_commits_max", self.batch_commits_max),
            ("read_connections", self.read_connections),
        ] {
            if value == 0 {
                return Err(Error::InvalidOptions { reason: format!("{name} must be at least 1") });
            }
        }
        let location = self.path.display().to_string();
        let failed = |context: &str| {
            let context = format!("{context} {location}");
            move |source: rusqlite::Error| Error::backend(context, source)
        };
        let mut writer = Connection::open(&self.path).map_err(failed("opening"))?;
        writer.busy_timeout(BUSY_TIMEOUT).map_err(failed("configuring"))?;
        writer
            .pragma_update(None, "synchronous", self.synchronous.pragma())
            .map_err(failed("setting synchronous on"))?;
        writer.set_prepared_statement_cache_capacity(STATEMENTS_CACHED);
        // A negative cache_size is in KiB rather than pages.
        writer
            .pragma_update(None, "cache_size", -WRITER_CACHE_KIB)
            .map_err(failed("configuring"))?;
        writer
            .pragma_update(None, "wal_autocheckpoint", WAL_CHECKPOINT_PAGES)
            .map_err(failed("configuring"))?;
        // Each commit's savepoint keeps the pages it changes in a sub-journal; in memory,
        // rather than in a temporary file, that costs a copy instead of a write.
        writer.pragma_update(None, "temp_store", "MEMORY").map_err(failed("configuring"))?;
        let journal_mode: String = writer
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(failed("switching to WAL"))?;
        if !journal_mode.eq_ignore_ascii_case("wal") {
            let source = std::io::Error::other(format!("journal_mode is {journal_mode}"));
            return Err(Error::backend(format!("switching to WAL {location}"), source));
        }
        schema::migrate(&mut writer, &location)?;

        let readers = (0..self.read_connections)
            .map(|_| {
                let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
                let reader = Connection::open_with_flags(&self.path, flags)?;
                reader.busy_timeout(BUSY_TIMEOUT)?;
                reader.set_prepared_statement_cache_capacity(STATEMENTS_CACHED);
                Ok(reader)
            })
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(failed("opening a read connection to"))?;

        let (sender, receiver) = mpsc::sync_channel(QUEUE_REQUESTS_MAX);
        let batch_max = self.batch_commits_max;
        let counters = Arc::new(Counters::default());
        let writer_counters = Arc::clone(&counters);
        let thread = std::thread::Builder::new()
            .name("baton-store-writer".to_owned())
            .spawn(move || writer::run(writer, receiver, batch_max, writer_counters))
            .map_err(|source| {
                Error::backend(format!("starting the writer thread for {location}"), source)
            })?;
        Ok(SqliteStore {
            shared: Arc::new(Shared {
                sender: RwLock::new(Some(sender)),
                writer: Mutex::new(Some(thread)),
                reads: ReadPool::new(readers),
                counters,
            }),
        })
    }
}

/// A handle to an open SQLite store; clones share the same database and writer thread.
#[derive(Clone)]
pub struct SqliteStore {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

struct Shared {
    /// `None` once shut down; submissions then fail with [`Error::Closed`].
    sender: RwLock<Option<SyncSender<Request>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    reads: ReadPool,
    counters: Arc<Counters>,
}

/// What the writer thread has done, updated after each transaction.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    transactions: AtomicU64,
    requests: AtomicU64,
}

/// How much grouping the writer achieved: requests (commits and claims) per transaction,
/// and so per fsync under `synchronous=FULL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Write transactions committed (or failed) since the store opened.
    pub transactions: u64,
    /// Requests they carried.
    pub requests: u64,
}

impl Shared {
    fn send(&self, request: Request) {
        let sender = self.sender.read().unwrap_or_else(PoisonError::into_inner);
        match sender.as_ref() {
            // A send error hands the request back; dropping it answers `Closed` (Reply).
            Some(sender) => drop(sender.send(request)),
            None => drop(request),
        }
    }

    /// Stops taking requests, lets the writer commit everything queued, and joins it.
    fn shutdown(&self) -> Result<(), Error> {
        drop(self.sender.write().unwrap_or_else(PoisonError::into_inner).take());
        let thread = self.writer.lock().unwrap_or_else(PoisonError::into_inner).take();
        match thread {
            Some(thread) => thread.join().map_err(|_| {
                let source = std::io::Error::other("the writer thread panicked");
                Error::backend("shutting down the store", source)
            }),
            None => Ok(()),
        }
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        // Whatever was queued is committed before the file closes; a writer panic was
        // already reported to the submitters it failed.
        let _ = self.shutdown();
    }
}

impl SqliteStore {
    /// Commits every queued request, stops the writer thread and waits for it. Later writes
    /// on any clone fail with [`Error::Closed`]; reads keep working until the last clone is
    /// dropped.
    pub fn shutdown(&self) -> Result<(), Error> {
        self.shared.shutdown()
    }

    /// A page of a table listed in creation order: `(table, columns, listing)`.
    fn list_by_creation<T>(
        &self,
        (table, columns, listing): (&'static str, &'static str, &'static str),
        page: &PageRequest,
        row: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
        key_of: impl Fn(&T) -> (i64, String),
    ) -> Result<Page<T>, Error> {
        let query = Listing {
            listing,
            table,
            columns,
            filter: "1",
            values: vec![],
            key_columns: "creation_date_millis, arn",
            order: Order::Forward,
        };
        self.shared.reads.page(&query, page, row, key_of, date_and_arn)
    }

    /// The writer's counters, for benchmarks and monitoring.
    pub fn stats(&self) -> Stats {
        let counters = &self.shared.counters;
        Stats {
            transactions: counters.transactions.load(Ordering::Relaxed),
            requests: counters.requests.load(Ordering::Relaxed),
        }
    }
}

impl Store for SqliteStore {
    fn submit(&self, commit: Commit, done: Callback<()>) {
        self.shared.send(Request::Commit(commit, Reply::new(done)));
    }

    fn submit_claim(&self, claim: ClaimRequest, done: Callback<Option<ActivityTaskRecord>>) {
        self.shared.send(Request::Claim(claim, Reply::new(done)));
    }

    fn state_machine(&self, arn: &str) -> Result<Option<StateMachineRecord>, Error> {
        let sql =
            format!("SELECT {} FROM state_machines WHERE arn = ?1", rows::STATE_MACHINE_COLUMNS);
        self.shared.reads.one("state machine", &sql, &[arn], rows::state_machine)
    }

    fn state_machine_revision(
        &self,
        state_machine_arn: &str,
        revision_id: &str,
    ) -> Result<Option<StateMachineRevisionRecord>, Error> {
        let sql = format!(
            "SELECT {} FROM state_machine_revisions WHERE state_machine_arn = ?1 AND revision_id = ?2",
            rows::REVISION_COLUMNS
        );
        let key = [state_machine_arn, revision_id];
        self.shared.reads.one("state machine revision", &sql, &key, rows::revision)
    }

    fn list_state_machines(&self, page: &PageRequest) -> Result<Page<StateMachineRecord>, Error> {
        let table = ("state_machines", rows::STATE_MACHINE_COLUMNS, listing::STATE_MACHINES);
        self.list_by_creation(table, page, rows::state_machine, |m| {
            (m.creation_date_millis, m.arn.clone())
        })
    }

    fn activity(&self, arn: &str) -> Result<Option<ActivityRecord>, Error> {
        let sql = format!("SELECT {} FROM activities WHERE arn = ?1", rows::ACTIVITY_COLUMNS);
        self.shared.reads.one("activity", &sql, &[arn], rows::activity)
    }

    fn list_activities(&self, page: &PageRequest) -> Result<Page<ActivityRecord>, Error> {
        let table = ("activities", rows::ACTIVITY_COLUMNS, listing::ACTIVITIES);
        self.list_by_creation(table, page, rows::activity, |a| {
            (a.creation_date_millis, a.arn.clone())
        })
    }

    fn execution(&self, arn: &str) -> Result<Option<ExecutionRecord>, Error> {
        let sql = format!("SELECT {} FROM executions WHERE arn = ?1", rows::EXECUTION_COLUMNS);
        self.shared.reads.one("execution", &sql, &[arn], rows::execution)
    }

    fn execution_by_name(
        &self,
        state_machine_arn: &str,
        name: &str,
    ) -> Result<Option<ExecutionRecord>, Error> {
        let sql = format!(
            "SELECT {} FROM executions WHERE state_machine_arn = ?1 AND name = ?2",
            rows::EXECUTION_COLUMNS
        );
        self.shared.reads.one("execution", &sql, &[state_machine_arn, name], rows::execution)
    }

    fn list_executions(
        &self,
        filter: &ExecutionFilter,
        page: &PageRequest,
    ) -> Result<Page<ExecutionRecord>, Error> {
        let (condition, values) = executions_condition(
            "state_machine_arn",
            &filter.state_machine_arn,
            filter.status,
            filter.redriven,
        );
        let query = Listing {
            listing: listing::EXECUTIONS,
            table: "executions",
            columns: rows::EXECUTION_COLUMNS,
            filter: &condition,
            values,
            key_columns: "start_date_millis, arn",
            order: Order::Reverse,
        };
        self.shared.reads.page(
            &query,
            page,
            rows::execution,
            |e| (e.start_date_millis, e.arn.clone()),
            date_and_arn,
        )
    }

    fn list_version_executions(
        &self,
        version_arn: &str,
        status: Option<ExecutionStatus>,
        redriven: Option<bool>,
        page: &PageRequest,
    ) -> Result<Page<ExecutionRecord>, Error> {
        let (condition, values) =
            executions_condition("version_arn", version_arn, status, redriven);
        let query = Listing {
            listing: listing::VERSION_EXECUTIONS,
            table: "execution_sources JOIN executions ON executions.arn = execution_arn",
            columns: rows::EXECUTION_COLUMNS,
            filter: &condition,
            values,
            key_columns: "start_date_millis, arn",
            order: Order::Reverse,
        };
        self.shared.reads.page(
            &query,
            page,
            rows::execution,
            |e| (e.start_date_millis, e.arn.clone()),
            date_and_arn,
        )
    }

    fn execution_source(
        &self,
        execution_arn: &str,
    ) -> Result<Option<ExecutionSourceRecord>, Error> {
        let sql = format!(
            "SELECT {} FROM execution_sources WHERE execution_arn = ?1",
            rows::SOURCE_COLUMNS
        );
        self.shared.reads.one("execution source", &sql, &[execution_arn], rows::source)
    }

    fn state_machine_version(&self, arn: &str) -> Result<Option<StateMachineVersionRecord>, Error> {
        let sql =
            format!("SELECT {} FROM state_machine_versions WHERE arn = ?1", rows::VERSION_COLUMNS);
        self.shared.reads.one("state machine version", &sql, &[arn], rows::version)
    }

    fn list_state_machine_versions(
        &self,
        state_machine_arn: &str,
        page: &PageRequest,
    ) -> Result<Page<StateMachineVersionRecord>, Error> {
        let query = Listing {
            listing: listing::STATE_MACHINE_VERSIONS,
            table: "state_machine_versions",
            columns: rows::VERSION_COLUMNS,
            filter: "state_machine_arn = ?1",
            values: vec![Value::Text(state_machine_arn.to_owned())],
            key_columns: "version_number",
            order: Order::Reverse,
        };
        self.shared.reads.page(
            &query,
            page,
            rows::version,
            |v| v.version_number,
            |number: u64| vec![Value::Integer(i64::try_from(number).unwrap_or(i64::MAX))],
        )
    }

    fn latest_version_number(&self, state_machine_arn: &str) -> Result<u64, Error> {
        let sql = "SELECT latest_version_number FROM state_machine_version_numbers
            WHERE state_machine_arn = ?1";
        let latest =
            self.shared
                .reads
                .one("version numbers", sql, &[state_machine_arn], |row| row.get(0))?;
        Ok(latest.unwrap_or(0))
    }

    fn state_machine_alias(&self, arn: &str) -> Result<Option<StateMachineAliasRecord>, Error> {
        let sql =
            format!("SELECT {} FROM state_machine_aliases WHERE arn = ?1", rows::ALIAS_COLUMNS);
        self.shared.reads.one("state machine alias", &sql, &[arn], rows::alias)
    }

    fn list_state_machine_aliases(
        &self,
        state_machine_arn: &str,
        page: &PageRequest,
    ) -> Result<Page<StateMachineAliasRecord>, Error> {
        let query = Listing {
            listing: listing::STATE_MACHINE_ALIASES,
            table: "state_machine_aliases",
            columns: rows::ALIAS_COLUMNS,
            filter: "state_machine_arn = ?1",
            values: vec![Value::Text(state_machine_arn.to_owned())],
            key_columns: "creation_date_millis, arn",
            order: Order::Forward,
        };
        self.shared.reads.page(
            &query,
            page,
            rows::alias,
            |a| (a.creation_date_millis, a.arn.clone()),
            date_and_arn,
        )
    }

    fn map_run(&self, arn: &str) -> Result<Option<MapRunRecord>, Error> {
        let sql = format!("SELECT {} FROM map_runs WHERE arn = ?1", rows::MAP_RUN_COLUMNS);
        self.shared.reads.one("map run", &sql, &[arn], rows::map_run)
    }

    fn list_map_runs(
        &self,
        execution_arn: &str,
        page: &PageRequest,
    ) -> Result<Page<MapRunRecord>, Error> {
        let query = Listing {
            listing: listing::MAP_RUNS,
            table: "map_runs",
            columns: rows::MAP_RUN_COLUMNS,
            filter: "execution_arn = ?1",
            values: vec![Value::Text(execution_arn.to_owned())],
            key_columns: "start_date_millis, arn",
            order: Order::Reverse,
        };
        self.shared.reads.page(
            &query,
            page,
            rows::map_run,
            |run| (run.start_date_millis, run.arn.clone()),
            date_and_arn,
        )
    }

    fn running_executions(&self, page: &PageRequest) -> Result<Page<ExecutionRecord>, Error> {
        let query = Listing {
            listing: listing::RUNNING_EXECUTIONS,
            table: "executions",
            columns: rows::EXECUTION_COLUMNS,
            // Spelled as in the partial index, so SQLite uses it.
            filter: "status = 'RUNNING'",
            values: vec![],
            key_columns: "arn",
            order: Order::Forward,
        };
        self.shared.reads.page(
            &query,
            page,
            rows::execution,
            |e| e.arn.clone(),
            |arn| vec![Value::Text(arn)],
        )
    }

    fn history(
        &self,
        execution_arn: &str,
        order: Order,
        page: &PageRequest,
    ) -> Result<Page<EventRecord>, Error> {
        let query = Listing {
            listing: listing::HISTORY,
            table: "events",
            columns: rows::HISTORY_COLUMNS,
            filter: "execution_id = (SELECT id FROM executions WHERE arn = ?1)",
            values: vec![Value::Text(execution_arn.to_owned())],
            key_columns: "event_id",
            order,
        };
        self.shared.reads.page(
            &query,
            page,
            rows::event,
            |e| e.event_id,
            |id: u64| vec![Value::Integer(i64::try_from(id).unwrap_or(i64::MAX))],
        )
    }

    fn activity_task(&self, task_token: &str) -> Result<Option<ActivityTaskRecord>, Error> {
        let sql = format!(
            "SELECT {} FROM activity_tasks WHERE task_token = ?1",
            rows::ACTIVITY_TASK_COLUMNS
        );
        self.shared.reads.one("activity task", &sql, &[task_token], rows::activity_task)
    }

    fn task_token(&self, token: &str) -> Result<Option<TaskTokenRecord>, Error> {
        let sql = format!("SELECT {} FROM task_tokens WHERE token = ?1", rows::TASK_TOKEN_COLUMNS);
        self.shared.reads.one("task token", &sql, &[token], rows::task_token)
    }
}

/// An executions listing's condition and its values: `column` is `key`, and the status and
/// whether it was redriven are those asked for, if any.
fn executions_condition(
    column: &str,
    key: &str,
    status: Option<ExecutionStatus>,
    redriven: Option<bool>,
) -> (String, Vec<Value>) {
    let mut values = vec![Value::Text(key.to_owned())];
    let mut condition = format!("{column} = ?1");
    if let Some(status) = status {
        values.push(Value::Text(status.as_str().to_owned()));
        condition.push_str(" AND status = ?2");
    }
    condition.push_str(match redriven {
        None => "",
        Some(true) => " AND redrive_count > 0",
        Some(false) => " AND redrive_count = 0",
    });
    (condition, values)
}

/// The SQL values of a (date, ARN) page key.
fn date_and_arn((date, arn): (i64, String)) -> Vec<Value> {
    vec![Value::Integer(date), Value::Text(arn)]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Options read from configuration default to the durable setting and the named limits.
    #[test]
    fn options_default_to_full_synchronous() {
        let options: Options = serde_json::from_str(r#"{"path": "/data/baton.db"}"#).unwrap();
        assert_eq!(options, Options::new("/data/baton.db"));
        assert_eq!(options.synchronous, Synchronous::Full);
        let normal: Options =
            serde_json::from_str(r#"{"path": "x", "synchronous": "NORMAL"}"#).unwrap();
        assert_eq!(normal.synchronous, Synchronous::Normal);
    }
}
