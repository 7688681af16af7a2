//! Fuzz target: an intrinsic call, parsed and, when it parses, evaluated against a fixed input,
//! context object and variables. Neither may panic, whatever the arguments.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value, json};

use baton_asl::intrinsic::{Call, Random};
use baton_asl::path::Roots;

/// The input, context object and variables every call is evaluated against: each function
/// finds arguments of the right type (and of wrong ones) under the short names in
/// dicts/intrinsic.dict.
struct Fixture {
    input: Value,
    context: Value,
    variables: Map<String, Value>,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| Fixture {
    input: json!({
        "a": [1, 2, 3, "x", [1, 2], {"k": 1}, null, 2.5],
        "s": "a,b,,c",
        "n": 3,
        "f": 2.5,
        "big": 2_147_483_648_i64,
        "huge": 1e300,
        "o": {"x": 1, "y": {"z": [1]}},
        "t": "{\"x\": 1, \"y\": [1, 2]}",
        "b64": "aGVsbG8gd29ybGQ=",
        "e": "",
        "u": "é😀",
        "long": "x".repeat(10_001),
    }),
    context: json!({"Execution": {"Id": "arn:aws:states:us-east-1:123456789012:execution:m:e"}}),
    variables: json!({"var": [1, 2], "x": "a"}).as_object().cloned().unwrap_or_default(),
});

/// Deterministic randomness: xorshift64 from a fixed seed, so a crash input replays exactly.
struct XorShift(u64);

impl Random for XorShift {
    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn uuid_v4(&mut self) -> uuid::Uuid {
        let bits = (u128::from(self.next_u64()) << 64) | u128::from(self.next_u64());
        uuid::Builder::from_random_bytes(bits.to_le_bytes()).into_uuid()
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(call) = Call::parse(text) else { return };
    let fixture = &*FIXTURE;
    let roots =
        Roots { input: &fixture.input, context: &fixture.context, variables: &fixture.variables };
    drop(call.evaluate(&roots, &mut XorShift(0x9E37_79B9_7F4A_7C15)));
});
