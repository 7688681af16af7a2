//! Array intrinsics: `States.ArrayPartition`, `ArrayContains`, `ArrayRange`, `ArrayGetItem`,
//! `ArrayLength` and `ArrayUnique` (`States.Array` needs no code of its own).
//!
//! Each returns `None` when its arguments are invalid; the caller turns that into AWS's
//! `Invalid arguments in States.<Name>`.

use std::collections::HashMap;

use serde_json::{Number, Value};

use super::java;
use super::math::truncate_to_int;
use crate::limits::ARRAY_RANGE_ITEMS_MAX;

/// `States.ArrayPartition(array, size)`: consecutive chunks of `size` items, the last one
/// possibly shorter. The size is truncated and must be at least 1 (AWS fails 0.6 and -0.4).
pub(crate) fn partition(array: Value, size: &Value) -> Option<Value> {
    let Value::Array(items) = array else { return None };
    let size = usize::try_from(truncate_to_int(size)?).ok().filter(|&size| size >= 1)?;
    let mut chunks = Vec::with_capacity(items.len().div_ceil(size));
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        chunks.push(Value::Array(items.by_ref().take(size).collect()));
    }
    Some(Value::Array(chunks))
}

/// `States.ArrayContains(array, value)`: whether an item prints like `value` does.
///
/// AWS compares the Java `toString` forms, not the JSON values: it finds the number
/// `9007199254740991` in `["9007199254740991"]` and `true` in `["true"]`, and does not find
/// `{"b":2,"a":1}` in `[{"a":1,"b":2}]` (observed by the characterization suite cited in
/// `tests.rs`). Comparing [`java::display`] forms reproduces all three.
pub(crate) fn contains(array: &Value, target: &Value) -> Option<Value> {
    let Value::Array(items) = array else { return None };
    let target = java::display(target).ok()?;
    for item in items {
        if java::display(item).ok()? == target {
            return Some(Value::Bool(true));
        }
    }
    Some(Value::Bool(false))
}

/// `States.ArrayRange(start, end, step)`: `start`, `start + step`, ... up to and including
/// `end`, counting down when `step` is negative; empty when the step points away from `end`.
/// Arguments are truncated; the step must not be 0 and the result must have at most
/// `limits::ARRAY_RANGE_ITEMS_MAX` items.
pub(crate) fn range(start: &Value, end: &Value, step: &Value) -> Option<Value> {
    let start = i64::from(truncate_to_int(start)?);
    let end = i64::from(truncate_to_int(end)?);
    let step = i64::from(truncate_to_int(step)?);
    let count = match step {
        0 => return None,
        step if step > 0 && end >= start => (end - start) / step + 1,
        step if step < 0 && end <= start => (start - end) / -step + 1,
        _ => 0,
    };
    let count = usize::try_from(count).ok().filter(|&count| count <= ARRAY_RANGE_ITEMS_MAX)?;
    let items = (0..count).map(|index| Value::Number(Number::from(start + step * index as i64)));
    Some(Value::Array(items.collect()))
}

/// `States.ArrayGetItem(array, index)`: the item at the truncated, zero-based index.
///
/// AWS returns `null` for any index into an empty array (observed with index 999) but fails an
/// index out of range of a non-empty one.
pub(crate) fn get_item(array: Value, index: &Value) -> Option<Value> {
    let Value::Array(items) = array else { return None };
    let index = truncate_to_int(index)?;
    if items.is_empty() {
        return Some(Value::Null);
    }
    items.into_iter().nth(usize::try_from(index).ok()?)
}

/// `States.ArrayLength(array)`.
pub(crate) fn length(array: &Value) -> Option<Value> {
    let Value::Array(items) = array else { return None };
    Some(Value::Number(Number::from(items.len())))
}

/// `States.ArrayUnique(array)`: the distinct items, each kept where it first occurs, returned in
/// the order a Java `HashSet` iterates them. AWS was observed returning `[false, true]` for
/// `[true, false, true, false]` and `[[2, 1], [1, 2]]` for `[[1, 2], [1, 2], [2, 1]]`, which is
/// that order (see [`java::bucket_order`]). Objects are equal whatever their key order.
pub(crate) fn unique(array: Value) -> Option<Value> {
    let Value::Array(items) = array else { return None };
    let list_length = items.len();
    let mut distinct: Vec<Value> = Vec::new();
    let mut hash_codes: Vec<i32> = Vec::new();
    let mut by_hash: HashMap<i32, Vec<usize>> = HashMap::new();
    for item in items {
        let hash = java::hash_code(&item).ok()?;
        let same_hash = by_hash.entry(hash).or_default();
        if same_hash.iter().any(|&index| distinct.get(index) == Some(&item)) {
            continue;
        }
        same_hash.push(distinct.len());
        distinct.push(item);
        hash_codes.push(hash);
    }
    let order = java::bucket_order(&hash_codes, java::hash_set_capacity(list_length));
    Some(Value::Array(java::reorder(distinct, &order)))
}
