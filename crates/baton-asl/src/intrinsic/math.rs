//! `States.MathAdd`, and the conversions of JSON numbers to the Java `int`s that the numeric
//! intrinsics work with.

use serde_json::{Number, Value};

/// A number argument as Java's `(int)` cast makes it: truncated toward zero. AWS does this for
/// `ArrayPartition`, `ArrayRange`, `ArrayGetItem` and `MathRandom` (observed: `ArrayRange(1.6,
/// 1.4, 1)` is `[1]`, `ArrayPartition` with 2.6 makes pairs, `ArrayGetItem` at 1.2 reads index
/// 1). `None` for anything but a number in the `int` range.
pub(crate) fn truncate_to_int(value: &Value) -> Option<i32> {
    let Value::Number(number) = value else { return None };
    if let Some(integer) = number.as_i64() {
        return i32::try_from(integer).ok();
    }
    let double = number.as_f64()?.trunc();
    in_int_range(double)
}

/// A number argument rounded to the nearest integer, halves up, as Java's `Math.round`: AWS
/// rounds the operands of `States.MathAdd` (observed: 1.6 + 2.7 is 5). `None` for anything but
/// a number whose rounded value is in the `int` range.
pub(crate) fn round_to_int(value: &Value) -> Option<i32> {
    let Value::Number(number) = value else { return None };
    if let Some(integer) = number.as_i64() {
        return i32::try_from(integer).ok();
    }
    let double = number.as_f64()?;
    let floor = double.floor();
    // `x - floor(x)` is exact, unlike `x + 0.5`, which rounds 0.49999999999999994 up.
    in_int_range(if double - floor >= 0.5 { floor + 1.0 } else { floor })
}

fn in_int_range(double: f64) -> Option<i32> {
    if double.is_finite() && (f64::from(i32::MIN)..=f64::from(i32::MAX)).contains(&double) {
        Some(double as i32)
    } else {
        None
    }
}

/// `States.MathAdd`: the sum of two `int`s, which must itself be an `int` (AWS fails
/// `MathAdd(2147483647, 1)`).
pub(crate) fn add(left: &Value, right: &Value) -> Option<Value> {
    let sum = round_to_int(left)?.checked_add(round_to_int(right)?)?;
    Some(Value::Number(Number::from(sum)))
}
