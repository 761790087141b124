//! Building and signing snapshots, and the exact message the signature covers.

use super::{KeyId, SnapshotError, SnapshotHeader, SnapshotKind, FORMAT_VERSION, SIGNATURE_LEN};
use crate::codec;
use crate::profile::Profile;
use ed25519_dalek::{Signer, SigningKey};

/// The domain-separation context at the start of every signed message. A signing key used for snapshots
/// must sign nothing but [`signing_message`]s, so no other signed message can pass for a snapshot.
pub const SIGNING_CONTEXT: &[u8] = b"persona-edge/snapshot/v1";

/// The message an Ed25519 snapshot signature covers: a pre-authentication encoding (as in DSSE/PASETO) of
/// three parts, each preceded by its length as a u64 little-endian:
/// [`SIGNING_CONTEXT`], the kind name (`"profile"` or `"ruleset"`) and `signed`, the exact header and
/// payload bytes of the snapshot (everything before the signature).
pub fn signing_message(kind: SnapshotKind, signed: &[u8]) -> Vec<u8> {
    let parts: [&[u8]; 3] = [SIGNING_CONTEXT, kind.name().as_bytes(), signed];
    let total = parts.iter().map(|p| p.len().saturating_add(8)).sum();
    let mut out = Vec::with_capacity(total);
    for part in parts {
        out.extend_from_slice(&(part.len() as u64).to_le_bytes());
        out.extend_from_slice(part);
    }
    out
}

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
    /// Pseudonymous subject for a profile (see [`crate::profile::is_valid_subject`]); empty for a ruleset.
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

/// Builds and signs the profile snapshot of `profile`; the subject is `profile.subject`.
pub fn sign_profile(
    profile: &Profile,
    issued_at: u64,
    expires_at: u64,
    sequence: u64,
    audience: &str,
    key: &SigningKey,
) -> Result<Vec<u8>, SnapshotError> {
    let params = SignParams {
        kind: SnapshotKind::Profile,
        issued_at,
        expires_at,
        sequence,
        audience,
        subject: &profile.subject,
    };
    sign(&params, profile, key)
}
