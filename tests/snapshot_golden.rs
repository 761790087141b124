//! Checks the golden vectors in `tests/fixtures/snapshots/` (written by `cargo run --example
//! golden_snapshots`): every case gives its expected result, and re-signing every valid case from the
//! manifest's JSON reproduces the snapshot bytes exactly (Ed25519 signatures are deterministic).

#[path = "support/snapshots.rs"]
mod common;

use ed25519_dalek::SigningKey;
use persona_edge::profile::Profile;
use persona_edge::profile::{sign_profile, verify_profile};
use persona_edge::snapshot::{
    public_key_to_base64url, public_key_to_hex, signing_message, verify, KeyId, Keyring,
    SnapshotError, SnapshotHeader, SnapshotKind, VerifyOptions, SIGNATURE_LEN,
};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/snapshots")
}

fn manifest() -> Value {
    let text = std::fs::read_to_string(fixtures().join("manifest.json")).expect("manifest.json");
    serde_json::from_str(&text).expect("manifest is JSON")
}

fn from_hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

/// The TEST ONLY signing keys of the manifest, by key id; checks their public keys and ids.
fn signing_keys(manifest: &Value) -> BTreeMap<String, SigningKey> {
    let mut keys = BTreeMap::new();
    for key in manifest["keys"].as_array().expect("keys") {
        let seed: [u8; 32] = from_hex(key["test_only_seed_hex"].as_str().unwrap())
            .try_into()
            .expect("32-byte seed");
        let signing = SigningKey::from_bytes(&seed);
        let public = signing.verifying_key();
        assert_eq!(key["public_key_hex"], public_key_to_hex(&public));
        assert_eq!(
            key["public_key_base64url"],
            public_key_to_base64url(&public)
        );
        let id = KeyId::of(&public).to_hex();
        assert_eq!(key["key_id"], id);
        keys.insert(id, signing);
    }
    keys
}

fn outcome(bytes: &[u8], ring: &Keyring, opts: &VerifyOptions) -> Value {
    let result = match opts.kind {
        SnapshotKind::Profile => verify_profile(bytes, ring, opts).map(|v| {
            json!({"result": "ok", "header": v.header, "signer": v.signer, "document": v.document})
        }),
        SnapshotKind::Ruleset => verify::<Vec<String>>(bytes, ring, opts).map(|v| {
            json!({"result": "ok", "header": v.header, "signer": v.signer, "document": v.document})
        }),
    };
    result.unwrap_or_else(|err: SnapshotError| json!({"result": "error", "code": err.code()}))
}

#[test]
fn every_golden_case_has_its_expected_result() {
    let manifest = manifest();
    signing_keys(&manifest);
    let ring = Keyring::from_strs(
        manifest["keyring"]
            .as_array()
            .expect("keyring")
            .iter()
            .map(|k| k.as_str().expect("hex key")),
    )
    .expect("valid keys");
    assert_eq!(ring.len(), 2);
    let mut codes = BTreeSet::new();
    for case in manifest["cases"].as_array().expect("cases") {
        let name = case["name"].as_str().unwrap();
        let bytes = std::fs::read(fixtures().join(case["file"].as_str().unwrap())).expect(name);
        assert_eq!(case["size"], bytes.len(), "{name}");
        let opts: VerifyOptions = serde_json::from_value(case["options"].clone()).expect(name);
        let actual = outcome(&bytes, &ring, &opts);
        let expected = &case["expected"];
        assert_eq!(actual["result"], expected["result"], "{name}: {actual}");
        if expected["result"] == "ok" {
            assert_eq!(actual["header"], expected["header"], "{name}");
            assert_eq!(actual["signer"], expected["signer"], "{name}");
            assert_eq!(actual["document"], expected["document"], "{name}");
            codes.insert("ok".to_owned());
        } else {
            assert_eq!(actual["code"], expected["code"], "{name}");
            codes.insert(expected["code"].as_str().unwrap().to_owned());
        }
    }
    for required in [
        "ok",
        "tampered",
        "expired",
        "not_yet_valid",
        "wrong_audience",
        "wrong_subject",
        "rollback",
        "wrong_kind",
        "unknown_key",
        "truncated",
        "unsupported_version",
    ] {
        assert!(codes.contains(required), "no golden case for {required}");
    }
}

#[test]
fn resigning_the_valid_cases_reproduces_the_bytes() {
    let manifest = manifest();
    let keys = signing_keys(&manifest);
    let mut resigned = 0;
    for case in manifest["cases"].as_array().expect("cases") {
        let expected = &case["expected"];
        if expected["result"] != "ok" {
            continue;
        }
        let name = case["name"].as_str().unwrap();
        let bytes = std::fs::read(fixtures().join(case["file"].as_str().unwrap())).expect(name);
        let header: SnapshotHeader =
            serde_json::from_value(expected["header"].clone()).expect(name);
        let profile: Profile = serde_json::from_value(expected["document"].clone()).expect(name);
        let key = &keys[expected["signer"].as_str().unwrap()];
        let again = sign_profile(
            &profile,
            header.issued_at,
            header.expires_at,
            header.sequence,
            &header.audience,
            key,
        )
        .expect(name);
        assert_eq!(again, bytes, "{name}: re-signing differs");
        resigned += 1;
    }
    assert!(resigned >= 2);
}

#[test]
fn the_valid_case_documents_its_signing_message_and_payload() {
    let manifest = manifest();
    let case = &manifest["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "valid_profile")
        .expect("valid_profile case")
        .clone();
    let bytes = std::fs::read(fixtures().join(case["file"].as_str().unwrap())).unwrap();
    let signed = &bytes[..bytes.len() - SIGNATURE_LEN];
    let message = signing_message(SnapshotKind::Profile, signed);
    assert_eq!(
        from_hex(case["signing_message_hex"].as_str().unwrap()),
        message
    );
    let offset = case["payload_offset"].as_u64().unwrap() as usize;
    assert_eq!(
        from_hex(case["payload_hex"].as_str().unwrap()),
        &signed[offset..]
    );
    // The fixtures were generated from the shared sample profile and TEST ONLY key.
    let profile: Profile = serde_json::from_value(case["expected"]["document"].clone()).unwrap();
    assert_eq!(profile, common::realistic_profile());
    assert_eq!(
        case["expected"]["signer"],
        KeyId::of(&common::current_key().verifying_key()).to_hex()
    );
}

#[test]
fn every_fixture_file_is_in_the_manifest() {
    let manifest = manifest();
    let listed: BTreeSet<String> = manifest["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["file"].as_str().unwrap().to_owned())
        .collect();
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".bin") {
            assert!(listed.contains(&name), "{name} is not in the manifest");
        }
    }
}
