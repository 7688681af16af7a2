//! Deterministic, unguessable numbers for one execution: task tokens, `States.UUID()`,
//! `States.MathRandom` and retry jitter.
//!
//! Draw `n` is SHA-256 of the execution's secret seed and `n`. Replaying the same inputs draws
//! the same values in the same order, and without the seed nobody can predict a task token.

use serde::{Deserialize, Serialize};
use sha2::block_api::compress256;

use baton_asl::intrinsic::Random;

/// SHA-256's initial hash value (FIPS 180-4, section 5.3.3).
const SHA256_INITIAL: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];
/// SHA-256's block size in bytes.
const BLOCK: usize = 64;

/// The draw counter and the seed it hashes with.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Draws {
    /// Not in snapshots: the execution's `Start` holds the seed, and `restore_seed` puts it back.
    #[serde(skip)]
    seeded: Seeded,
    count: u64,
}

/// SHA-256 part-way through the seed: its state after the seed's whole blocks, and the rest.
/// A draw then compresses only its last block (two when the rest is long): a 64-digit seed
/// fills the first block exactly, so each token costs one compression, not two, and no
/// hasher is cloned and finalized through `digest`'s generic buffering.
#[derive(Clone)]
struct Seeded {
    state: [u32; 8],
    /// The seed's bytes after its last whole block (`rest_len` of them).
    rest: [u8; BLOCK],
    rest_len: usize,
    /// The seed's length in bytes.
    len: u64,
}

impl Seeded {
    fn new(seed: &[u8]) -> Seeded {
        let (blocks, rest) = seed.as_chunks::<BLOCK>();
        let mut state = SHA256_INITIAL;
        compress256(&mut state, blocks);
        let mut kept = [0; BLOCK];
        kept[..rest.len()].copy_from_slice(rest);
        let len = u64::try_from(seed.len()).expect("a seed shorter than 2^64 bytes");
        Seeded { state, rest: kept, rest_len: rest.len(), len }
    }

    /// SHA-256 of the seed followed by `suffix`, padded as FIPS 180-4 section 5.1.1 says.
    fn digest(&self, suffix: [u8; 8]) -> [u8; 32] {
        let mut message = [0; 2 * BLOCK];
        let end = self.rest_len + suffix.len();
        message[..self.rest_len].copy_from_slice(&self.rest[..self.rest_len]);
        message[self.rest_len..end].copy_from_slice(&suffix);
        message[end] = 0x80;
        // The padding and the 8-byte length fit after the data in one block, or need a second.
        let padded = if end + 1 + 8 <= BLOCK { BLOCK } else { 2 * BLOCK };
        let bits = (self.len + 8) * 8;
        message[padded - 8..padded].copy_from_slice(&bits.to_be_bytes());
        let mut state = self.state;
        compress256(&mut state, message[..padded].as_chunks::<BLOCK>().0);
        let mut digest = [0; 32];
        for (bytes, word) in digest.chunks_exact_mut(4).zip(state) {
            bytes.copy_from_slice(&word.to_be_bytes());
        }
        digest
    }
}

/// Unseeded, as draws read from a snapshot are until `restore_seed`.
impl Default for Seeded {
    fn default() -> Seeded {
        Seeded::new(&[])
    }
}

impl std::fmt::Debug for Seeded {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The state would give the seed's tokens away.
        formatter.write_str("Seeded { .. }")
    }
}

impl Draws {
    pub(crate) fn new(seed: &str) -> Draws {
        Draws { seeded: Seeded::new(seed.as_bytes()), count: 0 }
    }

    /// Puts the seed back after the draws were read from a snapshot (which keeps the count).
    pub(crate) fn restore_seed(&mut self, seed: &str) {
        self.seeded = Seeded::new(seed.as_bytes());
    }

    /// The next 32 bytes: SHA-256 of the seed and the big-endian draw counter.
    fn next_block(&mut self) -> [u8; 32] {
        let block = self.seeded.digest(self.count.to_be_bytes());
        self.count += 1;
        block
    }

    /// A uniformly distributed number in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        // 53 random bits make every double in [0, 1) with a 2^-53 step equally likely.
        #[allow(clippy::cast_precision_loss)]
        let value = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        value
    }

    /// A task token drawn at `now` (epoch milliseconds): the time in 12 hex digits, then 256
    /// unguessable bits in hex. Tokens sort by the time they were drawn, as ULIDs do, so a
    /// store that indexes them (an activity queue, a token table) adds each new one at the end
    /// of its index, a page all the tasks scheduled together share, rather than at a random
    /// place that costs a page write of its own (issue 4's activity round trips).
    pub(crate) fn token(&mut self, now: i64) -> String {
        let millis = u64::try_from(now).unwrap_or(0).to_be_bytes();
        let mut bytes = [0u8; 6 + 32];
        bytes[..6].copy_from_slice(&millis[2..]);
        bytes[6..].copy_from_slice(&self.next_block());
        hex(&bytes)
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
        let lengths = [0, 10, 47, 48, 50, 55, 56, 63, 100, 128, 200];
        let others: Vec<String> = lengths.iter().map(|length| "x".repeat(*length)).collect();
        for seed in std::iter::once(seed.as_str()).chain(others.iter().map(String::as_str)) {
            let mut draws = Draws::new(seed);
            for count in 0..3 {
                let expected = format!("0000000004d2{}", expected_token(seed, count));
                assert_eq!(draws.token(1234), expected, "seed {seed:?}");
            }
            let mut restored = Draws::new("another seed");
            restored.count = draws.count;
            restored.restore_seed(seed);
            let expected = format!("0000000004d2{}", expected_token(seed, 3));
            assert_eq!(restored.token(1234), expected, "seed {seed:?}");
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
