//! State machine aliases: Create, Describe, Update, Delete and ListStateMachineAliases, and the
//! choice of version for an execution started on an alias.
//!
//! An alias is a name (`<machineArn>:<alias>`) that routes each new execution to one of one or
//! two versions of its machine, by weight (the weights sum to 100). The choice is made from the
//! execution's name ([`route`]): a SHA-1 of the name gives a number from 0 to 99, and the
//! routes' cumulative weights pick the version. Over many executions the split follows the
//! weights, and the same name always picks the same version, so a retried StartExecution (the
//! same name and input) names the same execution on the same version.

use serde_json::{Value, json};
use sha1::{Digest, Sha1};

use baton_store::{AliasRoute, Change, Entity, StateMachineAliasRecord};

use super::versions::{self, Target};
use super::{Request, check_arn, commit, page_request, page_response, required, seconds};
use crate::{Error, Handle};

/// The most versions one alias routes to.
const ROUTES_MAX: usize = 2;
/// Route weights are percentages.
const WEIGHT_TOTAL: u64 = 100;
/// The longest alias name, in characters.
const NAME_CHARS_MAX: usize = 80;
/// AWS's pattern for alias names: letters, digits, `_`, `-` and `.`, and at least one that is
/// not a digit (so that an alias ARN cannot be read as a version ARN).
const NAME_PATTERN: &str = r"^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$";

pub(super) async fn create_state_machine_alias(
    handle: &Handle,
    request: &Request,
) -> Result<Value, Error> {
    let name = required(request, "name")?;
    check_alias_name(name)?;
    let description = versions::description(request, "description")?;
    let routing = routing(request)?.ok_or_else(|| {
        Error::Validation(
            "Value null at 'routingConfiguration' failed to satisfy constraint: Member must not be null"
                .to_owned(),
        )
    })?;
    let machine_arn = machine_of(&routing)?;
    let arn = format!("{machine_arn}:{name}");
    let record = StateMachineAliasRecord {
        arn: arn.clone(),
        state_machine_arn: machine_arn.clone(),
        name: name.to_owned(),
        description: description.map(str::to_owned),
        routing,
        creation_date_millis: baton_runtime::now_millis(),
        update_date_millis: None,
    };
    if let Some(existing) = handle.store().state_machine_alias(&arn)? {
        // Creating an alias is idempotent: the same request answers with the alias there is.
        let same = existing.description == record.description && existing.routing == record.routing;
        if !same {
            return Err(Error::Conflict(format!(
                "Failed to create alias because an alias with the same name and a different routing configuration already exists: {arn}"
            )));
        }
        return Ok(created(&existing));
    }
    commit_alias(handle, record.clone(), Change::CreateStateMachineAlias).await?;
    Ok(created(&record))
}

fn created(alias: &StateMachineAliasRecord) -> Value {
    json!({
        "stateMachineAliasArn": alias.arn,
        "creationDate": seconds(alias.creation_date_millis),
    })
}

pub(super) fn describe_state_machine_alias(
    handle: &Handle,
    request: &Request,
) -> Result<Value, Error> {
    let arn = alias_arn(request)?;
    let alias = handle.store().state_machine_alias(arn)?.ok_or(Error::NoSuchResource)?;
    let routes: Vec<Value> = alias
        .routing
        .iter()
        .map(|route| json!({ "stateMachineVersionArn": route.version_arn, "weight": route.weight }))
        .collect();
    let mut response = json!({
        "stateMachineAliasArn": alias.arn,
        "name": alias.name,
        "routingConfiguration": routes,
        "creationDate": seconds(alias.creation_date_millis),
    });
    if let Some(description) = alias.description {
        response["description"] = json!(description);
    }
    if let Some(updated) = alias.update_date_millis {
        response["updateDate"] = json!(seconds(updated));
    }
    Ok(response)
}

pub(super) async fn update_state_machine_alias(
    handle: &Handle,
    request: &Request,
) -> Result<Value, Error> {
    let arn = alias_arn(request)?;
    let description = versions::description(request, "description")?;
    let routing = routing(request)?;
    if description.is_none() && routing.is_none() {
        return Err(Error::ValidationRule(
            "Either the description or the routingConfiguration must be specified".to_owned(),
        ));
    }
    let mut alias = handle.store().state_machine_alias(arn)?.ok_or(Error::NoSuchResource)?;
    if let Some(routing) = routing {
        if machine_of(&routing)? != alias.state_machine_arn {
            return Err(Error::ValidationRule(format!(
                "Routing configuration must contain versions of the state machine {}",
                alias.state_machine_arn
            )));
        }
        alias.routing = routing;
    }
    if let Some(description) = description {
        alias.description = Some(description.to_owned());
    }
    let updated = baton_runtime::now_millis();
    alias.update_date_millis = Some(updated);
    commit_alias(handle, alias, Change::UpdateStateMachineAlias).await?;
    Ok(json!({ "updateDate": seconds(updated) }))
}

/// Deletes an alias; deleting one that is gone succeeds, as in AWS.
pub(super) async fn delete_state_machine_alias(
    handle: &Handle,
    request: &Request,
) -> Result<Value, Error> {
    let arn = alias_arn(request)?;
    commit(handle, vec![Change::DeleteStateMachineAlias { arn: arn.to_owned() }]).await?;
    Ok(json!({}))
}

pub(super) fn list_state_machine_aliases(
    handle: &Handle,
    request: &Request,
) -> Result<Value, Error> {
    let arn = required(request, "stateMachineArn")?;
    check_arn(arn, &["stateMachine"])?;
    let page = page_request(request)?;
    if handle.store().state_machine(arn)?.is_none() {
        return Err(Error::StateMachineDoesNotExist(arn.to_owned()));
    }
    let aliases = match handle.store().list_state_machine_aliases(arn, &page) {
        Ok(aliases) => aliases,
        // AWS's message for this listing does not repeat the token.
        Err(baton_store::Error::InvalidPageToken { .. }) => {
            return Err(Error::InvalidToken("Invalid token".to_owned()));
        }
        Err(error) => return Err(error.into()),
    };
    Ok(page_response(aliases, "stateMachineAliases", |alias| {
        json!({
            "stateMachineAliasArn": alias.arn,
            "creationDate": seconds(alias.creation_date_millis),
        })
    }))
}

/// The version an execution named `execution_name` runs when started on `alias`.
pub(super) fn route(alias: &StateMachineAliasRecord, execution_name: &str) -> String {
    let digest = Sha1::digest(execution_name.as_bytes());
    let seed = u64::from(u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]));
    let mut point = seed % WEIGHT_TOTAL;
    for route in &alias.routing {
        let weight = u64::from(route.weight);
        if point < weight {
            return route.version_arn.clone();
        }
        point -= weight;
    }
    // The weights sum to 100, so the loop always returns; the last route is the safe answer
    // for a stored alias that says otherwise.
    alias.routing.last().map(|route| route.version_arn.clone()).unwrap_or_default()
}

/// Commits the creation or the update (`write`) of `alias`, with AWS's errors for what the
/// store refuses.
async fn commit_alias(
    handle: &Handle,
    alias: StateMachineAliasRecord,
    write: fn(StateMachineAliasRecord) -> Change,
) -> Result<(), Error> {
    let (arn, machine_arn) = (alias.arn.clone(), alias.state_machine_arn.clone());
    match commit(handle, vec![write(alias)]).await {
        Ok(()) => Ok(()),
        Err(baton_store::Error::NotFound { entity: Entity::StateMachine, .. }) => {
            Err(Error::StateMachineDoesNotExist(machine_arn.to_owned()))
        }
        Err(baton_store::Error::NotFound { entity: Entity::StateMachineAlias, .. }) => {
            Err(Error::NoSuchResource)
        }
        Err(baton_store::Error::NotFound { .. }) => Err(Error::NoSuchResource),
        Err(baton_store::Error::AlreadyExists { .. }) => Err(Error::Conflict(format!(
            "Another request created the alias {arn} at the same time; try again"
        ))),
        Err(error) => Err(error.into()),
    }
}

fn alias_arn(request: &Request) -> Result<&str, Error> {
    let arn = required(request, "stateMachineAliasArn")?;
    check_arn(arn, &["stateMachine"])?;
    if !matches!(versions::target(arn), Target::Alias) {
        return Err(Error::InvalidArn(format!("Invalid alias ARN: {arn}")));
    }
    Ok(arn)
}

fn check_alias_name(name: &str) -> Result<(), Error> {
    let count = name.chars().count();
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    let valid = (1..=NAME_CHARS_MAX).contains(&count)
        && name.chars().all(allowed)
        && name.chars().any(|c| !c.is_ascii_digit());
    if !valid {
        return Err(Error::Validation(format!(
            "Value '{name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: {NAME_PATTERN}"
        )));
    }
    Ok(())
}

/// The `routingConfiguration` of a request, checked as AWS checks it: one or two versions of
/// one machine, distinct, with weights from 0 to 100 that sum to 100.
fn routing(request: &Request) -> Result<Option<Vec<AliasRoute>>, Error> {
    let items = match request.get("routingConfiguration") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(super::wrong_type("routingConfiguration", "list")),
    };
    let mut routes = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let Some(item) = item.as_object() else {
            return Err(super::wrong_type("routingConfiguration", "structure"));
        };
        let field = format!("routingConfiguration.{}.member", index + 1);
        let version_arn = required(item, "stateMachineVersionArn")
            .map_err(|_| not_null(&format!("{field}.stateMachineVersionArn")))?;
        let weight = match item.get("weight") {
            None | Some(Value::Null) => return Err(not_null(&format!("{field}.weight"))),
            Some(value) => value
                .as_u64()
                .ok_or_else(|| super::wrong_type(&format!("{field}.weight"), "integer"))?,
        };
        if weight > WEIGHT_TOTAL {
            return Err(Error::Validation(format!(
                "Value '{weight}' at '{field}.weight' failed to satisfy constraint: Member must have value less than or equal to {WEIGHT_TOTAL}"
            )));
        }
        let weight = u8::try_from(weight).unwrap_or(u8::MAX);
        routes.push(AliasRoute { version_arn: version_arn.to_owned(), weight });
    }
    if routes.is_empty() || routes.len() > ROUTES_MAX {
        let shown: Vec<String> = routes
            .iter()
            .map(|route| {
                format!(
                    "RoutingConfigurationListItem(stateMachineVersionArn={}, weight={})",
                    route.version_arn, route.weight
                )
            })
            .collect();
        let bound = if routes.is_empty() {
            "greater than or equal to 1".to_owned()
        } else {
            format!("less than or equal to {ROUTES_MAX}")
        };
        return Err(Error::Validation(format!(
            "Value '[{}]' at 'routingConfiguration' failed to satisfy constraint: Member must have length {bound}",
            shown.join(", ")
        )));
    }
    let arns: Vec<&str> = routes.iter().map(|route| route.version_arn.as_str()).collect();
    let received = arns.join(", ");
    if arns.iter().any(|arn| !matches!(versions::target(arn), Target::Version(_))) {
        return Err(Error::ValidationRule(format!(
            "Routing configuration must contain state machine version ARNs. Received: [{received}]"
        )));
    }
    if arns.iter().enumerate().any(|(index, arn)| arns[..index].contains(arn)) {
        return Err(Error::ValidationRule(format!(
            "Routing configuration must contain distinct state machine version ARNs. Received: [{received}]"
        )));
    }
    let total: u64 = routes.iter().map(|route| u64::from(route.weight)).sum();
    if total != WEIGHT_TOTAL {
        let weights: Vec<String> = routes.iter().map(|route| route.weight.to_string()).collect();
        return Err(Error::ValidationRule(format!(
            "Sum of routing configuration weights must equal {WEIGHT_TOTAL}. Received: [{}]",
            weights.join(", ")
        )));
    }
    Ok(Some(routes))
}

/// The machine whose versions `routes` name, which must be one machine.
fn machine_of(routes: &[AliasRoute]) -> Result<String, Error> {
    let machines: Vec<&str> = routes
        .iter()
        .filter_map(|route| match versions::target(&route.version_arn) {
            Target::Version(machine) => Some(machine),
            Target::Machine(_) | Target::Alias => None,
        })
        .collect();
    match machines.as_slice() {
        [first, rest @ ..] if rest.iter().all(|machine| machine == first) => {
            Ok((*first).to_owned())
        }
        _ => Err(Error::ValidationRule(
            "Routing configuration must contain versions of one state machine".to_owned(),
        )),
    }
}

fn not_null(field: &str) -> Error {
    Error::Validation(format!(
        "Value null at '{field}' failed to satisfy constraint: Member must not be null"
    ))
}
