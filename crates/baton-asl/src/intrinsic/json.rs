//! JSON intrinsics: `States.StringToJson`, `States.JsonToString` and `States.JsonMerge`.

use serde_json::Value;

use super::java;

/// `States.StringToJson(string)`: the JSON value the string holds.
///
/// AWS returns `null` for an empty string (observed) rather than failing; a string of only
/// whitespace is treated the same, as Jackson finds no value in either.
pub(crate) fn string_to_json(text: &Value) -> Option<Value> {
    let Value::String(text) = text else { return None };
    if text.trim_matches([' ', '\t', '\n', '\r']).is_empty() {
        return Some(Value::Null);
    }
    serde_json::from_str(text).ok()
}

/// `States.JsonToString(value)`: the value as compact JSON, as Jackson writes it.
pub(crate) fn json_to_string(value: &Value) -> Option<Value> {
    java::to_json(value).ok().map(Value::String)
}

/// `States.JsonMerge(left, right, deep)`: the members of `left`, overwritten and extended by
/// those of `right`, top level only (a member of `right` replaces the one of `left` whole).
///
/// AWS returns the members in the order of a Java `HashMap` into which `left` and then `right`
/// were put: the conformance case `test_json_merge_escaped_argument` merges
/// `{"constant_in_literal": ..}` with `{"constant_input_field": ..}` and gets
/// `constant_input_field` first, which is that order (see [`java::bucket_order`]).
///
/// AWS supports only the shallow merge, so `deep` must not be `true`. It was observed accepting
/// the string `"false"` as well as `false`; any value but `true` (or the string `"true"`) is
/// taken to mean shallow.
pub(crate) fn merge(left: Value, right: Value, deep: &Value) -> Option<Value> {
    let (Value::Object(mut merged), Value::Object(right)) = (left, right) else { return None };
    let wants_deep = match deep {
        Value::Bool(deep) => *deep,
        Value::String(deep) => deep.eq_ignore_ascii_case("true"),
        _ => false,
    };
    if wants_deep {
        return None;
    }
    for (key, member) in right {
        merged.insert(key, member);
    }
    let hash_codes: Vec<i32> = merged.keys().map(|key| java::string_hash_code(key)).collect();
    let order = java::bucket_order(&hash_codes, java::hash_map_capacity(merged.len()));
    let members: Vec<(String, Value)> = merged.into_iter().collect();
    Some(Value::Object(java::reorder(members, &order).into_iter().collect()))
}
