//! The exact message a snapshot signature covers (no cryptography here: natively ed25519-dalek signs and
//! verifies it, in JavaScript hosts WebCrypto verifies it).

use crate::prelude::*;

use super::SnapshotKind;

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
