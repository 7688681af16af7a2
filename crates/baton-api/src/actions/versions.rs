//! State machine versions: PublishStateMachineVersion (and `publish` on CreateStateMachine and
//! UpdateStateMachine), ListStateMachineVersions, DeleteStateMachineVersion, DescribeStateMachine
//! of a version ARN, and executions started on a version or an alias.
//!
//! A version is a numbered, immutable name for one revision of a machine: its ARN is the
//! machine's ARN, a colon and the number (1, 2, ...; a deleted version's number is never given
//! again). Publishing keeps the revision ([`Change::KeepStateMachineRevision`]) in the same
//! commit as the version, so the version's definition outlives later updates, and an execution
//! started on it records that revision like any other: recovery and
//! DescribeStateMachineForExecution need nothing more. Publishing is idempotent, as in AWS: a
//! machine whose current revision already has a version answers with that version.
//!
//! An execution started on a version or an alias records where it came from
//! ([`Change::RecordExecutionSource`]) before it starts, so DescribeExecution and
//! ListExecutions show `stateMachineVersionArn` and `stateMachineAliasArn` from the first
//! answer on; ListExecutions of a version ARN lists the executions started on it.

use serde_json::{Value, json};

use baton_store::{
    Change, Entity, ExecutionRecord, ExecutionSourceRecord, StateMachineRecord, StateMachineStatus,
    StateMachineVersionRecord,
};

use super::{
    Request, check_arn, commit, executions, machine_description, machines, optional_str,
    page_request, page_response, required, seconds, too_long,
};
use crate::{Error, Handle};

/// The most versions one state machine may have, as AWS's quota.
pub(super) const VERSIONS_PER_MACHINE_MAX: u64 = 1000;
/// The longest version `description`, in characters.
pub(super) const DESCRIPTION_CHARS_MAX: usize = 256;

/// What an ARN that StartExecution or ListExecutions accepts names.
pub(super) enum Target<'arn> {
    /// A state machine itself.
    Machine(&'arn str),
    /// A version of the machine whose ARN it holds.
    Version(&'arn str),
    /// An alias.
    Alias,
}

/// What a state machine ARN with a qualifier names: `…:stateMachine:NAME:1` is a version,
/// `…:stateMachine:NAME:ALIAS` an alias (alias names always hold a character that is no digit).
pub(super) fn target(arn: &str) -> Target<'_> {
    let parts = arn.split(':').count();
    match arn.rsplit_once(':') {
        Some((machine, qualifier)) if parts == 8 => {
            if qualifier.parse::<u64>().is_ok() {
                Target::Version(machine)
            } else {
                Target::Alias
            }
        }
        _ => Target::Machine(arn),
    }
}

pub(super) async fn publish_state_machine_version(
    handle: &Handle,
    request: &Request,
) -> Result<Value, Error> {
    let arn = required(request, "stateMachineArn")?;
    check_arn(arn, &["stateMachine"])?;
    let description = description(request, "description")?;
    let revision_id = optional_str(request, "revisionId")?;
    let machine = handle
        .store()
        .state_machine(arn)?
        .ok_or_else(|| Error::StateMachineDoesNotExist(arn.to_owned()))?;
    if machine.status == StateMachineStatus::Deleting {
        return Err(Error::StateMachineDeleting(arn.to_owned()));
    }
    if let Some(revision_id) = revision_id.filter(|id| *id != machine.revision_id) {
        return Err(Error::Conflict(format!(
            "Failed to publish the State Machine version for revision {revision_id}. The current State Machine revision is {}.",
            machine.revision_id
        )));
    }
    let version = match published(handle, &machine)? {
        Some(version) => version,
        None => {
            let (version, changes) = publication(handle, &machine, description)?;
            commit_publication(handle, arn, changes).await?;
            version
        }
    };
    Ok(json!({
        "stateMachineVersionArn": version.arn,
        "creationDate": seconds(version.creation_date_millis),
    }))
}

/// The version of the machine's current revision, if one was published: publishing it again
/// answers with that version.
pub(super) fn published(
    handle: &Handle,
    machine: &StateMachineRecord,
) -> Result<Option<StateMachineVersionRecord>, Error> {
    // Revisions only move forward, so the version of the current revision is the newest.
    let newest = handle
        .store()
        .list_state_machine_versions(&machine.arn, &baton_store::PageRequest::first(1))?;
    Ok(newest.items.into_iter().next().filter(|version| version.revision_id == machine.revision_id))
}

/// The next version of `machine` at the revision it holds, and the changes that publish it
/// (keeping the revision). Refused once the machine has [`VERSIONS_PER_MACHINE_MAX`].
pub(super) fn publication(
    handle: &Handle,
    machine: &StateMachineRecord,
    description: Option<&str>,
) -> Result<(StateMachineVersionRecord, Vec<Change>), Error> {
    let latest = handle.store().latest_version_number(&machine.arn)?;
    let count = handle
        .store()
        .list_state_machine_versions(
            &machine.arn,
            &baton_store::PageRequest::first(
                usize::try_from(VERSIONS_PER_MACHINE_MAX).unwrap_or(usize::MAX),
            ),
        )?
        .items
        .len();
    if u64::try_from(count).unwrap_or(u64::MAX) >= VERSIONS_PER_MACHINE_MAX {
        return Err(Error::ServiceQuotaExceeded(format!(
            "State machine {} has the maximum of {VERSIONS_PER_MACHINE_MAX} versions; delete unused versions with DeleteStateMachineVersion",
            machine.arn
        )));
    }
    let number = latest + 1;
    let version = StateMachineVersionRecord {
        arn: format!("{}:{number}", machine.arn),
        state_machine_arn: machine.arn.clone(),
        version_number: number,
        revision_id: machine.revision_id.clone(),
        description: description.map(str::to_owned),
        creation_date_millis: baton_runtime::now_millis(),
    };
    let changes = vec![
        Change::KeepStateMachineRevision(machines::revision_of(machine)),
        Change::PublishStateMachineVersion(version.clone()),
    ];
    Ok((version, changes))
}

/// Commits changes that publish a version of `arn`, with AWS's errors for a machine deleted
/// or published meanwhile.
pub(super) async fn commit_publication(
    handle: &Handle,
    arn: &str,
    changes: Vec<Change>,
) -> Result<(), Error> {
    match commit(handle, changes).await {
        Ok(()) => Ok(()),
        Err(baton_store::Error::NotFound { .. }) => {
            Err(Error::StateMachineDoesNotExist(arn.to_owned()))
        }
        Err(baton_store::Error::AlreadyExists { entity: Entity::StateMachineVersion, .. }) => {
            Err(Error::Conflict(format!(
                "Another request published a version of {arn} at the same time; try again"
            )))
        }
        Err(error) => Err(error.into()),
    }
}

/// The `description` (or `versionDescription`) of a version, at most
/// [`DESCRIPTION_CHARS_MAX`] characters.
pub(super) fn description<'request>(
    request: &'request Request,
    field: &str,
) -> Result<Option<&'request str>, Error> {
    let description = optional_str(request, field)?;
    if description.is_some_and(|text| text.chars().count() > DESCRIPTION_CHARS_MAX) {
        return Err(too_long(field, DESCRIPTION_CHARS_MAX));
    }
    Ok(description)
}

pub(super) fn list_state_machine_versions(
    handle: &Handle,
    request: &Request,
) -> Result<Value, Error> {
    let arn = required(request, "stateMachineArn")?;
    check_arn(arn, &["stateMachine"])?;
    let page = page_request(request)?;
    if handle.store().state_machine(arn)?.is_none() {
        return Err(Error::StateMachineDoesNotExist(arn.to_owned()));
    }
    let versions = handle.store().list_state_machine_versions(arn, &page)?;
    Ok(page_response(versions, "stateMachineVersions", |version| {
        json!({
            "stateMachineVersionArn": version.arn,
            "creationDate": seconds(version.creation_date_millis),
        })
    }))
}

/// Deletes a version; deleting one that is gone succeeds. A version an alias routes to is
/// refused with AWS's ConflictException, naming the aliases. Executions that run it keep
/// running: its revision stays kept until the machine is deleted.
pub(super) async fn delete_state_machine_version(
    handle: &Handle,
    request: &Request,
) -> Result<Value, Error> {
    let arn = required(request, "stateMachineVersionArn")?;
    check_arn(arn, &["stateMachine"])?;
    if !matches!(target(arn), Target::Version(_)) {
        return Err(Error::InvalidArn(format!("Invalid version ARN: {arn}")));
    }
    match commit(handle, vec![Change::DeleteStateMachineVersion { arn: arn.to_owned() }]).await {
        Ok(()) => Ok(json!({})),
        Err(baton_store::Error::InUse { users, .. }) => {
            let names: Vec<&str> = users
                .iter()
                .map(|alias| alias.rsplit_once(':').map_or(alias.as_str(), |(_, name)| name))
                .collect();
            Err(Error::Conflict(format!(
                "Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [{}]",
                names.join(", ")
            )))
        }
        Err(error) => Err(error.into()),
    }
}

/// DescribeStateMachine of a version ARN: the machine as the version's revision holds it.
pub(super) fn describe_version(handle: &Handle, arn: &str) -> Result<Value, Error> {
    let missing = || Error::StateMachineDoesNotExist(arn.to_owned());
    let version = handle.store().state_machine_version(arn)?.ok_or_else(missing)?;
    let record = machines::revision(handle, &version.state_machine_arn, &version.revision_id)?
        .ok_or_else(missing)?;
    let mut response = machine_description(handle, &record)?;
    response["stateMachineArn"] = json!(version.arn);
    response["status"] = json!(record.status.as_str());
    response["type"] = json!(record.r#type.as_str());
    response["creationDate"] = json!(seconds(version.creation_date_millis));
    if let Some(description) = version.description {
        response["description"] = json!(description);
    }
    Ok(response)
}

/// The state machine at the revision an execution started on `arn` runs (the machine's
/// current one, a version's, or the version an alias routes this execution to), and the
/// source to record for it. An alias picks by weight with the execution's name as the seed, so
/// the same name always runs the same version.
pub(super) fn resolve(
    handle: &Handle,
    arn: &str,
    execution_name: &str,
) -> Result<(StateMachineRecord, Option<Source>), Error> {
    let missing = || Error::StateMachineDoesNotExist(arn.to_owned());
    let (version_arn, alias_arn) = match target(arn) {
        Target::Machine(machine) => {
            let record = handle.store().state_machine(machine)?.ok_or_else(missing)?;
            return Ok((record, None));
        }
        Target::Version(_) => (arn.to_owned(), None),
        Target::Alias => {
            let alias = handle.store().state_machine_alias(arn)?.ok_or_else(missing)?;
            (super::aliases::route(&alias, execution_name), Some(arn.to_owned()))
        }
    };
    let version = handle.store().state_machine_version(&version_arn)?.ok_or_else(missing)?;
    let record = machines::revision(handle, &version.state_machine_arn, &version.revision_id)?
        .ok_or_else(missing)?;
    Ok((record, Some(Source { version_arn, alias_arn })))
}

/// The version (and alias) an execution is started on.
pub(super) struct Source {
    version_arn: String,
    alias_arn: Option<String>,
}

/// Records what execution `execution_arn` was started on, before it starts.
pub(super) async fn record_source(
    handle: &Handle,
    execution_arn: &str,
    source: Option<Source>,
) -> Result<(), Error> {
    let Some(Source { version_arn, alias_arn }) = source else { return Ok(()) };
    let record =
        ExecutionSourceRecord { execution_arn: execution_arn.to_owned(), version_arn, alias_arn };
    commit(handle, vec![Change::RecordExecutionSource(record)]).await?;
    Ok(())
}

/// Adds `stateMachineVersionArn` and `stateMachineAliasArn` to a DescribeExecution answer or a
/// ListExecutions item, for an execution started on a version or an alias.
pub(super) fn add_source(
    handle: &Handle,
    execution_arn: &str,
    response: &mut Value,
) -> Result<(), Error> {
    if let Some(source) = handle.store().execution_source(execution_arn)? {
        response["stateMachineVersionArn"] = json!(source.version_arn);
        if let Some(alias_arn) = source.alias_arn {
            response["stateMachineAliasArn"] = json!(alias_arn);
        }
    }
    Ok(())
}

/// ListExecutions of a version ARN: the executions started on it (directly or through an
/// alias), newest first.
pub(super) fn list_executions(
    handle: &Handle,
    request: &Request,
    version_arn: &str,
) -> Result<Value, Error> {
    let status = executions::status_filter(request)?;
    let redriven = executions::redrive_filter(request)?;
    let page = page_request(request)?;
    if handle.store().state_machine_version(version_arn)?.is_none() {
        return Err(Error::StateMachineDoesNotExist(version_arn.to_owned()));
    }
    let listed = handle.store().list_version_executions(version_arn, status, redriven, &page)?;
    let mut response =
        page_response(listed, "executions", |e: ExecutionRecord| executions::list_item(&e));
    add_sources(handle, &mut response)?;
    Ok(response)
}

/// Adds each listed execution's version and alias to a ListExecutions answer.
pub(super) fn add_sources(handle: &Handle, response: &mut Value) -> Result<(), Error> {
    let Some(items) = response["executions"].as_array_mut() else { return Ok(()) };
    for item in items {
        let arn = item["executionArn"].as_str().unwrap_or_default().to_owned();
        add_source(handle, &arn, item)?;
    }
    Ok(())
}
