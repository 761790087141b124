//! Profile snapshots: a profile signed into the snapshot envelope, and verified back (as
//! `ruleset::snapshot` does for rulesets).

use super::Profile;
#[cfg(not(target_arch = "wasm32"))]
use crate::snapshot::{self, Keyring, SignParams};
use crate::snapshot::{KeyId, Opened, SnapshotError, SnapshotKind, Verified, VerifyOptions};
#[cfg(not(target_arch = "wasm32"))]
use ed25519_dalek::SigningKey;

#[cfg(not(target_arch = "wasm32"))]
use crate::prelude::*;

/// Builds and signs the profile snapshot of `profile`; the subject is `profile.subject`.
#[cfg(not(target_arch = "wasm32"))]
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
    snapshot::sign(&params, profile, key)
}

/// After trusted key `signer` verified an opened profile snapshot: every other check in the
/// envelope's order ([`Opened::accept`]), decoding, then the profile's own subject must equal the
/// header's, or the payload is malformed.
pub fn accept_profile(
    opened: Opened<'_>,
    signer: KeyId,
    opts: &VerifyOptions,
) -> Result<Verified<Profile>, SnapshotError> {
    let verified: Verified<Profile> = opened.accept(signer, opts, SnapshotKind::Profile)?;
    if verified.document.subject != verified.header.subject {
        return Err(SnapshotError::MalformedPayload {
            reason: "the profile's subject differs from the header's",
        });
    }
    Ok(verified)
}

/// Verifies a profile snapshot (as [`snapshot::verify`]) and decodes the [`Profile`]. The expected
/// kind is always [`SnapshotKind::Profile`] (`opts.kind` is not consulted). The profile's own
/// subject must equal the header's, or the payload is malformed.
#[cfg(not(target_arch = "wasm32"))]
pub fn verify_profile(
    bytes: &[u8],
    keyring: &Keyring,
    opts: &VerifyOptions,
) -> Result<Verified<Profile>, SnapshotError> {
    let (opened, signer) = snapshot::open_signed(bytes, keyring, opts)?;
    accept_profile(opened, signer, opts)
}
