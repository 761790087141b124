//! Ruleset snapshots: a compiled ruleset signed into the snapshot envelope, and verified back.

use super::Ruleset;
use crate::snapshot::{
    self, Keyring, SignParams, SnapshotError, SnapshotKind, Verified, VerifyOptions,
};
use ed25519_dalek::SigningKey;

/// Signs a compiled ruleset into a ruleset snapshot.
pub fn sign_ruleset(
    ruleset: &Ruleset,
    issued_at: u64,
    expires_at: u64,
    sequence: u64,
    audience: &str,
    key: &SigningKey,
) -> Result<Vec<u8>, SnapshotError> {
    let params = SignParams {
        kind: SnapshotKind::Ruleset,
        issued_at,
        expires_at,
        sequence,
        audience,
        subject: "",
    };
    snapshot::sign(&params, ruleset, key)
}

/// Verifies a ruleset snapshot (in the envelope's order: size, header, signature, validity, audience, kind,
/// rollback, then decoding) and checks the decoded ruleset so evaluation can never go out of bounds.
/// The expected kind is always [`SnapshotKind::Ruleset`].
pub fn verify_ruleset(
    bytes: &[u8],
    keyring: &Keyring,
    opts: &VerifyOptions,
) -> Result<Verified<Ruleset>, SnapshotError> {
    let opts = VerifyOptions {
        kind: SnapshotKind::Ruleset,
        ..opts.clone()
    };
    let verified: Verified<Ruleset> = snapshot::verify(bytes, keyring, &opts)?;
    verified
        .document
        .validate()
        .map_err(|e| SnapshotError::MalformedPayload {
            reason: e.to_string(),
        })?;
    Ok(verified)
}
