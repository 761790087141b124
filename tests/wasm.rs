//! The JavaScript binding under wasm-bindgen-test, in Node (default) and in headless Chromium
//! (`WASM_BINDGEN_USE_BROWSER=1`): golden decisions, every error path as a real `Error` with its `code`,
//! and failures that change nothing.
//!
//! `cargo test --target wasm32-unknown-unknown --test wasm`
#![cfg(target_arch = "wasm32")]

use persona_edge::wasm::{error_codes, inspect_snapshot, Engine};
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

const MANIFEST: &str = include_str!("fixtures/decisions/manifest.json");
const RULESET: &[u8] = include_bytes!("fixtures/decisions/ruleset.snap");
const ANA: &[u8] = include_bytes!("fixtures/decisions/ana.snap");
const BEN: &[u8] = include_bytes!("fixtures/decisions/ben.snap");
const ANA_TAMPERED: &[u8] = include_bytes!("fixtures/decisions/ana-tampered.snap");

fn manifest() -> Value {
    serde_json::from_str(MANIFEST).unwrap()
}

fn js(value: &Value) -> JsValue {
    js_sys::JSON::parse(&value.to_string()).unwrap()
}

fn case(name: &str) -> Value {
    manifest()["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap()
        .clone()
}

fn now() -> u64 {
    manifest()["cases"][0]["context"]["now"].as_u64().unwrap()
}

fn engine() -> Engine {
    let m = manifest();
    let options = serde_json::json!({ "keys": m["keyring"], "audience": m["audience"] });
    Engine::new(js(&options).unchecked_into()).unwrap()
}

fn load(now: u64, extra: Value) -> JsValue {
    let mut options = serde_json::json!({ "now": now });
    if let (Some(o), Some(e)) = (options.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    js(&options)
}

fn to_json(value: JsValue) -> Value {
    normalize(serde_wasm_bindgen::from_value(value).unwrap())
}

/// JS has one number type: compare numbers as f64 (25 from JS equals 25.0 recorded by Rust).
fn normalize(value: Value) -> Value {
    match value {
        Value::Number(n) => serde_json::json!(n.as_f64().unwrap()),
        Value::Array(items) => Value::Array(items.into_iter().map(normalize).collect()),
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, normalize(v))).collect())
        }
        other => other,
    }
}

/// Asserts a thrown value is a real `Error` named PersonaError with `code`.
fn assert_code(thrown: JsValue, code: &str) {
    let error: &js_sys::Error = thrown.dyn_ref().expect("an instance of Error");
    assert_eq!(String::from(error.name()), "PersonaError");
    let found = js_sys::Reflect::get(&thrown, &"code".into())
        .unwrap()
        .as_string()
        .unwrap();
    assert_eq!(found, code, "{}", String::from(error.message()));
}

#[wasm_bindgen_test]
fn golden_decisions_match_rust() {
    let mut engine = engine();
    engine
        .load_ruleset(RULESET, Some(load(now(), Value::Null).unchecked_into()))
        .unwrap();
    for (name, bytes) in [("ana", ANA), ("ben", BEN)] {
        let case = case(name);
        let info = to_json(
            engine
                .load_profile(bytes, Some(load(now(), Value::Null).unchecked_into()))
                .unwrap()
                .into(),
        );
        assert_eq!(info["kind"], "profile");
        assert_eq!(info["sequence"], 7.0);
        engine
            .set_session(js(&case["session"]).unchecked_into())
            .unwrap();
        let decision = to_json(
            engine
                .decide(Some(js(&case["context"]).unchecked_into()))
                .unwrap()
                .into(),
        );
        assert_eq!(
            decision,
            normalize(case["expected"]["decision"].clone()),
            "{name}"
        );
    }
}

#[wasm_bindgen_test]
fn a_refused_profile_changes_nothing() {
    let mut engine = engine();
    engine
        .load_ruleset(RULESET, Some(load(now(), Value::Null).unchecked_into()))
        .unwrap();
    engine
        .load_profile(ANA, Some(load(now(), Value::Null).unchecked_into()))
        .unwrap();
    let thrown = engine
        .load_profile(
            ANA_TAMPERED,
            Some(load(now(), Value::Null).unchecked_into()),
        )
        .err()
        .unwrap();
    assert_code(thrown, "tampered");
    assert_eq!(engine.subject().as_deref(), Some("c_ana_7f3a91"));
    let decision = to_json(
        engine
            .decide(Some(js(&case("ana")["context"]).unchecked_into()))
            .unwrap()
            .into(),
    );
    assert_eq!(
        decision,
        normalize(case("ana")["expected"]["decision"].clone())
    );

    // Without a profile: the safe default, as recorded for the tampered case.
    engine.clear_profile();
    let tampered = case("ana-tampered");
    engine
        .set_session(js(&tampered["session"]).unchecked_into())
        .unwrap();
    let decision = to_json(
        engine
            .decide(Some(js(&tampered["context"]).unchecked_into()))
            .unwrap()
            .into(),
    );
    assert_eq!(
        decision,
        normalize(tampered["expected"]["decision"].clone())
    );
}

#[wasm_bindgen_test]
fn every_snapshot_refusal_has_its_code() {
    let mut engine = engine();
    let t = now();
    let cases = [
        (
            ANA,
            load(t, serde_json::json!({ "minSequence": 8 })),
            "rollback",
        ),
        (ANA, load(t + 400 * 86_400, Value::Null), "expired"),
        (ANA, load(t - 86_400, Value::Null), "not_yet_valid"),
        (
            ANA,
            load(t, serde_json::json!({ "subject": "c_someone_else" })),
            "wrong_subject",
        ),
        (RULESET, load(t, Value::Null), "wrong_kind"),
        (&ANA[..20], load(t, Value::Null), "truncated"),
        (
            b"not a snapshot at all, not at all",
            load(t, Value::Null),
            "bad_magic",
        ),
    ];
    for (bytes, options, code) in cases {
        assert_code(
            engine
                .load_profile(bytes, Some(options.unchecked_into()))
                .err()
                .unwrap(),
            code,
        );
    }
    assert!(engine.subject().is_none());
    assert_code(
        engine
            .load_ruleset(ANA, Some(load(t, Value::Null).unchecked_into()))
            .err()
            .unwrap(),
        "wrong_kind",
    );

    let other = serde_json::json!({ "keys": manifest()["keyring"], "audience": "another-shop" });
    let mut foreign = Engine::new(js(&other).unchecked_into()).unwrap();
    assert_code(
        foreign
            .load_profile(ANA, Some(load(t, Value::Null).unchecked_into()))
            .err()
            .unwrap(),
        "wrong_audience",
    );

    let stranger = serde_json::json!({ "keys": ["3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"], "audience": "demo-shop" });
    let mut untrusting = Engine::new(js(&stranger).unchecked_into()).unwrap();
    assert_code(
        untrusting
            .load_profile(ANA, Some(load(t, Value::Null).unchecked_into()))
            .err()
            .unwrap(),
        "unknown_key",
    );
}

#[wasm_bindgen_test]
fn bad_arguments_throw_invalid_argument() {
    assert_code(
        Engine::new(js(&serde_json::json!({ "keys": [] , "audience": "x" })).unchecked_into())
            .err()
            .unwrap(),
        "invalid_argument",
    );
    assert_code(
        Engine::new(js(&serde_json::json!({ "keys": ["zz"], "audience": "x" })).unchecked_into())
            .err()
            .unwrap(),
        "invalid_key",
    );
    assert_code(
        Engine::new(JsValue::from_str("keys").unchecked_into())
            .err()
            .unwrap(),
        "invalid_argument",
    );
    let mut engine = engine();
    assert_code(engine.decide(None).err().unwrap(), "no_ruleset");
    assert_code(
        engine
            .track(js(&serde_json::json!({ "type": "teleport" })).unchecked_into())
            .err()
            .unwrap(),
        "invalid_argument",
    );
    let bad_now = load(0, serde_json::json!({ "now": -5 }));
    assert_code(
        engine
            .load_ruleset(RULESET, Some(bad_now.unchecked_into()))
            .err()
            .unwrap(),
        "invalid_argument",
    );
}

#[wasm_bindgen_test]
fn an_expired_ruleset_is_not_used() {
    let mut engine = engine();
    engine
        .load_ruleset(RULESET, Some(load(now(), Value::Null).unchecked_into()))
        .unwrap();
    let late = js(&serde_json::json!({ "now": now() + 30 * 86_400 }));
    assert_code(
        engine.decide(Some(late.unchecked_into())).err().unwrap(),
        "expired",
    );
    engine.clear_ruleset();
    assert!(!engine.has_ruleset());
    assert_code(engine.decide(None).err().unwrap(), "no_ruleset");
}

#[wasm_bindgen_test]
fn session_events_move_the_decision_at_once() {
    let mut engine = engine();
    engine
        .load_ruleset(RULESET, Some(load(now(), Value::Null).unchecked_into()))
        .unwrap();
    engine
        .load_profile(BEN, Some(load(now(), Value::Null).unchecked_into()))
        .unwrap();
    let context = js(&serde_json::json!({ "now": now() }));
    let before = to_json(
        engine
            .decide(Some(context.clone().unchecked_into()))
            .unwrap()
            .into(),
    );
    assert_eq!(before["topCategory"], "camping");
    for _ in 0..3 {
        let view = serde_json::json!({ "type": "page_view", "pageType": "product", "category": "running" });
        engine.track(js(&view).unchecked_into()).unwrap();
    }
    let after = to_json(
        engine
            .decide(Some(context.unchecked_into()))
            .unwrap()
            .into(),
    );
    assert_eq!(after["topCategory"], "running");
    assert_eq!(to_json(engine.session().unwrap().into())["pageViews"], 3.0);
}

#[wasm_bindgen_test]
fn inspect_and_codes() {
    let header = to_json(inspect_snapshot(ANA).unwrap().into());
    assert_eq!(header["subject"], "c_ana_7f3a91");
    assert_eq!(header["version"], 1.0);
    assert_code(inspect_snapshot(b"PESN").err().unwrap(), "truncated");
    let codes = to_json(error_codes().unwrap().into());
    assert!(codes.as_array().unwrap().len() >= 18);
}

#[wasm_bindgen_test]
fn a_ruleset_shared_between_engines_is_still_verified_by_each() {
    let t = now();
    let mut first = engine();
    first
        .load_ruleset(RULESET, Some(load(t, Value::Null).unchecked_into()))
        .unwrap();
    // The same bytes are now held decoded by `first`; other engines must still apply their own checks.
    let stranger = serde_json::json!({ "keys": ["3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"], "audience": "demo-shop" });
    let mut untrusting = Engine::new(js(&stranger).unchecked_into()).unwrap();
    assert_code(
        untrusting
            .load_ruleset(RULESET, Some(load(t, Value::Null).unchecked_into()))
            .err()
            .unwrap(),
        "unknown_key",
    );
    assert!(!untrusting.has_ruleset());
    let other = serde_json::json!({ "keys": manifest()["keyring"], "audience": "another-shop" });
    let mut foreign = Engine::new(js(&other).unchecked_into()).unwrap();
    assert_code(
        foreign
            .load_ruleset(RULESET, Some(load(t, Value::Null).unchecked_into()))
            .err()
            .unwrap(),
        "wrong_audience",
    );
    let mut second = engine();
    assert_code(
        second
            .load_ruleset(
                RULESET,
                Some(load(t + 400 * 86_400, Value::Null).unchecked_into()),
            )
            .err()
            .unwrap(),
        "expired",
    );
    second
        .load_ruleset(RULESET, Some(load(t, Value::Null).unchecked_into()))
        .unwrap();
    // Both decide the same; dropping one leaves the other's ruleset intact.
    let context = js(&case("ana")["context"]);
    let a = to_json(
        first
            .decide(Some(context.clone().unchecked_into()))
            .unwrap()
            .into(),
    );
    drop(first);
    let b = to_json(
        second
            .decide(Some(context.unchecked_into()))
            .unwrap()
            .into(),
    );
    assert_eq!(a, b);
    assert!(a["segments"].as_array().is_some_and(|s| !s.is_empty()));
}
