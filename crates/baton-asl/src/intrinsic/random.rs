//! The intrinsics that draw randomness: `States.MathRandom` and `States.UUID`.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Number, Value};

use super::Random;
use super::math::truncate_to_int;

/// `States.MathRandom(start, end[, seed])`: an integer in `start..end` (end excluded, and
/// `start` must be below `end`; AWS fails `MathRandom(1, 1)`). Bounds are truncated to `int`s.
///
/// With a seed the number depends on the seed alone, drawn from `rand`'s `StdRng` seeded with
/// it. AWS documents the seed but not its generator, so the sequence AWS produces for a seed is
/// not reproduced; what holds is that equal seeds give equal numbers. Without a seed the number
/// comes from `random`, in a single draw.
pub(crate) fn math_random(
    start: &Value,
    end: &Value,
    seed: Option<&Value>,
    random: &mut dyn Random,
) -> Option<Value> {
    let start = i64::from(truncate_to_int(start)?);
    let end = i64::from(truncate_to_int(end)?);
    if start >= end {
        return None;
    }
    let number = match seed {
        Some(seed) => {
            let Value::Number(seed) = seed else { return None };
            let seed =
                seed.as_i64().or_else(|| seed.as_f64().map(|double| double.trunc() as i64))?;
            StdRng::seed_from_u64(seed as u64).random_range(start..end)
        }
        None => start + uniform_below(random.next_u64(), (end - start).unsigned_abs()) as i64,
    };
    Some(Value::Number(Number::from(number)))
}

/// Maps a uniform 64-bit draw onto `0..bound` by multiplication (Lemire's method without the
/// rejection step). The bias is below `bound / 2^64`, at most 2^-32 for an `int` range, and one
/// draw always suffices, which keeps what the engine records simple.
fn uniform_below(draw: u64, bound: u64) -> u64 {
    ((u128::from(draw) * u128::from(bound)) >> 64) as u64
}

/// `States.UUID`: a version 4 UUID from `random`, in its hyphenated lower-case form.
pub(crate) fn uuid(random: &mut dyn Random) -> Value {
    Value::String(random.uuid_v4().hyphenated().to_string())
}
