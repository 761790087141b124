//! Property tests: payload encoding round trip, verify(sign(x)) == x, and no panic on arbitrary bytes.

#[path = "support/snapshots.rs"]
mod common;
mod support;

use common::*;
use persona_edge::codec;
use persona_edge::profile::Profile;
use persona_edge::profile::{sign_profile, verify_profile};
use persona_edge::snapshot::{inspect, verify, Keyring, SnapshotKind, VerifyOptions};
use proptest::collection::vec;
use proptest::prelude::*;
use support::arb_profile;

proptest! {
    #[test]
    fn payload_encoding_round_trips(profile in arb_profile()) {
        let bytes = codec::encode(&profile);
        prop_assert_eq!(codec::decode::<Profile>(&bytes, 1 << 20), Ok(profile));
    }

    #[test]
    fn verify_of_sign_is_identity(
        profile in arb_profile(),
        audience in "[A-Za-z0-9._:-]{1,64}",
        issued_at in 0..=u64::from(u32::MAX),
        lifetime in 0u64..=30 * 86_400,
        age in 0u64..=30 * 86_400,
        sequence in any::<u64>(),
    ) {
        let expires_at = issued_at.saturating_add(lifetime).min(u64::from(u32::MAX));
        let now = issued_at + age.min(expires_at - issued_at);
        let signed = sign_profile(&profile, issued_at, expires_at, sequence, &audience, &current_key()).unwrap();
        let ring = Keyring::from_keys([next_key().verifying_key(), current_key().verifying_key()]);
        let opts = VerifyOptions::profile(now, audience.clone())
            .with_subject(profile.subject.clone())
            .with_min_sequence(sequence)
            .with_max_bytes(1 << 20);
        let verified = verify_profile(&signed, &ring, &opts).unwrap();
        prop_assert_eq!(&verified.document, &profile);
        prop_assert_eq!(verified.header.sequence, sequence);
        prop_assert_eq!(verified.header.issued_at, issued_at);
        prop_assert_eq!(verified.header.expires_at, expires_at);
        prop_assert_eq!(&verified.header.audience, &audience);
        let (header, payload) = inspect(&signed).unwrap();
        prop_assert_eq!(header, verified.header);
        let encoded = codec::encode(&profile);
        prop_assert_eq!(payload, encoded.as_slice());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..600)) {
        let ring = Keyring::from_keys([current_key().verifying_key()]);
        let _ = inspect(&bytes);
        prop_assert!(verify_profile(&bytes, &ring, &VerifyOptions::profile(NOW, AUDIENCE)).is_err());
        let ruleset = VerifyOptions::ruleset(NOW, AUDIENCE);
        prop_assert!(verify::<Vec<String>>(&bytes, &ring, &ruleset).is_err());
    }

    #[test]
    fn bytes_behind_a_valid_prefix_never_panic(
        kind in 0u8..=3,
        rest in vec(any::<u8>(), 0..600),
    ) {
        let mut bytes = b"PESN\x01".to_vec();
        bytes.push(kind);
        bytes.extend_from_slice(&rest);
        let ring = Keyring::from_keys([current_key().verifying_key()]);
        let _ = inspect(&bytes);
        prop_assert!(verify_profile(&bytes, &ring, &VerifyOptions::profile(NOW, AUDIENCE)).is_err());
    }

    #[test]
    fn random_rewrites_of_a_valid_snapshot_are_rejected(
        edits in vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let signed = sign_profile(&realistic_profile(), ISSUED_AT, EXPIRES_AT, SEQUENCE, AUDIENCE, &current_key()).unwrap();
        let mut mutated = signed.clone();
        for (index, value) in edits {
            let at = index.index(mutated.len());
            mutated[at] = value;
        }
        let ring = Keyring::from_keys([current_key().verifying_key()]);
        let result = verify_profile(&mutated, &ring, &VerifyOptions::profile(NOW, AUDIENCE));
        prop_assert_eq!(result.is_ok(), mutated == signed);
    }

    #[test]
    fn arbitrary_payloads_decode_without_panic(bytes in vec(any::<u8>(), 0..2000)) {
        let _ = codec::decode::<Profile>(&bytes, 1 << 16);
    }
}

#[test]
fn generic_and_profile_verifiers_agree_on_kind() {
    let signed = sign_profile(
        &realistic_profile(),
        ISSUED_AT,
        EXPIRES_AT,
        SEQUENCE,
        AUDIENCE,
        &current_key(),
    )
    .unwrap();
    let ring = Keyring::from_keys([current_key().verifying_key()]);
    let opts = VerifyOptions::new(SnapshotKind::Profile, NOW, AUDIENCE);
    let generic = verify::<Profile>(&signed, &ring, &opts).unwrap();
    assert_eq!(generic, verify_profile(&signed, &ring, &opts).unwrap());
}
