//! Unit tests: header layout round trip and one test per error kind.

use crate::prelude::*;

use super::header::parse;
use super::*;
use crate::codec;
use crate::profile::{sign_profile, verify_profile, Profile};
use ed25519_dalek::SigningKey;

const NOW: u64 = 1_767_225_600; // 2026-01-01T00:00:00Z
const AUDIENCE: &str = "shop.example";

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

fn ring() -> Keyring {
    Keyring::from_keys([key(1).verifying_key()])
}

fn profile() -> Profile {
    Profile {
        subject: "c_42".into(),
        locale: "de-DE".into(),
        country: "DE".into(),
        ..Profile::default()
    }
}

fn params(kind: SnapshotKind) -> SignParams<'static> {
    SignParams {
        kind,
        issued_at: NOW - 60,
        expires_at: NOW + 3600,
        sequence: 7,
        audience: AUDIENCE,
        subject: match kind {
            SnapshotKind::Profile => "c_42",
            SnapshotKind::Ruleset => "",
        },
    }
}

fn signed_profile() -> Vec<u8> {
    sign(&params(SnapshotKind::Profile), &profile(), &key(1)).unwrap()
}

fn opts() -> VerifyOptions {
    VerifyOptions::profile(NOW, AUDIENCE)
}

fn expect_err(result: Result<Verified<Profile>, SnapshotError>, code: &str) -> SnapshotError {
    let err = result.expect_err("must be rejected");
    assert_eq!(err.code(), code, "{err}");
    err
}

fn header() -> SnapshotHeader {
    SnapshotHeader {
        version: FORMAT_VERSION,
        kind: SnapshotKind::Profile,
        key_id: KeyId([1, 2, 3, 4, 5, 6, 7, 8]),
        issued_at: 0x0102_0304,
        expires_at: 0x0506_0708,
        sequence: 0x1122_3344_5566_7788,
        audience: "site-1".into(),
        subject: "subj".into(),
    }
}

#[test]
fn header_round_trips_through_bytes() {
    let header = header();
    let mut bytes = Vec::new();
    header.write(3, &mut bytes).unwrap();
    assert_eq!(bytes.len(), header.encoded_len());
    bytes.extend_from_slice(&[9, 9, 9]);
    bytes.extend_from_slice(&[0u8; SIGNATURE_LEN]);
    let raw = parse(&bytes).unwrap();
    assert_eq!(raw.header, header);
    assert_eq!(raw.payload, [9, 9, 9]);
    assert_eq!(raw.signed.len(), header.encoded_len() + 3);
    assert_eq!(inspect(&bytes).unwrap(), (header, &[9u8, 9, 9][..]));
}

#[test]
fn header_bytes_are_the_documented_layout() {
    let mut bytes = Vec::new();
    header().write(0x0102, &mut bytes).unwrap();
    let expected: Vec<u8> = [
        &b"PESN"[..],
        &[1, 1],
        &[1, 2, 3, 4, 5, 6, 7, 8],
        &[0x04, 0x03, 0x02, 0x01],
        &[0x08, 0x07, 0x06, 0x05],
        &[0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11],
        &[6, 4],
        &[0x02, 0x01, 0, 0],
        b"site-1",
        b"subj",
    ]
    .concat();
    assert_eq!(bytes, expected);
    assert_eq!(FIXED_HEADER_LEN, 36);
}

#[test]
fn signing_message_is_length_prefixed_parts() {
    let message = signing_message(SnapshotKind::Ruleset, b"abc");
    let expected: Vec<u8> = [
        &24u64.to_le_bytes()[..],
        b"persona-edge/snapshot/v1",
        &7u64.to_le_bytes(),
        b"ruleset",
        &3u64.to_le_bytes(),
        b"abc",
    ]
    .concat();
    assert_eq!(message, expected);
}

#[test]
fn valid_snapshot_verifies() {
    let bytes = signed_profile();
    let verified = verify_profile(&bytes, &ring(), &opts().with_subject("c_42")).unwrap();
    assert_eq!(verified.document, profile());
    assert_eq!(verified.header.sequence, 7);
    assert_eq!(verified.signer, KeyId::of(&key(1).verifying_key()));
    assert_eq!(verified.header.key_id, verified.signer);
    let generic: Verified<Profile> = verify(&bytes, &ring(), &opts()).unwrap();
    assert_eq!(generic, verified);
    let via_helper = sign_profile(&profile(), NOW - 60, NOW + 3600, 7, AUDIENCE, &key(1)).unwrap();
    assert_eq!(via_helper, bytes);
}

#[test]
fn error_oversized() {
    let bytes = signed_profile();
    let err = expect_err(
        verify_profile(&bytes, &ring(), &opts().with_max_bytes(bytes.len() - 1)),
        "oversized",
    );
    assert_eq!(
        err,
        SnapshotError::Oversized {
            len: bytes.len(),
            max: bytes.len() - 1
        }
    );
    assert!(verify_profile(&bytes, &ring(), &opts().with_max_bytes(bytes.len())).is_ok());
}

#[test]
fn error_truncated() {
    let bytes = signed_profile();
    let short = &bytes[..bytes.len() - 1];
    let err = expect_err(verify_profile(short, &ring(), &opts()), "truncated");
    assert_eq!(
        err,
        SnapshotError::Truncated {
            len: bytes.len() - 1,
            needed: bytes.len()
        }
    );
    assert_eq!(
        inspect(&bytes[..20]).unwrap_err(),
        SnapshotError::Truncated {
            len: 20,
            needed: FIXED_HEADER_LEN
        }
    );
    assert_eq!(inspect(b"PE").unwrap_err().code(), "truncated");
}

#[test]
fn error_bad_magic() {
    let mut bytes = signed_profile();
    bytes[0] = b'X';
    let err = expect_err(verify_profile(&bytes, &ring(), &opts()), "bad_magic");
    assert_eq!(err, SnapshotError::BadMagic);
}

#[test]
fn error_unsupported_version() {
    let mut bytes = signed_profile();
    bytes[4] = 2;
    let err = expect_err(
        verify_profile(&bytes, &ring(), &opts()),
        "unsupported_version",
    );
    assert_eq!(err, SnapshotError::UnsupportedVersion { version: 2 });
    // The version is checked before the rest of the layout: a future format may look entirely different.
    assert_eq!(
        inspect(b"PESN\x02").unwrap_err(),
        SnapshotError::UnsupportedVersion { version: 2 }
    );
}

#[test]
fn error_malformed_header() {
    let mut bytes = signed_profile();
    bytes[5] = 9; // no such kind
    let err = expect_err(verify_profile(&bytes, &ring(), &opts()), "malformed_header");
    assert_eq!(
        err,
        SnapshotError::MalformedHeader {
            reason: "unknown kind"
        }
    );
    let mut trailing = signed_profile();
    trailing.push(0);
    assert_eq!(
        inspect(&trailing).unwrap_err(),
        SnapshotError::MalformedHeader {
            reason: "bytes after the signature"
        }
    );
    let mut bad_subject = signed_profile();
    let at = FIXED_HEADER_LEN + AUDIENCE.len();
    bad_subject[at] = b'@';
    assert_eq!(
        inspect(&bad_subject).unwrap_err().code(),
        "malformed_header"
    );
    let mut not_ascii = signed_profile();
    not_ascii[FIXED_HEADER_LEN] = 0xC3;
    assert_eq!(inspect(&not_ascii).unwrap_err().code(), "malformed_header");
}

#[test]
fn error_unknown_key() {
    let bytes = sign(&params(SnapshotKind::Profile), &profile(), &key(2)).unwrap();
    let err = expect_err(verify_profile(&bytes, &ring(), &opts()), "unknown_key");
    assert_eq!(
        err,
        SnapshotError::UnknownKey {
            key_id: KeyId::of(&key(2).verifying_key())
        }
    );
}

#[test]
fn error_tampered() {
    let mut bytes = signed_profile();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    let err = expect_err(verify_profile(&bytes, &ring(), &opts()), "tampered");
    assert_eq!(err, SnapshotError::Tampered);
    // A payload byte changed: same.
    let mut payload_changed = signed_profile();
    payload_changed[FIXED_HEADER_LEN + AUDIENCE.len() + 4 + 2] ^= 0x20;
    assert_eq!(
        verify_profile(&payload_changed, &ring(), &opts()).unwrap_err(),
        SnapshotError::Tampered
    );
}

#[test]
fn error_expired() {
    let bytes = signed_profile();
    let expires_at = NOW + 3600;
    let late = expires_at + VerifyOptions::DEFAULT_CLOCK_SKEW_SECS + 1;
    let err = expect_err(
        verify_profile(&bytes, &ring(), &VerifyOptions::profile(late, AUDIENCE)),
        "expired",
    );
    assert_eq!(
        err,
        SnapshotError::Expired {
            expires_at,
            now: late
        }
    );
    // At the edge of the skew allowance it is still valid.
    let edge = VerifyOptions::profile(late - 1, AUDIENCE);
    assert!(verify_profile(&bytes, &ring(), &edge).is_ok());
    let strict = VerifyOptions::profile(expires_at + 1, AUDIENCE).with_clock_skew(0);
    assert_eq!(
        verify_profile(&bytes, &ring(), &strict).unwrap_err().code(),
        "expired"
    );
}

#[test]
fn error_not_yet_valid() {
    let bytes = signed_profile();
    let issued_at = NOW - 60;
    let early = issued_at - VerifyOptions::DEFAULT_CLOCK_SKEW_SECS - 1;
    let err = expect_err(
        verify_profile(&bytes, &ring(), &VerifyOptions::profile(early, AUDIENCE)),
        "not_yet_valid",
    );
    assert_eq!(
        err,
        SnapshotError::NotYetValid {
            issued_at,
            now: early
        }
    );
    let edge = VerifyOptions::profile(early + 1, AUDIENCE);
    assert!(verify_profile(&bytes, &ring(), &edge).is_ok());
}

#[test]
fn error_wrong_audience() {
    let bytes = signed_profile();
    let err = expect_err(
        verify_profile(
            &bytes,
            &ring(),
            &VerifyOptions::profile(NOW, "other.example"),
        ),
        "wrong_audience",
    );
    assert_eq!(
        err,
        SnapshotError::WrongAudience {
            expected: "other.example".into(),
            found: AUDIENCE.into()
        }
    );
}

#[test]
fn error_wrong_subject() {
    let bytes = signed_profile();
    let err = expect_err(
        verify_profile(&bytes, &ring(), &opts().with_subject("c_43")),
        "wrong_subject",
    );
    assert_eq!(
        err,
        SnapshotError::WrongSubject {
            expected: "c_43".into(),
            found: "c_42".into()
        }
    );
}

#[test]
fn error_wrong_kind() {
    let ruleset = sign(
        &params(SnapshotKind::Ruleset),
        &vec![String::from("rule")],
        &key(1),
    )
    .unwrap();
    let err = expect_err(verify_profile(&ruleset, &ring(), &opts()), "wrong_kind");
    assert_eq!(
        err,
        SnapshotError::WrongKind {
            expected: SnapshotKind::Profile,
            found: SnapshotKind::Ruleset
        }
    );
    // The other way round, through the generic verifier.
    let profile_opts = VerifyOptions::ruleset(NOW, AUDIENCE);
    let err = verify::<Vec<String>>(&signed_profile(), &ring(), &profile_opts).unwrap_err();
    assert_eq!(
        err,
        SnapshotError::WrongKind {
            expected: SnapshotKind::Ruleset,
            found: SnapshotKind::Profile
        }
    );
    let ok = verify::<Vec<String>>(&ruleset, &ring(), &profile_opts).unwrap();
    assert_eq!(ok.document, ["rule"]);
}

#[test]
fn error_rollback() {
    let bytes = signed_profile();
    let err = expect_err(
        verify_profile(&bytes, &ring(), &opts().with_min_sequence(8)),
        "rollback",
    );
    assert_eq!(
        err,
        SnapshotError::Rollback {
            sequence: 7,
            min_sequence: 8
        }
    );
    // The same sequence again is accepted.
    assert!(verify_profile(&bytes, &ring(), &opts().with_min_sequence(7)).is_ok());
}

#[test]
fn error_malformed_payload() {
    // Signed by a trusted key, but the payload is not a Profile.
    let not_a_profile = sign(&params(SnapshotKind::Profile), &42u8, &key(1)).unwrap();
    let err = expect_err(
        verify_profile(&not_a_profile, &ring(), &opts()),
        "malformed_payload",
    );
    assert!(matches!(err, SnapshotError::MalformedPayload { .. }));
    // A profile followed by a stray byte.
    let mut encoded = codec::encode(&profile());
    encoded.push(0);
    let trailing = sign_encoded(&params(SnapshotKind::Profile), &encoded, &key(1)).unwrap();
    assert_eq!(
        verify_profile(&trailing, &ring(), &opts()).unwrap_err(),
        SnapshotError::MalformedPayload {
            reason: "trailing bytes after the encoded value"
        }
    );
    // A profile whose own subject differs from the header's.
    let other = Profile {
        subject: "c_99".into(),
        ..profile()
    };
    let mismatch = sign(&params(SnapshotKind::Profile), &other, &key(1)).unwrap();
    assert_eq!(
        verify_profile(&mismatch, &ring(), &opts())
            .unwrap_err()
            .code(),
        "malformed_payload"
    );
}

#[test]
fn error_invalid_input() {
    let profile = profile();
    let cases = [
        (
            "audience",
            SignParams {
                audience: "",
                ..params(SnapshotKind::Profile)
            },
        ),
        (
            "audience",
            SignParams {
                audience: "a b",
                ..params(SnapshotKind::Profile)
            },
        ),
        (
            "subject",
            SignParams {
                subject: "",
                ..params(SnapshotKind::Profile)
            },
        ),
        (
            "subject",
            SignParams {
                subject: "ana@example.com",
                ..params(SnapshotKind::Profile)
            },
        ),
        (
            "subject",
            SignParams {
                subject: "c_42",
                ..params(SnapshotKind::Ruleset)
            },
        ),
        (
            "issued_at",
            SignParams {
                issued_at: 1 << 32,
                expires_at: 1 << 33,
                ..params(SnapshotKind::Profile)
            },
        ),
        (
            "expires_at",
            SignParams {
                expires_at: 1 << 32,
                ..params(SnapshotKind::Profile)
            },
        ),
        (
            "expires_at",
            SignParams {
                expires_at: NOW - 61,
                ..params(SnapshotKind::Profile)
            },
        ),
    ];
    for (field, params) in cases {
        let err = sign(&params, &profile, &key(1)).unwrap_err();
        assert_eq!(err.code(), "invalid_input");
        assert!(
            matches!(err, SnapshotError::InvalidInput { field: f, .. } if f == field),
            "{field}: {err}"
        );
    }
    let long = "a".repeat(MAX_AUDIENCE_LEN + 1);
    let err = sign(
        &SignParams {
            audience: &long,
            ..params(SnapshotKind::Profile)
        },
        &profile,
        &key(1),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        SnapshotError::InvalidInput {
            field: "audience",
            ..
        }
    ));
}

#[test]
fn error_invalid_key() {
    let err = Keyring::new().add_str("not a key").unwrap_err();
    assert_eq!(err.code(), "invalid_key");
    assert!(matches!(err, SnapshotError::InvalidKey { .. }));
}

#[test]
fn codes_are_distinct_and_snake_case() {
    let mut codes = SnapshotError::CODES.to_vec();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), SnapshotError::CODES.len());
    for code in codes {
        assert!(code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
    }
}

#[test]
fn options_deserialize_with_defaults() {
    let opts: VerifyOptions =
        serde_json::from_str(r#"{"now": 5, "audience": "a", "kind": "ruleset"}"#).unwrap();
    assert_eq!(opts, VerifyOptions::ruleset(5, "a"));
    assert_eq!(opts.effective_max_bytes(), 256 << 10);
    assert_eq!(
        VerifyOptions::profile(5, "a").effective_max_bytes(),
        16 << 10
    );
}

/// Signs hand-made header bytes, as a faulty signer in another language might.
fn sign_raw(header_bytes: &[u8], kind: SnapshotKind, payload: &[u8], key: &SigningKey) -> Vec<u8> {
    use ed25519_dalek::Signer;
    let mut out = header_bytes.to_vec();
    out.extend_from_slice(payload);
    let signature = key.sign(&signing_message(kind, &out));
    out.extend_from_slice(&signature.to_bytes());
    out
}

#[test]
fn error_malformed_header_kind_rule_is_checked_after_the_signature() {
    // A profile snapshot without a subject, correctly signed: the header parses (the subject may be empty
    // for some kinds), the signature verifies, then the kind rule refuses it.
    let payload = codec::encode(&Profile::default());
    let ruleset_header = SnapshotHeader {
        kind: SnapshotKind::Ruleset,
        subject: String::new(),
        key_id: KeyId::of(&key(1).verifying_key()),
        audience: AUDIENCE.into(),
        issued_at: NOW,
        expires_at: NOW,
        ..header()
    };
    let mut bytes = Vec::new();
    ruleset_header.write(payload.len(), &mut bytes).unwrap();
    bytes[5] = SnapshotKind::Profile.to_byte();
    let signed = sign_raw(&bytes, SnapshotKind::Profile, &payload, &key(1));
    assert_eq!(inspect(&signed).unwrap().0.kind, SnapshotKind::Profile);
    assert_eq!(
        verify_profile(&signed, &ring(), &opts()).unwrap_err(),
        SnapshotError::MalformedHeader {
            reason: "a profile snapshot needs a subject"
        }
    );
    // Signed by another key (the header still names the trusted one), the signature fails first.
    let foreign = sign_raw(&bytes, SnapshotKind::Profile, &payload, &key(2));
    assert_eq!(
        verify_profile(&foreign, &ring(), &opts()).unwrap_err(),
        SnapshotError::Tampered
    );
}
