//! Building and signing snapshots, and the exact message the signature covers.

use crate::prelude::*;

use super::{
    signing_message, KeyId, SnapshotError, SnapshotHeader, SnapshotKind, FORMAT_VERSION,
    SIGNATURE_LEN,
};
use crate::codec;
use ed25519_dalek::{Signer, SigningKey};

/// What goes into a snapshot header besides the key id (which comes from the signing key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignParams<'a> {
    /// What the payload is.
    pub kind: SnapshotKind,
    /// Issue time, Unix seconds (at most `u32::MAX`).
    pub issued_at: u64,
    /// Expiry time, Unix seconds (at most `u32::MAX`, not before `issued_at`).
    pub expires_at: u64,
    /// Sequence number: must increase with every snapshot of the same subject (profiles) or ruleset.
    pub sequence: u64,
    /// Site or tenant id (see [`super::is_valid_audience`]).
    pub audience: &'a str,
    /// Pseudonymous subject for a profile (see [`crate::subject::is_valid_subject`]); empty for a ruleset.
    pub subject: &'a str,
}

/// Builds and signs a snapshot whose payload is `payload` encoded with [`codec::encode`].
///
/// Fails with [`SnapshotError::InvalidInput`] if a parameter breaks the header rules.
pub fn sign<T: codec::Encodable>(
    params: &SignParams<'_>,
    payload: &T,
    key: &SigningKey,
) -> Result<Vec<u8>, SnapshotError> {
    let payload = codec::try_encode(payload).map_err(|_| SnapshotError::InvalidInput {
        field: "payload",
        reason: "cannot be encoded",
    })?;
    sign_encoded(params, &payload, key)
}

/// Builds and signs a snapshot around payload bytes that are already encoded. The verifier decodes them as
/// the document type it expects, so they should be a [`codec::encode`] of that type.
pub fn sign_encoded(
    params: &SignParams<'_>,
    payload: &[u8],
    key: &SigningKey,
) -> Result<Vec<u8>, SnapshotError> {
    let header = SnapshotHeader {
        version: FORMAT_VERSION,
        kind: params.kind,
        key_id: KeyId::of(&key.verifying_key()),
        issued_at: params.issued_at,
        expires_at: params.expires_at,
        sequence: params.sequence,
        audience: params.audience.to_owned(),
        subject: params.subject.to_owned(),
    };
    let capacity = header
        .encoded_len()
        .saturating_add(payload.len())
        .saturating_add(SIGNATURE_LEN);
    let mut out = Vec::with_capacity(capacity);
    header.write(payload.len(), &mut out)?;
    out.extend_from_slice(payload);
    let signature = key.sign(&signing_message(header.kind, &out));
    out.extend_from_slice(&signature.to_bytes());
    Ok(out)
}
