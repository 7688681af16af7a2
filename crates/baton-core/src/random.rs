//! Deterministic, unguessable numbers for one execution: task tokens, `States.UUID()`,
//! `States.MathRandom` and retry jitter.
//!
//! Draw `n` is SHA-256 of the execution's secret seed and `n`. Replaying the same inputs draws
//! the same values in the same order, and without the seed nobody can predict a task token.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use baton_asl::intrinsic::Random;

/// The draw counter and the seed it hashes with.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Draws {
    /// Shared, so that cloning the draws (to lend them to an evaluation) does not allocate.
    /// Not in snapshots: the execution's `Start` holds it, and `restore_seed` puts it back.
    #[serde(skip)]
    seed: Arc<[u8]>,
    count: u64,
}

impl Draws {
    pub(crate) fn new(seed: &str) -> Draws {
        Draws { seed: Arc::from(seed.as_bytes()), count: 0 }
    }

    /// Puts the seed back after the draws were read from a snapshot (which keeps the count).
    pub(crate) fn restore_seed(&mut self, seed: &str) {
        self.seed = Arc::from(seed.as_bytes());
    }

    /// The next 32 bytes.
    fn next_block(&mut self) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(&self.seed);
        hasher.update(self.count.to_be_bytes());
        self.count += 1;
        hasher.finalize().into()
    }

    /// A uniformly distributed number in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        // 53 random bits make every double in [0, 1) with a 2^-53 step equally likely.
        #[allow(clippy::cast_precision_loss)]
        let value = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        value
    }

    /// A task token: 256 unguessable bits, hex encoded.
    pub(crate) fn token(&mut self) -> String {
        hex(&self.next_block())
    }
}

/// `bytes` as lower-case hex, the way task tokens and execution seeds ([`crate::Start::seed`])
/// are written. One allocation and a table lookup per nibble: a workflow draws a token for
/// every activity or callback task, and `format!` per byte cost more than the SHA-256 behind it.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

impl Random for Draws {
    fn next_u64(&mut self) -> u64 {
        let block = self.next_block();
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&block[..8]);
        u64::from_be_bytes(bytes)
    }

    fn uuid_v4(&mut self) -> uuid::Uuid {
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&self.next_block()[..16]);
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }
}

#[cfg(test)]
mod tests {
    use super::hex;

    #[test]
    fn hex_is_lower_case_two_digits_a_byte() {
        for (bytes, expect) in
            [(&[][..], ""), (&[0x00][..], "00"), (&[0x0f, 0xa0, 0xff, 0x7e][..], "0fa0ff7e")]
        {
            assert_eq!(hex(bytes), expect);
            let formatted: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
            assert_eq!(hex(bytes), formatted);
        }
    }
}
