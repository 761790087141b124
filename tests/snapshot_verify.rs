//! Key rotation, kind confusion and the verification order.

#[path = "support/snapshots.rs"]
mod common;

use common::*;
use ed25519_dalek::SigningKey;
use persona_edge::profile::Profile;
use persona_edge::profile::{sign_profile, verify_profile};
use persona_edge::snapshot::{
    sign, sign_encoded, verify, KeyId, Keyring, SignParams, SnapshotError, SnapshotKind,
    VerifyOptions,
};

/// Offset of the key id in the header.
const KEY_ID_AT: usize = 6;
/// Offset of the kind byte in the header.
const KIND_AT: usize = 5;

fn profile_signed_by(key: &SigningKey) -> Vec<u8> {
    sign_profile(
        &realistic_profile(),
        ISSUED_AT,
        EXPIRES_AT,
        SEQUENCE,
        AUDIENCE,
        key,
    )
    .unwrap()
}

fn ruleset_params() -> SignParams<'static> {
    SignParams {
        kind: SnapshotKind::Ruleset,
        issued_at: ISSUED_AT,
        expires_at: EXPIRES_AT,
        sequence: 3,
        audience: AUDIENCE,
        subject: "",
    }
}

/// A ruleset snapshot with a placeholder payload (a list of strings): these tests are about the envelope.
fn ruleset_signed_by(key: &SigningKey) -> Vec<u8> {
    let rules = vec![String::from("placeholder rule")];
    sign(&ruleset_params(), &rules, key).unwrap()
}

fn opts() -> VerifyOptions {
    VerifyOptions::profile(NOW, AUDIENCE)
}

fn both_keys() -> Keyring {
    Keyring::from_keys([current_key().verifying_key(), next_key().verifying_key()])
}

#[test]
fn rotation_ring_accepts_old_and_new_key() {
    let ring = both_keys();
    let old = verify_profile(&profile_signed_by(&current_key()), &ring, &opts()).unwrap();
    let new = verify_profile(&profile_signed_by(&next_key()), &ring, &opts()).unwrap();
    assert_eq!(old.document, new.document);
    assert_eq!(old.signer, KeyId::of(&current_key().verifying_key()));
    assert_eq!(new.signer, KeyId::of(&next_key().verifying_key()));
    // After the rotation the old key is dropped: its snapshots name a key the ring no longer has.
    let mut after = both_keys();
    assert!(after.remove(&KeyId::of(&current_key().verifying_key())));
    assert_eq!(
        verify_profile(&profile_signed_by(&current_key()), &after, &opts()).unwrap_err(),
        SnapshotError::UnknownKey {
            key_id: KeyId::of(&current_key().verifying_key())
        }
    );
}

#[test]
fn key_not_in_the_ring_is_unknown_key() {
    let err =
        verify_profile(&profile_signed_by(&stranger_key()), &both_keys(), &opts()).unwrap_err();
    assert_eq!(
        err,
        SnapshotError::UnknownKey {
            key_id: KeyId::of(&stranger_key().verifying_key())
        }
    );
    assert_eq!(err.code(), "unknown_key");
}

#[test]
fn rewritten_key_id_hint_breaks_the_signature() {
    // The key id is inside the signed header: pointing it at the other trusted key is tampering,
    // even though the real signer is trusted and is tried as well.
    let mut bytes = profile_signed_by(&current_key());
    let next_id = KeyId::of(&next_key().verifying_key());
    bytes[KEY_ID_AT..KEY_ID_AT + 8].copy_from_slice(&next_id.0);
    assert_eq!(
        verify_profile(&bytes, &both_keys(), &opts()).unwrap_err(),
        SnapshotError::Tampered
    );
    // Pointing it at a key that is not trusted: no trusted key verifies, the hint is unknown.
    let stranger_id = KeyId::of(&stranger_key().verifying_key());
    bytes[KEY_ID_AT..KEY_ID_AT + 8].copy_from_slice(&stranger_id.0);
    assert_eq!(
        verify_profile(&bytes, &both_keys(), &opts()).unwrap_err(),
        SnapshotError::UnknownKey {
            key_id: stranger_id
        }
    );
}

#[test]
fn ruleset_presented_as_profile_is_wrong_kind() {
    let ruleset = ruleset_signed_by(&current_key());
    let err = verify_profile(&ruleset, &both_keys(), &opts()).unwrap_err();
    assert_eq!(
        err,
        SnapshotError::WrongKind {
            expected: SnapshotKind::Profile,
            found: SnapshotKind::Ruleset
        }
    );
    // Through the generic verifier too.
    let err = verify::<Profile>(&ruleset, &both_keys(), &opts()).unwrap_err();
    assert_eq!(err.code(), "wrong_kind");
    // And it is a perfectly good ruleset.
    let ok = verify::<Vec<String>>(
        &ruleset,
        &both_keys(),
        &VerifyOptions::ruleset(NOW, AUDIENCE),
    );
    assert_eq!(ok.unwrap().document, ["placeholder rule"]);
}

#[test]
fn rewritten_kind_byte_breaks_the_signature() {
    // A ruleset relabelled as a profile: the kind is signed (the byte and, in the signed message, the
    // name), so this is tampering, not a profile.
    let mut ruleset = ruleset_signed_by(&current_key());
    assert_eq!(ruleset[KIND_AT], 2);
    ruleset[KIND_AT] = 1;
    assert_eq!(
        verify_profile(&ruleset, &both_keys(), &opts()).unwrap_err(),
        SnapshotError::Tampered
    );
    // A profile relabelled as a ruleset, the other way round.
    let mut profile = profile_signed_by(&current_key());
    profile[KIND_AT] = 2;
    assert_eq!(
        verify::<Vec<String>>(
            &profile,
            &both_keys(),
            &VerifyOptions::ruleset(NOW, AUDIENCE)
        )
        .unwrap_err(),
        SnapshotError::Tampered
    );
}

#[test]
fn order_signature_before_expiry() {
    // Expired AND signed by an unknown key: the signature is checked first.
    let late = VerifyOptions::profile(EXPIRES_AT + 10_000, AUDIENCE);
    assert_eq!(
        verify_profile(&profile_signed_by(&stranger_key()), &both_keys(), &late)
            .unwrap_err()
            .code(),
        "unknown_key"
    );
    let mut tampered = profile_signed_by(&current_key());
    let last = tampered.len() - 1;
    tampered[last] ^= 0x80;
    assert_eq!(
        verify_profile(&tampered, &both_keys(), &late)
            .unwrap_err()
            .code(),
        "tampered"
    );
}

#[test]
fn order_size_then_header_then_signature() {
    let bytes = profile_signed_by(&stranger_key());
    let small = opts().with_max_bytes(100);
    assert_eq!(
        verify_profile(&bytes, &both_keys(), &small)
            .unwrap_err()
            .code(),
        "oversized"
    );
    let mut bad_version = bytes.clone();
    bad_version[4] = 7;
    assert_eq!(
        verify_profile(&bad_version, &both_keys(), &opts())
            .unwrap_err()
            .code(),
        "unsupported_version"
    );
}

#[test]
fn order_after_the_signature() {
    let bytes = profile_signed_by(&current_key());
    let ring = both_keys();
    let code = |opts: VerifyOptions| verify_profile(&bytes, &ring, &opts).unwrap_err().code();
    // expiry before audience
    assert_eq!(
        code(VerifyOptions::profile(EXPIRES_AT + 10_000, "other.example")),
        "expired"
    );
    assert_eq!(
        code(VerifyOptions::profile(ISSUED_AT - 10_000, "other.example")),
        "not_yet_valid"
    );
    // audience before subject
    assert_eq!(
        code(VerifyOptions::profile(NOW, "other.example").with_subject("c_other")),
        "wrong_audience"
    );
    // subject before rollback
    assert_eq!(
        code(
            opts()
                .with_subject("c_other")
                .with_min_sequence(SEQUENCE + 1)
        ),
        "wrong_subject"
    );
    assert_eq!(code(opts().with_min_sequence(SEQUENCE + 1)), "rollback");
    // subject before kind, kind before rollback
    let ruleset = ruleset_signed_by(&current_key());
    let code = |opts: VerifyOptions| verify_profile(&ruleset, &ring, &opts).unwrap_err().code();
    assert_eq!(code(opts().with_subject(SUBJECT)), "wrong_subject");
    assert_eq!(code(opts().with_min_sequence(100)), "wrong_kind");
}

#[test]
fn payload_is_decoded_last() {
    // A trusted signature over a payload that is not a profile, with a rollback: rollback wins, and the
    // payload is never decoded.
    let params = SignParams {
        kind: SnapshotKind::Profile,
        issued_at: ISSUED_AT,
        expires_at: EXPIRES_AT,
        sequence: 1,
        audience: AUDIENCE,
        subject: SUBJECT,
    };
    let garbage = sign_encoded(&params, &[0xff; 40], &current_key()).unwrap();
    let ring = both_keys();
    assert_eq!(
        verify_profile(&garbage, &ring, &opts().with_min_sequence(2))
            .unwrap_err()
            .code(),
        "rollback"
    );
    assert_eq!(
        verify_profile(&garbage, &ring, &opts()).unwrap_err().code(),
        "malformed_payload"
    );
}
