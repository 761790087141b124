//! Every single-bit change and every truncation of a realistic profile snapshot is rejected, without panic.

#[path = "support/snapshots.rs"]
mod common;

use common::*;
use persona_edge::profile::{sign_profile, verify_profile};
use persona_edge::snapshot::{inspect, Keyring, VerifyOptions};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

fn setup() -> (Vec<u8>, Keyring, VerifyOptions) {
    let signed = sign_profile(
        &realistic_profile(),
        ISSUED_AT,
        EXPIRES_AT,
        SEQUENCE,
        AUDIENCE,
        &current_key(),
    )
    .unwrap();
    // Two trusted keys, as during a rotation: a flipped key id may then name the other trusted key.
    let ring = Keyring::from_keys([current_key().verifying_key(), next_key().verifying_key()]);
    let opts = VerifyOptions::profile(NOW, AUDIENCE).with_subject(SUBJECT);
    (signed, ring, opts)
}

#[test]
fn every_single_bit_flip_is_rejected() {
    let (signed, ring, opts) = setup();
    assert!(verify_profile(&signed, &ring, &opts).is_ok());
    let mut codes: BTreeMap<&'static str, usize> = BTreeMap::new();
    for byte in 0..signed.len() {
        for bit in 0..8 {
            let mut mutated = signed.clone();
            mutated[byte] ^= 1 << bit;
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                let _ = inspect(&mutated);
                verify_profile(&mutated, &ring, &opts)
            }));
            match outcome {
                Err(_) => panic!("verify panicked on byte {byte} bit {bit}"),
                Ok(Ok(_)) => panic!("bit flip at byte {byte} bit {bit} was accepted"),
                Ok(Err(err)) => *codes.entry(err.code()).or_default() += 1,
            }
        }
    }
    println!("{} mutations rejected: {codes:?}", signed.len() * 8);
    assert_eq!(codes.values().sum::<usize>(), signed.len() * 8);
    // Most changes are caught by the signature.
    assert!(codes.get("tampered").copied().unwrap_or(0) > signed.len() * 8 / 2);
}

#[test]
fn every_truncation_is_rejected() {
    let (signed, ring, opts) = setup();
    for len in 0..signed.len() {
        let short = &signed[..len];
        let outcome = catch_unwind(|| {
            (
                inspect(short).map(|_| ()),
                verify_profile(short, &ring, &opts),
            )
        });
        match outcome {
            Err(_) => panic!("panicked on a truncation to {len} bytes"),
            Ok((inspected, verified)) => {
                assert!(verified.is_err(), "truncation to {len} bytes accepted");
                assert!(inspected.is_err(), "truncation to {len} bytes parsed");
                assert_eq!(verified.unwrap_err().code(), "truncated", "{len} bytes");
            }
        }
    }
}

#[test]
fn appended_bytes_are_rejected() {
    let (signed, ring, opts) = setup();
    for extra in [&[0u8][..], &[0xff; 64]] {
        let mut longer = signed.clone();
        longer.extend_from_slice(extra);
        assert!(verify_profile(&longer, &ring, &opts).is_err());
    }
}
