//! The golden decisions under `tests/fixtures/decisions/` (shared with the JavaScript tests): each case's
//! snapshots verify (or are refused) as recorded, and deciding gives exactly the recorded decision.

use persona_edge::context::DecisionContext;
use persona_edge::decide::decide;
use persona_edge::profile::verify_profile;
use persona_edge::ruleset::verify_ruleset;
use persona_edge::session::Session;
use persona_edge::snapshot::{Keyring, VerifyOptions};
use serde_json::Value;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/decisions")
        .join(name)
}

#[test]
fn every_golden_decision_is_reproduced() {
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("manifest.json")).unwrap()).unwrap();
    let audience = manifest["audience"].as_str().unwrap();
    let keys = manifest["keyring"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap());
    let keyring = Keyring::from_strs(keys).unwrap();
    let ruleset_bytes = std::fs::read(fixture(manifest["ruleset"].as_str().unwrap())).unwrap();
    let cases = manifest["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 7);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let context: DecisionContext = serde_json::from_value(case["context"].clone()).unwrap();
        let session: Session = serde_json::from_value(case["session"].clone()).unwrap();
        let ruleset = verify_ruleset(
            &ruleset_bytes,
            &keyring,
            &VerifyOptions::ruleset(context.now, audience),
        )
        .unwrap()
        .document;
        let profile = match case["profile"].as_str() {
            None => {
                assert_eq!(case["expected"]["profile"], "absent", "{name}");
                None
            }
            Some(file) => {
                let bytes = std::fs::read(fixture(file)).unwrap();
                match verify_profile(
                    &bytes,
                    &keyring,
                    &VerifyOptions::profile(context.now, audience),
                ) {
                    Ok(verified) => {
                        assert_eq!(case["expected"]["profile"], "verified", "{name}");
                        Some(verified.document)
                    }
                    Err(e) => {
                        assert_eq!(case["expected"]["profile"]["refused"], e.code(), "{name}");
                        None
                    }
                }
            }
        };
        let decision = decide(&ruleset, profile.as_ref(), &session, &context);
        assert_eq!(
            serde_json::to_value(&decision).unwrap(),
            case["expected"]["decision"],
            "{name}"
        );
    }
}
