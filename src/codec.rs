//! The binary encoding of typed documents (snapshot payloads).
//!
//! This module is the only place the crate uses `bincode`, so the encoding could be swapped in one place.
//! The configuration is `bincode::config::standard()`: little-endian, variable-length integers (see
//! `docs/FORMAT.md` for the exact rules another language needs to decode a payload).
//!
//! Decoding is defensive: input longer than the caller's limit is refused, bincode's allocation budget
//! is bounded (so a forged length prefix cannot make it reserve gigabytes), and bytes left over after
//! the value are an error rather than silently ignored.

use crate::prelude::*;

use bincode::config::{Config, Configuration};
use bincode::error::DecodeError;
use thiserror::Error;

/// Why a payload could not be decoded or encoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CodecError {
    /// The input is longer than the limit, or decoding it would claim more than the allocation budget.
    #[error("payload exceeds the decoding limit of {limit} bytes")]
    LimitExceeded {
        /// The limit the caller asked for.
        limit: usize,
    },
    /// The value decoded, but bytes were left over after it.
    #[error("{extra} trailing bytes after the encoded value")]
    TrailingBytes {
        /// How many bytes were left over.
        extra: usize,
    },
    /// The bytes do not encode a value of the expected type (bad tag, bad UTF-8, input ends early, ...).
    #[error("invalid encoding: {0}")]
    Invalid(&'static str),
    /// The value could not be encoded (only possible with a hand-written `Encode` impl that fails).
    #[error("cannot encode: {0}")]
    Encode(String),
}

/// A type the codec can encode. Implemented for every `bincode::Encode` type; the rest of the crate names
/// this trait rather than bincode's, so the encoding can be swapped here.
pub trait Encodable: bincode::Encode {}
impl<T: bincode::Encode> Encodable for T {}

/// A type the codec can decode. Implemented for every `bincode::Decode<()>` type (see [`Encodable`]).
pub trait Decodable: bincode::Decode<()> {}
impl<T: bincode::Decode<()>> Decodable for T {}

/// bincode's allocation budget, in bytes: no decode may claim more memory than this, whatever length
/// prefixes the input holds. bincode's limit is a compile-time constant and every distinct limit adds a
/// copy of each decoder to the binary (about 16 KB of wasm for a `Profile`), so there is one budget, sized
/// for the largest document (a 256 KiB ruleset snapshot with a 4x allowance for decoded structures).
pub const DECODE_BUDGET: usize = 1 << 20;

fn config() -> Configuration {
    bincode::config::standard()
}

/// Encodes a value with the standard configuration.
///
/// # Panics
///
/// Never for the crate's own types: writing to memory cannot fail, so this only panics if a
/// hand-written `Encode` impl reports an error. Use [`try_encode`] where even that must not panic.
pub fn encode<T: bincode::Encode>(value: &T) -> Vec<u8> {
    match try_encode(value) {
        Ok(bytes) => bytes,
        Err(err) => panic!("encoding to memory failed: {err}"),
    }
}

/// Encodes a value with the standard configuration, reporting an `Encode` impl's error instead of panicking.
pub fn try_encode<T: bincode::Encode>(value: &T) -> Result<Vec<u8>, CodecError> {
    bincode::encode_to_vec(value, config()).map_err(|err| CodecError::Encode(err.to_string()))
}

/// Decodes exactly one value from `bytes`.
///
/// `limit` bounds the input length (longer input is refused before decoding); allocations are bounded by
/// [`DECODE_BUDGET`]. Bytes left over after the value are refused with [`CodecError::TrailingBytes`].
pub fn decode<T: bincode::Decode<()>>(bytes: &[u8], limit: usize) -> Result<T, CodecError> {
    if bytes.len() > limit {
        return Err(CodecError::LimitExceeded { limit });
    }
    let decoded = decode_with(bytes, config().with_limit::<DECODE_BUDGET>());
    let (value, read) = decoded.map_err(|err| match err {
        DecodeError::LimitExceeded => CodecError::LimitExceeded { limit },
        other => CodecError::Invalid(invalid_reason(&other)),
    })?;
    match bytes.len().checked_sub(read) {
        Some(0) => Ok(value),
        Some(extra) => Err(CodecError::TrailingBytes { extra }),
        None => Err(CodecError::Invalid("decoder read past the input")),
    }
}

/// A fixed description of a decoding failure (no formatting: the wasm module carries none).
fn invalid_reason(error: &DecodeError) -> &'static str {
    match error {
        DecodeError::UnexpectedEnd { .. } => "the input ends inside a value",
        DecodeError::UnexpectedVariant { .. } => "unknown enum variant",
        DecodeError::Utf8 { .. } => "a string is not UTF-8",
        DecodeError::InvalidBooleanValue(_) => "a boolean is neither 0 nor 1",
        DecodeError::InvalidCharEncoding(_) => "invalid char",
        DecodeError::OutsideUsizeRange(_) | DecodeError::InvalidIntegerType { .. } => {
            "an integer out of range"
        }
        DecodeError::ArrayLengthMismatch { .. } => "an array of the wrong length",
        DecodeError::Other(reason) => reason,
        _ => "invalid encoding",
    }
}

impl CodecError {
    /// A fixed description of what is wrong, for [`crate::snapshot::SnapshotError::MalformedPayload`].
    pub fn reason(&self) -> &'static str {
        match self {
            CodecError::LimitExceeded { .. } => "payload exceeds the decoding limit",
            CodecError::TrailingBytes { .. } => "trailing bytes after the encoded value",
            CodecError::Invalid(reason) => reason,
            CodecError::Encode(_) => "cannot encode",
        }
    }
}

fn decode_with<T: bincode::Decode<()>, C: Config>(
    bytes: &[u8],
    config: C,
) -> Result<(T, usize), DecodeError> {
    bincode::decode_from_slice(bytes, config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let value = (
            7u8,
            300u32,
            String::from("de-DE"),
            Some(-2i16),
            vec![1u16, 2],
        );
        let bytes = encode(&value);
        assert_eq!(
            decode::<(u8, u32, String, Option<i16>, Vec<u16>)>(&bytes, 1024),
            Ok(value)
        );
    }

    #[test]
    fn varint_layout_is_the_documented_one() {
        // u8 is one raw byte; wider integers are varints (< 251: one byte, 251 + u16 LE, 252 + u32 LE).
        assert_eq!(encode(&250u8), [250]);
        assert_eq!(encode(&250u32), [250]);
        assert_eq!(encode(&251u32), [251, 251, 0]);
        assert_eq!(encode(&70_000u64), [252, 0x70, 0x11, 0x01, 0x00]);
        // Signed integers are zigzagged first; strings are a varint length and UTF-8.
        assert_eq!(encode(&-1i16), [1]);
        assert_eq!(encode(&60i16), [120]);
        assert_eq!(encode(&"ab"), [2, b'a', b'b']);
        assert_eq!(encode(&Some(1u8)), [1, 1]);
        assert_eq!(encode(&[1u8, 2, 3]), [1, 2, 3]);
    }

    #[test]
    fn trailing_bytes_are_refused() {
        let mut bytes = encode(&5u32);
        bytes.push(0);
        assert_eq!(
            decode::<u32>(&bytes, 1024),
            Err(CodecError::TrailingBytes { extra: 1 })
        );
    }

    #[test]
    fn input_over_the_limit_is_refused() {
        let bytes = encode(&"x".repeat(100));
        assert_eq!(
            decode::<String>(&bytes, 50),
            Err(CodecError::LimitExceeded { limit: 50 })
        );
    }

    #[test]
    fn huge_length_prefix_does_not_allocate() {
        // A Vec<u64> claiming 2^40 elements in 9 bytes: refused by the budget, not by the allocator.
        let bytes = [253, 0, 0, 0, 0, 0, 1, 0, 0];
        assert_eq!(
            decode::<Vec<u64>>(&bytes, 1024),
            Err(CodecError::LimitExceeded { limit: 1024 })
        );
        let strings = [253, 255, 255, 255, 255, 255, 255, 255, 127];
        assert!(decode::<String>(&strings, 1 << 30).is_err());
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(matches!(
            decode::<Option<u8>>(&[7, 1], 1024),
            Err(CodecError::Invalid(_))
        ));
        assert!(matches!(
            decode::<String>(&[2, 0xff, 0xfe], 1024),
            Err(CodecError::Invalid(_))
        ));
        assert!(matches!(
            decode::<u32>(&[], 1024),
            Err(CodecError::Invalid(_))
        ));
    }
}
