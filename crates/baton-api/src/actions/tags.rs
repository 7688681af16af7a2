//! Tags on state machines and activities: TagResource, UntagResource and ListTagsForResource,
//! and the `tags` of CreateStateMachine and CreateActivity, with AWS's limits.
//!
//! The store keeps each resource's tags with its record ([`baton_store::Tags`], one value per
//! key); Baton checks them and never acts on them. Tags whose key starts with `aws:` are
//! AWS's own and cannot be set or removed by a caller.

use serde_json::{Value, json};

use baton_store::{Change, Tags};

use super::{Request, check_arn, commit, optional_str, required, wrong_type};
use crate::{Error, Handle};

/// The most tags one resource may carry (AWS's quota for Step Functions resources).
pub(crate) const TAGS_PER_RESOURCE_MAX: usize = 50;
/// The longest tag key, in characters.
const TAG_KEY_CHARS_MAX: usize = 128;
/// The longest tag value, in characters.
const TAG_VALUE_CHARS_MAX: usize = 256;
/// The prefix AWS reserves for its own tags, in any letter case.
const RESERVED_PREFIX: &str = "aws:";
/// The punctuation tags may hold besides Unicode letters, digits and white space.
const TAG_SYMBOLS: &str = "_.:/=+-@";
/// The resource types that carry tags.
const TAGGABLE: &[&str] = &["stateMachine", "activity"];

/// Adds tags, or new values for keys present. The limit is checked against the tags read
/// before the commit, so two TagResource calls racing on one resource may together pass it.
pub(super) async fn tag_resource(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let arn = required(request, "resourceArn")?;
    check_arn(arn, TAGGABLE)?;
    let Some(tags) = request_tags(request)? else {
        return Err(Error::Validation(
            "Value null at 'tags' failed to satisfy constraint: Member must not be null".to_owned(),
        ));
    };
    let mut merged = stored_tags(handle, arn)?;
    merged.extend(tags.clone());
    if merged.len() > TAGS_PER_RESOURCE_MAX {
        return Err(Error::TooManyTags(arn.to_owned()));
    }
    change(handle, arn, Change::TagResource { arn: arn.to_owned(), tags }).await
}

pub(super) async fn untag_resource(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let arn = required(request, "resourceArn")?;
    check_arn(arn, TAGGABLE)?;
    let keys = match request.get("tagKeys") {
        None | Some(Value::Null) => {
            return Err(Error::Validation(
                "Value null at 'tagKeys' failed to satisfy constraint: Member must not be null"
                    .to_owned(),
            ));
        }
        Some(Value::Array(keys)) => keys,
        Some(_) => return Err(wrong_type("tagKeys", "list")),
    };
    let mut removed = Vec::with_capacity(keys.len());
    for (index, key) in keys.iter().enumerate() {
        let field = format!("tagKeys.{}.member", index + 1);
        let key = key.as_str().ok_or_else(|| wrong_type(&field, "string"))?;
        check_key(key, &field)?;
        removed.push(key.to_owned());
    }
    // Checked first so that a missing resource is reported even when no key is given.
    stored_tags(handle, arn)?;
    change(handle, arn, Change::UntagResource { arn: arn.to_owned(), keys: removed }).await
}

pub(super) fn list_tags_for_resource(handle: &Handle, request: &Request) -> Result<Value, Error> {
    let arn = required(request, "resourceArn")?;
    check_arn(arn, TAGGABLE)?;
    let tags: Vec<Value> = stored_tags(handle, arn)?
        .into_iter()
        .map(|(key, value)| json!({ "key": key, "value": value }))
        .collect();
    Ok(json!({ "tags": tags }))
}

/// The `tags` of a request (TagResource, CreateStateMachine, CreateActivity), checked against
/// AWS's limits, or `None` when absent. A key given twice keeps its last value, as applying
/// the tags one by one would.
pub(super) fn request_tags(request: &Request) -> Result<Option<Tags>, Error> {
    let list = match request.get("tags") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(list)) => list,
        Some(_) => return Err(wrong_type("tags", "list")),
    };
    let mut tags = Tags::new();
    for (index, tag) in list.iter().enumerate() {
        let field = format!("tags.{}.member", index + 1);
        let Some(tag) = tag.as_object() else {
            return Err(wrong_type(&field, "structure"));
        };
        let key = optional_str(tag, "key")?.ok_or_else(|| {
            Error::Validation(format!(
                "Value null at '{field}.key' failed to satisfy constraint: Member must not be null"
            ))
        })?;
        check_key(key, &format!("{field}.key"))?;
        // A value may be empty but not absent.
        let value = optional_str(tag, "value")?.ok_or_else(|| {
            Error::Validation(format!(
                "Value null at '{field}.value' failed to satisfy constraint: Member must not be null"
            ))
        })?;
        check_text(value, &format!("{field}.value"), 0, TAG_VALUE_CHARS_MAX)?;
        tags.insert(key.to_owned(), value.to_owned());
    }
    if tags.len() > TAGS_PER_RESOURCE_MAX {
        return Err(Error::Validation(format!(
            "Value at 'tags' failed to satisfy constraint: Member must have at most {TAGS_PER_RESOURCE_MAX} distinct keys"
        )));
    }
    Ok(Some(tags))
}

fn check_key(key: &str, field: &str) -> Result<(), Error> {
    check_text(key, field, 1, TAG_KEY_CHARS_MAX)?;
    let reserved = key
        .get(..RESERVED_PREFIX.len())
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case(RESERVED_PREFIX));
    if reserved {
        return Err(Error::Validation(format!(
            "Value '{key}' at '{field}' failed to satisfy constraint: Tag keys starting with '{RESERVED_PREFIX}' are reserved for AWS"
        )));
    }
    Ok(())
}

/// AWS's length limits and character set for tag keys and values.
fn check_text(text: &str, field: &str, min: usize, max: usize) -> Result<(), Error> {
    let count = text.chars().count();
    if count < min {
        return Err(Error::Validation(format!(
            "Value '{text}' at '{field}' failed to satisfy constraint: Member must have length greater than or equal to {min}"
        )));
    }
    if count > max {
        return Err(super::too_long(field, max));
    }
    let allowed = |c: char| c.is_alphanumeric() || c.is_whitespace() || TAG_SYMBOLS.contains(c);
    if !text.chars().all(allowed) {
        return Err(Error::Validation(format!(
            "Value '{text}' at '{field}' failed to satisfy constraint: Tags may only contain Unicode letters, digits, white space, or these symbols: {TAG_SYMBOLS}"
        )));
    }
    Ok(())
}

/// The tags of the state machine or activity `arn`.
fn stored_tags(handle: &Handle, arn: &str) -> Result<Tags, Error> {
    let store = handle.store();
    let tags = match store.state_machine(arn)? {
        Some(machine) => Some(machine.tags),
        None => store.activity(arn)?.map(|activity| activity.tags),
    };
    tags.ok_or_else(|| Error::ResourceNotFound(arn.to_owned()))
}

/// Commits a tag change; a resource deleted meanwhile is not found.
async fn change(handle: &Handle, arn: &str, change: Change) -> Result<Value, Error> {
    match commit(handle, vec![change]).await {
        Ok(()) => Ok(json!({})),
        Err(baton_store::Error::NotFound { .. }) => Err(Error::ResourceNotFound(arn.to_owned())),
        Err(error) => Err(error.into()),
    }
}
