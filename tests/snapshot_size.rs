//! Size budget of a realistic profile snapshot, with JSON and a JWT-like token for comparison.
//! Run with `cargo test --test snapshot_size -- --nocapture` to see the numbers.

#[path = "support/snapshots.rs"]
mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::*;
use ed25519_dalek::Signer;
use persona_edge::codec;
use persona_edge::profile::{sign_profile, verify_profile};
use persona_edge::snapshot::{
    inspect, KeyId, Keyring, VerifyOptions, FIXED_HEADER_LEN, SIGNATURE_LEN,
};

/// Cookie values are limited to about 4096 bytes; the snapshot must leave room for everything else.
const MAX_SIGNED: usize = 512;
const MAX_BASE64URL: usize = 700;

#[test]
fn realistic_profile_snapshot_fits_the_budget() {
    let profile = realistic_profile();
    let key = current_key();
    let signed = sign_profile(&profile, ISSUED_AT, EXPIRES_AT, SEQUENCE, AUDIENCE, &key).unwrap();
    let (header, payload) = inspect(&signed).unwrap();
    assert_eq!(payload, codec::encode(&profile).as_slice());
    let overhead = signed.len() - payload.len();
    assert_eq!(
        overhead,
        FIXED_HEADER_LEN + AUDIENCE.len() + SUBJECT.len() + SIGNATURE_LEN
    );
    let b64 = URL_SAFE_NO_PAD.encode(&signed);

    // The same profile as JSON, and as a JWT-like token carrying the same claims.
    let json = serde_json::to_vec(&profile).unwrap();
    let jwt_header = serde_json::json!({
        "alg": "EdDSA",
        "typ": "JWT",
        "kid": header.key_id.to_hex(),
    });
    let jwt_claims = serde_json::json!({
        "aud": AUDIENCE,
        "sub": SUBJECT,
        "iat": ISSUED_AT,
        "exp": EXPIRES_AT,
        "seq": SEQUENCE,
        "kind": "profile",
        "profile": profile,
    });
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&jwt_header).unwrap()),
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&jwt_claims).unwrap())
    );
    let jwt_signature = key.sign(signing_input.as_bytes()).to_bytes();
    let jwt = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(jwt_signature));

    println!("realistic profile snapshot:");
    println!("  payload (bincode)        {:>5} bytes", payload.len());
    println!("  header + signature       {:>5} bytes", overhead);
    println!("  signed snapshot          {:>5} bytes", signed.len());
    println!("  snapshot as base64url    {:>5} chars", b64.len());
    println!("  profile as JSON          {:>5} bytes", json.len());
    println!("  JWT-like token (EdDSA)   {:>5} chars", jwt.len());

    assert!(overhead <= 136, "overhead {overhead}");
    assert!(
        signed.len() <= MAX_SIGNED,
        "signed snapshot {} bytes",
        signed.len()
    );
    assert!(b64.len() <= MAX_BASE64URL, "base64url {} chars", b64.len());

    // And it verifies.
    let ring = Keyring::from_keys([key.verifying_key()]);
    let opts = VerifyOptions::profile(NOW, AUDIENCE).with_subject(SUBJECT);
    let verified = verify_profile(&signed, &ring, &opts).unwrap();
    assert_eq!(verified.document, profile);
    assert_eq!(verified.signer, KeyId::of(&key.verifying_key()));
}
