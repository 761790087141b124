//! Verifying snapshots, in a fixed order, and inspecting them without verification.

use crate::prelude::*;

use super::header::parse;
#[cfg(not(target_arch = "wasm32"))]
use super::Keyring;
use super::{KeyId, SnapshotError, SnapshotHeader, SnapshotKind, SIGNATURE_LEN};
use crate::codec;
use serde::{Deserialize, Serialize};

/// The decoding limit of a payload ([`codec::decode`]'s `limit`) is this many times the snapshot size cap
/// (decoded structures take more memory than their encoding; allocations are bounded by
/// [`codec::DECODE_BUDGET`]).
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

/// A snapshot whose size and layout passed, signature NOT yet checked: what a signature verifier needs
/// ([`Opened::message`], [`Opened::signature`], the key id hint in the header), and, once one trusted key
/// verified it, [`Opened::accept`] runs every other check and decodes. Natively [`verify`] does all three
/// steps; in JavaScript hosts WebCrypto checks the signature between them, on bytes the binding owns.
#[derive(Debug)]
pub struct Opened<'a> {
    /// The parsed header (not authenticated yet).
    pub header: SnapshotHeader,
    signed: &'a [u8],
    payload: &'a [u8],
    signature: [u8; SIGNATURE_LEN],
}

/// Checks 1 and 2 of the verification order: the size cap (before any work), then the layout and the
/// kind-independent header rules (magic, version, lengths, field forms).
pub fn open(bytes: &[u8], max_bytes: usize) -> Result<Opened<'_>, SnapshotError> {
    if bytes.len() > max_bytes {
        return Err(SnapshotError::Oversized {
            len: bytes.len(),
            max: max_bytes,
        });
    }
    let raw = parse(bytes)?;
    Ok(Opened {
        header: raw.header,
        signed: raw.signed,
        payload: raw.payload,
        signature: raw.signature,
    })
}

/// Checks 4 to 8 of the verification order on an authenticated header: validity window (with the skew
/// allowance on both ends), audience, subject, kind, rollback. Also what is re-checked when a snapshot
/// verified earlier is used again (its time or the caller's expectations may have moved).
pub fn check_header(
    header: &SnapshotHeader,
    opts: &VerifyOptions,
    expected_kind: SnapshotKind,
) -> Result<(), SnapshotError> {
    let now = opts.now;
    let skew = opts.clock_skew_secs;
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
    if header.audience != opts.audience {
        return Err(SnapshotError::WrongAudience {
            expected: opts.audience.clone(),
            found: header.audience.clone(),
        });
    }
    if let Some(subject) = &opts.subject {
        if header.subject != *subject {
            return Err(SnapshotError::WrongSubject {
                expected: subject.clone(),
                found: header.subject.clone(),
            });
        }
    }
    if header.kind != expected_kind {
        return Err(SnapshotError::WrongKind {
            expected: expected_kind,
            found: header.kind,
        });
    }
    // An equal sequence number is the same snapshot again, which is fine.
    if let Some(min_sequence) = opts.min_sequence {
        if header.sequence < min_sequence {
            return Err(SnapshotError::Rollback {
                sequence: header.sequence,
                min_sequence,
            });
        }
    }
    Ok(())
}

impl Opened<'_> {
    /// The exact bytes the signature covers ([`super::signing_message`]).
    pub fn message(&self) -> Vec<u8> {
        super::signing_message(self.header.kind, self.signed)
    }

    /// The signature bytes.
    pub fn signature(&self) -> &[u8; SIGNATURE_LEN] {
        &self.signature
    }

    /// After trusted key `signer` verified [`Opened::signature`] over [`Opened::message`]: the kind's
    /// subject rule (a signed header that breaks it was made by a faulty signer), then [`check_header`]
    /// against `opts` for kind `expected_kind`, then the payload decoded as a `T` within a bounded budget,
    /// no trailing bytes allowed.
    pub fn accept<T: codec::Decodable>(
        self,
        signer: KeyId,
        opts: &VerifyOptions,
        expected_kind: SnapshotKind,
    ) -> Result<Verified<T>, SnapshotError> {
        self.header.check_signed_kind_rules()?;
        check_header(&self.header, opts, expected_kind)?;
        let document = decode_payload(self.payload, opts)?;
        Ok(Verified {
            header: self.header,
            document,
            signer,
        })
    }
}

fn decode_payload<T: codec::Decodable>(
    payload: &[u8],
    opts: &VerifyOptions,
) -> Result<T, SnapshotError> {
    let budget = opts
        .effective_max_bytes()
        .saturating_mul(DECODE_BUDGET_FACTOR);
    codec::decode(payload, budget).map_err(|err| SnapshotError::MalformedPayload {
        reason: err.reason(),
    })
}

/// Opens a snapshot and checks its signature against the keyring (checks 1 to 3; native builds):
/// the start of every kind's `verify_…`, before [`Opened::accept`].
#[cfg(not(target_arch = "wasm32"))]
pub fn open_signed<'a>(
    bytes: &'a [u8],
    keyring: &Keyring,
    opts: &VerifyOptions,
) -> Result<(Opened<'a>, KeyId), SnapshotError> {
    let opened = open(bytes, opts.effective_max_bytes())?;
    // Nothing after this looks at a field an attacker could have chosen.
    let signer = keyring.verify_opened(&opened)?;
    Ok((opened, signer))
}

/// Verifies a snapshot of kind `opts.kind` and decodes its payload as a `T`.
///
/// Checks, in this order, stopping at the first failure: size cap ([`SnapshotError::Oversized`]), header
/// layout ([`SnapshotError::Truncated`], [`SnapshotError::BadMagic`], [`SnapshotError::UnsupportedVersion`],
/// [`SnapshotError::MalformedHeader`]), signature against the keyring ([`SnapshotError::UnknownKey`],
/// [`SnapshotError::Tampered`]; then the kind's subject rule, [`SnapshotError::MalformedHeader`]), validity window ([`SnapshotError::Expired`],
/// [`SnapshotError::NotYetValid`]), audience, subject, kind, rollback; only then is the payload decoded
/// ([`SnapshotError::MalformedPayload`]), within a bounded budget and with no trailing bytes allowed.
#[cfg(not(target_arch = "wasm32"))]
pub fn verify<T: codec::Decodable>(
    bytes: &[u8],
    keyring: &Keyring,
    opts: &VerifyOptions,
) -> Result<Verified<T>, SnapshotError> {
    let (opened, signer) = open_signed(bytes, keyring, opts)?;
    opened.accept(signer, opts, opts.kind)
}

/// Parses a snapshot WITHOUT verifying it: the header and the payload bytes as they are. Nothing returned
/// is authenticated (no signature, expiry, audience or other check is made); use it to display or debug a
/// snapshot, never to trust one. Fails only if the layout is broken.
pub fn inspect(bytes: &[u8]) -> Result<(SnapshotHeader, &[u8]), SnapshotError> {
    parse(bytes).map(|raw| (raw.header, raw.payload))
}
