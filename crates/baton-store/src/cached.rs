//! A [`Store`] that keeps state machine and activity records in memory in front of another
//! store, because every StartExecution reads its machine and every activity task reads its
//! activity. On SQLite each of those reads starts a read transaction, and after any write in
//! between (which a busy server always has) the reader's page cache is void, so the lookup
//! reads its pages again: about a tenth of the server's CPU in the activity round-trip
//! benchmark (docs/benchmarks.md).
//!
//! The cache is exact, never stale: a record is kept only if no commit that changes machines
//! or activities ([`Change::changes_catalog`]) was in flight at any moment of its read, and
//! every such commit empties the cache when it is submitted and again when it is durable,
//! before its submitter hears of it. A read after an acknowledged change therefore sees it,
//! as [`Store::submit`] promises. Absent records are not kept: a missing machine is a rare
//! error, and creating it must not have to know about earlier misses.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::{
    ActivityRecord, ActivityTaskRecord, Callback, Change, ClaimRequest, Commit, Error, EventRecord,
    ExecutionFilter, ExecutionRecord, ExecutionSourceRecord, ExecutionStatus, MapRunRecord, Order,
    Page, PageRequest, StateMachineAliasRecord, StateMachineRecord, StateMachineRevisionRecord,
    StateMachineVersionRecord, Store, TaskTokenRecord,
};

/// The most records of each kind kept; past it the cache starts over. AWS allows 10,000
/// machines per account, and a server uses far fewer at a time.
const CACHED_RECORDS_MAX: usize = 4_096;

/// A store with machine and activity records cached in front of `inner`.
pub struct CachedCatalog {
    inner: Arc<dyn Store>,
    catalog: Arc<Mutex<Catalog>>,
}

/// The cached records, and what tells whether a read may be kept.
#[derive(Default)]
struct Catalog {
    machines: HashMap<String, StateMachineRecord>,
    activities: HashMap<String, ActivityRecord>,
    /// Catalog commits submitted and not yet durable or refused.
    changing: usize,
    /// Catalog commits finished so far.
    changed: u64,
}

/// What a read saw of the catalog's changes when it began.
#[derive(Clone, Copy)]
struct ReadStart {
    changing: usize,
    changed: u64,
}

impl Catalog {
    fn clear(&mut self) {
        self.machines.clear();
        self.activities.clear();
    }

    fn read_start(&self) -> ReadStart {
        ReadStart { changing: self.changing, changed: self.changed }
    }

    /// Whether a read that began at `start` and ends now saw no catalog change.
    fn unchanged_since(&self, start: ReadStart) -> bool {
        start.changing == 0 && self.changing == 0 && start.changed == self.changed
    }
}

impl CachedCatalog {
    /// `inner` with its machine and activity records cached.
    pub fn new(inner: Arc<dyn Store>) -> CachedCatalog {
        CachedCatalog { inner, catalog: Arc::default() }
    }

    fn catalog(&self) -> MutexGuard<'_, Catalog> {
        lock(&self.catalog)
    }

    /// `read` through the cache held in `pick`.
    fn read_through<R: Clone>(
        &self,
        key: &str,
        pick: impl Fn(&mut Catalog) -> &mut HashMap<String, R>,
        read: impl FnOnce() -> Result<Option<R>, Error>,
    ) -> Result<Option<R>, Error> {
        let start = {
            let mut catalog = self.catalog();
            if let Some(found) = pick(&mut catalog).get(key) {
                return Ok(Some(found.clone()));
            }
            catalog.read_start()
        };
        let found = read()?;
        if let Some(record) = &found {
            let mut catalog = self.catalog();
            if catalog.unchanged_since(start) {
                let records = pick(&mut catalog);
                if records.len() >= CACHED_RECORDS_MAX {
                    records.clear();
                }
                records.insert(key.to_owned(), record.clone());
            }
        }
        Ok(found)
    }
}

/// The catalog, locked. Nothing panics while holding it, and what it holds is only a cache.
fn lock(catalog: &Mutex<Catalog>) -> MutexGuard<'_, Catalog> {
    catalog.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Store for CachedCatalog {
    fn submit(&self, commit: Commit, done: Callback<()>) {
        if !commit.changes.iter().any(Change::changes_catalog) {
            return self.inner.submit(commit, done);
        }
        {
            let mut catalog = self.catalog();
            catalog.changing += 1;
            catalog.clear();
        }
        let catalog = Arc::clone(&self.catalog);
        self.inner.submit(
            commit,
            Box::new(move |result| {
                {
                    let mut catalog = lock(&catalog);
                    catalog.changing -= 1;
                    catalog.changed += 1;
                    catalog.clear();
                }
                done(result);
            }),
        );
    }

    fn submit_claim(&self, claim: ClaimRequest, done: Callback<Option<ActivityTaskRecord>>) {
        self.inner.submit_claim(claim, done);
    }

    fn state_machine(&self, arn: &str) -> Result<Option<StateMachineRecord>, Error> {
        self.read_through(arn, |catalog| &mut catalog.machines, || self.inner.state_machine(arn))
    }

    fn state_machine_revision(
        &self,
        state_machine_arn: &str,
        revision_id: &str,
    ) -> Result<Option<StateMachineRevisionRecord>, Error> {
        self.inner.state_machine_revision(state_machine_arn, revision_id)
    }

    fn list_state_machines(&self, page: &PageRequest) -> Result<Page<StateMachineRecord>, Error> {
        self.inner.list_state_machines(page)
    }

    fn activity(&self, arn: &str) -> Result<Option<ActivityRecord>, Error> {
        self.read_through(arn, |catalog| &mut catalog.activities, || self.inner.activity(arn))
    }

    fn list_activities(&self, page: &PageRequest) -> Result<Page<ActivityRecord>, Error> {
        self.inner.list_activities(page)
    }

    fn execution(&self, arn: &str) -> Result<Option<ExecutionRecord>, Error> {
        self.inner.execution(arn)
    }

    fn execution_by_name(
        &self,
        state_machine_arn: &str,
        name: &str,
    ) -> Result<Option<ExecutionRecord>, Error> {
        self.inner.execution_by_name(state_machine_arn, name)
    }

    fn list_executions(
        &self,
        filter: &ExecutionFilter,
        page: &PageRequest,
    ) -> Result<Page<ExecutionRecord>, Error> {
        self.inner.list_executions(filter, page)
    }

    fn list_version_executions(
        &self,
        version_arn: &str,
        status: Option<ExecutionStatus>,
        redriven: Option<bool>,
        page: &PageRequest,
    ) -> Result<Page<ExecutionRecord>, Error> {
        self.inner.list_version_executions(version_arn, status, redriven, page)
    }

    fn execution_source(
        &self,
        execution_arn: &str,
    ) -> Result<Option<ExecutionSourceRecord>, Error> {
        self.inner.execution_source(execution_arn)
    }

    fn state_machine_version(&self, arn: &str) -> Result<Option<StateMachineVersionRecord>, Error> {
        self.inner.state_machine_version(arn)
    }

    fn list_state_machine_versions(
        &self,
        state_machine_arn: &str,
        page: &PageRequest,
    ) -> Result<Page<StateMachineVersionRecord>, Error> {
        self.inner.list_state_machine_versions(state_machine_arn, page)
    }

    fn latest_version_number(&self, state_machine_arn: &str) -> Result<u64, Error> {
        self.inner.latest_version_number(state_machine_arn)
    }

    fn state_machine_alias(&self, arn: &str) -> Result<Option<StateMachineAliasRecord>, Error> {
        self.inner.state_machine_alias(arn)
    }

    fn list_state_machine_aliases(
        &self,
        state_machine_arn: &str,
        page: &PageRequest,
    ) -> Result<Page<StateMachineAliasRecord>, Error> {
        self.inner.list_state_machine_aliases(state_machine_arn, page)
    }

    fn map_run(&self, arn: &str) -> Result<Option<MapRunRecord>, Error> {
        self.inner.map_run(arn)
    }

    fn list_map_runs(
        &self,
        execution_arn: &str,
        page: &PageRequest,
    ) -> Result<Page<MapRunRecord>, Error> {
        self.inner.list_map_runs(execution_arn, page)
    }

    fn running_executions(&self, page: &PageRequest) -> Result<Page<ExecutionRecord>, Error> {
        self.inner.running_executions(page)
    }

    fn history(
        &self,
        execution_arn: &str,
        order: Order,
        page: &PageRequest,
    ) -> Result<Page<EventRecord>, Error> {
        self.inner.history(execution_arn, order, page)
    }

    fn activity_task(&self, task_token: &str) -> Result<Option<ActivityTaskRecord>, Error> {
        self.inner.activity_task(task_token)
    }

    fn task_token(&self, token: &str) -> Result<Option<TaskTokenRecord>, Error> {
        self.inner.task_token(token)
    }
}
