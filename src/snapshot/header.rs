//! The snapshot header and the fixed byte layout of a snapshot (see `docs/FORMAT.md`).
//!
//! ```text
//! offset      width  field
//! 0           4      magic "PESN"
//! 4           1      format version (1)
//! 5           1      kind (1 profile, 2 ruleset)
//! 6           8      key id
//! 14          4      issued_at   u32 LE, Unix seconds
//! 18          4      expires_at  u32 LE, Unix seconds
//! 22          8      sequence    u64 LE
//! 30          1      audience length A (1..=64)
//! 31          1      subject length S (0..=64)
//! 32          4      payload length P u32 LE
//! 36          A      audience (ASCII)
//! 36+A        S      subject (ASCII)
//! 36+A+S      P      payload (bincode)
//! 36+A+S+P    64     Ed25519 signature
//! ```

use crate::prelude::*;

use super::{KeyId, SnapshotError, KEY_ID_LEN};
use crate::subject::{is_valid_subject, MAX_SUBJECT_LEN};
use serde::{Deserialize, Serialize};

/// The first four bytes of every snapshot.
pub const MAGIC: [u8; 4] = *b"PESN";

/// The snapshot format version this build reads and writes.
pub const FORMAT_VERSION: u8 = 1;

/// Length of the fixed part of the header, before the audience.
pub const FIXED_HEADER_LEN: usize = 36;

/// Length of the Ed25519 signature at the end of a snapshot.
pub const SIGNATURE_LEN: usize = 64;

/// Longest audience accepted.
pub const MAX_AUDIENCE_LEN: usize = 64;

/// What a snapshot carries. The kind is in the header and, by name, in the signed message, so a snapshot
/// of one kind can never pass as another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotKind {
    /// The profile of one customer (the subject).
    Profile,
    /// A ruleset for a site or tenant (no subject).
    Ruleset,
}

impl SnapshotKind {
    /// The kind byte in the header.
    pub const fn to_byte(self) -> u8 {
        match self {
            SnapshotKind::Profile => 1,
            SnapshotKind::Ruleset => 2,
        }
    }

    /// The kind for a header byte.
    pub const fn from_byte(byte: u8) -> Option<SnapshotKind> {
        match byte {
            1 => Some(SnapshotKind::Profile),
            2 => Some(SnapshotKind::Ruleset),
            _ => None,
        }
    }

    /// The stable name, also the kind string in the signed message: `"profile"` or `"ruleset"`.
    pub const fn name(self) -> &'static str {
        match self {
            SnapshotKind::Profile => "profile",
            SnapshotKind::Ruleset => "ruleset",
        }
    }

    /// The default size cap for a snapshot of this kind: 16 KiB for a profile, 256 KiB for a ruleset.
    pub const fn default_max_bytes(self) -> usize {
        match self {
            SnapshotKind::Profile => 16 << 10,
            SnapshotKind::Ruleset => 256 << 10,
        }
    }
}

impl core::fmt::Display for SnapshotKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether an audience (site or tenant id) has the allowed form: 1..=64 characters from `[A-Za-z0-9._:-]`.
pub fn is_valid_audience(audience: &str) -> bool {
    !audience.is_empty()
        && audience.len() <= MAX_AUDIENCE_LEN
        && audience
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// The header of a snapshot: who it is for, how long it is valid, which key signed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotHeader {
    /// Format version (always [`FORMAT_VERSION`] for a parsed header).
    pub version: u8,
    /// What the payload is.
    pub kind: SnapshotKind,
    /// Fingerprint of the signing key: a hint of which trusted key to try first.
    pub key_id: KeyId,
    /// When the snapshot was issued, Unix seconds (at most `u32::MAX`).
    pub issued_at: u64,
    /// When the snapshot expires, Unix seconds (at most `u32::MAX`, not before `issued_at`).
    pub expires_at: u64,
    /// Sequence number, increasing per subject (profiles) or per ruleset: guards against rollback.
    pub sequence: u64,
    /// The site or tenant the snapshot is for (see [`is_valid_audience`]).
    pub audience: String,
    /// The pseudonymous subject of a profile snapshot (see [`is_valid_subject`]); empty for a ruleset.
    pub subject: String,
}

/// A header field that breaks the rules, as (field, reason).
type FieldProblem = (&'static str, &'static str);

impl SnapshotHeader {
    /// Length of this header in bytes (the fixed part plus audience and subject).
    pub fn encoded_len(&self) -> usize {
        FIXED_HEADER_LEN
            .saturating_add(self.audience.len())
            .saturating_add(self.subject.len())
    }

    /// Checks the header rules that hold whatever the kind: version, audience form, subject form (empty
    /// or a valid subject), a validity window that fits in 32 bits and does not end before it starts.
    /// They are checked when parsing, before the signature.
    fn check_fields(&self) -> Result<(), FieldProblem> {
        if self.version != FORMAT_VERSION {
            return Err(("version", "only format version 1 exists"));
        }
        if !is_valid_audience(&self.audience) {
            return Err(("audience", "must be 1..=64 characters from [A-Za-z0-9._:-]"));
        }
        if !self.subject.is_empty() && !is_valid_subject(&self.subject) {
            return Err((
                "subject",
                "must be empty or 1..=64 characters from [A-Za-z0-9_-]",
            ));
        }
        if self.issued_at > u64::from(u32::MAX) {
            return Err(("issued_at", "must fit in 32 bits (before 2106-02-07)"));
        }
        if self.expires_at > u64::from(u32::MAX) {
            return Err(("expires_at", "must fit in 32 bits (before 2106-02-07)"));
        }
        if self.expires_at < self.issued_at {
            return Err(("expires_at", "must not be before issued_at"));
        }
        Ok(())
    }

    /// Checks the rule that depends on the kind: a profile snapshot has a subject, a ruleset snapshot has
    /// none. The verifier checks it only after the signature, so that relabelling the kind byte of a
    /// snapshot is always reported as tampering.
    fn check_kind_rules(&self) -> Result<(), FieldProblem> {
        match self.kind {
            SnapshotKind::Profile if self.subject.is_empty() => {
                Err(("subject", "a profile snapshot needs a subject"))
            }
            SnapshotKind::Ruleset if !self.subject.is_empty() => {
                Err(("subject", "a ruleset snapshot has no subject"))
            }
            _ => Ok(()),
        }
    }

    /// The kind rule, as the verifier reports it (after the signature).
    pub(crate) fn check_signed_kind_rules(&self) -> Result<(), SnapshotError> {
        self.check_kind_rules()
            .map_err(|(_, reason)| SnapshotError::MalformedHeader { reason })
    }

    /// Appends the header bytes for a payload of `payload_len` bytes to `out`.
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) fn write(&self, payload_len: usize, out: &mut Vec<u8>) -> Result<(), SnapshotError> {
        self.check_fields()
            .and_then(|()| self.check_kind_rules())
            .map_err(|(field, reason)| SnapshotError::InvalidInput { field, reason })?;
        let invalid = |field, reason| SnapshotError::InvalidInput { field, reason };
        let issued =
            u32::try_from(self.issued_at).map_err(|_| invalid("issued_at", "too large"))?;
        let expires =
            u32::try_from(self.expires_at).map_err(|_| invalid("expires_at", "too large"))?;
        let audience_len =
            u8::try_from(self.audience.len()).map_err(|_| invalid("audience", "too long"))?;
        let subject_len =
            u8::try_from(self.subject.len()).map_err(|_| invalid("subject", "too long"))?;
        let payload_len =
            u32::try_from(payload_len).map_err(|_| invalid("payload", "longer than 4 GiB"))?;
        out.extend_from_slice(&MAGIC);
        out.push(self.version);
        out.push(self.kind.to_byte());
        out.extend_from_slice(&self.key_id.0);
        out.extend_from_slice(&issued.to_le_bytes());
        out.extend_from_slice(&expires.to_le_bytes());
        out.extend_from_slice(&self.sequence.to_le_bytes());
        out.push(audience_len);
        out.push(subject_len);
        out.extend_from_slice(&payload_len.to_le_bytes());
        out.extend_from_slice(self.audience.as_bytes());
        out.extend_from_slice(self.subject.as_bytes());
        Ok(())
    }
}

/// A snapshot split into its parts, signature NOT checked.
#[derive(Debug)]
pub(crate) struct RawSnapshot<'a> {
    /// The parsed header.
    pub header: SnapshotHeader,
    /// Header and payload bytes: what the signature covers (inside the PAE).
    pub signed: &'a [u8],
    /// The payload bytes.
    pub payload: &'a [u8],
    /// The signature bytes.
    pub signature: [u8; SIGNATURE_LEN],
}

/// Reads fixed-width fields off a byte slice without ever indexing out of bounds.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SnapshotError> {
        let end = self.pos.checked_add(n);
        match end.and_then(|end| self.bytes.get(self.pos..end)) {
            Some(slice) => {
                self.pos = self.pos.saturating_add(n);
                Ok(slice)
            }
            None => Err(SnapshotError::Truncated {
                len: self.bytes.len(),
                needed: end.unwrap_or(usize::MAX),
            }),
        }
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], SnapshotError> {
        let slice = self.take(N)?;
        <[u8; N]>::try_from(slice).map_err(|_| SnapshotError::Truncated {
            len: self.bytes.len(),
            needed: self.pos,
        })
    }

    fn u8(&mut self) -> Result<u8, SnapshotError> {
        self.array::<1>().map(|[b]| b)
    }

    fn u32(&mut self) -> Result<u32, SnapshotError> {
        self.array().map(u32::from_le_bytes)
    }

    fn u64(&mut self) -> Result<u64, SnapshotError> {
        self.array().map(u64::from_le_bytes)
    }

    fn ascii(&mut self, n: usize) -> Result<String, SnapshotError> {
        let bytes = self.take(n)?;
        if bytes.is_ascii() {
            Ok(bytes.iter().map(|b| char::from(*b)).collect())
        } else {
            Err(SnapshotError::MalformedHeader {
                reason: "audience and subject must be ASCII",
            })
        }
    }
}

/// Splits a snapshot into header, payload and signature, checking the layout and the kind-independent
/// header rules but NOT the signature. Checks, in order: magic, version, then the rest of the layout.
pub(crate) fn parse(bytes: &[u8]) -> Result<RawSnapshot<'_>, SnapshotError> {
    let mut cursor = Cursor { bytes, pos: 0 };
    if cursor.array::<4>()? != MAGIC {
        return Err(SnapshotError::BadMagic);
    }
    let version = cursor.u8()?;
    if version != FORMAT_VERSION {
        return Err(SnapshotError::UnsupportedVersion { version });
    }
    // Everything fixed at once, so a short input reports the whole fixed header as needed.
    if bytes.len() < FIXED_HEADER_LEN {
        return Err(SnapshotError::Truncated {
            len: bytes.len(),
            needed: FIXED_HEADER_LEN,
        });
    }
    let kind = SnapshotKind::from_byte(cursor.u8()?).ok_or(SnapshotError::MalformedHeader {
        reason: "unknown kind",
    })?;
    let key_id = KeyId(cursor.array::<KEY_ID_LEN>()?);
    let issued_at = u64::from(cursor.u32()?);
    let expires_at = u64::from(cursor.u32()?);
    let sequence = cursor.u64()?;
    let audience_len = usize::from(cursor.u8()?);
    let subject_len = usize::from(cursor.u8()?);
    let payload_len = usize::try_from(cursor.u32()?).unwrap_or(usize::MAX);
    if audience_len > MAX_AUDIENCE_LEN || subject_len > MAX_SUBJECT_LEN {
        return Err(SnapshotError::MalformedHeader {
            reason: "audience or subject longer than 64 bytes",
        });
    }
    let total = FIXED_HEADER_LEN
        .checked_add(audience_len)
        .and_then(|n| n.checked_add(subject_len))
        .and_then(|n| n.checked_add(payload_len))
        .and_then(|n| n.checked_add(SIGNATURE_LEN))
        .unwrap_or(usize::MAX);
    if bytes.len() < total {
        return Err(SnapshotError::Truncated {
            len: bytes.len(),
            needed: total,
        });
    }
    if bytes.len() > total {
        return Err(SnapshotError::MalformedHeader {
            reason: "bytes after the signature",
        });
    }
    let header = SnapshotHeader {
        version,
        kind,
        key_id,
        issued_at,
        expires_at,
        sequence,
        audience: cursor.ascii(audience_len)?,
        subject: cursor.ascii(subject_len)?,
    };
    header
        .check_fields()
        .map_err(|(_, reason)| SnapshotError::MalformedHeader { reason })?;
    let payload = cursor.take(payload_len)?;
    let signed = bytes.get(..cursor.pos).ok_or(SnapshotError::Truncated {
        len: bytes.len(),
        needed: cursor.pos,
    })?;
    let signature = cursor.array::<SIGNATURE_LEN>()?;
    Ok(RawSnapshot {
        header,
        signed,
        payload,
        signature,
    })
}
