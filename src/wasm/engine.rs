//! The `Engine` class: trusted keys and audience, the verified ruleset and profile, the live session,
//! and `decide`.

use super::convert::Names;
use super::error::{
    invalid_argument, persona_error, snapshot_error, INTERNAL, INVALID_ARGUMENT, NO_RULESET,
};
use super::shared::{share, LoadedRuleset};
use super::types::{
    DecisionContextJs, DecisionJs, EngineOptions, ErrorCodesJs, LoadOptions, SessionEventJs,
    SessionJs, SnapshotInfoJs, UnverifiedHeaderJs,
};
use crate::context::DecisionContext;
use crate::decide::decide;
use crate::profile::Profile;
use crate::ruleset::verify_ruleset;
use crate::session::{Session, SessionEvent};
use crate::snapshot::{self, Keyring, SnapshotError, SnapshotHeader, SnapshotKind, VerifyOptions};
use serde::{Deserialize, Serialize};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// A snapshot verifier of the core (`verify_ruleset`, `verify_profile`).
type Verifier<T> =
    fn(&[u8], &Keyring, &VerifyOptions) -> Result<snapshot::Verified<T>, SnapshotError>;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Options {
    keys: Vec<String>,
    audience: String,
    #[serde(default)]
    clock_skew_secs: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Load {
    #[serde(default)]
    now: Option<f64>,
    #[serde(default)]
    min_sequence: Option<f64>,
    #[serde(default)]
    subject: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SnapshotInfo<'a> {
    kind: &'a str,
    subject: &'a str,
    sequence: u64,
    issued_at: u64,
    expires_at: u64,
    audience: &'a str,
    key_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<u8>,
}

impl<'a> SnapshotInfo<'a> {
    fn of(header: &'a SnapshotHeader) -> Self {
        SnapshotInfo {
            kind: header.kind.name(),
            subject: &header.subject,
            sequence: header.sequence,
            issued_at: header.issued_at,
            expires_at: header.expires_at,
            audience: &header.audience,
            key_id: header.key_id.to_hex(),
            version: None,
        }
    }
}

/// The persona-edge engine for one site: verifies snapshots once, records the live session and decides.
///
/// ```ts
/// const engine = new Engine({ keys: [publicKeyHex], audience: "demo-shop" });
/// engine.loadRuleset(rulesetBytes);
/// engine.loadProfile(profileBytes, { subject: "c_ana_7f3a91", minSequence: lastSeen });
/// engine.track({ type: "page_view", pageType: "product", category: "running" });
/// const decision = engine.decide({ consentBanner: "accepted" });
/// ```
#[wasm_bindgen]
pub struct Engine {
    keyring: Keyring,
    audience: String,
    clock_skew_secs: u64,
    ruleset: Option<Rc<LoadedRuleset>>,
    profile: Option<snapshot::Verified<Profile>>,
    session: Session,
    /// JS name tables reused by every decision.
    names: Names,
}

fn now_secs() -> u64 {
    (js_sys::Date::now() / 1000.0).floor().max(0.0) as u64
}

fn from_js<T: serde::de::DeserializeOwned>(what: &str, value: JsValue) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(value).map_err(|e| invalid_argument(what, e))
}

fn from_js_or_default<T: serde::de::DeserializeOwned + Default>(
    what: &str,
    value: JsValue,
) -> Result<T, JsValue> {
    if value.is_undefined() || value.is_null() {
        Ok(T::default())
    } else {
        from_js(what, value)
    }
}

fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| persona_error(INTERNAL, &e.to_string()))
}

/// A JS number that must be a whole, non-negative Unix time or sequence number.
fn whole(what: &str, value: f64) -> Result<u64, JsValue> {
    if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= 9_007_199_254_740_991.0
    {
        Ok(value as u64)
    } else {
        Err(persona_error(
            INVALID_ARGUMENT,
            &format!("{what} must be a whole number >= 0"),
        ))
    }
}

#[wasm_bindgen]
impl Engine {
    /// Creates an engine trusting `keys` for `audience`. Throws `PersonaError` (`invalid_key`,
    /// `invalid_argument`) on a bad key or options.
    #[wasm_bindgen(constructor)]
    pub fn new(options: EngineOptions) -> Result<Engine, JsValue> {
        let options: Options = from_js("options", options.into())?;
        let keyring = Keyring::from_strs(options.keys.iter().map(String::as_str))
            .map_err(|e| snapshot_error(&e))?;
        if keyring.is_empty() {
            return Err(persona_error(
                INVALID_ARGUMENT,
                "options.keys: at least one trusted key",
            ));
        }
        if !snapshot::is_valid_audience(&options.audience) {
            return Err(persona_error(
                INVALID_ARGUMENT,
                "options.audience: 1..=64 of [A-Za-z0-9._:-]",
            ));
        }
        Ok(Engine {
            keyring,
            audience: options.audience,
            clock_skew_secs: options
                .clock_skew_secs
                .unwrap_or(VerifyOptions::DEFAULT_CLOCK_SKEW_SECS),
            ruleset: None,
            profile: None,
            session: Session::default(),
            names: Names::new(),
        })
    }

    fn verify_options(&self, kind: SnapshotKind, load: &Load) -> Result<VerifyOptions, JsValue> {
        let now = match load.now {
            Some(now) => whole("now", now.floor())?,
            None => now_secs(),
        };
        let mut opts = VerifyOptions::new(kind, now, self.audience.clone())
            .with_clock_skew(self.clock_skew_secs);
        if let Some(min) = load.min_sequence {
            opts = opts.with_min_sequence(whole("minSequence", min)?);
        }
        if let Some(subject) = &load.subject {
            opts = opts.with_subject(subject.clone());
        }
        Ok(opts)
    }

    /// Verifies a snapshot with the engine's keys and audience and the caller's options.
    fn verify<T>(
        &self,
        bytes: &[u8],
        options: Option<LoadOptions>,
        kind: SnapshotKind,
        verify: Verifier<T>,
    ) -> Result<(snapshot::Verified<T>, SnapshotInfoJs), JsValue> {
        let load: Load =
            from_js_or_default("options", options.map_or(JsValue::UNDEFINED, Into::into))?;
        let opts = self.verify_options(kind, &load)?;
        let verified = verify(bytes, &self.keyring, &opts).map_err(|e| snapshot_error(&e))?;
        let info = to_js(&SnapshotInfo::of(&verified.header))?;
        Ok((verified, info.unchecked_into()))
    }

    /// Verifies and loads a ruleset snapshot; returns what was accepted. On any failure nothing changes and a
    /// `PersonaError` is thrown.
    #[wasm_bindgen(js_name = loadRuleset)]
    pub fn load_ruleset(
        &mut self,
        bytes: &[u8],
        options: Option<LoadOptions>,
    ) -> Result<SnapshotInfoJs, JsValue> {
        let (verified, info) =
            self.verify(bytes, options, SnapshotKind::Ruleset, verify_ruleset)?;
        self.ruleset = Some(share(bytes, verified));
        Ok(info)
    }

    /// Verifies and loads a profile snapshot; returns what was accepted. On any failure the previously loaded
    /// profile (if any) stays and a `PersonaError` is thrown; call `clearProfile()` to decide without one.
    #[wasm_bindgen(js_name = loadProfile)]
    pub fn load_profile(
        &mut self,
        bytes: &[u8],
        options: Option<LoadOptions>,
    ) -> Result<SnapshotInfoJs, JsValue> {
        let (verified, info) = self.verify(
            bytes,
            options,
            SnapshotKind::Profile,
            snapshot::verify_profile,
        )?;
        self.profile = Some(verified);
        Ok(info)
    }

    /// Forgets the loaded ruleset (e.g. when a newer one was refused and the old one expired).
    #[wasm_bindgen(js_name = clearRuleset)]
    pub fn clear_ruleset(&mut self) {
        self.ruleset = None;
    }

    /// Forgets the loaded profile: decisions become the safe, non-personalized default.
    #[wasm_bindgen(js_name = clearProfile)]
    pub fn clear_profile(&mut self) {
        self.profile = None;
    }

    /// The subject of the loaded profile, if any.
    #[wasm_bindgen(getter)]
    pub fn subject(&self) -> Option<String> {
        self.profile.as_ref().map(|p| p.header.subject.clone())
    }

    /// Whether a verified ruleset is loaded.
    #[wasm_bindgen(getter, js_name = hasRuleset)]
    pub fn has_ruleset(&self) -> bool {
        self.ruleset.is_some()
    }

    /// Records one event of the live session (it moves category affinity at once).
    pub fn track(&mut self, event: SessionEventJs) -> Result<(), JsValue> {
        let event: SessionEvent = from_js("event", event.into())?;
        self.session.record(&event);
        Ok(())
    }

    /// Replaces the live session (e.g. restored from session storage).
    #[wasm_bindgen(js_name = setSession)]
    pub fn set_session(&mut self, session: SessionJs) -> Result<(), JsValue> {
        self.session = from_js("session", session.into())?;
        Ok(())
    }

    /// The live session as recorded so far.
    #[wasm_bindgen(getter)]
    pub fn session(&self) -> Result<SessionJs, JsValue> {
        Ok(to_js(&self.session)?.unchecked_into())
    }

    /// Starts a new, empty session.
    #[wasm_bindgen(js_name = resetSession)]
    pub fn reset_session(&mut self) {
        self.session = Session::default();
    }

    /// Decides for the loaded profile (or without one) at `context.now` (default: now). A profile whose
    /// snapshot has expired since it was loaded is not used. Throws `no_ruleset` before `loadRuleset`, and
    /// `expired` once the loaded ruleset's snapshot has expired (load a fresh one).
    pub fn decide(&self, context: Option<DecisionContextJs>) -> Result<DecisionJs, JsValue> {
        let Some(ruleset) = &self.ruleset else {
            return Err(persona_error(
                NO_RULESET,
                "load a ruleset snapshot before deciding",
            ));
        };
        let context = self.context(context.map_or(JsValue::UNDEFINED, Into::into))?;
        let ruleset_expiry = ruleset.verified.header.expires_at;
        if ruleset_expiry.saturating_add(self.clock_skew_secs) < context.now {
            let error = SnapshotError::Expired {
                expires_at: ruleset_expiry,
                now: context.now,
            };
            return Err(snapshot_error(&error));
        }
        let profile = self
            .profile
            .as_ref()
            .filter(|p| p.header.expires_at.saturating_add(self.clock_skew_secs) >= context.now)
            .map(|p| &p.document);
        let decision = decide(&ruleset.verified.document, profile, &self.session, &context);
        Ok(self
            .names
            .decision(&decision, &ruleset.segment_names)
            .unchecked_into())
    }

    fn context(&self, value: JsValue) -> Result<DecisionContext, JsValue> {
        if value.is_undefined() || value.is_null() {
            return Ok(DecisionContext {
                now: now_secs(),
                ..DecisionContext::default()
            });
        }
        let has_now = js_sys::Reflect::get(&value, &JsValue::from_str("now"))
            .is_ok_and(|v| !v.is_undefined());
        if !has_now {
            // `now` is the one required field in Rust: default it to the clock here.
            let copy = js_sys::Object::assign(&js_sys::Object::new(), value.unchecked_ref());
            let _ = js_sys::Reflect::set(
                &copy,
                &JsValue::from_str("now"),
                &JsValue::from_f64(now_secs() as f64),
            );
            return from_js("context", copy.into());
        }
        from_js("context", value)
    }
}

/// Reads a snapshot's header WITHOUT verifying it (for display and debugging; never trust it).
#[wasm_bindgen(js_name = inspectSnapshot)]
pub fn inspect_snapshot(bytes: &[u8]) -> Result<UnverifiedHeaderJs, JsValue> {
    let (header, _) = snapshot::inspect(bytes).map_err(|e| snapshot_error(&e))?;
    let info = SnapshotInfo {
        version: Some(header.version),
        ..SnapshotInfo::of(&header)
    };
    Ok(to_js(&info)?.unchecked_into())
}

/// Every `PersonaError.code` this module can throw.
#[wasm_bindgen(js_name = errorCodes)]
pub fn error_codes() -> Result<ErrorCodesJs, JsValue> {
    let mut codes: Vec<&str> = SnapshotError::CODES.to_vec();
    codes.extend([INVALID_ARGUMENT, NO_RULESET, INTERNAL]);
    Ok(to_js(&codes)?.unchecked_into())
}
