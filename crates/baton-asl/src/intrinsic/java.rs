//! Java's views of JSON values, which AWS's intrinsics expose because Step Functions runs on the
//! JVM: how Java prints numbers (`Double.toString`: `1.0`, `1.0E10`), how it prints a value with
//! `toString` (`{Arg1=1, Arg2=[]}`, what `States.Format` shows), how Jackson writes compact JSON
//! (`States.JsonToString`), and the `hashCode` that decides the order of a `HashSet`
//! (`States.ArrayUnique`).
//!
//! The model behind the `toString` and `hashCode` forms is that AWS turns JSON into plain Java
//! objects: `null`, `Boolean`, `Integer` (or `Long` when it does not fit), `Double`, `String`,
//! `List` and an insertion-ordered `Map`. It is inferred from observed outputs (the conformance
//! cases and the characterization suites cited in `tests.rs`) and explains all of them.
//!
//! Every walk over a value is bounded by `limits::JSON_DEPTH_MAX`; a deeper value is rejected
//! with [`TooDeep`] rather than risking the stack.

use std::fmt::Write as _;

use serde_json::{Number, Value};

use crate::limits::JSON_DEPTH_MAX;

/// A value nested deeper than `limits::JSON_DEPTH_MAX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooDeep;

/// Appends a number as Java prints it: integers in full, other numbers as `Double.toString`.
pub(crate) fn write_number(out: &mut String, number: &Number) {
    if let Some(integer) = number.as_i64() {
        let _ = write!(out, "{integer}");
    } else if let Some(integer) = number.as_u64() {
        let _ = write!(out, "{integer}");
    } else if let Some(double) = number.as_f64() {
        write_double(out, double);
    }
}

/// Java's `Double.toString`: the shortest digits that round-trip, in plain notation when
/// `10^-3 <= |d| < 10^7` (always with a fractional part, `1.0`), otherwise in computerized
/// scientific notation (`1.0E10`, `1.234E-5`).
fn write_double(out: &mut String, double: f64) {
    if double.is_nan() {
        out.push_str("NaN");
        return;
    }
    if double.is_infinite() {
        out.push_str(if double > 0.0 { "Infinity" } else { "-Infinity" });
        return;
    }
    if double.is_sign_negative() {
        out.push('-');
    }
    let magnitude = double.abs();
    if magnitude == 0.0 {
        out.push_str("0.0");
        return;
    }
    // Rust's `{:e}` gives the same shortest round-trip digits Java does, as `d.ddde[-]x`.
    let scientific = format!("{magnitude:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i64 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if (1e-3..1e7).contains(&magnitude) {
        let integer_digits = exponent + 1;
        if integer_digits <= 0 {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', integer_digits.unsigned_abs() as usize));
            out.push_str(&digits);
        } else {
            let split = usize::try_from(integer_digits).unwrap_or(usize::MAX);
            if split >= digits.len() {
                out.push_str(&digits);
                out.extend(std::iter::repeat_n('0', split - digits.len()));
                out.push_str(".0");
            } else {
                let (integer, fraction) = digits.split_at(split);
                out.push_str(integer);
                out.push('.');
                out.push_str(fraction);
            }
        }
    } else {
        let (first, rest) = digits.split_at(digits.len().min(1));
        out.push_str(first);
        out.push('.');
        out.push_str(if rest.is_empty() { "0" } else { rest });
        let _ = write!(out, "E{exponent}");
    }
}

/// Appends `value` as Java's `toString` shows it: strings bare, `null`, `true`, numbers as
/// [`write_number`], lists as `[a, b]` and maps as `{key=value, other=value}`.
pub(crate) fn write_display(out: &mut String, value: &Value) -> Result<(), TooDeep> {
    write_display_at(out, value, 0)
}

fn write_display_at(out: &mut String, value: &Value, depth: usize) -> Result<(), TooDeep> {
    if depth > JSON_DEPTH_MAX {
        return Err(TooDeep);
    }
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(boolean) => out.push_str(if *boolean { "true" } else { "false" }),
        Value::Number(number) => write_number(out, number),
        Value::String(string) => out.push_str(string),
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                write_display_at(out, item, depth + 1)?;
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (index, (key, member)) in members.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                out.push_str(key);
                out.push('=');
                write_display_at(out, member, depth + 1)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// `value` as Java's `toString` shows it (see [`write_display`]).
pub(crate) fn display(value: &Value) -> Result<String, TooDeep> {
    let mut out = String::new();
    write_display(&mut out, value)?;
    Ok(out)
}

/// `value` as compact JSON the way Jackson writes it: no spaces, numbers as Java prints them,
/// control characters escaped (`\n` and friends by name, the rest as `\u00XX` in upper case),
/// everything else, including non-ASCII, written as is.
pub(crate) fn to_json(value: &Value) -> Result<String, TooDeep> {
    let mut out = String::new();
    write_json_at(&mut out, value, 0)?;
    Ok(out)
}

fn write_json_at(out: &mut String, value: &Value, depth: usize) -> Result<(), TooDeep> {
    if depth > JSON_DEPTH_MAX {
        return Err(TooDeep);
    }
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(boolean) => out.push_str(if *boolean { "true" } else { "false" }),
        Value::Number(number) => write_number(out, number),
        Value::String(string) => write_json_string(out, string),
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_json_at(out, item, depth + 1)?;
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (index, (key, member)) in members.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_json_string(out, key);
                out.push(':');
                write_json_at(out, member, depth + 1)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

fn write_json_string(out: &mut String, string: &str) {
    out.push('"');
    for c in string.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Java's `hashCode` of the plain-object form of `value`: 0 for null, 1231/1237 for
/// `true`/`false`, `Integer`/`Long`/`Double` hashes for numbers, `String.hashCode` over UTF-16
/// code units, `List.hashCode` for arrays and `Map.hashCode` (the sum of `key ^ value` hashes)
/// for objects.
pub(crate) fn hash_code(value: &Value) -> Result<i32, TooDeep> {
    hash_code_at(value, 0)
}

fn hash_code_at(value: &Value, depth: usize) -> Result<i32, TooDeep> {
    if depth > JSON_DEPTH_MAX {
        return Err(TooDeep);
    }
    Ok(match value {
        Value::Null => 0,
        Value::Bool(true) => 1231,
        Value::Bool(false) => 1237,
        Value::Number(number) => number_hash_code(number),
        Value::String(string) => string_hash_code(string),
        Value::Array(items) => {
            let mut hash: i32 = 1;
            for item in items {
                hash = hash.wrapping_mul(31).wrapping_add(hash_code_at(item, depth + 1)?);
            }
            hash
        }
        Value::Object(members) => {
            let mut hash: i32 = 0;
            for (key, member) in members {
                hash = hash.wrapping_add(string_hash_code(key) ^ hash_code_at(member, depth + 1)?);
            }
            hash
        }
    })
}

fn number_hash_code(number: &Number) -> i32 {
    // Jackson maps an integer to `Integer` when it fits, else to `Long`; `Long.hashCode` and
    // `Double.hashCode` both fold the 64 bits into 32.
    let fold = |bits: u64| (bits ^ (bits >> 32)) as u32 as i32;
    if let Some(integer) = number.as_i64() {
        match i32::try_from(integer) {
            Ok(small) => small,
            Err(_) => fold(integer as u64),
        }
    } else if let Some(integer) = number.as_u64() {
        fold(integer)
    } else {
        fold(number.as_f64().unwrap_or(0.0).to_bits())
    }
}

pub(crate) fn string_hash_code(string: &str) -> i32 {
    string
        .encode_utf16()
        .fold(0i32, |hash, unit| hash.wrapping_mul(31).wrapping_add(i32::from(unit)))
}

/// The table size of a `HashSet` built with `new HashSet<>(list)` from a list of
/// `list_length` items: the smallest power of two no smaller than
/// `max(list_length / 0.75 + 1, 16)`.
pub(crate) fn hash_set_capacity(list_length: usize) -> usize {
    let wanted = (list_length as f64 / 0.75) as usize + 1;
    wanted.max(16).checked_next_power_of_two().unwrap_or(TABLE_SIZE_MAX).min(TABLE_SIZE_MAX)
}

/// The table size of a `HashMap` after `count` distinct keys were put into `new HashMap<>()`:
/// it starts at 16 and doubles whenever it is more than three quarters full.
pub(crate) fn hash_map_capacity(count: usize) -> usize {
    let mut capacity = 16;
    while count > capacity / 4 * 3 && capacity < TABLE_SIZE_MAX {
        capacity *= 2;
    }
    capacity
}

/// Java's largest hash table.
const TABLE_SIZE_MAX: usize = 1 << 30;

/// The order in which a Java `HashMap` or `HashSet` with a table of `capacity` buckets iterates
/// entries with these hash codes, given in insertion order: by bucket (the spread hash masked by
/// the table size), then by insertion. Java turns a bucket holding more than eight entries into
/// a tree, whose order this does not model.
pub(crate) fn bucket_order(hash_codes: &[i32], capacity: usize) -> Vec<usize> {
    let mask = u32::try_from(capacity.saturating_sub(1)).unwrap_or(u32::MAX);
    let bucket = |hash: i32| {
        let hash = hash as u32;
        (hash ^ (hash >> 16)) & mask
    };
    let mut order: Vec<usize> = (0..hash_codes.len()).collect();
    order.sort_by_key(|&index| hash_codes.get(index).map_or(0, |&hash| bucket(hash)));
    order
}

/// `items` rearranged so that position `i` holds the item at `order[i]` (`order` being a
/// permutation, as [`bucket_order`] returns).
pub(crate) fn reorder<T>(items: Vec<T>, order: &[usize]) -> Vec<T> {
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    order.iter().filter_map(|&index| slots.get_mut(index).and_then(Option::take)).collect()
}
