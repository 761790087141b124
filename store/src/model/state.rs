//! What the store keeps per customer: aggregates, never a raw event log (see the module docs of
//! [`crate::model`] for what is kept and for how long).

use super::activity::Activity;
use super::commerce::Commerce;
use super::engagement::EngagementLog;
use super::interest::Interest;
use super::sends::SendLog;
use super::service::Service;
use persona_edge::profile::{ConsentLedger, LifecycleStage, LoyaltyTier, StatedPreferences};
use serde::{Deserialize, Serialize};

/// One customer's stored state: the single source the snapshot profile is minimized from. Stored as JSON
/// text; parts missing from stored JSON take their empty default, so older states keep loading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileState {
    pub(super) subject: String,
    #[serde(default)]
    pub(super) traits: Traits,
    #[serde(default)]
    pub(super) preferences: StatedPreferences,
    #[serde(default)]
    pub(super) consent: ConsentLedger,
    #[serde(default)]
    pub(super) predictions: SuppliedPredictions,
    #[serde(default)]
    pub(super) interest: Interest,
    #[serde(default)]
    pub(super) commerce: Commerce,
    #[serde(default)]
    pub(super) engagement: EngagementLog,
    #[serde(default)]
    pub(super) sends: SendLog,
    #[serde(default)]
    pub(super) activity: Activity,
    #[serde(default)]
    pub(super) service: Service,
}

/// Descriptive traits, already generalized (language-region locale, canonical zone name).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Traits {
    pub(crate) locale: Option<String>,
    pub(crate) country: Option<String>,
    pub(crate) time_zone: Option<String>,
    pub(crate) loyalty_tier: LoyaltyTier,
    /// A stage set by the system of record; it overrides the one derived from purchases.
    pub(crate) lifecycle: Option<LifecycleStage>,
    pub(crate) account_closed: bool,
}

/// Model outputs supplied from outside; absent ones are derived (churn risk) or 0.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct SuppliedPredictions {
    pub(crate) churn_risk: Option<u8>,
    pub(crate) purchase_propensity: Option<u8>,
}

impl ProfileState {
    /// The empty state of a subject (whose form the caller checked with
    /// [`persona_edge::subject::is_valid_subject`]).
    pub fn new(subject: &str) -> ProfileState {
        ProfileState {
            subject: subject.to_owned(),
            traits: Traits::default(),
            preferences: StatedPreferences::default(),
            consent: ConsentLedger::default(),
            predictions: SuppliedPredictions::default(),
            interest: Interest::default(),
            commerce: Commerce::default(),
            engagement: EngagementLog::default(),
            sends: SendLog::default(),
            activity: Activity::default(),
            service: Service::default(),
        }
    }

    /// The pseudonymous subject id.
    pub fn subject(&self) -> &str {
        &self.subject
    }
}
