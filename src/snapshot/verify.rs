//! Verifying snapshots, in a fixed order, and inspecting them without verification.

use super::header::parse;
use super::{KeyId, Keyring, SnapshotError, SnapshotHeader, SnapshotKind};
use crate::codec;
use crate::profile::Profile;
use ed25519_dalek::Signature;
use serde::{Deserialize, Serialize};

/// The payload may claim this many times the snapshot size cap as bincode's decoding budget (decoded
/// structures take more memory than their encoding).
pub const DECODE_BUDGET_FACTOR: usize = 4;

/// What the verifier expects of a snapshot. Time comes in here: verification never reads a clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyOptions {
    /// The verifier's current time, Unix seconds.
    pub now: u64,
    /// The site or tenant this verifier serves; the snapshot's audience must equal it.
    pub audience: String,
    /// The kind of snapshot expected.
    pub kind: SnapshotKind,
    /// The subject expected, if known (e.g. the id in the session); `None` accepts any subject.
    #[serde(default)]
    pub subject: Option<String>,
    /// The lowest sequence number accepted (the highest already seen); `None` disables the rollback check.
    #[serde(default)]
    pub min_sequence: Option<u64>,
    /// Clock skew tolerated on both ends of the validity window, in seconds (default 300).
    #[serde(default = "default_clock_skew")]
    pub clock_skew_secs: u64,
    /// Size cap for the whole snapshot in bytes; `None` uses [`SnapshotKind::default_max_bytes`].
    #[serde(default)]
    pub max_bytes: Option<usize>,
}

fn default_clock_skew() -> u64 {
    VerifyOptions::DEFAULT_CLOCK_SKEW_SECS
}

impl VerifyOptions {
    /// Default clock skew allowance, seconds.
    pub const DEFAULT_CLOCK_SKEW_SECS: u64 = 300;

    /// Options for a snapshot of `kind` for `audience` at time `now`, with the defaults: any subject, no
    /// rollback check, 300 s skew, the kind's default size cap.
    pub fn new(kind: SnapshotKind, now: u64, audience: impl Into<String>) -> VerifyOptions {
        VerifyOptions {
            now,
            audience: audience.into(),
            kind,
            subject: None,
            min_sequence: None,
            clock_skew_secs: Self::DEFAULT_CLOCK_SKEW_SECS,
            max_bytes: None,
        }
    }

    /// Options for a profile snapshot.
    pub fn profile(now: u64, audience: impl Into<String>) -> VerifyOptions {
        VerifyOptions::new(SnapshotKind::Profile, now, audience)
    }

    /// Options for a ruleset snapshot.
    pub fn ruleset(now: u64, audience: impl Into<String>) -> VerifyOptions {
        VerifyOptions::new(SnapshotKind::Ruleset, now, audience)
    }

    /// Requires this subject.
    pub fn with_subject(mut self, subject: impl Into<String>) -> VerifyOptions {
        self.subject = Some(subject.into());
        self
    }

    /// Requires a sequence number of at least `min_sequence`.
    pub fn with_min_sequence(mut self, min_sequence: u64) -> VerifyOptions {
        self.min_sequence = Some(min_sequence);
        self
    }

    /// Sets the clock skew allowance.
    pub fn with_clock_skew(mut self, secs: u64) -> VerifyOptions {
        self.clock_skew_secs = secs;
        self
    }

    /// Sets the size cap.
    pub fn with_max_bytes(mut self, max_bytes: usize) -> VerifyOptions {
        self.max_bytes = Some(max_bytes);
        self
    }

    /// The size cap in force: `max_bytes`, or the default for the expected kind.
    pub fn effective_max_bytes(&self) -> usize {
        self.max_bytes
            .unwrap_or_else(|| self.kind.default_max_bytes())
    }
}

/// A verified snapshot: its header and its decoded document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified<T> {
    /// The header (signature checked, all checks passed).
    pub header: SnapshotHeader,
    /// The decoded payload.
    pub document: T,
    /// Id of the trusted key whose signature verified (normally `header.key_id`).
    pub signer: KeyId,
}

/// Runs every check but the payload decoding, in the required order, and returns the header, the payload
/// bytes and the id of the key that verified.
fn check<'a>(
    bytes: &'a [u8],
    keyring: &Keyring,
    opts: &VerifyOptions,
    expected_kind: SnapshotKind,
) -> Result<(SnapshotHeader, &'a [u8], KeyId), SnapshotError> {
    // 1. Size cap: before any work.
    let max = opts.effective_max_bytes();
    if bytes.len() > max {
        return Err(SnapshotError::Oversized {
            len: bytes.len(),
            max,
        });
    }
    // 2. Layout and header rules (magic, version, lengths, field forms).
    let raw = parse(bytes)?;
    // 3. Signature: nothing below looks at a field an attacker could have chosen.
    let message = super::signing_message(raw.header.kind, raw.signed);
    let signer = keyring.verify(
        raw.header.key_id,
        &message,
        &Signature::from_bytes(&raw.signature),
    )?;
    let header = raw.header;
    // A signed header that breaks the kind rule was made by a faulty signer.
    header.check_signed_kind_rules()?;
    let now = opts.now;
    let skew = opts.clock_skew_secs;
    // 4. Validity window, with the skew allowance on both ends.
    if header.expires_at.saturating_add(skew) < now {
        return Err(SnapshotError::Expired {
            expires_at: header.expires_at,
            now,
        });
    }
    if header.issued_at.saturating_sub(skew) > now {
        return Err(SnapshotError::NotYetValid {
            issued_at: header.issued_at,
            now,
        });
    }
    // 5. Audience, 6. subject, 7. kind.
    if header.audience != opts.audience {
        return Err(SnapshotError::WrongAudience {
            expected: opts.audience.clone(),
            found: header.audience,
        });
    }
    if let Some(subject) = &opts.subject {
        if header.subject != *subject {
            return Err(SnapshotError::WrongSubject {
                expected: subject.clone(),
                found: header.subject,
            });
        }
    }
    if header.kind != expected_kind {
        return Err(SnapshotError::WrongKind {
            expected: expected_kind,
            found: header.kind,
        });
    }
    // 8. Rollback: an equal sequence number is the same snapshot again, which is fine.
    if let Some(min_sequence) = opts.min_sequence {
        if header.sequence < min_sequence {
            return Err(SnapshotError::Rollback {
                sequence: header.sequence,
                min_sequence,
            });
        }
    }
    Ok((header, raw.payload, signer))
}

fn decode_payload<T: codec::Decodable>(
    payload: &[u8],
    opts: &VerifyOptions,
) -> Result<T, SnapshotError> {
    let budget = opts
        .effective_max_bytes()
        .saturating_mul(DECODE_BUDGET_FACTOR);
    codec::decode(payload, budget).map_err(|err| SnapshotError::MalformedPayload {
        reason: err.to_string(),
    })
}

/// Verifies a snapshot of kind `opts.kind` and decodes its payload as a `T`.
///
/// Checks, in this order, stopping at the first failure: size cap ([`SnapshotError::Oversized`]), header
/// layout ([`SnapshotError::Truncated`], [`SnapshotError::BadMagic`], [`SnapshotError::UnsupportedVersion`],
/// [`SnapshotError::MalformedHeader`]), signature against the keyring ([`SnapshotError::UnknownKey`],
/// [`SnapshotError::Tampered`]; then the kind's subject rule, [`SnapshotError::MalformedHeader`]), validity window ([`SnapshotError::Expired`],
/// [`SnapshotError::NotYetValid`]), audience, subject, kind, rollback; only then is the payload decoded
/// ([`SnapshotError::MalformedPayload`]), within a bounded budget and with no trailing bytes allowed.
pub fn verify<T: codec::Decodable>(
    bytes: &[u8],
    keyring: &Keyring,
    opts: &VerifyOptions,
) -> Result<Verified<T>, SnapshotError> {
    let (header, payload, signer) = check(bytes, keyring, opts, opts.kind)?;
    let document = decode_payload(payload, opts)?;
    Ok(Verified {
        header,
        document,
        signer,
    })
}

/// Verifies a profile snapshot (as [`verify`]) and decodes the [`Profile`]. The expected kind is always
/// [`SnapshotKind::Profile`] (`opts.kind` is not consulted). The profile's own subject must equal the
/// header's, or the payload is malformed.
pub fn verify_profile(
    bytes: &[u8],
    keyring: &Keyring,
    opts: &VerifyOptions,
) -> Result<Verified<Profile>, SnapshotError> {
    let (header, payload, signer) = check(bytes, keyring, opts, SnapshotKind::Profile)?;
    let document: Profile = decode_payload(payload, opts)?;
    if document.subject != header.subject {
        return Err(SnapshotError::MalformedPayload {
            reason: "the profile's subject differs from the header's".into(),
        });
    }
    Ok(Verified {
        header,
        document,
        signer,
    })
}

/// Parses a snapshot WITHOUT verifying it: the header and the payload bytes as they are. Nothing returned
/// is authenticated (no signature, expiry, audience or other check is made); use it to display or debug a
/// snapshot, never to trust one. Fails only if the layout is broken.
pub fn inspect(bytes: &[u8]) -> Result<(SnapshotHeader, &[u8]), SnapshotError> {
    parse(bytes).map(|raw| (raw.header, raw.payload))
}
