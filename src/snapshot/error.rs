//! Everything that can go wrong with a snapshot, each with a stable machine-readable code.

use crate::prelude::*;

use super::{KeyId, SnapshotKind};
use thiserror::Error;

/// Why a snapshot was refused (or could not be built). [`SnapshotError::code`] gives a stable snake_case
/// code for each variant; it is what the JavaScript binding reports as the error `code`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SnapshotError {
    /// The snapshot is larger than the caller accepts (checked before anything else).
    #[error("snapshot is {len} bytes, more than the {max} accepted")]
    Oversized {
        /// Length of the input.
        len: usize,
        /// The size cap in force.
        max: usize,
    },
    /// The input ends before the snapshot does.
    #[error("snapshot truncated: {len} bytes, at least {needed} needed")]
    Truncated {
        /// Length of the input.
        len: usize,
        /// Bytes needed to get further.
        needed: usize,
    },
    /// The input does not start with the snapshot magic: it is not a snapshot at all.
    #[error("not a snapshot (bad magic)")]
    BadMagic,
    /// The snapshot has a format version this build does not understand.
    #[error("unsupported snapshot format version {version}")]
    UnsupportedVersion {
        /// The version byte found.
        version: u8,
    },
    /// The header is not well formed (unknown kind, bad audience or subject, lengths that do not add up, ...).
    #[error("malformed snapshot header: {reason}")]
    MalformedHeader {
        /// What is wrong.
        reason: &'static str,
    },
    /// No trusted key verifies the signature, and the key named by the header's key id is not in the keyring.
    #[error("snapshot signed by unknown key {key_id}")]
    UnknownKey {
        /// The key id hint from the header.
        key_id: KeyId,
    },
    /// No trusted key verifies the signature although the hinted key is trusted: the bytes were altered.
    #[error("snapshot signature does not verify (tampered)")]
    Tampered,
    /// The snapshot's lifetime is over (even allowing for clock skew).
    #[error("snapshot expired at {expires_at} (now {now})")]
    Expired {
        /// When it expired, Unix seconds.
        expires_at: u64,
        /// The verifier's time, Unix seconds.
        now: u64,
    },
    /// The snapshot was issued in the future (beyond the clock skew allowance).
    #[error("snapshot not valid before {issued_at} (now {now})")]
    NotYetValid {
        /// When it was issued, Unix seconds.
        issued_at: u64,
        /// The verifier's time, Unix seconds.
        now: u64,
    },
    /// The snapshot is for another site or tenant.
    #[error("snapshot audience {found:?} is not {expected:?}")]
    WrongAudience {
        /// The audience the verifier serves.
        expected: String,
        /// The audience in the snapshot.
        found: String,
    },
    /// The snapshot is about another subject.
    #[error("snapshot subject {found:?} is not {expected:?}")]
    WrongSubject {
        /// The subject the verifier expected.
        expected: String,
        /// The subject in the snapshot.
        found: String,
    },
    /// The snapshot is of another kind (e.g. a ruleset where a profile was expected).
    #[error("snapshot is a {found} snapshot, expected a {expected} snapshot")]
    WrongKind {
        /// The kind the verifier expected.
        expected: SnapshotKind,
        /// The kind of the snapshot.
        found: SnapshotKind,
    },
    /// The snapshot is older than one already seen (replay of a stale snapshot).
    #[error("snapshot sequence {sequence} is below the minimum {min_sequence} (rollback)")]
    Rollback {
        /// The snapshot's sequence number.
        sequence: u64,
        /// The lowest sequence number the verifier accepts.
        min_sequence: u64,
    },
    /// The signed payload does not decode as the expected document type.
    #[error("malformed snapshot payload: {reason}")]
    MalformedPayload {
        /// What is wrong.
        reason: &'static str,
    },
    /// A value given to build a snapshot is not acceptable (nothing was signed).
    #[error("invalid snapshot input {field}: {reason}")]
    InvalidInput {
        /// The offending input.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A public key could not be parsed or is not acceptable for verification.
    #[error("invalid public key: {reason}")]
    InvalidKey {
        /// What is wrong.
        reason: &'static str,
    },
}

impl SnapshotError {
    /// Every code [`SnapshotError::code`] can return.
    pub const CODES: [&'static str; 16] = [
        "oversized",
        "truncated",
        "bad_magic",
        "unsupported_version",
        "malformed_header",
        "unknown_key",
        "tampered",
        "expired",
        "not_yet_valid",
        "wrong_audience",
        "wrong_subject",
        "wrong_kind",
        "rollback",
        "malformed_payload",
        "invalid_input",
        "invalid_key",
    ];

    /// The stable machine-readable code of this error (snake_case), e.g. `"expired"`.
    pub fn code(&self) -> &'static str {
        match self {
            SnapshotError::Oversized { .. } => "oversized",
            SnapshotError::Truncated { .. } => "truncated",
            SnapshotError::BadMagic => "bad_magic",
            SnapshotError::UnsupportedVersion { .. } => "unsupported_version",
            SnapshotError::MalformedHeader { .. } => "malformed_header",
            SnapshotError::UnknownKey { .. } => "unknown_key",
            SnapshotError::Tampered => "tampered",
            SnapshotError::Expired { .. } => "expired",
            SnapshotError::NotYetValid { .. } => "not_yet_valid",
            SnapshotError::WrongAudience { .. } => "wrong_audience",
            SnapshotError::WrongSubject { .. } => "wrong_subject",
            SnapshotError::WrongKind { .. } => "wrong_kind",
            SnapshotError::Rollback { .. } => "rollback",
            SnapshotError::MalformedPayload { .. } => "malformed_payload",
            SnapshotError::InvalidInput { .. } => "invalid_input",
            SnapshotError::InvalidKey { .. } => "invalid_key",
        }
    }
}
