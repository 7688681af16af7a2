//! The conformance suite every backend runs (STYLE S5): one function per behaviour, each given
//! a fresh, empty store. A backend runs all of them, one `#[test]` each, with
//! [`conformance_tests!`](crate::conformance_tests):
//!
//! ```text
//! baton_store::conformance_tests!(|| baton_store::memory::MemoryStore::new());
//! ```
//!
//! The functions panic on the first difference, like tests do. They use no clock and no
//! sleeps; the concurrency cases use threads and check outcomes, never timings.

use std::collections::BTreeSet;
use std::sync::Barrier;

use crate::{
    ActivityRecord, ActivityTaskRecord, AliasRoute, Change, ClaimRequest, Commit, Entity, Error,
    EventRecord, ExecutionFilter, ExecutionRecord, ExecutionSourceRecord, ExecutionStatus,
    ExecutionUpdate, MapRunRecord, Order, Page, PageRequest, PageToken, Redriven,
    StateMachineAliasRecord, StateMachineRecord, StateMachineRevisionRecord, StateMachineStatus,
    StateMachineType, StateMachineVersionRecord, Store, Tags, TaskTokenRecord, completion,
};

/// What the suite needs from a backend's test fixture: a store. Every [`Store`] is one; a
/// backend whose store needs company (a temporary directory) implements it on a wrapper.
pub trait Fixture {
    /// The store under test.
    fn store(&self) -> &dyn Store;
}

impl<S: Store> Fixture for S {
    fn store(&self) -> &dyn Store {
        self
    }
}

/// One `#[test]` per conformance function, each with a fresh store from `$make` (an
/// expression callable with no arguments that returns a [`Fixture`]).
#[macro_export]
macro_rules! conformance_tests {
    ($make:expr) => {
        $crate::conformance_tests!(@each $make;
            state_machine_round_trip,
            state_machine_pagination,
            state_machine_delete,
            state_machine_revisions,
            state_machine_versions,
            state_machine_aliases,
            version_executions,
            activity_round_trip_pagination_and_delete,
            tags_need_a_resource,
            execution_round_trip,
            execution_steps_and_redrive,
            execution_listing,
            duplicate_event_refuses_whole_commit,
            grouped_commits_fail_alone,
            history_paging,
            activity_task_queue,
            concurrent_claims_hand_each_task_once,
            recovery_listing,
            task_tokens,
            map_runs,
        );
    };
    (@each $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                let fixture = ($make)();
                $crate::conformance::$name($crate::conformance::Fixture::store(&fixture));
            }
        )*
    };
}

const REGION_ACCOUNT: &str = "us-east-1:123456789012";

/// A state machine ARN for `name`.
pub fn machine_arn(name: &str) -> String {
    format!("arn:aws:states:{REGION_ACCOUNT}:stateMachine:{name}")
}

/// An execution ARN for `name` of machine `machine`.
pub fn execution_arn(machine: &str, name: &str) -> String {
    format!("arn:aws:states:{REGION_ACCOUNT}:execution:{machine}:{name}")
}

/// A state machine record with plausible fields.
pub fn machine(name: &str, creation_date_millis: i64) -> StateMachineRecord {
    StateMachineRecord {
        arn: machine_arn(name),
        name: name.to_owned(),
        r#type: StateMachineType::Standard,
        definition: r#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#.to_owned(),
        role_arn: format!("arn:aws:iam::123456789012:role/{name}"),
        creation_date_millis,
        revision_id: "r1".to_owned(),
        update_date_millis: None,
        logging_configuration: r#"{"level":"OFF"}"#.to_owned(),
        tracing_configuration: r#"{"enabled":false}"#.to_owned(),
        status: StateMachineStatus::Active,
        tags: Tags::from([("team".to_owned(), "core".to_owned())]),
    }
}

/// An activity record.
pub fn activity(name: &str, creation_date_millis: i64) -> ActivityRecord {
    ActivityRecord {
        arn: format!("arn:aws:states:{REGION_ACCOUNT}:activity:{name}"),
        name: name.to_owned(),
        creation_date_millis,
        tags: Tags::new(),
    }
}

/// A running execution record of machine `machine`.
pub fn execution(machine: &str, name: &str, start_date_millis: i64) -> ExecutionRecord {
    ExecutionRecord {
        arn: execution_arn(machine, name),
        state_machine_arn: machine_arn(machine),
        name: name.to_owned(),
        status: ExecutionStatus::Running,
        start_date_millis,
        stop_date_millis: None,
        input: r#"{"order": 17, "text": "ünïcödé"}"#.to_owned(),
        output: None,
        error: None,
        cause: None,
        state_machine_revision_id: "r1".to_owned(),
        seed: vec![0, 1, 2, 255],
        snapshot: b"frontier-0".to_vec(),
        next_event_id: 1,
        redriven: None,
    }
}

/// History event `event_id` of `execution_arn`.
pub fn event(execution_arn: &str, event_id: u64) -> EventRecord {
    EventRecord {
        execution_arn: execution_arn.to_owned(),
        event_id,
        r#type: "PassStateEntered".to_owned(),
        timestamp_millis: 1_000 + i64::try_from(event_id).expect("small ids"),
        body: format!(r#"{{"id":{event_id},"type":"PassStateEntered"}}"#),
    }
}

/// An unclaimed activity task.
pub fn activity_task(activity_arn: &str, token: &str, enqueued_millis: i64) -> ActivityTaskRecord {
    ActivityTaskRecord {
        task_token: token.to_owned(),
        activity_arn: activity_arn.to_owned(),
        execution_arn: execution_arn("m", "e"),
        input: format!(r#"{{"task":"{token}"}}"#),
        enqueued_millis,
        claim: None,
    }
}

fn commit(store: &dyn Store, changes: Vec<Change>) -> Result<(), Error> {
    store.commit(Commit::new(changes))
}

/// Every item of a listing, following tokens, with each page at most `limit` long.
fn read_all<T>(
    limit: usize,
    mut read: impl FnMut(&PageRequest) -> Result<Page<T>, Error>,
) -> Vec<T> {
    let mut items = Vec::new();
    let mut request = PageRequest::first(limit);
    loop {
        let page = read(&request).expect("listing reads");
        assert!(page.items.len() <= limit, "a page is longer than its limit");
        assert!(
            page.next.is_none() || page.items.len() == limit,
            "a short page still offered a next token"
        );
        items.extend(page.items);
        match page.next {
            Some(token) => request = PageRequest::after(token, limit),
            None => return items,
        }
    }
}

fn assert_invalid_token(result: Result<impl std::fmt::Debug, Error>) {
    assert!(
        matches!(result, Err(Error::InvalidPageToken { .. })),
        "expected InvalidPageToken, got {result:?}"
    );
}

/// Create, read, update (which keeps the creation date and tags) and refuse a second create.
pub fn state_machine_round_trip(store: &dyn Store) {
    let created = machine("m1", 100);
    commit(store, vec![Change::CreateStateMachine(created.clone())]).unwrap();
    assert_eq!(store.state_machine(&created.arn).unwrap(), Some(created.clone()));
    assert_eq!(store.state_machine(&machine_arn("other")).unwrap(), None);

    let mut updated = created.clone();
    updated.definition = r#"{"StartAt":"Q","States":{"Q":{"Type":"Succeed"}}}"#.to_owned();
    updated.revision_id = "r2".to_owned();
    updated.update_date_millis = Some(200);
    updated.role_arn = "arn:aws:iam::123456789012:role/new".to_owned();
    let mut attempted = updated.clone();
    attempted.creation_date_millis = 999;
    attempted.tags = Tags::new();
    commit(store, vec![Change::UpdateStateMachine(attempted)]).unwrap();
    assert_eq!(store.state_machine(&created.arn).unwrap(), Some(updated));

    let again = commit(store, vec![Change::CreateStateMachine(created.clone())]);
    assert!(
        matches!(&again, Err(Error::AlreadyExists { entity: Entity::StateMachine, key }) if *key == created.arn),
        "{again:?}"
    );
    let missing = commit(store, vec![Change::UpdateStateMachine(machine("nope", 1))]);
    assert!(
        matches!(&missing, Err(Error::NotFound { entity: Entity::StateMachine, .. })),
        "{missing:?}"
    );

    commit(
        store,
        vec![
            Change::TagResource {
                arn: created.arn.clone(),
                tags: Tags::from([
                    ("a".to_owned(), "1".to_owned()),
                    ("team".to_owned(), "x".to_owned()),
                ]),
            },
            Change::UntagResource {
                arn: created.arn.clone(),
                keys: vec!["a".to_owned(), "zz".to_owned()],
            },
        ],
    )
    .unwrap();
    let tags = store.state_machine(&created.arn).unwrap().unwrap().tags;
    assert_eq!(tags, Tags::from([("team".to_owned(), "x".to_owned())]));
}

/// Creation order (ties by ARN), page sizes, tokens, and refused tokens.
pub fn state_machine_pagination(store: &dyn Store) {
    let dates = [("e", 300), ("a", 100), ("d", 200), ("b", 200), ("c", 200), ("f", 400), ("g", 50)];
    for (name, date) in dates {
        commit(store, vec![Change::CreateStateMachine(machine(name, date))]).unwrap();
    }
    let expected = ["g", "a", "b", "c", "d", "e", "f"];
    for limit in [1, 2, 3, 7, 100] {
        let names: Vec<String> = read_all(limit, |page| store.list_state_machines(page))
            .into_iter()
            .map(|m| m.name)
            .collect();
        assert_eq!(names, expected, "limit {limit}");
    }
    // The last full page ends exactly at the end: no token, so no empty page follows.
    let all = store.list_state_machines(&PageRequest::first(7)).unwrap();
    assert_eq!(all.next, None);

    let first = store.list_state_machines(&PageRequest::first(2)).unwrap();
    let token = first.next.unwrap();
    // A token survives a new machine that sorts before it, and sees one that sorts after.
    commit(store, vec![Change::CreateStateMachine(machine("h", 10))]).unwrap();
    commit(store, vec![Change::CreateStateMachine(machine("i", 500))]).unwrap();
    let rest = read_all(100, |page| {
        let page =
            PageRequest { limit: page.limit, token: page.token.clone().or(Some(token.clone())) };
        store.list_state_machines(&page)
    });
    let names: Vec<&str> = rest.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["b", "c", "d", "e", "f", "i"]);

    assert_invalid_token(
        store.list_state_machines(&PageRequest::after(PageToken::new("garbage"), 2)),
    );
    let executions_token = PageToken::encode(crate::page::listing::EXECUTIONS, &(100_i64, "x"));
    assert_invalid_token(store.list_state_machines(&PageRequest::after(executions_token, 2)));
}

/// Deleting a machine removes it from reads and listings, keeps its executions, and frees
/// the ARN for a new machine.
pub fn state_machine_delete(store: &dyn Store) {
    let kept = machine("kept", 1);
    let doomed = machine("doomed", 2);
    let run = execution("doomed", "run", 10);
    commit(
        store,
        vec![
            Change::CreateStateMachine(kept.clone()),
            Change::CreateStateMachine(doomed.clone()),
            Change::StartExecution(run.clone()),
        ],
    )
    .unwrap();
    commit(store, vec![Change::DeleteStateMachine { arn: doomed.arn.clone() }]).unwrap();
    assert_eq!(store.state_machine(&doomed.arn).unwrap(), None);
    let listed = store.list_state_machines(&PageRequest::first(10)).unwrap();
    assert_eq!(listed.items, [kept]);
    assert_eq!(store.execution(&run.arn).unwrap(), Some(run));

    let again = commit(store, vec![Change::DeleteStateMachine { arn: doomed.arn.clone() }]);
    assert!(
        matches!(again, Err(Error::NotFound { entity: Entity::StateMachine, .. })),
        "{again:?}"
    );
    let untag =
        commit(store, vec![Change::UntagResource { arn: doomed.arn.clone(), keys: vec![] }]);
    assert!(matches!(untag, Err(Error::NotFound { entity: Entity::Resource, .. })), "{untag:?}");

    let mut reborn = machine("doomed", 3);
    reborn.tags = Tags::new();
    commit(store, vec![Change::CreateStateMachine(reborn.clone())]).unwrap();
    assert_eq!(store.state_machine(&doomed.arn).unwrap(), Some(reborn));
}

/// A kept revision reads back until its machine is deleted; keeping one needs the machine.
pub fn state_machine_revisions(store: &dyn Store) {
    let first = machine("revised", 1);
    let other = machine("other", 2);
    let kept = StateMachineRevisionRecord {
        state_machine_arn: first.arn.clone(),
        revision_id: first.revision_id.clone(),
        definition: first.definition.clone(),
        role_arn: first.role_arn.clone(),
        update_date_millis: None,
        logging_configuration: first.logging_configuration.clone(),
        tracing_configuration: first.tracing_configuration.clone(),
    };
    let mut updated = first.clone();
    updated.revision_id = "r2".to_owned();
    updated.update_date_millis = Some(5);
    let other_kept = StateMachineRevisionRecord {
        state_machine_arn: other.arn.clone(),
        revision_id: other.revision_id.clone(),
        ..kept.clone()
    };
    commit(
        store,
        vec![
            Change::CreateStateMachine(first.clone()),
            Change::CreateStateMachine(other.clone()),
            Change::KeepStateMachineRevision(kept.clone()),
            Change::UpdateStateMachine(updated),
            Change::KeepStateMachineRevision(other_kept.clone()),
        ],
    )
    .unwrap();
    assert_eq!(store.state_machine_revision(&first.arn, "r1").unwrap(), Some(kept.clone()));
    assert_eq!(store.state_machine_revision(&first.arn, "r2").unwrap(), None);
    // Keeping the same revision again is harmless.
    commit(store, vec![Change::KeepStateMachineRevision(kept.clone())]).unwrap();

    commit(store, vec![Change::DeleteStateMachine { arn: first.arn.clone() }]).unwrap();
    assert_eq!(store.state_machine_revision(&first.arn, "r1").unwrap(), None);
    assert_eq!(store.state_machine_revision(&other.arn, "r1").unwrap(), Some(other_kept));
    let orphan = commit(store, vec![Change::KeepStateMachineRevision(kept)]);
    assert!(
        matches!(orphan, Err(Error::NotFound { entity: Entity::StateMachine, .. })),
        "{orphan:?}"
    );
}

/// Version `number` of machine `name`, naming revision `r{number}`.
pub fn version(name: &str, number: u64) -> StateMachineVersionRecord {
    StateMachineVersionRecord {
        arn: format!("{}:{number}", machine_arn(name)),
        state_machine_arn: machine_arn(name),
        version_number: number,
        revision_id: format!("r{number}"),
        description: number.is_multiple_of(2).then(|| format!("version {number}")),
        creation_date_millis: 100 + i64::try_from(number).expect("small numbers"),
    }
}

/// Alias `alias` of machine `name`, routing to the versions given with their weights.
pub fn alias(name: &str, alias: &str, routes: &[(u64, u8)]) -> StateMachineAliasRecord {
    StateMachineAliasRecord {
        arn: format!("{}:{alias}", machine_arn(name)),
        state_machine_arn: machine_arn(name),
        name: alias.to_owned(),
        description: Some(format!("alias {alias}")),
        routing: routes
            .iter()
            .map(|&(number, weight)| AliasRoute {
                version_arn: format!("{}:{number}", machine_arn(name)),
                weight,
            })
            .collect(),
        creation_date_millis: 200,
        update_date_millis: None,
    }
}

/// Versions: numbered one after another (a number is never given twice, even after its
/// version is deleted), listed newest first, gone with their machine.
pub fn state_machine_versions(store: &dyn Store) {
    let m = machine("versioned", 1);
    let orphan = commit(store, vec![Change::PublishStateMachineVersion(version("versioned", 1))]);
    assert!(
        matches!(orphan, Err(Error::NotFound { entity: Entity::StateMachine, .. })),
        "{orphan:?}"
    );
    commit(store, vec![Change::CreateStateMachine(m.clone())]).unwrap();
    assert_eq!(store.latest_version_number(&m.arn).unwrap(), 0);
    for number in 1..=5 {
        commit(store, vec![Change::PublishStateMachineVersion(version("versioned", number))])
            .unwrap();
    }
    // Only the next number is accepted: a racing publisher that read the same latest number
    // is refused.
    for number in [5, 7] {
        let taken =
            commit(store, vec![Change::PublishStateMachineVersion(version("versioned", number))]);
        assert!(
            matches!(taken, Err(Error::AlreadyExists { entity: Entity::StateMachineVersion, .. })),
            "{taken:?}"
        );
    }
    let v3 = version("versioned", 3);
    assert_eq!(store.state_machine_version(&v3.arn).unwrap(), Some(v3.clone()));
    let listed = read_all(2, |page| store.list_state_machine_versions(&m.arn, page));
    let numbers: Vec<u64> = listed.iter().map(|v| v.version_number).collect();
    assert_eq!(numbers, [5, 4, 3, 2, 1]);
    assert_invalid_token(store.list_state_machine_versions(
        &m.arn,
        &PageRequest::after(PageToken::new("[\"executions\",[1,\"x\"]]"), 1),
    ));

    let v5 = version("versioned", 5);
    commit(store, vec![Change::DeleteStateMachineVersion { arn: v5.arn.clone() }]).unwrap();
    // Deleting is idempotent, and the deleted number stays taken.
    commit(store, vec![Change::DeleteStateMachineVersion { arn: v5.arn.clone() }]).unwrap();
    assert_eq!(store.state_machine_version(&v5.arn).unwrap(), None);
    assert_eq!(store.latest_version_number(&m.arn).unwrap(), 5);
    let reused = commit(store, vec![Change::PublishStateMachineVersion(v5)]);
    assert!(matches!(reused, Err(Error::AlreadyExists { .. })), "{reused:?}");
    commit(store, vec![Change::PublishStateMachineVersion(version("versioned", 6))]).unwrap();

    commit(store, vec![Change::DeleteStateMachine { arn: m.arn.clone() }]).unwrap();
    assert_eq!(store.state_machine_version(&v3.arn).unwrap(), None);
    assert_eq!(store.latest_version_number(&m.arn).unwrap(), 0);
    assert!(
        store
            .list_state_machine_versions(&m.arn, &PageRequest::first(10))
            .unwrap()
            .items
            .is_empty()
    );
}

/// Aliases: they name existing versions, keep their creation date across updates, list in
/// creation order, hold on to the versions they route to, and go with their machine.
pub fn state_machine_aliases(store: &dyn Store) {
    let m = machine("aliased", 1);
    commit(
        store,
        vec![
            Change::CreateStateMachine(m.clone()),
            Change::PublishStateMachineVersion(version("aliased", 1)),
            Change::PublishStateMachineVersion(version("aliased", 2)),
        ],
    )
    .unwrap();
    let missing_version = commit(
        store,
        vec![Change::CreateStateMachineAlias(alias("aliased", "bad", &[(1, 50), (3, 50)]))],
    );
    assert!(
        matches!(missing_version, Err(Error::NotFound { entity: Entity::StateMachineVersion, .. })),
        "{missing_version:?}"
    );
    let live = alias("aliased", "live", &[(1, 100)]);
    let mut beta = alias("aliased", "beta", &[(2, 100)]);
    beta.creation_date_millis = 300;
    commit(
        store,
        vec![
            Change::CreateStateMachineAlias(live.clone()),
            Change::CreateStateMachineAlias(beta.clone()),
        ],
    )
    .unwrap();
    let again = commit(store, vec![Change::CreateStateMachineAlias(live.clone())]);
    assert!(
        matches!(again, Err(Error::AlreadyExists { entity: Entity::StateMachineAlias, .. })),
        "{again:?}"
    );
    assert_eq!(store.state_machine_alias(&live.arn).unwrap(), Some(live.clone()));
    let listed = read_all(1, |page| store.list_state_machine_aliases(&m.arn, page));
    assert_eq!(listed, [live.clone(), beta.clone()]);

    // An alias holds on to its versions.
    let v1 = format!("{}:1", m.arn);
    let refused = commit(store, vec![Change::DeleteStateMachineVersion { arn: v1.clone() }]);
    match refused {
        Err(Error::InUse { entity: Entity::StateMachineVersion, users, .. }) => {
            assert_eq!(users, std::slice::from_ref(&live.arn));
        }
        other => panic!("expected InUse, got {other:?}"),
    }

    let mut moved = alias("aliased", "live", &[(1, 30), (2, 70)]);
    moved.creation_date_millis = 999;
    moved.update_date_millis = Some(400);
    moved.description = None;
    commit(store, vec![Change::UpdateStateMachineAlias(moved.clone())]).unwrap();
    let stored = store.state_machine_alias(&live.arn).unwrap().expect("the alias");
    assert_eq!(stored.creation_date_millis, live.creation_date_millis);
    assert_eq!(
        (stored.routing, stored.description, stored.update_date_millis),
        (moved.routing.clone(), None, Some(400))
    );
    let unknown = alias("aliased", "unknown", &[(1, 100)]);
    let update_missing = commit(store, vec![Change::UpdateStateMachineAlias(unknown)]);
    assert!(matches!(update_missing, Err(Error::NotFound { .. })), "{update_missing:?}");

    let only_v2 = alias("aliased", "live", &[(2, 100)]);
    commit(store, vec![Change::UpdateStateMachineAlias(only_v2)]).unwrap();
    commit(store, vec![Change::DeleteStateMachineVersion { arn: v1 }]).unwrap();
    commit(store, vec![Change::DeleteStateMachineAlias { arn: beta.arn.clone() }]).unwrap();
    commit(store, vec![Change::DeleteStateMachineAlias { arn: beta.arn.clone() }]).unwrap();
    assert_eq!(store.state_machine_alias(&beta.arn).unwrap(), None);

    commit(store, vec![Change::DeleteStateMachine { arn: m.arn.clone() }]).unwrap();
    assert_eq!(store.state_machine_alias(&live.arn).unwrap(), None);
    assert!(
        store.list_state_machine_aliases(&m.arn, &PageRequest::first(10)).unwrap().items.is_empty()
    );
}

/// Executions started on a version: their source is recorded (before or after the execution
/// itself) and they list by version, newest first, with a status filter.
pub fn version_executions(store: &dyn Store) {
    let v1 = format!("{}:1", machine_arn("m"));
    let v2 = format!("{}:2", machine_arn("m"));
    let source = |name: &str, version: &str, alias: Option<&str>| ExecutionSourceRecord {
        execution_arn: execution_arn("m", name),
        version_arn: version.to_owned(),
        alias_arn: alias.map(str::to_owned),
    };
    let early = source("early", &v1, Some("live"));
    commit(store, vec![Change::RecordExecutionSource(early.clone())]).unwrap();
    let mut changes = vec![Change::StartExecution(execution("m", "early", 10))];
    for (name, start) in [("a", 20), ("b", 30), ("c", 40), ("plain", 50)] {
        changes.push(Change::StartExecution(execution("m", name, start)));
    }
    for name in ["a", "b"] {
        changes.push(Change::RecordExecutionSource(source(name, &v1, None)));
    }
    changes.push(Change::RecordExecutionSource(source("c", &v2, None)));
    changes.push(Change::UpdateExecution(ExecutionUpdate {
        arn: execution_arn("m", "b"),
        status: ExecutionStatus::Succeeded,
        stop_date_millis: Some(35),
        output: Some("{}".to_owned()),
        error: None,
        cause: None,
        snapshot: Vec::new(),
        next_event_id: 2,
        redriven: Some(Redriven { count: 1, date_millis: 33 }),
    }));
    commit(store, changes).unwrap();
    assert_eq!(store.execution_source(&early.execution_arn).unwrap(), Some(early));
    assert_eq!(store.execution_source(&execution_arn("m", "plain")).unwrap(), None);

    let names = |status: Option<ExecutionStatus>, redriven: Option<bool>, limit: usize| {
        read_all(limit, |page| store.list_version_executions(&v1, status, redriven, page))
            .into_iter()
            .map(|e| e.name)
            .collect::<Vec<String>>()
    };
    assert_eq!(names(None, None, 1), ["b", "a", "early"]);
    assert_eq!(names(Some(ExecutionStatus::Running), None, 5), ["a", "early"]);
    assert_eq!(names(Some(ExecutionStatus::Succeeded), None, 5), ["b"]);
    assert_eq!(names(None, Some(true), 1), ["b"]);
    assert_eq!(names(None, Some(false), 1), ["a", "early"]);
    assert!(names(Some(ExecutionStatus::Running), Some(true), 5).is_empty());
    let other: Vec<String> = store
        .list_version_executions(&v2, None, None, &PageRequest::first(5))
        .unwrap()
        .items
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(other, ["c"]);
}

/// Activities: create, read, tags, listing in creation order, delete.
pub fn activity_round_trip_pagination_and_delete(store: &dyn Store) {
    for (name, date) in [("w2", 20), ("w1", 10), ("w3", 30)] {
        commit(store, vec![Change::CreateActivity(activity(name, date))]).unwrap();
    }
    let first = activity("w1", 10);
    assert_eq!(store.activity(&first.arn).unwrap(), Some(first.clone()));
    let again = commit(store, vec![Change::CreateActivity(first.clone())]);
    assert!(
        matches!(again, Err(Error::AlreadyExists { entity: Entity::Activity, .. })),
        "{again:?}"
    );

    let tags = Tags::from([("k".to_owned(), "v".to_owned())]);
    commit(store, vec![Change::TagResource { arn: first.arn.clone(), tags: tags.clone() }])
        .unwrap();
    assert_eq!(store.activity(&first.arn).unwrap().unwrap().tags, tags);

    let names: Vec<String> =
        read_all(2, |page| store.list_activities(page)).into_iter().map(|a| a.name).collect();
    assert_eq!(names, ["w1", "w2", "w3"]);

    commit(store, vec![Change::DeleteActivity { arn: first.arn.clone() }]).unwrap();
    assert_eq!(store.activity(&first.arn).unwrap(), None);
    let names: Vec<String> =
        read_all(2, |page| store.list_activities(page)).into_iter().map(|a| a.name).collect();
    assert_eq!(names, ["w2", "w3"]);
    let again = commit(store, vec![Change::DeleteActivity { arn: first.arn }]);
    assert!(matches!(again, Err(Error::NotFound { entity: Entity::Activity, .. })), "{again:?}");
}

/// Tagging something that does not exist fails and changes nothing else in its commit.
pub fn tags_need_a_resource(store: &dyn Store) {
    let m = machine("m", 1);
    let tagged = commit(
        store,
        vec![
            Change::CreateStateMachine(m.clone()),
            Change::TagResource { arn: machine_arn("ghost"), tags: Tags::new() },
        ],
    );
    assert!(
        matches!(&tagged, Err(Error::NotFound { entity: Entity::Resource, key }) if *key == machine_arn("ghost")),
        "{tagged:?}"
    );
    assert_eq!(store.state_machine(&m.arn).unwrap(), None);
}

/// Start, look up by ARN and by name, update, and the two uniqueness constraints.
pub fn execution_round_trip(store: &dyn Store) {
    let started = execution("m", "e1", 100);
    commit(store, vec![Change::StartExecution(started.clone())]).unwrap();
    assert_eq!(store.execution(&started.arn).unwrap(), Some(started.clone()));
    assert_eq!(store.execution_by_name(&machine_arn("m"), "e1").unwrap(), Some(started.clone()));
    assert_eq!(store.execution_by_name(&machine_arn("m"), "e2").unwrap(), None);
    assert_eq!(store.execution_by_name(&machine_arn("other"), "e1").unwrap(), None);

    let same_arn = commit(store, vec![Change::StartExecution(started.clone())]);
    assert!(
        matches!(&same_arn, Err(Error::AlreadyExists { entity: Entity::Execution, key }) if *key == started.arn),
        "{same_arn:?}"
    );
    let mut same_name = execution("m", "e1", 200);
    same_name.arn = execution_arn("m", "different-arn");
    let refused = commit(store, vec![Change::StartExecution(same_name.clone())]);
    assert!(
        matches!(&refused, Err(Error::AlreadyExists { entity: Entity::ExecutionName, .. })),
        "{refused:?}"
    );
    assert_eq!(store.execution(&same_name.arn).unwrap(), None);

    let update = ExecutionUpdate {
        arn: started.arn.clone(),
        status: ExecutionStatus::Failed,
        stop_date_millis: Some(500),
        output: None,
        error: Some("States.TaskFailed".to_owned()),
        cause: Some("it broke".to_owned()),
        snapshot: vec![9; 1024],
        next_event_id: 7,
        redriven: Some(Redriven { count: 2, date_millis: 450 }),
    };
    commit(store, vec![Change::UpdateExecution(update.clone())]).unwrap();
    let mut expected = started.clone();
    expected.status = ExecutionStatus::Failed;
    expected.stop_date_millis = Some(500);
    expected.error = update.error.clone();
    expected.cause = update.cause.clone();
    expected.snapshot = update.snapshot.clone();
    expected.next_event_id = 7;
    expected.redriven = update.redriven;
    assert_eq!(store.execution(&started.arn).unwrap(), Some(expected));

    let mut ghost = update;
    ghost.arn = execution_arn("m", "ghost");
    let missing = commit(store, vec![Change::UpdateExecution(ghost)]);
    assert!(
        matches!(missing, Err(Error::NotFound { entity: Entity::Execution, .. })),
        "{missing:?}"
    );
}

/// A running execution's steps change its snapshot and event count; its ending sets the
/// outcome; a redrive makes it running again without the outcome, counted; an ending after it
/// keeps the count.
pub fn execution_steps_and_redrive(store: &dyn Store) {
    let started = execution("m", "e1", 100);
    commit(store, vec![Change::StartExecution(started.clone())]).unwrap();
    let running =
        |snapshot: &[u8], next_event_id: u64, redriven: Option<Redriven>| ExecutionUpdate {
            arn: started.arn.clone(),
            status: ExecutionStatus::Running,
            stop_date_millis: None,
            output: None,
            error: None,
            cause: None,
            snapshot: snapshot.to_vec(),
            next_event_id,
            redriven,
        };
    let expect = |update: &ExecutionUpdate| {
        let mut expected = started.clone();
        expected.status = update.status;
        expected.stop_date_millis = update.stop_date_millis;
        expected.output.clone_from(&update.output);
        expected.error.clone_from(&update.error);
        expected.cause.clone_from(&update.cause);
        expected.snapshot.clone_from(&update.snapshot);
        expected.next_event_id = update.next_event_id;
        expected.redriven = update.redriven;
        assert_eq!(store.execution(&started.arn).unwrap(), Some(expected));
    };
    let step = running(b"frontier-1", 4, None);
    commit(store, vec![Change::UpdateExecution(step.clone())]).unwrap();
    expect(&step);
    let failed = ExecutionUpdate {
        status: ExecutionStatus::Failed,
        stop_date_millis: Some(200),
        error: Some("Boom".to_owned()),
        cause: Some("it broke".to_owned()),
        ..running(b"frontier-2", 6, None)
    };
    commit(store, vec![Change::UpdateExecution(failed.clone())]).unwrap();
    expect(&failed);
    let redriven = Some(Redriven { count: 1, date_millis: 300 });
    let redrive = running(b"frontier-3", 8, redriven);
    commit(store, vec![Change::UpdateExecution(redrive.clone())]).unwrap();
    expect(&redrive);
    let running_list = read_all(10, |page| store.running_executions(page));
    assert_eq!(running_list.len(), 1, "the redriven execution runs again");
    let succeeded = ExecutionUpdate {
        status: ExecutionStatus::Succeeded,
        stop_date_millis: Some(400),
        output: Some("{}".to_owned()),
        ..running(b"", 10, redriven)
    };
    commit(store, vec![Change::UpdateExecution(succeeded.clone())]).unwrap();
    expect(&succeeded);
    assert!(read_all(10, |page| store.running_executions(page)).is_empty());
}

/// Newest first (ties by ARN, descending), per machine, with and without a status filter.
pub fn execution_listing(store: &dyn Store) {
    let runs =
        [("a", 10, true), ("b", 30, false), ("c", 20, true), ("d", 30, true), ("e", 5, false)];
    for (name, start, running) in runs {
        let mut record = execution("m", name, start);
        if !running {
            record.status = ExecutionStatus::Succeeded;
        }
        // Two of them were redriven.
        if ["b", "c"].contains(&name) {
            record.redriven = Some(Redriven { count: 1, date_millis: start + 1 });
        }
        commit(store, vec![Change::StartExecution(record)]).unwrap();
    }
    commit(store, vec![Change::StartExecution(execution("other", "z", 50))]).unwrap();

    let list = |status: Option<ExecutionStatus>, limit: usize| -> Vec<String> {
        let filter =
            ExecutionFilter { state_machine_arn: machine_arn("m"), status, redriven: None };
        read_all(limit, |page| store.list_executions(&filter, page))
            .into_iter()
            .map(|e| e.name)
            .collect()
    };
    for limit in [1, 2, 5, 10] {
        assert_eq!(list(None, limit), ["d", "b", "c", "a", "e"], "limit {limit}");
        assert_eq!(list(Some(ExecutionStatus::Running), limit), ["d", "c", "a"], "limit {limit}");
        assert_eq!(list(Some(ExecutionStatus::Succeeded), limit), ["b", "e"], "limit {limit}");
        assert!(list(Some(ExecutionStatus::Aborted), limit).is_empty());
    }
    let redriven = |redriven: bool, status: Option<ExecutionStatus>| -> Vec<String> {
        let filter = ExecutionFilter {
            state_machine_arn: machine_arn("m"),
            status,
            redriven: Some(redriven),
        };
        read_all(1, |page| store.list_executions(&filter, page))
            .into_iter()
            .map(|e| e.name)
            .collect()
    };
    assert_eq!(redriven(true, None), ["b", "c"]);
    assert_eq!(redriven(false, None), ["d", "a", "e"]);
    assert_eq!(redriven(true, Some(ExecutionStatus::Running)), ["c"]);
    let filter =
        ExecutionFilter { state_machine_arn: machine_arn("m"), status: None, redriven: None };
    assert_invalid_token(
        store.list_executions(&filter, &PageRequest::after(PageToken::new("[1"), 2)),
    );
}

/// The state a commit would change, read back, for before/after comparisons.
fn observe(store: &dyn Store, execution_arn: &str) -> (Option<ExecutionRecord>, Vec<EventRecord>) {
    (
        store.execution(execution_arn).unwrap(),
        read_all(100, |page| store.history(execution_arn, Order::Forward, page)),
    )
}

/// A commit that repeats a stored event id, or repeats an id within itself, is refused whole:
/// its execution update, events, tasks and tokens all stay unapplied.
pub fn duplicate_event_refuses_whole_commit(store: &dyn Store) {
    let run = execution("m", "e", 1);
    commit(
        store,
        vec![Change::StartExecution(run.clone()), Change::AppendEvent(event(&run.arn, 1))],
    )
    .unwrap();
    commit(store, vec![Change::CreateActivity(activity("act", 1))]).unwrap();
    let before = observe(store, &run.arn);

    let step = |repeated: u64| {
        vec![
            Change::UpdateExecution(ExecutionUpdate {
                arn: run.arn.clone(),
                status: ExecutionStatus::Succeeded,
                stop_date_millis: Some(9),
                output: Some("{}".to_owned()),
                error: None,
                cause: None,
                snapshot: b"frontier-1".to_vec(),
                next_event_id: 4,
                redriven: None,
            }),
            Change::AppendEvent(event(&run.arn, 2)),
            Change::EnqueueActivityTask(activity_task(&activity("act", 1).arn, "tok", 1)),
            Change::AddTaskToken(TaskTokenRecord {
                token: "cb".to_owned(),
                execution_arn: run.arn.clone(),
                task_id: "1".to_owned(),
            }),
            Change::AppendEvent(event(&run.arn, repeated)),
        ]
    };
    for repeated in [1, 2] {
        let refused = commit(store, step(repeated));
        assert!(
            matches!(&refused, Err(Error::DuplicateEvent { execution_arn, event_id }) if *execution_arn == run.arn && *event_id == repeated),
            "repeating {repeated}: {refused:?}"
        );
        assert_eq!(observe(store, &run.arn), before, "repeating {repeated}");
        assert_eq!(store.activity_task("tok").unwrap(), None);
        assert_eq!(store.task_token("cb").unwrap(), None);
        assert_eq!(store.claim_next(&activity("act", 1).arn, "w", 2).unwrap(), None);
    }
    // The same step without the repetition applies.
    let mut fine = step(3);
    fine.push(Change::AppendEvent(event(&run.arn, 4)));
    commit(store, fine).unwrap();
    let (execution, events) = observe(store, &run.arn);
    assert_eq!(execution.unwrap().snapshot, b"frontier-1");
    assert_eq!(events.iter().map(|e| e.event_id).collect::<Vec<_>>(), [1, 2, 3, 4]);
    assert!(store.activity_task("tok").unwrap().is_some());
    assert!(store.task_token("cb").unwrap().is_some());
}

/// Commits and claims submitted together (which a group-committing backend puts in one
/// transaction): the refused commits fail alone, the other commits all apply, and every
/// claim takes its own task.
pub fn grouped_commits_fail_alone(store: &dyn Store) {
    const COMMITS: u64 = 60;
    let run = execution("m", "e", 1);
    let queue = activity("grouped", 1).arn;
    let mut setup =
        vec![Change::StartExecution(run.clone()), Change::AppendEvent(event(&run.arn, 0))];
    setup.extend(
        (0..COMMITS).map(|i| {
            Change::EnqueueActivityTask(activity_task(&queue, &format!("task-{i:02}"), 1))
        }),
    );
    commit(store, setup).unwrap();
    // Commit i appends event i + 1, except every third, which repeats event 0; every fourth
    // is followed by a claim.
    let mut claims = Vec::new();
    let completions: Vec<_> = (0..COMMITS)
        .map(|i| {
            let id = if i % 3 == 2 { 0 } else { i + 1 };
            let token = TaskTokenRecord {
                token: format!("t{i}"),
                execution_arn: run.arn.clone(),
                task_id: i.to_string(),
            };
            let (callback, completion) = completion();
            store.submit(
                Commit::new(vec![
                    Change::AddTaskToken(token),
                    Change::AppendEvent(event(&run.arn, id)),
                ]),
                callback,
            );
            if i % 4 == 0 {
                let (callback, claimed) = crate::completion();
                let claim = ClaimRequest {
                    activity_arn: queue.clone(),
                    worker_name: format!("w{i}"),
                    now_millis: 3,
                };
                store.submit_claim(claim, callback);
                claims.push((format!("w{i}"), claimed));
            }
            completion
        })
        .collect();
    for (i, completion) in (0..COMMITS).zip(completions) {
        let result = completion.wait();
        if i % 3 == 2 {
            assert!(
                matches!(result, Err(Error::DuplicateEvent { event_id: 0, .. })),
                "commit {i}: {result:?}"
            );
        } else {
            assert!(result.is_ok(), "commit {i}: {result:?}");
        }
    }
    let mut claimed_tokens = BTreeSet::new();
    for (worker, claimed) in claims {
        let task = claimed.wait().unwrap().expect("the queue has more tasks than claims");
        let stored = store.activity_task(&task.task_token).unwrap().expect("a claimed task stays");
        assert_eq!(stored.claim.map(|c| c.worker_name), Some(worker));
        assert!(claimed_tokens.insert(task.task_token), "a task was claimed twice");
    }
    let (_, events) = observe(store, &run.arn);
    let expected_events: Vec<u64> =
        std::iter::once(0).chain((0..COMMITS).filter(|i| i % 3 != 2).map(|i| i + 1)).collect();
    assert_eq!(events.iter().map(|e| e.event_id).collect::<Vec<_>>(), expected_events);
    for i in 0..COMMITS {
        let kept = store.task_token(&format!("t{i}")).unwrap().is_some();
        assert_eq!(kept, i % 3 != 2, "the token of commit {i}");
    }
}

/// History pages forward and backward from a token, per execution, bodies intact.
pub fn history_paging(store: &dyn Store) {
    let run = execution("m", "e", 1);
    let other = execution("m", "f", 1);
    let mut changes =
        vec![Change::StartExecution(run.clone()), Change::StartExecution(other.clone())];
    changes.extend((1..=7).map(|id| Change::AppendEvent(event(&run.arn, id))));
    changes.push(Change::AppendEvent(event(&other.arn, 1)));
    commit(store, changes).unwrap();

    let ids = |order: Order, limit: usize| -> Vec<u64> {
        read_all(limit, |page| store.history(&run.arn, order, page))
            .into_iter()
            .map(|e| e.event_id)
            .collect()
    };
    for limit in [1, 3, 7, 50] {
        assert_eq!(ids(Order::Forward, limit), [1, 2, 3, 4, 5, 6, 7], "limit {limit}");
        assert_eq!(ids(Order::Reverse, limit), [7, 6, 5, 4, 3, 2, 1], "limit {limit}");
    }
    let first = store.history(&run.arn, Order::Forward, &PageRequest::first(1)).unwrap();
    assert_eq!(first.items, [event(&run.arn, 1)]);
    let reverse = store.history(&run.arn, Order::Reverse, &PageRequest::first(3)).unwrap();
    let rest = store
        .history(&run.arn, Order::Reverse, &PageRequest::after(reverse.next.unwrap(), 2))
        .unwrap();
    assert_eq!(rest.items.iter().map(|e| e.event_id).collect::<Vec<_>>(), [4, 3]);
    let from_five = PageRequest::after(PageToken::after_event(5), 10);
    let forward = store.history(&run.arn, Order::Forward, &from_five).unwrap();
    assert_eq!(forward.items.iter().map(|e| e.event_id).collect::<Vec<_>>(), [6, 7]);
    let backward = store.history(&run.arn, Order::Reverse, &from_five).unwrap();
    assert_eq!(backward.items.iter().map(|e| e.event_id).collect::<Vec<_>>(), [4, 3, 2, 1]);
    let none = store
        .history(&execution_arn("m", "ghost"), Order::Forward, &PageRequest::first(5))
        .unwrap();
    assert_eq!(none, Page { items: vec![], next: None });
}

/// The activity queue: oldest first, claims recorded, heartbeats, removal, other queues apart.
pub fn activity_task_queue(store: &dyn Store) {
    let queue = activity("q", 1).arn;
    let other = activity("other", 1).arn;
    commit(
        store,
        vec![
            Change::EnqueueActivityTask(activity_task(&queue, "late", 30)),
            Change::EnqueueActivityTask(activity_task(&queue, "early-b", 10)),
            Change::EnqueueActivityTask(activity_task(&queue, "early-a", 10)),
            Change::EnqueueActivityTask(activity_task(&other, "elsewhere", 1)),
        ],
    )
    .unwrap();
    let duplicate =
        commit(store, vec![Change::EnqueueActivityTask(activity_task(&queue, "late", 40))]);
    assert!(
        matches!(duplicate, Err(Error::AlreadyExists { entity: Entity::ActivityTask, .. })),
        "{duplicate:?}"
    );

    let mut claimed = Vec::new();
    while let Some(task) = store.claim_next(&queue, "worker-1", 500).unwrap() {
        let claim = task.claim.as_ref().expect("a claimed task records its claim");
        assert_eq!((claim.worker_name.as_str(), claim.claimed_millis), ("worker-1", 500));
        assert_eq!(store.activity_task(&task.task_token).unwrap().as_ref(), Some(&task));
        claimed.push(task.task_token);
    }
    assert_eq!(claimed, ["early-a", "early-b", "late"]);
    assert_eq!(store.claim_next(&activity("empty", 1).arn, "w", 1).unwrap(), None);

    commit(
        store,
        vec![
            Change::RemoveActivityTask { task_token: "late".to_owned() },
            Change::RemoveActivityTask { task_token: "late".to_owned() },
        ],
    )
    .unwrap();
    assert_eq!(store.activity_task("late").unwrap(), None);
    let elsewhere =
        store.claim_next(&other, "", 600).unwrap().expect("the other queue keeps its task");
    assert_eq!(elsewhere.task_token, "elsewhere");
    assert_eq!(elsewhere.input, r#"{"task":"elsewhere"}"#);
}

/// Many threads claiming from one queue at once: every task goes to exactly one of them.
pub fn concurrent_claims_hand_each_task_once(store: &dyn Store) {
    const TASKS: usize = 200;
    const CLAIMERS: usize = 8;
    let queue = activity("busy", 1).arn;
    let changes = (0..TASKS)
        .map(|i| Change::EnqueueActivityTask(activity_task(&queue, &format!("task-{i:03}"), 1)))
        .collect();
    commit(store, changes).unwrap();

    let start = Barrier::new(CLAIMERS);
    let per_claimer: Vec<Vec<String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..CLAIMERS)
            .map(|c| {
                let (start, queue) = (&start, &queue);
                scope.spawn(move || {
                    start.wait();
                    let mut mine = Vec::new();
                    while let Some(task) = store.claim_next(queue, &format!("w{c}"), 2).unwrap() {
                        assert_eq!(task.claim.unwrap().worker_name, format!("w{c}"));
                        mine.push(task.task_token);
                    }
                    mine
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("claimer thread")).collect()
    });
    let all: Vec<&String> = per_claimer.iter().flatten().collect();
    let distinct: BTreeSet<&String> = all.iter().copied().collect();
    assert_eq!(all.len(), TASKS, "tasks handed out, counting repeats");
    assert_eq!(distinct.len(), TASKS, "distinct tasks handed out");
    // Each claimer took its tasks in queue order.
    for mine in &per_claimer {
        assert!(mine.windows(2).all(|pair| pair[0] < pair[1]), "{mine:?}");
    }
}

/// Recovery reads every running execution with its snapshot, by ARN.
pub fn recovery_listing(store: &dyn Store) {
    let mut expected = Vec::new();
    for i in 0..25 {
        let mut record = execution(&format!("m{}", i % 3), &format!("e{i:02}"), i);
        record.snapshot = format!("frontier of {i}").into_bytes();
        if i % 4 == 0 {
            record.status = ExecutionStatus::Aborted;
        } else {
            expected.push(record.clone());
        }
        commit(store, vec![Change::StartExecution(record)]).unwrap();
    }
    // One running execution finishes; it leaves the recovery listing.
    let finished = expected.remove(3);
    commit(
        store,
        vec![Change::UpdateExecution(ExecutionUpdate {
            arn: finished.arn,
            status: ExecutionStatus::Succeeded,
            stop_date_millis: Some(99),
            output: Some("{}".to_owned()),
            error: None,
            cause: None,
            snapshot: vec![],
            next_event_id: 2,
            redriven: None,
        })],
    )
    .unwrap();
    expected.sort_by(|a, b| a.arn.cmp(&b.arn));
    for limit in [1, 4, 100] {
        assert_eq!(
            read_all(limit, |page| store.running_executions(page)),
            expected,
            "limit {limit}"
        );
    }
    assert_invalid_token(
        store.running_executions(&PageRequest::after(PageToken::new("[\"history\",1]"), 2)),
    );
}

/// Task tokens: add, find, refuse a duplicate, remove (twice).
pub fn task_tokens(store: &dyn Store) {
    let record = TaskTokenRecord {
        token: "AAAA".to_owned(),
        execution_arn: execution_arn("m", "e"),
        task_id: "7".to_owned(),
    };
    commit(store, vec![Change::AddTaskToken(record.clone())]).unwrap();
    assert_eq!(store.task_token("AAAA").unwrap(), Some(record.clone()));
    let duplicate = commit(store, vec![Change::AddTaskToken(record)]);
    assert!(
        matches!(&duplicate, Err(Error::AlreadyExists { entity: Entity::TaskToken, key }) if key == "AAAA"),
        "{duplicate:?}"
    );
    let remove = || Change::RemoveTaskToken { token: "AAAA".to_owned() };
    commit(store, vec![remove(), remove()]).unwrap();
    assert_eq!(store.task_token("AAAA").unwrap(), None);
}

/// A Map Run is recorded whole and replaced by each later record of it; an execution's Map
/// Runs are listed newest first, in pages.
pub fn map_runs(store: &dyn Store) {
    let run = |execution: &str, id: u32, start_date_millis: i64, progress: &str| MapRunRecord {
        arn: format!("arn:aws:states:{REGION_ACCOUNT}:mapRun:m/Each:{id}"),
        execution_arn: execution_arn("m", execution),
        start_date_millis,
        progress: progress.to_owned(),
    };
    let first = run("e1", 1, 10, r#"{"status":"RUNNING","ünïcödé":true}"#);
    let second = run("e1", 2, 20, r#"{"status":"RUNNING"}"#);
    let other = run("e2", 3, 15, r#"{"status":"RUNNING"}"#);
    let changes = [&first, &second, &other].map(|run| Change::PutMapRun(run.clone())).to_vec();
    commit(store, changes).unwrap();
    assert_eq!(store.map_run(&first.arn).unwrap(), Some(first.clone()));
    let ended = MapRunRecord { progress: r#"{"status":"SUCCEEDED"}"#.to_owned(), ..first.clone() };
    commit(store, vec![Change::PutMapRun(ended.clone())]).unwrap();
    assert_eq!(store.map_run(&first.arn).unwrap(), Some(ended.clone()));
    assert_eq!(
        store.map_run("arn:aws:states:us-east-1:123456789012:mapRun:m/Each:9").unwrap(),
        None
    );

    for limit in [1, 2, 5] {
        let listed = read_all(limit, |page| store.list_map_runs(&execution_arn("m", "e1"), page));
        assert_eq!(listed, [second.clone(), ended.clone()], "limit {limit}");
    }
    assert!(
        store
            .list_map_runs(&execution_arn("m", "none"), &PageRequest::first(5))
            .unwrap()
            .items
            .is_empty()
    );
    assert_invalid_token(
        store
            .list_map_runs(&execution_arn("m", "e1"), &PageRequest::after(PageToken::new("[1"), 2)),
    );
}
