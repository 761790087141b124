//! The customer profile carried in a profile snapshot: compact, aggregated, no raw PII.
//!
//! Everything here is what the central store computed from raw data (aggregation, bucketing,
//! generalization, smoothing); the edge reads it, blends in the live session and decides.

use crate::prelude::*;

mod activity;
mod behaviour;
mod consent;
mod snapshot;
mod zone;

pub use activity::{ActivityHistogram, HOURS_PER_WEEK, MAX_LEVEL};
pub use behaviour::{
    Behaviour, CategoryAffinity, ChannelActivity, Engagement, RecentSends, RfmBands,
};
pub use consent::{Consent, ConsentLedger, ConsentState, Purpose};
pub use snapshot::accept_profile;
#[cfg(not(target_arch = "wasm32"))]
pub use snapshot::{sign_profile, verify_profile};
pub use zone::{ZoneChange, ZoneSchedule};

use crate::channel::Channel;
use crate::codec::{Decodable, Invalid, Reader};
use bincode::Encode;
use serde::{Deserialize, Serialize};

/// Loyalty programme tier.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize, Encode,
)]
#[cfg_attr(test, derive(bincode::Decode))]
#[serde(rename_all = "snake_case")]
pub enum LoyaltyTier {
    /// Not a member.
    #[default]
    None,
    /// Entry tier.
    Bronze,
    /// Second tier.
    Silver,
    /// Third tier.
    Gold,
    /// Top tier.
    Platinum,
}

impl Decodable for LoyaltyTier {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(match r.u32()? {
            0 => LoyaltyTier::None,
            1 => LoyaltyTier::Bronze,
            2 => LoyaltyTier::Silver,
            3 => LoyaltyTier::Gold,
            4 => LoyaltyTier::Platinum,
            _ => return Err(Invalid::Tag),
        })
    }
}

impl LoyaltyTier {
    /// The stable name used in JSON and rules.
    pub const fn name(self) -> &'static str {
        match self {
            LoyaltyTier::None => "none",
            LoyaltyTier::Bronze => "bronze",
            LoyaltyTier::Silver => "silver",
            LoyaltyTier::Gold => "gold",
            LoyaltyTier::Platinum => "platinum",
        }
    }
}

/// Where the customer is in their life with the brand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
#[serde(rename_all = "snake_case")]
pub enum LifecycleStage {
    /// Known but never bought.
    #[default]
    Prospect,
    /// First purchase recently.
    New,
    /// Buying regularly.
    Active,
    /// Activity falling off.
    AtRisk,
    /// No purchase for a long time.
    Lapsed,
    /// Gone: closed the account or unreachable for good.
    Churned,
}

impl Decodable for LifecycleStage {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(match r.u32()? {
            0 => LifecycleStage::Prospect,
            1 => LifecycleStage::New,
            2 => LifecycleStage::Active,
            3 => LifecycleStage::AtRisk,
            4 => LifecycleStage::Lapsed,
            5 => LifecycleStage::Churned,
            _ => return Err(Invalid::Tag),
        })
    }
}

impl LifecycleStage {
    /// The stable name used in JSON and rules.
    pub const fn name(self) -> &'static str {
        match self {
            LifecycleStage::Prospect => "prospect",
            LifecycleStage::New => "new",
            LifecycleStage::Active => "active",
            LifecycleStage::AtRisk => "at_risk",
            LifecycleStage::Lapsed => "lapsed",
            LifecycleStage::Churned => "churned",
        }
    }
}

/// Quiet hours in the customer's local time: no messages from `start_hour` until `end_hour`
/// (wrapping past midnight when `start_hour > end_hour`, e.g. 21..8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
#[serde(deny_unknown_fields)]
pub struct QuietHours {
    /// First quiet hour, 0..=23.
    pub start_hour: u8,
    /// First hour that is no longer quiet, 0..=23.
    pub end_hour: u8,
}

impl Decodable for QuietHours {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(QuietHours {
            start_hour: r.read()?,
            end_hour: r.read()?,
        })
    }
}

impl QuietHours {
    /// Whether a local hour of the day (0..=23) is quiet.
    pub fn contains(&self, hour: u8) -> bool {
        if self.start_hour == self.end_hour {
            false
        } else if self.start_hour < self.end_hour {
            hour >= self.start_hour && hour < self.end_hour
        } else {
            hour >= self.start_hour || hour < self.end_hour
        }
    }
}

/// What the customer told us (zero-party data). It outranks anything inferred.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
#[serde(deny_unknown_fields)]
pub struct StatedPreferences {
    /// The channel the customer asked to be reached on.
    #[serde(default)]
    pub preferred_channel: Option<Channel>,
    /// Categories the customer said they care about.
    #[serde(default)]
    pub interests: Vec<String>,
    /// The customer's own quiet hours, overriding the campaign default.
    #[serde(default)]
    pub quiet_hours: Option<QuietHours>,
}

impl Decodable for StatedPreferences {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(StatedPreferences {
            preferred_channel: r.read()?,
            interests: r.read()?,
            quiet_hours: r.read()?,
        })
    }
}

/// Model outputs computed centrally, each 0..=100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
#[serde(deny_unknown_fields)]
pub struct Predictions {
    /// Probability (percent) the customer leaves in the next period.
    pub churn_risk: u8,
    /// Probability (percent) the customer buys in the next period.
    pub purchase_propensity: u8,
}

impl Decodable for Predictions {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(Predictions {
            churn_risk: r.read()?,
            purchase_propensity: r.read()?,
        })
    }
}

/// Open service situations: while any is set, promotion is suppressed and service comes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
#[serde(deny_unknown_fields)]
pub struct ServiceState {
    /// A complaint is open.
    #[serde(default)]
    pub open_complaint: bool,
    /// A refund was requested and not yet settled.
    #[serde(default)]
    pub pending_refund: bool,
    /// An order is late.
    #[serde(default)]
    pub late_order: bool,
}

impl Decodable for ServiceState {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(ServiceState {
            open_complaint: r.read()?,
            pending_refund: r.read()?,
            late_order: r.read()?,
        })
    }
}

impl ServiceState {
    /// Whether the customer is in a service situation.
    pub fn active(&self) -> bool {
        self.open_complaint || self.pending_refund || self.late_order
    }
}

/// One customer's profile as carried by a profile snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Pseudonymous subject id (see [`crate::subject::is_valid_subject`]).
    pub subject: String,
    /// BCP 47 language tag, generalized to language-region (e.g. `"de-DE"`).
    #[serde(default)]
    pub locale: String,
    /// ISO 3166-1 alpha-2 country code.
    #[serde(default)]
    pub country: String,
    /// Time zone as an offset schedule.
    #[serde(default)]
    pub zone: ZoneSchedule,
    /// Loyalty tier.
    #[serde(default)]
    pub loyalty_tier: LoyaltyTier,
    /// Lifecycle stage.
    #[serde(default)]
    pub lifecycle: LifecycleStage,
    /// Lifetime value net of returns and costs, as a coarse band: 0 (none or negative), then 1 ..= 10
    /// by the store's thresholds (by default doubling at each step from 25 to 6,400).
    #[serde(default)]
    pub net_value_band: u8,
    /// Lifetime value net of returns and costs, generalized: the lower edge of its step on the store's
    /// net value grid, in whole currency units (0 for none, negative or below the grid's floor). Steps
    /// are about 20 % wide by default, so values 20 % apart read differently; never exact amounts.
    #[serde(default)]
    pub net_value: u32,
    /// Share of purchased items returned, percent 0..=100.
    #[serde(default)]
    pub return_rate: u8,
    /// Consent per channel and purpose.
    #[serde(default)]
    pub consent: ConsentLedger,
    /// Stated (zero-party) preferences.
    #[serde(default)]
    pub preferences: StatedPreferences,
    /// Behavioural aggregates.
    #[serde(default)]
    pub behaviour: Behaviour,
    /// Predicted scores.
    #[serde(default)]
    pub predictions: Predictions,
    /// Open service situations.
    #[serde(default)]
    pub service: ServiceState,
}

impl Decodable for Profile {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(Profile {
            subject: r.read()?,
            locale: r.read()?,
            country: r.read()?,
            zone: r.read()?,
            loyalty_tier: r.read()?,
            lifecycle: r.read()?,
            net_value_band: r.read()?,
            net_value: r.read()?,
            return_rate: r.read()?,
            consent: r.read()?,
            preferences: r.read()?,
            behaviour: r.read()?,
            predictions: r.read()?,
            service: r.read()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_hours_wrap_midnight() {
        let q = QuietHours {
            start_hour: 21,
            end_hour: 8,
        };
        assert!(q.contains(21) && q.contains(3) && q.contains(7));
        assert!(!q.contains(8) && !q.contains(20));
        let day = QuietHours {
            start_hour: 12,
            end_hour: 14,
        };
        assert!(day.contains(13) && !day.contains(14));
    }
}
