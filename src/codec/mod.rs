//! The binary encoding of typed documents (snapshot payloads).
//!
//! This module is the one place of the encoding. The format is bincode 2's with
//! `bincode::config::standard()`: little-endian, variable-length integers (see `docs/FORMAT.md` for the
//! exact rules another language needs to decode a payload). Encoding uses `bincode` itself (the store
//! signs what it writes); decoding uses the small hand-written decoder of [`read`] ([`Reader`],
//! [`Decodable`]), which reads the same bytes without bincode's generic machinery: a fraction of its
//! size in the wasm module.
//!
//! Decoding is defensive: input longer than the caller's limit is refused, the allocation budget is
//! bounded (so a forged length prefix cannot make the decoder reserve gigabytes), and bytes left over
//! after the value are an error rather than silently ignored.

use crate::prelude::*;

use thiserror::Error;

pub mod read;
#[cfg(test)]
pub(crate) mod tests;

pub use read::{Decodable, Invalid, Reader};

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

/// The allocation budget of a decode, in bytes: no decode may claim more memory than this, whatever
/// length prefixes the input holds (see [`read`] for how claims are counted: exactly as bincode 2 counts
/// them, so the same inputs are accepted as when bincode decoded them). Sized for the largest document (a
/// 256 KiB ruleset snapshot with a 4x allowance for decoded structures).
pub const DECODE_BUDGET: usize = 1 << 20;

fn config() -> bincode::config::Configuration {
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
pub fn decode<T: Decodable>(bytes: &[u8], limit: usize) -> Result<T, CodecError> {
    if bytes.len() > limit {
        return Err(CodecError::LimitExceeded { limit });
    }
    let mut reader = Reader::new(bytes, DECODE_BUDGET);
    match T::read(&mut reader) {
        Ok(value) => finish(&reader).map(|()| value),
        Err(invalid) => Err(refusal(invalid, limit)),
    }
}

/// After a value: every byte must have been read.
fn finish(reader: &Reader<'_>) -> Result<(), CodecError> {
    match reader.remaining() {
        0 => Ok(()),
        extra => Err(CodecError::TrailingBytes { extra }),
    }
}

/// The error for a decode that failed.
fn refusal(invalid: Invalid, limit: usize) -> CodecError {
    match invalid {
        Invalid::Budget => CodecError::LimitExceeded { limit },
        other => CodecError::Invalid(other.reason()),
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
