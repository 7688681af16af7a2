//! The functions Step Functions adds to JSONata, and the one it removes.
//!
//! AWS documents `$partition`, `$range`, `$hash`, `$random` (with an optional seed), `$uuid` and
//! `$parse`, and removes `$eval`. They are registered as host functions on each evaluator.
//! Integer parameters are rounded down, as AWS does. Randomness comes from the seed the caller
//! put in the bindings: this module never draws entropy of its own.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::OnceLock;

use jsonata_core::evaluator::{Evaluator, EvaluatorError, HostFnResult};
use jsonata_core::value::JValue;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

use crate::evaluate::Shape;

/// Most items `$range` may produce. Step Functions payloads are at most 256 KiB, so a longer
/// range could never leave the state; the cap stops a huge range from exhausting memory first.
pub const MAX_RANGE_ITEMS: usize = 1_000_000;

/// The functions this module may register, in the order of their bits in [`Used`].
const NAMES: [&str; 9] =
    ["partition", "range", "hash", "parse", "uuid", "random", "eval", "now", "millis"];

/// Which of this module's functions an expression names, found once at parse time so that each
/// evaluation registers only those (registering all of them costs more than evaluating a short
/// expression).
#[derive(Debug, Clone, Default)]
pub(crate) struct Used {
    bits: u16,
    /// What evaluation learns from the expression's AST, worked out on its first evaluation and
    /// kept with the expression for the next ones (see `evaluate::Shape`).
    pub(crate) shape: OnceLock<Shape>,
}

impl Used {
    /// Notes that the expression names `$name` (as a call or as a function value).
    pub(crate) fn note(&mut self, name: &str) {
        if let Some(bit) = NAMES.iter().position(|known| *known == name) {
            self.bits |= 1 << bit;
        }
    }

    fn has(&self, name: &str) -> bool {
        NAMES.iter().position(|known| *known == name).is_some_and(|bit| self.bits & (1 << bit) != 0)
    }
}

/// Registers on `evaluator` the Step Functions functions the expression uses, with `seed`
/// behind `$random()` and `$uuid()`, and `now_millis` (milliseconds since the Unix epoch, when
/// given) behind `$now()` and `$millis()`.
pub(crate) fn register(
    evaluator: &mut Evaluator,
    used: &Used,
    seed: u64,
    now_millis: Option<i64>,
) -> Result<(), EvaluatorError> {
    if let Some(now) = now_millis {
        if used.has("millis") {
            evaluator.register_fn_override("millis", move |args: &[JValue]| -> HostFnResult {
                check_arity("millis", args, 0, 0)?;
                // Milliseconds since 1970 fit a double exactly for the next 280,000 years.
                Ok(JValue::Number(now as f64))
            })?;
        }
        if used.has("now") {
            let text = iso_timestamp(now)?;
            evaluator.register_fn_override("now", move |args: &[JValue]| -> HostFnResult {
                check_arity("now", args, 0, 0)?;
                Ok(JValue::from(text.clone()))
            })?;
        }
    }
    if used.has("partition") {
        evaluator.register_fn("partition", partition)?;
    }
    if used.has("range") {
        evaluator.register_fn("range", range)?;
    }
    if used.has("hash") {
        evaluator.register_fn("hash", hash)?;
    }
    if used.has("parse") {
        evaluator.register_fn("parse", parse)?;
    }
    // One generator per evaluation, shared by `$random()` and `$uuid()` so that two calls in
    // one expression give different values.
    let state = Rc::new(Cell::new(seed));
    if used.has("uuid") {
        let uuid_state = Rc::clone(&state);
        evaluator.register_fn("uuid", move |args: &[JValue]| uuid(args, &uuid_state))?;
    }
    if used.has("random") {
        evaluator.register_fn_override("random", move |args: &[JValue]| random(args, &state))?;
    }
    if used.has("eval") {
        evaluator.register_fn_override("eval", |_: &[JValue]| -> HostFnResult {
            // AWS removes `$eval`; calling it fails exactly like calling any unknown function.
            Err(coded("T1006", "Attempted to invoke a non-function"))
        })?;
    }
    Ok(())
}

/// `$partition(array, size)`: `array` cut into chunks of `size` items, the last one shorter
/// when the items do not divide evenly. A single value counts as a one-item array.
fn partition(args: &[JValue]) -> HostFnResult {
    check_arity("partition", args, 2, 2)?;
    let (Some(items), Some(size)) = (args.first(), args.get(1)) else {
        return Ok(JValue::Undefined);
    };
    if items.is_undefined() || size.is_undefined() {
        return Ok(JValue::Undefined);
    }
    let size = integer_argument("partition", 2, size)?;
    if size < 1 {
        return Err(uncoded("The size argument of $partition must be a positive integer"));
    }
    let items: Vec<JValue> = match items.as_array() {
        Some(items) => items.clone(),
        None => vec![items.clone()],
    };
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    let chunks = items.chunks(size).map(|chunk| JValue::array(chunk.to_vec())).collect();
    Ok(JValue::array(chunks))
}

/// `$range(start, end, step)`: the numbers from `start` to `end` inclusive, `step` apart. The
/// result is a JSONata sequence, so a one-item range is that item (AWS returns `1` for
/// `$range(1, 9, 9)`).
fn range(args: &[JValue]) -> HostFnResult {
    check_arity("range", args, 3, 3)?;
    if args.iter().any(JValue::is_undefined) {
        return Ok(JValue::Undefined);
    }
    let mut bounds = [0_i64; 3];
    for (index, (slot, value)) in bounds.iter_mut().zip(args).enumerate() {
        *slot = integer_argument("range", index + 1, value)?;
    }
    let [start, end, step] = bounds;
    if step == 0 {
        return Err(uncoded("The step argument of $range must not be zero"));
    }
    let mut items = Vec::new();
    let mut current = start;
    while (step > 0 && current <= end) || (step < 0 && current >= end) {
        if items.len() >= MAX_RANGE_ITEMS {
            return Err(uncoded(&format!(
                "$range would produce more than {MAX_RANGE_ITEMS} items"
            )));
        }
        items.push(JValue::from(current));
        match current.checked_add(step) {
            Some(next) => current = next,
            None => break,
        }
    }
    Ok(JValue::sequence(items))
}

/// `$hash(value, algorithm)`: the lowercase hexadecimal digest of the string `value` with
/// `MD5`, `SHA-1`, `SHA-256`, `SHA-384` or `SHA-512`.
fn hash(args: &[JValue]) -> HostFnResult {
    check_arity("hash", args, 2, 2)?;
    let (Some(value), Some(algorithm)) = (args.first(), args.get(1)) else {
        return Ok(JValue::Undefined);
    };
    if value.is_undefined() {
        return Ok(JValue::Undefined);
    }
    let text = value.as_str().ok_or_else(|| signature_mismatch("hash", 1))?;
    let algorithm = algorithm.as_str().ok_or_else(|| signature_mismatch("hash", 2))?;
    let bytes = text.as_bytes();
    let digest = match algorithm {
        "MD5" => hex(&Md5::digest(bytes)),
        "SHA-1" => hex(&Sha1::digest(bytes)),
        "SHA-256" => hex(&Sha256::digest(bytes)),
        "SHA-384" => hex(&Sha384::digest(bytes)),
        "SHA-512" => hex(&Sha512::digest(bytes)),
        other => {
            return Err(uncoded(&format!(
                "The hashing algorithm '{other}' is not supported; use one of MD5, SHA-1, \
                 SHA-256, SHA-384, SHA-512"
            )));
        }
    };
    Ok(JValue::from(digest))
}

/// `$parse(text)`: the JSON value written in the string `text`.
fn parse(args: &[JValue]) -> HostFnResult {
    check_arity("parse", args, 1, 1)?;
    let Some(value) = args.first() else {
        return Ok(JValue::Undefined);
    };
    if value.is_undefined() {
        return Ok(JValue::Undefined);
    }
    let text = value.as_str().ok_or_else(|| signature_mismatch("parse", 1))?;
    // Parsing through serde_json bounds the nesting depth (128 levels).
    serde_json::from_str::<serde_json::Value>(text)
        .map(JValue::from)
        .map_err(|error| uncoded(&format!("The argument of $parse is not valid JSON: {error}")))
}

/// `$random([seed])`: a number in [0, 1). With a seed the number depends only on the seed, so
/// a workflow can repeat it; without one it comes from the evaluation's generator.
fn random(args: &[JValue], state: &Cell<u64>) -> HostFnResult {
    check_arity("random", args, 0, 1)?;
    let bits = match args.first() {
        None | Some(JValue::Undefined) => next(state),
        Some(seed) => {
            // Reinterpreting the seed's bits keeps negative seeds distinct from positive ones.
            let seed = integer_argument("random", 1, seed)?;
            next(&Cell::new(seed.cast_unsigned()))
        }
    };
    // The top 53 bits make a double in [0, 1) with every value equally likely.
    let fraction = (bits >> 11) as f64 / (1_u64 << 53) as f64;
    Ok(JValue::Number(fraction))
}

/// `$uuid()`: a version 4 UUID from the evaluation's generator.
fn uuid(args: &[JValue], state: &Cell<u64>) -> HostFnResult {
    check_arity("uuid", args, 0, 0)?;
    let mut bytes = [0_u8; 16];
    bytes[..8].copy_from_slice(&next(state).to_le_bytes());
    bytes[8..].copy_from_slice(&next(state).to_le_bytes());
    let id = uuid::Builder::from_random_bytes(bytes).into_uuid();
    Ok(JValue::from(id.hyphenated().to_string()))
}

/// `millis` as `$now()` prints it: ISO 8601 in UTC with milliseconds (`2024-11-15T16:16:35.000Z`).
fn iso_timestamp(millis: i64) -> Result<String, EvaluatorError> {
    let instant = jiff::Timestamp::from_millisecond(millis).map_err(|error| {
        uncoded(&format!("The clock instant {millis} is out of range: {error}"))
    })?;
    Ok(instant.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
}

/// SplitMix64: a small, well-mixed generator. It is written out here so that a seed maps to the
/// same numbers in every build, whatever version of a random-number crate is linked.
fn next(state: &Cell<u64>) -> u64 {
    let advanced = state.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
    state.set(advanced);
    let mut mixed = advanced;
    mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    mixed ^ (mixed >> 31)
}

/// A numeric argument rounded down to an integer, as AWS does for integer parameters.
fn integer_argument(
    function: &str,
    position: usize,
    value: &JValue,
) -> Result<i64, EvaluatorError> {
    let number = value.as_f64().ok_or_else(|| signature_mismatch(function, position))?;
    if !number.is_finite() {
        return Err(signature_mismatch(function, position));
    }
    // `as` saturates at the i64 bounds, which the callers then reject or clamp.
    Ok(number.floor() as i64)
}

/// Fails with JSONata's wrong-arity error when `args` has fewer than `min` or more than `max`
/// arguments.
fn check_arity(
    function: &str,
    args: &[JValue],
    min: usize,
    max: usize,
) -> Result<(), EvaluatorError> {
    if args.len() > max {
        return Err(signature_mismatch(function, max + 1));
    }
    if args.len() < min {
        return Err(signature_mismatch(function, args.len() + 1));
    }
    Ok(())
}

/// JSONata's error for an argument of the wrong type (code `T0410`).
fn signature_mismatch(function: &str, position: usize) -> EvaluatorError {
    coded(
        "T0410",
        &format!(
            "Argument {position} of function \"{function}\" does not match function signature"
        ),
    )
}

/// An error carrying a JSONata code, in the `CODE: message` form jsonata-core reads codes from.
fn coded(code: &str, message: &str) -> EvaluatorError {
    EvaluatorError::EvaluationError(format!("{code}: {message}"))
}

/// An error for a condition JSONata has no code for.
fn uncoded(message: &str) -> EvaluatorError {
    EvaluatorError::EvaluationError(message.to_owned())
}

/// Lowercase hexadecimal, as AWS prints digests.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}
