//! Ruleset snapshots: a compiled ruleset signed into the snapshot envelope, and verified back.

use super::Ruleset;
#[cfg(not(target_arch = "wasm32"))]
use crate::prelude::*;
#[cfg(not(target_arch = "wasm32"))]
use crate::snapshot::{self, Keyring, SignParams};
use crate::snapshot::{KeyId, Opened, SnapshotError, SnapshotKind, Verified, VerifyOptions};
#[cfg(not(target_arch = "wasm32"))]
use ed25519_dalek::SigningKey;

/// The reason given when a signed ruleset decodes but does not validate (made by a faulty signer: the
/// store validates every ruleset before signing it).
pub const INVALID_RULESET: &str = "the decoded ruleset does not validate";

/// Signs a compiled ruleset into a ruleset snapshot.
#[cfg(not(target_arch = "wasm32"))]
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

/// After trusted key `signer` verified an opened ruleset snapshot: every other check in the envelope's
/// order (validity, audience, kind, rollback), decoding, then the decoded ruleset is checked so evaluation
/// can never go out of bounds.
pub fn accept_ruleset(
    opened: Opened<'_>,
    signer: KeyId,
    opts: &VerifyOptions,
) -> Result<Verified<Ruleset>, SnapshotError> {
    let verified: Verified<Ruleset> = opened.accept(signer, opts, SnapshotKind::Ruleset)?;
    verified
        .document
        .validate()
        .map_err(|_| SnapshotError::MalformedPayload {
            reason: INVALID_RULESET,
        })?;
    Ok(verified)
}

/// Verifies a ruleset snapshot (in the envelope's order: size, header, signature, validity, audience, kind,
/// rollback, then decoding) and checks the decoded ruleset so evaluation can never go out of bounds.
/// The expected kind is always [`SnapshotKind::Ruleset`].
#[cfg(not(target_arch = "wasm32"))]
pub fn verify_ruleset(
    bytes: &[u8],
    keyring: &Keyring,
    opts: &VerifyOptions,
) -> Result<Verified<Ruleset>, SnapshotError> {
    let opts = VerifyOptions {
        kind: SnapshotKind::Ruleset,
        ..opts.clone()
    };
    let (opened, signer) = snapshot::open_signed(bytes, keyring, &opts)?;
    accept_ruleset(opened, signer, &opts)
}
