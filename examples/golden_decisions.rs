//! Writes the golden decision fixtures under `tests/fixtures/decisions/`: the sample ruleset and sample
//! customers signed with the TEST ONLY key, each case's session and context, and the expected decision.
//! The Rust tests (`tests/decision_golden.rs`) and the JavaScript tests read the same files.
//!
//! Regenerate after a deliberate change of decisions: `cargo run --example golden_decisions`.

#[path = "../tests/support/snapshots.rs"]
mod common;

use persona_edge::context::DecisionContext;
use persona_edge::decide::decide;
use persona_edge::profile::sign_profile;
use persona_edge::profile::Profile;
use persona_edge::ruleset::{compile, sign_ruleset, RulesetSource};
use persona_edge::session::Session;
use persona_edge::snapshot::public_key_to_hex;
use serde_json::json;
use std::path::{Path, PathBuf};

const AUDIENCE: &str = "demo-shop";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read<T: serde::de::DeserializeOwned>(relative: &str) -> T {
    let text = std::fs::read_to_string(root().join(relative)).expect("read sample");
    serde_json::from_str(&text).expect("parse sample")
}

fn main() {
    let out = root().join("tests/fixtures/decisions");
    std::fs::create_dir_all(&out).expect("create fixture dir");
    let key = common::current_key();
    let context: DecisionContext = read("samples/context.json");
    let issued_at = context.now - 3600;
    let expires_at = context.now + 7 * 86_400;

    let source: RulesetSource = read("samples/ruleset.json");
    let ruleset = compile(&source).expect("sample ruleset compiles");
    write(
        &out.join("ruleset.snap"),
        &sign_ruleset(&ruleset, issued_at, expires_at, 3, AUDIENCE, &key).unwrap(),
    );

    let mut cases = Vec::new();
    let personas = [
        ("ana", None),
        ("ben", Some("ben")),
        ("carla", Some("carla")),
        ("david", None),
        ("erik", None),
    ];
    for (name, session_name) in personas {
        let profile: Profile = read(&format!("samples/profiles/{name}.json"));
        let file = format!("{name}.snap");
        write(
            &out.join(&file),
            &sign_profile(&profile, issued_at, expires_at, 7, AUDIENCE, &key).unwrap(),
        );
        let session: Session = session_name.map_or_else(Session::default, |s| {
            read(&format!("samples/sessions/{s}.json"))
        });
        let decision = decide(&ruleset, Some(&profile), &session, &context);
        cases.push(json!({
            "name": name,
            "profile": file,
            "session": session,
            "context": context,
            "expected": { "profile": "verified", "decision": decision },
        }));
    }
    // The same customer presented through a tampered snapshot: refused, decided without a profile.
    let mut tampered = std::fs::read(out.join("ana.snap")).expect("read");
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x01;
    write(&out.join("ana-tampered.snap"), &tampered);
    let visitor: Session = read("samples/sessions/visitor.json");
    for (name, profile, session) in [
        (
            "ana-tampered",
            Some("ana-tampered.snap"),
            Session::default(),
        ),
        ("visitor", None, visitor),
    ] {
        let decision = decide(&ruleset, None, &session, &context);
        let status = if profile.is_some() {
            json!({ "refused": "tampered" })
        } else {
            json!("absent")
        };
        cases.push(json!({
            "name": name,
            "profile": profile,
            "session": session,
            "context": context,
            "expected": { "profile": status, "decision": decision },
        }));
    }
    let manifest = json!({
        "description": "Golden decisions: verify ruleset.snap and each case's profile snapshot with the keyring \
                        (audience demo-shop, at context.now), then decide with the case's session and context. \
                        A refused profile is decided without a profile (the safe default). TEST ONLY key.",
        "audience": AUDIENCE,
        "keyring": [public_key_to_hex(&key.verifying_key())],
        "ruleset": "ruleset.snap",
        "cases": cases,
    });
    let text = serde_json::to_string_pretty(&manifest).expect("json") + "\n";
    std::fs::write(out.join("manifest.json"), text).expect("write manifest");
    println!(
        "wrote {} cases to {}",
        manifest["cases"].as_array().map_or(0, Vec::len),
        out.display()
    );
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).expect("write fixture");
}
