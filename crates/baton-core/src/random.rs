//! Deterministic, unguessable numbers for one execution: task tokens, `States.UUID()`,
//! `States.MathRandom` and retry jitter.
//!
//! Draw `n` is SHA-256 of the execution's secret seed and `n`. Replaying the same inputs draws
//! the same values in the same order, and without the seed nobody can predict a task token.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use baton_asl::intrinsic::Random;

/// The draw counter and the seed it hashes with.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Draws {
    /// SHA-256 with the seed already absorbed: a draw only hashes its counter. The seed (64 hex
    /// digits) fills SHA-256's first block, so each draw compresses one block instead of two,
    /// and the digest is the same as hashing the seed and the counter afresh.
    /// Not in snapshots: the execution's `Start` holds the seed, and `restore_seed` puts it back.
    #[serde(skip)]
    seeded: Sha256,
    count: u64,
}

impl Draws {
    pub(crate) fn new(seed: &str) -> Draws {
        Draws { seeded: Sha256::new_with_prefix(seed.as_bytes()), count: 0 }
    }

    /// Puts the seed back after the draws were read from a snapshot (which keeps the count).
    pub(crate) fn restore_seed(&mut self, seed: &str) {
        self.seeded = Sha256::new_with_prefix(seed.as_bytes());
    }

    /// The next 32 bytes: SHA-256 of the seed and the big-endian draw counter.
    fn next_block(&mut self) -> [u8; 32] {
        let mut hasher = self.seeded.clone();
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
/// every activity or callback task, and `format!` per byte (or a `char` pushed per digit) cost
/// more than the SHA-256 behind it.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut digits = vec![0; bytes.len() * 2];
    for (pair, &byte) in digits.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(byte >> 4)];
        pair[1] = DIGITS[usize::from(byte & 0x0f)];
    }
    String::from_utf8(digits).expect("hex digits are ASCII")
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
    use sha2::{Digest, Sha256};

    use super::{Draws, hex};

    /// Draw `count` computed from scratch: SHA-256 of the seed and the big-endian counter.
    fn expected_token(seed: &str, count: u64) -> String {
        let mut bytes = seed.as_bytes().to_vec();
        bytes.extend_from_slice(&count.to_be_bytes());
        hex(&Sha256::digest(&bytes))
    }

    #[test]
    fn draws_hash_the_seed_and_the_counter() {
        let seed = "5f".repeat(32);
        // Seeds of other lengths too (TestState takes one from the caller).
        for seed in [seed.as_str(), "", "short seed", &"x".repeat(100)] {
            let mut draws = Draws::new(seed);
            for count in 0..3 {
                assert_eq!(draws.token(), expected_token(seed, count), "seed {seed:?}");
            }
            let mut restored = Draws::new("another seed");
            restored.count = draws.count;
            restored.restore_seed(seed);
            assert_eq!(restored.token(), expected_token(seed, 3), "seed {seed:?}");
        }
    }

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
