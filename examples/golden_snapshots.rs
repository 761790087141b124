//! Writes the golden snapshot vectors to `tests/fixtures/snapshots/`: snapshot files and a self-describing
//! `manifest.json` (keys, verify options and the expected result of every case). Deterministic: Ed25519
//! signatures are, and every input is fixed. Regenerate with
//!
//! ```text
//! cargo run --example golden_snapshots
//! ```
//!
//! The signing keys are TEST ONLY: their seeds are published in the manifest.

#[path = "../tests/support/snapshots.rs"]
mod common;

use common::*;
use ed25519_dalek::SigningKey;
use persona_edge::codec;
use persona_edge::profile::{sign_profile, verify_profile};
use persona_edge::snapshot::{
    public_key_to_base64url, public_key_to_hex, sign, signing_message, verify, KeyId, Keyring,
    SignParams, SnapshotError, SnapshotKind, VerifyOptions, FIXED_HEADER_LEN, FORMAT_VERSION,
    MAGIC, SIGNATURE_LEN, SIGNING_CONTEXT,
};
use serde_json::{json, Value};
use std::path::PathBuf;

struct Case {
    name: &'static str,
    /// The result the case is meant to have: "ok" or an error code (checked against the verifier).
    intended: &'static str,
    description: &'static str,
    bytes: Vec<u8>,
    options: VerifyOptions,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn key_json(name: &str, key: &SigningKey, trusted: bool) -> Value {
    let public = key.verifying_key();
    json!({
        "name": name,
        "trusted": trusted,
        "test_only_seed_hex": hex(&key.to_bytes()),
        "public_key_hex": public_key_to_hex(&public),
        "public_key_base64url": public_key_to_base64url(&public),
        "key_id": KeyId::of(&public).to_hex(),
    })
}

/// Runs the verifier on a case, to record the expected result (and to make sure it is the intended one).
fn expected(case: &Case, ring: &Keyring) -> Value {
    let result = match case.options.kind {
        SnapshotKind::Profile => verify_profile(&case.bytes, ring, &case.options).map(|v| {
            json!({
                "result": "ok",
                "header": v.header,
                "signer": v.signer,
                "document": v.document,
            })
        }),
        SnapshotKind::Ruleset => verify::<Vec<String>>(&case.bytes, ring, &case.options).map(|v| {
            json!({
                "result": "ok",
                "header": v.header,
                "signer": v.signer,
                "document": v.document,
            })
        }),
    };
    match result {
        Ok(value) => value,
        Err(err) => error_json(&err),
    }
}

fn error_json(err: &SnapshotError) -> Value {
    json!({ "result": "error", "code": err.code(), "message": err.to_string() })
}

/// Pretty JSON with arrays of scalars on one line (the 168-cell histograms stay readable).
fn write_json(value: &Value, indent: usize, out: &mut String) -> serde_json::Result<()> {
    let pad = |n: usize| "  ".repeat(n);
    match value {
        Value::Array(items) if items.iter().any(|v| v.is_array() || v.is_object()) => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&pad(indent + 1));
                write_json(item, indent + 1, out)?;
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(indent));
            out.push(']');
        }
        Value::Object(map) if !map.is_empty() => {
            out.push_str("{\n");
            for (i, (key, item)) in map.iter().enumerate() {
                out.push_str(&pad(indent + 1));
                out.push_str(&serde_json::to_string(key)?);
                out.push_str(": ");
                write_json(item, indent + 1, out)?;
                out.push_str(if i + 1 < map.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(indent));
            out.push('}');
        }
        Value::Array(items) => {
            let items: Vec<String> = items
                .iter()
                .map(serde_json::to_string)
                .collect::<Result<_, _>>()?;
            out.push('[');
            out.push_str(&items.join(", "));
            out.push(']');
        }
        scalar => out.push_str(&serde_json::to_string(scalar)?),
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/snapshots");
    std::fs::create_dir_all(&dir)?;
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|ext| ext == "bin") {
            std::fs::remove_file(path)?;
        }
    }

    let (current, next, stranger) = (current_key(), next_key(), stranger_key());
    let ring = Keyring::from_keys([current.verifying_key(), next.verifying_key()]);
    let profile = realistic_profile();
    let valid = sign_profile(
        &profile, ISSUED_AT, EXPIRES_AT, SEQUENCE, AUDIENCE, &current,
    )?;
    let opts = || {
        VerifyOptions::profile(NOW, AUDIENCE)
            .with_subject(SUBJECT)
            .with_min_sequence(SEQUENCE)
    };
    let payload_at = FIXED_HEADER_LEN + AUDIENCE.len() + SUBJECT.len();
    let patched = |at: usize, f: &dyn Fn(&mut u8)| {
        let mut bytes = valid.clone();
        f(&mut bytes[at]);
        bytes
    };
    // These vectors test the envelope, not the ruleset layout (`tests/decision_golden.rs` has real
    // rulesets): the ruleset payload is a placeholder list of strings (bincode). Its text is kept as
    // first written so that the vectors' bytes stay the same.
    let ruleset_payload = vec![String::from("placeholder ruleset: no ruleset type yet")];
    let ruleset_params = SignParams {
        kind: SnapshotKind::Ruleset,
        issued_at: ISSUED_AT,
        expires_at: EXPIRES_AT,
        sequence: 3,
        audience: AUDIENCE,
        subject: "",
    };
    let ruleset = sign(&ruleset_params, &ruleset_payload, &current)?;
    let mut relabelled = ruleset.clone();
    relabelled[5] = SnapshotKind::Profile.to_byte();
    let mut key_id_rewritten = valid.clone();
    key_id_rewritten[6..14].copy_from_slice(&KeyId::of(&next.verifying_key()).0);
    let skew = VerifyOptions::DEFAULT_CLOCK_SKEW_SECS;
    // The loyalty tier follows subject, locale, country and zone in the payload.
    let before_tier = (
        &profile.subject,
        &profile.locale,
        &profile.country,
        &profile.zone,
    );
    let tier_at = payload_at + codec::encode(&before_tier).len();
    assert_eq!(valid[tier_at], 3, "Gold is variant 3");

    let cases = vec![
        Case {
            name: "valid_profile",
            intended: "ok",
            description: "A realistic profile snapshot signed by the current key; the rollback floor equals its sequence (accepted).",
            bytes: valid.clone(),
            options: opts(),
        },
        Case {
            name: "valid_profile_next_key",
            intended: "ok",
            description: "The same profile signed by the next key: both keys are in the keyring during a rotation.",
            bytes: sign_profile(&profile, ISSUED_AT, EXPIRES_AT, SEQUENCE, AUDIENCE, &next)?,
            options: opts(),
        },
        Case {
            name: "valid_profile_any_subject",
            intended: "ok",
            description: "The valid snapshot verified without an expected subject or rollback floor.",
            bytes: valid.clone(),
            options: VerifyOptions::profile(NOW, AUDIENCE),
        },
        Case {
            name: "expiry_edge_within_skew",
            intended: "ok",
            description: "now = expires_at + clock skew: still accepted.",
            bytes: valid.clone(),
            options: VerifyOptions { now: EXPIRES_AT + skew, ..opts() },
        },
        Case {
            name: "issue_edge_within_skew",
            intended: "ok",
            description: "now = issued_at - clock skew: already accepted.",
            bytes: valid.clone(),
            options: VerifyOptions { now: ISSUED_AT - skew, ..opts() },
        },
        Case {
            name: "tampered_payload",
            intended: "tampered",
            description: "One bit of the payload flipped (the loyalty tier of the profile).",
            bytes: patched(tier_at, &|b| *b ^= 0x01),
            options: opts(),
        },
        Case {
            name: "tampered_signature",
            intended: "tampered",
            description: "One bit of the signature flipped.",
            bytes: patched(valid.len() - 1, &|b| *b ^= 0x40),
            options: opts(),
        },
        Case {
            name: "tampered_sequence",
            intended: "tampered",
            description: "The sequence number raised by one (to get past a rollback floor).",
            bytes: patched(22, &|b| *b = b.wrapping_add(1)),
            options: opts(),
        },
        Case {
            name: "expired",
            intended: "expired",
            description: "now = expires_at + clock skew + 1.",
            bytes: valid.clone(),
            options: VerifyOptions { now: EXPIRES_AT + skew + 1, ..opts() },
        },
        Case {
            name: "not_yet_valid",
            intended: "not_yet_valid",
            description: "now = issued_at - clock skew - 1.",
            bytes: valid.clone(),
            options: VerifyOptions { now: ISSUED_AT - skew - 1, ..opts() },
        },
        Case {
            name: "wrong_audience",
            intended: "wrong_audience",
            description: "The verifier serves another site.",
            bytes: valid.clone(),
            options: VerifyOptions { audience: "other.example.com".into(), ..opts() },
        },
        Case {
            name: "wrong_subject",
            intended: "wrong_subject",
            description: "The verifier expects another subject.",
            bytes: valid.clone(),
            options: VerifyOptions { subject: Some("c_0000000000000000000".into()), ..opts() },
        },
        Case {
            name: "rollback",
            intended: "rollback",
            description: "The verifier has already seen sequence + 1.",
            bytes: valid.clone(),
            options: VerifyOptions { min_sequence: Some(SEQUENCE + 1), ..opts() },
        },
        Case {
            name: "ruleset_as_profile",
            intended: "wrong_kind",
            description: "A validly signed ruleset snapshot (placeholder payload: a bincode list of strings; these vectors test the envelope, not the ruleset layout) presented where a profile is expected.",
            bytes: ruleset.clone(),
            options: VerifyOptions::profile(NOW, AUDIENCE),
        },
        Case {
            name: "ruleset_relabelled_as_profile",
            intended: "tampered",
            description: "The same ruleset snapshot with its kind byte rewritten to 1 (profile): the kind is signed.",
            bytes: relabelled,
            options: VerifyOptions::profile(NOW, AUDIENCE),
        },
        Case {
            name: "key_id_rewritten",
            intended: "tampered",
            description: "The key id hint rewritten to the other trusted key's id: the key id is signed.",
            bytes: key_id_rewritten,
            options: opts(),
        },
        Case {
            name: "unknown_key",
            intended: "unknown_key",
            description: "Signed by a key that is not in the keyring.",
            bytes: sign_profile(&profile, ISSUED_AT, EXPIRES_AT, SEQUENCE, AUDIENCE, &stranger)?,
            options: opts(),
        },
        Case {
            name: "truncated",
            intended: "truncated",
            description: "The valid snapshot without its last byte.",
            bytes: valid[..valid.len() - 1].to_vec(),
            options: opts(),
        },
        Case {
            name: "unsupported_version",
            intended: "unsupported_version",
            description: "The version byte set to 2.",
            bytes: patched(4, &|b| *b = 2),
            options: opts(),
        },
        Case {
            name: "bad_magic",
            intended: "bad_magic",
            description: "The first magic byte changed: not a snapshot.",
            bytes: patched(0, &|b| *b = b'X'),
            options: opts(),
        },
        Case {
            name: "oversized",
            intended: "oversized",
            description: "The verifier caps snapshots at 256 bytes.",
            bytes: valid.clone(),
            options: VerifyOptions { max_bytes: Some(256), ..opts() },
        },
    ];

    let mut case_values = Vec::new();
    for case in &cases {
        let file = format!("{}.bin", case.name);
        std::fs::write(dir.join(&file), &case.bytes)?;
        let mut value = json!({
            "name": case.name,
            "description": case.description,
            "file": file,
            "size": case.bytes.len(),
            "options": case.options,
            "expected": expected(case, &ring),
        });
        if case.name == "valid_profile" {
            let signed = &case.bytes[..case.bytes.len() - SIGNATURE_LEN];
            value["signing_message_hex"] =
                json!(hex(&signing_message(SnapshotKind::Profile, signed)));
            value["payload_offset"] = json!(payload_at);
            value["payload_hex"] = json!(hex(
                &case.bytes[payload_at..case.bytes.len() - SIGNATURE_LEN]
            ));
        }
        let outcome = &value["expected"];
        let actual = outcome["code"].as_str().unwrap_or("ok");
        if actual != case.intended {
            return Err(format!(
                "case {}: intended {}, got {actual}",
                case.name, case.intended
            )
            .into());
        }
        println!(
            "{:<32} {:>4} bytes  {} {}",
            case.name,
            case.bytes.len(),
            outcome["result"].as_str().unwrap_or("?"),
            outcome["code"].as_str().unwrap_or("")
        );
        case_values.push(value);
    }

    let manifest = json!({
        "description": "Golden vectors for persona-edge signed snapshots (format version 1). For each case: verify the bytes of `file` with a keyring holding the public keys in `keyring` and the verify options in `options`, and expect `expected`: either {result: ok} with the header, the signer key id and the decoded document (the profile as JSON), or {result: error} with the error `code` (`message` is informative only).",
        "warning": "TEST ONLY keys: their seeds are published here. Never trust these public keys outside tests.",
        "format": {
            "spec": "docs/FORMAT.md",
            "magic": String::from_utf8_lossy(&MAGIC),
            "version": FORMAT_VERSION,
            "signing_context": String::from_utf8_lossy(SIGNING_CONTEXT),
            "fixed_header_len": FIXED_HEADER_LEN,
            "signature_len": SIGNATURE_LEN,
            "payload_encoding": "bincode 2, standard config (little-endian varints)",
        },
        "regenerate": "cargo run --example golden_snapshots",
        "options_doc": "now: Unix seconds; audience: required audience; kind: expected kind; subject: required subject or null (any); min_sequence: rollback floor or null (no check); clock_skew_secs: tolerance on both ends of the validity window; max_bytes: size cap or null (default per kind: profile 16384, ruleset 262144).",
        "keys": [
            key_json("current", &current, true),
            key_json("next", &next, true),
            key_json("stranger", &stranger, false),
        ],
        "keyring": [public_key_to_hex(&current.verifying_key()), public_key_to_hex(&next.verifying_key())],
        "cases": case_values,
    });
    let mut text = String::new();
    write_json(&manifest, 0, &mut text)?;
    text.push('\n');
    std::fs::write(dir.join("manifest.json"), text)?;
    println!("wrote {} cases to {}", cases.len(), dir.display());
    Ok(())
}
