//! Encoding intrinsics: `States.Base64Encode`, `States.Base64Decode` and `States.Hash`.
//!
//! Input lengths are counted in UTF-16 code units, as Java's `String.length()` counts the
//! "characters" AWS limits to `limits::INTRINSIC_STRING_CHARS_MAX`.

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use md5::Md5;
use serde_json::Value;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

use super::java;
use crate::limits::INTRINSIC_STRING_CHARS_MAX;

/// `States.Base64Encode(string)`: the UTF-8 bytes of the string in standard Base64 with padding.
pub(crate) fn base64_encode(text: &Value) -> Option<Value> {
    let text = limited_string(text)?;
    Some(Value::String(STANDARD.encode(text.as_bytes())))
}

/// `States.Base64Decode(string)`: the decoded bytes read as UTF-8.
///
/// AWS's decoder is lenient: it was observed decoding `'!!!invalid!!!'`, `'abc'`, `'ab==cd'` and
/// `' YWJjZA== '` instead of failing. Decoding as Apache Commons Codec does explains all four:
/// characters outside the alphabet are skipped, the first `=` ends the data, and leftover bits
/// that do not make a whole byte are dropped. Invalid UTF-8 becomes U+FFFD, as Java's
/// `new String(bytes, UTF_8)` does.
pub(crate) fn base64_decode(text: &Value) -> Option<Value> {
    let text = limited_string(text)?;
    let mut bytes = Vec::with_capacity(text.len() / 4 * 3 + 2);
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    for byte in text.bytes() {
        if byte == b'=' {
            break;
        }
        let Some(sextet) = sextet(byte) else { continue };
        buffer = (buffer << 6) | u32::from(sextet);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
}

/// The value of a Base64 digit; Commons Codec reads both the standard and the URL-safe
/// alphabet.
fn sextet(byte: u8) -> Option<u8> {
    match byte {
        b'A'..=b'Z' => Some(byte - b'A'),
        b'a'..=b'z' => Some(byte - b'a' + 26),
        b'0'..=b'9' => Some(byte - b'0' + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    }
}

/// `States.Hash(data, algorithm)`: the lower-case hex digest. The algorithm is one of `MD5`,
/// `SHA-1`, `SHA-256`, `SHA-384` and `SHA-512`, spelled exactly so.
///
/// AWS hashes data that is not a string too (observed for `123` and `{}`), so other values are
/// hashed in their compact JSON form, which is the same text for those two. The length limit
/// applies to the text that is hashed.
pub(crate) fn hash(data: &Value, algorithm: &Value) -> Option<Value> {
    let Value::String(algorithm) = algorithm else { return None };
    let text = match data {
        Value::String(text) => text.clone(),
        other => java::to_json(other).ok()?,
    };
    if utf16_length(&text) > INTRINSIC_STRING_CHARS_MAX {
        return None;
    }
    let bytes = text.as_bytes();
    let digest: Vec<u8> = match algorithm.as_str() {
        "MD5" => Md5::digest(bytes).to_vec(),
        "SHA-1" => Sha1::digest(bytes).to_vec(),
        "SHA-256" => Sha256::digest(bytes).to_vec(),
        "SHA-384" => Sha384::digest(bytes).to_vec(),
        "SHA-512" => Sha512::digest(bytes).to_vec(),
        _ => return None,
    };
    let mut hex = String::with_capacity(digest.len() * 2);
    for byte in digest {
        let _ = write!(hex, "{byte:02x}");
    }
    Some(Value::String(hex))
}

/// A string argument within the intrinsic length limit.
fn limited_string(value: &Value) -> Option<&str> {
    let Value::String(text) = value else { return None };
    (utf16_length(text) <= INTRINSIC_STRING_CHARS_MAX).then_some(text.as_str())
}

fn utf16_length(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}
