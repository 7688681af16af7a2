//! The in-memory store: everything in ordered maps behind one mutex. It serves Express-only
//! setups, where nothing must survive a restart, and tests. Listings scan and sort, which is
//! fine at the sizes such setups hold; durable and large setups use a database backend.
//!
//! A commit applies its changes one by one and keeps an undo log; if a change fails, the log
//! is played backwards, so a refused commit leaves nothing behind (the same all-or-nothing a
//! database transaction gives).

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use crate::page::{self, listing};
use crate::{
    ActivityRecord, ActivityTaskRecord, Callback, Change, Claim, ClaimRequest, Commit, Entity,
    Error, EventRecord, ExecutionFilter, ExecutionRecord, ExecutionSourceRecord, ExecutionStatus,
    MapRunRecord, Order, Page, PageRequest, StateMachineAliasRecord, StateMachineRecord,
    StateMachineRevisionRecord, StateMachineVersionRecord, Store, TaskTokenRecord,
};

/// A store that keeps everything in memory until it is dropped.
#[derive(Debug, Default)]
pub struct MemoryStore {
    tables: Mutex<Tables>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn tables(&self) -> MutexGuard<'_, Tables> {
        // A panic while the lock was held happened between changes, which the undo log has
        // either finished or not started: the tables are consistent, so keep serving.
        self.tables.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[derive(Debug, Default)]
struct Tables {
    state_machines: BTreeMap<String, StateMachineRecord>,
    /// (state machine ARN, revision id) → a superseded revision.
    revisions: BTreeMap<(String, String), StateMachineRevisionRecord>,
    versions: BTreeMap<String, StateMachineVersionRecord>,
    /// State machine ARN → the highest version number it ever published.
    version_numbers: BTreeMap<String, u64>,
    aliases: BTreeMap<String, StateMachineAliasRecord>,
    /// Execution ARN → the version or alias it was started on.
    sources: BTreeMap<String, ExecutionSourceRecord>,
    activities: BTreeMap<String, ActivityRecord>,
    executions: BTreeMap<String, ExecutionRecord>,
    /// (state machine ARN, name) → execution ARN: the `StartExecution` constraint.
    execution_names: BTreeMap<(String, String), String>,
    events: BTreeMap<(String, u64), EventRecord>,
    activity_tasks: BTreeMap<String, ActivityTaskRecord>,
    task_tokens: BTreeMap<String, TaskTokenRecord>,
    map_runs: BTreeMap<String, MapRunRecord>,
}

/// Restores one entry of one table to what it was before a change.
type Undo = Box<dyn FnOnce(&mut Tables) + Send>;

/// Which table of [`Tables`] an entry lives in.
type Select<K, V> = fn(&mut Tables) -> &mut BTreeMap<K, V>;

/// Sets (`Some`) or removes (`None`) one entry, logging how to undo it.
fn put<K, V>(
    tables: &mut Tables,
    undo: &mut Vec<Undo>,
    select: Select<K, V>,
    key: K,
    value: Option<V>,
) where
    K: Ord + Clone + Send + 'static,
    V: Send + 'static,
{
    let old = match value {
        Some(value) => select(tables).insert(key.clone(), value),
        None => select(tables).remove(&key),
    };
    undo.push(Box::new(move |tables| {
        match old {
            Some(old) => select(tables).insert(key, old),
            None => select(tables).remove(&key),
        };
    }));
}

impl Tables {
    fn apply(&mut self, commit: Commit) -> Result<(), Error> {
        let mut undo = Vec::new();
        for change in commit.changes {
            if let Err(error) = self.apply_change(change, &mut undo) {
                for step in undo.into_iter().rev() {
                    step(self);
                }
                return Err(error);
            }
        }
        Ok(())
    }

    fn apply_change(&mut self, change: Change, undo: &mut Vec<Undo>) -> Result<(), Error> {
        match change {
            Change::CreateStateMachine(record) => {
                absent(&self.state_machines, &record.arn, Entity::StateMachine)?;
                put(self, undo, |t| &mut t.state_machines, record.arn.clone(), Some(record));
            }
            Change::UpdateStateMachine(mut record) => {
                let old = present(&self.state_machines, &record.arn, Entity::StateMachine)?;
                record.creation_date_millis = old.creation_date_millis;
                record.tags = old.tags.clone();
                put(self, undo, |t| &mut t.state_machines, record.arn.clone(), Some(record));
            }
            Change::KeepStateMachineRevision(record) => {
                present(&self.state_machines, &record.state_machine_arn, Entity::StateMachine)?;
                let key = (record.state_machine_arn.clone(), record.revision_id.clone());
                put(self, undo, |t| &mut t.revisions, key, Some(record));
            }
            Change::DeleteStateMachine { arn } => self.delete_state_machine(undo, arn)?,
            change @ (Change::PublishStateMachineVersion(_)
            | Change::DeleteStateMachineVersion { .. }
            | Change::CreateStateMachineAlias(_)
            | Change::UpdateStateMachineAlias(_)
            | Change::DeleteStateMachineAlias { .. }
            | Change::RecordExecutionSource(_)) => self.apply_versioning(change, undo)?,
            Change::CreateActivity(record) => {
                absent(&self.activities, &record.arn, Entity::Activity)?;
                put(self, undo, |t| &mut t.activities, record.arn.clone(), Some(record));
            }
            Change::DeleteActivity { arn } => {
                present(&self.activities, &arn, Entity::Activity)?;
                put(self, undo, |t| &mut t.activities, arn, None);
            }
            Change::TagResource { arn, tags } => {
                self.change_tags(undo, arn, |old| old.extend(tags))?;
            }
            Change::UntagResource { arn, keys } => {
                self.change_tags(undo, arn, |old| {
                    for key in &keys {
                        old.remove(key);
                    }
                })?;
            }
            Change::StartExecution(record) => self.start_execution(undo, record)?,
            Change::UpdateExecution(update) => {
                let mut record = present(&self.executions, &update.arn, Entity::Execution)?.clone();
                record.status = update.status;
                record.stop_date_millis = update.stop_date_millis;
                record.output = update.output;
                record.error = update.error;
                record.cause = update.cause;
                record.snapshot = update.snapshot;
                record.next_event_id = update.next_event_id;
                record.redriven = update.redriven;
                put(self, undo, |t| &mut t.executions, update.arn, Some(record));
            }
            Change::AppendEvent(record) => {
                let key = (record.execution_arn.clone(), record.event_id);
                if self.events.contains_key(&key) {
                    return Err(Error::DuplicateEvent {
                        execution_arn: record.execution_arn,
                        event_id: record.event_id,
                    });
                }
                put(self, undo, |t| &mut t.events, key, Some(record));
            }
            Change::PutMapRun(record) => {
                let key = record.arn.clone();
                put(self, undo, |t| &mut t.map_runs, key, Some(record));
            }
            Change::EnqueueActivityTask(record) => {
                absent(&self.activity_tasks, &record.task_token, Entity::ActivityTask)?;
                let key = record.task_token.clone();
                put(self, undo, |t| &mut t.activity_tasks, key, Some(record));
            }
            Change::RemoveActivityTask { task_token } => {
                put(self, undo, |t| &mut t.activity_tasks, task_token, None);
            }
            Change::AddTaskToken(record) => {
                absent(&self.task_tokens, &record.token, Entity::TaskToken)?;
                put(self, undo, |t| &mut t.task_tokens, record.token.clone(), Some(record));
            }
            Change::RemoveTaskToken { token } => {
                put(self, undo, |t| &mut t.task_tokens, token, None);
            }
        }
        Ok(())
    }

    fn start_execution(
        &mut self,
        undo: &mut Vec<Undo>,
        record: ExecutionRecord,
    ) -> Result<(), Error> {
        absent(&self.executions, &record.arn, Entity::Execution)?;
        let name = (record.state_machine_arn.clone(), record.name.clone());
        if self.execution_names.contains_key(&name) {
            return Err(Error::AlreadyExists {
                entity: Entity::ExecutionName,
                key: format!("{}/{}", name.0, name.1),
            });
        }
        put(self, undo, |t| &mut t.execution_names, name, Some(record.arn.clone()));
        put(self, undo, |t| &mut t.executions, record.arn.clone(), Some(record));
        Ok(())
    }

    /// Removes a machine with its kept revisions, versions, version numbering and aliases.
    fn delete_state_machine(&mut self, undo: &mut Vec<Undo>, arn: String) -> Result<(), Error> {
        present(&self.state_machines, &arn, Entity::StateMachine)?;
        let kept: Vec<(String, String)> = self
            .revisions
            .range((arn.clone(), String::new())..)
            .map(|(key, _)| key.clone())
            .take_while(|(machine, _)| *machine == arn)
            .collect();
        for key in kept {
            put(self, undo, |t| &mut t.revisions, key, None);
        }
        let versions = owned_by(&self.versions, &arn, |v| &v.state_machine_arn);
        for key in versions {
            put(self, undo, |t| &mut t.versions, key, None);
        }
        let aliases = owned_by(&self.aliases, &arn, |a| &a.state_machine_arn);
        for key in aliases {
            put(self, undo, |t| &mut t.aliases, key, None);
        }
        put(self, undo, |t| &mut t.version_numbers, arn.clone(), None);
        put(self, undo, |t| &mut t.state_machines, arn, None);
        Ok(())
    }

    /// The changes of versions, aliases and execution sources.
    fn apply_versioning(&mut self, change: Change, undo: &mut Vec<Undo>) -> Result<(), Error> {
        match change {
            Change::PublishStateMachineVersion(record) => {
                let machine = &record.state_machine_arn;
                present(&self.state_machines, machine, Entity::StateMachine)?;
                let latest = self.version_numbers.get(machine).copied().unwrap_or(0);
                if record.version_number != latest + 1 || self.versions.contains_key(&record.arn) {
                    return Err(Error::AlreadyExists {
                        entity: Entity::StateMachineVersion,
                        key: record.arn,
                    });
                }
                let number = record.version_number;
                put(self, undo, |t| &mut t.version_numbers, machine.clone(), Some(number));
                put(self, undo, |t| &mut t.versions, record.arn.clone(), Some(record));
            }
            Change::DeleteStateMachineVersion { arn } => {
                let users: Vec<String> = self
                    .aliases
                    .values()
                    .filter(|alias| alias.routing.iter().any(|route| route.version_arn == arn))
                    .map(|alias| alias.arn.clone())
                    .collect();
                if !users.is_empty() {
                    return Err(Error::InUse {
                        entity: Entity::StateMachineVersion,
                        key: arn,
                        users,
                    });
                }
                put(self, undo, |t| &mut t.versions, arn, None);
            }
            Change::CreateStateMachineAlias(record) => {
                absent(&self.aliases, &record.arn, Entity::StateMachineAlias)?;
                self.check_alias(&record)?;
                put(self, undo, |t| &mut t.aliases, record.arn.clone(), Some(record));
            }
            Change::UpdateStateMachineAlias(mut record) => {
                let old = present(&self.aliases, &record.arn, Entity::StateMachineAlias)?;
                record.creation_date_millis = old.creation_date_millis;
                self.check_alias(&record)?;
                put(self, undo, |t| &mut t.aliases, record.arn.clone(), Some(record));
            }
            Change::DeleteStateMachineAlias { arn } => {
                put(self, undo, |t| &mut t.aliases, arn, None);
            }
            Change::RecordExecutionSource(record) => {
                put(self, undo, |t| &mut t.sources, record.execution_arn.clone(), Some(record));
            }
            other => unreachable!("apply_change hands over only versioning changes, not {other:?}"),
        }
        Ok(())
    }

    /// Refuses an alias whose machine or versions do not exist.
    fn check_alias(&self, alias: &StateMachineAliasRecord) -> Result<(), Error> {
        present(&self.state_machines, &alias.state_machine_arn, Entity::StateMachine)?;
        for route in &alias.routing {
            present(&self.versions, &route.version_arn, Entity::StateMachineVersion)?;
        }
        Ok(())
    }

    /// Changes the tags of the state machine or activity `arn`.
    fn change_tags(
        &mut self,
        undo: &mut Vec<Undo>,
        arn: String,
        edit: impl FnOnce(&mut crate::Tags),
    ) -> Result<(), Error> {
        if let Some(machine) = self.state_machines.get(&arn) {
            let mut machine = machine.clone();
            edit(&mut machine.tags);
            put(self, undo, |t| &mut t.state_machines, arn, Some(machine));
        } else if let Some(activity) = self.activities.get(&arn) {
            let mut activity = activity.clone();
            edit(&mut activity.tags);
            put(self, undo, |t| &mut t.activities, arn, Some(activity));
        } else {
            return Err(Error::NotFound { entity: Entity::Resource, key: arn });
        }
        Ok(())
    }

    fn claim(&mut self, claim: &ClaimRequest) -> Option<ActivityTaskRecord> {
        let task = self
            .activity_tasks
            .values_mut()
            .filter(|task| task.activity_arn == claim.activity_arn && task.claim.is_none())
            .min_by(|a, b| {
                (a.enqueued_millis, &a.task_token).cmp(&(b.enqueued_millis, &b.task_token))
            })?;
        task.claim = Some(Claim {
            worker_name: claim.worker_name.clone(),
            claimed_millis: claim.now_millis,
        });
        Some(task.clone())
    }
}

/// The keys of the records in `table` that belong to the state machine `arn`.
fn owned_by<V>(
    table: &BTreeMap<String, V>,
    arn: &str,
    machine_of: impl Fn(&V) -> &String,
) -> Vec<String> {
    table.iter().filter(|(_, value)| machine_of(value) == arn).map(|(key, _)| key.clone()).collect()
}

fn absent<V>(table: &BTreeMap<String, V>, key: &str, entity: Entity) -> Result<(), Error> {
    if table.contains_key(key) {
        return Err(Error::AlreadyExists { entity, key: key.to_owned() });
    }
    Ok(())
}

fn present<'t, V>(
    table: &'t BTreeMap<String, V>,
    key: &str,
    entity: Entity,
) -> Result<&'t V, Error> {
    table.get(key).ok_or_else(|| Error::NotFound { entity, key: key.to_owned() })
}

/// One page of `items`, sorted by `key_of` (descending when `order` is `Reverse`), after the
/// page's token.
fn page_of<T, K>(
    items: impl Iterator<Item = T>,
    page: &PageRequest,
    listing: &str,
    order: Order,
    key_of: impl Fn(&T) -> K,
) -> Result<Page<T>, Error>
where
    K: Ord + serde::Serialize + serde::de::DeserializeOwned,
{
    let (after, rows_max) = page::seek::<K>(page, listing)?;
    let mut rows: Vec<(K, T)> = items
        .map(|item| (key_of(&item), item))
        .filter(|(key, _)| match (&after, order) {
            (None, _) => true,
            (Some(after), Order::Forward) => key > after,
            (Some(after), Order::Reverse) => key < after,
        })
        .collect();
    rows.sort_by(|(a, _), (b, _)| match order {
        Order::Forward => a.cmp(b),
        Order::Reverse => b.cmp(a),
    });
    rows.truncate(rows_max);
    let rows = rows.into_iter().map(|(_, item)| item).collect();
    Ok(Page::from_rows(rows, page.limit, listing, key_of))
}

impl Store for MemoryStore {
    fn submit(&self, commit: Commit, done: Callback<()>) {
        let result = self.tables().apply(commit);
        done(result);
    }

    fn submit_claim(&self, claim: ClaimRequest, done: Callback<Option<ActivityTaskRecord>>) {
        let task = self.tables().claim(&claim);
        done(Ok(task));
    }

    fn state_machine(&self, arn: &str) -> Result<Option<StateMachineRecord>, Error> {
        Ok(self.tables().state_machines.get(arn).cloned())
    }

    fn state_machine_revision(
        &self,
        state_machine_arn: &str,
        revision_id: &str,
    ) -> Result<Option<StateMachineRevisionRecord>, Error> {
        let key = (state_machine_arn.to_owned(), revision_id.to_owned());
        Ok(self.tables().revisions.get(&key).cloned())
    }

    fn list_state_machines(&self, page: &PageRequest) -> Result<Page<StateMachineRecord>, Error> {
        let tables = self.tables();
        page_of(
            tables.state_machines.values().cloned(),
            page,
            listing::STATE_MACHINES,
            Order::Forward,
            |m| (m.creation_date_millis, m.arn.clone()),
        )
    }

    fn activity(&self, arn: &str) -> Result<Option<ActivityRecord>, Error> {
        Ok(self.tables().activities.get(arn).cloned())
    }

    fn list_activities(&self, page: &PageRequest) -> Result<Page<ActivityRecord>, Error> {
        let tables = self.tables();
        page_of(
            tables.activities.values().cloned(),
            page,
            listing::ACTIVITIES,
            Order::Forward,
            |a| (a.creation_date_millis, a.arn.clone()),
        )
    }

    fn execution(&self, arn: &str) -> Result<Option<ExecutionRecord>, Error> {
        Ok(self.tables().executions.get(arn).cloned())
    }

    fn execution_by_name(
        &self,
        state_machine_arn: &str,
        name: &str,
    ) -> Result<Option<ExecutionRecord>, Error> {
        let tables = self.tables();
        let key = (state_machine_arn.to_owned(), name.to_owned());
        Ok(tables.execution_names.get(&key).and_then(|arn| tables.executions.get(arn)).cloned())
    }

    fn list_executions(
        &self,
        filter: &ExecutionFilter,
        page: &PageRequest,
    ) -> Result<Page<ExecutionRecord>, Error> {
        let tables = self.tables();
        let matching = tables.executions.values().filter(|e| {
            e.state_machine_arn == filter.state_machine_arn
                && filter.status.is_none_or(|status| e.status == status)
                && filter.redriven.is_none_or(|redriven| e.redriven.is_some() == redriven)
        });
        page_of(matching.cloned(), page, listing::EXECUTIONS, Order::Reverse, |e| {
            (e.start_date_millis, e.arn.clone())
        })
    }

    fn list_version_executions(
        &self,
        version_arn: &str,
        status: Option<ExecutionStatus>,
        redriven: Option<bool>,
        page: &PageRequest,
    ) -> Result<Page<ExecutionRecord>, Error> {
        let tables = self.tables();
        let matching = tables
            .sources
            .values()
            .filter(|source| source.version_arn == version_arn)
            .filter_map(|source| tables.executions.get(&source.execution_arn))
            .filter(|e| status.is_none_or(|status| e.status == status))
            .filter(|e| redriven.is_none_or(|redriven| e.redriven.is_some() == redriven));
        page_of(matching.cloned(), page, listing::VERSION_EXECUTIONS, Order::Reverse, |e| {
            (e.start_date_millis, e.arn.clone())
        })
    }

    fn execution_source(
        &self,
        execution_arn: &str,
    ) -> Result<Option<ExecutionSourceRecord>, Error> {
        Ok(self.tables().sources.get(execution_arn).cloned())
    }

    fn state_machine_version(&self, arn: &str) -> Result<Option<StateMachineVersionRecord>, Error> {
        Ok(self.tables().versions.get(arn).cloned())
    }

    fn list_state_machine_versions(
        &self,
        state_machine_arn: &str,
        page: &PageRequest,
    ) -> Result<Page<StateMachineVersionRecord>, Error> {
        let tables = self.tables();
        let versions =
            tables.versions.values().filter(|v| v.state_machine_arn == state_machine_arn);
        page_of(versions.cloned(), page, listing::STATE_MACHINE_VERSIONS, Order::Reverse, |v| {
            v.version_number
        })
    }

    fn latest_version_number(&self, state_machine_arn: &str) -> Result<u64, Error> {
        Ok(self.tables().version_numbers.get(state_machine_arn).copied().unwrap_or(0))
    }

    fn state_machine_alias(&self, arn: &str) -> Result<Option<StateMachineAliasRecord>, Error> {
        Ok(self.tables().aliases.get(arn).cloned())
    }

    fn list_state_machine_aliases(
        &self,
        state_machine_arn: &str,
        page: &PageRequest,
    ) -> Result<Page<StateMachineAliasRecord>, Error> {
        let tables = self.tables();
        let aliases = tables.aliases.values().filter(|a| a.state_machine_arn == state_machine_arn);
        page_of(aliases.cloned(), page, listing::STATE_MACHINE_ALIASES, Order::Forward, |a| {
            (a.creation_date_millis, a.arn.clone())
        })
    }

    fn map_run(&self, arn: &str) -> Result<Option<MapRunRecord>, Error> {
        Ok(self.tables().map_runs.get(arn).cloned())
    }

    fn list_map_runs(
        &self,
        execution_arn: &str,
        page: &PageRequest,
    ) -> Result<Page<MapRunRecord>, Error> {
        let tables = self.tables();
        let matching = tables.map_runs.values().filter(|run| run.execution_arn == execution_arn);
        page_of(matching.cloned(), page, listing::MAP_RUNS, Order::Reverse, |run| {
            (run.start_date_millis, run.arn.clone())
        })
    }

    fn running_executions(&self, page: &PageRequest) -> Result<Page<ExecutionRecord>, Error> {
        let tables = self.tables();
        let running = tables.executions.values().filter(|e| e.status == ExecutionStatus::Running);
        page_of(running.cloned(), page, listing::RUNNING_EXECUTIONS, Order::Forward, |e| {
            e.arn.clone()
        })
    }

    fn history(
        &self,
        execution_arn: &str,
        order: Order,
        page: &PageRequest,
    ) -> Result<Page<EventRecord>, Error> {
        let tables = self.tables();
        let range = (execution_arn.to_owned(), 0)..=(execution_arn.to_owned(), u64::MAX);
        let events = tables.events.range(range).map(|(_, event)| event.clone());
        page_of(events, page, listing::HISTORY, order, |e| e.event_id)
    }

    fn activity_task(&self, task_token: &str) -> Result<Option<ActivityTaskRecord>, Error> {
        Ok(self.tables().activity_tasks.get(task_token).cloned())
    }

    fn task_token(&self, token: &str) -> Result<Option<TaskTokenRecord>, Error> {
        Ok(self.tables().task_tokens.get(token).cloned())
    }
}
