//! Writes of state machine versions, aliases and execution sources (schema version 3), apart
//! from the writer's other changes because each needs checks across tables: a version's number
//! follows its machine's numbering, an alias names versions that exist, and a version an alias
//! routes to cannot be deleted. The writer thread is the only writer, so a check and the
//! statement after it see the same data.

use rusqlite::{Connection, OptionalExtension, params};

use baton_store::{
    Entity, Error, ExecutionSourceRecord, StateMachineAliasRecord, StateMachineVersionRecord,
};

use crate::rows;
use crate::writer::{changed_one, execute, exists, failed, missing};

/// Publishes `v` as its machine's next version.
pub(crate) fn publish(connection: &Connection, v: &StateMachineVersionRecord) -> Result<(), Error> {
    let machine = &v.state_machine_arn;
    if !row_exists(connection, "SELECT 1 FROM state_machines WHERE arn = ?1", machine)? {
        return Err(missing(Entity::StateMachine, machine)());
    }
    let latest = latest_number(connection, machine)?;
    if v.version_number != latest + 1 {
        return Err(exists(Entity::StateMachineVersion, &v.arn)());
    }
    let sql = "INSERT INTO state_machine_version_numbers (state_machine_arn, latest_version_number)
        VALUES (?1, ?2) ON CONFLICT (state_machine_arn)
        DO UPDATE SET latest_version_number = excluded.latest_version_number";
    execute(connection, sql, params![machine, v.version_number], "numbering versions of", machine)?;
    let sql = format!(
        "INSERT INTO state_machine_versions ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT DO NOTHING",
        rows::VERSION_COLUMNS
    );
    let values = params![
        v.arn,
        machine,
        v.version_number,
        v.revision_id,
        v.description,
        v.creation_date_millis
    ];
    let changed = execute(connection, &sql, values, "publishing version", &v.arn)?;
    changed_one(changed, exists(Entity::StateMachineVersion, &v.arn))
}

/// The highest version number `machine` ever published, or 0.
fn latest_number(connection: &Connection, machine: &str) -> Result<u64, Error> {
    let sql = "SELECT latest_version_number FROM state_machine_version_numbers
        WHERE state_machine_arn = ?1";
    let latest: Option<u64> = connection
        .prepare_cached(sql)
        .and_then(|mut statement| statement.query_row([machine], |row| row.get(0)).optional())
        .map_err(failed("reading the version numbers of", machine))?;
    Ok(latest.unwrap_or(0))
}

/// Deletes version `arn` unless an alias routes to it.
pub(crate) fn delete_version(connection: &Connection, arn: &str) -> Result<(), Error> {
    let Some(machine) = connection
        .prepare_cached("SELECT state_machine_arn FROM state_machine_versions WHERE arn = ?1")
        .and_then(|mut statement| {
            statement.query_row([arn], |row| row.get::<_, String>(0)).optional()
        })
        .map_err(failed("deleting version", arn))?
    else {
        return Ok(());
    };
    let users: Vec<String> = machine_aliases(connection, &machine)?
        .into_iter()
        .filter(|alias| alias.routing.iter().any(|route| route.version_arn == arn))
        .map(|alias| alias.arn)
        .collect();
    if !users.is_empty() {
        return Err(Error::InUse {
            entity: Entity::StateMachineVersion,
            key: arn.to_owned(),
            users,
        });
    }
    let sql = "DELETE FROM state_machine_versions WHERE arn = ?1";
    execute(connection, sql, [arn], "deleting version", arn).map(drop)
}

/// Creates alias `a`, or replaces it (keeping its creation date) when `update` is set.
pub(crate) fn put_alias(
    connection: &Connection,
    a: &StateMachineAliasRecord,
    update: bool,
) -> Result<(), Error> {
    let machine = &a.state_machine_arn;
    if !row_exists(connection, "SELECT 1 FROM state_machines WHERE arn = ?1", machine)? {
        return Err(missing(Entity::StateMachine, machine)());
    }
    for route in &a.routing {
        let sql = "SELECT 1 FROM state_machine_versions WHERE arn = ?1";
        if !row_exists(connection, sql, &route.version_arn)? {
            return Err(missing(Entity::StateMachineVersion, &route.version_arn)());
        }
    }
    let routing = rows::routing_text(&a.routing);
    if update {
        let sql = "UPDATE state_machine_aliases SET description = ?2, routing = ?3,
            update_date_millis = ?4 WHERE arn = ?1";
        let values = params![a.arn, a.description, routing, a.update_date_millis];
        let changed = execute(connection, sql, values, "updating alias", &a.arn)?;
        return changed_one(changed, missing(Entity::StateMachineAlias, &a.arn));
    }
    let sql = format!(
        "INSERT INTO state_machine_aliases ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT DO NOTHING",
        rows::ALIAS_COLUMNS
    );
    let values = params![
        a.arn,
        machine,
        a.name,
        a.description,
        routing,
        a.creation_date_millis,
        a.update_date_millis
    ];
    let changed = execute(connection, &sql, values, "creating alias", &a.arn)?;
    changed_one(changed, exists(Entity::StateMachineAlias, &a.arn))
}

/// Removes alias `arn`, if it exists.
pub(crate) fn delete_alias(connection: &Connection, arn: &str) -> Result<(), Error> {
    let sql = "DELETE FROM state_machine_aliases WHERE arn = ?1";
    execute(connection, sql, [arn], "deleting alias", arn).map(drop)
}

/// Records what an execution was started on.
pub(crate) fn record_source(
    connection: &Connection,
    s: &ExecutionSourceRecord,
) -> Result<(), Error> {
    let sql = format!(
        "INSERT OR REPLACE INTO execution_sources ({}) VALUES (?1, ?2, ?3)",
        rows::SOURCE_COLUMNS
    );
    let values = params![s.execution_arn, s.version_arn, s.alias_arn];
    execute(connection, &sql, values, "recording the source of", &s.execution_arn).map(drop)
}

/// Removes the versions, their numbering and the aliases of a deleted machine.
pub(crate) fn delete_machine(connection: &Connection, arn: &str) -> Result<(), Error> {
    for table in
        ["state_machine_versions", "state_machine_version_numbers", "state_machine_aliases"]
    {
        let sql = format!("DELETE FROM {table} WHERE state_machine_arn = ?1");
        execute(connection, &sql, [arn], "deleting the versions and aliases of", arn)?;
    }
    Ok(())
}

fn machine_aliases(
    connection: &Connection,
    machine: &str,
) -> Result<Vec<StateMachineAliasRecord>, Error> {
    let sql = format!(
        "SELECT {} FROM state_machine_aliases WHERE state_machine_arn = ?1",
        rows::ALIAS_COLUMNS
    );
    connection
        .prepare_cached(&sql)
        .and_then(|mut statement| {
            statement.query_map([machine], rows::alias)?.collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(failed("reading the aliases of", machine))
}

fn row_exists(connection: &Connection, sql: &str, key: &str) -> Result<bool, Error> {
    connection
        .prepare_cached(sql)
        .and_then(|mut statement| statement.exists([key]))
        .map_err(failed("reading", key))
}
