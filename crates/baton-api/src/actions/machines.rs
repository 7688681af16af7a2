//! State machine revisions: UpdateStateMachine, DescribeStateMachineForExecution, the revision
//! each execution runs, and the request checks CreateStateMachine shares with UpdateStateMachine
//! (logging and tracing configurations, versions). ListExecutions' filters that only make sense
//! with features Baton lacks are answered here too.
//!
//! An update that changes something makes a new revision (a fresh `revisionId`). Running
//! executions keep the revision they started on (their record names it), so the store keeps
//! every revision an update replaces or makes ([`Change::KeepStateMachineRevision`], in the
//! update's own commit): recovery after a restart resumes each execution on its own revision,
//! and DescribeStateMachineForExecution shows it. Kept revisions go when the machine is
//! deleted, which waits for its running executions. Keeping the new revision too, not only the
//! replaced one, means two racing updates cannot lose a revision an execution started on.
//!
//! `publish: true` publishes a version of the revision the request leaves current, in the
//! update's own commit ([`super::versions`]); an update that changes nothing publishes only
//! when that revision has no version yet, as AWS does.

use serde_json::{Map, Value, json};

use baton_asl::limits::DEFINITION_BYTES_MAX;
use baton_store::{Change, StateMachineRecord, StateMachineRevisionRecord, StateMachineStatus};

use super::{
    Request, check_arn, executions, machine_description, not_in_enum, optional_bool, optional_str,
    parse_definition, required, seconds, too_long, versions, workflow, wrong_type,
};
use crate::{Error, Handle};

/// AWS's message when UpdateStateMachine has nothing to update.
const NOTHING_TO_UPDATE: &str = "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified";
/// `loggingConfiguration.level` values, in the order AWS's message lists them.
const LOG_LEVELS: &[&str] = &["ALL", "ERROR", "FATAL", "OFF"];
/// The most log destinations a machine may have.
const LOG_DESTINATIONS_MAX: usize = 1;

pub(super) async fn update_state_machine(
    handle: &Handle,
    request: &Request,
) -> Result<Value, Error> {
    let arn = required(request, "stateMachineArn")?;
    check_arn(arn, &["stateMachine"])?;
    let publish = check_versioning(request)?;
    let definition = optional_str(request, "definition")?;
    let role_arn = optional_str(request, "roleArn")?;
    let logging = logging_configuration(request)?;
    let tracing = tracing_configuration(request)?;
    if definition.is_none() && role_arn.is_none() && logging.is_none() && tracing.is_none() {
        return Err(Error::MissingRequiredParameter(NOTHING_TO_UPDATE.to_owned()));
    }
    if definition.is_some_and(|definition| definition.len() > DEFINITION_BYTES_MAX) {
        return Err(too_long("definition", DEFINITION_BYTES_MAX));
    }
    let current = handle
        .store()
        .state_machine(arn)?
        .ok_or_else(|| Error::StateMachineDoesNotExist(arn.to_owned()))?;
    if current.status == StateMachineStatus::Deleting {
        return Err(Error::StateMachineDeleting(arn.to_owned()));
    }
    let machine = definition
        .map(|definition| parse_definition(definition, workflow(current.r#type)))
        .transpose()?;
    let mut next = current.clone();
    if let Some(definition) = definition {
        definition.clone_into(&mut next.definition);
    }
    if let Some(role_arn) = role_arn {
        role_arn.clone_into(&mut next.role_arn);
    }
    if let Some(logging) = logging {
        next.logging_configuration = logging;
    }
    if let Some(tracing) = tracing {
        next.tracing_configuration = tracing;
    }
    let unchanged = next.definition == current.definition
        && next.role_arn == current.role_arn
        && next.logging_configuration == current.logging_configuration
        && next.tracing_configuration == current.tracing_configuration;
    if unchanged {
        // AWS answers an update that changes nothing with the revision there is (named once
        // an update made one), and its version when publishing.
        let date = current.update_date_millis.unwrap_or(current.creation_date_millis);
        let mut response = json!({ "updateDate": seconds(date) });
        if current.update_date_millis.is_some() {
            response["revisionId"] = json!(current.revision_id);
        }
        if let Some(description) = publish {
            let version = publish_current(handle, &current, description).await?;
            response["stateMachineVersionArn"] = json!(version);
        }
        return Ok(response);
    }
    let updated = baton_runtime::now_millis();
    next.revision_id = uuid::Uuid::new_v4().to_string();
    next.update_date_millis = Some(updated);
    let mut changes = vec![
        Change::KeepStateMachineRevision(revision_of(&current)),
        Change::KeepStateMachineRevision(revision_of(&next)),
        Change::UpdateStateMachine(next.clone()),
    ];
    let version = match publish {
        Some(description) => {
            let (version, publication) = versions::publication(handle, &next, description)?;
            changes.extend(publication);
            Some(version.arn)
        }
        None => None,
    };
    // A machine deleted meanwhile is StateMachineDoesNotExist.
    versions::commit_publication(handle, arn, changes).await?;
    if let Some(machine) = machine {
        // Parsed already: keep it for the executions to come.
        handle.live().machine(arn, &next.revision_id, || Ok::<_, Error>(machine))?;
    }
    let mut response = json!({ "revisionId": next.revision_id, "updateDate": seconds(updated) });
    if let Some(version) = version {
        response["stateMachineVersionArn"] = json!(version);
    }
    Ok(response)
}

/// Publishes (or finds, if it was published) the version of the revision `machine` holds, for
/// a CreateStateMachine or UpdateStateMachine with `publish` that changed nothing, and returns
/// its ARN.
pub(super) async fn publish_current(
    handle: &Handle,
    machine: &StateMachineRecord,
    description: Option<&str>,
) -> Result<String, Error> {
    if let Some(version) = versions::published(handle, machine)? {
        return Ok(version.arn);
    }
    let (version, changes) = versions::publication(handle, machine, description)?;
    versions::commit_publication(handle, &machine.arn, changes).await?;
    Ok(version.arn)
}

pub(super) fn describe_state_machine_for_execution(
    handle: &Handle,
    request: &Request,
) -> Result<Value, Error> {
    let arn = required(request, "executionArn")?;
    check_arn(arn, &["execution"])?;
    let execution = handle
        .store()
        .execution(arn)?
        .ok_or_else(|| Error::ExecutionDoesNotExist(arn.to_owned()))?;
    let machine_arn = &execution.state_machine_arn;
    let record = revision(handle, machine_arn, &execution.state_machine_revision_id)?
        .ok_or_else(|| Error::StateMachineDoesNotExist(machine_arn.clone()))?;
    let mut response = machine_description(handle, &record)?;
    let updated = record.update_date_millis.unwrap_or(record.creation_date_millis);
    response["updateDate"] = json!(seconds(updated));
    Ok(response)
}

/// The state machine `arn` as it was at `revision_id`: its record, with the definition, role
/// and configurations of that revision. `None` when the machine is gone, or (for an execution
/// that started before a delete and re-create of its machine's name) the revision is.
pub(super) fn revision(
    handle: &Handle,
    arn: &str,
    revision_id: &str,
) -> Result<Option<StateMachineRecord>, Error> {
    let Some(current) = handle.store().state_machine(arn)? else { return Ok(None) };
    if current.revision_id == revision_id {
        return Ok(Some(current));
    }
    let Some(kept) = handle.store().state_machine_revision(arn, revision_id)? else {
        return Ok(None);
    };
    Ok(Some(StateMachineRecord {
        definition: kept.definition,
        role_arn: kept.role_arn,
        revision_id: kept.revision_id,
        update_date_millis: kept.update_date_millis,
        logging_configuration: kept.logging_configuration,
        tracing_configuration: kept.tracing_configuration,
        ..current
    }))
}

/// The revision a record holds, to keep.
pub(super) fn revision_of(record: &StateMachineRecord) -> StateMachineRevisionRecord {
    StateMachineRevisionRecord {
        state_machine_arn: record.arn.clone(),
        revision_id: record.revision_id.clone(),
        definition: record.definition.clone(),
        role_arn: record.role_arn.clone(),
        update_date_millis: record.update_date_millis,
        logging_configuration: record.logging_configuration.clone(),
        tracing_configuration: record.tracing_configuration.clone(),
    }
}

/// `publish` and `versionDescription` of CreateStateMachine and UpdateStateMachine: `None`
/// when the request does not publish, or the description of the version it publishes. A
/// description needs `publish`.
pub(super) fn check_versioning(request: &Request) -> Result<Option<Option<&str>>, Error> {
    let publish = optional_bool(request, "publish")?.unwrap_or(false);
    let description = versions::description(request, "versionDescription")?;
    if description.is_some() && !publish {
        return Err(Error::ValidationRule(
            "Version description can only be set when publish is true".to_owned(),
        ));
    }
    Ok(publish.then_some(description))
}

/// The `loggingConfiguration` of a request as the store keeps it, or `None` when absent.
/// Baton writes no logs; the configuration is checked as AWS checks it and shown back.
pub(super) fn logging_configuration(request: &Request) -> Result<Option<String>, Error> {
    let Some(config) = structure(request, "loggingConfiguration")? else { return Ok(None) };
    let level = optional_str(config, "level")?.unwrap_or("OFF");
    if !LOG_LEVELS.contains(&level) {
        return Err(not_in_enum(level, "loggingConfiguration.level", "[ALL, ERROR, FATAL, OFF]"));
    }
    let include_data = optional_bool(config, "includeExecutionData")?.unwrap_or(false);
    let destinations = match config.get("destinations") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(destinations)) => destinations.clone(),
        Some(_) => return Err(wrong_type("loggingConfiguration.destinations", "list")),
    };
    let off = level == "OFF";
    if destinations.len() > LOG_DESTINATIONS_MAX || (!off && destinations.is_empty()) {
        return Err(Error::InvalidLoggingConfiguration(
            "Must specify exactly 1 Log Destination.".to_owned(),
        ));
    }
    let mut stored = json!({ "level": level, "includeExecutionData": include_data });
    if !destinations.is_empty() {
        stored["destinations"] = Value::Array(destinations);
    }
    Ok(Some(stored.to_string()))
}

/// The `tracingConfiguration` of a request as the store keeps it, or `None` when absent.
pub(super) fn tracing_configuration(request: &Request) -> Result<Option<String>, Error> {
    let Some(config) = structure(request, "tracingConfiguration")? else { return Ok(None) };
    let enabled = optional_bool(config, "enabled")?.unwrap_or(false);
    Ok(Some(json!({ "enabled": enabled }).to_string()))
}

fn structure<'request>(
    request: &'request Request,
    field: &str,
) -> Result<Option<&'request Map<String, Value>>, Error> {
    match request.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(config)) => Ok(Some(config)),
        Some(_) => Err(wrong_type(field, "structure")),
    }
}

/// ListExecutions, of a state machine or of a version. Baton runs a Map Run's child
/// executions inside their parent, where DescribeMapRun counts them, and not as executions of
/// their own: listing them is refused, naming them.
pub(super) fn list_executions(handle: &Handle, request: &Request) -> Result<Value, Error> {
    if request.get("mapRunArn").is_some_and(|arn| !arn.is_null()) {
        return Err(Error::UnsupportedFeature(
            "listing a Map Run's child executions (ListExecutions mapRunArn)".to_owned(),
        ));
    }
    if let Some(arn) = optional_str(request, "stateMachineArn")?
        && let versions::Target::Version(_) = versions::target(arn)
    {
        check_arn(arn, &["stateMachine"])?;
        return versions::list_executions(handle, request, arn);
    }
    let mut listed = executions::list_executions(handle, request)?;
    versions::add_sources(handle, &mut listed)?;
    Ok(listed)
}
