//! The low layer of the JavaScript binding (`EngineCore`, `Envelope`, `VerifiedProfile`, `LiveSession`)
//! under wasm-bindgen-test, in Node (default) and in headless Chromium (`WASM_BINDGEN_USE_BROWSER=1`), with
//! the signature checked by the runtime's WebCrypto Ed25519 exactly as `pkg-config/src/engine.js` does:
//! golden decisions, every refusal as a real `Error` with its `code`, failures that change nothing, and the
//! checks a cached profile gets again.
//!
//! `cargo test --target wasm32-unknown-unknown --test wasm`
#![cfg(target_arch = "wasm32")]

use persona_edge::channel::Channel;
use persona_edge::context::{ConsentBanner, MessagePurpose};
use persona_edge::session::Device;
use persona_edge::wasm::{error_codes, EngineCore, Envelope, LiveSession, VerifiedProfile};
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

const MANIFEST: &str = include_str!("fixtures/decisions/manifest.json");
const RULESET: &[u8] = include_bytes!("fixtures/decisions/ruleset.snap");
const ANA: &[u8] = include_bytes!("fixtures/decisions/ana.snap");
const BEN: &[u8] = include_bytes!("fixtures/decisions/ben.snap");
const ANA_TAMPERED: &[u8] = include_bytes!("fixtures/decisions/ana-tampered.snap");
const STRANGER: &str = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
const PROFILE: u8 = 1;
const RULESET_KIND: u8 = 2;

#[wasm_bindgen(inline_js = r#"
export async function importKey(raw) {
  const key = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
  const id = new Uint8Array(await crypto.subtle.digest("SHA-512", raw)).slice(0, 8);
  return [key, id];
}
export async function signer(keys, order, signature, message) {
  for (const index of order) {
    if (await crypto.subtle.verify({ name: "Ed25519" }, keys[index], signature, message)) return index;
  }
  return -1;
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = importKey)]
    fn import_key(raw: &[u8]) -> js_sys::Promise;
    fn signer(
        keys: &js_sys::Array,
        order: Vec<u32>,
        signature: Vec<u8>,
        message: Vec<u8>,
    ) -> js_sys::Promise;
}

fn manifest() -> Value {
    serde_json::from_str(MANIFEST).unwrap()
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

fn now() -> f64 {
    manifest()["cases"][0]["context"]["now"].as_f64().unwrap()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// A core trusting `key` for `audience`, with its CryptoKey.
struct Harness {
    core: EngineCore,
    keys: js_sys::Array,
}

async fn harness_for(audience: &str, key: &str) -> Harness {
    let mut core = EngineCore::new(audience.into(), 300.0).unwrap();
    let raw = unhex(key);
    assert!(core.trust(&raw).unwrap());
    assert!(
        !core.trust(&raw).unwrap(),
        "a key given twice is trusted once"
    );
    let imported: js_sys::Array = JsFuture::from(import_key(&raw)).await.unwrap().into();
    let id = js_sys::Uint8Array::new(&imported.get(1)).to_vec();
    core.set_key_id(0, &id).unwrap();
    Harness {
        core,
        keys: js_sys::Array::of1(&imported.get(0)),
    }
}

async fn harness() -> Harness {
    let m = manifest();
    harness_for(
        m["audience"].as_str().unwrap(),
        m["keyring"][0].as_str().unwrap(),
    )
    .await
}

impl Harness {
    async fn signer(&self, envelope: &Envelope) -> i32 {
        let mut signed = envelope.signed().unwrap();
        let message = signed.split_off(64);
        let found = signer(&self.keys, envelope.order(), signed, message);
        JsFuture::from(found).await.unwrap().as_f64().unwrap() as i32
    }

    async fn ruleset(&mut self, bytes: &[u8], now: f64) -> Result<Vec<f64>, JsValue> {
        let envelope = self.core.open(bytes, RULESET_KIND).map_err(JsValue::from)?;
        let signer = self.signer(&envelope).await;
        self.core
            .accept_ruleset(envelope, signer, now, f64::NAN)
            .map_err(JsValue::from)
    }

    async fn profile(
        &self,
        bytes: &[u8],
        now: f64,
        subject: Option<&str>,
        min_sequence: f64,
    ) -> Result<VerifiedProfile, JsValue> {
        let envelope = self.core.open(bytes, PROFILE).map_err(JsValue::from)?;
        let signer = self.signer(&envelope).await;
        self.core
            .accept_profile(envelope, signer, now, subject.map(Into::into), min_sequence)
            .map_err(JsValue::from)
    }

    /// Decides with the case's context (and `profile`), as engine.js passes it.
    fn decide(
        &self,
        profile: Option<&VerifiedProfile>,
        session: &LiveSession,
        context: &Value,
    ) -> Result<Value, JsValue> {
        let now = context["now"].as_f64().unwrap_or_else(now);
        let country = context["country"].as_str().map(String::from);
        let banner = ConsentBanner::ALL
            .iter()
            .position(|b| Some(b.name()) == context["consentBanner"].as_str())
            .unwrap_or(0) as u8;
        let purpose = MessagePurpose::ALL
            .iter()
            .position(|p| Some(p.name()) == context["purpose"].as_str())
            .unwrap_or(0) as u8;
        let extra: Vec<f64> = match context["extraSends"].as_object() {
            Some(sends) => Channel::ALL
                .iter()
                .map(|c| sends.get(c.name()).and_then(Value::as_f64).unwrap_or(0.0))
                .collect(),
            None => Vec::new(),
        };
        let decision = self
            .core
            .decide(
                profile.map(VerifiedProfile::share),
                session,
                now,
                country,
                banner,
                purpose,
                &extra,
            )
            .map_err(JsValue::from)?;
        Ok(to_json(&decision))
    }
}

fn session_of(value: &Value) -> LiveSession {
    let mut session = LiveSession::new();
    let device = Device::ALL
        .iter()
        .position(|d| Some(d.name()) == value["device"].as_str())
        .unwrap_or(0) as u8;
    session
        .restore(
            value["live"].as_bool().unwrap_or(false),
            device,
            value["pageType"].as_str().unwrap_or("").into(),
            value["pageViews"].as_f64().unwrap_or(0.0),
            value["cartValue"].as_f64().unwrap_or(0.0),
        )
        .unwrap();
    for c in value["categories"].as_array().into_iter().flatten() {
        session
            .restore_category(
                c["category"].as_str().unwrap().into(),
                c["views"].as_f64().unwrap(),
            )
            .unwrap();
    }
    session
}

fn to_json(value: &JsValue) -> Value {
    let text = String::from(js_sys::JSON::stringify(value).unwrap());
    normalize(serde_json::from_str(&text).unwrap())
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
    assert!(!String::from(error.message()).is_empty());
}

#[wasm_bindgen_test]
async fn golden_decisions_match_rust() {
    let mut h = harness().await;
    let info = h.ruleset(RULESET, now()).await.unwrap();
    assert_eq!(info.len(), 3);
    for (name, bytes) in [("ana", ANA), ("ben", BEN)] {
        let case = case(name);
        let profile = h.profile(bytes, now(), None, f64::NAN).await.unwrap();
        assert_eq!(profile.sequence(), 7.0);
        let decision = h
            .decide(
                Some(&profile),
                &session_of(&case["session"]),
                &case["context"],
            )
            .unwrap();
        assert_eq!(
            decision,
            normalize(case["expected"]["decision"].clone()),
            "{name}"
        );
    }
    // Without a profile: the safe default, as recorded for the tampered case.
    let tampered = case("ana-tampered");
    let decision = h
        .decide(
            None,
            &session_of(&tampered["session"]),
            &tampered["context"],
        )
        .unwrap();
    assert_eq!(
        decision,
        normalize(tampered["expected"]["decision"].clone())
    );
}

#[wasm_bindgen_test]
async fn every_snapshot_refusal_has_its_code() {
    let mut h = harness().await;
    let t = now();
    assert_code(
        h.profile(ANA_TAMPERED, t, None, f64::NAN)
            .await
            .err()
            .unwrap(),
        "tampered",
    );
    assert_code(
        h.profile(ANA, t, None, 8.0).await.err().unwrap(),
        "rollback",
    );
    assert_code(
        h.profile(ANA, t + 400.0 * 86_400.0, None, f64::NAN)
            .await
            .err()
            .unwrap(),
        "expired",
    );
    assert_code(
        h.profile(ANA, t - 86_400.0, None, f64::NAN)
            .await
            .err()
            .unwrap(),
        "not_yet_valid",
    );
    assert_code(
        h.profile(ANA, t, Some("c_someone_else"), f64::NAN)
            .await
            .err()
            .unwrap(),
        "wrong_subject",
    );
    assert_code(
        h.profile(RULESET, t, None, f64::NAN).await.err().unwrap(),
        "wrong_kind",
    );
    assert_code(
        h.profile(&ANA[..20], t, None, f64::NAN)
            .await
            .err()
            .unwrap(),
        "truncated",
    );
    assert_code(
        h.profile(b"not a snapshot at all, not at all", t, None, f64::NAN)
            .await
            .err()
            .unwrap(),
        "bad_magic",
    );
    assert_code(
        h.profile(&vec![0u8; 20_000], t, None, f64::NAN)
            .await
            .err()
            .unwrap(),
        "oversized",
    );
    assert_code(h.ruleset(ANA, t).await.err().unwrap(), "wrong_kind");
    assert!(h.core.ruleset_expires_at().is_nan(), "nothing was loaded");

    let foreign = harness_for("another-shop", manifest()["keyring"][0].as_str().unwrap()).await;
    assert_code(
        foreign.profile(ANA, t, None, f64::NAN).await.err().unwrap(),
        "wrong_audience",
    );
    let untrusting = harness_for("demo-shop", STRANGER).await;
    assert_code(
        untrusting
            .profile(ANA, t, None, f64::NAN)
            .await
            .err()
            .unwrap(),
        "unknown_key",
    );
}

#[wasm_bindgen_test]
fn keys_and_arguments_are_checked() {
    let mut core = EngineCore::new("demo-shop".into(), 300.0).unwrap();
    // The identity point: a valid encoding of small order. WebCrypto in Chromium would accept it.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    assert_code(core.trust(&identity).err().unwrap().into(), "invalid_key");
    // y = p: a non-canonical encoding.
    let mut p = [0xffu8; 32];
    p[0] = 0xed;
    p[31] = 0x7f;
    assert_code(core.trust(&p).err().unwrap().into(), "invalid_key");
    assert_code(core.trust(&[1, 2, 3]).err().unwrap().into(), "invalid_key");
    assert_eq!(core.key_count(), 0);
    assert_code(
        EngineCore::new("".into(), 300.0).err().unwrap().into(),
        "invalid_argument",
    );
    assert_code(
        EngineCore::new("x".into(), -1.0).err().unwrap().into(),
        "invalid_argument",
    );
    assert_code(
        core.decide(None, &LiveSession::new(), now(), None, 0, 0, &[])
            .err()
            .unwrap()
            .into(),
        "no_ruleset",
    );
    assert_code(
        LiveSession::new()
            .track(9, None, None, 0.0)
            .err()
            .unwrap()
            .into(),
        "invalid_argument",
    );
    assert_code(
        LiveSession::new()
            .track(0, None, None, 0.0)
            .err()
            .unwrap()
            .into(),
        "invalid_argument",
    );
    assert_code(core.open(ANA, 7).err().unwrap().into(), "invalid_argument");
    let codes: js_sys::Array = error_codes().into();
    assert!(codes.length() >= 19);
}

#[wasm_bindgen_test]
async fn bad_context_and_an_expired_ruleset() {
    let mut h = harness().await;
    h.ruleset(RULESET, now()).await.unwrap();
    let session = LiveSession::new();
    assert_code(
        h.core
            .decide(None, &session, -5.0, None, 0, 0, &[])
            .err()
            .unwrap()
            .into(),
        "invalid_argument",
    );
    assert_code(
        h.core
            .decide(None, &session, now(), None, 9, 0, &[])
            .err()
            .unwrap()
            .into(),
        "invalid_argument",
    );
    assert_code(
        h.core
            .decide(None, &session, now(), None, 0, 0, &[1.0])
            .err()
            .unwrap()
            .into(),
        "invalid_argument",
    );
    let late = serde_json::json!({ "now": now() + 30.0 * 86_400.0 });
    assert_code(h.decide(None, &session, &late).err().unwrap(), "expired");
    h.core.clear_ruleset();
    assert_code(
        h.decide(None, &session, &serde_json::json!({}))
            .err()
            .unwrap(),
        "no_ruleset",
    );
}

#[wasm_bindgen_test]
async fn a_verified_profile_is_rechecked_when_used_again() {
    let h = harness().await;
    let t = now();
    let profile = h.profile(ANA, t, None, f64::NAN).await.unwrap();
    h.core
        .recheck(&profile, t, Some("c_ana_7f3a91".into()), 7.0)
        .unwrap();
    let expired = h
        .core
        .recheck(&profile, t + 400.0 * 86_400.0, None, f64::NAN);
    assert_code(expired.err().unwrap().into(), "expired");
    let rolled_back = h.core.recheck(&profile, t, None, 8.0);
    assert_code(rolled_back.err().unwrap().into(), "rollback");
    let other = h
        .core
        .recheck(&profile, t, Some("c_ben_19c2e0".into()), f64::NAN);
    assert_code(other.err().unwrap().into(), "wrong_subject");
    let shared = profile.share();
    drop(profile);
    assert_eq!(
        shared.subject(),
        "c_ana_7f3a91",
        "a shared handle outlives the first"
    );
}

#[wasm_bindgen_test]
async fn session_events_move_the_decision_at_once() {
    let mut h = harness().await;
    h.ruleset(RULESET, now()).await.unwrap();
    let ben = h.profile(BEN, now(), None, f64::NAN).await.unwrap();
    let mut session = LiveSession::new();
    let context = serde_json::json!({ "now": now() });
    let before = h.decide(Some(&ben), &session, &context).unwrap();
    assert_eq!(before["topCategory"], "camping");
    for _ in 0..3 {
        session
            .track(0, Some("product".into()), Some("running".into()), 0.0)
            .unwrap();
    }
    let after = h.decide(Some(&ben), &session, &context).unwrap();
    assert_eq!(after["topCategory"], "running");
    let state = to_json(&session.state());
    assert_eq!(state["pageViews"], 3.0);
    assert_eq!(state["pageType"], "product");
    assert_eq!(
        state["categories"],
        serde_json::json!([{ "category": "running", "views": 3.0 }])
    );
}

#[wasm_bindgen_test]
async fn a_ruleset_shared_between_engines_is_still_verified_by_each() {
    let t = now();
    let mut first = harness().await;
    first.ruleset(RULESET, t).await.unwrap();
    // The same bytes are now held decoded by `first`; other engines must still apply their own checks.
    let mut untrusting = harness_for("demo-shop", STRANGER).await;
    assert_code(
        untrusting.ruleset(RULESET, t).await.err().unwrap(),
        "unknown_key",
    );
    assert!(untrusting.core.ruleset_expires_at().is_nan());
    let mut foreign = harness_for("another-shop", manifest()["keyring"][0].as_str().unwrap()).await;
    assert_code(
        foreign.ruleset(RULESET, t).await.err().unwrap(),
        "wrong_audience",
    );
    let mut second = harness().await;
    assert_code(
        second
            .ruleset(RULESET, t + 400.0 * 86_400.0)
            .await
            .err()
            .unwrap(),
        "expired",
    );
    second.ruleset(RULESET, t).await.unwrap();
    // Both decide the same; dropping one leaves the other's ruleset intact.
    let context = case("ana")["context"].clone();
    let session = LiveSession::new();
    let a = first.decide(None, &session, &context).unwrap();
    drop(first);
    let b = second.decide(None, &session, &context).unwrap();
    assert_eq!(a, b);
    assert!(a["segments"].as_array().is_some_and(|s| !s.is_empty()));
}

/// The host's remainder (JavaScript `%`) is the remainder compiled into wasm (`fmod`) to the bit, signs,
/// infinities, NaN and subnormals included: the module may take it from its host.
#[wasm_bindgen_test]
fn host_remainder_is_fmod() {
    let values = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        3.0,
        -7.25,
        10.0,
        1e-310,
        -1e-310,
        1e300,
        -1e300,
        2.5e-8,
        f64::MAX,
        f64::MIN_POSITIVE,
        f64::EPSILON,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        123456789.123,
        0.1,
        0.3,
        9007199254740993.0,
    ];
    for &x in &values {
        for &y in &values {
            let (host, fmod) = (persona_edge::math::remainder(x, y), x % y);
            assert!(
                host.to_bits() == fmod.to_bits() || (host.is_nan() && fmod.is_nan()),
                "{x} % {y}: host {host}, fmod {fmod}"
            );
        }
    }
}
