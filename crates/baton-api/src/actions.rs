//! The actions: each reads its request (a JSON object), checks it as AWS's request model does,
//! and answers with AWS's response shape or an [`Error`]. State machines are here, executions
//! in [`executions`], activities and task tokens in [`tasks`].

mod aliases;
mod executions;
mod jackson;
mod machines;
mod map_runs;
mod nested;
mod redrive;
mod runs;
mod tags;
mod tasks;
mod test_state;
mod versions;

use std::sync::Arc;

use serde_json::{Map, Value, json};

use baton_asl::StateMachine;
use baton_asl::limits::DEFINITION_BYTES_MAX;
use baton_core::{Millis, WorkflowType};
use baton_store::{
    Change, Commit, Page, PageRequest, PageToken, StateMachineRecord, StateMachineStatus,
    StateMachineType,
};

use crate::live::Parsed;
use crate::{Error, Handle};

pub(crate) use runs::recover;
pub(crate) use tags::TAGS_PER_RESOURCE_MAX;

/// The most items one List* or GetExecutionHistory page holds, and the default page size.
const PAGE_ITEMS_MAX: u64 = 1000;
const PAGE_ITEMS_DEFAULT: u64 = 100;
/// What DescribeStateMachine reports for the logging and tracing configurations, which Baton
/// accepts and does not act on.
const LOGGING_CONFIGURATION: &str = r#"{"level":"OFF","includeExecutionData":false}"#;
const TRACING_CONFIGURATION: &str = r#"{"enabled":false}"#;
/// Characters AWS refuses in state machine and execution names, besides whitespace and
/// control characters.
const NAME_FORBIDDEN_CHARS: &str = "<>{}[]?*\"#%\\^|~`$&,;:/";

type Request = Map<String, Value>;

/// Runs `action` on `request`.
pub(crate) async fn run(handle: &Handle, action: &str, request: Request) -> Result<Value, Error> {
    match action {
        "CreateStateMachine" => create_state_machine(handle, &request).await,
        "DescribeStateMachine" => describe_state_machine(handle, &request),
        "ListStateMachines" => list_state_machines(handle, &request),
        "DeleteStateMachine" => delete_state_machine(handle, &request).await,
        "UpdateStateMachine" => machines::update_state_machine(handle, &request).await,
        "DescribeStateMachineForExecution" => {
            machines::describe_state_machine_for_execution(handle, &request)
        }
        "TagResource" => tags::tag_resource(handle, &request).await,
        "UntagResource" => tags::untag_resource(handle, &request).await,
        "ListTagsForResource" => tags::list_tags_for_resource(handle, &request),
        "ValidateStateMachineDefinition" => validate_definition(&request),
        "StartExecution" => executions::start_execution(handle, &request).await,
        "StartSyncExecution" => executions::start_sync_execution(handle, &request).await,
        "DescribeExecution" => executions::describe_execution(handle, &request),
        "ListExecutions" => machines::list_executions(handle, &request),
        "GetExecutionHistory" => executions::get_execution_history(handle, &request),
        "StopExecution" => executions::stop_execution(handle, &request).await,
        "RedriveExecution" => redrive::redrive_execution(handle, &request).await,
        "DescribeMapRun" => map_runs::describe_map_run(handle, &request),
        "ListMapRuns" => map_runs::list_map_runs(handle, &request),
        "UpdateMapRun" => map_runs::update_map_run(handle, &request).await,
        "CreateActivity" => tasks::create_activity(handle, &request).await,
        "DescribeActivity" => tasks::describe_activity(handle, &request),
        "DeleteActivity" => tasks::delete_activity(handle, &request).await,
        "ListActivities" => tasks::list_activities(handle, &request),
        "GetActivityTask" => tasks::get_activity_task(handle, &request).await,
        "SendTaskSuccess" => tasks::send_task_success(handle, &request).await,
        "SendTaskFailure" => tasks::send_task_failure(handle, &request).await,
        "SendTaskHeartbeat" => tasks::send_task_heartbeat(handle, &request).await,
        "PublishStateMachineVersion" => {
            versions::publish_state_machine_version(handle, &request).await
        }
        "ListStateMachineVersions" => versions::list_state_machine_versions(handle, &request),
        "DeleteStateMachineVersion" => {
            versions::delete_state_machine_version(handle, &request).await
        }
        "CreateStateMachineAlias" => aliases::create_state_machine_alias(handle, &request).await,
        "DescribeStateMachineAlias" => aliases::describe_state_machine_alias(handle, &request),
        "UpdateStateMachineAlias" => aliases::update_state_machine_alias(handle, &request).await,
        "DeleteStateMachineAlias" => aliases::delete_state_machine_alias(handle, &request).await,
        "ListStateMachineAliases" => aliases::list_state_machine_aliases(handle, &request),
        "TestState" => test_state::test_state(handle, &request),
        other => Err(Error::UnknownOperation(format!("AWSStepFunctions.{other}"))),
    }
}

async fn create_state_machine(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let name = required(request, "name")?;
    check_name(name, "name")?;
    let definition = required(request, "definition")?;
    if definition.len() > DEFINITION_BYTES_MAX {
        return Err(too_long("definition", DEFINITION_BYTES_MAX));
    }
    let role_arn = required(request, "roleArn")?;
    let workflow_type = machine_type(request)?;
    let publish = machines::check_versioning(request)?;
    let logging = machines::logging_configuration(request)?;
    let tracing = machines::tracing_configuration(request)?;
    let tags = tags::request_tags(request)?.unwrap_or_default();
    let machine = parse_definition(definition, workflow_type)?;
    let arn = format!("{}:stateMachine:{name}", arn_prefix(handle));
    if let Some(existing) = handle.store().state_machine(&arn)? {
        // CreateStateMachine is idempotent: the same request again answers with the machine
        // it created, and a different one under the same name is refused.
        if existing.status == StateMachineStatus::Deleting {
            return Err(Error::StateMachineDeleting(arn));
        }
        let same = existing.definition == definition
            && existing.role_arn == role_arn
            && workflow(existing.r#type) == workflow_type;
        if !same {
            return Err(Error::StateMachineAlreadyExists(arn));
        }
        let mut response = json!({
            "stateMachineArn": arn,
            "creationDate": seconds(existing.creation_date_millis),
        });
        if let Some(description) = publish {
            let version = machines::publish_current(handle, &existing, description).await?;
            response["stateMachineVersionArn"] = json!(version);
        }
        return Ok(response);
    }
    let created = baton_runtime::now_millis();
    let record = StateMachineRecord {
        arn: arn.clone(),
        name: name.to_owned(),
        r#type: match workflow_type {
            WorkflowType::Standard => StateMachineType::Standard,
            WorkflowType::Express => StateMachineType::Express,
        },
        definition: definition.to_owned(),
        role_arn: role_arn.to_owned(),
        creation_date_millis: created,
        revision_id: uuid::Uuid::new_v4().to_string(),
        update_date_millis: None,
        logging_configuration: logging.unwrap_or_else(|| LOGGING_CONFIGURATION.to_owned()),
        tracing_configuration: tracing.unwrap_or_else(|| TRACING_CONFIGURATION.to_owned()),
        status: StateMachineStatus::Active,
        tags,
    };
    let revision_id = record.revision_id.clone();
    let mut changes = vec![Change::CreateStateMachine(record.clone())];
    // Published with the machine, in its commit: version 1 of the revision just created.
    let version = match publish {
        Some(description) => {
            let (version, publication) = versions::publication(handle, &record, description)?;
            changes.extend(publication);
            Some(version.arn)
        }
        None => None,
    };
    match commit(handle, changes).await {
        Ok(()) => {}
        // Another request created it meanwhile; this one is refused as a different one would
        // be, which a retry answers properly.
        Err(baton_store::Error::AlreadyExists { .. }) => {
            return Err(Error::StateMachineAlreadyExists(arn));
        }
        Err(error) => return Err(error.into()),
    }
    // Parsed already: keep it for the executions to come.
    handle.live().machine(&arn, &revision_id, || Ok::<_, Error>(machine))?;
    let mut response = json!({ "stateMachineArn": arn, "creationDate": seconds(created) });
    if let Some(version) = version {
        response["stateMachineVersionArn"] = json!(version);
    }
    Ok(response)
}

fn describe_state_machine(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let arn = required(request, "stateMachineArn")?;
    check_arn(arn, &["stateMachine"])?;
    if let versions::Target::Version(_) = versions::target(arn) {
        return versions::describe_version(handle, arn);
    }
    let record = handle
        .store()
        .state_machine(arn)?
        .ok_or_else(|| Error::StateMachineDoesNotExist(arn.to_owned()))?;
    let mut response = machine_description(handle, &record)?;
    response["status"] = json!(record.status.as_str());
    response["type"] = json!(record.r#type.as_str());
    response["creationDate"] = json!(seconds(record.creation_date_millis));
    Ok(response)
}

/// What DescribeStateMachine and DescribeStateMachineForExecution both answer about a
/// machine (at the revision `record` holds).
fn machine_description(handle: &Handle, record: &StateMachineRecord) -> Result<Value, Error> {
    let parsed = parsed_machine(handle, record)?;
    let mut response = json!({
        "stateMachineArn": record.arn,
        "name": record.name,
        "definition": record.definition,
        "roleArn": record.role_arn,
        "loggingConfiguration": stored_json(&record.logging_configuration),
        "tracingConfiguration": stored_json(&record.tracing_configuration),
        // As DescribeActivity: Baton encrypts nothing at rest, which AWS calls its own key.
        "encryptionConfiguration": { "type": "AWS_OWNED_KEY" },
    });
    // AWS names a revision only once an update made one.
    if record.update_date_millis.is_some() {
        response["revisionId"] = json!(record.revision_id);
    }
    // AWS leaves the field out when no state reads a variable.
    if !parsed.variable_references.is_empty() {
        response["variableReferences"] = json!(parsed.variable_references);
    }
    Ok(response)
}

fn list_state_machines(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let page = handle.store().list_state_machines(&page_request(request)?)?;
    Ok(page_response(page, "stateMachines", |machine| {
        json!({
            "stateMachineArn": machine.arn,
            "name": machine.name,
            "type": machine.r#type.as_str(),
            "creationDate": seconds(machine.creation_date_millis),
        })
    }))
}

/// Deletes a state machine. One with running executions stays, as `DELETING`, until the last
/// of them ends (see [`runs`]), as in AWS: recovery still needs its definition.
async fn delete_state_machine(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let arn = required(request, "stateMachineArn")?;
    check_arn(arn, &["stateMachine"])?;
    // Deleting is idempotent.
    let Some(mut record) = handle.store().state_machine(arn)? else {
        return Ok(json!({}));
    };
    let running = runs::has_running(handle, arn)?;
    let change = if running {
        record.status = StateMachineStatus::Deleting;
        Change::UpdateStateMachine(record)
    } else {
        handle.live().forget_machine(arn);
        Change::DeleteStateMachine { arn: arn.to_owned() }
    };
    match commit(handle, vec![change]).await {
        // Gone already: another request deleted it.
        Ok(()) | Err(baton_store::Error::NotFound { .. }) => {}
        Err(error) => return Err(error.into()),
    }
    Ok(json!({}))
}

fn validate_definition(request: &Request) -> Result<Value, Error> {
    let definition = required(request, "definition")?;
    if definition.len() > DEFINITION_BYTES_MAX {
        return Err(too_long("definition", DEFINITION_BYTES_MAX));
    }
    let workflow_type = machine_type(request)?;
    let with_warnings = match optional_str(request, "severity")? {
        None | Some("ERROR") => false,
        Some("WARNING") => true,
        Some(other) => return Err(not_in_enum(other, "severity", "[ERROR, WARNING]")),
    };
    let options = baton_asl::Options { machine_type: asl_type(workflow_type) };
    let (_, diagnostics) = baton_asl::parse(definition, &options);
    let result =
        if diagnostics.iter().any(baton_asl::Diagnostic::is_error) { "FAIL" } else { "OK" };
    let limit = page_size(request)?;
    let shown: Vec<_> =
        diagnostics.iter().filter(|diagnostic| with_warnings || diagnostic.is_error()).collect();
    let truncated = u64::try_from(shown.len()).unwrap_or(u64::MAX) > limit;
    let shown: Vec<Value> = shown
        .into_iter()
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(|diagnostic| serde_json::to_value(diagnostic).unwrap_or(Value::Null))
        .collect();
    Ok(json!({ "result": result, "diagnostics": shown, "truncated": truncated }))
}

/// The page of a listing a request asks for: `maxResults` items after `nextToken`.
fn page_request(request: &Request) -> Result<PageRequest, Error> {
    let limit = usize::try_from(page_size(request)?).unwrap_or(usize::MAX);
    let token = optional_str(request, "nextToken")?.map(PageToken::new);
    Ok(PageRequest { limit, token })
}

/// A page of a listing under `key`, each item shown by `show`, with a `nextToken` when more
/// follow.
fn page_response<T>(page: Page<T>, key: &str, show: impl Fn(T) -> Value) -> Value {
    let items: Vec<Value> = page.items.into_iter().map(show).collect();
    let mut response = json!({ key: items });
    if let Some(next) = page.next {
        response["nextToken"] = json!(next.as_str());
    }
    response
}

/// `maxResults`: 0 or absent means the default page size.
fn page_size(request: &Request) -> Result<u64, Error> {
    match request.get("maxResults") {
        None | Some(Value::Null) => Ok(PAGE_ITEMS_DEFAULT),
        Some(value) => match value.as_u64() {
            Some(0) => Ok(PAGE_ITEMS_DEFAULT),
            Some(size) if size <= PAGE_ITEMS_MAX => Ok(size),
            Some(size) => Err(Error::Validation(format!(
                "Value '{size}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to {PAGE_ITEMS_MAX}"
            ))),
            None => Err(wrong_type("maxResults", "integer")),
        },
    }
}

fn parse_definition(definition: &str, workflow_type: WorkflowType) -> Result<StateMachine, Error> {
    let options = baton_asl::Options { machine_type: asl_type(workflow_type) };
    let (machine, diagnostics) = baton_asl::parse(definition, &options);
    machine.ok_or_else(|| {
        if let Some(message) =
            baton_asl::aws_message::forbidden_label_message(definition, &diagnostics)
        {
            return Error::InvalidDefinitionVerbatim(message);
        }
        let errors: Vec<String> = diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.is_error())
            .map(ToString::to_string)
            .collect();
        Error::InvalidDefinition(errors.join(", "))
    })
}

/// The parsed machine of a stored record, parsed once per revision.
fn parsed_machine(handle: &Handle, record: &StateMachineRecord) -> Result<Arc<Parsed>, Error> {
    handle.live().machine(&record.arn, &record.revision_id, || {
        // Stored definitions were valid when they were created; one this build refuses (a
        // stricter validator) is reported rather than run.
        parse_definition(&record.definition, workflow(record.r#type))
    })
}

/// A configuration the store keeps as JSON text, as a response shows it.
fn stored_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// Submits `changes` as one commit and waits, without blocking a thread, until the store made
/// them durable or refused them.
async fn commit(handle: &Handle, changes: Vec<Change>) -> Result<(), baton_store::Error> {
    let (sender, receiver) = tokio::sync::oneshot::channel();
    handle.store().submit(
        Commit::new(changes),
        Box::new(move |result| {
            // Runs on the store's writer thread: hand the result over and return.
            let _ = sender.send(result);
        }),
    );
    // A dropped callback means the store went away.
    receiver.await.unwrap_or(Err(baton_store::Error::Closed))
}

/// A store's machine type as the interpreter names it.
fn workflow(machine_type: StateMachineType) -> WorkflowType {
    match machine_type {
        StateMachineType::Standard => WorkflowType::Standard,
        StateMachineType::Express => WorkflowType::Express,
    }
}

fn machine_type(request: &Request) -> Result<WorkflowType, Error> {
    match optional_str(request, "type")? {
        None | Some("STANDARD") => Ok(WorkflowType::Standard),
        Some("EXPRESS") => Ok(WorkflowType::Express),
        Some(other) => Err(not_in_enum(other, "type", "[STANDARD, EXPRESS]")),
    }
}

fn asl_type(workflow_type: WorkflowType) -> baton_asl::MachineType {
    match workflow_type {
        WorkflowType::Standard => baton_asl::MachineType::Standard,
        WorkflowType::Express => baton_asl::MachineType::Express,
    }
}

/// AWS's name rules for state machines and executions: 1 to 80 characters, no whitespace, no
/// brackets, wildcards or special characters, no control characters.
fn check_name(name: &str, field: &str) -> Result<(), Error> {
    let count = name.chars().count();
    if count == 0 {
        return Err(Error::Validation(format!(
            "Value '{name}' at '{field}' failed to satisfy constraint: Member must have length greater than or equal to 1"
        )));
    }
    if count > baton_asl::limits::RESOURCE_NAME_CHARS_MAX {
        return Err(too_long(field, baton_asl::limits::RESOURCE_NAME_CHARS_MAX));
    }
    let forbidden = |c: char| {
        c.is_whitespace()
            || NAME_FORBIDDEN_CHARS.contains(c)
            || c <= '\u{1f}'
            || ('\u{7f}'..='\u{9f}').contains(&c)
    };
    if name.chars().any(forbidden) {
        return Err(Error::InvalidName(name.to_owned()));
    }
    Ok(())
}

/// Checks that `arn` is a Step Functions ARN whose resource type is one of `types`, with
/// AWS's two messages: a text that is no Step Functions ARN, and an ARN of another resource
/// type (an Express execution's, for example, which AWS does not keep).
fn check_arn(arn: &str, types: &[&str]) -> Result<(), Error> {
    let parts: Vec<&str> = arn.split(':').collect();
    let prefix_ok =
        parts.len() >= 7 && parts.first() == Some(&"arn") && parts.get(2) == Some(&"states");
    if !prefix_ok {
        return Err(Error::InvalidArn(format!("Invalid ARN prefix: {arn}")));
    }
    match parts.get(5) {
        Some(kind) if types.contains(kind) => Ok(()),
        kind => Err(Error::InvalidArn(format!(
            "Resource type not valid in this context: {}",
            kind.unwrap_or(&"")
        ))),
    }
}

fn arn_prefix(handle: &Handle) -> String {
    let options = handle.options();
    format!("arn:aws:states:{}:{}", options.region, options.account_id)
}

/// Epoch seconds with milliseconds, as AWS's JSON protocol sends timestamps.
fn seconds(millis: Millis) -> Value {
    json!(millis as f64 / 1000.0)
}

fn required<'request>(request: &'request Request, field: &str) -> Result<&'request str, Error> {
    optional_str(request, field)?.ok_or_else(|| {
        Error::Validation(format!(
            "Value null at '{field}' failed to satisfy constraint: Member must not be null"
        ))
    })
}

fn optional_str<'request>(
    request: &'request Request,
    field: &str,
) -> Result<Option<&'request str>, Error> {
    match request.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(wrong_type(field, "string")),
    }
}

fn optional_bool(request: &Request, field: &str) -> Result<Option<bool>, Error> {
    match request.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(flag)) => Ok(Some(*flag)),
        Some(_) => Err(wrong_type(field, "boolean")),
    }
}

fn wrong_type(field: &str, expected: &str) -> Error {
    Error::Serialization(format!("Expected {expected} for field '{field}'"))
}

fn too_long(field: &str, max: usize) -> Error {
    Error::Validation(format!(
        "Value at '{field}' failed to satisfy constraint: Member must have length less than or equal to {max}"
    ))
}

fn not_in_enum(value: &str, field: &str, allowed: &str) -> Error {
    Error::Validation(format!(
        "Value '{value}' at '{field}' failed to satisfy constraint: Member must satisfy enum value set: {allowed}"
    ))
}
