//! Profile updates (`PUT /v1/profiles/{subject}`): traits, stated preferences, consent and supplied
//! predictions, merged into the stored state. A field that is present replaces, an absent one keeps,
//! `null` clears.

use super::check::{self, element};
use super::consent::{ConsentChange, ConsentSource, ConsentTarget};
use super::decay::day_of;
use super::error::ModelError;
use super::identifying;
use super::locale::{generalize_locale, normalize_country, COUNTRY_RULE, LOCALE_RULE};
use super::state::ProfileState;
use super::zone::{canonical_zone, ZONE_RULE};
use persona_edge::channel::Channel;
use persona_edge::profile::{
    Consent, ConsentState, LifecycleStage, LoyaltyTier, Purpose, QuietHours,
};
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;

/// Most stated interests kept.
pub const MAX_INTERESTS: usize = 16;

/// One field of an update: absent keeps the stored value, `null` clears it, a value replaces it.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Change<T> {
    /// The field was absent: keep what is stored.
    #[default]
    Keep,
    /// The field was `null`: clear it (back to unknown, or to the derived value).
    Clear,
    /// The field was set to this value.
    Set(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Change<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(deserializer)? {
            Some(value) => Change::Set(value),
            None => Change::Clear,
        })
    }
}

impl<T> Change<T> {
    /// The new value, if one was set.
    pub fn value(&self) -> Option<&T> {
        match self {
            Change::Set(value) => Some(value),
            Change::Keep | Change::Clear => None,
        }
    }

    /// Merges into `slot`: keep, reset to the default, or set to `convert(value)` (kept when `convert`
    /// refuses the value, which validation rules out).
    fn merge<U: Default>(&self, slot: &mut U, convert: impl FnOnce(&T) -> Option<U>) {
        match self {
            Change::Keep => {}
            Change::Clear => *slot = U::default(),
            Change::Set(value) => {
                if let Some(converted) = convert(value) {
                    *slot = converted;
                }
            }
        }
    }

    /// Checks a set value with `check`.
    fn check(&self, check: impl FnOnce(&T) -> Result<(), ModelError>) -> Result<(), ModelError> {
        self.value().map_or(Ok(()), check)
    }
}

/// Descriptive traits.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraitsUpdate {
    /// BCP 47 language tag, generalized to language-region (`"de-de"` is stored as `"de-DE"`).
    #[serde(default)]
    pub locale: Change<String>,
    /// ISO 3166-1 alpha-2 country code (stored upper case).
    #[serde(default)]
    pub country: Change<String>,
    /// IANA time zone name (stored in its canonical spelling).
    #[serde(default)]
    pub time_zone: Change<String>,
    /// Loyalty tier; `null` means not a member.
    #[serde(default)]
    pub loyalty_tier: Change<LoyaltyTier>,
    /// Lifecycle stage from the system of record, overriding the derived one; `null` goes back to deriving.
    #[serde(default)]
    pub lifecycle: Change<LifecycleStage>,
    /// The customer closed their account: the lifecycle becomes `churned`.
    #[serde(default)]
    pub account_closed: Change<bool>,
}

/// What the customer told us.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreferencesUpdate {
    /// The channel the customer asked to be reached on.
    #[serde(default)]
    pub preferred_channel: Change<Channel>,
    /// Category ids the customer said they care about (at most [`MAX_INTERESTS`]).
    #[serde(default)]
    pub interests: Change<Vec<String>>,
    /// The customer's quiet hours.
    #[serde(default)]
    pub quiet_hours: Change<QuietHours>,
}

/// Consent per purpose, a JSON object keyed by purpose name (`{"marketing": "granted"}`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PurposeStates(pub Vec<(Purpose, ConsentState)>);

impl<'de> Deserialize<'de> for PurposeStates {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PurposeMap;
        impl<'de> Visitor<'de> for PurposeMap {
            type Value = PurposeStates;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of consent states keyed by purpose")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PurposeStates, A::Error> {
                let mut out: Vec<(Purpose, ConsentState)> = Vec::new();
                while let Some((purpose, state)) = map.next_entry::<Purpose, ConsentState>()? {
                    out.retain(|(p, _)| *p != purpose);
                    out.push((purpose, state));
                }
                Ok(PurposeStates(out))
            }
        }
        deserializer.deserialize_map(PurposeMap)
    }
}

/// Consent changes; each one records the day it was made, and the store keeps it as evidence with its
/// instant and `source`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentUpdate {
    /// Consent per channel.
    #[serde(default)]
    pub channels: BTreeMap<Channel, ConsentState>,
    /// Consent per purpose.
    #[serde(default)]
    pub purposes: PurposeStates,
    /// Where the change came from (default: `api`, or `import` in `persona import`).
    #[serde(default)]
    pub source: Option<ConsentSource>,
}

/// Predictions computed elsewhere, each 0..=100; `null` goes back to the store's own estimate.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PredictionsUpdate {
    /// Probability (percent) the customer leaves in the next period.
    #[serde(default)]
    pub churn_risk: Change<u8>,
    /// Probability (percent) the customer buys in the next period.
    #[serde(default)]
    pub purchase_propensity: Change<u8>,
}

/// The body of `PUT /v1/profiles/{subject}`: every part optional, merged into the stored state.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileUpdate {
    /// Descriptive traits.
    #[serde(default)]
    pub traits: TraitsUpdate,
    /// Stated preferences.
    #[serde(default)]
    pub preferences: PreferencesUpdate,
    /// Consent changes.
    #[serde(default)]
    pub consent: ConsentUpdate,
    /// Supplied predictions.
    #[serde(default)]
    pub predictions: PredictionsUpdate,
}

fn rule(ok: bool, path: &str, message: &str) -> Result<(), ModelError> {
    if ok {
        Ok(())
    } else {
        Err(ModelError::new(path, message))
    }
}

/// Whether `hour` is an hour of the day, 0..=23.
fn is_hour(hour: u8) -> bool {
    hour <= 23
}

fn hour(path: &str, hour: u8) -> Result<(), ModelError> {
    rule(is_hour(hour), path, "must be an hour 0..=23")
}

fn percent(path: &str, value: u8) -> Result<(), ModelError> {
    rule(value <= 100, path, "must be 0..=100")
}

impl ProfileUpdate {
    /// Checks every value the update sets; the error names the first offending field (e.g.
    /// `"traits.time_zone"`, `"preferences.quiet_hours.start_hour"`, `"preferences.interests[3]"`).
    pub fn validate(&self) -> Result<(), ModelError> {
        let traits = &self.traits;
        for (path, text) in [
            ("traits.locale", &traits.locale),
            ("traits.country", &traits.country),
            ("traits.time_zone", &traits.time_zone),
        ] {
            text.check(|v| identifying::check_text(path, v))?;
        }
        traits
            .locale
            .check(|v| rule(generalize_locale(v).is_some(), "traits.locale", LOCALE_RULE))?;
        traits.country.check(|v| {
            rule(
                normalize_country(v).is_some(),
                "traits.country",
                COUNTRY_RULE,
            )
        })?;
        traits
            .time_zone
            .check(|v| rule(canonical_zone(v).is_some(), "traits.time_zone", ZONE_RULE))?;

        let preferences = &self.preferences;
        preferences.interests.check(|interests| {
            rule(
                interests.len() <= MAX_INTERESTS,
                "preferences.interests",
                "must list at most 16 interests",
            )?;
            interests.iter().enumerate().try_for_each(|(i, id)| {
                let path = element("preferences.interests", i);
                identifying::check_text(&path, id)?;
                check::category(&path, id)
            })
        })?;
        preferences.quiet_hours.check(|q| {
            hour("preferences.quiet_hours.start_hour", q.start_hour)?;
            hour("preferences.quiet_hours.end_hour", q.end_hour)
        })?;

        let predictions = &self.predictions;
        predictions
            .churn_risk
            .check(|v| percent("predictions.churn_risk", *v))?;
        predictions
            .purchase_propensity
            .check(|v| percent("predictions.purchase_propensity", *v))
    }
}

/// Records a consent state on `day`, unless it is the state already recorded (which keeps its day);
/// true when it changed.
fn record_consent(consent: &mut Consent, state: ConsentState, day: u32) -> bool {
    let changed = consent.state != state;
    if changed {
        *consent = Consent { state, day };
    }
    changed
}

/// The stated interests as stored: valid ids, each once, at most [`MAX_INTERESTS`].
fn clean_interests(interests: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in interests {
        if check::is_category_id(id) && !out.contains(id) && out.len() < MAX_INTERESTS {
            out.push(id.clone());
        }
    }
    out
}

impl ProfileState {
    /// Merges a validated update made at `now` (Unix seconds). Consent changes are recorded with the day
    /// of `now`; a consent that is re-sent unchanged keeps the day it was first recorded. Returns the
    /// consent states that changed (for the store's evidence).
    pub fn apply_update(&mut self, update: &ProfileUpdate, now: u64) -> Vec<ConsentChange> {
        let t = &update.traits;
        let traits = &mut self.traits;
        t.locale
            .merge(&mut traits.locale, |v| generalize_locale(v).map(Some));
        t.country
            .merge(&mut traits.country, |v| normalize_country(v).map(Some));
        t.time_zone
            .merge(&mut traits.time_zone, |v| canonical_zone(v).map(Some));
        t.loyalty_tier.merge(&mut traits.loyalty_tier, |v| Some(*v));
        t.lifecycle.merge(&mut traits.lifecycle, |v| Some(Some(*v)));
        t.account_closed
            .merge(&mut traits.account_closed, |v| Some(*v));

        let p = &update.preferences;
        let preferences = &mut self.preferences;
        p.preferred_channel
            .merge(&mut preferences.preferred_channel, |v| Some(Some(*v)));
        p.interests
            .merge(&mut preferences.interests, |v| Some(clean_interests(v)));
        p.quiet_hours.merge(&mut preferences.quiet_hours, |q| {
            (is_hour(q.start_hour) && is_hour(q.end_hour)).then_some(Some(*q))
        });

        let day = day_of(now);
        let mut changes = Vec::new();
        for (channel, state) in &update.consent.channels {
            if record_consent(self.consent.channels.get_mut(*channel), *state, day) {
                changes.push(ConsentChange {
                    target: ConsentTarget::Channel(*channel),
                    state: *state,
                });
            }
        }
        for (purpose, state) in &update.consent.purposes.0 {
            let purposes = &mut self.consent.purposes;
            if !purposes.iter().any(|(p, _)| p == purpose) {
                purposes.push((*purpose, Consent::default()));
            }
            if let Some((_, consent)) = purposes.iter_mut().find(|(p, _)| p == purpose) {
                if record_consent(consent, *state, day) {
                    changes.push(ConsentChange {
                        target: ConsentTarget::Purpose(*purpose),
                        state: *state,
                    });
                }
            }
        }

        if self.denied(Purpose::Personalization) {
            self.forget_inferred();
        }

        let pr = &update.predictions;
        let predictions = &mut self.predictions;
        pr.churn_risk
            .merge(&mut predictions.churn_risk, |v| Some(Some((*v).min(100))));
        pr.purchase_propensity
            .merge(&mut predictions.purchase_propensity, |v| {
                Some(Some((*v).min(100)))
            });
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_795_000_000;

    fn update(json: &str) -> ProfileUpdate {
        serde_json::from_str(json).expect("valid update JSON")
    }

    fn error_path(json: &str) -> String {
        update(json)
            .validate()
            .map_or_else(|e| e.path, |()| String::new())
    }

    #[test]
    fn the_documented_example_parses_validates_and_applies() {
        let u = update(
            r#"{ "traits": { "locale": "de-de", "country": "de", "time_zone": "europe/berlin",
                              "loyalty_tier": "silver", "lifecycle": "churned", "account_closed": false },
                 "preferences": { "preferred_channel": "email", "interests": ["camping", "camping"],
                                  "quiet_hours": { "start_hour": 20, "end_hour": 9 } },
                 "consent": { "channels": { "email": "granted", "phone": "denied" },
                              "purposes": { "marketing": "granted" } },
                 "predictions": { "churn_risk": 25, "purchase_propensity": 40 } }"#,
        );
        assert_eq!(u.validate(), Ok(()));
        let mut s = ProfileState::new("c_ana");
        s.apply_update(&u, NOW);
        assert_eq!(s.traits.locale.as_deref(), Some("de-DE"));
        assert_eq!(s.traits.country.as_deref(), Some("DE"));
        assert_eq!(s.traits.time_zone.as_deref(), Some("Europe/Berlin"));
        assert_eq!(s.traits.loyalty_tier, LoyaltyTier::Silver);
        assert_eq!(s.traits.lifecycle, Some(LifecycleStage::Churned));
        assert_eq!(s.preferences.interests, ["camping"]);
        assert_eq!(s.preferences.preferred_channel, Some(Channel::Email));
        let day = day_of(NOW);
        assert_eq!(
            *s.consent.channels.get(Channel::Phone),
            Consent {
                state: ConsentState::Denied,
                day
            }
        );
        assert_eq!(s.consent.purpose(Purpose::Marketing), ConsentState::Granted);
        assert_eq!(s.predictions.churn_risk, Some(25));
    }

    #[test]
    fn absent_keeps_null_clears_value_replaces() {
        let mut s = ProfileState::new("c_1");
        s.apply_update(
            &update(r#"{"traits": {"country": "FR", "loyalty_tier": "gold"}, "predictions": {"churn_risk": 70}}"#),
            NOW,
        );
        s.apply_update(&update(r#"{"traits": {"locale": "fr-FR"}}"#), NOW);
        assert_eq!(s.traits.country.as_deref(), Some("FR"), "absent keeps");
        s.apply_update(
            &update(r#"{"traits": {"country": null, "loyalty_tier": null}, "predictions": {"churn_risk": null}}"#),
            NOW,
        );
        assert_eq!(s.traits.country, None);
        assert_eq!(s.traits.loyalty_tier, LoyaltyTier::None);
        assert_eq!(s.predictions.churn_risk, None);
        assert_eq!(s.traits.locale.as_deref(), Some("fr-FR"));
    }

    #[test]
    fn unchanged_consent_keeps_its_day() {
        let mut s = ProfileState::new("c_1");
        let grant = update(r#"{"consent": {"channels": {"email": "granted"}}}"#);
        s.apply_update(&grant, NOW);
        s.apply_update(&grant, NOW + 86_400 * 10);
        assert_eq!(s.consent.channels.get(Channel::Email).day, day_of(NOW));
        s.apply_update(
            &update(r#"{"consent": {"channels": {"email": "denied"}}}"#),
            NOW + 86_400 * 10,
        );
        assert_eq!(
            *s.consent.channels.get(Channel::Email),
            Consent {
                state: ConsentState::Denied,
                day: day_of(NOW) + 10
            }
        );
    }

    #[test]
    fn validation_errors_carry_the_path() {
        let cases = [
            (r#"{"traits": {"locale": "deutsch"}}"#, "traits.locale"),
            (r#"{"traits": {"country": "ZZ"}}"#, "traits.country"),
            (
                r#"{"traits": {"time_zone": "Europe/Atlantis"}}"#,
                "traits.time_zone",
            ),
            (
                r#"{"preferences": {"quiet_hours": {"start_hour": 24, "end_hour": 9}}}"#,
                "preferences.quiet_hours.start_hour",
            ),
            (
                r#"{"preferences": {"quiet_hours": {"start_hour": 20, "end_hour": 99}}}"#,
                "preferences.quiet_hours.end_hour",
            ),
            (
                r#"{"preferences": {"interests": ["ok", "Not OK"]}}"#,
                "preferences.interests[1]",
            ),
            (
                r#"{"predictions": {"churn_risk": 101}}"#,
                "predictions.churn_risk",
            ),
            (
                r#"{"predictions": {"purchase_propensity": 200}}"#,
                "predictions.purchase_propensity",
            ),
        ];
        for (json, path) in cases {
            assert_eq!(error_path(json), path, "{json}");
        }
        let many: Vec<String> = (0..17).map(|i| format!("\"c{i}\"")).collect();
        let json = format!(
            r#"{{"preferences": {{"interests": [{}]}}}}"#,
            many.join(",")
        );
        assert_eq!(error_path(&json), "preferences.interests");
        assert_eq!(
            error_path(r#"{"traits": {"locale": null}}"#),
            "",
            "null is always valid"
        );
    }

    #[test]
    fn unknown_fields_and_names_fail_to_deserialize() {
        let bad = [
            r#"{"trait": {}}"#,
            r#"{"traits": {"zone": "Europe/Berlin"}}"#,
            r#"{"traits": {"loyalty_tier": "diamond"}}"#,
            r#"{"preferences": {"quiet_hours": {"start_hour": 1, "end_hour": 2, "x": 3}}}"#,
            r#"{"consent": {"channels": {"fax": "granted"}}}"#,
            r#"{"consent": {"channels": {"email": "maybe"}}}"#,
            r#"{"consent": {"purposes": {"profiling": "granted"}}}"#,
            r#"{"predictions": {"churn_risk": 300}}"#,
        ];
        for json in bad {
            assert!(
                serde_json::from_str::<ProfileUpdate>(json).is_err(),
                "{json}"
            );
        }
    }
}
