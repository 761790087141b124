//! `EngineCore`: the trusted keys and audience of one site, the verified ruleset, and `decide`. The public
//! `Engine` of the package (`pkg-config/src/engine.js`) wraps it: it checks signatures with WebCrypto
//! between `open` and `accept*`, and caches verified profiles.

use crate::prelude::*;

use super::convert::{push_table, Names};
use super::envelope::Envelope;
use super::error::{whole, BindingError};
use super::host;
use super::profile::VerifiedProfile;
use super::session::LiveSession;
use super::shared::{share, LoadedRuleset};
use crate::channel::{Channel, PerChannel};
use crate::context::{ConsentBanner, DecisionContext, MessagePurpose};
use crate::decide::decide;
use crate::profile::Profile;
use crate::ruleset::accept_ruleset;
use crate::session::{Device, Session};
use crate::snapshot::{
    check_header, is_valid_audience, KeyId, PublicKey, SignerSearch, SnapshotError, SnapshotKind,
    VerifyOptions, KEY_ID_LEN, PUBLIC_KEY_LEN,
};
use alloc::rc::Rc;
use wasm_bindgen::prelude::*;

/// The engine state of one site: trusted keys (their ids computed by the host), audience, clock skew and
/// the verified ruleset.
#[wasm_bindgen]
pub struct EngineCore {
    audience: String,
    clock_skew_secs: u64,
    keys: Vec<PublicKey>,
    key_ids: Vec<Option<KeyId>>,
    ruleset: Option<Rc<LoadedRuleset>>,
    /// JS name tables reused by every decision.
    names: Names,
}

fn kind_of(kind: u8) -> Result<SnapshotKind, BindingError> {
    SnapshotKind::from_byte(kind).ok_or(BindingError::InvalidArgument(
        "kind",
        "1 (profile) or 2 (ruleset)",
    ))
}

fn optional_whole(what: &'static str, value: f64) -> Result<Option<u64>, BindingError> {
    if value.is_nan() {
        Ok(None)
    } else {
        whole(what, value).map(Some)
    }
}

#[wasm_bindgen]
impl EngineCore {
    /// An engine for `audience` allowing `clock_skew_secs` on issue and expiry times; trusts no key yet.
    #[wasm_bindgen(constructor)]
    pub fn new(audience: String, clock_skew_secs: f64) -> Result<EngineCore, BindingError> {
        if !is_valid_audience(&audience) {
            return Err(BindingError::InvalidArgument(
                "options.audience",
                "1..=64 of [A-Za-z0-9._:-]",
            ));
        }
        Ok(EngineCore {
            audience,
            clock_skew_secs: whole("options.clockSkewSecs", clock_skew_secs)?,
            keys: Vec::new(),
            key_ids: Vec::new(),
            ruleset: None,
            names: Names::new(),
        })
    }

    /// Trusts a public key given as its 32 bytes (the host decodes hex or base64url text); refuses
    /// non-canonical and small-order keys (`invalid_key`). Returns whether the key is new (a key given
    /// twice is trusted once).
    pub fn trust(&mut self, key: &[u8]) -> Result<bool, BindingError> {
        let bytes =
            <[u8; PUBLIC_KEY_LEN]>::try_from(key).map_err(|_| SnapshotError::InvalidKey {
                reason: "not 32 bytes",
            })?;
        let key = PublicKey::from_bytes(&bytes)?;
        if self.keys.contains(&key) {
            return Ok(false);
        }
        self.keys.push(key);
        self.key_ids.push(None);
        Ok(true)
    }

    /// Records the key id of trusted key `index` (the first 8 bytes of SHA-512 of its bytes, computed by
    /// the host).
    #[wasm_bindgen(js_name = setKeyId)]
    pub fn set_key_id(&mut self, index: usize, id: &[u8]) -> Result<(), BindingError> {
        let id = <[u8; KEY_ID_LEN]>::try_from(id)
            .map_err(|_| BindingError::InvalidArgument("key id", "8 bytes"))?;
        let slot = self
            .key_ids
            .get_mut(index)
            .ok_or(BindingError::InvalidArgument("key index", "a trusted key"))?;
        *slot = Some(KeyId(id));
        Ok(())
    }

    /// How many keys are trusted.
    #[wasm_bindgen(getter, js_name = keyCount)]
    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// Checks 1 and 2 of the verification order (size cap for `kind`, 1 profile or 2 ruleset, then the
    /// layout); the envelope then holds the bytes for the signature check.
    pub fn open(&self, bytes: &[u8], kind: u8) -> Result<Envelope, BindingError> {
        let kind = kind_of(kind)?;
        Envelope::open(bytes, kind, |opened| {
            // A key whose id the host has not computed yet never matches the hint (it is still tried).
            let ids = self
                .key_ids
                .iter()
                .map(|id| id.unwrap_or(KeyId([0xff; KEY_ID_LEN])));
            SignerSearch::new(ids, opened.header.key_id)
        })
    }

    fn options(
        &self,
        kind: SnapshotKind,
        now: f64,
        subject: Option<String>,
        min_sequence: f64,
    ) -> Result<VerifyOptions, BindingError> {
        let mut opts = VerifyOptions::new(
            kind,
            whole("now", crate::math::floor(now))?,
            self.audience.clone(),
        )
        .with_clock_skew(self.clock_skew_secs);
        if let Some(min) = optional_whole("minSequence", min_sequence)? {
            opts = opts.with_min_sequence(min);
        }
        if let Some(subject) = subject {
            opts = opts.with_subject(subject);
        }
        Ok(opts)
    }

    /// The trusted key whose signature verified (`signer`, an index into the trusted keys, or -1 when none
    /// did: `tampered` or `unknown_key`), then every other check of `envelope` as a `kind` snapshot.
    fn signer(&self, envelope: &Envelope, signer: i32) -> Result<KeyId, BindingError> {
        let index = usize::try_from(signer).map_err(|_| envelope.search().none_verified())?;
        let id =
            self.key_ids
                .get(index)
                .copied()
                .flatten()
                .ok_or(BindingError::InvalidArgument(
                    "signer",
                    "a trusted key with its id",
                ))?;
        Ok(id)
    }

    /// The signer's key id and the options of the remaining checks, for an envelope opened as `kind`.
    fn signed(
        &self,
        envelope: &Envelope,
        kind: SnapshotKind,
        signer: i32,
        now: f64,
        subject: Option<String>,
        min_sequence: f64,
    ) -> Result<(KeyId, VerifyOptions), BindingError> {
        if envelope.kind() != kind {
            return Err(BindingError::InvalidArgument(
                "envelope",
                "opened as another kind",
            ));
        }
        let signer = self.signer(envelope, signer)?;
        Ok((signer, self.options(kind, now, subject, min_sequence)?))
    }

    /// After the host verified the signature of `envelope` with trusted key `signer` (-1: none did), runs
    /// every other check and loads the ruleset. Returns `[sequence, issuedAt, expiresAt]`. On any failure
    /// the loaded ruleset stays.
    #[wasm_bindgen(js_name = acceptRuleset)]
    pub fn accept_ruleset(
        &mut self,
        envelope: Envelope,
        signer: i32,
        now: f64,
        min_sequence: f64,
    ) -> Result<Vec<f64>, BindingError> {
        let (signer, opts) = self.signed(
            &envelope,
            SnapshotKind::Ruleset,
            signer,
            now,
            None,
            min_sequence,
        )?;
        let verified = accept_ruleset(envelope.opened()?, signer, &opts)?;
        let header = &verified.header;
        let info = vec![
            header.sequence as f64,
            header.issued_at as f64,
            header.expires_at as f64,
        ];
        self.ruleset = Some(share(envelope.bytes(), verified));
        Ok(info)
    }

    /// After the host verified the signature of `envelope` with trusted key `signer` (-1: none did), runs
    /// every other check (for `subject` if given, and no sequence below `min_sequence` unless it is NaN)
    /// and decodes the profile.
    #[wasm_bindgen(js_name = acceptProfile)]
    pub fn accept_profile(
        &self,
        envelope: Envelope,
        signer: i32,
        now: f64,
        subject: Option<String>,
        min_sequence: f64,
    ) -> Result<VerifiedProfile, BindingError> {
        let (signer, opts) = self.signed(
            &envelope,
            SnapshotKind::Profile,
            signer,
            now,
            subject,
            min_sequence,
        )?;
        let verified = crate::profile::accept_profile(envelope.opened()?, signer, &opts)?;
        Ok(VerifiedProfile {
            verified: Rc::new(verified),
        })
    }

    /// The checks that can change after a profile was verified (validity window at `now`, `subject`,
    /// `min_sequence`), for a verified profile used again; audience and kind were checked when it was
    /// accepted by this engine.
    pub fn recheck(
        &self,
        profile: &VerifiedProfile,
        now: f64,
        subject: Option<String>,
        min_sequence: f64,
    ) -> Result<(), BindingError> {
        let opts = self.options(SnapshotKind::Profile, now, subject, min_sequence)?;
        Ok(check_header(
            &profile.verified.header,
            &opts,
            SnapshotKind::Profile,
        )?)
    }

    /// Forgets the loaded ruleset.
    #[wasm_bindgen(js_name = clearRuleset)]
    pub fn clear_ruleset(&mut self) {
        self.ruleset = None;
    }

    /// The loaded ruleset's expiry, Unix seconds (NaN without one).
    #[wasm_bindgen(getter, js_name = rulesetExpiresAt)]
    pub fn ruleset_expires_at(&self) -> f64 {
        self.ruleset
            .as_ref()
            .map_or(f64::NAN, |r| r.verified.header.expires_at as f64)
    }

    /// Decides for `profile` (none, or an expired one: the safe, non-personalized default) with the live
    /// `session` at `now` (Unix seconds), for `country` (or none), consent banner `banner` (index of
    /// `inputNames()`, plus 16 when the browser sends Global Privacy Control) and purpose `purpose`
    /// (index of `inputNames()`), with `extra_sends` per channel (empty, or one count per
    /// channel in the channel order of `inputNames()`). The profile handle is consumed: pass a `share()`
    /// of the one kept (wasm-bindgen takes an optional class argument by value only).
    #[allow(clippy::too_many_arguments)]
    pub fn decide(
        &self,
        profile: Option<VerifiedProfile>,
        session: &LiveSession,
        now: f64,
        country: Option<String>,
        banner: u8,
        purpose: u8,
        extra_sends: &[f64],
    ) -> Result<JsValue, BindingError> {
        let context = context(now, country, banner, purpose, extra_sends)?;
        let live = profile.as_ref().filter(|p| {
            p.verified
                .header
                .expires_at
                .saturating_add(self.clock_skew_secs)
                >= context.now
        });
        self.decide_with(
            live.map(|p| &p.verified.document),
            &session.session,
            &context,
        )
    }
}

impl EngineCore {
    fn decide_with(
        &self,
        profile: Option<&Profile>,
        session: &Session,
        context: &DecisionContext,
    ) -> Result<JsValue, BindingError> {
        let ruleset = self.ruleset.as_ref().ok_or(BindingError::NoRuleset)?;
        let ruleset_expiry = ruleset.verified.header.expires_at;
        if ruleset_expiry.saturating_add(self.clock_skew_secs) < context.now {
            return Err(SnapshotError::Expired {
                expires_at: ruleset_expiry,
                now: context.now,
            }
            .into());
        }
        let decision = decide(&ruleset.verified.document, profile, session, context);
        Ok(self.names.decision(&decision, &ruleset.segment_names))
    }
}

fn context(
    now: f64,
    country: Option<String>,
    banner: u8,
    purpose: u8,
    extra_sends: &[f64],
) -> Result<DecisionContext, BindingError> {
    let consent_banner =
        *ConsentBanner::ALL
            .get(usize::from(banner & 15))
            .ok_or(BindingError::InvalidArgument(
                "context.consentBanner",
                "unanswered, accepted, rejected or partial",
            ))?;
    let purpose =
        *MessagePurpose::ALL
            .get(usize::from(purpose))
            .ok_or(BindingError::InvalidArgument(
                "context.purpose",
                "promotional or service",
            ))?;
    let mut sends = PerChannel::<u8>::default();
    if !extra_sends.is_empty() {
        if extra_sends.len() != Channel::ALL.len() {
            return Err(BindingError::InvalidArgument(
                "context.extraSends",
                "one count per channel",
            ));
        }
        for (slot, n) in sends.0.iter_mut().zip(extra_sends) {
            *slot = u8::try_from(whole("context.extraSends", *n)?).map_err(|_| {
                BindingError::InvalidArgument("context.extraSends", "0..=255 per channel")
            })?;
        }
    }
    Ok(DecisionContext {
        now: whole("context.now", crate::math::floor(now))?,
        country,
        consent_banner,
        purpose,
        extra_sends: sends,
        global_privacy_control: banner & 16 != 0,
    })
}

/// The name tables of the inputs, in the binding's index order: device classes, consent-banner answers,
/// message purposes, channels.
#[wasm_bindgen(js_name = inputNames)]
pub fn input_names() -> JsValue {
    let mut text = String::new();
    push_table(&mut text, &Device::ALL.map(Device::name));
    push_table(&mut text, &ConsentBanner::ALL.map(ConsentBanner::name));
    push_table(&mut text, &MessagePurpose::ALL.map(MessagePurpose::name));
    push_table(&mut text, &Channel::ALL.map(Channel::name));
    host::tables(&text)
}

/// The size caps of snapshots, bytes: `[profile, ruleset]` (a larger body need not even be read).
#[wasm_bindgen(js_name = snapshotLimits)]
pub fn snapshot_limits() -> Vec<u32> {
    [SnapshotKind::Profile, SnapshotKind::Ruleset]
        .map(|kind| kind.default_max_bytes() as u32)
        .to_vec()
}

/// Every `PersonaError.code` the package can throw: the snapshot codes, then the binding's own.
#[wasm_bindgen(js_name = errorCodes)]
pub fn error_codes() -> JsValue {
    let mut text = String::new();
    push_table(&mut text, &SnapshotError::CODES);
    for code in ["invalid_argument", "no_ruleset", "unsupported_runtime"] {
        text.push('\n');
        text.push_str(code);
    }
    host::lines(&text)
}

/// A `PersonaError` with `code` and the text `detail` (for errors the JavaScript layer raises itself, such
/// as `unsupported_runtime`), built like every error of the module.
#[wasm_bindgen(js_name = personaError)]
pub fn persona_error(code: &str, detail: &str) -> JsValue {
    host::persona_error(code, detail, "", 0.0, 0.0)
}
